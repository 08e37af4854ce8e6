import { Clock } from '../../src/platform/time/clock';
import { Idempotency } from '../../src/platform/idempotency/idempotency';
import { aClient, aCurrency, aReseller, aUser } from '../support/factories';
import { freePort, ServerProcess } from '../support/server-process';
import { DATABASE_KIND, HttpReply, startTestApp, TestApp, throwawayDatabaseUrl } from '../support/test-app';

const REUSED = (what: string) => ({
  error: {
    message: `idempotency-key-reused: the Idempotency-Key was used within 24 hours for ${what}`,
    data: { code: 'idempotency-key-reused', message: `the Idempotency-Key was used within 24 hours for ${what}` },
  },
});

// Idempotency-Key (design-13) on every create and action, in both protocols, on the database of this run.
describe(`Idempotency-Key on ${DATABASE_KIND}`, () => {
  let t: TestApp;
  let usd: { id: number };
  let sequence = 0;
  const newKey = () => `key-${++sequence}-${Date.now()}`;
  const keyed = (key: string, extra: Record<string, string> = {}) => ({ headers: { 'Idempotency-Key': key, ...extra } });
  const clientsNamed = async (name: string) => ((await t.rest('GET', `/clients?q=${encodeURIComponent(name)}&limit=1000`)).body as { name: string }[]).filter((client) => client.name === name);
  const replayed = (reply: HttpReply) => reply.headers['idempotent-replayed'];

  beforeAll(async () => {
    t = await startTestApp();
    usd = await aCurrency(t, 'USD');
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  it('REST: the same key and body answer the first answer again, marked replayed; nothing is created twice', async () => {
    const key = newKey();
    const body = { name: 'Once Ltd', currencies_id: usd.id, credit: '25.50' };
    const first = await t.rest('POST', '/clients', body, keyed(key));
    const again = await t.rest('POST', '/api/clients', body, keyed(key));
    expect([first.status, replayed(first), again.status, replayed(again), again.text]).toEqual([200, undefined, 200, 'true', first.text]);
    expect(first.body).toMatchObject({ name: 'Once Ltd', credit: 25.5 });
    expect((await clientsNamed('Once Ltd')).length).toBe(1);
    // The same params written otherwise (a number for the decimal, another key order) are the same call.
    const reordered = await t.rest('POST', '/clients', { credit: 25.5, currencies_id: usd.id, name: 'Once Ltd' }, keyed(key));
    expect([reordered.status, replayed(reordered), reordered.text]).toEqual([200, 'true', first.text]);
  });

  it('REST: the same key with another body, or for another method, is refused with 422 idempotency-key-reused', async () => {
    const key = newKey();
    await t.rest('POST', '/clients', { name: 'Reused', currencies_id: usd.id }, keyed(key));
    const other = await t.rest('POST', '/clients', { name: 'Reused 2', currencies_id: usd.id }, keyed(key));
    expect([other.status, replayed(other), other.body]).toEqual([422, undefined, REUSED('other params')]);
    const method = await t.rest('POST', '/accounting/currencies', { name: 'EUR' }, keyed(key));
    expect([method.status, method.body]).toEqual([422, REUSED('another method (clients.create)')]);
    expect((await t.rest('GET', '/accounting/currencies?name=EUR')).body).toEqual([]);
    expect((await clientsNamed('Reused 2')).length).toBe(0);
  });

  it('JSON-RPC: a single call with the key is answered once, replays carry the header, across protocols', async () => {
    const key = newKey();
    const params = { name: 'Rpc Once', currencies_id: usd.id };
    const first = await t.rpc('clients.create', params, keyed(key));
    const again = await t.rpc('clients.create', params, { ...keyed(key), id: 7 });
    expect([replayed(first), replayed(again), again.body]).toEqual([undefined, 'true', { jsonrpc: '2.0', id: 7, result: first.body.result }]);
    const rest = await t.rest('POST', '/clients', params, keyed(key));
    expect([rest.status, replayed(rest), rest.body]).toEqual([200, 'true', first.body.result]);
    const other = await t.rpc('clients.create', { ...params, notes: 'x' }, keyed(key));
    expect(other.body).toEqual({ jsonrpc: '2.0', id: 1, error: { code: -32000, ...REUSED('other params').error } });
    expect((await clientsNamed('Rpc Once')).length).toBe(1);
  });

  it('an action with a path parameter: the same key replays its answer (REST path param = JSON-RPC param)', async () => {
    const client = await aClient(t, { currencies_id: usd.id });
    const key = newKey();
    const first = await t.rest('POST', `/clients/${client.id}/archive`, undefined, keyed(key));
    const again = await t.rpc('clients.archive', { id: client.id }, keyed(key));
    expect([first.status, first.body, replayed(again), again.body.result]).toEqual([200, 1, 'true', 1]);
    const otherClient = await t.rest('POST', `/clients/${client.id + 1000}/archive`, undefined, keyed(key));
    expect([otherClient.status, otherClient.body.error.data.code]).toEqual([422, 'idempotency-key-reused']);
  });

  it('a business refusal is remembered (422 again, replayed); a validation error or a missing object is not', async () => {
    const client = await aClient(t, { currencies_id: usd.id });
    const key = newKey();
    const charge = { clients_id: client.id, type: 'charge', amount: '-10' };
    const refused = await t.rest('POST', '/accounting/transactions/prepaid', charge, keyed(key));
    expect([refused.status, refused.body.error.data.code]).toEqual([422, 'low-balance']);
    await t.rest('POST', '/accounting/transactions', { clients_id: client.id, type: 'payment', amount: '100' });
    const again = await t.rest('POST', '/accounting/transactions/prepaid', charge, keyed(key));
    expect([again.status, replayed(again), again.text]).toEqual([422, 'true', refused.text]);
    const rpc = await t.rpc('accounting.transactions.create_no_negative', charge, keyed(key));
    expect(rpc.body.error).toEqual({ code: -32000, ...refused.body.error });

    const retried = newKey();
    const invalid = await t.rest('POST', '/clients', { name: '', currencies_id: usd.id }, keyed(retried));
    const missing = await t.rest('POST', '/clients', { name: 'Fixed', currencies_id: 99999 }, keyed(retried));
    const fixed = await t.rest('POST', '/clients', { name: 'Fixed', currencies_id: usd.id }, keyed(retried));
    expect([invalid.status, missing.status, fixed.status, replayed(fixed)]).toEqual([400, 404, 200, undefined]);
  });

  it('a bill run (which commits in units of its own) with a key runs once, in one transaction, and replays', async () => {
    const client = await aClient(t, { currencies_id: usd.id, credit_unlimited: true });
    await t.rest('POST', '/accounting/transactions', { clients_id: client.id, type: 'charge', amount: '-12.5', dt: '2026-03-10T00:00:00Z' });
    const run = { start_dt: '2026-03-01T00:00:00Z', end_dt: '2026-04-01T00:00:00Z', clients_id: [client.id] };
    const key = newKey();
    const first = await t.rest('POST', '/accounting/invoices/generate', run, keyed(key));
    const again = await t.rpc('accounting.invoices.generate', run, keyed(key));
    expect([first.status, first.body.created.length, first.body.skipped, replayed(again), again.body.result]).toEqual([200, 1, 0, 'true', first.body]);
    const unkeyed = await t.rest('POST', '/accounting/invoices/generate', run);
    expect(unkeyed.body).toEqual({ created: [], skipped: 1 });
  });

  it('keys are per user: another user with the same key makes its own object', async () => {
    const other = await aUser(t);
    const key = newKey();
    const mine = await t.rest('POST', '/clients', { name: 'Per User', currencies_id: usd.id }, keyed(key));
    const theirs = await t.rest('POST', '/clients', { name: 'Per User', currencies_id: usd.id }, { ...keyed(key), key: other.api_key });
    expect([mine.status, theirs.status, replayed(theirs), theirs.body.id === mine.body.id]).toEqual([200, 200, undefined, false]);
    // A reseller-limited user (row-level security on PostgreSQL, no raw SQL on SQLite) keeps keys like anyone.
    const reseller = await aReseller(t);
    const limited = await aUser(t, { resellers_id: reseller.id });
    const asLimited = { ...keyed(key), key: limited.api_key };
    const created = await t.rest('POST', '/clients', { name: 'Per User', currencies_id: usd.id }, asLimited);
    const again = await t.rpc('clients.create', { name: 'Per User', currencies_id: usd.id }, asLimited);
    expect([created.status, created.body.resellers_id, replayed(again), again.body.result]).toEqual([200, reseller.id, 'true', created.body]);
  });

  it('refuses a malformed key (400), a key on a batch (-32600); ignores one on a search, a get or JWT authenticate', async () => {
    const problem = { 'Idempotency-Key': 'must be 1 to 255 printable ASCII characters' };
    for (const bad of ['x'.repeat(256), 'caf\u00e9']) {
      const rest = await t.rest('POST', '/clients', { name: 'Bad Key', currencies_id: usd.id }, keyed(bad));
      expect([rest.status, rest.body]).toEqual([400, { error: { message: 'Invalid params', data: problem } }]);
      const rpc = await t.rpc('clients.create', { name: 'Bad Key', currencies_id: usd.id }, keyed(bad));
      expect(rpc.body.error).toEqual({ code: -32602, message: 'Invalid params', data: problem });
    }
    expect((await clientsNamed('Bad Key')).length).toBe(0);
    const batch = await t.rpcRaw([{ jsonrpc: '2.0', id: 1, method: 'clients.create', params: { name: 'Batch', currencies_id: usd.id } }], keyed(newKey()));
    expect([batch.status, batch.body]).toEqual([
      200,
      { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request', data: { 'Idempotency-Key': 'applies to a single call, not to a batch' } } },
    ]);
    const key = newKey();
    const gets = [await t.rest('GET', '/clients?limit=1', undefined, keyed(key)), await t.rpc('accounting.currencies.get', { id: usd.id }, keyed(key))];
    expect(gets.map((reply) => [reply.status, replayed(reply)])).toEqual([
      [200, undefined],
      [200, undefined],
    ]);
    const login = { login: 'admin', password: 'admin-password' };
    const tokens = [await t.rest('POST', '/iam/auth/jwt/authenticate', login, keyed(key)), await t.rest('POST', '/iam/auth/jwt/authenticate', login, keyed(key))];
    expect(tokens.map((reply) => [reply.status, replayed(reply)])).toEqual([
      [200, undefined],
      [200, undefined],
    ]);
  });

  it('many concurrent requests with one key create one object; every other answer is the replay', async () => {
    const key = newKey();
    const body = { name: 'Raced Ltd', currencies_id: usd.id };
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? t.rest('POST', '/clients', body, keyed(key)) : t.rpc('clients.create', body, keyed(key)))),
    );
    const ids = replies.map((reply) => (reply.body.result ?? reply.body).id);
    expect(replies.map((reply) => reply.status)).toEqual(Array(20).fill(200));
    expect(new Set(ids).size).toBe(1);
    expect(replies.filter((reply) => replayed(reply) === 'true').length).toBe(19);
    expect((await clientsNamed('Raced Ltd')).length).toBe(1);
  });

  it('keys are kept 24 hours: a key older than that counts as new, and the server purges it', async () => {
    const clock = t.app.get(Clock);
    const key = newKey();
    const body = { name: 'Expiring', currencies_id: usd.id };
    const first = await t.rest('POST', '/clients', body, keyed(key));
    const later = new Date(Date.now() + 23 * 3600 * 1000);
    jest.spyOn(clock, 'now').mockImplementation(() => later);
    const within = await t.rest('POST', '/clients', body, keyed(key));
    expect([replayed(within), within.body.id]).toEqual(['true', first.body.id]);
    expect(await t.app.get(Idempotency).purgeExpired()).toBe(0);

    const after = new Date(Date.now() + 24 * 3600 * 1000 + 1000);
    jest.spyOn(clock, 'now').mockImplementation(() => after);
    const anew = await t.rest('POST', '/clients', body, keyed(key));
    expect([anew.status, replayed(anew), anew.body.id === first.body.id]).toEqual([200, undefined, false]);
    expect((await clientsNamed('Expiring')).length).toBe(2);
    // Every key made before the day that just passed goes; the one just renewed stays.
    const count = async () => Number((await t.dataSource.query('SELECT COUNT(*) AS n FROM idempotency_keys'))[0].n);
    const before = await count();
    expect(await t.app.get(Idempotency).purgeExpired()).toBe(before - 1);
    expect(await count()).toBe(1);
    const kept = await t.rest('POST', '/clients', body, keyed(key));
    expect([replayed(kept), kept.body.id]).toEqual(['true', anew.body.id]);
  });
});

