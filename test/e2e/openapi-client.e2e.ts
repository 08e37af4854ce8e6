import createClient from 'openapi-fetch';
import { committedTypes, generatedTypes } from '../support/openapi-client';
import type { paths } from '../support/openapi-types';
import { ADMIN_KEY, startTestApp, TestApp } from '../support/test-app';

// An integrator's view of the REST API: a client generated from docs/openapi.json (openapi-typescript
// types, committed beside this suite and checked current; openapi-fetch at run time) drives a whole
// scenario over HTTP against a listening server, money sent as decimal strings as README shows.
describe('a typed REST client generated from the OpenAPI document', () => {
  let t: TestApp;
  let api: ReturnType<typeof createClient<paths>>;

  beforeAll(async () => {
    t = await startTestApp({ BILLING_TICK_SECONDS: '0' });
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as { port: number };
    api = createClient<paths>({ baseUrl: `http://127.0.0.1:${port}`, headers: { 'X-Api-Key': ADMIN_KEY } });
  });
  afterAll(() => t.close());

  it('is generated from the served document, as committed (npm run docs:update rewrites it)', async () => {
    const document = (await t.rest('GET', '/docs/json', undefined, { key: null })).body as object;
    expect(await committedTypes(document)).toBe(await generatedTypes(document));
  });

  it('creates currencies, a client, a payment and prepaid charges, searches, converts, and reads errors', async () => {
    // Currencies.
    const usd = await api.POST('/accounting/currencies', { body: { name: 'USD', description: 'US dollar' } });
    expect([usd.response.status, usd.data]).toEqual([
      200,
      { id: 1, name: 'USD', description: 'US dollar', rates_precision: 4, details_precision: 4, totals_precision: 2, c_dt: expect.any(String) },
    ]);
    const eur = await api.POST('/accounting/currencies', { body: { name: 'EUR' } });
    expect(eur.data?.id).toBe(2);
    const usdId = usd.data!.id;
    const eurId = eur.data!.id;

    // A client with a credit limit sent as an exact decimal string.
    const created = await api.POST('/clients', { body: { name: 'Acme', currencies_id: usdId, credit: '100.00', email: 'noc@acme.example' } });
    expect(created.response.status).toBe(200);
    expect(created.data).toMatchObject({ name: 'Acme', status: 'active', currencies_id: usdId, credit: 100, credit_unlimited: false, balance: 0 });
    const clientId = created.data!.id;

    // A payment, then prepaid charges: booked while balance + credit stays >= 0, else 422 low-balance.
    const payment = await api.POST('/accounting/transactions', {
      body: { clients_id: clientId, type: 'payment', amount: '25.50', external_id: 'bank-2026-0001', dt: '2026-11-02T10:00:00Z' },
    });
    expect(payment.data).toMatchObject({ clients_id: clientId, type: 'payment', amount: 25.5, currencies_id: usdId, client_amount: 25.5, rate: 1, external_id: 'bank-2026-0001' });
    const again = await api.POST('/accounting/transactions', {
      body: { clients_id: clientId, type: 'payment', amount: '25.50', external_id: 'bank-2026-0001' },
    });
    expect(again.data?.id).toBe(payment.data!.id);
    const charge = await api.POST('/accounting/transactions/prepaid', {
      body: { clients_id: clientId, type: 'charge', amount: '-120.25', notes: 'November', dt: '2026-11-03T10:00:00Z' },
    });
    expect(charge.data).toMatchObject({ type: 'charge', amount: -120.25, client_amount: -120.25 });
    const refused = await api.POST('/accounting/transactions/prepaid', { body: { clients_id: clientId, type: 'charge', amount: '-5.26' } });
    expect([refused.response.status, refused.data, refused.error]).toEqual([
      422,
      undefined,
      {
        error: {
          message: `low-balance: client #${clientId} has 5.25 available, 5.26 needed`,
          data: { code: 'low-balance', message: `client #${clientId} has 5.25 available, 5.26 needed` },
        },
      },
    ]);

    // The balance, as a number by default and as an exact string on request.
    const read = await api.GET('/clients/{id}', { params: { path: { id: clientId } } });
    expect([read.data?.credit, read.data?.balance]).toEqual([100, -94.75]);
    const exact = await api.GET('/clients/{id}', { params: { path: { id: clientId }, query: { __decimals: 'string' } } });
    expect([exact.data?.credit, exact.data?.balance]).toEqual(['100', '-94.75']);

    // Searches: list filters and order as the document types them.
    const found = await api.GET('/clients', { params: { query: { q: 'acm*', status: ['active'], currencies_id: [usdId] } } });
    expect(found.data?.map((client) => [client.id, client.name])).toEqual([[clientId, 'Acme']]);
    const booked = await api.GET('/accounting/transactions', { params: { query: { clients_id: [clientId], order: ['-id'] } } });
    expect(booked.data?.map((transaction) => [transaction.type, transaction.amount])).toEqual([
      ['charge', -120.25],
      ['payment', 25.5],
    ]);

    // An exchange rate, the rate in effect, and a payment converted at it.
    const rate = await api.POST('/accounting/currencies/rates', {
      body: { currencies_id: eurId, to_currencies_id: usdId, rate: '1.0825', effective_from: '2026-01-01T00:00:00Z' },
    });
    expect(rate.data).toMatchObject({ currencies_id: eurId, to_currencies_id: usdId, rate: 1.0825, effective_from: '2026-01-01T00:00:00+00:00' });
    const inEffect = await api.GET('/accounting/currencies/exchange-rate', { params: { query: { from: 'EUR', to: 'USD', dt: '2026-11-25T09:30:00Z' } } });
    expect(inEffect.data).toEqual({ rate: 1.0825, effective_from: '2026-01-01T00:00:00+00:00', currencies_id: eurId, to_currencies_id: usdId });
    const converted = await api.POST('/accounting/transactions', {
      body: { clients_id: clientId, type: 'payment', amount: '10', currencies_id: eurId, dt: '2026-11-25T09:30:00Z' },
    });
    expect(converted.data).toMatchObject({ amount: 10, currencies_id: eurId, client_amount: 10.825, rate: 1.0825 });

    // Every digit of a large credit, through the client's JSON parser, with __decimals=string.
    await api.PATCH('/clients/{id}', { params: { path: { id: clientId } }, body: { credit: '123456789012.12345678' } });
    const large = await api.GET('/clients/{id}', { params: { path: { id: clientId }, query: { __decimals: 'string' } } });
    expect([large.data?.credit, large.data?.balance]).toEqual(['123456789012.12345678', '-83.925']);
    const rounded = await api.GET('/clients/{id}', { params: { path: { id: clientId } } });
    expect(rounded.data?.credit).toBe(123456789012.12346);

    // Errors: 404, 400 and 422, each in its documented shape.
    const missing = await api.GET('/clients/{id}', { params: { path: { id: 999999 } } });
    expect([missing.response.status, missing.error]).toEqual([
      404,
      { error: { message: 'not_found: clients #999999 not found', data: { code: 'not_found', object_name: 'clients', object_id: '999999' } } },
    ]);
    const invalid = await api.POST('/accounting/transactions', { body: { clients_id: clientId, type: 'payment', amount: '25.505.1' } });
    expect([invalid.response.status, invalid.error]).toEqual([
      400,
      { error: { message: 'Invalid params', data: { amount: 'must be a decimal number, e.g. 10.25 or "10.25"' } } },
    ]);
    const inUse = await api.DELETE('/accounting/currencies/{id}', { params: { path: { id: usdId } } });
    expect([inUse.response.status, inUse.error?.error.data?.code]).toEqual([422, 'currencies-in-use']);
  });
});
