import { ClientEntity } from '../../src/modules/clients/client.entity';
import { SearchClientsParams } from '../../src/modules/clients/dto/client.dto';
import { Principal } from '../../src/platform/auth/principal';
import { RequestContexts } from '../../src/platform/context/request-context';
import { Database } from '../../src/platform/database/database';
import { likePattern, quickSearchCandidates } from '../../src/platform/search/search';
import { aClient, aCurrency, aReseller, aUser } from '../support/factories';
import { DATABASE_KIND, startTestApp, TestApp } from '../support/test-app';

/**
 * clients.search's `q` through the trigram index (FTS5 on SQLite, pg_trgm on PostgreSQL) answers
 * exactly what the LIKE over lower-cased name and email answered before it: whichever way a q takes
 * (narrowed to the index's candidates, walked when matches are many, scanned when too short for
 * trigrams), whoever asks.
 */
const names = (reply: { body: any }) => (Array.isArray(reply.body) ? reply.body : reply.body.result).map((c: { name: string }) => c.name);

/** What the search answered before the index, straight from the database, in id order. */
async function likeBefore(t: TestApp, q: string): Promise<string[]> {
  const [p1, p2] = DATABASE_KIND === 'postgres' ? ['$1', '$1'] : ['?', '?'];
  const pattern = likePattern(q);
  const rows: { name: string }[] = await t.dataSource.query(
    `SELECT name FROM clients WHERE LOWER(name) LIKE ${p1} ESCAPE '\\' OR LOWER(email) LIKE ${p2} ESCAPE '\\' ORDER BY id`,
    DATABASE_KIND === 'postgres' ? [pattern] : [pattern, pattern],
  );
  return rows.map((row) => row.name);
}

/** A principal limited to the tree of `root` (`ids`: the resellers in it). */
function limitedTo(root: number, ids: number[]): Principal {
  return { ...Principal.system('test'), kind: 'user', userId: 1, login: 'limited', resellersId: root, scheme: 'api-key', reach: { kind: 'tree', root, ids: new Set(ids) } };
}

/** Runs `fn` in a unit of work of `principal`, as a request would. */
function as<T>(t: TestApp, principal: Principal, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = t.app.get(Database);
  return RequestContexts.run({ requestId: 'test', unit: Symbol('test'), principal }, () => db.unit(() => fn(db)));
}

/** The ids the index narrows `q` to for `principal`, or 'scan' when the search does without it. */
function candidateIds(t: TestApp, q: string, principal: Principal, page: { limit?: number; offset?: number } = {}): Promise<number[] | 'scan'> {
  const params = Object.assign(new SearchClientsParams(), { q, limit: page.limit ?? 20, offset: page.offset ?? 0 });
  const spec = { orders: ['id'], quickSearch: ['name', 'email'], quickSearchIndex: 'clients_q' };
  return as(t, principal, async (db) => (await quickSearchCandidates(db.repository(ClientEntity).createQueryBuilder('client'), params, spec)) ?? 'scan');
}

/** The names of the candidates the index narrows `q` to (in id order), or 'scan'. */
async function candidatesOf(t: TestApp, q: string, page: { limit?: number; offset?: number } = {}): Promise<string[] | 'scan'> {
  const system = Principal.system('test');
  const ids = await candidateIds(t, q, system, page);
  if (ids === 'scan') return ids;
  const rows = await as(t, system, (db) => db.repository(ClientEntity).createQueryBuilder('client').whereInIds(ids.length ? ids : [0]).orderBy('client.id').getMany());
  return rows.map((row) => row.name);
}

