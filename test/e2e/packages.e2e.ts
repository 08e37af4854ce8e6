import { parsePeriod, periodStart } from '../../src/modules/billing/periods';
import { SubscriptionRunner } from '../../src/modules/billing/subscriptions/subscription-runner';
import { aClient, aCurrency, aPackage, aReseller, aSubscription, aUser } from '../support/factories';
import { DATABASE_KIND, startTestApp, TestApp } from '../support/test-app';

type Verb = 'GET' | 'POST' | 'PATCH' | 'DELETE';
const RPC_CODE: Record<number, number> = { 400: -32602, 404: -32004, 422: -32000 };

const PERIOD_PROBLEM = 'must be an ISO 8601 duration of at least one minute, such as P1M, P1W, P1D or PT1H';
const RENEW_DUE_PROBLEM = 'must be an ISO 8601 duration, such as P7D or PT12H, or null';
const invalid = (data: Record<string, string>) => ({ message: 'Invalid params', data });
const coded = (code: string, message: string) => ({ message: `${code}: ${message}`, data: { code, message } });
const notFound = (objectName: string, id: number) => ({
  message: `not_found: ${objectName} #${id} not found`,
  data: { code: 'not_found', object_name: objectName, object_id: String(id) },
});

/** A datetime as the database takes it in raw SQL: UTC text with milliseconds on SQLite, ISO 8601 on PostgreSQL. */
const sqlTime = (at: Date) => (DATABASE_KIND === 'postgres' ? at.toISOString() : at.toISOString().replace('T', ' ').replace('Z', ''));

