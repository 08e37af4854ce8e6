import { EntitySubscriberInterface, EventSubscriber, InsertEvent, LoadEvent, UpdateEvent } from 'typeorm';
import { BusinessRuleViolation, NotFound } from '../errors/domain-error';
import { resellerLimitOf, ResellerLimit } from './reseller-limited.decorator';
import { reaches } from './reseller-reach';
import { REACH_SETTING, reachSetting } from '../database/row-level-security';
import { currentReach } from './tenancy';

type Row = Record<string, unknown>;

/**
 * The write side of SPEC §5, beneath every service: stamps the principal's reseller on inserts,
 * refuses to place anything outside their reach (or make it unlimited), and, as a tripwire behind
 * the scoped queries (query-scope.ts), answers "not found" should a foreign row ever be loaded.
 * Updates and deletes need no check of their own: their WHERE is scoped, so a foreign row is
 * simply not touched.
 */
@EventSubscriber()
export class ResellerSubscriber implements EntitySubscriberInterface {
  afterLoad(entity: Row, event?: LoadEvent<Row>): void {
    const limit = resellerLimitOf(event?.metadata.target ?? entity.constructor);
    if (!limit) return;
    // A partial select may leave the column out: only a row that shows its reseller can be checked.
    const resellerId = entity[limit.read];
    if (resellerId === undefined) return;
    const reach = currentReach(limit.objectName);
    if (!reaches(reach, resellerId as number) && reach.kind !== 'all') throw new NotFound(limit.objectName, entity.id ?? '?');
  }

  beforeInsert(event: InsertEvent<Row>): void {
    const limit = resellerLimitOf(event.metadata.target);
    if (!limit || !event.entity) return;
    const reach = currentReach(limit.objectName);
    if (reach.kind === 'all') return;
    const placed = event.entity[limit.write];
    if (placed === null || placed === undefined) {
      event.entity[limit.write] = reach.root;
    } else {
      this.checkPlacement(limit, placed);
    }
  }

  /**
   * A reseller created beneath the caller's tree joins their reach for the rest of the request,
   * and, on PostgreSQL, the reach row-level security reads for the rest of the unit of work.
   */
  async afterInsert(event: InsertEvent<Row>): Promise<void> {
    const limit = resellerLimitOf(event.metadata.target);
    if (!limit || !event.entity || limit.read === limit.write) return;
    const reach = currentReach(limit.objectName);
    if (reach.kind === 'all') return;
    reach.ids.add(Number(event.entity[limit.read]));
    if (event.connection.options.type === 'postgres') {
      await event.queryRunner.query(`SELECT set_config('${REACH_SETTING}', $1, true)`, [reachSetting(reach)]);
    }
  }

  /** Saves and query-builder updates alike: a new reseller must be one the principal reaches. */
  beforeUpdate(event: UpdateEvent<Row>): void {
    const limit = resellerLimitOf(event.metadata.target);
    // Entity fields are own properties even when unset: undefined means "not written".
    const placed = event.entity?.[limit?.write ?? ''];
    if (!limit || placed === undefined || currentReach(limit.objectName).kind === 'all') return;
    if (event.databaseEntity?.[limit.write] !== placed) this.checkPlacement(limit, placed);
  }

  /** Where a limited caller puts something: inside their tree, never unlimited. */
  private checkPlacement(limit: ResellerLimit, resellerId: unknown): void {
    if (resellerId === null || resellerId === undefined) {
      throw new BusinessRuleViolation(
        'resellers-limit-escalation',
        `a reseller-limited user cannot make ${limit.objectName} unlimited`,
      );
    }
    if (!reaches(currentReach(limit.objectName), resellerId as number)) throw new NotFound('resellers', resellerId);
  }
}
