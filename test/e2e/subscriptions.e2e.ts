import { SubscriptionRunner } from '../../src/modules/billing/subscriptions/subscription-runner';
import { aClient, aCurrency, aPackage, aReseller, aSubscription, aTransaction, aUser, FAR_FUTURE } from '../support/factories';
import { DATABASE_KIND, startTestApp, TestApp } from '../support/test-app';

type Verb = 'GET' | 'POST' | 'PATCH' | 'DELETE';
const RPC_CODE: Record<number, number> = { 400: -32602, 404: -32004, 422: -32000 };

const invalid = (data: Record<string, string>) => ({ message: 'Invalid params', data });
const coded = (code: string, message: string) => ({ message: `${code}: ${message}`, data: { code, message } });
const notFound = (objectName: string, id: number) => ({
  message: `not_found: ${objectName} #${id} not found`,
  data: { code: 'not_found', object_name: objectName, object_id: String(id) },
});

/** A datetime as the database takes it in raw SQL: UTC text with milliseconds on SQLite, ISO 8601 on PostgreSQL. */
const sqlTime = (at: Date) => (DATABASE_KIND === 'postgres' ? at.toISOString() : at.toISOString().replace('T', ' ').replace('Z', ''));
/** A datetime as the API renders it in UTC: to the second. */
const rendered = (at: Date) => `${at.toISOString().slice(0, 19)}+00:00`;
const DAY = 86_400_000;

