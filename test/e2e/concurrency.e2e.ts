import { freePort, ServerProcess } from '../support/server-process';
import { pooled } from '../support/pooled';
import { throwawayDatabaseUrl } from '../support/test-app';

const KEY = 'concurrency-test-key-0123456789';
const BOOKINGS = 300;
const IN_FLIGHT = 40;


// Two server processes on one database, as production runs them: the prepaid rule must hold across both.
describe('concurrent prepaid bookings on two server processes', () => {
  let database: { url: string; drop: () => Promise<void> };
  const servers: { server: ServerProcess; base: string }[] = [];

  beforeAll(async () => {
    database = await throwawayDatabaseUrl();
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const server = new ServerProcess({ DATABASE_URL: database.url, PORT: String(port), HOST: '127.0.0.1', ADMIN_API_KEY: KEY });
      // One after the other: the first start migrates the database.
      await server.waitUntilListening();
      servers.push({ server, base: `http://127.0.0.1:${port}` });
    }
  }, 60000);
  afterAll(async () => {
    await Promise.all(servers.map(({ server }) => server.stop()));
    await database.drop();
  });

  const call = async (base: string, method: string, params: object) => {
    const res = await fetch(base, {
      method: 'POST',
      headers: { 'X-Api-Key': KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('books exactly what the credit allows, loses nothing and never fails', async () => {
    const [a, b] = servers.map((server) => server.base);
    const currency = (await call(a, 'accounting.currencies.create', { name: 'USD' })).body.result;
    const client = (await call(b, 'clients.create', { name: 'Prepaid', currencies_id: currency.id, credit: '100' })).body.result;

    const booking = { clients_id: client.id, type: 'charge', amount: '-1' };
    // Half over REST to one process, half over JSON-RPC to the other.
    const viaRest = async (base: string) => {
      const res = await fetch(`${base}/accounting/transactions/prepaid`, {
        method: 'POST',
        headers: { 'X-Api-Key': KEY, 'Content-Type': 'application/json' },
        body: JSON.stringify(booking),
      });
      const body = (await res.json()) as any;
      return res.status === 200 ? 'booked' : `HTTP ${res.status} ${body.error?.data?.code}`;
    };
    const viaRpc = async (base: string) => {
      const { status, body } = await call(base, 'accounting.transactions.create_no_negative', booking);
      return body.result ? 'booked' : `HTTP ${status} JSON-RPC ${body.error?.code} ${body.error?.data?.code}`;
    };
    const outcomes = await pooled(
      Array.from({ length: BOOKINGS }, (_, i) => () => (i % 2 ? viaRest(a) : viaRpc(b))),
      IN_FLIGHT,
    );

    const count = (outcome: string) => outcomes.filter((each) => each === outcome).length;
    expect(count('booked')).toBe(100);
    expect(count('HTTP 422 low-balance') + count('HTTP 200 JSON-RPC -32000 low-balance')).toBe(200);
    expect(count('HTTP 422 low-balance')).toBeGreaterThan(0);
    expect(count('HTTP 200 JSON-RPC -32000 low-balance')).toBeGreaterThan(0);

    const balance = (await call(a, 'clients.get', { id: client.id })).body.result.balance;
    expect(balance).toBe(-100);
    const booked = (await call(b, 'accounting.transactions.search', { clients_id: [client.id], limit: 1000 })).body.result;
    expect(booked).toHaveLength(100);
    expect(booked.reduce((sum: number, row: { client_amount: number }) => sum + row.client_amount, 0)).toBe(-100);
  }, 120000);

  it('books each external_id once when both processes receive it many times at once', async () => {
    const [a, b] = servers.map((server) => server.base);
    const currency = (await call(a, 'accounting.currencies.create', { name: 'EUR' })).body.result;
    const client = (await call(b, 'clients.create', { name: 'Retried', currencies_id: currency.id, credit: '10' })).body.result;
    // Ten bookings, each sent six times: three times over REST to one process, three over JSON-RPC to the other.
    const booking = (i: number) => ({ clients_id: client.id, type: 'charge', amount: '-0.75', external_id: `retry-${i}` });
    const viaRest = async (i: number) => {
      const res = await fetch(`${a}/accounting/transactions/prepaid`, {
        method: 'POST',
        headers: { 'X-Api-Key': KEY, 'Content-Type': 'application/json' },
        body: JSON.stringify(booking(i)),
      });
      return [i, ((await res.json()) as any).id] as const;
    };
    const viaRpc = async (i: number) => [i, (await call(b, 'accounting.transactions.create_no_negative', booking(i))).body.result?.id] as const;
    const sends = Array.from({ length: 60 }, (_, n) => () => (n % 2 ? viaRest(n % 10) : viaRpc(n % 10)));
    const answers = await pooled(sends, IN_FLIGHT);

    const idsOf = new Map<number, Set<number>>();
    for (const [i, id] of answers) idsOf.set(i, (idsOf.get(i) ?? new Set()).add(id));
    expect([...idsOf.values()].map((ids) => ids.size)).toEqual(Array(10).fill(1));
    const booked = (await call(a, 'accounting.transactions.search', { clients_id: [client.id], limit: 1000 })).body.result;
    expect(booked.map((row: { external_id: string }) => row.external_id).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `retry-${i}`).sort());
    expect(booked.map((row: { id: number }) => row.id).sort()).toEqual([...idsOf.values()].map((ids) => [...ids][0]).sort());
    expect((await call(b, 'clients.get', { id: client.id })).body.result.balance).toBe(-7.5);
  }, 120000);

  it('never lets two processes move two resellers beneath each other (no cycle)', async () => {
    const [a, b] = servers.map((server) => server.base);
    const create = async () => (await call(a, 'iam.resellers.create', { name: `reseller ${Math.random()}` })).body.result.id as number;
    const pairs: [number, number][] = [];
    for (let i = 0; i < 20; i++) pairs.push([await create(), await create()]);

    // Each pair at once: x beneath y through one process, y beneath x through the other.
    const outcomes = await pooled(
      pairs.map(([x, y]) => async () => {
        const replies = await Promise.all([
          call(a, 'iam.resellers.update', { id: x, parent_id: y }),
          call(b, 'iam.resellers.update', { id: y, parent_id: x }),
        ]);
        return replies.map(({ body }) => body.result ?? body.error?.data?.code).sort();
      }),
      10,
    );
    expect(outcomes).toEqual(Array(pairs.length).fill([1, 'resellers-cycle']));
    for (const [x, y] of pairs) {
      const parents = await Promise.all([x, y].map(async (id) => (await call(b, 'iam.resellers.get', { id })).body.result.parent_id));
      expect([parents[0] === y, parents[1] === x]).not.toEqual([true, true]);
    }
  }, 60000);
});
