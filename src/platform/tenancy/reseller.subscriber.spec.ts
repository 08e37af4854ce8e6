import type { InsertEvent, LoadEvent, UpdateEvent } from 'typeorm';
import { Principal } from '../auth/principal';
import { RequestContexts } from '../context/request-context';
import { BusinessRuleViolation, NotFound } from '../errors/domain-error';
import { ResellerLimited } from './reseller-limited.decorator';
import { ResellerReach, UNLIMITED } from './reseller-reach';
import { ResellerSubscriber } from './reseller.subscriber';
import { TenancyViolation } from './tenancy-violation';

type Row = Record<string, unknown>;

/** Data that belongs to a reseller: seen and placed by one column. */
@ResellerLimited({ objectName: 'widgets', read: 'resellers_id', write: 'resellers_id' })
class Widget {
  id?: number;
  resellers_id?: number | null;
  name?: string;
}

/** Like resellers: seen by its own id, placed by its parent. */
@ResellerLimited({ objectName: 'branches', read: 'id', write: 'parent_id' })
class Branch {
  id?: number;
  parent_id?: number | null;
}

/** Not reseller-limited at all. */
class Currency {
  id?: number;
  resellers_id?: number | null;
}

/** A user limited to reseller 10's tree: 10, 11 and 12. A fresh reach each time (afterInsert grows it). */
function limitedUser(): Principal & { reach: ResellerReach & { kind: 'tree' } } {
  return {
    kind: 'user',
    userId: 3,
    login: 'carol',
    resellersId: 10,
    reach: { kind: 'tree', root: 10, ids: new Set([10, 11, 12]) },
    timezone: null,
    scheme: 'api-key',
  };
}

const UNLIMITED_USER: Principal = {
  kind: 'user',
  userId: 1,
  login: 'admin',
  resellersId: null,
  reach: UNLIMITED,
  timezone: null,
  scheme: 'api-key',
};

/** Runs `fn` as `principal` (none: a context without a principal). */
function as<T>(principal: Principal | undefined, fn: () => T): T {
  return RequestContexts.run({ requestId: 'r', unit: Symbol('r'), principal }, fn);
}

function insertEvent(target: Function, entity: Row | undefined, dialect = 'better-sqlite3') {
  const query = jest.fn(async () => []);
  const event = {
    metadata: { target },
    entity,
    connection: { options: { type: dialect } },
    queryRunner: { query },
  } as unknown as InsertEvent<Row>;
  return { event, query };
}

function updateEvent(target: Function, entity: Row | undefined, databaseEntity?: Row): UpdateEvent<Row> {
  return { metadata: { target }, entity, databaseEntity } as unknown as UpdateEvent<Row>;
}

const loadEvent = (target: Function) => ({ metadata: { target } }) as unknown as LoadEvent<Row>;

