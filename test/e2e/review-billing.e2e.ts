import Decimal from 'decimal.js';
import { BillingEngine } from '../../src/modules/billing/engine/billing-engine';
import { Clock } from '../../src/platform/time/clock';
import { aReseller, aUser } from '../support/factories';
import { DATABASE_KIND, startTestApp, TestApp } from '../support/test-app';

/*
 * A hostile review of recurring billing (SPEC §10): money, isolation and concurrency attacked as a
 * hostile caller or a hostile environment would. The clock is the test's (BILLING_TICK_SECONDS=0):
 * each test moves it and runs the engine itself, concurrently with API calls where it attacks a race.
 *
 * Tests named "DEFECT" failed on the code first reviewed (on both databases, or on the one named)
 * and pass since the fix; each asserts what the contract asks. The others are attacks the code
 * withstood from the start, kept as evidence.
 */

const MINUTE = 60_000;

/** A datetime (a JS Date, or the text SQLite keeps) as ISO 8601 UTC with milliseconds. */
const utc = (value: unknown): string =>
  value instanceof Date ? value.toISOString() : new Date(`${String(value).replace(' ', 'T')}${/[Z+]/.test(String(value).slice(10)) ? '' : 'Z'}`).toISOString();
/** How the API renders an instant in UTC (to the second). */
const rendered = (at: Date | string) => `${new Date(at).toISOString().slice(0, 19)}+00:00`;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Shared helpers over one test app. */
function helpers(t: TestApp) {
  /** A JSON-RPC call that must succeed: its result. */
  const ok = async (method: string, params: Record<string, unknown>, key?: string) => {
    const reply = await t.rpc(method, params, { key });
    if (reply.body.error) throw new Error(`${method} ${JSON.stringify(params)}: ${JSON.stringify(reply.body.error)}`);
    return reply.body.result;
  };
  /** A JSON-RPC call's error (or undefined when it succeeded). */
  const errorOf = async (method: string, params: Record<string, unknown>, key?: string) => (await t.rpc(method, params, { key })).body.error;
  let names = 0;
  const aPackage = (currencies_id: number, fields: Record<string, unknown>, key?: string) =>
    ok('packages.create', { name: `review-${++names}`, currencies_id, period: 'P1D', activation_fee: '0', subscription_fee: '1', ...fields }, key);
  const aClient = (currencies_id: number, fields: Record<string, unknown> = {}, key?: string) =>
    ok('clients.create', { name: `review-client-${++names}`, currencies_id, ...fields }, key);
  const pay = (clients_id: number, amount: string, key?: string) => ok('accounting.transactions.create', { clients_id, type: 'payment', amount }, key);
  const subscribe = (fields: Record<string, unknown>, key?: string) => ok('clients.subscriptions.create', fields, key);
  const getSubscription = (id: number) => ok('clients.subscriptions.get', { id });
  /** The subscription's fees as the API shows them: type, amount, client_amount, dt, external_id. */
  const fees = async (id: number) =>
    ((await ok('accounting.transactions.search', { subscriptions_id: [id], order: 'id', limit: 1000 })) as any[]).map((row) => [
      row.type,
      row.amount,
      row.client_amount,
      row.dt,
      row.external_id.replace(`subscription:${id}:`, ''),
    ]);
  /** Every fee row of a subscription straight from the database (any count), in booking order. */
  const feeRows = async (id: number): Promise<{ external_id: string; dt: string; amount: string }[]> =>
    (await t.dataSource.query(`SELECT external_id, dt, amount FROM transactions WHERE subscriptions_id = ${Number(id)} ORDER BY id`)).map((row: any) => ({
      external_id: String(row.external_id).replace(`subscription:${id}:`, ''),
      dt: utc(row.dt),
      amount: new Decimal(row.amount).toFixed(),
    }));
  /** The client's balance and the exact sum of its transactions (client_amount), read from the database as decimals. */
  const ledger = async (clientId: number) => {
    const [client] = await t.dataSource.query(`SELECT balance FROM clients WHERE id = ${Number(clientId)}`);
    const rows = await t.dataSource.query(`SELECT client_amount FROM transactions WHERE clients_id = ${Number(clientId)}`);
    const sum = rows.reduce((total: Decimal, row: any) => total.plus(new Decimal(row.client_amount)), new Decimal(0));
    return { balance: new Decimal(client.balance).toFixed(), sum: sum.toFixed() };
  };
  return { ok, errorOf, aPackage, aClient, pay, subscribe, getSubscription, fees, feeRows, ledger };
}

