import { MethodRegistry } from '../../src/platform/api/method-registry';
import { issueApiKey } from '../../src/modules/iam/auth/secrets';
import { servedRoutes } from '../support/routes';
import { ADMIN_KEY, startTestApp, TestApp } from '../support/test-app';

const AUTH_FAILED = {
  message: 'utoken-auth-failed: Authentication failed: a valid X-Api-Key header is required',
  data: { code: 'utoken-auth-failed', message: 'Authentication failed: a valid X-Api-Key header is required' },
};

describe('API-key authentication', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  describe.each([
    ['no key', null],
    ['an unknown key', 'not-a-key-of-anyone-at-all'],
    ['an empty key', ''],
  ])('with %s', (_, key) => {
    it('REST answers 401 utoken-auth-failed', async () => {
      const res = await t.rest('GET', '/accounting/currencies', undefined, { key });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: AUTH_FAILED });
    });

    it('JSON-RPC answers HTTP 401 carrying error -32005', async () => {
      const res = await t.rpc('accounting.currencies.search', {}, { key, id: 11 });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ jsonrpc: '2.0', id: 11, error: { code: -32005, ...AUTH_FAILED } });
    });

    it('JSON-RPC answers each call of a batch needing a caller with -32005, public ones as usual', async () => {
      const res = await t.rpcRaw(
        [
          { jsonrpc: '2.0', id: 1, method: 'rpc.discover' },
          { jsonrpc: '2.0', id: 2, method: 'accounting.currencies.search' },
          { jsonrpc: '2.0', method: 'accounting.currencies.search' },
          { jsonrpc: '2.0', id: 3, method: 'accounting.currencies.get', params: { id: 1 } },
        ],
        { key },
      );
      // Something was answered successfully: HTTP 200.
      expect(res.status).toBe(200);
      expect(res.body.map((answer: { id: number }) => answer.id)).toEqual([1, 2, 3]);
      expect(res.body[0].result.openrpc).toBe('1.3.2');
      expect(res.body.slice(1)).toEqual([
        { jsonrpc: '2.0', id: 2, error: { code: -32005, ...AUTH_FAILED } },
        { jsonrpc: '2.0', id: 3, error: { code: -32005, ...AUTH_FAILED } },
      ]);
    });

    it('JSON-RPC answers a batch where every call failed to authenticate with HTTP 401', async () => {
      const res = await t.rpcRaw(
        [
          { jsonrpc: '2.0', id: 1, method: 'accounting.currencies.search' },
          { jsonrpc: '2.0', id: 2, method: 'accounting.currencies.get', params: { id: 1 } },
        ],
        { key },
      );
      expect(res.status).toBe(401);
      expect(res.body).toEqual([
        { jsonrpc: '2.0', id: 1, error: { code: -32005, ...AUTH_FAILED } },
        { jsonrpc: '2.0', id: 2, error: { code: -32005, ...AUTH_FAILED } },
      ]);
    });

    it('JSON-RPC answers a notification needing a caller with HTTP 401 and no body', async () => {
      const res = await t.rpcRaw({ jsonrpc: '2.0', method: 'accounting.currencies.search' }, { key });
      expect([res.status, res.text]).toEqual([401, '']);
    });
  });

  it('accepts the right key on both protocols', async () => {
    expect((await t.rest('GET', '/accounting/currencies', undefined, { key: ADMIN_KEY })).status).toBe(200);
    const res = await t.rpc('accounting.currencies.search', {}, { key: ADMIN_KEY });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ jsonrpc: '2.0', id: 1, result: [], meta: { has_more: false, next_offset: null } });
  });

  it('stores keys only as hashes', async () => {
    const rows: { api_key_hash: string; api_key_prefix: string }[] = await t.dataSource.query(
      'SELECT api_key_hash, api_key_prefix FROM users',
    );
    expect(rows).toEqual([{ api_key_hash: issueApiKey(ADMIN_KEY).hash, api_key_prefix: ADMIN_KEY.slice(0, 8) }]);
    expect(JSON.stringify(rows)).not.toContain(ADMIN_KEY);
  });

  it('refuses the key of a blocked or archived user', async () => {
    const key = issueApiKey();
    await t.dataSource.query(
      `INSERT INTO users (login, status, api_key_hash, api_key_prefix) VALUES ('blocked', 'blocked', '${key.hash}', '${key.prefix}')`,
    );
    expect((await t.rest('GET', '/accounting/currencies', undefined, { key: key.key })).status).toBe(401);
    await t.dataSource.query(`UPDATE users SET status = 'archive' WHERE login = 'blocked'`);
    expect((await t.rpc('accounting.currencies.search', {}, { key: key.key })).status).toBe(401);
    await t.dataSource.query(`UPDATE users SET status = 'active' WHERE login = 'blocked'`);
    expect((await t.rpc('accounting.currencies.search', {}, { key: key.key })).status).toBe(200);
  });

  // Who can reach what without credentials, found by asking every route and method: a change shows up here.
  it('leaves public only the routes and methods meant to be', async () => {
    const routes = servedRoutes(t.app);
    expect(routes).toEqual(expect.arrayContaining(['GET /accounting/currencies/:id', 'DELETE /api/accounting/currencies/:id']));
    const open: string[] = [];
    for (const route of routes) {
      const [verb, path] = route.split(' ');
      const res = await t.rest(verb as 'GET', path.replace(/:[a-z_]+/g, '1'), undefined, { key: null });
      if (res.status !== 401) open.push(route);
    }
    expect(open.sort()).toEqual([
      'GET /api/docs',
      'GET /api/docs/json',
      'GET /api/docs/openrpc',
      'GET /api/health/live',
      'GET /api/health/ready',
      'GET /docs',
      'GET /docs/json',
      'GET /docs/openrpc',
      'GET /health/live',
      'GET /health/ready',
      'POST /',
      'POST /api',
      'POST /api/iam/auth/jwt/authenticate',
      'POST /iam/auth/jwt/authenticate',
    ]);

    const openMethods: string[] = [];
    for (const method of t.app.get(MethodRegistry).list()) {
      const res = await t.rpc(method.options.rpc, {}, { key: null });
      if (res.status !== 401) openMethods.push(method.options.rpc);
    }
    expect(openMethods).toEqual(['iam.auth.jwt.authenticate', 'rpc.discover']);
  });
});