/** The error `fn` throws, for exact assertions on its class, message and data. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

const NO_PRINCIPAL = 'Tenancy violation: widgets touched with no principal (run it as Principal.system(...))';

describe('ResellerSubscriber', () => {
  const subscriber = new ResellerSubscriber();

  describe('beforeInsert', () => {
    it.each([undefined, null])("stamps the principal's root reseller when the reseller is %p", (given) => {
      const entity: Row = { name: 'w', resellers_id: given };
      as(limitedUser(), () => subscriber.beforeInsert(insertEvent(Widget, entity).event));
      expect(entity).toEqual({ name: 'w', resellers_id: 10 });
    });

    it('stamps the parent of a reseller-like entity, its write column', () => {
      const entity: Row = {};
      as(limitedUser(), () => subscriber.beforeInsert(insertEvent(Branch, entity).event));
      expect(entity).toEqual({ parent_id: 10 });
    });

    it('keeps a placement inside the reach', () => {
      const entity: Row = { resellers_id: 12 };
      as(limitedUser(), () => subscriber.beforeInsert(insertEvent(Widget, entity).event));
      expect(entity).toEqual({ resellers_id: 12 });
    });

    it('refuses a placement outside the reach as a reseller not found', () => {
      const entity: Row = { resellers_id: 99 };
      const error = thrown(() => as(limitedUser(), () => subscriber.beforeInsert(insertEvent(Widget, entity).event)));
      expect(error).toBeInstanceOf(NotFound);
      expect(error).toMatchObject({
        message: 'not_found: resellers #99 not found',
        data: { code: 'not_found', object_name: 'resellers', object_id: '99' },
      });
      expect(entity).toEqual({ resellers_id: 99 });
    });

    it.each([
      ['an unlimited user', UNLIMITED_USER],
      ['a system principal', Principal.system('x')],
    ])('leaves %s alone: nothing stamped, any placement taken', (_name, principal) => {
      const unplaced: Row = { name: 'w' };
      const foreign: Row = { resellers_id: 99 };
      as(principal, () => {
        subscriber.beforeInsert(insertEvent(Widget, unplaced).event);
        subscriber.beforeInsert(insertEvent(Widget, foreign).event);
      });
      expect(unplaced).toEqual({ name: 'w' });
      expect(foreign).toEqual({ resellers_id: 99 });
    });

    it('ignores entities that are not reseller-limited, even with no principal', () => {
      const entity: Row = { resellers_id: 99 };
      as(undefined, () => subscriber.beforeInsert(insertEvent(Currency, entity).event));
      expect(entity).toEqual({ resellers_id: 99 });
    });

    it('ignores an insert without an entity (a query-builder insert)', () => {
      expect(() => as(limitedUser(), () => subscriber.beforeInsert(insertEvent(Widget, undefined).event))).not.toThrow();
    });

    it('is a TenancyViolation with no principal at all', () => {
      const error = thrown(() => as(undefined, () => subscriber.beforeInsert(insertEvent(Widget, { resellers_id: 10 }).event)));
      expect(error).toBeInstanceOf(TenancyViolation);
      expect(error).toMatchObject({ name: 'TenancyViolation', message: NO_PRINCIPAL });
    });

    it('is a TenancyViolation outside any request context', () => {
      const error = thrown(() => subscriber.beforeInsert(insertEvent(Widget, {}).event));
      expect(error).toBeInstanceOf(TenancyViolation);
      expect((error as Error).message).toBe(NO_PRINCIPAL);
    });
  });

  describe('afterInsert', () => {
    it('adds a new reseller-like row to the reach for the rest of the request (SQLite: no query)', async () => {
      const principal = limitedUser();
      const { event, query } = insertEvent(Branch, { id: 13, parent_id: 12 });
      await as(principal, () => subscriber.afterInsert(event));
      expect([...principal.reach.ids]).toEqual([10, 11, 12, 13]);
      expect(query).not.toHaveBeenCalled();
    });

    it('on PostgreSQL also sets the reach row-level security reads', async () => {
      const principal = limitedUser();
      const { event, query } = insertEvent(Branch, { id: 13, parent_id: 12 }, 'postgres');
      await as(principal, () => subscriber.afterInsert(event));
      expect(query).toHaveBeenCalledTimes(1);
      expect(query).toHaveBeenCalledWith("SELECT set_config('billing.reach', $1, true)", ['10,11,12,13']);
    });

    it('does nothing for entities seen and placed by one column', async () => {
      const principal = limitedUser();
      const { event, query } = insertEvent(Widget, { id: 5, resellers_id: 11 }, 'postgres');
      await as(principal, () => subscriber.afterInsert(event));
      expect([...principal.reach.ids]).toEqual([10, 11, 12]);
      expect(query).not.toHaveBeenCalled();
    });

    it('does nothing for an unlimited principal', async () => {
      const { event, query } = insertEvent(Branch, { id: 13, parent_id: 12 }, 'postgres');
      await as(Principal.system('x'), () => subscriber.afterInsert(event));
      expect(query).not.toHaveBeenCalled();
    });

    it('rejects with a TenancyViolation with no principal', async () => {
      await expect(as(undefined, () => subscriber.afterInsert(insertEvent(Branch, { id: 13 }).event))).rejects.toThrow(
        new TenancyViolation('branches touched with no principal (run it as Principal.system(...))'),
      );
    });
  });

  describe('beforeUpdate', () => {
    it('refuses making limited data unlimited', () => {
      const error = thrown(() =>
        as(limitedUser(), () => subscriber.beforeUpdate(updateEvent(Widget, { id: 5, resellers_id: null }, { id: 5, resellers_id: 11 }))),
      );
      expect(error).toBeInstanceOf(BusinessRuleViolation);
      expect(error).toMatchObject({
        message: 'resellers-limit-escalation: a reseller-limited user cannot make widgets unlimited',
        data: { code: 'resellers-limit-escalation', message: 'a reseller-limited user cannot make widgets unlimited' },
      });
    });

    it('refuses making limited data unlimited in a query-builder update (no database entity)', () => {
      const error = thrown(() => as(limitedUser(), () => subscriber.beforeUpdate(updateEvent(Widget, { resellers_id: null }))));
      expect(error).toBeInstanceOf(BusinessRuleViolation);
      expect((error as BusinessRuleViolation).data?.code).toBe('resellers-limit-escalation');
    });

    it('refuses a move outside the reach as a reseller not found', () => {
      const error = thrown(() =>
        as(limitedUser(), () => subscriber.beforeUpdate(updateEvent(Branch, { id: 11, parent_id: 99 }, { id: 11, parent_id: 10 }))),
      );
      expect(error).toBeInstanceOf(NotFound);
      expect(error).toMatchObject({ message: 'not_found: resellers #99 not found', data: { object_name: 'resellers', object_id: '99' } });
    });

    it('takes a move inside the reach, an unchanged reseller and an update that does not write it', () => {
      as(limitedUser(), () => {
        subscriber.beforeUpdate(updateEvent(Widget, { id: 5, resellers_id: 12 }, { id: 5, resellers_id: 11 }));
        // Unchanged: not checked, even where the principal's root hangs beneath a foreign parent.
        subscriber.beforeUpdate(updateEvent(Branch, { id: 10, parent_id: 1 }, { id: 10, parent_id: 1 }));
        subscriber.beforeUpdate(updateEvent(Widget, { id: 5, name: 'renamed', resellers_id: undefined }, { id: 5, resellers_id: 11 }));
        subscriber.beforeUpdate(updateEvent(Widget, undefined));
      });
    });

    it.each([
      ['an unlimited user', UNLIMITED_USER],
      ['a system principal', Principal.system('x')],
    ])('lets %s move data anywhere, or make it unlimited', (_name, principal) => {
      as(principal, () => {
        subscriber.beforeUpdate(updateEvent(Widget, { id: 5, resellers_id: null }, { id: 5, resellers_id: 11 }));
        subscriber.beforeUpdate(updateEvent(Widget, { id: 5, resellers_id: 99 }, { id: 5, resellers_id: 11 }));
      });
    });

    it('is a TenancyViolation with no principal when the reseller is written', () => {
      const error = thrown(() => as(undefined, () => subscriber.beforeUpdate(updateEvent(Widget, { resellers_id: 11 }))));
      expect(error).toBeInstanceOf(TenancyViolation);
      expect((error as Error).message).toBe(NO_PRINCIPAL);
    });
  });

  describe('afterLoad', () => {
    it('answers a foreign row as not found', () => {
      const error = thrown(() => as(limitedUser(), () => subscriber.afterLoad({ id: 5, resellers_id: 99 }, loadEvent(Widget))));
      expect(error).toBeInstanceOf(NotFound);
      expect(error).toMatchObject({
        message: 'not_found: widgets #5 not found',
        data: { code: 'not_found', object_name: 'widgets', object_id: '5' },
      });
    });

    it('answers a row of unlimited data (no reseller) as not found to a limited principal', () => {
      const error = thrown(() => as(limitedUser(), () => subscriber.afterLoad({ id: 6, resellers_id: null }, loadEvent(Widget))));
      expect(error).toMatchObject({ message: 'not_found: widgets #6 not found' });
    });

    it("names a foreign row without an id '?'", () => {
      const error = thrown(() => as(limitedUser(), () => subscriber.afterLoad({ resellers_id: 99 }, loadEvent(Widget))));
      expect(error).toMatchObject({ message: 'not_found: widgets #? not found', data: { object_id: '?' } });
    });

    it('checks a reseller-like row by its own id', () => {
      as(limitedUser(), () => subscriber.afterLoad({ id: 11, parent_id: 10 }, loadEvent(Branch)));
      const error = thrown(() => as(limitedUser(), () => subscriber.afterLoad({ id: 9, parent_id: 10 }, loadEvent(Branch))));
      expect(error).toMatchObject({ message: 'not_found: branches #9 not found' });
    });

    it('finds the entity by the instance when there is no event', () => {
      const widget = Object.assign(new Widget(), { id: 7, resellers_id: 99 });
      const error = thrown(() => as(limitedUser(), () => subscriber.afterLoad(widget as unknown as Row)));
      expect(error).toMatchObject({ message: 'not_found: widgets #7 not found' });
    });

    it('passes a row in reach', () => {
      expect(() => as(limitedUser(), () => subscriber.afterLoad({ id: 5, resellers_id: 11 }, loadEvent(Widget)))).not.toThrow();
    });

    it('ignores a partial row without the reseller column, even with no principal', () => {
      expect(() => as(limitedUser(), () => subscriber.afterLoad({ id: 5, name: 'w' }, loadEvent(Widget)))).not.toThrow();
      expect(() => as(undefined, () => subscriber.afterLoad({ id: 5, name: 'w' }, loadEvent(Widget)))).not.toThrow();
    });

    it.each([
      ['an unlimited user', UNLIMITED_USER],
      ['a system principal', Principal.system('x')],
    ])('lets %s load any row', (_name, principal) => {
      expect(() => as(principal, () => subscriber.afterLoad({ id: 5, resellers_id: 99 }, loadEvent(Widget)))).not.toThrow();
    });

    it('ignores entities that are not reseller-limited', () => {
      expect(() => as(undefined, () => subscriber.afterLoad({ id: 5, resellers_id: 99 }, loadEvent(Currency)))).not.toThrow();
    });

    it('is a TenancyViolation with no principal at all', () => {
      const error = thrown(() => as(undefined, () => subscriber.afterLoad({ id: 5, resellers_id: 11 }, loadEvent(Widget))));
      expect(error).toBeInstanceOf(TenancyViolation);
      expect((error as Error).message).toBe(NO_PRINCIPAL);
    });
  });
});
