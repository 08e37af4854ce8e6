import { MethodRegistry, RegisteredMethod } from '../../src/platform/api/method-registry';
import { call, Outcome, PROTOCOLS } from '../support/calls';
import { aClient, aCurrency, aPackage, aReseller, aSubscription, aTransaction, aUser, FAR_FUTURE } from '../support/factories';
import { ADMIN_KEY, startTestApp, TestApp } from '../support/test-app';

/**
 * The isolation matrix (SPEC §5): an unlimited admin, a user on reseller R, one on R's child R1 and
 * one on R's sibling S, against objects placed in R, R1 and S, over both protocols. Every
 * registered method has one line below; a method added without a line fails the first test.
 */

type Place = 'R' | 'R1' | 'S';
type Actor = 'admin' | 'onR' | 'onR1' | 'onS';
type Params = Record<string, unknown>;

const PLACES: Place[] = ['R', 'R1', 'S'];
const ACTORS: Actor[] = ['admin', 'onR', 'onR1', 'onS'];
const REACH: Record<Actor, Place[]> = { admin: ['R', 'R1', 'S'], onR: ['R', 'R1'], onR1: ['R1'], onS: ['S'] };

interface World {
  t: TestApp;
  reseller: Record<Place, number>;
  keys: Record<Actor, string>;
  /** The reseller an actor's own creations land in. */
  home: Record<Actor, number | null>;
  currency: number;
}

type Line =
  /** Callable without credentials; nothing to isolate. */
  | { kind: 'public' }
  /** Acts on the caller alone. */
  | { kind: 'self'; params: () => Params }
  /** Not reseller-limited (SPEC §5): every caller reaches every object; reads answer every caller the same. */
  | { kind: 'unscoped'; params: (w: World) => Promise<Params>; read?: true }
  /** Creates an object in a place: reachable places only; without one, it lands in the caller's home. */
  | { kind: 'create'; params: (w: World, place: Place | null) => Params; placedIn: (result: any) => number | null }
  /** Lists objects: exactly those in reach. `seed` makes one object in a place and answers its id. */
  | { kind: 'search'; seed: (w: World, place: Place) => Promise<number> }
  /** Creates something on a related object in a place (a booking on a client): reachable places only. */
  | { kind: 'related'; objectName: string; seed: (w: World, place: Place) => Promise<number>; params: (id: number) => Params }
  /** Acts on one object by id (read, update, delete, actions): reachable places only, others look missing. */
  | { kind: 'target'; objectName: string; seed: (w: World, place: Place) => Promise<number>; params: (id: number) => Params };

const aLeafReseller = async (w: World, place: Place) => (await aReseller(w.t, { parent_id: w.reseller[place] })).id;
const aUserIn = async (w: World, place: Place) => (await aUser(w.t, { resellers_id: w.reseller[place] })).id;
const aClientIn = async (w: World, place: Place) =>
  (await aClient(w.t, { currencies_id: w.currency, resellers_id: w.reseller[place] })).id;
const aTransactionIn = async (w: World, place: Place) =>
  (await aTransaction(w.t, { clients_id: await aClientIn(w, place), amount: '5' })).id;
const aPackageIn = async (w: World, place: Place) => (await aPackage(w.t, { currencies_id: w.currency, resellers_id: w.reseller[place] })).id;
/** The package a client seeded below may subscribe to: one of its own reseller (the only kind every caller who reaches the client reaches too). */
const packageOfClient = new Map<number, number>();
const aClientWithPackageIn = async (w: World, place: Place) => {
  const client = await aClientIn(w, place);
  packageOfClient.set(client, await aPackageIn(w, place));
  return client;
};
const aSubscriptionIn = async (w: World, place: Place) => {
  const client = await aClientWithPackageIn(w, place);
  return (await aSubscription(w.t, { clients_id: client, packages_id: packageOfClient.get(client)! })).id;
};
/** A client with a charge in November 2026 to invoice. */
const aClientOwingIn = async (w: World, place: Place) => {
  const client = await aClientIn(w, place);
  await aTransaction(w.t, { clients_id: client, type: 'charge', amount: '-5', dt: '2026-11-05T00:00:00Z' });
  return client;
};
const NOVEMBER = { start_dt: '2026-11-01', end_dt: '2026-12-01' };
/** An invoice of a client in the place: each the latest of its year when made (what delete needs). */
const anInvoiceIn = async (w: World, place: Place) => {
  const reply = await w.t.rpc('accounting.invoices.create', { clients_id: await aClientOwingIn(w, place), ...NOVEMBER });
  if (reply.body.error) throw new Error(`anInvoiceIn: ${JSON.stringify(reply.body.error)}`);
  return reply.body.result.id as number;
};
const aRate = async (w: World) =>
  (await w.t.rpc('accounting.currencies.rates.create', { currencies_id: w.currency, to_currencies_id: (await aCurrency(w.t, currencyCode())).id, rate: '2' }))
    .body.result.id as number;
