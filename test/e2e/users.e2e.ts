import { aReseller, aUser } from '../support/factories';
import { ADMIN_KEY, startTestApp, TestApp } from '../support/test-app';

describe('iam.users', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('creates a user and shows the API key only in that answer', async () => {
    const created = await t.rest('POST', '/iam/users', {
      login: 'crm',
      password: 'correct horse',
      name: 'CRM integration',
      email: 'crm@example.com',
      timezone: 'Europe/Kyiv',
      locale: 'uk_UA',
      allowed_ips: ['127.0.0.1', '10.0.0.0/8', '2001:db8::/32'],
    });
    expect(created.status).toBe(200);
    const { api_key, c_dt, ...user } = created.body;
    expect(api_key).toMatch(/^bk_[A-Za-z0-9_-]{43}$/);
    expect(user).toEqual({
      id: 2,
      login: 'crm',
      name: 'CRM integration',
      email: 'crm@example.com',
      status: 'active',
      role: 'admin',
      resellers_id: null,
      timezone: 'Europe/Kyiv',
      locale: 'uk_UA',
      allowed_ips: ['127.0.0.1', '10.0.0.0/8', '2001:db8::/32'],
      api_key_prefix: api_key.slice(0, 8),
    });
    // The answer follows the caller's time zone (the administrator has none: UTC), not the new user's.
    expect(c_dt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    const got = await t.rpc('iam.users.get', { id: 2 });
    expect(got.body.result).toEqual({ ...user, c_dt: got.body.result.c_dt });
    expect(JSON.stringify(got.body)).not.toContain(api_key);
    expect((await t.rest('GET', '/iam/users/2', undefined, { key: api_key })).status).toBe(200);

    const [row] = await t.dataSource.query(`SELECT password_hash, api_key_hash FROM users WHERE id = 2`);
    expect(row.password_hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(JSON.stringify(row)).not.toContain('correct horse');
    expect(JSON.stringify(row)).not.toContain(api_key);
  });

  it('renders the datetimes of a user in their own time zone unless __tz says otherwise', async () => {
    const crm = await aUser(t, { timezone: 'Asia/Kolkata' });
    await t.dataSource.query(`UPDATE users SET c_dt = '2026-06-01 12:00:00' WHERE id = ${crm.id}`);
    const own = await t.rest('GET', `/iam/users/${crm.id}`, undefined, { key: crm.api_key });
    expect(own.body.c_dt).toBe('2026-06-01T17:30:00+05:30');
    const asked = await t.rpc('iam.users.get', { id: crm.id, __tz: 'America/New_York' }, { key: crm.api_key });
    expect(asked.body.result.c_dt).toBe('2026-06-01T08:00:00-04:00');
    const admin = await t.rest('GET', `/iam/users/${crm.id}`);
    expect(admin.body.c_dt).toBe('2026-06-01T12:00:00+00:00');
  });

  it('refuses a login that is taken, and bad fields', async () => {
    const taken = await t.rpc('iam.users.create', { login: 'crm' });
    expect(taken.body.error).toEqual({
      code: -32000,
      message: 'users-login-taken: the login crm is taken',
      data: { code: 'users-login-taken', message: 'the login crm is taken' },
    });
    const bad = await t.rest('POST', '/iam/users', {
      login: 'a b',
      password: 'short',
      email: 'not-mail',
      timezone: 'Mars/Olympus',
      locale: 'english',
      allowed_ips: ['10.0.0.0/33'],
      status: 'gone',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.data).toEqual({
      login: 'must be 3 to 64 letters, digits or . _ @ -',
      password: 'must be at least 8 characters long',
      email: 'must be an e-mail address',
      timezone: 'must be an IANA time zone name such as America/New_York',
      locale: 'must be a locale such as en or en_US',
      allowed_ips: 'must be a list of IP addresses or CIDR ranges',
      status: 'must be one of: active, blocked, archive',
    });
  });

  it('updates only the fields sent, rehashing a new password', async () => {
    const user = await aUser(t, { name: 'Before', password: 'first password' });
    const [before] = await t.dataSource.query(`SELECT password_hash FROM users WHERE id = ${user.id}`);
    expect((await t.rpc('iam.users.update', { id: user.id, name: 'After', password: 'second password' })).body.result).toBe(1);
    const [after] = await t.dataSource.query(`SELECT password_hash, name, login FROM users WHERE id = ${user.id}`);
    expect(after.password_hash).not.toBe(before.password_hash);
    expect([after.name, after.login]).toEqual(['After', user.login]);
  });

  it('searches by status, reseller and quick search, in the allowed orders', async () => {
    const reseller = await aReseller(t);
    const a = await aUser(t, { login: 'zeta-ops', resellers_id: reseller.id, email: 'zeta@example.com' });
    const b = await aUser(t, { login: 'alpha-ops', resellers_id: reseller.id, status: 'blocked' });
    const ids = (reply: { body: any }) => (reply.body.result ?? reply.body).map((u: { id: number }) => u.id);
    expect(ids(await t.rpc('iam.users.search', { resellers_id: [reseller.id], order: 'login' }))).toEqual([b.id, a.id]);
    expect(ids(await t.rest('GET', `/iam/users?resellers_id=${reseller.id}&status=blocked`))).toEqual([b.id]);
    expect(ids(await t.rest('GET', '/iam/users?q=ZETA@'))).toEqual([a.id]);
    expect((await t.rest('GET', '/iam/users?order=password_hash')).body.error.data).toEqual({
      order: 'cannot order by "password_hash"; allowed: id, login, name, status, c_dt',
    });
  });

  it('rotates an API key: the new one works and the old one fails at once', async () => {
    const user = await aUser(t);
    const rotated = await t.rest('POST', `/iam/users/${user.id}/regenerate_api_key`);
    expect(Object.keys(rotated.body)).toEqual(['api_key']);
    expect(rotated.body.api_key).not.toBe(user.api_key);
    expect((await t.rpc('iam.users.get', { id: user.id }, { key: user.api_key })).status).toBe(401);
    expect((await t.rest('GET', `/iam/users/${user.id}`, undefined, { key: user.api_key })).status).toBe(401);
    expect((await t.rpc('iam.users.get', { id: user.id }, { key: rotated.body.api_key })).status).toBe(200);
    const again = await t.rpc('iam.users.regenerate_api_key', { id: user.id }, { key: rotated.body.api_key });
    expect((await t.rest('GET', `/iam/users/${user.id}`, undefined, { key: rotated.body.api_key })).status).toBe(401);
    expect((await t.rest('GET', `/iam/users/${user.id}`, undefined, { key: again.body.result.api_key })).status).toBe(200);
  });

  it('stops a blocked or archived user at once', async () => {
    const user = await aUser(t);
    await t.rpc('iam.users.update', { id: user.id, status: 'blocked' });
    expect((await t.rest('GET', '/iam/users', undefined, { key: user.api_key })).status).toBe(401);
    await t.rpc('iam.users.update', { id: user.id, status: 'archive' });
    expect((await t.rpc('iam.users.search', {}, { key: user.api_key })).status).toBe(401);
    await t.rpc('iam.users.update', { id: user.id, status: 'active' });
    expect((await t.rpc('iam.users.search', {}, { key: user.api_key })).status).toBe(200);
  });

  it('deletes a user but not oneself', async () => {
    const user = await aUser(t);
    expect((await t.rest('DELETE', `/iam/users/${user.id}`)).body).toBe(1);
    expect((await t.rest('GET', `/iam/users/${user.id}`)).status).toBe(404);
    expect((await t.rest('GET', '/iam/users', undefined, { key: user.api_key })).status).toBe(401);
    const self = await t.rpc('iam.users.delete', { id: 1 });
    expect(self.body.error.data).toEqual({ code: 'users-self-delete', message: 'a user cannot delete themselves' });
  });

  describe('allowed_ips', () => {
    it('refuses calls from anywhere else, with the same 401 as a wrong key', async () => {
      const user = await aUser(t, { allowed_ips: ['10.0.0.0/8'] });
      const res = await t.rest('GET', '/iam/users', undefined, { key: user.api_key });
      expect(res.status).toBe(401);
      expect(res.body).toEqual((await t.rest('GET', '/iam/users', undefined, { key: 'wrong-key' })).body);
      await t.rpc('iam.users.update', { id: user.id, allowed_ips: ['10.0.0.0/8', '127.0.0.0/8', '::1'] });
      expect((await t.rest('GET', '/iam/users', undefined, { key: user.api_key })).status).toBe(200);
      await t.rpc('iam.users.update', { id: user.id, allowed_ips: [] });
      expect((await t.rpc('iam.users.search', {}, { key: user.api_key })).status).toBe(200);
    });

    it('ignores X-Forwarded-For unless TRUST_PROXY is set', async () => {
      const user = await aUser(t, { allowed_ips: ['2001:db8::/32'] });
      const forwarded = { 'X-Forwarded-For': '2001:db8::7' };
      expect((await t.rest('GET', '/iam/users', undefined, { key: user.api_key, headers: forwarded })).status).toBe(401);

      const proxied = await startTestApp({ TRUST_PROXY: 'true' });
      try {
        const behindProxy = await aUser(proxied, { allowed_ips: ['2001:db8::/32', '192.0.2.10'] });
        const call = (address: string) =>
          proxied.rest('GET', '/iam/users', undefined, { key: behindProxy.api_key, headers: { 'X-Forwarded-For': address } });
        expect((await call('2001:db8::7')).status).toBe(200);
        expect((await call('2001:db9::7')).status).toBe(401);
        expect((await call('192.0.2.10')).status).toBe(200);
        expect((await call('192.0.2.11')).status).toBe(401);
        // Only the address the trusted proxy appended counts, not what the client wrote before it.
        expect((await call('192.0.2.10, 198.51.100.1')).status).toBe(401);
      } finally {
        await proxied.close();
      }
    });
  });

  describe('a reseller-limited user cannot widen their reach', () => {
    let R: number;
    let R1: number;
    let S: number;
    let onR: { id: number; api_key: string };

    beforeAll(async () => {
      R = (await aReseller(t, { parent_id: (await aReseller(t)).id })).id;
      R1 = (await aReseller(t, { parent_id: R })).id;
      S = (await aReseller(t)).id;
      onR = await aUser(t, { resellers_id: R });
    });

    const escalation = (objectName: string) => ({
      code: -32000,
      message: `resellers-limit-escalation: a reseller-limited user cannot make ${objectName} unlimited`,
      data: { code: 'resellers-limit-escalation', message: `a reseller-limited user cannot make ${objectName} unlimited` },
    });
    const notFound = (id: number) => ({
      code: -32004,
      message: `not_found: resellers #${id} not found`,
      data: { code: 'not_found', object_name: 'resellers', object_id: String(id) },
    });

    it('creates users in their own reseller, even when asked for an unlimited one', async () => {
      const created = await t.rpc('iam.users.create', { login: 'sub-user', resellers_id: null }, { key: onR.api_key });
      expect(created.body.result.resellers_id).toBe(R);
    });

    it('cannot make themselves or anyone unlimited', async () => {
      const self = await t.rpc('iam.users.update', { id: onR.id, resellers_id: null }, { key: onR.api_key });
      expect(self.body.error).toEqual(escalation('users'));
      const other = await aUser(t, { resellers_id: R1 });
      expect((await t.rpc('iam.users.update', { id: other.id, resellers_id: null }, { key: onR.api_key })).body.error).toEqual(
        escalation('users'),
      );
      const [row] = await t.dataSource.query(`SELECT resellers_id FROM users WHERE id = ${onR.id}`);
      expect(Number(row.resellers_id)).toBe(R);
    });

    it('cannot move a user or a reseller out of their tree', async () => {
      const user = await aUser(t, { resellers_id: R1 });
      expect((await t.rpc('iam.users.update', { id: user.id, resellers_id: S }, { key: onR.api_key })).body.error).toEqual(notFound(S));
      expect((await t.rpc('iam.users.update', { id: user.id, resellers_id: R }, { key: onR.api_key })).body.result).toBe(1);
      expect((await t.rpc('iam.resellers.update', { id: R1, parent_id: S }, { key: onR.api_key })).body.error).toEqual(notFound(S));
      expect((await t.rpc('iam.resellers.update', { id: R1, parent_id: null }, { key: onR.api_key })).body.error).toEqual(
        escalation('resellers'),
      );
      expect((await t.rpc('iam.resellers.update', { id: R, parent_id: null }, { key: onR.api_key })).body.error).toEqual(
        escalation('resellers'),
      );
      expect((await t.rpc('iam.resellers.update', { id: R, parent_id: R1 }, { key: onR.api_key })).body.error.data).toEqual({
        code: 'resellers-cycle',
        message: `reseller #${R} cannot be moved beneath itself`,
      });
      expect((await t.rpc('iam.resellers.update', { id: R, name: 'Renamed R' }, { key: onR.api_key })).body.result).toBe(1);
    });
  });

  it('does not let the admin key into anything it should not: the admin is unlimited', async () => {
    expect((await t.rest('GET', '/iam/users?limit=1000', undefined, { key: ADMIN_KEY })).body.length).toBeGreaterThan(10);
  });
});
