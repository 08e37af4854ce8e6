import { aClient, aCurrency, aReseller } from '../support/factories';
import { ADMIN_KEY, startTestApp, TestApp } from '../support/test-app';

describe('clients', () => {
  let t: TestApp;
  let usd: number;
  let eur: number;

  beforeAll(async () => {
    t = await startTestApp();
    usd = (await aCurrency(t, 'USD')).id;
    eur = (await aCurrency(t, 'EUR')).id;
  });
  afterAll(() => t.close());

  describe("the seed document's examples, sent as its curl lines send them", () => {
    // curl -d sends Content-Type: application/x-www-form-urlencoded; the body is JSON all the same.
    const curlForm = 'application/x-www-form-urlencoded';
    let client42: Record<string, unknown>;

    beforeAll(async () => {
      await t.dataSource.query(`INSERT INTO clients (id, name, currencies_id, credit) VALUES (42, 'Client 42', ${usd}, '250.75')`);
      client42 = {
        id: 42,
        name: 'Client 42',
        status: 'active',
        resellers_id: null,
        currencies_id: usd,
        credit: 250.75,
        credit_unlimited: false,
        balance: 0,
        company_name: null,
        address: null,
        email: null,
        billing_email: null,
        notes: null,
      };
    });

    it('GET /clients/42', async () => {
      const res = await t.rest('GET', '/clients/42', undefined, { key: ADMIN_KEY });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ...client42, c_dt: res.body.c_dt });
    });

    it('clients.get {"id": 42}', async () => {
      const res = await t.rpcRaw('{"jsonrpc": "2.0", "id": 1, "method": "clients.get", "params": {"id": 42}}', { contentType: curlForm });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ jsonrpc: '2.0', id: 1, result: { ...client42, c_dt: res.body.result.c_dt } });
    });

    it('PATCH /clients/42 {"credit": 1000}', async () => {
      const res = await t.rawRest('PATCH', '/clients/42', '{"credit": 1000}', { contentType: curlForm });
      expect([res.status, res.body]).toEqual([200, 1]);
      expect((await t.rest('GET', '/clients/42')).body.credit).toBe(1000);
    });

    it('clients.update {"id": 42, "credit": 1000}', async () => {
      await t.dataSource.query(`UPDATE clients SET credit = '5' WHERE id = 42`);
      const res = await t.rpcRaw('{"jsonrpc": "2.0", "id": 1, "method": "clients.update", "params": {"id": 42, "credit": 1000}}', {
        contentType: curlForm,
      });
      expect(res.body).toEqual({ jsonrpc: '2.0', id: 1, result: 1 });
      expect((await t.rpc('clients.get', { id: 42 })).body.result.credit).toBe(1000);
    });
  });

  it('creates with defaults and exact decimals, the same over both protocols', async () => {
    const rest = await t.rest('POST', '/clients', { name: 'Exact', currencies_id: usd, credit: '123456789012.12345678' });
    expect(rest.status).toBe(200);
    expect(rest.text).toContain('"credit":123456789012.12345678');
    expect(rest.body).toMatchObject({ status: 'active', credit_unlimited: false, balance: 0, resellers_id: null });
    const rpc = await t.rpc('clients.create', { name: 'Point one', currencies_id: eur, credit: 0.1, credit_unlimited: true, email: 'a@b.example' });
    expect(rpc.body.result).toMatchObject({ name: 'Point one', currencies_id: eur, credit: 0.1, credit_unlimited: true, email: 'a@b.example' });
  });

  it('keeps every digit of a JSON number, and never rounds one that has too many', async () => {
    const exact = await t.rawRest('POST', '/clients', `{"name": "Digits", "currencies_id": ${usd}, "credit": 123456789012.12345678}`);
    expect(exact.text).toContain('"credit":123456789012.12345678');
    const tooFine = await t.rawRest('POST', '/clients', `{"name": "Digits", "currencies_id": ${usd}, "credit": 1.0000000000000001}`);
    expect(tooFine.body.error.data).toEqual({ credit: 'must have at most 8 decimal places' });
    for (const [number, problem] of [
      ['1e400', 'must be less than 1000000000000 in absolute value'],
      ['1e-400', 'must have at most 8 decimal places'],
      ['-1E+2', 'must be at least 0'],
    ]) {
      const res = await t.rawRest('POST', '/clients', `{"name": "Digits", "currencies_id": ${usd}, "credit": ${number}}`);
      expect({ number, data: res.body.error.data }).toEqual({ number, data: { credit: problem } });
    }
    const notAnInteger = await t.rawRest('POST', '/clients', `{"name": "Digits", "currencies_id": 12345678901234567890}`);
    expect(notAnInteger.body.error.data).toEqual({ currencies_id: 'must be an integer' });
    // A JSON-RPC id beyond 2^53 is echoed with every digit.
    const rpc = await t.rpcRaw(`{"jsonrpc": "2.0", "id": 12345678901234567890, "method": "clients.get", "params": {"id": 999999}}`);
    expect(rpc.text).toBe(
      '{"jsonrpc":"2.0","id":12345678901234567890,"error":{"code":-32004,"message":"not_found: clients #999999 not found","data":{"code":"not_found","object_name":"clients","object_id":"999999"}}}',
    );
  });

  it('refuses objects where values are expected', async () => {
    const res = await t.rawRest('POST', '/clients', `{"name": {"constructor": 1}, "currencies_id": [{"a": 1}], "notes": "ok"}`);
    expect([res.status, res.body.error.data]).toEqual([400, { name: 'must not be an object', currencies_id: 'must not be an object' }]);
    const rpc = await t.rpc('clients.search', { q: { constructor: 'x' } });
    expect(rpc.body.error.data).toEqual({ q: 'must not be an object' });
  });

  it('refuses bad input field by field, never rounding', async () => {
    const bad = await t.rest('POST', '/clients', {
      name: '',
      currencies_id: 'x',
      credit: '1.123456789',
      credit_unlimited: 'maybe',
      email: 'nope',
      status: 'gone',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.data).toEqual({
      name: 'must not be empty',
      currencies_id: 'must be an integer',
      credit: 'must have at most 8 decimal places',
      credit_unlimited: 'must be true or false',
      email: 'must be an e-mail address',
      status: 'must be one of: active, blocked, archive',
    });
    const cases: [unknown, string][] = [
      [-1, 'must be at least 0'],
      ['1000000000000', 'must be less than 1000000000000 in absolute value'],
      ['NaN', 'must be a decimal number, e.g. 10.25 or "10.25"'],
      ['1e5', 'must be a decimal number, e.g. 10.25 or "10.25"'],
      [0.30000000000000004, 'must have at most 8 decimal places'],
      [true, 'must be a decimal number, e.g. 10.25 or "10.25"'],
    ];
    for (const [credit, problem] of cases) {
      const res = await t.rpc('clients.create', { name: 'Bad', currencies_id: usd, credit });
      expect({ credit, data: res.body.error.data }).toEqual({ credit, data: { credit: problem } });
    }
    const readOnly = await t.rpc('clients.update', { id: 42, balance: 100 });
    expect(readOnly.body.error.data).toEqual({ balance: 'is not allowed' });
    const missing = await t.rpc('clients.create', { name: 'Nowhere', currencies_id: 999 });
    expect(missing.body.error.data).toEqual({ code: 'not_found', object_name: 'currencies', object_id: '999' });
  });

  it('updates only the fields sent, and archives', async () => {
    const client = await aClient(t, { currencies_id: usd, notes: 'keep me' });
    expect((await t.rpc('clients.update', { id: client.id, credit: '10.5', company_name: 'Co' })).body.result).toBe(1);
    expect((await t.rest('GET', `/clients/${client.id}`)).body).toMatchObject({ credit: 10.5, company_name: 'Co', notes: 'keep me' });
    expect((await t.rest('POST', `/clients/${client.id}/archive`)).body).toBe(1);
    expect((await t.rpc('clients.get', { id: client.id })).body.result.status).toBe('archive');
    expect((await t.rpc('clients.archive', { id: 999 })).body.error.code).toBe(-32004);
  });

  it('deletes a client without transactions', async () => {
    const client = await aClient(t, { currencies_id: usd });
    expect((await t.rest('DELETE', `/clients/${client.id}`)).body).toBe(1);
    expect((await t.rpc('clients.delete', { id: client.id })).body.error.data).toEqual({
      code: 'not_found',
      object_name: 'clients',
      object_id: String(client.id),
    });
  });

  it('refuses to delete a currency clients use', async () => {
    const gbp = await aCurrency(t, 'GBP');
    await aClient(t, { currencies_id: gbp.id });
    const res = await t.rest('DELETE', `/accounting/currencies/${gbp.id}`);
    expect([res.status, res.body.error.data]).toEqual([
      422,
      { code: 'currencies-in-use', message: `currency #${gbp.id} is used by other records and cannot be deleted` },
    ]);
  });

  describe('search', () => {
    let ids: Record<string, number>;

    beforeAll(async () => {
      await t.dataSource.query('DELETE FROM clients');
      const reseller = await aReseller(t);
      ids = {
        alpha: (await aClient(t, { name: 'Alpha', currencies_id: usd, email: 'ops@alpha.example' })).id,
        beta: (await aClient(t, { name: 'Beta', currencies_id: eur, status: 'blocked', resellers_id: reseller.id })).id,
        gamma: (await aClient(t, { name: 'Gamma', currencies_id: usd, status: 'archive' })).id,
      };
      const set = (id: number, balance: string, created: string) =>
        t.dataSource.query(`UPDATE clients SET balance = '${balance}', c_dt = '${created}' WHERE id = ${id}`);
      await set(ids.alpha, '10', '2026-01-01 10:00:00');
      await set(ids.beta, '9.5', '2026-02-01 10:00:00');
      await set(ids.gamma, '-20.25', '2026-03-01 10:00:00');
      ids.reseller = reseller.id;
    });

    const names = (reply: { body: any }) => (reply.body.result ?? reply.body).map((c: { name: string }) => c.name);

    it('filters by status, reseller, currency and quick search', async () => {
      expect(names(await t.rest('GET', '/clients?status=active&status=archive'))).toEqual(['Alpha', 'Gamma']);
      expect(names(await t.rpc('clients.search', { resellers_id: [ids.reseller] }))).toEqual(['Beta']);
      expect(names(await t.rest('GET', `/clients?currencies_id=${usd}`))).toEqual(['Alpha', 'Gamma']);
      expect(names(await t.rest('GET', '/clients?q=ALPHA.EXAMPLE'))).toEqual(['Alpha']);
      expect(names(await t.rest('GET', '/clients?q=*mm*'))).toEqual(['Gamma']);
    });

    it('orders by balance as a number, by name, status and c_dt', async () => {
      expect(names(await t.rest('GET', '/clients?order=balance'))).toEqual(['Gamma', 'Beta', 'Alpha']);
      expect(names(await t.rpc('clients.search', { order: '-balance' }))).toEqual(['Alpha', 'Beta', 'Gamma']);
      expect(names(await t.rest('GET', '/clients?order=-name'))).toEqual(['Gamma', 'Beta', 'Alpha']);
      expect(names(await t.rest('GET', '/clients?order=status,name'))).toEqual(['Alpha', 'Gamma', 'Beta']);
      expect(names(await t.rest('GET', '/clients?order=-c_dt'))).toEqual(['Gamma', 'Beta', 'Alpha']);
      expect((await t.rest('GET', '/clients?order=credit')).body.error.data).toEqual({
        order: 'cannot order by "credit"; allowed: id, name, status, balance, c_dt',
      });
    });
  });
});
