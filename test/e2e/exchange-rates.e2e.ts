import { aClient, aCurrency } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

describe('exchange rates', () => {
  let t: TestApp;
  let usd: number;
  let eur: number;
  let gbp: number;

  beforeAll(async () => {
    t = await startTestApp();
    usd = (await aCurrency(t, 'USD')).id;
    eur = (await aCurrency(t, 'EUR')).id;
    gbp = (await aCurrency(t, 'GBP')).id;
    await t.rpc('accounting.currencies.rates.create', { currencies_id: eur, to_currencies_id: usd, rate: '1.08', effective_from: '2026-01-01 00:00:00' });
    await t.rpc('accounting.currencies.rates.create', { currencies_id: eur, to_currencies_id: usd, rate: 1.1, effective_from: '2026-06-01T00:00:00Z' });
  });
  afterAll(() => t.close());

  const rateAt = (params: Record<string, unknown>) => t.rpc('accounting.currencies.get_rate', params);

  it('stores the rate and its reverse, rounded half to even at 10 places', async () => {
    const res = await t.rest('POST', '/accounting/currencies/rates', { currencies_id: usd, to_currencies_id: gbp, rate: '3', effective_from: '2026-03-01' });
    expect(res.body).toEqual({
      id: 5,
      currencies_id: usd,
      to_currencies_id: gbp,
      rate: 3,
      effective_from: '2026-03-01T00:00:00+00:00',
      c_dt: res.body.c_dt,
    });
    const reverse = await rateAt({ currencies_id: gbp, to_currencies_id: usd, dt: '2026-03-02' });
    expect(reverse.body.result).toEqual({ rate: 0.3333333333, effective_from: '2026-03-01T00:00:00+00:00', currencies_id: gbp, to_currencies_id: usd });
    const listed = await t.rest('GET', `/accounting/currencies/rates?currencies_id=${gbp}`);
    expect(listed.body.map((rate: { rate: number; to_currencies_id: number }) => [rate.rate, rate.to_currencies_id])).toEqual([[0.3333333333, usd]]);
    // 1 / 1.08 = 0.925925925925… → 0.9259259259
    expect((await rateAt({ from: 'USD', to: 'EUR', dt: '2026-02-01' })).body.result.rate).toBe(0.9259259259);
  });

  it('answers the latest rate in effect at dt', async () => {
    const at = async (dt: string) => (await rateAt({ currencies_id: eur, to_currencies_id: usd, dt })).body;
    expect((await at('2025-12-31 23:59:59')).error).toEqual({
      code: -32004,
      message: `not_found: currencies.rates #${eur}:${usd} not found`,
      data: { code: 'not_found', object_name: 'currencies.rates', object_id: `${eur}:${usd}` },
    });
    expect((await at('2026-01-01 00:00:00')).result).toEqual({ rate: 1.08, effective_from: '2026-01-01T00:00:00+00:00', currencies_id: eur, to_currencies_id: usd });
    expect((await at('2026-05-31 23:59:59.999')).result.rate).toBe(1.08);
    expect((await at('2026-06-01 00:00:00')).result.rate).toBe(1.1);
    expect((await at('2027-01-01')).result.rate).toBe(1.1);
    // The boundary read in another zone: midnight UTC is 02:00 in Kyiv (summer time).
    expect((await rateAt({ currencies_id: eur, to_currencies_id: usd, dt: '2026-06-01 02:59:59', __tz: 'Europe/Kyiv' })).body.result.rate).toBe(1.08);
  });

  it('answers now by default, by ISO codes over REST, and 1 for one currency', async () => {
    const now = await t.rest('GET', '/accounting/currencies/exchange-rate?from=EUR&to=USD');
    expect(now.body).toEqual({ rate: 1.1, effective_from: '2026-06-01T00:00:00+00:00', currencies_id: eur, to_currencies_id: usd });
    expect((await t.rest('GET', `/accounting/currencies/exchange-rate?currencies_id=${usd}&to=USD`)).body).toEqual({
      rate: 1,
      effective_from: null,
      currencies_id: usd,
      to_currencies_id: usd,
    });
  });

  it('refuses unclear or unknown currencies', async () => {
    expect((await rateAt({ to_currencies_id: usd })).body.error.data).toEqual({ currencies_id: 'is required (or from, an ISO code)' });
    expect((await rateAt({ currencies_id: eur, from: 'EUR', to: 'USD' })).body.error.data).toEqual({ from: 'give either currencies_id or from, not both' });
    expect((await rateAt({ from: 'XXX', to: 'USD' })).body.error.data).toEqual({ code: 'not_found', object_name: 'currencies', object_id: 'XXX' });
    const same = await t.rpc('accounting.currencies.rates.create', { currencies_id: usd, to_currencies_id: usd, rate: 1 });
    expect(same.body.error.data).toEqual({ to_currencies_id: 'must differ from currencies_id' });
    for (const [rate, problem] of [
      [0, 'must be greater than 0'],
      ['-1', 'must be greater than 0'],
      ['1.12345678901', 'must have at most 10 decimal places'],
      ['0.0000000001', 'is too small: its reverse 1/rate does not fit'],
    ]) {
      const res = await t.rpc('accounting.currencies.rates.create', { currencies_id: usd, to_currencies_id: eur, rate });
      expect({ rate, data: res.body.error.data }).toEqual({ rate, data: { rate: problem } });
    }
  });

  it('refuses a second rate for a pair at the same instant', async () => {
    const again = await t.rpc('accounting.currencies.rates.create', { currencies_id: usd, to_currencies_id: eur, rate: '0.9', effective_from: '2026-01-01T00:00:00Z' });
    expect(again.body.error.data).toEqual({
      code: 'currencies-rates-exist',
      message: `a rate between currencies #${usd} and #${eur} is already in effect from that instant`,
    });
  });

  it('deletes a rate with its reverse', async () => {
    const created = await t.rpc('accounting.currencies.rates.create', { currencies_id: gbp, to_currencies_id: eur, rate: '1.17', effective_from: '2026-02-02' });
    expect((await t.rest('DELETE', `/accounting/currencies/rates/${created.body.result.id}`)).body).toBe(2);
    expect((await rateAt({ currencies_id: eur, to_currencies_id: gbp, dt: '2026-03-01' })).body.error.code).toBe(-32004);
    expect((await t.rpc('accounting.currencies.rates.get', { id: created.body.result.id })).body.error.code).toBe(-32004);
  });

  it('converts bookings in another currency at the rate in effect at dt', async () => {
    const client = await aClient(t, { currencies_id: usd });
    const booked = await t.rpc('accounting.transactions.create', {
      clients_id: client.id,
      type: 'payment',
      amount: '100.005',
      currencies_id: eur,
      dt: '2026-03-15 12:00:00',
    });
    expect(booked.body.result).toMatchObject({ amount: 100.005, currencies_id: eur, rate: 1.08, client_amount: 108.0054 });
    const summer = await t.rpc('accounting.transactions.create', { clients_id: client.id, type: 'charge', amount: '-0.00000005', currencies_id: eur, dt: '2026-07-01' });
    // -0.000000055 rounds half to even at 8 places: -0.00000006.
    expect(summer.body.result).toMatchObject({ rate: 1.1, client_amount: -0.00000006 });
    expect((await t.rpc('clients.get', { id: client.id })).body.result.balance).toBe(108.00539994);
    const early = await t.rpc('accounting.transactions.create', { clients_id: client.id, type: 'payment', amount: 1, currencies_id: eur, dt: '2025-01-01' });
    expect(early.body.error.data).toEqual({ code: 'currencies-rate-missing', message: `no exchange rate from currency #${eur} to #${usd} at that time` });
  });

  it('keeps a currency referenced by rates from being deleted', async () => {
    const res = await t.rest('DELETE', `/accounting/currencies/${gbp}`);
    expect([res.status, res.body.error.data.code]).toEqual([422, 'currencies-in-use']);
  });
});