describe('packages', () => {
  let t: TestApp;
  let usd: number;
  let eur: number;

  beforeAll(async () => {
    t = await startTestApp();
    usd = (await aCurrency(t, 'USD')).id;
    eur = (await aCurrency(t, 'EUR')).id;
  });
  afterAll(() => t.close());

  /** The same call refused alike over REST and JSON-RPC: the exact envelope of each (SPEC §2). */
  async function refusedAlike(rest: [Verb, string, object?], rpc: [string, object], status: number, error: object): Promise<void> {
    const [verb, path, body] = rest;
    const overRest = await t.rest(verb, path, body);
    expect([overRest.status, overRest.body]).toEqual([status, { error }]);
    const overRpc = await t.rpc(rpc[0], rpc[1], { id: 7 });
    expect([overRpc.status, overRpc.body]).toEqual([200, { jsonrpc: '2.0', id: 7, error: { code: RPC_CODE[status], ...error } }]);
  }

  it('creates with every field, exact decimals kept, and gets it the same over both protocols', async () => {
    const reseller = await aReseller(t);
    const created = await t.rest('POST', '/packages', {
      name: 'Hosting S',
      resellers_id: reseller.id,
      currencies_id: usd,
      period: 'P1M',
      activation_fee: '123456789012.12345678',
      subscription_fee: 0.1,
      renew_due: 'P7D',
      status: 'disabled',
      description: 'A small VM',
    });
    expect(created.status).toBe(200);
    expect(created.text).toContain('"activation_fee":123456789012.12345678');
    expect(created.body).toEqual({
      id: created.body.id,
      name: 'Hosting S',
      resellers_id: reseller.id,
      currencies_id: usd,
      period: 'P1M',
      activation_fee: 123456789012.12345678,
      subscription_fee: 0.1,
      renew_due: 'P7D',
      status: 'disabled',
      description: 'A small VM',
      c_dt: created.body.c_dt,
    });
    expect(created.body.c_dt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    expect((await t.rpc('packages.get', { id: created.body.id })).body.result).toEqual(created.body);
    expect((await t.rest('GET', `/api/packages/${created.body.id}`)).body).toEqual(created.body);
  });

  it('creates with defaults: no fees, no renew_due, active, of no reseller', async () => {
    const res = await t.rpc('packages.create', { name: 'Bare', currencies_id: eur, period: 'PT1H' });
    expect(res.body.result).toEqual({
      id: res.body.result.id,
      name: 'Bare',
      resellers_id: null,
      currencies_id: eur,
      period: 'PT1H',
      activation_fee: 0,
      subscription_fee: 0,
      renew_due: null,
      status: 'active',
      description: null,
      c_dt: res.body.result.c_dt,
    });
  });

  it('takes every ISO 8601 duration of at least one minute as a period, and any duration as renew_due', async () => {
    for (const period of ['P1M', 'P1W', 'P1D', 'PT1H', 'P3M', 'P1Y', 'PT1M', 'PT60S', 'P1Y2M3W4DT5H6M7S', 'PT0H1M']) {
      const res = await t.rpc('packages.create', { name: period, currencies_id: usd, period });
      expect({ period, stored: res.body.error ?? res.body.result.period }).toEqual({ period, stored: period });
    }
    for (const renew_due of ['P0D', 'PT30S', 'P7D', 'PT12H', null]) {
      const res = await t.rpc('packages.create', { name: 'Renewing', currencies_id: usd, period: 'P1M', renew_due });
      expect({ renew_due, stored: res.body.error ?? res.body.result.renew_due }).toEqual({ renew_due, stored: renew_due });
    }
  });

  it('refuses a period that is no duration or shorter than a minute, and a renew_due that is no duration', async () => {
    for (const period of ['P', 'PT30S', 'PT59S', 'P0D', 'PT', '1M', 'P1.5M', 'P-1D', 'p1m', 'P1MT', 'PT1M ', 'P1H', 'PT1D']) {
      const body = { name: 'Bad period', currencies_id: usd, period };
      await refusedAlike(['POST', '/packages', body], ['packages.create', body], 400, invalid({ period: PERIOD_PROBLEM }));
    }
    for (const renew_due of ['P', 'T1H', 'P1', 'PT', '7 days']) {
      const body = { name: 'Bad renew_due', currencies_id: usd, period: 'P1M', renew_due };
      await refusedAlike(['POST', '/packages', body], ['packages.create', body], 400, invalid({ renew_due: RENEW_DUE_PROBLEM }));
    }
    const both = { name: 'Both', currencies_id: usd, period: 'PT30S', renew_due: 'P' };
    await refusedAlike(['POST', '/packages', both], ['packages.create', both], 400, invalid({ period: PERIOD_PROBLEM, renew_due: RENEW_DUE_PROBLEM }));
    const empty = { name: 'Empty', currencies_id: usd, period: '' };
    await refusedAlike(['POST', '/packages', empty], ['packages.create', empty], 400, invalid({ period: 'must not be empty' }));
    const pkg = await aPackage(t, { currencies_id: usd });
    await refusedAlike(['PATCH', `/packages/${pkg.id}`, { period: 'PT30S' }], ['packages.update', { id: pkg.id, period: 'PT30S' }], 400, invalid({ period: PERIOD_PROBLEM }));
    await refusedAlike(['PATCH', `/packages/${pkg.id}`, { renew_due: 'P' }], ['packages.update', { id: pkg.id, renew_due: 'P' }], 400, invalid({ renew_due: RENEW_DUE_PROBLEM }));
  });

  it('refuses bad fields field by field', async () => {
    const tooLong = { name: 'x'.repeat(129), currencies_id: usd, period: 'P1M', activation_fee: -1, subscription_fee: '1.123456789', status: 'gone' };
    await refusedAlike(
      ['POST', '/packages', tooLong],
      ['packages.create', tooLong],
      400,
      invalid({
        name: 'must be at most 128 characters long',
        activation_fee: 'must be at least 0',
        subscription_fee: 'must have at most 8 decimal places',
        status: 'must be one of: active, disabled, archive',
      }),
    );
    const negative = { name: 'Negative', currencies_id: usd, period: 'P1M', subscription_fee: '-0.01' };
    await refusedAlike(['POST', '/packages', negative], ['packages.create', negative], 400, invalid({ subscription_fee: 'must be at least 0' }));
    await refusedAlike(['POST', '/packages', { currencies_id: usd }], ['packages.create', { currencies_id: usd }], 400, invalid({ name: 'is required', period: 'is required' }));
    const unnamed = { name: '', currencies_id: usd, period: 'P1M' };
    await refusedAlike(['POST', '/packages', unnamed], ['packages.create', unnamed], 400, invalid({ name: 'must not be empty' }));
    expect((await t.rpc('packages.create', { name: 'x'.repeat(128), currencies_id: usd, period: 'P1M' })).body.result.name).toHaveLength(128);
    const unknownCurrency = { name: 'Nowhere', currencies_id: 999, period: 'P1M' };
    await refusedAlike(['POST', '/packages', unknownCurrency], ['packages.create', unknownCurrency], 404, notFound('currencies', 999));
    const pkg = await aPackage(t, { currencies_id: usd });
    await refusedAlike(['PATCH', `/packages/${pkg.id}`, { currencies_id: 999 }], ['packages.update', { id: pkg.id, currencies_id: 999 }], 404, notFound('currencies', 999));
    await refusedAlike(['PATCH', `/packages/${pkg.id}`, { c_dt: '2026-01-01' }], ['packages.update', { id: pkg.id, c_dt: '2026-01-01' }], 400, invalid({ c_dt: 'is not allowed' }));
    await refusedAlike(['GET', '/packages/999999'], ['packages.get', { id: 999999 }], 404, notFound('packages', 999999));
  });

  it('updates only the fields sent', async () => {
    const pkg = await aPackage(t, { currencies_id: usd, description: 'keep me', renew_due: 'P3D' });
    const update = await t.rest('PATCH', `/packages/${pkg.id}`, { name: 'Renamed', subscription_fee: '19.99', currencies_id: eur, period: 'P1W' });
    expect([update.status, update.body]).toEqual([200, 1]);
    expect((await t.rpc('packages.update', { id: pkg.id, renew_due: null, status: 'disabled' })).body).toEqual({ jsonrpc: '2.0', id: 1, result: 1 });
    expect((await t.rest('GET', `/packages/${pkg.id}`)).body).toEqual({
      id: pkg.id,
      name: 'Renamed',
      resellers_id: null,
      currencies_id: eur,
      period: 'P1W',
      activation_fee: 0,
      subscription_fee: 19.99,
      renew_due: null,
      status: 'disabled',
      description: 'keep me',
      c_dt: expect.any(String),
    });
    await refusedAlike(['PATCH', '/packages/999999', { name: 'x' }], ['packages.update', { id: 999999, name: 'x' }], 404, notFound('packages', 999999));
  });

  it('deletes a package no subscription uses; refuses one in use with packages-in-use', async () => {
    const free = await aPackage(t, { currencies_id: usd });
    expect((await t.rest('DELETE', `/packages/${free.id}`)).body).toBe(1);
    await refusedAlike(['DELETE', `/packages/${free.id}`], ['packages.delete', { id: free.id }], 404, notFound('packages', free.id));

    const used = await aPackage(t, { currencies_id: usd });
    const client = await aClient(t, { currencies_id: usd });
    const subscription = await aSubscription(t, { clients_id: client.id, packages_id: used.id });
    const inUse = (consequence: string) => coded('packages-in-use', `package #${used.id} has subscriptions${consequence}`);
    await refusedAlike(['DELETE', `/packages/${used.id}`], ['packages.delete', { id: used.id }], 422, inUse(' and cannot be deleted'));
    // Periods are counted by the package's period, and its subscriptions' clients are beneath its reseller.
    await refusedAlike(['PATCH', `/packages/${used.id}`, { period: 'P1D' }], ['packages.update', { id: used.id, period: 'P1D' }], 422, inUse(': its period cannot change'));
    const reseller = await aReseller(t);
    await refusedAlike(
      ['PATCH', `/packages/${used.id}`, { resellers_id: reseller.id }],
      ['packages.update', { id: used.id, resellers_id: reseller.id }],
      422,
      inUse(': it cannot move to another reseller'),
    );
    // The same period, and everything else, may change.
    expect((await t.rpc('packages.update', { id: used.id, period: 'P1M', subscription_fee: '12', currencies_id: eur })).body.result).toBe(1);

    expect((await t.rpc('clients.subscriptions.delete', { id: subscription.id })).body.result).toBe(1);
    expect((await t.rpc('packages.delete', { id: used.id })).body.result).toBe(1);
  });

  it('keeps its currency and its active reseller in use', async () => {
    const gbp = await aCurrency(t, 'GBP');
    const reseller = await aReseller(t);
    const pkg = await aPackage(t, { currencies_id: gbp.id, resellers_id: reseller.id });
    await refusedAlike(
      ['DELETE', `/accounting/currencies/${gbp.id}`],
      ['accounting.currencies.delete', { id: gbp.id }],
      422,
      coded('currencies-in-use', `currency #${gbp.id} is used by other records and cannot be deleted`),
    );
    await refusedAlike(
      ['DELETE', `/iam/resellers/${reseller.id}`],
      ['iam.resellers.delete', { id: reseller.id }],
      422,
      coded('resellers-in-use', `reseller #${reseller.id} still has active packages and cannot be deleted`),
    );
    // As with clients, only an active package holds its reseller.
    await t.rpc('packages.update', { id: pkg.id, status: 'disabled' });
    expect((await t.rpc('iam.resellers.delete', { id: reseller.id })).body.result).toBe(1);
    expect((await t.rpc('packages.delete', { id: pkg.id })).body.result).toBe(1);
    expect((await t.rpc('accounting.currencies.delete', { id: gbp.id })).body.result).toBe(1);
  });

  it('places packages like clients: in the caller’s reseller by default, never outside their tree', async () => {
    const mine = await aReseller(t);
    const child = await aReseller(t, { parent_id: mine.id });
    const other = await aReseller(t);
    const user = await aUser(t, { resellers_id: mine.id });
    const atHome = await t.rpc('packages.create', { name: 'Home', currencies_id: usd, period: 'P1M' }, { key: user.api_key });
    expect(atHome.body.result.resellers_id).toBe(mine.id);
    const below = await t.rest('POST', '/packages', { name: 'Below', currencies_id: usd, period: 'P1M', resellers_id: child.id }, { key: user.api_key });
    expect(below.body.resellers_id).toBe(child.id);
    const outside = await t.rpc('packages.create', { name: 'Outside', currencies_id: usd, period: 'P1M', resellers_id: other.id }, { key: user.api_key });
    expect(outside.body.error.data).toEqual(notFound('resellers', other.id).data);
    const unlimited = await t.rpc('packages.update', { id: atHome.body.result.id, resellers_id: null }, { key: user.api_key });
    expect(unlimited.body.error.data).toEqual({ code: 'resellers-limit-escalation', message: 'a reseller-limited user cannot make packages unlimited' });
    const system = await aPackage(t, { currencies_id: usd });
    expect((await t.rpc('packages.get', { id: system.id }, { key: user.api_key })).body.error.data).toEqual(notFound('packages', system.id).data);
  });

  describe('search', () => {
    let ids: Record<string, number>;

    beforeAll(async () => {
      await t.dataSource.query('DELETE FROM subscriptions');
      await t.dataSource.query('DELETE FROM packages');
      const reseller = await aReseller(t);
      ids = {
        reseller: reseller.id,
        alpha: (await aPackage(t, { name: 'Alpha Hosting', currencies_id: usd })).id,
        beta: (await aPackage(t, { name: 'Beta Mail', currencies_id: eur, status: 'disabled', resellers_id: reseller.id })).id,
        gamma: (await aPackage(t, { name: 'Gamma Hosting', currencies_id: usd, status: 'archive' })).id,
      };
      const created = (id: number, at: string) => t.dataSource.query(`UPDATE packages SET c_dt = '${sqlTime(new Date(at))}' WHERE id = ${id}`);
      await created(ids.alpha, '2026-03-01T10:00:00Z');
      await created(ids.beta, '2026-01-01T10:00:00Z');
      await created(ids.gamma, '2026-02-01T10:00:00Z');
    });

    const names = (reply: { body: any }) => (reply.body.result ?? reply.body).map((found: { name: string }) => found.name);

    it('filters by status, reseller, currency, id and quick search on the name', async () => {
      expect(names(await t.rest('GET', '/packages?status=active&status=archive'))).toEqual(['Alpha Hosting', 'Gamma Hosting']);
      expect(names(await t.rpc('packages.search', { status: ['disabled'] }))).toEqual(['Beta Mail']);
      expect(names(await t.rpc('packages.search', { resellers_id: [ids.reseller] }))).toEqual(['Beta Mail']);
      expect(names(await t.rest('GET', `/packages?currencies_id=${usd}`))).toEqual(['Alpha Hosting', 'Gamma Hosting']);
      expect(names(await t.rest('GET', '/packages?q=HOSTING'))).toEqual(['Alpha Hosting', 'Gamma Hosting']);
      expect(names(await t.rpc('packages.search', { q: 'b*mail' }))).toEqual(['Beta Mail']);
      expect(names(await t.rest('GET', `/packages?id=${ids.gamma},${ids.beta}`))).toEqual(['Beta Mail', 'Gamma Hosting']);
    });

    it('orders by id, name, status and c_dt, and pages', async () => {
      expect(names(await t.rest('GET', '/packages?order=-name'))).toEqual(['Gamma Hosting', 'Beta Mail', 'Alpha Hosting']);
      expect(names(await t.rpc('packages.search', { order: ['status', '-id'] }))).toEqual(['Alpha Hosting', 'Gamma Hosting', 'Beta Mail']);
      expect(names(await t.rest('GET', '/packages?order=c_dt'))).toEqual(['Beta Mail', 'Gamma Hosting', 'Alpha Hosting']);
      expect(names(await t.rest('GET', '/packages?order=-id&limit=1&offset=1'))).toEqual(['Beta Mail']);
      const bad = await t.rest('GET', '/packages?order=period');
      expect([bad.status, bad.body.error.data]).toEqual([400, { order: 'cannot order by "period"; allowed: id, name, status, c_dt' }]);
      const unknown = await t.rpc('packages.search', { period: 'P1M' });
      expect(unknown.body.error.data).toEqual({ period: 'is not allowed' });
    });
  });

  describe('archive', () => {
    const DAY = 86_400_000;

    it('stops each running subscription at the end of its current period, or now if never activated, through the engine', async () => {
      const pkg = await aPackage(t, { currencies_id: usd, period: 'P1M' });
      const other = await aPackage(t, { currencies_id: usd });
      const client = await aClient(t, { currencies_id: usd, credit_unlimited: true });
      const subscribe = (fields: Record<string, unknown> = {}) => aSubscription(t, { clients_id: client.id, packages_id: pkg.id, ...fields });
      // Started ten days ago (to the second): activated at once, the current period ends a month after the start.
      const start = new Date(Math.floor(Date.now() / 1000) * 1000 - 10 * DAY);
      const periodEnd = periodStart(start, parsePeriod('P1M')!, 1, 'UTC');
      const earlier = new Date(Math.floor(Date.now() / 1000) * 1000 + 5 * DAY);

      const neverActivated = await subscribe();
      const running = await subscribe({ start_dt: start.toISOString() });
      const stoppingLater = await subscribe({ start_dt: start.toISOString(), stop_dt: new Date(Date.now() + 90 * DAY).toISOString() });
      const stoppingEarlier = await subscribe({ start_dt: start.toISOString(), stop_dt: earlier.toISOString() });
      const deactivated = await subscribe({ start_dt: start.toISOString() });
      await t.rpc('clients.subscriptions.stop', { id: deactivated.id, at: 'now' });
      const ofAnother = await subscribe({ packages_id: other.id });

      const runner = t.app.get(SubscriptionRunner);
      const stop = jest.spyOn(runner, 'stop');
      const before = Date.now();
      expect((await t.rest('PATCH', `/packages/${pkg.id}`, { status: 'archive' })).body).toBe(1);
      const after = Date.now();
      expect(stop.mock.calls).toEqual([neverActivated.id, running.id, stoppingLater.id, stoppingEarlier.id].map((id) => [id, 'period_end']));
      stop.mockRestore();

      const read = async (id: number) => (await t.rpc('clients.subscriptions.get', { id })).body.result;
      const stopped = await read(neverActivated.id);
      expect(Date.parse(stopped.stop_dt)).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(stopped.stop_dt)).toBeLessThanOrEqual(after);
      expect([stopped.status, stopped.condition]).toEqual(['archive', 'deactivated']);
      const iso = (at: Date) => `${at.toISOString().slice(0, 19)}+00:00`;
      expect(await read(running.id)).toMatchObject({ stop_dt: iso(periodEnd), status: 'active', condition: 'activated' });
      expect(await read(stoppingLater.id)).toMatchObject({ stop_dt: iso(periodEnd), status: 'active' });
      expect(await read(stoppingEarlier.id)).toMatchObject({ stop_dt: iso(earlier), status: 'active' });
      expect(await read(deactivated.id)).toMatchObject({ condition: 'deactivated', status: 'archive' });
      expect(await read(ofAnother.id)).toMatchObject({ stop_dt: null, status: 'pending' });

      // Only the change to archive stops anything: saving archive again, or another field, does not.
      const again = jest.spyOn(runner, 'stop');
      expect((await t.rpc('packages.update', { id: pkg.id, status: 'archive', description: 'gone' })).body.result).toBe(1);
      expect(again).not.toHaveBeenCalled();
      again.mockRestore();
    });

    it('stops the subscriptions of clients the archiving user no longer reaches, its package being theirs', async () => {
      const top = await aReseller(t);
      const branch = await aReseller(t, { parent_id: top.id });
      const elsewhere = await aReseller(t);
      const user = await aUser(t, { resellers_id: top.id });
      const pkg = await aPackage(t, { currencies_id: usd }, user.api_key);
      const client = await aClient(t, { currencies_id: usd, resellers_id: branch.id });
      const subscription = await aSubscription(t, { clients_id: client.id, packages_id: pkg.id }, user.api_key);
      // The branch moves out of the user's tree, its client and subscription with it.
      expect((await t.rpc('iam.resellers.update', { id: branch.id, parent_id: elsewhere.id })).body.result).toBe(1);
      expect((await t.rpc('packages.update', { id: pkg.id, status: 'archive' }, { key: user.api_key })).body.result).toBe(1);
      expect((await t.rpc('clients.subscriptions.get', { id: subscription.id })).body.result.status).toBe('archive');
    });
  });
});