let sequence = 0;
const fresh = (prefix: string) => `${prefix}${++sequence}`;
const letter = (n: number) => String.fromCharCode(65 + (n % 26));
const currencyCode = () => `Q${letter(Math.floor(++sequence / 26))}${letter(sequence)}`;

const MATRIX: Record<string, Line> = {
  'rpc.discover': { kind: 'public' },
  'iam.auth.jwt.authenticate': { kind: 'public' },
  'iam.auth.jwt.refresh': { kind: 'self', params: () => ({}) },

  'accounting.currencies.create': { kind: 'unscoped', params: async () => ({ name: currencyCode() }) },
  'accounting.currencies.search': { kind: 'unscoped', params: async () => ({ limit: 1000 }), read: true },
  'accounting.currencies.get': {
    kind: 'unscoped',
    params: async (w) => ({ id: (await aCurrency(w.t, currencyCode())).id }),
    read: true,
  },
  'accounting.currencies.update': {
    kind: 'unscoped',
    params: async (w) => ({ id: (await aCurrency(w.t, currencyCode())).id, description: 'changed' }),
  },
  'accounting.currencies.delete': { kind: 'unscoped', params: async (w) => ({ id: (await aCurrency(w.t, currencyCode())).id }) },
  'accounting.currencies.get_rate': { kind: 'unscoped', params: async (w) => ({ currencies_id: w.currency, to_currencies_id: w.currency }), read: true },
  'accounting.currencies.rates.create': {
    kind: 'unscoped',
    params: async (w) => ({ currencies_id: w.currency, to_currencies_id: (await aCurrency(w.t, currencyCode())).id, rate: '1.5' }),
  },
  'accounting.currencies.rates.search': { kind: 'unscoped', params: async () => ({ limit: 1000 }), read: true },
  'accounting.currencies.rates.get': { kind: 'unscoped', params: async (w) => ({ id: await aRate(w) }), read: true },
  'accounting.currencies.rates.delete': { kind: 'unscoped', params: async (w) => ({ id: await aRate(w) }) },

  'accounting.transactions.create': {
    kind: 'related',
    objectName: 'clients',
    seed: aClientIn,
    params: (id) => ({ clients_id: id, type: 'payment', amount: '10' }),
  },
  'accounting.transactions.create_no_negative': {
    kind: 'related',
    objectName: 'clients',
    seed: aClientIn,
    params: (id) => ({ clients_id: id, type: 'payment', amount: '10' }),
  },
  'accounting.transactions.search': { kind: 'search', seed: aTransactionIn },
  'accounting.transactions.get': { kind: 'target', objectName: 'transactions', seed: aTransactionIn, params: (id) => ({ id }) },

  'accounting.invoices.create': {
    kind: 'related',
    objectName: 'clients',
    seed: aClientOwingIn,
    params: (id) => ({ clients_id: id, ...NOVEMBER }),
  },
  'accounting.invoices.generate': {
    kind: 'related',
    objectName: 'clients',
    seed: aClientOwingIn,
    params: (id) => ({ clients_id: [id], ...NOVEMBER }),
  },
  'accounting.invoices.search': { kind: 'search', seed: anInvoiceIn },
  'accounting.invoices.get': { kind: 'target', objectName: 'accounting.invoices', seed: anInvoiceIn, params: (id) => ({ id }) },
  'accounting.invoices.update': { kind: 'target', objectName: 'accounting.invoices', seed: anInvoiceIn, params: (id) => ({ id, status: 'paid', notes: 'paid' }) },
  'accounting.invoices.void': { kind: 'target', objectName: 'accounting.invoices', seed: anInvoiceIn, params: (id) => ({ id }) },
  'accounting.invoices.delete': { kind: 'target', objectName: 'accounting.invoices', seed: anInvoiceIn, params: (id) => ({ id }) },
  'accounting.invoices.pdf': { kind: 'target', objectName: 'accounting.invoices', seed: anInvoiceIn, params: (id) => ({ id }) },

  'iam.resellers.create': {
    kind: 'create',
    params: (w, place) => ({ name: fresh('reseller'), ...(place && { parent_id: w.reseller[place] }) }),
    placedIn: (reseller) => reseller.parent_id,
  },
  'iam.resellers.search': { kind: 'search', seed: aLeafReseller },
  'iam.resellers.get': { kind: 'target', objectName: 'resellers', seed: aLeafReseller, params: (id) => ({ id }) },
  'iam.resellers.update': { kind: 'target', objectName: 'resellers', seed: aLeafReseller, params: (id) => ({ id, name: 'renamed' }) },
  'iam.resellers.delete': { kind: 'target', objectName: 'resellers', seed: aLeafReseller, params: (id) => ({ id }) },

  'iam.users.create': {
    kind: 'create',
    params: (w, place) => ({ login: fresh('login'), ...(place && { resellers_id: w.reseller[place] }) }),
    placedIn: (user) => user.resellers_id,
  },
  'iam.users.search': { kind: 'search', seed: aUserIn },
  'iam.users.get': { kind: 'target', objectName: 'users', seed: aUserIn, params: (id) => ({ id }) },
  'iam.users.update': { kind: 'target', objectName: 'users', seed: aUserIn, params: (id) => ({ id, name: 'renamed' }) },
  'iam.users.delete': { kind: 'target', objectName: 'users', seed: aUserIn, params: (id) => ({ id }) },
  'iam.users.regenerate_api_key': { kind: 'target', objectName: 'users', seed: aUserIn, params: (id) => ({ id }) },

  'clients.create': {
    kind: 'create',
    params: (w, place) => ({ name: fresh('client'), currencies_id: w.currency, ...(place && { resellers_id: w.reseller[place] }) }),
    placedIn: (client) => client.resellers_id,
  },
  'clients.search': { kind: 'search', seed: aClientIn },
  'clients.get': { kind: 'target', objectName: 'clients', seed: aClientIn, params: (id) => ({ id }) },
  'clients.update': { kind: 'target', objectName: 'clients', seed: aClientIn, params: (id) => ({ id, credit: '15.5' }) },
  'clients.delete': { kind: 'target', objectName: 'clients', seed: aClientIn, params: (id) => ({ id }) },
  'clients.archive': { kind: 'target', objectName: 'clients', seed: aClientIn, params: (id) => ({ id }) },

  'packages.create': {
    kind: 'create',
    params: (w, place) => ({ name: fresh('package'), currencies_id: w.currency, period: 'P1M', ...(place && { resellers_id: w.reseller[place] }) }),
    placedIn: (created) => created.resellers_id,
  },
  'packages.search': { kind: 'search', seed: aPackageIn },
  'packages.get': { kind: 'target', objectName: 'packages', seed: aPackageIn, params: (id) => ({ id }) },
  'packages.update': { kind: 'target', objectName: 'packages', seed: aPackageIn, params: (id) => ({ id, subscription_fee: '12.5' }) },
  'packages.delete': { kind: 'target', objectName: 'packages', seed: aPackageIn, params: (id) => ({ id }) },

  'clients.subscriptions.create': {
    kind: 'related',
    objectName: 'clients',
    seed: aClientWithPackageIn,
    // A missing client is not found before its package is looked at.
    params: (id) => ({ clients_id: id, packages_id: packageOfClient.get(id) ?? 1, start_dt: FAR_FUTURE }),
  },
  'clients.subscriptions.search': { kind: 'search', seed: aSubscriptionIn },
  'clients.subscriptions.get': { kind: 'target', objectName: 'clients.subscriptions', seed: aSubscriptionIn, params: (id) => ({ id }) },
  'clients.subscriptions.update': {
    kind: 'target',
    objectName: 'clients.subscriptions',
    seed: aSubscriptionIn,
    params: (id) => ({ id, quantity: 2, stop_dt: '2099-06-01 00:00:00' }),
  },
  'clients.subscriptions.delete': { kind: 'target', objectName: 'clients.subscriptions', seed: aSubscriptionIn, params: (id) => ({ id }) },
  'clients.subscriptions.stop': { kind: 'target', objectName: 'clients.subscriptions', seed: aSubscriptionIn, params: (id) => ({ id, at: 'now' }) },
};

