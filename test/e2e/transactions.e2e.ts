import Decimal from 'decimal.js';
import fc from 'fast-check';
import { aClient, aCurrency, aTransaction } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

describe('accounting.transactions', () => {
  let t: TestApp;
  let usd: number;

  beforeAll(async () => {
    t = await startTestApp();
    usd = (await aCurrency(t, 'USD')).id;
  });
  afterAll(() => t.close());

  const balanceOf = async (id: number) => (await t.rpc('clients.get', { id })).body.result.balance as number;
  const balanceText = async (id: number) => /"balance":(-?[0-9.]+)/.exec((await t.rest('GET', `/clients/${id}`)).text)![1];
  const prepaid = (clients_id: number, amount: unknown, extra: Record<string, unknown> = {}) =>
    t.rpc('accounting.transactions.create_no_negative', { clients_id, type: 'charge', amount, ...extra });

  it('books a transaction and moves the balance, the same over both protocols', async () => {
    const client = await aClient(t, { currencies_id: usd });
    const rest = await t.rest('POST', '/accounting/transactions', { clients_id: client.id, type: 'payment', amount: '25.50', notes: 'wire', dt: '2026-11-20 10:00:00' });
    expect(rest.body).toEqual({
      id: rest.body.id,
      clients_id: client.id,
      resellers_id: null,
      type: 'payment',
      amount: 25.5,
      currencies_id: usd,
      client_amount: 25.5,
      rate: 1,
      dt: '2026-11-20T10:00:00+00:00',
      notes: 'wire',
      external_id: null,
      subscriptions_id: null,
      c_dt: rest.body.c_dt,
    });
    const rpc = await t.rpc('accounting.transactions.create', { clients_id: client.id, type: 'charge', amount: -0.5 });
    expect(rpc.body.result).toMatchObject({ type: 'charge', amount: -0.5, client_amount: -0.5 });
    expect(await balanceOf(client.id)).toBe(25);
    expect((await t.rpc('accounting.transactions.get', { id: rest.body.id })).body.result).toEqual(rest.body);
    expect((await t.rest('GET', `/accounting/transactions/${rpc.body.result.id}`)).body).toEqual(rpc.body.result);
  });

  it('adds 0.1 and 0.2 to exactly 0.3', async () => {
    const client = await aClient(t, { currencies_id: usd });
    await aTransaction(t, { clients_id: client.id, amount: 0.1 });
    await aTransaction(t, { clients_id: client.id, amount: 0.2 });
    expect(await balanceText(client.id)).toBe('0.3');
  });

  it('keeps the balance equal to the exact sum of any sequence of amounts', async () => {
    const amount = fc
      .bigInt({ min: -(10n ** 14n), max: 10n ** 14n })
      .filter((units) => units !== 0n)
      .map((units) => new Decimal(units.toString()).div(1e8));
    await fc.assert(
      fc.asyncProperty(fc.array(amount, { minLength: 1, maxLength: 8 }), async (amounts) => {
        const client = await aClient(t, { currencies_id: usd });
        for (const value of amounts) await aTransaction(t, { clients_id: client.id, amount: value.toFixed() });
        const expected = amounts.reduce((sum, value) => sum.plus(value), new Decimal(0));
        expect(await balanceText(client.id)).toBe(expected.toFixed());
        const listed = (await t.rpc('accounting.transactions.search', { clients_id: [client.id], limit: 1000 })).body.result;
        expect(listed.map((row: { client_amount: number }) => row.client_amount)).toEqual(amounts.map((value) => Number(value.toFixed())));
      }),
      { numRuns: 15 },
    );
  });

  describe('prepaid', () => {
    it('books down to balance + credit = 0 exactly, and refuses one cent more', async () => {
      const client = await aClient(t, { currencies_id: usd, credit: '10.00' });
      await aTransaction(t, { clients_id: client.id, amount: '5.25' });
      expect((await prepaid(client.id, '-15.24')).body.result.client_amount).toBe(-15.24);
      expect((await prepaid(client.id, '-0.01')).body.result.client_amount).toBe(-0.01);
      const refused = await prepaid(client.id, '-0.01');
      expect(refused.body.error).toEqual({
        code: -32000,
        message: `low-balance: client #${client.id} has 0 available, 0.01 needed`,
        data: { code: 'low-balance', message: `client #${client.id} has 0 available, 0.01 needed` },
      });
      const rest = await t.rest('POST', '/accounting/transactions/prepaid', { clients_id: client.id, type: 'charge', amount: -1 });
      expect([rest.status, rest.body.error.data.code]).toEqual([422, 'low-balance']);
      // Refused bookings change nothing.
      expect(await balanceOf(client.id)).toBe(-10);
      expect((await t.rpc('accounting.transactions.search', { clients_id: [client.id] })).body.result).toHaveLength(3);
      // Payments always go through.
      expect((await prepaid(client.id, '0.01', { type: 'payment' })).body.result.amount).toBe(0.01);
    });

    it('ignores the credit limit for credit_unlimited clients', async () => {
      const client = await aClient(t, { currencies_id: usd, credit: 0, credit_unlimited: true });
      expect((await prepaid(client.id, '-1000000')).body.result.client_amount).toBe(-1000000);
      expect(await balanceOf(client.id)).toBe(-1000000);
    });

    it('books postpaid whatever the balance', async () => {
      const client = await aClient(t, { currencies_id: usd, credit: 0 });
      expect((await t.rpc('accounting.transactions.create', { clients_id: client.id, type: 'charge', amount: -50 })).body.result.amount).toBe(-50);
    });
  });

  describe('external_id', () => {
    it('returns the first booking when the same external_id comes again', async () => {
      const client = await aClient(t, { currencies_id: usd });
      const params = { clients_id: client.id, type: 'payment', amount: '7', external_id: 'inv-1' };
      const first = await t.rpc('accounting.transactions.create', params);
      const again = await t.rest('POST', '/accounting/transactions', { ...params, amount: '8' });
      expect(again.body).toEqual(first.body.result);
      const prepaidRetry = await t.rpc('accounting.transactions.create_no_negative', params);
      expect(prepaidRetry.body.result).toEqual(first.body.result);
      expect(await balanceOf(client.id)).toBe(7);
      // Unique per client, not globally.
      const other = await aClient(t, { currencies_id: usd });
      expect((await t.rpc('accounting.transactions.create', { ...params, clients_id: other.id })).body.result.id).not.toBe(first.body.result.id);
    });

    it('books one of many identical prepaid requests sent at once, and answers each with it, even at the limit', async () => {
      const client = await aClient(t, { currencies_id: usd, credit: '5' });
      const params = { clients_id: client.id, type: 'charge', amount: '-5', external_id: 'prepaid-once' };
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) => (i % 2 ? prepaid(client.id, '-5', { external_id: 'prepaid-once' }) : t.rest('POST', '/accounting/transactions/prepaid', params))),
      );
      const results = answers.map((answer) => answer.body.result ?? answer.body);
      expect(results).toEqual(Array(12).fill(results[0]));
      expect(results[0]).toMatchObject({ clients_id: client.id, amount: -5, client_amount: -5, external_id: 'prepaid-once' });
      expect(await balanceText(client.id)).toBe('-5');
      // At the limit now, the same booking again still answers the first one; a new one is refused.
      expect((await prepaid(client.id, '-5', { external_id: 'prepaid-once' })).body.result).toEqual(results[0]);
      expect((await prepaid(client.id, '-5', { external_id: 'prepaid-twice' })).body.error.data.code).toBe('low-balance');
      expect((await t.rpc('accounting.transactions.search', { clients_id: [client.id] })).body.result).toEqual([results[0]]);
    });

    it('books exactly what the credit allows of different prepaid bookings sent at once', async () => {
      const client = await aClient(t, { currencies_id: usd, credit: '3.5' });
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => prepaid(client.id, '-0.5', { external_id: `part-${i}` })));
      const booked = answers.filter((answer) => answer.body.result).map((answer) => answer.body.result.id);
      expect(new Set(booked).size).toBe(7);
      expect(answers.filter((answer) => answer.body.error?.data.code === 'low-balance')).toHaveLength(13);
      expect(await balanceText(client.id)).toBe('-3.5');
      const stored = (await t.rpc('accounting.transactions.search', { clients_id: [client.id], limit: 100 })).body.result;
      expect(stored.map((row: { id: number }) => row.id).sort()).toEqual([...booked].sort());
    });

    it('books once when identical requests arrive at the same moment', async () => {
      const client = await aClient(t, { currencies_id: usd });
      const params = { clients_id: client.id, type: 'payment', amount: '3', external_id: 'simultaneous' };
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? t.rpc('accounting.transactions.create', params) : t.rest('POST', '/accounting/transactions', params))));
      const ids = new Set(answers.map((answer) => answer.body.result?.id ?? answer.body.id));
      expect([...ids]).toHaveLength(1);
      expect(await balanceOf(client.id)).toBe(3);
    });
  });

  describe('in another currency', () => {
    let gbp: number;
    let chf: number;

    beforeAll(async () => {
      gbp = (await aCurrency(t, 'GBP')).id;
      chf = (await aCurrency(t, 'CHF')).id;
      await t.rpc('accounting.currencies.rates.create', { currencies_id: gbp, to_currencies_id: usd, rate: '1.5', effective_from: '2026-01-01' });
      await t.rpc('accounting.currencies.rates.create', { currencies_id: gbp, to_currencies_id: usd, rate: '2.5', effective_from: '2026-06-01' });
      await t.rpc('accounting.currencies.rates.create', { currencies_id: chf, to_currencies_id: usd, rate: '1.1', effective_from: '2020-01-01' });
    });

    it('converts at the rate in effect at dt, half to even at 8 places, and answers exactly what it stored', async () => {
      const client = await aClient(t, { currencies_id: usd });
      const book = (amount: string, dt: string) =>
        t.rpc('accounting.transactions.create', { clients_id: client.id, type: 'adjustment', amount, currencies_id: gbp, dt });
      const answers = [await book('0.00000003', '2026-03-01'), await book('0.00000001', '2026-03-01'), await book('-0.00000007', '2026-07-01')];
      expect(answers.map((answer) => [answer.body.result.amount, answer.body.result.rate, answer.body.result.client_amount])).toEqual([
        [0.00000003, 1.5, 0.00000004],
        [0.00000001, 1.5, 0.00000002],
        [-0.00000007, 2.5, -0.00000018],
      ]);
      for (const answer of answers) {
        expect(answer.body.result.currencies_id).toBe(gbp);
        expect((await t.rpc('accounting.transactions.get', { id: answer.body.result.id })).body.result).toEqual(answer.body.result);
      }
      expect(await balanceText(client.id)).toBe('-0.00000012');
    });

    it('holds the prepaid limit on the converted amount, to the last digit', async () => {
      const client = await aClient(t, { currencies_id: usd, credit: '10' });
      // -9.09090909 × 1.1 = -9.999999999, rounded to -10.00000000: exactly the credit.
      expect((await prepaid(client.id, '-9.09090909', { currencies_id: chf })).body.result.client_amount).toBe(-10);
      // -0.00000001 × 1.1 = -0.000000011, rounded to -0.00000001: one unit too many.
      const refused = await prepaid(client.id, '-0.00000001', { currencies_id: chf });
      expect(refused.body.error.data).toEqual({ code: 'low-balance', message: `client #${client.id} has 0 available, 0.00000001 needed` });
      expect((await prepaid(client.id, '0.00000001', { currencies_id: chf, type: 'payment' })).body.result.client_amount).toBe(0.00000001);
      expect(await balanceText(client.id)).toBe('-9.99999999');
    });
  });

  it('refuses a booking that would carry the balance past its column, up or down', async () => {
    const up = await aClient(t, { currencies_id: usd });
    await aTransaction(t, { clients_id: up.id, amount: '999999999999.99999999' });
    const over = await t.rpc('accounting.transactions.create', { clients_id: up.id, type: 'payment', amount: '0.00000001' });
    expect(over.body.error.data).toEqual({ code: 'balance-overflow', message: `the balance of client #${up.id} would not fit` });
    expect(await balanceText(up.id)).toBe('999999999999.99999999');
    const down = await aClient(t, { currencies_id: usd, credit_unlimited: true });
    expect((await prepaid(down.id, '-999999999999.99999999')).body.result.client_amount).toBe(-999999999999.99999999);
    expect((await prepaid(down.id, '-0.00000001')).body.error.data).toEqual({ code: 'balance-overflow', message: `the balance of client #${down.id} would not fit` });
    expect(await balanceText(down.id)).toBe('-999999999999.99999999');
  });

  it('refuses bad input, and clients out of existence', async () => {
    const client = await aClient(t, { currencies_id: usd });
    const bad = await t.rest('POST', '/accounting/transactions', { clients_id: client.id, type: 'gift', amount: 0, external_id: '' });
    expect(bad.body.error.data).toEqual({ type: 'must be one of: payment, charge, credit_note, debit_note, adjustment', amount: 'must not be zero', external_id: 'must not be empty' });
    expect((await t.rpc('accounting.transactions.create', { clients_id: client.id, type: 'charge', amount: 'lots' })).body.error.data).toEqual({
      amount: 'must be a decimal number, e.g. 10.25 or "10.25"',
    });
    expect((await t.rpc('accounting.transactions.create', { clients_id: client.id, type: 'charge', amount: '-1000000000000' })).body.error.data).toEqual({
      amount: 'must be less than 1000000000000 in absolute value',
    });
    const missing = await t.rpc('accounting.transactions.create', { clients_id: 999, type: 'charge', amount: 1 });
    expect(missing.body.error.data).toEqual({ code: 'not_found', object_name: 'clients', object_id: '999' });
    const resting = await t.rpc('accounting.transactions.create', { clients_id: client.id, type: 'charge', amount: 1, currencies_id: 999 });
    expect(resting.body.error.data).toEqual({ code: 'not_found', object_name: 'currencies', object_id: '999' });
  });

  it('refuses a booking whose converted amount would not fit', async () => {
    const big = await aCurrency(t, 'BIG');
    await t.rpc('accounting.currencies.rates.create', { currencies_id: big.id, to_currencies_id: usd, rate: '1000', effective_from: '2020-01-01' });
    const client = await aClient(t, { currencies_id: usd });
    const res = await t.rpc('accounting.transactions.create', { clients_id: client.id, type: 'payment', amount: '1500000000', currencies_id: big.id });
    expect(res.body.error.data).toEqual({
      code: 'transactions-amount-overflow',
      message: "1500000000 converts to more than the client's currency can hold",
    });
    expect(await balanceOf(client.id)).toBe(0);
  });

  it('keeps a client with transactions, and its currency, from being deleted', async () => {
    const client = await aClient(t, { currencies_id: usd });
    await aTransaction(t, { clients_id: client.id });
    const refused = await t.rest('DELETE', `/clients/${client.id}`);
    expect([refused.status, refused.body.error.data]).toEqual([
      422,
      { code: 'clients-has-transactions', message: `client #${client.id} has transactions and cannot be deleted` },
    ]);
    const eur = await aCurrency(t, 'EUR');
    const moved = await t.rpc('clients.update', { id: client.id, currencies_id: eur.id });
    expect(moved.body.error.data.code).toBe('clients-has-transactions');
    const reseller = (await t.rpc('iam.resellers.create', { name: 'Elsewhere' })).body.result;
    const rehomed = await t.rpc('clients.update', { id: client.id, resellers_id: reseller.id });
    expect(rehomed.body.error.data).toEqual({
      code: 'clients-has-transactions',
      message: `client #${client.id} has transactions: it cannot move to another reseller`,
    });
    expect((await t.rest('DELETE', `/accounting/currencies/${usd}`)).body.error.data.code).toBe('currencies-in-use');
  });

  it('searches by client, type and dt range, ordered by dt or amount', async () => {
    const client = await aClient(t, { currencies_id: usd });
    const book = (amount: string, type: string, dt: string) => aTransaction(t, { clients_id: client.id, amount, type, dt });
    const a = await book('10', 'payment', '2026-01-10 09:00:00');
    const b = await book('-2', 'charge', '2026-01-20 09:00:00');
    const c = await book('9.5', 'adjustment', '2026-02-01 09:00:00');
    const ids = (reply: { body: any }) => (reply.body.result ?? reply.body).map((row: { id: number }) => row.id);
    expect(ids(await t.rest('GET', `/accounting/transactions?clients_id=${client.id}&order=-dt`))).toEqual([c.id, b.id, a.id]);
    expect(ids(await t.rest('GET', `/accounting/transactions?clients_id=${client.id}&order=amount`))).toEqual([b.id, c.id, a.id]);
    expect(ids(await t.rpc('accounting.transactions.search', { clients_id: [client.id], type: ['charge', 'adjustment'] }))).toEqual([b.id, c.id]);
    expect(ids(await t.rest('GET', `/accounting/transactions?clients_id=${client.id}&resellers_id=1`))).toEqual([]);
    expect(ids(await t.rpc('accounting.transactions.search', { clients_id: [client.id], dt_from: '2026-01-20', dt_till: '2026-02-01 09:00:00' }))).toEqual([b.id]);
    // In Tokyo, 2026-01-20 09:00 UTC is 18:00: the day of the 20th there starts at 15:00 UTC on the 19th.
    expect(ids(await t.rpc('accounting.transactions.search', { clients_id: [client.id], dt_from: '2026-01-20', dt_till: '2026-01-21', __tz: 'Asia/Tokyo' }))).toEqual([b.id]);
    expect(ids(await t.rpc('accounting.transactions.search', { clients_id: [client.id], dt_from: '2026-01-20T18:00:01+09:00' }))).toEqual([c.id]);
  });
});
