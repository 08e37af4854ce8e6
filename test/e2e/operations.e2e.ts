import { startTestApp, TestApp } from '../support/test-app';

describe('operations', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers liveness and readiness without credentials', async () => {
    const live = await t.rest('GET', '/health/live', undefined, { key: null });
    const ready = await t.rest('GET', '/health/ready', undefined, { key: null });
    expect([live.status, live.body]).toEqual([200, { status: 'ok' }]);
    expect([ready.status, ready.body]).toEqual([200, { status: 'ok', database: 'ok' }]);
  });

  it('echoes a well-formed X-Request-Id and makes one up otherwise', async () => {
    const given = await t.rest('GET', '/health/live', undefined, { headers: { 'X-Request-Id': 'abc-123' } });
    expect(given.headers['x-request-id']).toBe('abc-123');
    const made = await t.rest('GET', '/health/live', undefined, { headers: { 'X-Request-Id': 'bad id with spaces' } });
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('logs one JSON access line per request, with the request id and the JSON-RPC methods', async () => {
    const res = await t.rpcRaw([
      { jsonrpc: '2.0', id: 1, method: 'accounting.currencies.search' },
      { jsonrpc: '2.0', id: 2, method: 'rpc.discover' },
    ]);
    await new Promise((resolve) => setImmediate(resolve));
    const line = t.logs.find((entry) => entry.request_id === res.headers['x-request-id'] && entry.msg === 'request');
    expect(line).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      level: 'info',
      context: 'Http',
      request_id: res.headers['x-request-id'],
      msg: 'request',
      method: 'POST',
      path: '/',
      status: 200,
      duration_ms: expect.any(Number),
      user_id: 1,
      rpc_methods: ['accounting.currencies.search', 'rpc.discover'],
    });
  });

  it('reports not ready once the database is gone', async () => {
    await t.dataSource.destroy();
    const ready = await t.rest('GET', '/health/ready', undefined, { key: null });
    expect([ready.status, ready.body]).toEqual([503, { status: 'unavailable', database: 'unreachable' }]);
    await t.dataSource.initialize();
  });
});