// Two server processes on one database, and a restart: the key holds across all of them.
describe(`Idempotency-Key across processes on ${DATABASE_KIND}`, () => {
  const API_KEY = 'idempotency-process-key-0123456789';
  let database: { url: string; drop: () => Promise<void> };
  const servers: ServerProcess[] = [];

  const start = async () => {
    const port = await freePort();
    const server = new ServerProcess({ DATABASE_URL: database.url, PORT: String(port), HOST: '127.0.0.1', ADMIN_API_KEY: API_KEY, BILLING_TICK_SECONDS: '0' });
    servers.push(server);
    await server.waitUntilListening();
    return `http://127.0.0.1:${port}`;
  };
  const post = async (base: string, path: string, body: object, key: string) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'X-Api-Key': API_KEY, 'Content-Type': 'application/json', 'Idempotency-Key': key },
      body: JSON.stringify(body),
    });
    return { status: res.status, replayed: res.headers.get('idempotent-replayed'), body: (await res.json()) as { id: number } };
  };

  beforeAll(async () => {
    database = await throwawayDatabaseUrl();
  });
  afterAll(async () => {
    await Promise.all(servers.splice(0).map((server) => server.stop()));
    await database.drop();
  });

  it('concurrent requests with one key to two processes create one object; a restarted process replays it', async () => {
    const [first, second] = [await start(), await start()];
    const currency = await post(first, '/accounting/currencies', { name: 'USD' }, 'currency-1');
    const body = { name: 'Two Processes', currencies_id: currency.body.id };
    const replies = await Promise.all(Array.from({ length: 16 }, (_, i) => post(i % 2 === 0 ? first : second, '/clients', body, 'raced-across')));
    expect(replies.map((reply) => reply.status)).toEqual(Array(16).fill(200));
    expect(new Set(replies.map((reply) => reply.body.id)).size).toBe(1);
    expect(replies.filter((reply) => reply.replayed === 'true').length).toBe(15);

    await Promise.all(servers.splice(0).map((server) => server.stop()));
    const restarted = await start();
    const again = await post(restarted, '/clients', body, 'raced-across');
    expect([again.status, again.replayed, again.body.id]).toEqual([200, 'true', replies[0].body.id]);
    const found = await fetch(`${restarted}/clients?q=Two%20Processes`, { headers: { 'X-Api-Key': API_KEY } });
    expect(((await found.json()) as unknown[]).length).toBe(1);
  });
});
