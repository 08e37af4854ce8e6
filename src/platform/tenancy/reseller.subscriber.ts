import { EntitySubscriberInterface, EventSubscriber, InsertEvent, LoadEvent, RemoveEvent, UpdateEvent } from 'typeorm';
import { BusinessRuleViolation, NotFound } from '../errors/domain-error';
import { resellerLimitOf, ResellerLimit } from './reseller-limited.decorator';
import { reaches } from './reseller-reach';
import { currentReach } from './tenancy';

/** A reseller-limited row was about to reach a caller outside its reseller: a bug, so the request fails. */
export class TenancyViolation extends Error {
  constructor(detail: string) {
    super(`Tenancy violation: ${detail}`);
    this.name = 'TenancyViolation';
  }
}

type Row = Record<string, unknown>;

/**
 * The one enforcement point of SPEC §5, beneath every service: stamps the caller's reseller on
 * inserts, refuses writes outside their reach, and trips if a row outside it is ever loaded.
 * Bulk writes (QueryBuilder or repository.update/delete) carry no rows to check, so a limited
 * caller's bulk write of a limited entity is refused outright: fail closed.
 */
@EventSubscriber()
export class ResellerSubscriber implements EntitySubscriberInterface {
  afterLoad(entity: Row, event?: LoadEvent<Row>): void {
    // TypeORM re-reads the generated columns of a row it has just inserted (SQLite has no RETURNING) as a
    // plain object, not an entity: that row passed beforeInsert, and only its generated values are read.
    if (Object.getPrototypeOf(entity) === Object.prototype) return;
    const limit = resellerLimitOf(event?.metadata.target ?? entity.constructor);
    const reach = currentReach();
    if (!limit || reach.kind === 'all' || reaches(reach, entity[limit.read] as number)) return;
    throw new TenancyViolation(`loaded ${limit.objectName} #${String(entity.id)} outside the caller's reach`);
  }

  beforeInsert(event: InsertEvent<Row>): void {
    const limit = resellerLimitOf(event.metadata.target);
    const reach = currentReach();
    if (!limit || reach.kind === 'all') return;
    const placed = event.entity[limit.write];
    if (placed === null || placed === undefined) {
      event.entity[limit.write] = reach.root;
    } else {
      this.checkPlacement(limit, placed);
    }
  }

  /** A reseller created beneath the caller's tree joins their reach for the rest of the request. */
  afterInsert(event: InsertEvent<Row>): void {
    const limit = resellerLimitOf(event.metadata.target);
    const reach = currentReach();
    if (!limit || reach.kind === 'all' || limit.read === limit.write) return;
    reach.ids.add(Number(event.entity[limit.read]));
  }

  beforeUpdate(event: UpdateEvent<Row>): void {
    const limit = resellerLimitOf(event.metadata.target);
    const reach = currentReach();
    if (!limit || reach.kind === 'all') return;
    const before = event.databaseEntity as Row | undefined;
    if (!before || !event.entity) throw new TenancyViolation(`bulk update of ${limit.objectName} by a reseller-limited caller`);
    if (!reaches(reach, before[limit.read] as number)) {
      throw new TenancyViolation(`update of ${limit.objectName} #${String(before.id)} outside the caller's reach`);
    }
    if (event.updatedColumns.some((column) => column.propertyName === limit.write)) {
      this.checkPlacement(limit, event.entity[limit.write]);
    }
  }

  beforeRemove(event: RemoveEvent<Row>): void {
    const limit = resellerLimitOf(event.metadata.target);
    const reach = currentReach();
    if (!limit || reach.kind === 'all') return;
    const row = (event.databaseEntity ?? event.entity) as Row | undefined;
    if (!row) throw new TenancyViolation(`bulk delete of ${limit.objectName} by a reseller-limited caller`);
    if (!reaches(reach, row[limit.read] as number)) {
      throw new TenancyViolation(`delete of ${limit.objectName} #${String(row.id)} outside the caller's reach`);
    }
  }

  /** Where a limited caller puts something: inside their tree, never unlimited. */
  private checkPlacement(limit: ResellerLimit, resellerId: unknown): void {
    if (resellerId === null || resellerId === undefined) {
      throw new BusinessRuleViolation(
        'resellers-limit-escalation',
        `a reseller-limited user cannot make ${limit.objectName} unlimited`,
      );
    }
    if (!reaches(currentReach(), resellerId as number)) throw new NotFound('resellers', resellerId);
  }
}
