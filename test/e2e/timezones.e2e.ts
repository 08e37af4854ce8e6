import { aClient, aCurrency, aUser } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

// SPEC §4: the effective zone is __tz, else the caller's own, else DEFAULT_TIMEZONE; storage is UTC.
describe('time zones', () => {
  let t: TestApp;
  let usd: number;
  let winter: number;
  let summer: number;
  let kolkataUser: { id: number; api_key: string };

  beforeAll(async () => {
    t = await startTestApp({ DEFAULT_TIMEZONE: 'Europe/London' });
    usd = (await aCurrency(t, 'USD')).id;
    winter = (await aClient(t, { currencies_id: usd, name: 'Winter' })).id;
    summer = (await aClient(t, { currencies_id: usd, name: 'Summer' })).id;
    await t.dataSource.query(`UPDATE clients SET c_dt = '2026-01-15 14:30:00.000' WHERE id = ${winter}`);
    await t.dataSource.query(`UPDATE clients SET c_dt = '2026-07-15 13:30:00.000' WHERE id = ${summer}`);
    kolkataUser = await aUser(t, { timezone: 'Asia/Kolkata' });
  });
  afterAll(() => t.close());

  const cdt = async (id: number, query = '', key?: string) => (await t.rest('GET', `/clients/${id}${query}`, undefined, { key })).body.c_dt;

  it('renders New York winter and summer offsets', async () => {
    expect(await cdt(winter, '?__tz=America/New_York')).toBe('2026-01-15T09:30:00-05:00');
    expect(await cdt(summer, '?__tz=America/New_York')).toBe('2026-07-15T09:30:00-04:00');
  });

  it("renders Asia/Kolkata's +05:30", async () => {
    expect(await cdt(winter, '?__tz=Asia/Kolkata')).toBe('2026-01-15T20:00:00+05:30');
  });

  it('prefers __tz, then the caller\'s zone, then the default', async () => {
    expect(await cdt(winter)).toBe('2026-01-15T14:30:00+00:00'); // the admin has no zone: DEFAULT_TIMEZONE (London, winter)
    expect(await cdt(summer)).toBe('2026-07-15T14:30:00+01:00'); // London in summer
    expect(await cdt(winter, '', kolkataUser.api_key)).toBe('2026-01-15T20:00:00+05:30'); // the caller's own
    expect(await cdt(winter, '?__tz=America/New_York', kolkataUser.api_key)).toBe('2026-01-15T09:30:00-05:00'); // __tz wins
  });

  it('takes __tz from the REST query, the REST body and JSON-RPC params alike', async () => {
    const body = await t.rest('POST', '/clients', { name: 'Body', currencies_id: usd, __tz: 'Asia/Kolkata' });
    expect(body.body.c_dt).toMatch(/\+05:30$/);
    const query = await t.rest('POST', '/clients?__tz=America/New_York', { name: 'Query', currencies_id: usd });
    expect(query.body.c_dt).toMatch(/-05:00$/);
    const rpc = await t.rpc('clients.get', { id: winter, __tz: 'America/New_York' });
    expect(rpc.body.result.c_dt).toBe('2026-01-15T09:30:00-05:00');
    const search = await t.rpc('clients.search', { id: [winter], __tz: 'Asia/Kolkata' });
    expect(search.body.result[0].c_dt).toBe('2026-01-15T20:00:00+05:30');
  });

  it('gives each call of a batch its own zone', async () => {
    const res = await t.rpcRaw([
      { jsonrpc: '2.0', id: 1, method: 'clients.get', params: { id: winter, __tz: 'America/New_York' } },
      { jsonrpc: '2.0', id: 2, method: 'clients.get', params: { id: winter } },
    ]);
    expect(res.body.map((answer: { result: { c_dt: string } }) => answer.result.c_dt)).toEqual([
      '2026-01-15T09:30:00-05:00',
      '2026-01-15T14:30:00+00:00',
    ]);
  });

  describe('datetime inputs', () => {
    const found = async (params: Record<string, unknown>, key?: string) =>
      (await t.rpc('clients.search', { id: [winter, summer], ...params }, { key })).body.result.map((c: { name: string }) => c.name);

    it('reads naive inputs in the effective zone', async () => {
      // Winter was created at 09:30 New York time: from 09:30 finds it, from 09:31 does not.
      expect(await found({ c_dt_from: '2026-01-15 09:30:00', c_dt_till: '2026-01-16', __tz: 'America/New_York' })).toEqual(['Winter']);
      expect(await found({ c_dt_from: '2026-01-15T09:30:01', c_dt_till: '2026-01-16', __tz: 'America/New_York' })).toEqual([]);
      // The caller's own zone: 20:00 in Kolkata is the same instant.
      expect(await found({ c_dt_from: '2026-01-15 20:00:00', c_dt_till: '2026-01-15 20:00:01' }, kolkataUser.api_key)).toEqual(['Winter']);
      const rest = await t.rest('GET', `/clients?id=${winter}&c_dt_from=2026-01-15%2009:30:00&__tz=America/New_York`);
      expect(rest.body.map((c: { name: string }) => c.name)).toEqual(['Winter']);
    });

    it('keeps an input offset and ignores __tz for it', async () => {
      expect(await found({ c_dt_from: '2026-01-15T14:30:00Z', c_dt_till: '2026-01-15T14:30:01Z', __tz: 'Asia/Kolkata' })).toEqual(['Winter']);
      expect(await found({ c_dt_from: '2026-01-15T09:30:00-05:00', c_dt_till: '2026-01-15T09:30:01-05:00', __tz: 'Asia/Kolkata' })).toEqual([
        'Winter',
      ]);
    });

    it('resolves the DST gap forward and the overlap to its first occurrence', async () => {
      const gap = (await aClient(t, { currencies_id: usd, name: 'Gap' })).id;
      const overlap = (await aClient(t, { currencies_id: usd, name: 'Overlap' })).id;
      await t.dataSource.query(`UPDATE clients SET c_dt = '2026-03-08 07:30:00.000' WHERE id = ${gap}`);
      await t.dataSource.query(`UPDATE clients SET c_dt = '2026-11-01 05:30:00.000' WHERE id = ${overlap}`);
      const at = async (id: number, local: string) =>
        (await t.rpc('clients.search', { id: [id], c_dt_from: local, c_dt_till: `${local}.001`, __tz: 'America/New_York' })).body.result
          .length;
      // 02:30 on 2026-03-08 does not exist in New York: it is read as 03:30 EDT (07:30Z).
      expect(await at(gap, '2026-03-08 02:30:00')).toBe(1);
      // 01:30 on 2026-11-01 happens twice: it is read as the first, 01:30 EDT (05:30Z).
      expect(await at(overlap, '2026-11-01 01:30:00')).toBe(1);
      expect((await t.rest('GET', `/clients/${overlap}?__tz=America/New_York`)).body.c_dt).toBe('2026-11-01T01:30:00-04:00');
    });

    it('refuses datetimes it cannot read', async () => {
      const res = await t.rpc('clients.search', { c_dt_from: '2026-02-30 10:00:00' });
      expect(res.body.error.data).toEqual({ c_dt_from: 'must be a datetime such as 2026-11-25 09:30:00 or 2026-11-25T09:30:00-05:00' });
    });

    it('refuses instants outside the years 1000 to 9998, which some zone could not write with four digits', async () => {
      const problem = { c_dt_from: 'must be a datetime such as 2026-11-25 09:30:00 or 2026-11-25T09:30:00-05:00' };
      for (const [c_dt_from, zone] of [['0000-01-01 00:00:00', 'Australia/Lord_Howe'], ['0999-12-31T23:59:59Z', 'UTC'], ['9999-01-01 00:00:00', 'UTC']]) {
        expect((await t.rpc('clients.search', { c_dt_from, __tz: zone })).body.error.data).toEqual(problem);
      }
      expect(await found({ c_dt_from: '1000-01-02 00:00:00', c_dt_till: '9998-12-30 00:00:00' })).toEqual(['Winter', 'Summer']);
    });

    it('writes a historic offset with seconds (LMT) as an exact instant, truncating the offset to minutes', async () => {
      const client = (await aClient(t, { currencies_id: usd, name: 'Historic' })).id;
      await t.dataSource.query(`UPDATE clients SET c_dt = '1800-01-01 00:00:00.000' WHERE id = ${client}`);
      // New York's offset then was -04:56:02: 19:03:58 local, written with -04:56 as 19:04:00.
      expect((await t.rest('GET', `/clients/${client}?__tz=America/New_York`)).body.c_dt).toBe('1799-12-31T19:04:00-04:56');
      await t.rpc('clients.delete', { id: client });
    });
  });

  it('refuses an unknown zone with 400 / -32602, wherever it is sent', async () => {
    const problem = { __tz: 'must be an IANA time zone name such as America/New_York' };
    const query = await t.rest('GET', `/clients/${winter}?__tz=Mars/Olympus`);
    expect([query.status, query.body.error.data]).toEqual([400, problem]);
    const body = await t.rest('PATCH', `/clients/${winter}`, { notes: 'x', __tz: 'Mars/Olympus' });
    expect([body.status, body.body.error.data]).toEqual([400, problem]);
    const rpc = await t.rpc('clients.get', { id: winter, __tz: 42 });
    expect([rpc.body.error.code, rpc.body.error.data]).toEqual([-32602, problem]);
  });
});
