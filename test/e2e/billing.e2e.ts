import { BillingEngine } from '../../src/modules/billing/engine/billing-engine';
import { Clock } from '../../src/platform/time/clock';
import { aClient, aCurrency } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

// Recurring billing end to end (SPEC §10): the engine books fees as their periods come, over both
// protocols. The clock is the test's: the engine's background ticks are off, and each test moves
// the clock and runs the engine itself, so nothing waits for real time.
describe('recurring billing', () => {
  let t: TestApp;
  let engine: BillingEngine;
  let now: Date;
  let usd: number;
  let eur: number;

  beforeAll(async () => {
    t = await startTestApp({ BILLING_TICK_SECONDS: '0' });
    engine = t.app.get(BillingEngine);
    jest.spyOn(t.app.get(Clock), 'now').mockImplementation(() => new Date(now));
    now = new Date('2026-01-31T10:00:00Z');
    usd = (await aCurrency(t, 'USD')).id;
    eur = (await aCurrency(t, 'EUR')).id;
    await t.rpc('accounting.currencies.rates.create', { currencies_id: eur, to_currencies_id: usd, rate: '1.1', effective_from: '2020-01-01' });
    await t.rpc('accounting.currencies.rates.create', { currencies_id: eur, to_currencies_id: usd, rate: '1.2', effective_from: '2026-02-15' });
  });
  afterAll(() => t.close());
  // Each test's subscriptions end with it, so the next test's runs (at another time) see only its own.
  afterEach(() => t.dataSource.query(`UPDATE subscriptions SET condition = 'deactivated', due_dt = NULL`));

  const setNow = (iso: string) => (now = new Date(iso));
  const aPackage = async (fields: Record<string, unknown> = {}) => {
    const created = await t.rpc('packages.create', { name: 'Gold', currencies_id: eur, period: 'P1M', activation_fee: '5.00', subscription_fee: '9.99', ...fields });
    expect(created.body.error).toBeUndefined();
    return created.body.result as { id: number };
  };
  const subscribe = async (fields: Record<string, unknown>) => {
    const created = await t.rpc('clients.subscriptions.create', fields);
    expect(created.body.error).toBeUndefined();
    return created.body.result;
  };
  const getSubscription = async (id: number) => (await t.rest('GET', `/clients/subscriptions/${id}`)).body;
  /** The subscription's fees as booked: what, how much, when. */
  const fees = async (subscriptionId: number) =>
    (await t.rpc('accounting.transactions.search', { subscriptions_id: [subscriptionId], order: 'id', limit: 1000 })).body.result.map(
      (row: any) => [row.type, row.amount, row.currencies_id === eur ? 'EUR' : 'USD', row.client_amount, row.dt, row.external_id],
    );
  const balance = async (clientId: number) => (await t.rpc('clients.get', { id: clientId })).body.result.balance;

  it('activates at once: the activation fee and the first month, converted at the rate in effect, then the next month when it starts', async () => {
    setNow('2026-01-31T10:00:00Z');
    const pkg = await aPackage();
    const client = await aClient(t, { currencies_id: usd, credit: '100' });
    const created = await subscribe({ clients_id: client.id, packages_id: pkg.id });
    expect(created).toMatchObject({
      clients_id: client.id,
      packages_id: pkg.id,
      quantity: 1,
      start_dt: '2026-01-31T10:00:00+00:00',
      condition: 'activated',
      status: 'active',
      periods_start_dt: '2026-01-31T10:00:00+00:00',
      periods_stop_dt: '2026-02-28T10:00:00+00:00',
      last_error: null,
    });
    expect(await fees(created.id)).toEqual([
      ['charge', -5, 'EUR', -5.5, '2026-01-31T10:00:00+00:00', `subscription:${created.id}:activation`],
      ['charge', -9.99, 'EUR', -10.989, '2026-01-31T10:00:00+00:00', `subscription:${created.id}:period:0`],
    ]);
    // Nothing more until the month ends; then February, at the rate in effect from 15 February.
    setNow('2026-02-28T09:59:59.999Z');
    await engine.runOnce();
    expect((await fees(created.id)).length).toBe(2);
    setNow('2026-02-28T10:00:00Z');
    expect(await engine.runOnce()).toMatchObject({ due: 1, booked: 1, failed: 0, deactivated: 0 });
    expect((await fees(created.id))[2]).toEqual(['charge', -9.99, 'EUR', -11.988, '2026-02-28T10:00:00+00:00', `subscription:${created.id}:period:1`]);
    expect(await getSubscription(created.id)).toMatchObject({ periods_start_dt: '2026-02-28T10:00:00+00:00', periods_stop_dt: '2026-03-31T10:00:00+00:00', status: 'active' });
    expect(await balance(client.id)).toBe(-28.477);
    // Run again: nothing is booked twice.
    expect(await engine.runOnce()).toMatchObject({ due: 0, booked: 0 });
  });

  it('catches up a subscription that started three months ago: each missed month once, in order (REST)', async () => {
    setNow('2026-05-10T00:00:00Z');
    const pkg = await aPackage({ currencies_id: usd, activation_fee: '0', subscription_fee: '10' });
    const client = await aClient(t, { currencies_id: usd, credit: '100' });
    const created = await t.rest('POST', '/clients/subscriptions', { clients_id: client.id, packages_id: pkg.id, start_dt: '2026-01-31 12:00:00', quantity: 2 });
    expect(created.status).toBe(200);
    expect((await fees(created.body.id)).map(([, amount, , , dt, external]: unknown[]) => [amount, dt, external])).toEqual([
      [-20, '2026-01-31T12:00:00+00:00', `subscription:${created.body.id}:period:0`],
      [-20, '2026-02-28T12:00:00+00:00', `subscription:${created.body.id}:period:1`],
      [-20, '2026-03-31T12:00:00+00:00', `subscription:${created.body.id}:period:2`],
      [-20, '2026-04-30T12:00:00+00:00', `subscription:${created.body.id}:period:3`],
    ]);
    expect(created.body).toMatchObject({ periods_start_dt: '2026-04-30T12:00:00+00:00', periods_stop_dt: '2026-05-31T12:00:00+00:00', status: 'active' });
    expect(await balance(client.id)).toBe(-80);
  });

  it('keeps a prepaid client without funds pending with low-balance, activates it once a payment lands, and deactivates another once renew_due passes', async () => {
    setNow('2026-06-01T00:00:00Z');
    const pkg = await aPackage({ currencies_id: usd, activation_fee: '1', subscription_fee: '10', renew_due: 'P3D' });
    const poor = await aClient(t, { currencies_id: usd });
    const created = await subscribe({ clients_id: poor.id, packages_id: pkg.id });
    expect(created).toMatchObject({ condition: 'new', status: 'pending', last_error: 'low-balance', periods_start_dt: null });
    expect(await fees(created.id)).toEqual([]);
    // The activation and the first period go together or not at all: 11 is needed, 10.99 is not enough.
    await t.rpc('accounting.transactions.create', { clients_id: poor.id, type: 'payment', amount: '10.99' });
    setNow('2026-06-01T00:01:00Z');
    await engine.runOnce();
    expect([(await fees(created.id)).length, (await getSubscription(created.id)).status]).toEqual([0, 'pending']);
    await t.rpc('accounting.transactions.create', { clients_id: poor.id, type: 'payment', amount: '0.01' });
    setNow('2026-06-01T00:02:00Z');
    expect(await engine.runOnce()).toMatchObject({ booked: 2 });
    expect(await getSubscription(created.id)).toMatchObject({ condition: 'activated', status: 'active', last_error: null, periods_start_dt: '2026-06-01T00:00:00+00:00' });
    expect(await balance(poor.id)).toBe(0);

    // The next month finds no money: pending after its start, deactivated once renew_due (3 days) has passed.
    setNow('2026-07-01T00:00:00Z');
    await engine.runOnce();
    expect(await getSubscription(created.id)).toMatchObject({ condition: 'activated', status: 'pending', last_error: 'low-balance' });
    setNow('2026-07-03T23:59:59Z');
    await engine.runOnce();
    expect((await getSubscription(created.id)).condition).toBe('activated');
    setNow('2026-07-04T00:00:00Z');
    expect(await engine.runOnce()).toMatchObject({ deactivated: 1 });
    expect(await getSubscription(created.id)).toMatchObject({ condition: 'deactivated', status: 'archive', last_error: 'low-balance' });
    // A payment now changes nothing: a deactivated subscription is never charged again.
    await t.rpc('accounting.transactions.create', { clients_id: poor.id, type: 'payment', amount: '100' });
    setNow('2026-08-01T00:00:00Z');
    await engine.runOnce();
    expect((await fees(created.id)).length).toBe(2);
  });

  it('stops at the end of the period: nothing refunded, nothing more booked (REST)', async () => {
    setNow('2026-03-01T00:00:00Z');
    const pkg = await aPackage({ currencies_id: usd, activation_fee: '0', subscription_fee: '30' });
    const client = await aClient(t, { currencies_id: usd, credit: '100' });
    const created = await subscribe({ clients_id: client.id, packages_id: pkg.id });
    setNow('2026-03-11T00:00:00Z');
    const stopped = await t.rest('POST', `/clients/subscriptions/${created.id}/stop`, {});
    expect(stopped.body).toMatchObject({ stop_dt: '2026-04-01T00:00:00+00:00', status: 'active', condition: 'activated' });
    setNow('2026-04-01T00:00:00Z');
    expect(await engine.runOnce()).toMatchObject({ booked: 0, deactivated: 1 });
    expect(await getSubscription(created.id)).toMatchObject({ condition: 'deactivated', status: 'archive' });
    expect((await fees(created.id)).map((fee: unknown[]) => fee[1])).toEqual([-30]);
  });

  it('stops now and refunds the unused part of the fee, prorated to the second, half-even to the currency\'s precision', async () => {
    setNow('2026-04-01T00:00:00Z');
    const pkg = await aPackage({ currencies_id: usd, activation_fee: '0', subscription_fee: '9.99', period: 'P30D' });
    const client = await aClient(t, { currencies_id: usd, credit: '100' });
    const created = await subscribe({ clients_id: client.id, packages_id: pkg.id });
    // 10 days (and half a second, truncated) of 30 used: 2/3 of 9.99 = 6.66 back.
    setNow('2026-04-11T00:00:00.500Z');
    const stopped = await t.rpc('clients.subscriptions.stop', { id: created.id, at: 'now' });
    expect(stopped.body.result).toMatchObject({ stop_dt: '2026-04-11T00:00:00+00:00', condition: 'deactivated', status: 'archive' });
    expect(await fees(created.id)).toEqual([
      ['charge', -9.99, 'USD', -9.99, '2026-04-01T00:00:00+00:00', `subscription:${created.id}:period:0`],
      ['credit_note', 6.66, 'USD', 6.66, '2026-04-11T00:00:00+00:00', `subscription:${created.id}:refund:0`],
    ]);
    expect(await balance(client.id)).toBe(-3.33);
    // Stopping again refunds nothing more.
    await t.rpc('clients.subscriptions.stop', { id: created.id, at: 'now' });
    expect((await fees(created.id)).length).toBe(2);
  });

  it('stops every subscription of an archived package at the end of its period', async () => {
    setNow('2026-09-01T00:00:00Z');
    const pkg = await aPackage({ currencies_id: usd, activation_fee: '0', subscription_fee: '1' });
    const client = await aClient(t, { currencies_id: usd, credit: '100' });
    const created = await subscribe({ clients_id: client.id, packages_id: pkg.id });
    setNow('2026-09-15T00:00:00Z');
    await t.rest('PATCH', `/packages/${pkg.id}`, { status: 'archive' });
    expect((await getSubscription(created.id)).stop_dt).toBe('2026-10-01T00:00:00+00:00');
    setNow('2026-10-01T00:00:00Z');
    await engine.runOnce();
    expect(await getSubscription(created.id)).toMatchObject({ condition: 'deactivated', status: 'archive' });
    expect((await fees(created.id)).length).toBe(1);
  });

  it('logs one structured line per run that did something', async () => {
    setNow('2026-11-01T00:00:00Z');
    const pkg = await aPackage({ currencies_id: usd, activation_fee: '0', subscription_fee: '1', period: 'P1D' });
    const client = await aClient(t, { currencies_id: usd, credit: '100' });
    await subscribe({ clients_id: client.id, packages_id: pkg.id });
    setNow('2026-11-03T00:00:00Z');
    const before = t.logs.length;
    await engine.runOnce();
    const lines = t.logs.slice(before).filter((line) => line.msg === 'billing run');
    expect(lines.map(({ due, booked, failed, deactivated }) => ({ due, booked, failed, deactivated }))).toEqual([{ due: 1, booked: 2, failed: 0, deactivated: 0 }]);
    expect(typeof lines[0].duration_ms).toBe('number');
  });
});
