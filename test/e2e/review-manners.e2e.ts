/**
 * What a hostile review of the HTTP manners (issue 13) broke, each now held: an Idempotency-Key
 * beside `__decimals` over REST, a replay after the caller's reach changed, and secrets (API keys,
 * the keys themselves, fingerprints of passwords) readable at rest in `idempotency_keys`.
 */
import { aCurrency, aReseller, aUser } from '../support/factories';
import { DATABASE_KIND, HttpReply, startTestApp, TestApp } from '../support/test-app';

const reused = (what: string) => ({
  error: {
    message: `idempotency-key-reused: the Idempotency-Key was used within 24 hours for ${what}`,
    data: { code: 'idempotency-key-reused', message: `the Idempotency-Key was used within 24 hours for ${what}` },
  },
});

describe(`Review of the HTTP manners on ${DATABASE_KIND}`, () => {
  let t: TestApp;
  let usd: { id: number };
  let sequence = 0;
  const newKey = () => `review-${++sequence}-${Date.now()}`;
  const keyed = (key: string, apiKey?: string) => ({ headers: { 'Idempotency-Key': key }, ...(apiKey !== undefined && { key: apiKey }) });
  const replayed = (reply: HttpReply) => reply.headers['idempotent-replayed'];
  const clientsNamed = async (name: string) =>
    ((await t.rest('GET', `/clients?q=${encodeURIComponent(name)}&limit=1000`)).body as { name: string }[]).filter((client) => client.name === name).length;

  beforeAll(async () => {
    t = await startTestApp();
    usd = await aCurrency(t, 'USD');
  });
  afterAll(() => t.close());

  it('REST: a keyed create with __decimals (query or body) runs and replays; __decimals=number is the default form, the same call', async () => {
    const key = newKey();
    const body = { name: 'Decimals Keyed', currencies_id: usd.id, credit: '123456789012.12345678' };
    const first = await t.rest('POST', '/clients?__decimals=string', body, keyed(key));
    const again = await t.rest('POST', '/clients', { ...body, __decimals: 'string' }, keyed(key));
    expect([first.status, first.body.credit, replayed(first), again.status, replayed(again), again.text]).toEqual([
      200,
      '123456789012.12345678',
      undefined,
      200,
      'true',
      first.text,
    ]);
    const plainKey = newKey();
    const plain = await t.rest('POST', '/clients', { ...body, name: 'Decimals Default' }, keyed(plainKey));
    const asNumber = await t.rest('POST', '/clients?__decimals=number', { ...body, name: 'Decimals Default' }, keyed(plainKey));
    expect([plain.status, asNumber.status, replayed(asNumber), asNumber.text]).toEqual([200, 200, 'true', plain.text]);
    const bad = await t.rest('POST', '/clients?__decimals=text', body, keyed(newKey()));
    expect([bad.status, bad.body]).toEqual([400, { error: { message: 'Invalid params', data: { __decimals: 'must be string or number' } } }]);
    expect([await clientsNamed('Decimals Keyed'), await clientsNamed('Decimals Default')]).toEqual([1, 1]);
  });

  it("a replay never shows what the caller's reach no longer covers: moved to another reseller, the key is refused; moved back, it replays", async () => {
    const [first, second] = [await aReseller(t), await aReseller(t)];
    const user = await aUser(t, { resellers_id: first.id });
    const key = newKey();
    const body = { name: 'Reach Moved', currencies_id: usd.id };
    const created = await t.rest('POST', '/clients', body, keyed(key, user.api_key));
    expect([created.status, created.body.resellers_id]).toEqual([200, first.id]);
    expect((await t.rpc('iam.users.update', { id: user.id, resellers_id: second.id })).body.result).toBe(1);
    const hidden = await t.rest('GET', `/clients/${created.body.id}`, undefined, { key: user.api_key });
    const rest = await t.rest('POST', '/clients', body, keyed(key, user.api_key));
    const rpc = await t.rpc('clients.create', body, keyed(key, user.api_key));
    expect([hidden.status, rest.status, replayed(rest), rest.body]).toEqual([404, 422, undefined, reused('other params')]);
    expect(rpc.body).toEqual({ jsonrpc: '2.0', id: 1, error: { code: -32000, ...reused('other params').error } });
    await t.rpc('iam.users.update', { id: user.id, resellers_id: first.id });
    const back = await t.rest('POST', '/clients', body, keyed(key, user.api_key));
    expect([back.status, replayed(back), back.text]).toEqual([200, 'true', created.text]);
    expect(await clientsNamed('Reach Moved')).toBe(1);
  });

  it('idempotency_keys keeps no secret readable: not the API keys answered, not the Idempotency-Key, nor a fast hash of the params', async () => {
    const createKey = newKey();
    const params = { login: `review-secret-${Date.now()}`, password: 'correct horse battery' };
    const created = await t.rest('POST', '/iam/users', params, keyed(createKey));
    const regenerateKey = newKey();
    const regenerated = await t.rpc('iam.users.regenerate_api_key', { id: created.body.id }, keyed(regenerateKey));
    // The replays still answer the secrets to the caller who holds the key.
    const createdAgain = await t.rest('POST', '/iam/users', params, keyed(createKey));
    const regeneratedAgain = await t.rest('POST', `/iam/users/${created.body.id}/regenerate_api_key`, undefined, keyed(regenerateKey));
    expect([createdAgain.status, replayed(createdAgain), createdAgain.text]).toEqual([200, 'true', created.text]);
    expect([regeneratedAgain.status, replayed(regeneratedAgain), regeneratedAgain.body]).toEqual([200, 'true', regenerated.body.result]);

    const rows = (await t.dataSource.query('SELECT * FROM idempotency_keys')) as Record<string, unknown>[];
    const stored = JSON.stringify(rows);
    const secrets = [created.body.api_key, regenerated.body.result.api_key, createKey, regenerateKey, params.password];
    expect(secrets.filter((secret: string) => stored.includes(secret))).toEqual([]);
    // Two callers sending the same params under other keys leave unrelated fingerprints (keyed by the Idempotency-Key).
    const other = await aUser(t);
    const same = { name: 'Same Params', currencies_id: usd.id };
    const answers = [
      await t.rest('POST', '/clients', same, keyed('same-key-text', other.api_key)),
      await t.rest('POST', '/clients', same, keyed('other-key-text')),
      await t.rest('POST', '/clients', same, keyed('same-key-text')),
    ];
    expect(answers.map((reply) => [reply.status, replayed(reply)])).toEqual([
      [200, undefined],
      [200, undefined],
      [200, undefined],
    ]);
    const prints = (await t.dataSource.query("SELECT fingerprint FROM idempotency_keys WHERE method = 'clients.create'")) as { fingerprint: string }[];
    expect(new Set(prints.map((row) => row.fingerprint)).size).toBe(prints.length);
  });
});