describe('review: recurring billing under attack', () => {
  let t: TestApp;
  let engine: BillingEngine;
  let now: Date;
  let usd: number;
  let eur: number;
  let xts: number;
  let gbp: number;
  let h: ReturnType<typeof helpers>;
  const setNow = (iso: string | Date) => (now = new Date(iso));

  beforeAll(async () => {
    t = await startTestApp({ BILLING_TICK_SECONDS: '0' });
    engine = t.app.get(BillingEngine);
    setNow('2027-01-01T00:00:00Z');
    jest.spyOn(t.app.get(Clock), 'now').mockImplementation(() => new Date(now));
    h = helpers(t);
    usd = (await h.ok('accounting.currencies.create', { name: 'USD' })).id;
    eur = (await h.ok('accounting.currencies.create', { name: 'EUR' })).id;
    xts = (await h.ok('accounting.currencies.create', { name: 'XTS' })).id;
    gbp = (await h.ok('accounting.currencies.create', { name: 'GBP' })).id;
    await h.ok('accounting.currencies.rates.create', { currencies_id: eur, to_currencies_id: usd, rate: '1.1', effective_from: '2020-01-01T00:00:00Z' });
    await h.ok('accounting.currencies.rates.create', { currencies_id: eur, to_currencies_id: usd, rate: '1.2', effective_from: '2027-06-01T00:00:00Z' });
    await h.ok('accounting.currencies.rates.create', { currencies_id: xts, to_currencies_id: usd, rate: '0.1', effective_from: '2020-01-01T00:00:00Z' });
  });
  afterAll(() => t.close());
  // Each test's subscriptions end with it, so the next test's runs (at another time) see only its own.
  afterEach(() => t.dataSource.query(`UPDATE subscriptions SET condition = 'deactivated', due_dt = NULL`));

  describe('concurrency', () => {
    it('two runOnce at once, two runFor over the same ids, updates (runFor inside API calls) and payments on the same clients: every fee exactly once, balances the sum of their transactions', async () => {
      setNow('2027-01-01T00:00:00Z');
      const pkg = await h.aPackage(usd, { period: 'P1D', activation_fee: '0.5', subscription_fee: '1.25' });
      const clients: number[] = [];
      const ids: number[] = [];
      for (const _ of range(3)) {
        const client = (await h.aClient(usd)).id;
        clients.push(client);
        await h.pay(client, '100');
        for (const __ of range(10)) ids.push((await h.subscribe({ clients_id: client, packages_id: pkg.id })).id);
      }
      // Five days pass with no run: periods 1..5 are due for all thirty.
      setNow('2027-01-06T00:00:00Z');
      const replies = await Promise.all<any>([
        engine.runOnce(),
        engine.runOnce(),
        engine.runFor(ids),
        engine.runFor([...ids].reverse()),
        ...ids.map((id, i) => (i % 2 ? t.rpc('clients.subscriptions.update', { id, quantity: 1 }) : t.rest('PATCH', `/clients/subscriptions/${id}`, { quantity: 1 }))),
        ...clients.flatMap((client) => range(5).map(() => t.rpc('accounting.transactions.create', { clients_id: client, type: 'payment', amount: '1' }))),
        ...ids.map((id) => t.rest('GET', `/clients/subscriptions/${id}`)),
      ]);
      for (const reply of replies.slice(4)) expect([reply.status, reply.body?.error]).toEqual([200, undefined]);
      expect(await engine.runOnce()).toMatchObject({ due: 0, booked: 0, failed: 0 });

      for (const id of ids) {
        expect(await h.fees(id)).toEqual([
          ['charge', -0.5, -0.5, '2027-01-01T00:00:00+00:00', 'activation'],
          ...range(6).map((n) => ['charge', -1.25, -1.25, `2027-01-0${n + 1}T00:00:00+00:00`, `period:${n}`]),
        ]);
        expect(await h.getSubscription(id)).toMatchObject({ condition: 'activated', status: 'active', periods_start_dt: '2027-01-06T00:00:00+00:00', periods_stop_dt: '2027-01-07T00:00:00+00:00', last_error: null });
      }
      // 100 + 5 paid, 10 × (0.50 + 6 × 1.25) charged.
      for (const client of clients) expect(await h.ledger(client)).toEqual({ balance: '25', sum: '25' });
    });

    it('stop now three times at once, stop now racing stop period_end, and stop now racing the renewal it falls on, all with the engine running: one refund each, exact', async () => {
      setNow('2027-01-12T00:00:00Z');
      const pkg = await h.aPackage(usd, { period: 'P30D', subscription_fee: '30' });
      const client = (await h.aClient(usd, { credit: '100' })).id;
      // Its period 1 starts at the very instant it is stopped.
      const third = (await h.subscribe({ clients_id: client, packages_id: pkg.id })).id;
      setNow('2027-02-01T00:00:00Z');
      const first = (await h.subscribe({ clients_id: client, packages_id: pkg.id })).id;
      const second = (await h.subscribe({ clients_id: client, packages_id: pkg.id })).id;
      // 10 of 30 days used: 20 back.
      setNow('2027-02-11T00:00:00Z');
      const replies = await Promise.all<any>([
        t.rpc('clients.subscriptions.stop', { id: first, at: 'now' }),
        t.rest('POST', `/clients/subscriptions/${first}/stop`, { at: 'now' }),
        t.rpc('clients.subscriptions.stop', { id: first, at: 'now' }),
        t.rpc('clients.subscriptions.stop', { id: second, at: 'period_end' }),
        t.rest('POST', `/clients/subscriptions/${second}/stop`, { at: 'now' }),
        t.rpc('clients.subscriptions.stop', { id: third, at: 'now' }),
        engine.runOnce(),
      ]);
      for (const reply of replies.slice(0, 6)) expect([reply.status, reply.body?.error]).toEqual([200, undefined]);
      // Either the renewal came first and all of it is refunded, or the stop did and it was never charged.
      const thirdFees = await h.fees(third);
      expect([
        [['charge', -30, -30, '2027-01-12T00:00:00+00:00', 'period:0']],
        [
          ['charge', -30, -30, '2027-01-12T00:00:00+00:00', 'period:0'],
          ['charge', -30, -30, '2027-02-11T00:00:00+00:00', 'period:1'],
          ['credit_note', 30, 30, '2027-02-11T00:00:00+00:00', 'refund:1'],
        ],
      ]).toContainEqual(thirdFees);
      expect(await h.getSubscription(third)).toMatchObject({ stop_dt: '2027-02-11T00:00:00+00:00', condition: 'deactivated', status: 'archive' });
      for (const id of [first, second]) {
        expect(await h.fees(id)).toEqual([
          ['charge', -30, -30, '2027-02-01T00:00:00+00:00', 'period:0'],
          ['credit_note', 20, 20, '2027-02-11T00:00:00+00:00', 'refund:0'],
        ]);
        expect(await h.getSubscription(id)).toMatchObject({ stop_dt: '2027-02-11T00:00:00+00:00', condition: 'deactivated', status: 'archive' });
      }
      setNow('2027-04-01T00:00:00Z');
      expect(await engine.runOnce()).toMatchObject({ booked: 0 });
      expect((await h.fees(first)).length + (await h.fees(second)).length).toBe(4);
      expect(await h.fees(third)).toEqual(thirdFees);
      expect(await h.ledger(client)).toEqual({ balance: '-50', sum: '-50' });
    });

    it('six creates at once on a prepaid client with money for two activations: two activated, four pending low-balance, never below zero; a payment activates the oldest pending one', async () => {
      setNow('2027-02-01T00:00:00Z');
      const pkg = await h.aPackage(usd, { period: 'P1M', activation_fee: '2.5', subscription_fee: '10' });
      const client = (await h.aClient(usd)).id;
      await h.pay(client, '25');
      const created = await Promise.all(
        range(6).map((i) =>
          i % 2
            ? t.rpc('clients.subscriptions.create', { clients_id: client, packages_id: pkg.id }).then((reply) => reply.body.result)
            : t.rest('POST', '/clients/subscriptions', { clients_id: client, packages_id: pkg.id }).then((reply) => reply.body),
        ),
      );
      const states = async () => Promise.all(created.map(async ({ id }) => ({ id, ...(await h.getSubscription(id)), fees: (await h.fees(id)).length })));
      let now1 = await states();
      const activated = now1.filter((s) => s.condition === 'activated');
      expect(activated.map((s) => [s.status, s.fees, s.last_error])).toEqual([
        ['active', 2, null],
        ['active', 2, null],
      ]);
      expect(now1.filter((s) => s.condition === 'new').map((s) => [s.status, s.fees, s.last_error])).toEqual(range(4).map(() => ['pending', 0, 'low-balance']));
      expect(await h.ledger(client)).toEqual({ balance: '0', sum: '0' });

      await h.pay(client, '12.5');
      setNow(new Date(now.getTime() + MINUTE));
      expect(await engine.runOnce()).toMatchObject({ booked: 2, failed: 3 });
      now1 = await states();
      const oldestPending = Math.min(...created.map((s) => s.id).filter((id) => !activated.some((a) => a.id === id)));
      expect(now1.filter((s) => s.condition === 'activated').map((s) => s.id).sort()).toEqual([...activated.map((s) => s.id), oldestPending].sort());
      expect(await h.ledger(client)).toEqual({ balance: '0', sum: '0' });
    });

    it('DEFECT on PostgreSQL: archiving a package while subscriptions to it are being created: each create is either refused (packages-not-available) or stopped at its period end, never a deadlock (503); no fee at or after any stop_dt', async () => {
      setNow('2027-03-01T00:00:00Z');
      const pkg = await h.aPackage(usd, { period: 'P1D', activation_fee: '1', subscription_fee: '2' });
      const client = (await h.aClient(usd, { credit: '1000' })).id;
      const calls = range(8).map((i) => t.rpc('clients.subscriptions.create', { clients_id: client, packages_id: pkg.id }, { id: i }));
      calls.splice(4, 0, t.rest('PATCH', `/packages/${pkg.id}`, { status: 'archive' }));
      const replies = await Promise.all(calls);
      expect(replies[4].status).toBe(200);
      const creates = replies.filter((_, i) => i !== 4).map((reply) => reply.body);
      for (const reply of creates) {
        if (reply.error) expect(reply.error.data.code).toBe('packages-not-available');
      }
      const ids = creates.filter((reply) => !reply.error).map((reply) => reply.result.id as number);
      expect((await h.errorOf('clients.subscriptions.create', { clients_id: client, packages_id: pkg.id })).data.code).toBe('packages-not-available');
      for (const day of ['2027-03-02T00:00:00Z', '2027-03-05T00:00:00Z']) {
        setNow(day);
        await engine.runOnce();
      }
      let activatedOnes = 0;
      for (const id of ids) {
        const subscription = await h.getSubscription(id);
        const fees = await h.fees(id);
        expect(subscription.condition).toBe('deactivated');
        if (fees.length === 0) {
          // Stopped before its first charge: stopped at once.
          expect(subscription.stop_dt).toBe('2027-03-01T00:00:00+00:00');
        } else {
          activatedOnes++;
          expect(fees.map(([, amount, , dt, external]) => [amount, dt, external])).toEqual([
            [-1, '2027-03-01T00:00:00+00:00', 'activation'],
            [-2, '2027-03-01T00:00:00+00:00', 'period:0'],
          ]);
          expect(subscription.stop_dt).toBe('2027-03-02T00:00:00+00:00');
        }
      }
      expect(await h.ledger(client)).toEqual({ balance: String(-3 * activatedOnes), sum: String(-3 * activatedOnes) });
    });

    it('DEFECT on PostgreSQL: updates of subscriptions racing the archive of their package all succeed, never a deadlock (503); each stops at the end of its period', async () => {
      setNow('2027-03-05T00:00:00Z');
      const pkg = await h.aPackage(usd, { period: 'P1D', subscription_fee: '2' });
      const clients = [(await h.aClient(usd, { credit: '1000' })).id, (await h.aClient(usd, { credit: '1000' })).id];
      const ids: number[] = [];
      for (const i of range(8)) ids.push((await h.subscribe({ clients_id: clients[i % 2], packages_id: pkg.id })).id);
      setNow('2027-03-05T12:00:00Z');
      const calls = ids.map((id, i) => t.rpc('clients.subscriptions.update', { id, quantity: 2 + i }, { id: i }));
      calls.splice(4, 0, t.rest('PATCH', `/packages/${pkg.id}`, { status: 'archive' }));
      const replies = await Promise.all(calls);
      expect(replies.map((reply) => reply.body?.error?.data?.code ?? reply.status)).toEqual(replies.map(() => 200));
      setNow('2027-03-08T00:00:00Z');
      await engine.runOnce();
      for (const id of ids) {
        expect(await h.getSubscription(id)).toMatchObject({ stop_dt: '2027-03-06T00:00:00+00:00', condition: 'deactivated' });
        expect((await h.fees(id)).map((fee) => fee[4])).toEqual(['period:0']);
      }
    });

    it('deletes racing the engine’s first charge after a payment: each subscription is either gone with no fee anywhere, or refused (subscriptions-charged) with its two fees', async () => {
      setNow('2027-03-10T00:00:00Z');
      const pkg = await h.aPackage(usd, { period: 'P1M', activation_fee: '1', subscription_fee: '4' });
      const client = (await h.aClient(usd)).id;
      const ids: number[] = [];
      for (const _ of range(6)) ids.push((await h.subscribe({ clients_id: client, packages_id: pkg.id })).id);
      setNow('2027-03-10T00:01:00Z');
      const [, , ...deletes] = await Promise.all<any>([
        h.pay(client, '100'),
        engine.runOnce(),
        ...ids.map((id, i) => (i % 2 ? t.rpc('clients.subscriptions.delete', { id }) : t.rest('DELETE', `/clients/subscriptions/${id}`))),
      ]);
      setNow('2027-03-10T00:02:00Z');
      await engine.runOnce();
      let charged = 0;
      for (const [i, id] of ids.entries()) {
        const reply = deletes[i];
        const error = reply.body?.error;
        const rows = await t.dataSource.query(`SELECT id FROM transactions WHERE subscriptions_id = ${id}`);
        if (!error && (reply.body === 1 || reply.body.result === 1)) {
          expect(rows).toEqual([]);
          expect((await h.errorOf('clients.subscriptions.get', { id })).data.code).toBe('not_found');
        } else {
          expect(error.data.code).toBe('subscriptions-charged');
          expect((await h.fees(id)).map((fee) => fee[4])).toEqual(['activation', 'period:0']);
          charged++;
        }
      }
      // The survivors not charged before the deletes came are charged on the next run.
      const remaining = (await h.ok('clients.subscriptions.search', { clients_id: [client] })) as any[];
      for (const subscription of remaining) expect((await h.fees(subscription.id)).length).toBe(2);
      expect(remaining.length).toBeGreaterThanOrEqual(charged);
      const orphans = await t.dataSource.query('SELECT id FROM transactions WHERE subscriptions_id IS NOT NULL AND subscriptions_id NOT IN (SELECT id FROM subscriptions)');
      expect(orphans).toEqual([]);
      expect(await h.ledger(client)).toEqual({ balance: String(100 - 5 * remaining.length), sum: String(100 - 5 * remaining.length) });
    });
  });
  describe('stops', () => {
    it('stop on never-activated subscriptions (future start, or pending low-balance): deactivated at once, nothing refunded, nothing booked when the start comes', async () => {
      setNow('2027-04-01T00:00:00Z');
      const pkg = await h.aPackage(usd, { period: 'P1M', activation_fee: '1', subscription_fee: '10' });
      const rich = (await h.aClient(usd, { credit: '100' })).id;
      const poor = (await h.aClient(usd)).id;
      const future = (await h.subscribe({ clients_id: rich, packages_id: pkg.id, start_dt: '2027-04-02T00:00:00Z' })).id;
      const futureAtEnd = (await h.subscribe({ clients_id: rich, packages_id: pkg.id, start_dt: '2027-04-02T00:00:00Z' })).id;
      const pending = await h.subscribe({ clients_id: poor, packages_id: pkg.id });
      expect(pending).toMatchObject({ condition: 'new', last_error: 'low-balance' });
      setNow('2027-04-01T12:00:00Z');
      expect(await h.ok('clients.subscriptions.stop', { id: future, at: 'now' })).toMatchObject({ stop_dt: '2027-04-01T12:00:00+00:00', condition: 'deactivated', status: 'archive', periods_start_dt: null });
      expect(await h.ok('clients.subscriptions.stop', { id: futureAtEnd, at: 'period_end' })).toMatchObject({ stop_dt: '2027-04-01T12:00:00+00:00', condition: 'deactivated', status: 'archive' });
      expect(await h.ok('clients.subscriptions.stop', { id: pending.id, at: 'now' })).toMatchObject({ condition: 'deactivated', status: 'archive' });
      // Stopping a stopped subscription again changes nothing.
      expect(await h.ok('clients.subscriptions.stop', { id: future, at: 'period_end' })).toMatchObject({ stop_dt: '2027-04-01T12:00:00+00:00', condition: 'deactivated' });
      await h.pay(poor, '100');
      setNow('2027-04-05T00:00:00Z');
      expect(await engine.runOnce()).toMatchObject({ due: 0, booked: 0 });
      for (const id of [future, futureAtEnd, pending.id]) expect(await h.fees(id)).toEqual([]);
      expect(await h.ledger(rich)).toEqual({ balance: '0', sum: '0' });
      expect(await h.ledger(poor)).toEqual({ balance: '100', sum: '100' });
    });

    it('stop_dt exactly at a period start books nothing for that period; one millisecond later books it whole; nothing after', async () => {
      setNow('2027-04-10T00:00:00Z');
      const pkg = await h.aPackage(usd, { period: 'P1D', subscription_fee: '1' });
      const client = (await h.aClient(usd, { credit: '100' })).id;
      const exact = (await h.subscribe({ clients_id: client, packages_id: pkg.id, stop_dt: '2027-04-12T00:00:00Z' })).id;
      const later = (await h.subscribe({ clients_id: client, packages_id: pkg.id, stop_dt: '2027-04-12T00:00:00.001Z' })).id;
      const updated = (await h.subscribe({ clients_id: client, packages_id: pkg.id })).id;
      await h.ok('clients.subscriptions.update', { id: updated, stop_dt: '2027-04-11T00:00:00Z' });
      setNow('2027-04-20T00:00:00Z');
      await engine.runOnce();
      expect((await h.fees(exact)).map((fee) => fee[4])).toEqual(['period:0', 'period:1']);
      expect((await h.fees(later)).map((fee) => fee[4])).toEqual(['period:0', 'period:1', 'period:2']);
      expect((await h.fees(updated)).map((fee) => fee[4])).toEqual(['period:0']);
      for (const id of [exact, later, updated]) expect((await h.getSubscription(id)).condition).toBe('deactivated');
      expect(await h.ledger(client)).toEqual({ balance: '-6', sum: '-6' });
    });

    it('a deactivated subscription is never charged again: not after a payment, not after updates of its quantity or stop_dt (which run the engine), not after a stop; its stop_dt cannot be cleared (renew_due P0D)', async () => {
      setNow('2027-04-20T00:00:00Z');
      const pkg = await h.aPackage(usd, { period: 'P1D', subscription_fee: '5', renew_due: 'P0D' });
      const client = (await h.aClient(usd)).id;
      await h.pay(client, '5');
      const id = (await h.subscribe({ clients_id: client, packages_id: pkg.id })).id;
      setNow('2027-04-21T00:00:00Z');
      expect(await engine.runOnce()).toMatchObject({ booked: 0, failed: 1, deactivated: 1 });
      expect(await h.getSubscription(id)).toMatchObject({ condition: 'deactivated', status: 'archive', last_error: 'low-balance' });
      await h.pay(client, '100');
      expect(await h.ok('clients.subscriptions.update', { id, quantity: 3 })).toBe(1);
      expect(await h.ok('clients.subscriptions.update', { id, stop_dt: '2028-01-01T00:00:00Z' })).toBe(1);
      expect((await h.errorOf('clients.subscriptions.update', { id, stop_dt: null })).data.code).toBe('subscriptions-deactivated');
      await h.ok('clients.subscriptions.stop', { id, at: 'now' });
      setNow('2027-04-25T00:00:00Z');
      await engine.runOnce();
      expect(await h.fees(id)).toEqual([['charge', -5, -5, '2027-04-20T00:00:00+00:00', 'period:0']]);
      expect(await h.ledger(client)).toEqual({ balance: '100', sum: '100' });
    });

    it('update of stop_dt to now after the engine fell behind books the periods begun before it, then deactivates', async () => {
      setNow('2027-05-01T00:00:00Z');
      const pkg = await h.aPackage(usd, { period: 'P1D', subscription_fee: '10' });
      const client = (await h.aClient(usd, { credit: '1000' })).id;
      const id = (await h.subscribe({ clients_id: client, packages_id: pkg.id })).id;
      // Two and a half days pass without a run (downtime, or a tick not yet come).
      setNow('2027-05-03T12:00:00Z');
      expect(await h.ok('clients.subscriptions.update', { id, stop_dt: '2027-05-03T12:00:00Z' })).toBe(1);
      expect((await h.fees(id)).map((fee) => [fee[1], fee[3], fee[4]])).toEqual([
        [-10, '2027-05-01T00:00:00+00:00', 'period:0'],
        [-10, '2027-05-02T00:00:00+00:00', 'period:1'],
        [-10, '2027-05-03T00:00:00+00:00', 'period:2'],
      ]);
    });

    it('DEFECT: stop now after the engine fell behind: the periods begun before stop_dt are booked (as an update of stop_dt books them) and the unused part of the current one refunded', async () => {
      setNow('2027-05-01T00:00:00Z');
      const pkg = await h.aPackage(usd, { period: 'P1D', subscription_fee: '10' });
      const client = (await h.aClient(usd, { credit: '1000' })).id;
      const id = (await h.subscribe({ clients_id: client, packages_id: pkg.id })).id;
      setNow('2027-05-03T12:00:00Z');
      expect(await h.ok('clients.subscriptions.stop', { id, at: 'now' })).toMatchObject({ stop_dt: '2027-05-03T12:00:00+00:00', condition: 'deactivated' });
      await engine.runOnce();
      // Periods 1 and 2 began before stop_dt and were used: booked whole, then half of period 2 back.
      expect((await h.fees(id)).map((fee) => [fee[0], fee[1], fee[3], fee[4]])).toEqual([
        ['charge', -10, '2027-05-01T00:00:00+00:00', 'period:0'],
        ['charge', -10, '2027-05-02T00:00:00+00:00', 'period:1'],
        ['charge', -10, '2027-05-03T00:00:00+00:00', 'period:2'],
        ['credit_note', 5, '2027-05-03T12:00:00+00:00', 'refund:2'],
      ]);
      expect(await h.ledger(client)).toEqual({ balance: '-25', sum: '-25' });
    });

    it('DEFECT: stop period_end after the engine fell behind: the periods missed are booked and the subscription stops at the end of the current period, not now', async () => {
      setNow('2027-05-01T00:00:00Z');
      const pkg = await h.aPackage(usd, { period: 'P1D', subscription_fee: '10' });
      const client = (await h.aClient(usd, { credit: '1000' })).id;
      const id = (await h.subscribe({ clients_id: client, packages_id: pkg.id })).id;
      setNow('2027-05-03T12:00:00Z');
      const stopped = await h.ok('clients.subscriptions.stop', { id, at: 'period_end' });
      expect(stopped).toMatchObject({ stop_dt: '2027-05-04T00:00:00+00:00', condition: 'activated' });
      setNow('2027-05-06T00:00:00Z');
      await engine.runOnce();
      expect(await h.getSubscription(id)).toMatchObject({ stop_dt: '2027-05-04T00:00:00+00:00', periods_start_dt: '2027-05-03T00:00:00+00:00', condition: 'deactivated' });
      expect((await h.fees(id)).map((fee) => fee[4])).toEqual(['period:0', 'period:1', 'period:2']);
      expect(await h.ledger(client)).toEqual({ balance: '-30', sum: '-30' });
    });

    it('DEFECT: archiving a package after the engine fell behind stops its subscriptions at the end of their current period, with the periods missed booked', async () => {
      setNow('2027-05-01T00:00:00Z');
      const pkg = await h.aPackage(usd, { period: 'P1D', subscription_fee: '10' });
      const client = (await h.aClient(usd, { credit: '1000' })).id;
      const id = (await h.subscribe({ clients_id: client, packages_id: pkg.id })).id;
      setNow('2027-05-03T12:00:00Z');
      expect(await h.ok('packages.update', { id: pkg.id, status: 'archive' })).toBe(1);
      setNow('2027-05-06T00:00:00Z');
      await engine.runOnce();
      expect(await h.getSubscription(id)).toMatchObject({ stop_dt: '2027-05-04T00:00:00+00:00', periods_start_dt: '2027-05-03T00:00:00+00:00', condition: 'deactivated' });
      expect((await h.fees(id)).map((fee) => fee[4])).toEqual(['period:0', 'period:1', 'period:2']);
    });

    it('a quantity change mid-period applies from the next period; stop now refunds the unused part of what that period was charged', async () => {
      setNow('2027-05-10T00:00:00Z');
      const pkg = await h.aPackage(usd, { period: 'P10D', subscription_fee: '3' });
      const client = (await h.aClient(usd, { credit: '1000' })).id;
      const id = (await h.subscribe({ clients_id: client, packages_id: pkg.id, quantity: 2 })).id;
      setNow('2027-05-15T00:00:00Z');
      expect(await h.ok('clients.subscriptions.update', { id, quantity: 5 })).toBe(1);
      expect((await h.fees(id)).length).toBe(1);
      setNow('2027-05-20T00:00:00Z');
      await engine.runOnce();
      setNow('2027-05-22T00:00:00Z');
      // 8 of 10 days unused of the 15 charged for period 1.
      await h.ok('clients.subscriptions.stop', { id, at: 'now' });
      expect(await h.fees(id)).toEqual([
        ['charge', -6, -6, '2027-05-10T00:00:00+00:00', 'period:0'],
        ['charge', -15, -15, '2027-05-20T00:00:00+00:00', 'period:1'],
        ['credit_note', 12, 12, '2027-05-22T00:00:00+00:00', 'refund:1'],
      ]);
      expect(await h.ledger(client)).toEqual({ balance: '-9', sum: '-9' });
    });

    it('DEFECT (contract silent; judged so): a refund in another currency gives back the unused part of what the charge took, not the same fee at the rate of the day of the stop', async () => {
      setNow('2027-05-22T00:00:00Z');
      // 10 EUR took 11 USD (rate 1.1); half of the period is unused when the rate has become 1.2.
      const pkg = await h.aPackage(eur, { period: 'P20D', subscription_fee: '10' });
      const client = (await h.aClient(usd, { credit: '1000' })).id;
      const id = (await h.subscribe({ clients_id: client, packages_id: pkg.id })).id;
      setNow('2027-06-01T00:00:00Z');
      await h.ok('clients.subscriptions.stop', { id, at: 'now' });
      const fees = await h.fees(id);
      expect(fees[0]).toEqual(['charge', -10, -11, '2027-05-22T00:00:00+00:00', 'period:0']);
      expect(fees[1].slice(0, 2)).toEqual(['credit_note', 5]);
      expect(fees[1][2]).toBe(5.5);
    });
  });

  describe('money', () => {
    it('a quantity × fee that overflows the money column is refused as a charge (last_error), books nothing, and the client is untouched; then a balance that would overflow stops the renewal alike', async () => {
      setNow('2027-06-01T00:00:00Z');
      const pkg = await h.aPackage(usd, { period: 'P1D', subscription_fee: '999999999999' });
      const client = (await h.aClient(usd, { credit_unlimited: true })).id;
      const huge = await h.subscribe({ clients_id: client, packages_id: pkg.id, quantity: 1_000_000 });
      expect(huge).toMatchObject({ condition: 'new', status: 'pending', last_error: 'transactions-amount-overflow' });
      expect(await h.fees(huge.id)).toEqual([]);
      expect(await h.ledger(client)).toEqual({ balance: '0', sum: '0' });
      expect(await h.ok('clients.subscriptions.update', { id: huge.id, quantity: 1 })).toBe(1);
      expect(await h.getSubscription(huge.id)).toMatchObject({ condition: 'activated', status: 'active', last_error: null });
      expect(await h.ledger(client)).toEqual({ balance: '-999999999999', sum: '-999999999999' });
      setNow('2027-06-02T00:00:00Z');
      expect(await engine.runOnce()).toMatchObject({ booked: 0, failed: 1 });
      expect(await h.getSubscription(huge.id)).toMatchObject({ condition: 'activated', status: 'pending', last_error: 'balance-overflow' });
      expect(await h.ledger(client)).toEqual({ balance: '-999999999999', sum: '-999999999999' });
    });

    it('fees that convert to less than the smallest unit book nothing (no zero transaction) and still activate and renew; a quantity that lifts them over half a unit books them, rounded half-even', async () => {
      setNow('2027-06-10T00:00:00Z');
      // 1e-8 XTS × 0.1 = 1e-9 USD → 0; × 15 = 1.5e-8 → 2e-8 (half-even).
      const pkg = await h.aPackage(xts, { period: 'P1D', activation_fee: '0.00000001', subscription_fee: '0.00000001' });
      const client = (await h.aClient(usd)).id;
      const tiny = await h.subscribe({ clients_id: client, packages_id: pkg.id });
      expect(tiny).toMatchObject({ condition: 'activated', status: 'active', last_error: null });
      setNow('2027-06-11T00:00:00Z');
      await engine.runOnce();
      expect(await h.getSubscription(tiny.id)).toMatchObject({ periods_start_dt: '2027-06-11T00:00:00+00:00', status: 'active' });
      expect(await h.fees(tiny.id)).toEqual([]);
      const payer = (await h.aClient(usd, { credit: '1' })).id;
      const fifteen = await h.subscribe({ clients_id: payer, packages_id: pkg.id, quantity: 15 });
      expect((await h.fees(fifteen.id)).map((fee) => [fee[1], fee[2], fee[4]])).toEqual([
        [-0.00000015, -0.00000002, 'activation'],
        [-0.00000015, -0.00000002, 'period:0'],
      ]);
      expect(await h.ledger(payer)).toEqual({ balance: '-0.00000004', sum: '-0.00000004' });
      // Stopping the free one refunds nothing.
      await h.ok('clients.subscriptions.stop', { id: tiny.id, at: 'now' });
      expect(await h.ledger(client)).toEqual({ balance: '0', sum: '0' });
    });

    it('DEFECT (minor): the run report counts as booked only fees actually booked, not those that converted to nothing', async () => {
      setNow('2027-06-20T00:00:00Z');
      const pkg = await h.aPackage(xts, { period: 'P1D', subscription_fee: '0.00000001' });
      const client = (await h.aClient(usd)).id;
      await h.subscribe({ clients_id: client, packages_id: pkg.id });
      setNow('2027-06-21T00:00:00Z');
      expect(await engine.runOnce()).toMatchObject({ due: 1, booked: 0, failed: 0 });
    });

    it('a missing exchange rate leaves it pending with exchange-rate-not-found; a rate in effect only after the period start does not help; one in effect at it activates, at that rate', async () => {
      setNow('2027-07-01T00:00:00Z');
      const pkg = await h.aPackage(gbp, { period: 'P1M', activation_fee: '1', subscription_fee: '10' });
      const client = (await h.aClient(usd, { credit: '1000' })).id;
      const created = await h.subscribe({ clients_id: client, packages_id: pkg.id });
      expect(created).toMatchObject({ condition: 'new', status: 'pending', last_error: 'exchange-rate-not-found', periods_start_dt: null });
      await h.ok('accounting.currencies.rates.create', { currencies_id: gbp, to_currencies_id: usd, rate: '1.3', effective_from: '2027-07-01T00:00:30Z' });
      setNow('2027-07-01T00:01:00Z');
      expect(await engine.runOnce()).toMatchObject({ booked: 0, failed: 1 });
      expect(await h.getSubscription(created.id)).toMatchObject({ condition: 'new', last_error: 'exchange-rate-not-found' });
      await h.ok('accounting.currencies.rates.create', { currencies_id: gbp, to_currencies_id: usd, rate: '1.25', effective_from: '2027-06-01T00:00:00Z' });
      setNow('2027-07-01T00:02:00Z');
      expect(await engine.runOnce()).toMatchObject({ booked: 2, failed: 0 });
      expect(await h.getSubscription(created.id)).toMatchObject({ condition: 'activated', status: 'active', last_error: null });
      expect(await h.fees(created.id)).toEqual([
        ['charge', -1, -1.25, '2027-07-01T00:00:00+00:00', 'activation'],
        ['charge', -10, -12.5, '2027-07-01T00:00:00+00:00', 'period:0'],
      ]);
      expect(await h.ledger(client)).toEqual({ balance: '-13.75', sum: '-13.75' });
    });

    it('a package whose fees are 0 books no zero transaction, activates, renews, stops with no refund, and may be deleted', async () => {
      setNow('2027-07-10T00:00:00Z');
      const pkg = await h.aPackage(usd, { period: 'P1D', activation_fee: '0', subscription_fee: '0' });
      const client = (await h.aClient(usd)).id;
      const created = await h.subscribe({ clients_id: client, packages_id: pkg.id, start_dt: '2027-07-07T00:00:00Z' });
      expect(created).toMatchObject({ condition: 'activated', status: 'active', periods_start_dt: '2027-07-10T00:00:00+00:00', periods_stop_dt: '2027-07-11T00:00:00+00:00' });
      setNow('2027-07-11T06:00:00Z');
      expect(await engine.runOnce()).toMatchObject({ due: 1, booked: 0, failed: 0 });
      expect(await h.getSubscription(created.id)).toMatchObject({ periods_start_dt: '2027-07-11T00:00:00+00:00', status: 'active' });
      await h.ok('clients.subscriptions.stop', { id: created.id, at: 'now' });
      expect(await t.dataSource.query(`SELECT id FROM transactions WHERE clients_id = ${client}`)).toEqual([]);
      expect(await h.ok('clients.subscriptions.delete', { id: created.id })).toBe(1);
    });

    it('catch-up of more than 1,000 periods (PT1M, two days): 1,000 per run, in order, each period once, no gap', async () => {
      setNow('2027-08-03T00:00:00Z');
      const pkg = await h.aPackage(usd, { period: 'PT1M', activation_fee: '0.01', subscription_fee: '0.01' });
      const client = (await h.aClient(usd, { credit_unlimited: true })).id;
      const start = Date.parse('2027-08-01T00:00:00Z');
      const created = await h.subscribe({ clients_id: client, packages_id: pkg.id, start_dt: '2027-08-01T00:00:00Z' });
      // The create's own run: the activation and periods 0..999.
      expect(created).toMatchObject({ condition: 'activated', status: 'pending', periods_start_dt: rendered(new Date(start + 999 * MINUTE)) });
      expect((await h.feeRows(created.id)).length).toBe(1001);
      expect(await engine.runOnce()).toMatchObject({ due: 1, booked: 1000 });
      expect((await h.getSubscription(created.id)).periods_start_dt).toBe(rendered(new Date(start + 1999 * MINUTE)));
      // 2 days = 2,880 minutes: periods 0..2880, the last starting now.
      expect(await engine.runOnce()).toMatchObject({ due: 1, booked: 881 });
      expect(await engine.runOnce()).toMatchObject({ due: 0, booked: 0 });
      expect(await h.getSubscription(created.id)).toMatchObject({ status: 'active', periods_start_dt: '2027-08-03T00:00:00+00:00', periods_stop_dt: '2027-08-03T00:01:00+00:00' });
      const rows = await h.feeRows(created.id);
      expect(rows[0]).toEqual({ external_id: 'activation', dt: '2027-08-01T00:00:00.000Z', amount: '-0.01' });
      const periods = rows.slice(1);
      expect(periods.length).toBe(2881);
      const wrong = periods.filter((row, n) => row.external_id !== `period:${n}` || row.dt !== new Date(start + n * MINUTE).toISOString() || row.amount !== '-0.01');
      expect(wrong).toEqual([]);
      expect(await h.ledger(client)).toEqual({ balance: '-28.82', sum: '-28.82' });
    }, 60_000);
  });
  describe('isolation', () => {
    const notFound = (objectName: string, id: number) => ({ code: 'not_found', object_name: objectName, object_id: String(id) });

    it('a reseller-limited user reaches no other tree’s subscriptions, packages or fees by any method; the engine’s fees and refunds carry the client’s reseller', async () => {
      setNow('2027-09-01T00:00:00Z');
      const A = (await aReseller(t)).id;
      const A1 = (await aReseller(t, { parent_id: A })).id;
      const B = (await aReseller(t)).id;
      const key = (await aUser(t, { resellers_id: A })).api_key;
      // Another tree's package, client and activated subscription with its fees.
      const pkgB = await h.aPackage(usd, { resellers_id: B, period: 'P1M', activation_fee: '1', subscription_fee: '10' });
      const clientB = (await h.aClient(usd, { resellers_id: B, credit: '100' })).id;
      const subB = await h.subscribe({ clients_id: clientB, packages_id: pkgB.id });
      const feesB = await h.ok('accounting.transactions.search', { subscriptions_id: [subB.id], order: 'id' });
      expect(feesB.map((fee: any) => fee.resellers_id)).toEqual([B, B]);
      // The user's own: a package of A, a client of A1, subscribed by the user.
      const pkgA = await h.aPackage(usd, { period: 'P1M', activation_fee: '1', subscription_fee: '10' }, key);
      expect(pkgA.resellers_id).toBe(A);
      const clientA1 = (await h.aClient(usd, { resellers_id: A1, credit: '100' }, key)).id;
      const subA = await h.subscribe({ clients_id: clientA1, packages_id: pkgA.id }, key);
      expect(subA).toMatchObject({ resellers_id: A1, condition: 'activated' });

      const refused = async (method: string, params: Record<string, unknown>, expected: object) =>
        expect([method, (await h.errorOf(method, params, key))?.data]).toEqual([method, expected]);
      const empty = async (method: string, params: Record<string, unknown>) => expect([method, params, await h.ok(method, params, key)]).toEqual([method, params, []]);
      const subscriptionB = notFound('clients.subscriptions', subB.id);
      await refused('clients.subscriptions.get', { id: subB.id }, subscriptionB);
      await refused('clients.subscriptions.update', { id: subB.id, quantity: 5 }, subscriptionB);
      await refused('clients.subscriptions.update', { id: subB.id, stop_dt: '2027-09-01T00:00:00Z' }, subscriptionB);
      await refused('clients.subscriptions.stop', { id: subB.id, at: 'now' }, subscriptionB);
      await refused('clients.subscriptions.stop', { id: subB.id }, subscriptionB);
      await refused('clients.subscriptions.delete', { id: subB.id }, subscriptionB);
      for (const [verb, path, body] of [
        ['GET', `/clients/subscriptions/${subB.id}`],
        ['PATCH', `/clients/subscriptions/${subB.id}`, { quantity: 5 }],
        ['POST', `/clients/subscriptions/${subB.id}/stop`, { at: 'now' }],
        ['DELETE', `/clients/subscriptions/${subB.id}`],
        ['GET', `/packages/${pkgB.id}`],
        ['PATCH', `/packages/${pkgB.id}`, { status: 'archive' }],
        ['DELETE', `/packages/${pkgB.id}`],
        ['GET', `/accounting/transactions/${feesB[0].id}`],
      ] as const) {
        const reply = await t.rest(verb, path, body as object | undefined, { key });
        expect([verb, path, reply.status]).toEqual([verb, path, 404]);
      }
      await empty('clients.subscriptions.search', { id: [subB.id] });
      await empty('clients.subscriptions.search', { clients_id: [clientB] });
      await empty('clients.subscriptions.search', { packages_id: [pkgB.id] });
      await empty('clients.subscriptions.search', { resellers_id: [B] });
      expect((await h.ok('clients.subscriptions.search', { status: ['active', 'pending', 'archive'], limit: 1000 }, key)).map((s: any) => s.id)).toEqual([subA.id]);
      await refused('packages.get', { id: pkgB.id }, notFound('packages', pkgB.id));
      await refused('packages.update', { id: pkgB.id, status: 'archive' }, notFound('packages', pkgB.id));
      await refused('packages.update', { id: pkgB.id, subscription_fee: '999' }, notFound('packages', pkgB.id));
      await refused('packages.delete', { id: pkgB.id }, notFound('packages', pkgB.id));
      await empty('packages.search', { id: [pkgB.id] });
      await empty('packages.search', { resellers_id: [B] });
      await empty('accounting.transactions.search', { subscriptions_id: [subB.id] });
      await empty('accounting.transactions.search', { clients_id: [clientB] });
      await refused('accounting.transactions.get', { id: feesB[0].id }, notFound('transactions', feesB[0].id));
      await refused('clients.subscriptions.create', { clients_id: clientB, packages_id: pkgA.id }, notFound('clients', clientB));
      await refused('clients.subscriptions.create', { clients_id: clientA1, packages_id: pkgB.id }, notFound('packages', pkgB.id));
      await refused('accounting.transactions.create', { clients_id: clientB, type: 'charge', amount: '-1', external_id: `other:${subB.id}:period:1` }, notFound('clients', clientB));
      // The engine's ids are refused to every caller, before anything is looked up.
      await refused('accounting.transactions.create', { clients_id: clientB, type: 'charge', amount: '-1', external_id: `subscription:${subB.id}:period:1` }, {
        external_id: 'must not begin with "subscription:": the billing engine\'s own fees carry such ids',
      });
      await refused('packages.update', { id: pkgA.id, resellers_id: B }, notFound('resellers', B));
      // A batch asking for both: the user's own, and not found for the other (nothing says it exists).
      const batch = await t.rpcRaw(
        [
          { jsonrpc: '2.0', id: 1, method: 'clients.subscriptions.get', params: { id: subA.id } },
          { jsonrpc: '2.0', id: 2, method: 'clients.subscriptions.get', params: { id: subB.id } },
        ],
        { key },
      );
      const byId = new Map(batch.body.map((answer: any) => [answer.id, answer]));
      expect((byId.get(1) as any).result.id).toBe(subA.id);
      expect((byId.get(2) as any).error).toEqual({ code: -32004, message: `not_found: clients.subscriptions #${subB.id} not found`, data: subscriptionB });

      // The other tree's subscription is as it was, and renews as before.
      expect(await h.getSubscription(subB.id)).toMatchObject({ quantity: 1, stop_dt: null, condition: 'activated', status: 'active' });
      expect(await h.ok('packages.get', { id: pkgB.id })).toMatchObject({ status: 'active', subscription_fee: 10 });
      // The user's fees, the engine's renewal and the user's stop now: all on the client's reseller.
      setNow('2027-10-01T00:00:00Z');
      await engine.runOnce();
      setNow('2027-10-16T12:00:00Z');
      await h.ok('clients.subscriptions.stop', { id: subA.id, at: 'now' }, key);
      const own = await h.ok('accounting.transactions.search', { subscriptions_id: [subA.id], order: 'id' }, key);
      expect(own.map((fee: any) => [fee.type, fee.external_id.replace(`subscription:${subA.id}:`, ''), fee.resellers_id, fee.amount])).toEqual([
        ['charge', 'activation', A1, -1],
        ['charge', 'period:0', A1, -10],
        ['charge', 'period:1', A1, -10],
        ['credit_note', 'refund:1', A1, 5],
      ]);
      const renewedB = await h.ok('accounting.transactions.search', { subscriptions_id: [subB.id], order: 'id' });
      expect(renewedB.map((fee: any) => [fee.external_id.replace(`subscription:${subB.id}:`, ''), fee.resellers_id])).toEqual([
        ['activation', B],
        ['period:0', B],
        ['period:1', B],
      ]);
    });

    it('DEFECT: a caller cannot pre-empt the engine’s fees by booking its external ids first: the activation and the first period are still charged, with subscriptions_id', async () => {
      setNow('2027-11-01T00:00:00Z');
      const R = (await aReseller(t)).id;
      const key = (await aUser(t, { resellers_id: R })).api_key;
      const pkg = await h.aPackage(usd, { period: 'P1M', activation_fee: '5', subscription_fee: '20' }, key);
      const client = (await h.aClient(usd, {}, key)).id;
      await h.pay(client, '100', key);
      const sub = await h.subscribe({ clients_id: client, packages_id: pkg.id, start_dt: '2027-11-01T01:00:00Z' }, key);
      // The subscription's id is known: a cent booked under each of its fees' external ids (refusing them would do too).
      await t.rpc('accounting.transactions.create', { clients_id: client, type: 'payment', amount: '0.01', external_id: `subscription:${sub.id}:activation` }, { key });
      await t.rpc('accounting.transactions.create', { clients_id: client, type: 'charge', amount: '-0.01', external_id: `subscription:${sub.id}:period:0` }, { key });
      setNow('2027-11-01T01:00:00Z');
      await engine.runOnce();
      expect(await h.getSubscription(sub.id)).toMatchObject({ condition: 'activated', status: 'active' });
      expect(await h.fees(sub.id)).toEqual([
        ['charge', -5, -5, '2027-11-01T01:00:00+00:00', 'activation'],
        ['charge', -20, -20, '2027-11-01T01:00:00+00:00', 'period:0'],
      ]);
      expect(await h.ledger(client)).toEqual({ balance: '75', sum: '75' });
    });
  });

  describe('hostile environment', () => {
    it('DEFECT: a catch-up run after downtime stalls the API for its whole batch: on SQLite the event loop is blocked (nothing answers, not even /health/live); on PostgreSQL a payment on a client of the batch waits past the lock timeout and gets 503', async () => {
      setNow('2027-12-01T00:00:00Z');
      const pkg = await h.aPackage(usd, { period: 'PT1M', subscription_fee: '0.01' });
      // 1,000 periods each to catch up: enough for the batch to outlast the 5 s lock timeout.
      const count = DATABASE_KIND === 'postgres' ? 3 : 14;
      const clients: number[] = [];
      for (const _ of range(count)) {
        const client = (await h.aClient(usd, { credit_unlimited: true })).id;
        clients.push(client);
        await h.subscribe({ clients_id: client, packages_id: pkg.id });
      }
      // Two days of downtime, then the engine's first run; 300 ms into it, a payment and a liveness check.
      setNow('2027-12-03T00:00:00Z');
      const run = engine.runOnce();
      const due = Date.now() + 300;
      await new Promise((resolve) => setTimeout(resolve, 300));
      const timed = async (reply: Promise<{ status: number; body: any }>) => {
        const { status, body } = await reply;
        return { status, code: body?.error?.data?.code, waitedMs: Date.now() - due };
      };
      const [payment, live] = await Promise.all([
        timed(t.rest('POST', '/accounting/transactions', { clients_id: clients[0], type: 'payment', amount: '1' })),
        timed(t.rest('GET', '/health/live')),
      ]);
      expect(await run).toMatchObject({ due: count, booked: 1000 * count });
      // A payment waits at most the lock timeout (5 s) for the client's row, and succeeds; liveness answers within a probe's usual 1 s.
      expect({
        payment: [payment.status, payment.code, payment.waitedMs < 5000],
        live: [live.status, live.waitedMs < 1000],
      }).toEqual({ payment: [200, undefined, true], live: [200, true] });
    }, 60_000);
  });
});

