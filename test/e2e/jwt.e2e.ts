import { createHmac } from 'node:crypto';
import { aUser } from '../support/factories';
import { ADMIN_KEY, startTestApp, TestApp } from '../support/test-app';

const JWT_FAILED = {
  message: 'utoken-auth-failed: Authentication failed: the token is invalid, expired or revoked',
  data: { code: 'utoken-auth-failed', message: 'Authentication failed: the token is invalid, expired or revoked' },
};

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('JWT authentication (deprecated)', () => {
  let t: TestApp;
  let user: { id: number; login: string; api_key: string };

  beforeAll(async () => {
    t = await startTestApp({ JWT_TTL: '600' });
    user = await aUser(t, { login: 'jwt-user', password: 'jwt-password' });
  });
  afterAll(() => t.close());

  const login = (password = 'jwt-password', who = 'jwt-user') =>
    t.rpc('iam.auth.jwt.authenticate', { login: who, password }, { key: null });
  const bearer = (token: string) => ({ key: null, headers: { Authorization: `Bearer ${token}` } });

  it('exchanges a login and password for a token that works on both protocols, marked deprecated', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await login();
    expect(res.status).toBe(200);
    const { token, expires_at } = res.body.result;
    expect(token.split('.')).toHaveLength(3);
    const expires = Date.parse(expires_at) / 1000;
    expect(expires - before).toBeGreaterThanOrEqual(600);
    expect(expires - before).toBeLessThanOrEqual(601);
    expect(expires_at).toMatch(/\+00:00$/);

    const rest = await t.rest('GET', `/iam/users/${user.id}`, undefined, bearer(token));
    expect([rest.status, rest.body.login, rest.headers.deprecation]).toEqual([200, 'jwt-user', 'true']);
    const rpc = await t.rpcRaw({ jsonrpc: '2.0', id: 1, method: 'iam.users.get', params: { id: user.id } }, { key: null, headers: { Authorization: `Bearer ${token}` } });
    expect([rpc.status, rpc.body.result.login, rpc.headers.deprecation]).toEqual([200, 'jwt-user', 'true']);
    const withKey = await t.rest('GET', `/iam/users/${user.id}`, undefined, { key: user.api_key });
    expect(withKey.headers.deprecation).toBeUndefined();
  });

  it('refreshes a token into a new one', async () => {
    const { token } = (await login()).body.result;
    const refreshed = await t.rest('POST', '/iam/auth/jwt/refresh', undefined, bearer(token));
    expect(refreshed.status).toBe(200);
    expect(Object.keys(refreshed.body)).toEqual(['token', 'expires_at']);
    expect(refreshed.body.token).not.toBe(token);
    expect((await t.rest('GET', '/iam/users', undefined, bearer(refreshed.body.token))).status).toBe(200);
    const extra = await t.rest('POST', '/iam/auth/jwt/refresh', { ttl: 99999 }, bearer(token));
    expect([extra.status, extra.body.error.data]).toEqual([400, { ttl: 'is not allowed' }]);
  });

  it('refuses a wrong password or an unknown login with 401 / -32005', async () => {
    const wrong = await login('not-the-password');
    const expected = {
      code: -32005,
      message: 'utoken-auth-failed: Authentication failed: wrong login or password',
      data: { code: 'utoken-auth-failed', message: 'Authentication failed: wrong login or password' },
    };
    expect([wrong.status, wrong.body.error]).toEqual([401, expected]);
    const unknown = await t.rest('POST', '/iam/auth/jwt/authenticate', { login: 'nobody', password: 'whatever' }, { key: null });
    expect([unknown.status, unknown.body.error]).toEqual([401, { message: expected.message, data: expected.data }]);
  });

  it('refuses tampered, unsigned and garbage tokens', async () => {
    const { token } = (await login()).body.result;
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const tampered = [header, base64url({ ...claims, sub: '1' }), signature].join('.');
    const unsigned = [base64url({ alg: 'none', typ: 'JWT' }), base64url({ ...claims, sub: '1' }), ''].join('.');
    const otherSecret = (() => {
      const head = base64url({ alg: 'HS256', typ: 'JWT' });
      const body = base64url({ ...claims, sub: '1' });
      return `${head}.${body}.${createHmac('sha256', 'guessed-secret').update(`${head}.${body}`).digest('base64url')}`;
    })();
    for (const bad of [tampered, unsigned, otherSecret, 'not.a.token', 'garbage']) {
      const rest = await t.rest('GET', '/iam/users', undefined, bearer(bad));
      expect([rest.status, rest.body.error]).toEqual([401, JWT_FAILED]);
      const rpc = await t.rpcRaw({ jsonrpc: '2.0', id: 3, method: 'iam.users.search' }, { key: null, headers: { Authorization: `Bearer ${bad}` } });
      expect([rpc.status, rpc.body]).toEqual([401, { jsonrpc: '2.0', id: 3, error: { code: -32005, ...JWT_FAILED } }]);
    }
  });

  it('stops the tokens of a blocked user at once', async () => {
    const blocked = await aUser(t, { password: 'blocked-password' });
    const { token } = (await login('blocked-password', blocked.login)).body.result;
    expect((await t.rest('GET', '/iam/users', undefined, bearer(token))).status).toBe(200);
    await t.rpc('iam.users.update', { id: blocked.id, status: 'blocked' });
    expect((await t.rest('GET', '/iam/users', undefined, bearer(token))).status).toBe(401);
    expect((await login('blocked-password', blocked.login)).status).toBe(401);
  });

  it("revokes a user's tokens when their password, key or status changes", async () => {
    for (const change of [
      (id: number) => t.rpc('iam.users.update', { id, password: 'a-new-password' }),
      (id: number) => t.rpc('iam.users.regenerate_api_key', { id }),
      (id: number) => t.rpc('iam.users.update', { id, status: 'blocked' }),
    ]) {
      const someone = await aUser(t, { password: 'first-password' });
      const { token } = (await login('first-password', someone.login)).body.result;
      const refreshed = (await t.rest('POST', '/iam/auth/jwt/refresh', undefined, bearer(token))).body.token;
      await change(someone.id);
      for (const revoked of [token, refreshed]) {
        const res = await t.rest('GET', '/iam/users', undefined, bearer(revoked));
        expect([res.status, res.body.error]).toEqual([401, JWT_FAILED]);
      }
    }
    // Unrelated changes leave tokens alone.
    const kept = await aUser(t, { password: 'first-password' });
    const { token } = (await login('first-password', kept.login)).body.result;
    await t.rpc('iam.users.update', { id: kept.id, name: 'Renamed' });
    expect((await t.rest('GET', '/iam/users', undefined, bearer(token))).status).toBe(200);
  });

  it('authenticates any login, whatever reseller the caller of the batch is limited to', async () => {
    const reseller = (await t.rpc('iam.resellers.create', { name: 'Elsewhere' })).body.result;
    const limited = await aUser(t, { resellers_id: reseller.id });
    const res = await t.rpcRaw(
      [
        { jsonrpc: '2.0', id: 1, method: 'iam.users.search' },
        { jsonrpc: '2.0', id: 2, method: 'iam.auth.jwt.authenticate', params: { login: 'jwt-user', password: 'jwt-password' } },
      ],
      { key: limited.api_key },
    );
    expect(res.body[1].result.token.split('.')).toHaveLength(3);
  });

  it('lets X-Api-Key win when both are sent', async () => {
    const { token } = (await login()).body.result;
    const keyWins = await t.rest('GET', '/iam/users', undefined, { key: ADMIN_KEY, headers: { Authorization: 'Bearer garbage' } });
    expect([keyWins.status, keyWins.headers.deprecation]).toEqual([200, undefined]);
    const badKey = await t.rest('GET', '/iam/users', undefined, { key: 'wrong-key', headers: { Authorization: `Bearer ${token}` } });
    expect(badKey.status).toBe(401);
  });

  it('keeps the generated secret in the database, shared by every server process', async () => {
    const rows = await t.dataSource.query(`SELECT key, value FROM settings`);
    expect(rows.map((row: { key: string }) => row.key)).toEqual(['jwt_secret']);
    expect(rows[0].value).toHaveLength(64);
  });
});

