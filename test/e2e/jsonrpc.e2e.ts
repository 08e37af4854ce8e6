import { startTestApp, TestApp } from '../support/test-app';

// The JSON-RPC 2.0 specification's own examples (section 7), adapted to this API's methods.
describe('JSON-RPC 2.0 engine', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ RPC_BATCH_LIMIT: '5', BODY_LIMIT: '2048' });
  });
  afterAll(() => t.close());

  const currencyNames = async () =>
    (await t.rpc('accounting.currencies.search', { order: 'name' })).body.result.map((c: { name: string }) => c.name);

  it('answers a call with named params, echoing its id', async () => {
    const created = await t.rpcRaw({ jsonrpc: '2.0', method: 'accounting.currencies.create', params: { name: 'USD' }, id: 3 });
    const stored = (await t.rpc('accounting.currencies.get', { id: 1 })).body.result;
    expect(created.status).toBe(200);
    expect(created.body).toEqual({
      jsonrpc: '2.0',
      id: 3,
      result: {
        id: 1,
        name: 'USD',
        description: null,
        rates_precision: 4,
        details_precision: 4,
        totals_precision: 2,
        c_dt: stored.c_dt,
      },
    });
    expect(stored.c_dt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
  });

  it('runs a notification and answers nothing (HTTP 204)', async () => {
    const res = await t.rpcRaw({ jsonrpc: '2.0', method: 'accounting.currencies.create', params: { name: 'EUR' } });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(await currencyNames()).toEqual(['EUR', 'USD']);
  });

  it('runs a batch of notifications and answers nothing (HTTP 204)', async () => {
    const res = await t.rpcRaw([
      { jsonrpc: '2.0', method: 'accounting.currencies.create', params: { name: 'GBP' } },
      { jsonrpc: '2.0', method: 'accounting.currencies.create', params: { name: 'JPY' } },
    ]);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(await currencyNames()).toEqual(['EUR', 'GBP', 'JPY', 'USD']);
  });

  it('answers -32601 for a method that does not exist', async () => {
    const res = await t.rpcRaw({ jsonrpc: '2.0', method: 'foobar', id: '1' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ jsonrpc: '2.0', id: '1', error: { code: -32601, message: 'Method not found' } });
  });

  it('answers -32700 with id null for invalid JSON', async () => {
    const res = await t.rpcRaw('{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
  });

  it('answers -32600 for an invalid request object', async () => {
    const res = await t.rpcRaw({ jsonrpc: '2.0', method: 1, params: 'bar' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request' } });
  });

  it('answers -32700 for a batch that is invalid JSON', async () => {
    const res = await t.rpcRaw(
      '[{"jsonrpc": "2.0", "method": "accounting.currencies.get", "params": {"id": 1}, "id": "1"},{"jsonrpc": "2.0", "method"]',
    );
    expect(res.body).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
  });

  it('answers one -32600 (not an array) for an empty batch', async () => {
    const res = await t.rpcRaw('[]');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request' } });
  });

  it('answers [1] with an array of one -32600', async () => {
    const res = await t.rpcRaw('[1]');
    expect(res.body).toEqual([{ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request' } }]);
  });

  it('answers [1,2,3] with three -32600', async () => {
    const res = await t.rpcRaw('[1,2,3]');
    const invalid = { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request' } };
    expect(res.body).toEqual([invalid, invalid, invalid]);
  });

  it('answers a mixed batch call by call, leaving out the notifications', async () => {
    const res = await t.rpcRaw([
      { jsonrpc: '2.0', method: 'accounting.currencies.get', params: { id: 1 }, id: '1' },
      { jsonrpc: '2.0', method: 'accounting.currencies.create', params: { name: 'CHF' } },
      { jsonrpc: '2.0', method: 'accounting.currencies.search', params: { name: ['CHF'] }, id: '2' },
      { foo: 'boo' },
      { jsonrpc: '2.0', method: 'foo.get', params: { name: 'myself' }, id: '5' },
    ]);
    expect(res.status).toBe(200);
    const byId = new Map(res.body.map((answer: { id: unknown }) => [answer.id, answer]));
    expect(res.body).toHaveLength(4);
    expect((byId.get('1') as any).result.name).toBe('USD');
    expect((byId.get('2') as any).result.map((c: { name: string }) => c.name)).toEqual(['CHF']);
    expect(byId.get(null)).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request' } });
    expect(byId.get('5')).toEqual({ jsonrpc: '2.0', id: '5', error: { code: -32601, message: 'Method not found' } });
  });

  it('refuses positional params with -32602', async () => {
    const res = await t.rpcRaw({ jsonrpc: '2.0', method: 'accounting.currencies.get', params: [1], id: 4 });
    expect(res.body).toEqual({
      jsonrpc: '2.0',
      id: 4,
      error: {
        code: -32602,
        message: 'Invalid params',
        data: { params: 'must be an object: only named params are supported' },
      },
    });
  });

  it('answers -32602 with a field map for invalid params', async () => {
    const res = await t.rpc('accounting.currencies.get', {}, { id: 8 });
    expect(res.body).toEqual({
      jsonrpc: '2.0',
      id: 8,
      error: { code: -32602, message: 'Invalid params', data: { id: 'is required' } },
    });
  });

  it('refuses a wrong protocol version with -32600, keeping the id', async () => {
    const res = await t.rpcRaw({ jsonrpc: '1.0', method: 'accounting.currencies.get', params: { id: 1 }, id: 7 });
    expect(res.body).toEqual({ jsonrpc: '2.0', id: 7, error: { code: -32600, message: 'Invalid Request' } });
  });

  it('refuses params that are neither object nor array, and ids that are objects', async () => {
    const res = await t.rpcRaw([
      { jsonrpc: '2.0', method: 'accounting.currencies.get', params: 'x', id: 1 },
      { jsonrpc: '2.0', method: 'accounting.currencies.get', params: null, id: 2 },
      { jsonrpc: '2.0', method: 'accounting.currencies.get', params: { id: 1 }, id: { no: 1 } },
    ]);
    expect(res.body).toEqual([
      { jsonrpc: '2.0', id: 1, error: { code: -32600, message: 'Invalid Request' } },
      { jsonrpc: '2.0', id: 2, error: { code: -32600, message: 'Invalid Request' } },
      { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request' } },
    ]);
  });

  it('answers an integer id beyond 2^53 with every digit', async () => {
    const res = await t.rpcRaw('[{"jsonrpc":"2.0","id":12345678901234567890,"method":"accounting.currencies.search","params":{"id":[999999]}},{"jsonrpc":"2.0","id":-9007199254740993,"method":"nope"}]');
    expect(res.text).toBe(
      '[{"jsonrpc":"2.0","id":12345678901234567890,"result":[],"meta":{"has_more":false,"next_offset":null}},{"jsonrpc":"2.0","id":-9007199254740993,"error":{"code":-32601,"message":"Method not found"}}]',
    );
  });

  it('answers a batch over the limit with one -32600', async () => {
    const call = { jsonrpc: '2.0', method: 'accounting.currencies.get', params: { id: 1 }, id: 1 };
    const atLimit = await t.rpcRaw(Array.from({ length: 5 }, (_, i) => ({ ...call, id: i })));
    expect(atLimit.body).toHaveLength(5);
    const over = await t.rpcRaw(Array.from({ length: 6 }, (_, i) => ({ ...call, id: i })));
    expect(over.status).toBe(200);
    expect(over.body).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, message: 'Invalid Request', data: { batch: 'must hold at most 5 calls' } },
    });
  });

  it('answers a body over the size limit with HTTP 413', async () => {
    const res = await t.rpcRaw({ jsonrpc: '2.0', method: 'accounting.currencies.search', params: { q: 'x'.repeat(3000) }, id: 1 });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: {
        code: -32600,
        message: 'payload-too-large: the body is over the limit of 2048 bytes',
        data: { code: 'payload-too-large', message: 'the body is over the limit of 2048 bytes', limit_bytes: 2048 },
      },
    });
  });

  it('serves the same engine under /api/', async () => {
    const res = await t.rpcRaw({ jsonrpc: '2.0', method: 'accounting.currencies.get', params: { id: 1 }, id: 'a' }, { path: '/api/' });
    expect(res.body.result.name).toBe('USD');
  });

  it('reads the body as JSON whatever the Content-Type (curl -d sends form-urlencoded)', async () => {
    const body = '{"jsonrpc": "2.0", "id": 1, "method": "accounting.currencies.get", "params": {"id": 1}}';
    const res = await t.rpcRaw(body, { contentType: 'application/x-www-form-urlencoded' });
    expect(res.body.result.name).toBe('USD');
  });

  it('answers an empty body, which is no JSON, with -32700', async () => {
    for (const body of ['', '   ']) {
      const res = await t.rpcRaw(body);
      expect([res.status, res.body]).toEqual([200, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }]);
    }
  });
});
