import { aClient, aCurrency } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

// SPEC §4b: `__decimals=string` (REST query or body, JSON-RPC params, per call in a batch) sends every
// decimal of a result as a JSON string with every digit; JSON numbers (every digit written out) stay the default.
describe('__decimals', () => {
  let t: TestApp;
  let usd: number;
  let eur: number;
  let client: number;
  const CREDIT = '123456789012.12345678';
  const invalid = { message: 'Invalid params', data: { __decimals: 'must be string or number' } };

  beforeAll(async () => {
    t = await startTestApp({ BILLING_TICK_SECONDS: '0' });
    usd = (await aCurrency(t, 'USD')).id;
    eur = (await aCurrency(t, 'EUR')).id;
    client = (await aClient(t, { currencies_id: usd, name: 'Exact', credit: CREDIT })).id;
    const rate = await t.rpc('accounting.currencies.rates.create', {
      currencies_id: eur,
      to_currencies_id: usd,
      rate: '1.2345678901',
      effective_from: '2026-01-01T00:00:00Z',
    });
    expect(rate.body.error).toBeUndefined();
    const booked = await t.rpc('accounting.transactions.create', {
      clients_id: client,
      type: 'payment',
      amount: '100',
      currencies_id: eur,
      dt: '2026-11-01T00:00:00Z',
    });
    expect(booked.body.error).toBeUndefined();
  });
  afterAll(() => t.close());

  it('are JSON numbers with every digit by default, which a JSON parser rounds', async () => {
    for (const path of [`/clients/${client}`, `/clients/${client}?__decimals=number`]) {
      const reply = await t.rest('GET', path);
      expect(reply.status).toBe(200);
      expect(reply.text).toContain(`"credit":${CREDIT},"credit_unlimited":false,"balance":123.45678901,`);
      expect(reply.body.credit).toBe(123456789012.12346);
    }
    const rpc = await t.rpc('clients.get', { id: client });
    expect(rpc.text).toContain(`"credit":${CREDIT},`);
  });

  it('are JSON strings with every digit with __decimals=string in a REST query', async () => {
    const reply = await t.rest('GET', `/clients/${client}?__decimals=string`);
    expect(reply.status).toBe(200);
    expect(reply.text).toContain(`"credit":"${CREDIT}","credit_unlimited":false,"balance":"123.45678901",`);
    expect((JSON.parse(reply.text) as { credit: string }).credit).toBe(CREDIT);
    expect(reply.body).toMatchObject({ id: client, currencies_id: usd, credit: CREDIT, balance: '123.45678901' });
  });

  it('reaches every decimal of a search, a transaction, a rate and an invoice with its lines', async () => {
    const search = await t.rest('GET', `/clients?id=${client}&__decimals=string`);
    expect(search.body.map((found: { credit: string; balance: string }) => [found.credit, found.balance])).toEqual([[CREDIT, '123.45678901']]);

    const transactions = await t.rest('GET', `/accounting/transactions?clients_id=${client}&__decimals=string`);
    expect(transactions.body.map(({ amount, client_amount, rate }: Record<string, unknown>) => ({ amount, client_amount, rate }))).toEqual([
      { amount: '100', client_amount: '123.45678901', rate: '1.2345678901' },
    ]);

    const rate = await t.rest('GET', `/accounting/currencies/exchange-rate?from=EUR&to=USD&dt=2026-12-01&__decimals=string`);
    expect(rate.body).toEqual({ rate: '1.2345678901', effective_from: '2026-01-01T00:00:00+00:00', currencies_id: eur, to_currencies_id: usd });

    const charged = await t.rpc('accounting.transactions.create', {
      clients_id: client,
      type: 'charge',
      amount: '-0.10000001',
      dt: '2026-11-15T00:00:00Z',
      __decimals: 'string',
    });
    expect(charged.body.result).toMatchObject({ amount: '-0.10000001', client_amount: '-0.10000001', rate: '1' });

    const invoice = await t.rpc('accounting.invoices.create', {
      clients_id: client,
      start_dt: '2026-11-01',
      end_dt: '2026-12-01',
      invoice_dt: '2026-12-01',
      __decimals: 'string',
    });
    expect(invoice.body.result.total).toBe('0.1');
    expect(invoice.body.result.lines.map((line: { amount: unknown }) => line.amount)).toEqual(['0.10000001']);
    const numbers = await t.rpc('accounting.invoices.get', { id: invoice.body.result.id });
    expect([numbers.body.result.total, numbers.body.result.lines[0].amount]).toEqual([0.1, 0.10000001]);
  });

  it('is read from a REST body as well', async () => {
    const created = await t.rest('POST', '/clients', { name: 'Body', currencies_id: usd, credit: '0.12345678', __decimals: 'string' });
    expect(created.status).toBe(200);
    expect([created.body.credit, created.body.balance]).toEqual(['0.12345678', '0']);
    const updated = await t.rest('PATCH', `/clients/${created.body.id}`, { credit: 5, __decimals: 'string' });
    expect([updated.status, updated.body]).toEqual([200, 1]);
  });

  it('is per call in a JSON-RPC batch, ids staying as sent', async () => {
    const reply = await t.rpcRaw(
      `[{"jsonrpc":"2.0","id":1,"method":"clients.get","params":{"id":${client},"__decimals":"string"}},` +
        `{"jsonrpc":"2.0","id":2,"method":"clients.get","params":{"id":${client}}},` +
        `{"jsonrpc":"2.0","id":3,"method":"clients.get","params":{"id":${client},"__decimals":"number"}},` +
        `{"jsonrpc":"2.0","id":4,"method":"clients.get","params":{"id":${client},"__decimals":"text"}},` +
        `{"jsonrpc":"2.0","id":12345678901234567890,"method":"clients.search","params":{"id":[${client}],"__decimals":"string"}},` +
        `{"jsonrpc":"2.0","id":6,"method":"clients.search","params":{"id":[${client}]}}]`,
    );
    expect(reply.status).toBe(200);
    const answers = JSON.parse(reply.text) as { id: number; result?: { credit: unknown }[] | { credit: unknown }; error?: unknown }[];
    expect(answers.map((answer) => answer.id)).toEqual([1, 2, 3, 4, 12345678901234567890, 6]);
    expect(reply.text).toContain(`"id":12345678901234567890,"result":[{`);
    const credit = (answer: (typeof answers)[number]) => (Array.isArray(answer.result) ? answer.result[0].credit : answer.result?.credit);
    expect(answers.map(credit)).toEqual([CREDIT, 123456789012.12346, 123456789012.12346, undefined, CREDIT, 123456789012.12346]);
    expect(answers[3].error).toEqual({ code: -32602, ...invalid });
  });

  it('refuses any other value with 400 / -32602', async () => {
    for (const query of ['__decimals=text', '__decimals=', '__decimals=String', '__decimals=string&__decimals=string']) {
      const reply = await t.rest('GET', `/clients/${client}?${query}`);
      expect([reply.status, reply.body]).toEqual([400, { error: invalid }]);
    }
    const body = await t.rest('POST', '/clients', { name: 'Refused', currencies_id: usd, __decimals: 1 });
    expect([body.status, body.body]).toEqual([400, { error: invalid }]);
    for (const value of [true, null, ['string'], 'strings']) {
      const rpc = await t.rpc('clients.get', { id: client, __decimals: value });
      expect([rpc.status, rpc.body.error]).toEqual([200, { code: -32602, ...invalid }]);
    }
  });

  it('leaves errors as they are', async () => {
    const missing = await t.rest('GET', '/clients/999999?__decimals=string');
    expect([missing.status, missing.body.error.data]).toEqual([404, { code: 'not_found', object_name: 'clients', object_id: '999999' }]);
  });
});