describe('JWT expiry and JWT_SECRET', () => {
  it('refuses a token once it has expired', async () => {
    const t = await startTestApp({ JWT_TTL: '1', JWT_SECRET: 'a-configured-secret-of-32-characters!!' });
    try {
      const user = await aUser(t, { password: 'short-lived' });
      const { token } = (await t.rpc('iam.auth.jwt.authenticate', { login: user.login, password: 'short-lived' }, { key: null })).body.result;
      const [, payload, signature] = token.split('.');
      const expected = createHmac('sha256', 'a-configured-secret-of-32-characters!!').update(token.split('.').slice(0, 2).join('.')).digest('base64url');
      expect(signature).toBe(expected);
      expect(JSON.parse(Buffer.from(payload, 'base64url').toString()).sub).toBe(String(user.id));
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const res = await t.rest('GET', '/iam/users', undefined, { key: null, headers: { Authorization: `Bearer ${token}` } });
      expect([res.status, res.body.error]).toEqual([401, JWT_FAILED]);
      expect(await t.dataSource.query(`SELECT key FROM settings`)).toEqual([]);
    } finally {
      await t.close();
    }
  });
});

describe('login throttling', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    await aUser(t, { login: 'victim', password: 'victim-password' });
    await aUser(t, { login: 'alice', password: 'alice-password' });
  });
  afterAll(() => t.close());

  const attempt = (login: string, password: string) => t.rest('POST', '/iam/auth/jwt/authenticate', { login, password }, { key: null });

  it('throttles a login after five failures, even with the right password, and not other logins', async () => {
    for (let i = 0; i < 5; i++) expect((await attempt('victim', `guess-${i}`)).status).toBe(401);
    const throttled = await attempt('victim', 'victim-password');
    expect(throttled.status).toBe(429);
    expect(throttled.body.error).toEqual({
      message: 'too-many-requests: Too many requests, retry later',
      data: { code: 'too-many-requests' },
    });
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(890);
    expect(Number(throttled.headers['retry-after'])).toBeLessThanOrEqual(900);
    const rpc = await t.rpc('iam.auth.jwt.authenticate', { login: 'victim', password: 'victim-password' }, { key: null });
    expect([rpc.status, rpc.body.error.code, rpc.headers['retry-after'] !== undefined]).toEqual([200, -32029, true]);

    // Others' failures do not stop alice, from the same address.
    expect((await attempt('alice', 'alice-password')).status).toBe(200);
  });

  it('counts guesses sent in parallel', async () => {
    await aUser(t, { login: 'parallel', password: 'parallel-password' });
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => attempt('parallel', `guess-${i}`)));
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([...Array(5).fill(401), ...Array(7).fill(429)]);
  });

  it('throttles an address after twenty failures, whatever the logins', async () => {
    // 5 (victim) + 5 (parallel) failures so far from this address.
    for (let i = 0; i < 10; i++) expect((await attempt(`nobody-${i}`, 'x')).status).toBe(401);
    const throttled = await attempt('alice', 'alice-password');
    expect(throttled.status).toBe(429);
  });
});