describe('clients.subscriptions', () => {
  let t: TestApp;
  let usd: number;
  /** An active package of no reseller: every client may have it. */
  let pkg: number;

  beforeAll(async () => {
    t = await startTestApp();
    usd = (await aCurrency(t, 'USD')).id;
    pkg = (await aPackage(t, { currencies_id: usd, activation_fee: '5', subscription_fee: '20' })).id;
  });
  afterAll(() => t.close());

  /** The same call refused alike over REST and JSON-RPC: the exact envelope of each (SPEC §2). */
  async function refusedAlike(rest: [Verb, string, object?], rpc: [string, object], status: number, error: object, key?: string): Promise<void> {
    const [verb, path, body] = rest;
    const overRest = await t.rest(verb, path, body, { key });
    expect([overRest.status, overRest.body]).toEqual([status, { error }]);
    const overRpc = await t.rpc(rpc[0], rpc[1], { id: 7, key });
    expect([overRpc.status, overRpc.body]).toEqual([200, { jsonrpc: '2.0', id: 7, error: { code: RPC_CODE[status], ...error } }]);
  }

  /** Writes what the billing engine would have (it is not on this branch). */
  async function engineState(id: number, state: { condition: string; periods_start_dt?: Date; periods_stop_dt?: Date; stop_dt?: Date }) {
    const set = [`condition = '${state.condition}'`];
    for (const column of ['periods_start_dt', 'periods_stop_dt', 'stop_dt'] as const) {
      if (state[column]) set.push(`${column} = '${sqlTime(state[column]!)}'`);
    }
    await t.dataSource.query(`UPDATE subscriptions SET ${set.join(', ')} WHERE id = ${id}`);
  }

  it('creates a subscription with the client’s reseller, and gets it the same over both protocols', async () => {
    const reseller = await aReseller(t);
    const client = await aClient(t, { currencies_id: usd, resellers_id: reseller.id });
    const created = await t.rest('POST', '/clients/subscriptions', {
      clients_id: client.id,
      packages_id: pkg,
      quantity: 3,
      start_dt: '2099-03-01 10:00:00',
      stop_dt: '2099-06-01T10:00:00Z',
    });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({
      id: created.body.id,
      clients_id: client.id,
      packages_id: pkg,
      resellers_id: reseller.id,
      quantity: 3,
      start_dt: '2099-03-01T10:00:00+00:00',
      stop_dt: '2099-06-01T10:00:00+00:00',
      condition: 'new',
      status: 'pending',
      periods_start_dt: null,
      periods_stop_dt: null,
      last_error: null,
      c_dt: created.body.c_dt,
    });
    expect((await t.rpc('clients.subscriptions.get', { id: created.body.id })).body.result).toEqual(created.body);
    expect((await t.rest('GET', `/api/clients/subscriptions/${created.body.id}`)).body).toEqual(created.body);
    // The engine's bookkeeping is the engine's: set for its first run, never shown.
    const [row] = await t.dataSource.query(`SELECT next_period, due_dt, start_dt FROM subscriptions WHERE id = ${created.body.id}`);
    expect([Number(row.next_period), new Date(row.due_dt).getTime() === new Date(row.start_dt).getTime()]).toEqual([0, true]);
  });

  it('creates with defaults: quantity 1, no stop, starting now', async () => {
    const client = await aClient(t, { currencies_id: usd });
    const before = Date.now();
    const res = await t.rpc('clients.subscriptions.create', { clients_id: client.id, packages_id: pkg });
    const after = Date.now();
    expect(res.body.result).toMatchObject({ clients_id: client.id, packages_id: pkg, resellers_id: null, quantity: 1, stop_dt: null });
    // Rendered to the second.
    expect(Date.parse(res.body.result.start_dt)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(res.body.result.start_dt)).toBeLessThanOrEqual(after);
  });

  it('reads and renders start_dt in the effective time zone (__tz)', async () => {
    const client = await aClient(t, { currencies_id: usd });
    const created = await t.rest('POST', '/clients/subscriptions?__tz=America/New_York', { clients_id: client.id, packages_id: pkg, start_dt: '2099-01-15 09:30:00' });
    expect(created.body.start_dt).toBe('2099-01-15T09:30:00-05:00');
    const id = created.body.id;
    expect((await t.rest('GET', `/clients/subscriptions/${id}`)).body.start_dt).toBe('2099-01-15T14:30:00+00:00');
    expect((await t.rpc('clients.subscriptions.get', { id, __tz: 'Asia/Kolkata' })).body.result.start_dt).toBe('2099-01-15T20:00:00+05:30');
    expect((await t.rest('GET', `/clients/subscriptions?id=${id}&__tz=America/New_York`)).body[0].start_dt).toBe('2099-01-15T09:30:00-05:00');
    const inRpc = await t.rpc('clients.subscriptions.create', { clients_id: client.id, packages_id: pkg, start_dt: '2099-07-15 09:30:00', __tz: 'America/New_York' });
    expect(inRpc.body.result.start_dt).toBe('2099-07-15T09:30:00-04:00');
    expect((await t.rest('GET', `/clients/subscriptions/${inRpc.body.result.id}`)).body.start_dt).toBe('2099-07-15T13:30:00+00:00');
  });

  it('refuses bad input with the field’s problem', async () => {
    const client = await aClient(t, { currencies_id: usd });
    const params = (extra: object) => ({ clients_id: client.id, packages_id: pkg, start_dt: '2099-01-01 00:00:00', ...extra });
    const refused = (extra: object, data: Record<string, string>) =>
      refusedAlike(['POST', '/clients/subscriptions', params(extra)], ['clients.subscriptions.create', params(extra)], 400, invalid(data));
    await refused({ quantity: 0 }, { quantity: 'must not be less than 1' });
    await refused({ quantity: 1.5 }, { quantity: 'must be an integer' });
    await refused({ quantity: 1_000_001 }, { quantity: 'must not be greater than 1000000' });
    await refused({ stop_dt: '2098-12-31 23:59:59' }, { stop_dt: 'must be after start_dt' });
    await refused({ stop_dt: '2099-01-01T00:00:00Z' }, { stop_dt: 'must be after start_dt' });
    await refused({ start_dt: 'soon' }, { start_dt: 'must be a datetime such as 2026-11-25 09:30:00 or 2026-11-25T09:30:00-05:00' });
    await refused({ status: 'active', condition: 'activated', resellers_id: 1 }, { status: 'is not allowed', condition: 'is not allowed', resellers_id: 'is not allowed' });
    await refused({ next_period: 5, due_dt: '2099-01-01' }, { next_period: 'is not allowed', due_dt: 'is not allowed' });
    const noPackage = { clients_id: client.id };
    await refusedAlike(['POST', '/clients/subscriptions', noPackage], ['clients.subscriptions.create', noPackage], 400, invalid({ packages_id: 'is required' }));
    // Missing client first, then missing package.
    const nobody = { clients_id: 999999, packages_id: 999999 };
    await refusedAlike(['POST', '/clients/subscriptions', nobody], ['clients.subscriptions.create', nobody], 404, notFound('clients', 999999));
    const nothing = { clients_id: client.id, packages_id: 999999 };
    await refusedAlike(['POST', '/clients/subscriptions', nothing], ['clients.subscriptions.create', nothing], 404, notFound('packages', 999999));
    await refusedAlike(['GET', '/clients/subscriptions/999999'], ['clients.subscriptions.get', { id: 999999 }], 404, notFound('clients.subscriptions', 999999));
    expect((await t.rpc('clients.subscriptions.search', { clients_id: [client.id] })).body.result).toEqual([]);
  });

  describe('packages-not-available', () => {
    // A: a reseller with a child A1 and a sibling S; a user limited to A; a client of A1.
    let A: number;
    let A1: number;
    let S: number;
    let onA: string;
    let clientOfA1: number;
    let clientOfA: number;

    beforeAll(async () => {
      A = (await aReseller(t)).id;
      A1 = (await aReseller(t, { parent_id: A })).id;
      S = (await aReseller(t)).id;
      onA = (await aUser(t, { resellers_id: A })).api_key;
      clientOfA1 = (await aClient(t, { currencies_id: usd, resellers_id: A1 })).id;
      clientOfA = (await aClient(t, { currencies_id: usd, resellers_id: A })).id;
    });

    const subscribe = (clients_id: number, packages_id: number) => ({ clients_id, packages_id, start_dt: FAR_FUTURE });
    const notAvailable = (packages_id: number, why: string) => coded('packages-not-available', `package #${packages_id} ${why}`);

    it('refuses a disabled and an archived package', async () => {
      const client = await aClient(t, { currencies_id: usd });
      const disabled = await aPackage(t, { currencies_id: usd, status: 'disabled' });
      const archived = await aPackage(t, { currencies_id: usd, status: 'archive' });
      const disabledParams = subscribe(client.id, disabled.id);
      await refusedAlike(
        ['POST', '/clients/subscriptions', disabledParams],
        ['clients.subscriptions.create', disabledParams],
        422,
        notAvailable(disabled.id, 'is disabled and takes no new subscriptions'),
      );
      const archivedParams = subscribe(client.id, archived.id);
      await refusedAlike(
        ['POST', '/clients/subscriptions', archivedParams],
        ['clients.subscriptions.create', archivedParams],
        422,
        notAvailable(archived.id, 'is archived and takes no new subscriptions'),
      );
      // Back to active, it is available again.
      await t.rpc('packages.update', { id: disabled.id, status: 'active' });
      expect((await t.rpc('clients.subscriptions.create', disabledParams)).body.result.packages_id).toBe(disabled.id);
    });

    it('offers a package of the client’s reseller or one of its ancestors, within the caller’s reach', async () => {
      const ofA = await aPackage(t, { currencies_id: usd, resellers_id: A });
      const ofA1 = await aPackage(t, { currencies_id: usd, resellers_id: A1 });
      const ofS = await aPackage(t, { currencies_id: usd, resellers_id: S });
      const ofNone = await aPackage(t, { currencies_id: usd });

      // The limited user sees their child's client, and subscribes it to their own package and to its reseller's.
      expect((await t.rpc('clients.get', { id: clientOfA1 }, { key: onA })).body.result.id).toBe(clientOfA1);
      const fromAncestor = await t.rpc('clients.subscriptions.create', subscribe(clientOfA1, ofA.id), { key: onA });
      expect(fromAncestor.body.result).toMatchObject({ clients_id: clientOfA1, packages_id: ofA.id, resellers_id: A1 });
      const fromOwn = await t.rest('POST', '/clients/subscriptions', subscribe(clientOfA1, ofA1.id), { key: onA });
      expect(fromOwn.body).toMatchObject({ clients_id: clientOfA1, packages_id: ofA1.id, resellers_id: A1 });

      // The sibling's package: beyond the limited user's reach, and not offered to A1 (the administrator reaches it).
      const sibling = subscribe(clientOfA1, ofS.id);
      await refusedAlike(['POST', '/clients/subscriptions', sibling], ['clients.subscriptions.create', sibling], 404, notFound('packages', ofS.id), onA);
      await refusedAlike(
        ['POST', '/clients/subscriptions', sibling],
        ['clients.subscriptions.create', sibling],
        422,
        notAvailable(ofS.id, `is not offered to the reseller of client #${clientOfA1}`),
      );

      // A descendant's package is not offered to its ancestor's client.
      const descendant = subscribe(clientOfA, ofA1.id);
      await refusedAlike(
        ['POST', '/clients/subscriptions', descendant],
        ['clients.subscriptions.create', descendant],
        422,
        notAvailable(ofA1.id, `is not offered to the reseller of client #${clientOfA}`),
        onA,
      );

      // A package of no reseller serves every client; like any package of none, only an unlimited caller reaches it.
      expect((await t.rpc('clients.subscriptions.create', subscribe(clientOfA1, ofNone.id))).body.result.packages_id).toBe(ofNone.id);
      const unreached = subscribe(clientOfA1, ofNone.id);
      await refusedAlike(['POST', '/clients/subscriptions', unreached], ['clients.subscriptions.create', unreached], 404, notFound('packages', ofNone.id), onA);

      // A client of no reseller may have only packages of none.
      const systemClient = await aClient(t, { currencies_id: usd });
      const ofResellerForNone = subscribe(systemClient.id, ofA.id);
      await refusedAlike(
        ['POST', '/clients/subscriptions', ofResellerForNone],
        ['clients.subscriptions.create', ofResellerForNone],
        422,
        notAvailable(ofA.id, `is not offered to the reseller of client #${systemClient.id}`),
      );
    });

    it('finds no client beyond the caller’s reach', async () => {
      const foreign = await aClient(t, { currencies_id: usd, resellers_id: S });
      const params = subscribe(foreign.id, pkg);
      await refusedAlike(['POST', '/clients/subscriptions', params], ['clients.subscriptions.create', params], 404, notFound('clients', foreign.id), onA);
    });
  });

  describe('update', () => {
    it('changes quantity and stop_dt, the fields sent, and runs the engine for the subscription', async () => {
      const client = await aClient(t, { currencies_id: usd });
      const subscription = await aSubscription(t, { clients_id: client.id, packages_id: pkg, start_dt: '2099-01-01 00:00:00', stop_dt: '2099-12-31 00:00:00' });
      const runFor = jest.spyOn(t.app.get(SubscriptionRunner), 'runFor');
      expect((await t.rest('PATCH', `/clients/subscriptions/${subscription.id}`, { quantity: 4 })).body).toBe(1);
      expect(runFor.mock.calls).toEqual([[[subscription.id]]]);
      runFor.mockRestore();
      expect((await t.rpc('clients.subscriptions.get', { id: subscription.id })).body.result).toMatchObject({ quantity: 4, stop_dt: '2099-12-31T00:00:00+00:00' });
      expect((await t.rpc('clients.subscriptions.update', { id: subscription.id, stop_dt: '2099-02-01 00:00:00' })).body).toEqual({ jsonrpc: '2.0', id: 1, result: 1 });
      expect((await t.rest('GET', `/clients/subscriptions/${subscription.id}`)).body).toMatchObject({ quantity: 4, stop_dt: '2099-02-01T00:00:00+00:00' });
      // stop_dt may be start_dt itself (it then never runs), and null clears it.
      expect((await t.rpc('clients.subscriptions.update', { id: subscription.id, stop_dt: '2099-01-01 00:00:00' })).body.result).toBe(1);
      expect((await t.rpc('clients.subscriptions.update', { id: subscription.id, stop_dt: null })).body.result).toBe(1);
      expect((await t.rest('GET', `/clients/subscriptions/${subscription.id}`)).body).toMatchObject({ quantity: 4, stop_dt: null });
    });

    it('refuses a stop before the start, another field, and clearing the stop of a deactivated subscription', async () => {
      const client = await aClient(t, { currencies_id: usd });
      const subscription = await aSubscription(t, { clients_id: client.id, packages_id: pkg, start_dt: '2099-01-01 00:00:00' });
      const { id } = subscription;
      const refused = (body: object, status: number, error: object) =>
        refusedAlike(['PATCH', `/clients/subscriptions/${id}`, body], ['clients.subscriptions.update', { id, ...body }], status, error);
      await refused({ stop_dt: '2098-12-31 23:59:59.999' }, 400, invalid({ stop_dt: 'must not be before start_dt' }));
      await refused({ quantity: 0 }, 400, invalid({ quantity: 'must not be less than 1' }));
      await refused({ start_dt: '2099-02-01', packages_id: pkg, clients_id: client.id }, 400, invalid({ start_dt: 'is not allowed', packages_id: 'is not allowed', clients_id: 'is not allowed' }));
      await engineState(id, { condition: 'deactivated', stop_dt: new Date('2099-06-01T00:00:00Z') });
      await refused({ stop_dt: null }, 422, coded('subscriptions-deactivated', `subscription #${id} is deactivated: its stop_dt cannot be cleared`));
      expect((await t.rpc('clients.subscriptions.update', { id, quantity: 2, stop_dt: '2099-05-01 00:00:00' })).body.result).toBe(1);
      expect((await t.rpc('clients.subscriptions.get', { id })).body.result).toMatchObject({ quantity: 2, stop_dt: '2099-05-01T00:00:00+00:00', status: 'archive' });
      await refusedAlike(['PATCH', '/clients/subscriptions/999999', { quantity: 2 }], ['clients.subscriptions.update', { id: 999999, quantity: 2 }], 404, notFound('clients.subscriptions', 999999));
    });
  });

  describe('delete, and what subscriptions hold', () => {
    it('deletes a subscription no fee was booked for; refuses one charged with subscriptions-charged', async () => {
      const client = await aClient(t, { currencies_id: usd });
      const free = await aSubscription(t, { clients_id: client.id, packages_id: pkg });
      expect((await t.rest('DELETE', `/clients/subscriptions/${free.id}`)).body).toBe(1);
      await refusedAlike(['DELETE', `/clients/subscriptions/${free.id}`], ['clients.subscriptions.delete', { id: free.id }], 404, notFound('clients.subscriptions', free.id));

      const charged = await aSubscription(t, { clients_id: client.id, packages_id: pkg });
      const fee = await aTransaction(t, { clients_id: client.id, type: 'charge', amount: '-20' });
      const manual = await aTransaction(t, { clients_id: client.id, amount: '50' });
      await t.dataSource.query(`UPDATE transactions SET subscriptions_id = ${charged.id} WHERE id = ${fee.id}`);
      await refusedAlike(
        ['DELETE', `/clients/subscriptions/${charged.id}`],
        ['clients.subscriptions.delete', { id: charged.id }],
        422,
        coded('subscriptions-charged', `subscription #${charged.id} has fees booked and cannot be deleted: stop it instead`),
      );
      // Transactions show their subscription and are found by it.
      expect((await t.rpc('accounting.transactions.get', { id: fee.id })).body.result.subscriptions_id).toBe(charged.id);
      expect((await t.rest('GET', `/accounting/transactions/${manual.id}`)).body.subscriptions_id).toBeNull();
      const byRest = await t.rest('GET', `/accounting/transactions?subscriptions_id=${charged.id}`);
      expect(byRest.body.map((found: { id: number }) => found.id)).toEqual([fee.id]);
      const byRpc = await t.rpc('accounting.transactions.search', { clients_id: [client.id], subscriptions_id: [charged.id, 999999] });
      expect(byRpc.body.result.map((found: { id: number }) => found.id)).toEqual([fee.id]);
      expect((await t.rpc('accounting.transactions.search', { clients_id: [client.id] })).body.result.map((found: { subscriptions_id: number | null }) => found.subscriptions_id)).toEqual([
        charged.id,
        null,
      ]);
    });

    it('keeps a client with subscriptions from being deleted or moved to another reseller (clients-has-subscriptions)', async () => {
      const reseller = await aReseller(t);
      const client = await aClient(t, { currencies_id: usd });
      const subscription = await aSubscription(t, { clients_id: client.id, packages_id: pkg });
      await refusedAlike(
        ['DELETE', `/clients/${client.id}`],
        ['clients.delete', { id: client.id }],
        422,
        coded('clients-has-subscriptions', `client #${client.id} has subscriptions and cannot be deleted`),
      );
      await refusedAlike(
        ['PATCH', `/clients/${client.id}`, { resellers_id: reseller.id }],
        ['clients.update', { id: client.id, resellers_id: reseller.id }],
        422,
        coded('clients-has-subscriptions', `client #${client.id} has subscriptions: it cannot move to another reseller`),
      );
      expect((await t.rpc('clients.subscriptions.delete', { id: subscription.id })).body.result).toBe(1);
      expect((await t.rpc('clients.update', { id: client.id, resellers_id: reseller.id })).body.result).toBe(1);
      expect((await t.rpc('clients.delete', { id: client.id })).body.result).toBe(1);
    });
  });

  describe('status, computed', () => {
    let client: number;
    let ids: Record<'waiting' | 'running' | 'unpaid' | 'deactivated' | 'stopped', number>;

    beforeAll(async () => {
      client = (await aClient(t, { currencies_id: usd })).id;
      const subscribe = async (start_dt: string) => (await aSubscription(t, { clients_id: client, packages_id: pkg, start_dt })).id;
      ids = {
        waiting: await subscribe('2099-05-01 00:00:00'),
        running: await subscribe('2099-04-01 00:00:00'),
        unpaid: await subscribe('2099-03-01 00:00:00'),
        deactivated: await subscribe('2099-02-01 00:00:00'),
        stopped: await subscribe('2099-01-01 00:00:00'),
      };
      const now = Date.now();
      await engineState(ids.running, { condition: 'activated', periods_start_dt: new Date(now - 10 * DAY), periods_stop_dt: new Date(now + 20 * DAY) });
      await engineState(ids.unpaid, { condition: 'activated', periods_start_dt: new Date(now - 40 * DAY), periods_stop_dt: new Date(now - 10 * DAY) });
      await engineState(ids.deactivated, { condition: 'deactivated', periods_start_dt: new Date(now - 70 * DAY), periods_stop_dt: new Date(now - 40 * DAY) });
      await engineState(ids.stopped, { condition: 'new', stop_dt: new Date(now - DAY) });
    });

    const listed = async (query: string) => {
      const res = await t.rest('GET', `/clients/subscriptions?clients_id=${client}&${query}`);
      expect(res.status).toBe(200);
      const names = Object.fromEntries(Object.entries(ids).map(([name, id]) => [id, name]));
      return res.body.map((found: { id: number; status: string }) => `${names[found.id]}:${found.status}`);
    };

    it('is computed from the condition, the current period and stop_dt at each answer', async () => {
      expect(await listed('')).toEqual(['waiting:pending', 'running:active', 'unpaid:pending', 'deactivated:archive', 'stopped:archive']);
      const running = (await t.rpc('clients.subscriptions.get', { id: ids.running })).body.result;
      expect(running).toMatchObject({ condition: 'activated', status: 'active', periods_start_dt: expect.stringMatching(/\+00:00$/), periods_stop_dt: expect.stringMatching(/\+00:00$/) });
      // The period ends: the same subscription is pending without a write of its own.
      await engineState(ids.running, { condition: 'activated', periods_stop_dt: new Date(Date.now() - 1000) });
      expect((await t.rpc('clients.subscriptions.get', { id: ids.running })).body.result.status).toBe('pending');
      await engineState(ids.running, { condition: 'activated', periods_stop_dt: new Date(Date.now() + 20 * DAY) });
    });

    it('filters by status and by condition', async () => {
      expect(await listed('status=active')).toEqual(['running:active']);
      expect(await listed('status=pending')).toEqual(['waiting:pending', 'unpaid:pending']);
      expect(await listed('status=archive&status=active')).toEqual(['running:active', 'deactivated:archive', 'stopped:archive']);
      expect(await listed('condition=activated,deactivated')).toEqual(['running:active', 'unpaid:pending', 'deactivated:archive']);
      expect(await listed('condition=new&status=archive')).toEqual(['stopped:archive']);
      const rpc = await t.rpc('clients.subscriptions.search', { clients_id: [client], status: ['archive'], order: ['-id'] });
      expect(rpc.body.result.map((found: { id: number }) => found.id)).toEqual([ids.stopped, ids.deactivated]);
      expect((await t.rpc('clients.subscriptions.search', { clients_id: [client], status: [] })).body.result).toEqual([]);
      const bad = await t.rpc('clients.subscriptions.search', { status: ['gone'] });
      expect(bad.body.error.data).toEqual({ status: 'must be a list of: active, pending, archive' });
    });

    it('orders by status, start_dt, periods_start_dt and id, and filters by package and reseller', async () => {
      expect(await listed('order=status')).toEqual(['running:active', 'deactivated:archive', 'stopped:archive', 'waiting:pending', 'unpaid:pending']);
      expect(await listed('order=-status,-id')).toEqual(['unpaid:pending', 'waiting:pending', 'stopped:archive', 'deactivated:archive', 'running:active']);
      expect(await listed('order=start_dt')).toEqual(['stopped:archive', 'deactivated:archive', 'unpaid:pending', 'running:active', 'waiting:pending']);
      expect(await listed('order=-periods_start_dt&condition=activated&condition=deactivated')).toEqual(['running:active', 'unpaid:pending', 'deactivated:archive']);
      expect(await listed('order=-id&limit=2&offset=1')).toEqual(['deactivated:archive', 'unpaid:pending']);
      expect(await listed(`packages_id=${pkg}&resellers_id=999`)).toEqual([]);
      const bad = await t.rest('GET', '/clients/subscriptions?order=quantity');
      expect([bad.status, bad.body.error.data]).toEqual([400, { order: 'cannot order by "quantity"; allowed: id, start_dt, periods_start_dt, status' }]);
    });
  });

  it('answers its REST routes under /clients/subscriptions, not as /clients/:id, and leaves those of clients alone', async () => {
    const client = await aClient(t, { currencies_id: usd });
    const created = await t.rest('POST', '/clients/subscriptions', { clients_id: client.id, packages_id: pkg, start_dt: FAR_FUTURE });
    expect([created.status, created.body.clients_id]).toEqual([200, client.id]);
    const { id } = created.body;
    for (const prefix of ['', '/api']) {
      const search = await t.rest('GET', `${prefix}/clients/subscriptions?clients_id=${client.id}`);
      expect([search.status, search.body.map((found: { id: number }) => found.id)]).toEqual([200, [id]]);
      expect((await t.rest('GET', `${prefix}/clients/subscriptions/${id}`)).body.id).toBe(id);
      expect((await t.rest('PATCH', `${prefix}/clients/subscriptions/${id}`, { quantity: 2 })).body).toBe(1);
      expect((await t.rest('GET', `${prefix}/clients/${client.id}`)).body.id).toBe(client.id);
    }
    expect((await t.rest('DELETE', `/clients/subscriptions/${id}`)).body).toBe(1);
    expect((await t.rest('POST', `/clients/${client.id}/archive`)).body).toBe(1);
    expect((await t.rest('DELETE', `/clients/${client.id}`)).body).toBe(1);
    // A client id that is no number is still the clients' route refusing it.
    const notAnId = await t.rest('GET', '/clients/subscription');
    expect([notAnId.status, notAnId.body.error.data]).toEqual([400, { id: 'must be an integer' }]);
  });
});
