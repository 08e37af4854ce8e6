import { startTestApp, TestApp } from '../support/test-app';

// SPEC §7, implemented once and shown here on accounting.currencies.search.
describe('search conventions', () => {
  let t: TestApp;
  const names = (reply: { body: any }) =>
    (Array.isArray(reply.body) ? reply.body : reply.body.result).map((c: { name: string }) => c.name);

  beforeAll(async () => {
    t = await startTestApp();
    const currencies: [string, string | null][] = [
      ['USD', 'US Dollar'],
      ['EUR', 'Euro'],
      ['GBP', 'Pound sterling'],
      ['JPY', 'Japanese yen'],
      ['AUD', 'Australian dollar'],
      ['CAD', null],
    ];
    for (const [name, description] of currencies) {
      await t.rpc('accounting.currencies.create', { name, description, totals_precision: name === 'JPY' ? 0 : 2 });
    }
  });
  afterAll(() => t.close());

  it('orders by id by default and pages with limit and offset', async () => {
    expect(names(await t.rest('GET', '/accounting/currencies'))).toEqual(['USD', 'EUR', 'GBP', 'JPY', 'AUD', 'CAD']);
    expect(names(await t.rest('GET', '/accounting/currencies?limit=2&offset=1'))).toEqual(['EUR', 'GBP']);
    expect(names(await t.rpc('accounting.currencies.search', { limit: 2, offset: 4 }))).toEqual(['AUD', 'CAD']);
    expect(names(await t.rpc('accounting.currencies.search', { offset: 6 }))).toEqual([]);
    expect(names(await t.rest('GET', '/accounting/currencies?offset=9007199254740991'))).toEqual([]);
    expect(names(await t.rpc('accounting.currencies.search', { offset: 9007199254740991 }))).toEqual([]);
  });

  it('defaults to pages of 20', async () => {
    for (let i = 0; i < 20; i++) {
      await t.rpc('accounting.currencies.create', { name: `X${String.fromCharCode(65 + i)}A` });
    }
    expect((await t.rest('GET', '/accounting/currencies')).body).toHaveLength(20);
    expect((await t.rest('GET', '/accounting/currencies?limit=1000')).body).toHaveLength(26);
    await t.dataSource.query(`DELETE FROM currencies WHERE name LIKE 'X%'`);
  });

  it('orders ascending, descending and by several columns', async () => {
    expect(names(await t.rest('GET', '/accounting/currencies?order=name'))).toEqual(['AUD', 'CAD', 'EUR', 'GBP', 'JPY', 'USD']);
    expect(names(await t.rest('GET', '/accounting/currencies?order=-name'))).toEqual(['USD', 'JPY', 'GBP', 'EUR', 'CAD', 'AUD']);
    expect(names(await t.rpc('accounting.currencies.search', { order: ['-id'] }))).toEqual(['CAD', 'AUD', 'JPY', 'GBP', 'EUR', 'USD']);
    await t.dataSource.query(`UPDATE currencies SET c_dt = '2026-02-01 00:00:00'`);
    await t.dataSource.query(`UPDATE currencies SET c_dt = '2026-01-01 00:00:00' WHERE name IN ('EUR', 'JPY')`);
    const byDateThenName = ['EUR', 'JPY', 'AUD', 'CAD', 'GBP', 'USD'];
    expect(names(await t.rest('GET', '/accounting/currencies?order=c_dt,name'))).toEqual(byDateThenName);
    expect(names(await t.rest('GET', '/accounting/currencies?order=c_dt&order=name'))).toEqual(byDateThenName);
    expect(names(await t.rest('GET', '/accounting/currencies?order[]=c_dt&order[]=-name'))).toEqual(['JPY', 'EUR', 'USD', 'GBP', 'CAD', 'AUD']);
    expect(names(await t.rpc('accounting.currencies.search', { order: 'c_dt,-name' }))).toEqual(['JPY', 'EUR', 'USD', 'GBP', 'CAD', 'AUD']);
  });

  it('quick-searches case-insensitively, with * as a wildcard', async () => {
    expect(names(await t.rest('GET', '/accounting/currencies?q=DOLLAR&order=name'))).toEqual(['AUD', 'USD']);
    expect(names(await t.rpc('accounting.currencies.search', { q: 'eur' }))).toEqual(['EUR']);
    expect(names(await t.rest('GET', '/accounting/currencies?q=j*yen'))).toEqual(['JPY']);
    expect(names(await t.rest('GET', '/accounting/currencies?q=*n'))).toEqual(['JPY']);
    expect(names(await t.rest('GET', '/accounting/currencies?q=%25'))).toEqual([]);
    expect(names(await t.rest('GET', '/accounting/currencies?q=_'))).toEqual([]);
  });

  it('filters by a list of ids however the list is written', async () => {
    const expected = ['USD', 'GBP'];
    expect(names(await t.rest('GET', '/accounting/currencies?id=1&id=3'))).toEqual(expected);
    expect(names(await t.rest('GET', '/accounting/currencies?id[]=1&id[]=3'))).toEqual(expected);
    expect(names(await t.rest('GET', '/accounting/currencies?id=1,3'))).toEqual(expected);
    expect(names(await t.rest('GET', '/accounting/currencies?id[]=3'))).toEqual(['GBP']);
    expect(names(await t.rpc('accounting.currencies.search', { id: [1, 3] }))).toEqual(expected);
    expect(names(await t.rpc('accounting.currencies.search', { id: 3 }))).toEqual(['GBP']);
    expect(names(await t.rpc('accounting.currencies.search', { id: [] }))).toEqual([]);
    expect(names(await t.rpc('accounting.currencies.search', { name: ['EUR', 'JPY'], id: [2, 3] }))).toEqual(['EUR']);
  });

  it('answers a column it cannot order by with 400', async () => {
    const rest = await t.rest('GET', '/accounting/currencies?order=-description');
    expect(rest.status).toBe(400);
    expect(rest.body).toEqual({
      error: { message: 'Invalid params', data: { order: 'cannot order by "description"; allowed: id, name, c_dt' } },
    });
    const rpc = await t.rpc('accounting.currencies.search', { order: ['password'] });
    expect(rpc.body.error).toEqual({
      code: -32602,
      message: 'Invalid params',
      data: { order: 'cannot order by "password"; allowed: id, name, c_dt' },
    });
  });

  it('answers a limit over the maximum, and other bad paging, with 400', async () => {
    const over = await t.rest('GET', '/accounting/currencies?limit=1001');
    expect(over.status).toBe(400);
    expect(over.body.error.data).toEqual({ limit: 'must not be greater than 1000' });
    expect((await t.rpc('accounting.currencies.search', { limit: 0 })).body.error.data).toEqual({ limit: 'must not be less than 1' });
    expect((await t.rpc('accounting.currencies.search', { offset: -1 })).body.error.data).toEqual({ offset: 'must not be less than 0' });
    expect((await t.rest('GET', '/accounting/currencies?limit=ten')).body.error.data).toEqual({ limit: 'must be an integer' });
    expect((await t.rest('GET', '/accounting/currencies?id=x')).body.error.data).toEqual({ id: 'must be a list of integer ids' });
  });

  it('answers an empty list with nothing, still checking the rest', async () => {
    expect((await t.rest('GET', '/accounting/currencies?id=')).body).toEqual([]);
    expect((await t.rest('GET', '/accounting/currencies?id=&order=nope')).body.error.data).toEqual({
      order: 'cannot order by "nope"; allowed: id, name, c_dt',
    });
  });

  it('refuses ids beyond the id range and text with NUL characters', async () => {
    expect((await t.rest('GET', '/accounting/currencies/3000000000')).body.error.data).toEqual({ id: 'must not be greater than 2147483647' });
    expect((await t.rest('GET', '/accounting/currencies?id=3000000000')).body.error.data).toEqual({ id: 'must be a list of ids up to 2147483647' });
    expect((await t.rpc('accounting.currencies.search', { q: 'a\u0000' })).body.error.data).toEqual({ q: 'must not contain NUL characters' });
    expect((await t.rpc('accounting.currencies.create', { name: 'USD', description: '\u0000' })).body.error.data).toEqual({
      description: 'must not contain NUL characters',
    });
  });

  it('refuses a quick search where a resource offers none', async () => {
    expect((await t.rest('GET', '/accounting/currencies/rates?q=x')).body.error.data).toEqual({ q: 'is not allowed' });
  });

  it('reads every pair of a long query string, the 1001st too', async () => {
    const ids = Array.from({ length: 1001 }, (_, i) => `id=${i + 1}`).join('&');
    const rest = await t.rest('GET', `/accounting/currencies?${ids}`);
    expect([rest.status, rest.body.error.data]).toEqual([400, { id: 'must hold at most 1000 ids' }]);
    const zone = await t.rest('GET', `/accounting/currencies?${Array(1000).fill('id=1').join('&')}&__tz=Mars/Olympus`);
    expect([zone.status, Object.keys(zone.body.error.data)]).toEqual([400, ['__tz']]);
  });

  it('answers an unknown filter with 400', async () => {
    const rest = await t.rest('GET', '/accounting/currencies?colour=red');
    expect(rest.status).toBe(400);
    expect(rest.body.error.data).toEqual({ colour: 'is not allowed' });
    expect((await t.rpc('accounting.currencies.search', { status: ['active'] })).body.error.data).toEqual({ status: 'is not allowed' });
  });
});