describe('quick search through the trigram index', () => {
  let t: TestApp;
  let keys: { onR: string; onR1: string; onS: string };
  let ids: Record<string, number>;
  let R: number;
  let onS: Principal;

  beforeAll(async () => {
    t = await startTestApp();
    const currencies_id = (await aCurrency(t, 'USD')).id;
    R = (await aReseller(t)).id;
    const R1 = (await aReseller(t, { parent_id: R })).id;
    const S = (await aReseller(t)).id;
    onS = limitedTo(S, [S]);
    keys = {
      onR: (await aUser(t, { resellers_id: R })).api_key,
      onR1: (await aUser(t, { resellers_id: R1 })).api_key,
      onS: (await aUser(t, { resellers_id: S })).api_key,
    };
    const clients: [string, string, string | null, number | null][] = [
      ['muller', 'Jürgen Müller', 'j.mueller@bahn.example', R],
      ['apfel', 'ÄPFEL GmbH', 'info@apfel.example', R1],
      ['zoe', 'Zoë Wang', 'zoe@wang.example', S],
      ['fifty', '50% Off Ltd', 'sales@fifty.example', S],
      ['club', '500 Club', 'club@five.example', null],
      ['under', 'under_score Inc', 'us@under.example', R1],
      ['parts', 'Parts Depot', null, null],
      ['back', 'Back\\slash Co', null, R],
      ['quote', 'Quote "Q" Co', 'q@quote.example', S],
      ['alpha', 'Alpha Telecom', 'noc@alpha.example', R],
      ['alphabet', 'ALPHABET Soup', 'ab@soup.example', S],
      ['beta', 'alphA beta', 'beta@b.example', R1],
    ];
    ids = {};
    for (const [key, name, email, resellers_id] of clients) {
      ids[key] = (await aClient(t, { name, email, resellers_id, currencies_id })).id;
    }
  });
  afterAll(() => t.close());

  const search = async (q: string, key?: string) => names(await t.rpc('clients.search', { q }, { key }));

  it('matches name or email anywhere, whatever the case of q or of the text (ASCII)', async () => {
    expect(await search('alpha')).toEqual(['Alpha Telecom', 'ALPHABET Soup', 'alphA beta']);
    expect(await search('AlPhA')).toEqual(['Alpha Telecom', 'ALPHABET Soup', 'alphA beta']);
    expect(names(await t.rest('GET', '/clients?q=ALPHA'))).toEqual(['Alpha Telecom', 'ALPHABET Soup', 'alphA beta']);
    expect(await search('zoe')).toEqual(['Zoë Wang']);
    expect(await search('nothing like it')).toEqual([]);
  });

  it('takes * as a wildcard, anchoring q at the ends it does not stand at', async () => {
    expect(await search('alpha*soup')).toEqual(['ALPHABET Soup']);
    expect(await search('alpha*')).toEqual(['Alpha Telecom', 'ALPHABET Soup', 'alphA beta']);
    expect(await search('*soup')).toEqual(['ALPHABET Soup']);
    expect(await search('*co')).toEqual(['Back\\slash Co', 'Quote "Q" Co']);
    expect(await search('*.example')).toEqual([
      'Jürgen Müller', 'ÄPFEL GmbH', 'Zoë Wang', '50% Off Ltd', '500 Club', 'under_score Inc', 'Quote "Q" Co', 'Alpha Telecom', 'ALPHABET Soup', 'alphA beta',
    ]);
    expect(await search('j*bahn*')).toEqual(['Jürgen Müller']);
    expect(await search('soup*')).toEqual([]);
    expect(await search('telecom*')).toEqual([]);
    expect(await search('*alpha')).toEqual([]);
  });

  it('answers a q shorter than a trigram as before (no index can narrow it)', async () => {
    expect(await search('al')).toEqual(['50% Off Ltd', 'Alpha Telecom', 'ALPHABET Soup', 'alphA beta']);
    expect(await search('Q')).toEqual(['Quote "Q" Co']);
    expect(await search('a*z')).toEqual([]);
  });

  it('takes %, _, \\ and " literally', async () => {
    expect(await search('50%')).toEqual(['50% Off Ltd']);
    expect(names(await t.rest('GET', '/clients?q=%25'))).toEqual(['50% Off Ltd']);
    expect(await search('r_s')).toEqual(['under_score Inc']);
    expect(await search('_')).toEqual(['under_score Inc']);
    expect(await search('back\\slash')).toEqual(['Back\\slash Co']);
    expect(await search('k\\s')).toEqual(['Back\\slash Co']);
    expect(await search('"q"')).toEqual(['Quote "Q" Co']);
    expect(await search('"q" OR alpha')).toEqual([]);
  });

  it('matches text beyond ASCII as before: the same letters, in either case of q', async () => {
    expect(await search('müller')).toEqual(['Jürgen Müller']);
    expect(await search('MÜLLER')).toEqual(['Jürgen Müller']);
    expect(await search('ZOË')).toEqual(['Zoë Wang']);
    expect(await search('oë w')).toEqual(['Zoë Wang']);
    expect(await search('apfel')).toEqual(['ÄPFEL GmbH']);
    // An upper-case letter beyond ASCII in the text: PostgreSQL's lower() folds it, SQLite's LOWER() does not.
    expect(await search('äpfel')).toEqual(DATABASE_KIND === 'postgres' ? ['ÄPFEL GmbH'] : []);
  });

  it('answers exactly what the LIKE answered, for every q tried', async () => {
    const tried = [
      'alpha', 'ALPHABET', 'pha', 'a', 'ab', 'abc', 'soup', 'bet', 'example', '.example', '@', 'e@', 'a.example', '*', '**', 'a*', '*a',
      '*e*e*', 'al*co*', 'ü', 'üll', 'ÜLL', 'äpf', 'Äpfel', 'zoë', 'ë', '%', '50', '500', '0% ', '_s', 'r_', '\\', 'h\\s', '"', 'q"', ' co',
    ];
    for (const q of tried) expect([q, await search(q)]).toEqual([q, await likeBefore(t, q)]);
  });

  it('narrows to candidates through the index, rechecked by the LIKE', async () => {
    expect(await candidatesOf(t, 'alpha')).toEqual(['Alpha Telecom', 'ALPHABET Soup', 'alphA beta']);
    expect(await candidatesOf(t, 'al')).toBe('scan');
    expect(await candidatesOf(t, 'a*z')).toBe('scan');
    expect(await candidatesOf(t, 'r_s')).toEqual(['under_score Inc']);
    // FTS5 folds case beyond ASCII, SQLite's LIKE does not: a candidate the LIKE then turns down.
    expect(await candidatesOf(t, 'äpfel')).toEqual(['ÄPFEL GmbH']);
    expect(await search('äpfel')).toEqual(DATABASE_KIND === 'postgres' ? ['ÄPFEL GmbH'] : []);
  });

  it('shows a reseller-limited user only the matches in their tree, through every path', async () => {
    expect(await search('alpha', keys.onR)).toEqual(['Alpha Telecom', 'alphA beta']);
    expect(await search('alpha', keys.onR1)).toEqual(['alphA beta']);
    expect(await search('alpha', keys.onS)).toEqual(['ALPHABET Soup']);
    expect(await search('al', keys.onS)).toEqual(['50% Off Ltd', 'ALPHABET Soup']);
    expect(await search('*.example', keys.onS)).toEqual(['Zoë Wang', '50% Off Ltd', 'Quote "Q" Co', 'ALPHABET Soup']);
    expect(await search('müller', keys.onS)).toEqual([]);
    expect(names(await t.rest('GET', '/clients?q=Soup', undefined, { key: keys.onR }))).toEqual([]);
  });

  it('answers the candidates in reach on PostgreSQL, and lets no one read the index raw', async () => {
    // PostgreSQL's clients_q_ids() answers like the policy on clients; SQLite's FTS5 table knows no
    // reseller (the search around it is scoped, as the test above shows).
    expect(await candidateIds(t, '.example', onS)).toEqual(
      DATABASE_KIND === 'postgres'
        ? [ids.zoe, ids.fifty, ids.quote, ids.alphabet]
        : [ids.muller, ids.apfel, ids.zoe, ids.fifty, ids.club, ids.under, ids.quote, ids.alpha, ids.alphabet, ids.beta],
    );
    const raw = as(t, onS, (db) => db.query('SELECT name FROM clients_q'));
    await expect(raw).rejects.toThrow(DATABASE_KIND === 'postgres' ? 'permission denied for table clients_q' : 'raw SQL for a reseller-limited principal');
  });

  it('follows renames, moves and deletions at once', async () => {
    expect((await t.rpc('clients.update', { id: ids.alpha, name: 'Omega Telecom' })).body.result).toBe(1);
    expect(await search('omega')).toEqual(['Omega Telecom']);
    expect(await search('alpha tel')).toEqual([]);
    expect(await search('noc@alpha')).toEqual(['Omega Telecom']);

    expect((await t.rpc('clients.update', { id: ids.zoe, resellers_id: R })).body.result).toBe(1);
    expect(await search('zoë', keys.onS)).toEqual([]);
    expect(await search('zoë', keys.onR)).toEqual(['Zoë Wang']);
    expect(await candidateIds(t, 'zoë', onS)).toEqual(DATABASE_KIND === 'postgres' ? [] : [ids.zoe]);

    expect(await search('500')).toEqual(['500 Club']);
    expect((await t.rpc('clients.delete', { id: ids.club })).body.result).toBe(1);
    expect(await search('500')).toEqual([]);
    expect(await search('five.example')).toEqual([]);
  });
});