describe('review: periods across DST in the system zone (DEFAULT_TIMEZONE=America/New_York)', () => {
  let t: TestApp;
  let now: Date;
  let h: ReturnType<typeof helpers>;
  let usd: number;
  const setNow = (iso: string) => (now = new Date(iso));

  beforeAll(async () => {
    t = await startTestApp({ BILLING_TICK_SECONDS: '0', DEFAULT_TIMEZONE: 'America/New_York' });
    setNow('2026-01-01T00:00:00Z');
    jest.spyOn(t.app.get(Clock), 'now').mockImplementation(() => new Date(now));
    h = helpers(t);
    usd = (await h.ok('accounting.currencies.create', { name: 'USD' })).id;
  });
  afterAll(() => t.close());

  const periodStarts = async (id: number) => (await h.fees(id)).filter((fee) => fee[0] === 'charge').map((fee) => fee[3]);

  it('a daily package keeps its local hour across the March switch; a local time the switch skips moves forward by the gap; an hourly one counts elapsed hours', async () => {
    const daily = await h.aPackage(usd, { period: 'P1D', subscription_fee: '10' });
    const hourly = await h.aPackage(usd, { period: 'PT1H', subscription_fee: '1' });
    const client = (await h.aClient(usd, { credit: '1000' })).id;
    setNow('2026-03-10T14:00:00Z');
    // Inputs without an offset are read in the system zone (the administrator has none of their own).
    const tenAm = await h.subscribe({ clients_id: client, packages_id: daily.id, start_dt: '2026-03-06 10:00:00' });
    expect(await periodStarts(tenAm.id)).toEqual([
      '2026-03-06T10:00:00-05:00',
      '2026-03-07T10:00:00-05:00',
      '2026-03-08T10:00:00-04:00',
      '2026-03-09T10:00:00-04:00',
      '2026-03-10T10:00:00-04:00',
    ]);
    expect(tenAm).toMatchObject({ periods_start_dt: '2026-03-10T10:00:00-04:00', periods_stop_dt: '2026-03-11T10:00:00-04:00', status: 'active' });
    const halfPastTwo = await h.subscribe({ clients_id: client, packages_id: daily.id, start_dt: '2026-03-07 02:30:00' });
    expect(await periodStarts(halfPastTwo.id)).toEqual(['2026-03-07T02:30:00-05:00', '2026-03-08T03:30:00-04:00', '2026-03-09T02:30:00-04:00', '2026-03-10T02:30:00-04:00']);
    setNow('2026-03-08T08:30:00Z');
    const everyHour = await h.subscribe({ clients_id: client, packages_id: hourly.id, start_dt: '2026-03-08 00:30:00' });
    expect(await periodStarts(everyHour.id)).toEqual(['2026-03-08T00:30:00-05:00', '2026-03-08T01:30:00-05:00', '2026-03-08T03:30:00-04:00', '2026-03-08T04:30:00-04:00']);
  });

  it('the November overlap: a 01:30 daily period starts at the first 01:30; a monthly one from 31 January keeps 10:00 local through the switch', async () => {
    const daily = await h.aPackage(usd, { period: 'P1D', subscription_fee: '10' });
    const monthly = await h.aPackage(usd, { period: 'P1M', subscription_fee: '10' });
    const client = (await h.aClient(usd, { credit: '1000' })).id;
    setNow('2026-11-02T06:30:00Z');
    const early = await h.subscribe({ clients_id: client, packages_id: daily.id, start_dt: '2026-10-31 01:30:00' });
    expect(await periodStarts(early.id)).toEqual(['2026-10-31T01:30:00-04:00', '2026-11-01T01:30:00-04:00', '2026-11-02T01:30:00-05:00']);
    expect(early.periods_stop_dt).toBe('2026-11-03T01:30:00-05:00');
    setNow('2026-04-30T14:00:00Z');
    const month = await h.subscribe({ clients_id: client, packages_id: monthly.id, start_dt: '2026-01-31 10:00:00' });
    expect(await periodStarts(month.id)).toEqual(['2026-01-31T10:00:00-05:00', '2026-02-28T10:00:00-05:00', '2026-03-31T10:00:00-04:00', '2026-04-30T10:00:00-04:00']);
    expect(month.periods_stop_dt).toBe('2026-05-31T10:00:00-04:00');
  });

  it('a refund prorates over the real length of a 23-hour and a 25-hour day', async () => {
    const daily = await h.aPackage(usd, { period: 'P1D', subscription_fee: '10' });
    const client = (await h.aClient(usd, { credit: '1000' })).id;
    // 7 March 10:00 EST to 8 March 10:00 EDT: 23 hours; stopped 11.5 hours in.
    setNow('2026-03-07T15:00:00Z');
    const short = await h.subscribe({ clients_id: client, packages_id: daily.id });
    setNow('2026-03-08T02:30:00Z');
    await h.ok('clients.subscriptions.stop', { id: short.id, at: 'now' });
    // 1 November 01:30 EDT to 2 November 01:30 EST: 25 hours; stopped 12.5 hours in.
    setNow('2026-11-01T05:30:00Z');
    const long = await h.subscribe({ clients_id: client, packages_id: daily.id });
    setNow('2026-11-01T18:00:00Z');
    await h.ok('clients.subscriptions.stop', { id: long.id, at: 'now' });
    expect((await h.fees(short.id)).map((fee) => [fee[0], fee[1], fee[3]])).toEqual([
      ['charge', -10, '2026-03-07T10:00:00-05:00'],
      ['credit_note', 5, '2026-03-07T21:30:00-05:00'],
    ]);
    expect((await h.fees(long.id)).map((fee) => [fee[0], fee[1], fee[3]])).toEqual([
      ['charge', -10, '2026-11-01T01:30:00-04:00'],
      ['credit_note', 5, '2026-11-01T13:00:00-05:00'],
    ]);
    expect(await h.ledger(client)).toEqual({ balance: '-10', sum: '-10' });
  });
});
