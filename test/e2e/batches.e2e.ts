import { aClient, aCurrency, aReseller, aUser } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

/** A JSON-RPC batch of clients.get is answered by one query; every call must read exactly as it does alone. */
describe('a batch of clients.get', () => {
  let t: TestApp;
  let own: number[];
  let foreign: number;
  let limitedKey: string;

  beforeAll(async () => {
    t = await startTestApp();
    const usd = await aCurrency(t, 'USD');
    const reseller = await aReseller(t);
    const other = await aReseller(t);
    limitedKey = (await aUser(t, { resellers_id: reseller.id })).api_key;
    own = [
      (await aClient(t, { currencies_id: usd.id, resellers_id: reseller.id, credit: '12.345' })).id,
      (await aClient(t, { currencies_id: usd.id, resellers_id: reseller.id })).id,
    ];
    foreign = (await aClient(t, { currencies_id: usd.id, resellers_id: other.id })).id;
  });

  afterAll(() => t.close());

  const get = (id: number, params: Record<string, unknown> = {}) =>
    ({ jsonrpc: '2.0', id, method: 'clients.get', params: { id, ...params } }) as const;

  it('answers each call as the same call alone would be answered, for a reseller-limited caller', async () => {
    const calls = [
      get(own[0]),
      get(foreign),
      get(own[1], { __tz: 'Asia/Kolkata' }),
      get(own[0], { __tz: 'America/New_York' }),
      { jsonrpc: '2.0', id: 'bad', method: 'clients.get', params: { id: -1 } },
      get(999999),
    ];
    const batch = await t.rpcRaw(calls, { key: limitedKey });
    const alone = [];
    for (const single of calls) alone.push((await t.rpcRaw(single, { key: limitedKey })).body);
    expect(batch.status).toBe(200);
    expect(batch.body).toEqual(alone);
    // What "alone" reads: the caller's own clients, in each call's zone; the other tree's is not found.
    expect(alone.map((answer) => answer.result?.id ?? answer.error.code)).toEqual([own[0], -32004, own[1], own[0], -32602, -32004]);
    expect(alone[0].result.credit).toBe(12.345);
    expect(alone[2].result.c_dt).toMatch(/\+05:30$/);
    expect(alone[3].result.c_dt).toMatch(/-0[45]:00$/);
  });

  it('reads the other tree’s client for the administrator, in the same batch shape', async () => {
    const batch = await t.rpcRaw([get(foreign), get(own[1])]);
    expect(batch.body.map((answer: { result: { id: number } }) => answer.result.id)).toEqual([foreign, own[1]]);
  });
});