describe('quick search when matches are many', () => {
  let t: TestApp;
  let keys: { onR: string; onS: string };

  beforeAll(async () => {
    t = await startTestApp();
    const currencies_id = (await aCurrency(t, 'USD')).id;
    const R = (await aReseller(t)).id;
    const S = (await aReseller(t)).id;
    keys = { onR: (await aUser(t, { resellers_id: R })).api_key, onS: (await aUser(t, { resellers_id: S })).api_key };
    // 1,200 clients in one statement: odd numbers in R, even in S.
    const numbers =
      DATABASE_KIND === 'postgres'
        ? 'SELECT generate_series(1, 1200) AS n'
        : 'WITH RECURSIVE numbers(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM numbers WHERE n < 1200) SELECT n FROM numbers';
    await t.dataSource.query(
      `INSERT INTO clients (name, email, resellers_id, currencies_id)
       SELECT 'Bulk client ' || n, 'bulk' || n || '@many.example', CASE WHEN n % 2 = 1 THEN ${R} ELSE ${S} END, ${currencies_id} FROM (${numbers}) s ORDER BY n`,
    );
    // PostgreSQL's planner judges how common a pattern is from the statistics.
    if (DATABASE_KIND === 'postgres') await t.dataSource.query('ANALYZE clients_q');
  });
  afterAll(() => t.close());

  const search = async (params: Record<string, unknown>, key?: string) => names(await t.rpc('clients.search', params, { key }));

  it('walks the order for a common q, and answers the same pages', async () => {
    expect(await candidatesOf(t, 'bulk client')).toBe('scan');
    expect(await search({ q: 'bulk client', limit: 3 })).toEqual(['Bulk client 1', 'Bulk client 2', 'Bulk client 3']);
    expect(await search({ q: 'BULK', limit: 3, order: '-id' })).toEqual(['Bulk client 1200', 'Bulk client 1199', 'Bulk client 1198']);
    expect(await search({ q: 'many.example', limit: 2, order: '-name' })).toEqual(['Bulk client 999', 'Bulk client 998']);
    expect(await search({ q: 'bulk client', limit: 3 }, keys.onS)).toEqual(['Bulk client 2', 'Bulk client 4', 'Bulk client 6']);
  });

  it('narrows a rare q to its candidates', async () => {
    expect(await candidatesOf(t, 'client 1199')).toEqual(['Bulk client 1199']);
    expect(await search({ q: 'client 1199' })).toEqual(['Bulk client 1199']);
    expect(await search({ q: 'client 1199' }, keys.onR)).toEqual(['Bulk client 1199']);
    expect(await search({ q: 'client 1199' }, keys.onS)).toEqual([]);
    expect(await search({ q: 'ulk client 11' })).toEqual([
      'Bulk client 11',
      ...Array.from({ length: 10 }, (_, i) => `Bulk client ${110 + i}`),
      ...Array.from({ length: 9 }, (_, i) => `Bulk client ${1100 + i}`),
    ]);
  });

  it('breaks ties by id ascending in either direction of every order (the indexes walk them so)', async () => {
    const first3 = ['Bulk client 1', 'Bulk client 2', 'Bulk client 3'];
    expect(await search({ order: '-status', limit: 3 })).toEqual(first3);
    expect(await search({ order: 'status', limit: 3 })).toEqual(first3);
    expect(await search({ order: '-c_dt', limit: 3 })).toEqual(first3);
    expect(await search({ order: ['c_dt', '-status'], limit: 3 })).toEqual(first3);
    await t.dataSource.query(`UPDATE clients SET balance = '10.5' WHERE name = 'Bulk client 5'`);
    await t.dataSource.query(`UPDATE clients SET balance = '-3' WHERE name = 'Bulk client 7'`);
    expect(await search({ order: '-balance', limit: 3 })).toEqual(['Bulk client 5', 'Bulk client 1', 'Bulk client 2']);
    expect(await search({ order: 'balance', limit: 3 })).toEqual(['Bulk client 7', 'Bulk client 1', 'Bulk client 2']);
    expect(await search({ order: '-balance', limit: 2 }, keys.onS)).toEqual(['Bulk client 2', 'Bulk client 4']);
  });

  it('narrows a deep page to as many candidates as it reaches', async () => {
    expect(await candidatesOf(t, 'bulk', { offset: 1190, limit: 5 })).toHaveLength(1200);
    expect(await search({ q: 'bulk', offset: 1190, limit: 5 })).toEqual(['Bulk client 1191', 'Bulk client 1192', 'Bulk client 1193', 'Bulk client 1194', 'Bulk client 1195']);
  });
});