const notFound = (objectName: string, id: number): Outcome => ({
  ok: false,
  status: 404,
  message: `not_found: ${objectName} #${id} not found`,
  data: { code: 'not_found', object_name: objectName, object_id: String(id) },
});

describe('reseller isolation matrix', () => {
  const w = {} as World;
  let methods: RegisteredMethod[];

  beforeAll(async () => {
    w.t = await startTestApp();
    methods = w.t.app.get(MethodRegistry).list();
    const R = (await aReseller(w.t, { name: 'R' })).id;
    const R1 = (await aReseller(w.t, { name: 'R1', parent_id: R })).id;
    const S = (await aReseller(w.t, { name: 'S' })).id;
    w.reseller = { R, R1, S };
    const onR = await aUser(w.t, { resellers_id: R });
    const onR1 = await aUser(w.t, { resellers_id: R1 });
    const onS = await aUser(w.t, { resellers_id: S });
    w.keys = { admin: ADMIN_KEY, onR: onR.api_key, onR1: onR1.api_key, onS: onS.api_key };
    w.home = { admin: null, onR: R, onR1: R1, onS: S };
    w.currency = (await aCurrency(w.t, 'USD')).id;
  });
  afterAll(() => w.t.close());

  it('has a line for every registered method', () => {
    expect(Object.keys(MATRIX).sort()).toEqual(methods.map((method) => method.options.rpc));
  });

  const method = (name: string) => methods.find((m) => m.options.rpc === name)!;
  const lines = Object.entries(MATRIX);

  describe.each(PROTOCOLS)('over %s', (protocol) => {
    it.each(lines.filter(([, line]) => line.kind === 'target' || line.kind === 'related'))('%s: reaches objects in reach, and finds no others', async (name, line) => {
      const { objectName, seed, params } = line as Extract<Line, { kind: 'target' | 'related' }>;
      for (const actor of ACTORS) {
        for (const place of PLACES) {
          const id = await seed(w, place);
          const outcome = await call(w.t, method(name), params(id), protocol, w.keys[actor]);
          if (REACH[actor].includes(place)) {
            expect({ actor, place, ok: outcome.ok }).toEqual({ actor, place, ok: true });
          } else {
            expect({ actor, place, outcome }).toEqual({ actor, place, outcome: notFound(objectName, id) });
          }
        }
      }
      // An id that exists nowhere answers exactly the same.
      const missing = await call(w.t, method(name), params(999999), protocol, w.keys.onR);
      expect(missing).toEqual(notFound(objectName, 999999));
    });

    it.each(lines.filter(([, line]) => line.kind === 'search'))('%s: lists exactly what is in reach', async (name, line) => {
      const { seed } = line as Extract<Line, { kind: 'search' }>;
      const seeded: Record<Place, number> = { R: await seed(w, 'R'), R1: await seed(w, 'R1'), S: await seed(w, 'S') };
      for (const actor of ACTORS) {
        const all = await call(w.t, method(name), { limit: 1000 }, protocol, w.keys[actor]);
        const ids = new Set((all as { result: { id: number }[] }).result.map((row) => row.id));
        for (const place of PLACES) {
          expect({ actor, place, listed: ids.has(seeded[place]) }).toEqual({ actor, place, listed: REACH[actor].includes(place) });
        }
        const asked = await call(w.t, method(name), { id: Object.values(seeded) }, protocol, w.keys[actor]);
        const listed = (asked as { result: { id: number }[] }).result.map((row) => row.id).sort((a, b) => a - b);
        expect({ actor, listed }).toEqual({ actor, listed: REACH[actor].map((place) => seeded[place]).sort((a, b) => a - b) });
      }
    });

    it.each(lines.filter(([, line]) => line.kind === 'create'))('%s: creates inside reach only, at home by default', async (name, line) => {
      const { params, placedIn } = line as Extract<Line, { kind: 'create' }>;
      for (const actor of ACTORS) {
        for (const place of PLACES) {
          const outcome = await call(w.t, method(name), params(w, place), protocol, w.keys[actor]);
          if (REACH[actor].includes(place)) {
            expect({ actor, place, placedIn: outcome.ok ? placedIn(outcome.result) : outcome }).toEqual({
              actor,
              place,
              placedIn: w.reseller[place],
            });
          } else {
            expect({ actor, place, outcome }).toEqual({ actor, place, outcome: notFound('resellers', w.reseller[place]) });
          }
        }
        const atHome = await call(w.t, method(name), params(w, null), protocol, w.keys[actor]);
        expect({ actor, placedIn: atHome.ok && placedIn(atHome.result) }).toEqual({ actor, placedIn: w.home[actor] });
      }
    });

    it.each(lines.filter(([, line]) => line.kind === 'unscoped'))('%s: is not filtered by reseller', async (name, line) => {
      const { params, read } = line as Extract<Line, { kind: 'unscoped' }>;
      const shared = await params(w);
      const asAdmin = await call(w.t, method(name), shared, protocol, ADMIN_KEY);
      for (const actor of ACTORS) {
        const outcome = await call(w.t, method(name), read ? shared : await params(w), protocol, w.keys[actor]);
        expect({ actor, ok: outcome.ok || outcome }).toEqual({ actor, ok: true });
        if (read) expect({ actor, outcome }).toEqual({ actor, outcome: asAdmin });
      }
    });

    it.each(lines.filter(([, line]) => line.kind === 'self'))('%s: acts on the caller', async (name, line) => {
      const { params } = line as Extract<Line, { kind: 'self' }>;
      for (const actor of ACTORS) {
        const outcome = await call(w.t, method(name), params(), protocol, w.keys[actor]);
        expect({ actor, ok: outcome.ok }).toEqual({ actor, ok: true });
      }
    });
  });
});
