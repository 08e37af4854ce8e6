import { Injectable } from '@nestjs/common';
import { EntityManager, Repository } from 'typeorm';
import { Principal } from '../../../platform/auth/principal';
import { Database } from '../../../platform/database/database';
import { ReferenceChecks } from '../../../platform/database/references';
import { BusinessRuleViolation, NotFound, ValidationFailed } from '../../../platform/errors/domain-error';
import { runSearch, SearchSpec } from '../../../platform/search/search';
import { Tenancy } from '../../../platform/tenancy/tenancy';
import { CurrenciesService } from '../../accounting/currencies/currencies.service';
import type { ClientEntity } from '../../clients/client.entity';
import { ResellersService } from '../../iam/resellers/resellers.service';
import { parseDuration, parsePeriod } from '../periods';
import { SubscriptionEntity } from '../subscriptions/subscription.entity';
import { SubscriptionRunner } from '../subscriptions/subscription-runner';
import { CreatePackageParams, PACKAGE_ORDERS, SearchPackagesParams, UpdatePackageParams } from './dto/package.dto';
import { PackageEntity } from './package.entity';

const SEARCH: SearchSpec<SearchPackagesParams> = {
  orders: PACKAGE_ORDERS,
  quickSearch: ['name'],
  lists: { status: 'status', resellers_id: 'resellers_id', currencies_id: 'currencies_id' },
};

export const PERIOD_PROBLEM = 'must be an ISO 8601 duration of at least one minute, such as P1M, P1W, P1D or PT1H';
export const RENEW_DUE_PROBLEM = 'must be an ISO 8601 duration, such as P7D or PT12H, or null';

/** period and renew_due, which a field's text rules cannot judge (see periods.ts). */
function checkDurations(params: { period?: string; renew_due?: string | null }): void {
  const problems: Record<string, string> = {};
  if (params.period !== undefined && !parsePeriod(params.period)) problems.period = PERIOD_PROBLEM;
  if (params.renew_due !== undefined && params.renew_due !== null && !parseDuration(params.renew_due)) problems.renew_due = RENEW_DUE_PROBLEM;
  if (Object.keys(problems).length > 0) throw new ValidationFailed(problems);
}

@Injectable()
export class PackagesService {
  constructor(
    private readonly db: Database,
    private readonly tenancy: Tenancy,
    private readonly references: ReferenceChecks,
    private readonly currencies: CurrenciesService,
    private readonly resellers: ResellersService,
    private readonly runner: SubscriptionRunner,
  ) {}

  private get packages(): Repository<PackageEntity> {
    return this.db.repository(PackageEntity);
  }

  async create(params: CreatePackageParams): Promise<PackageEntity> {
    checkDurations(params);
    await this.currencies.get(params.currencies_id);
    const created = await this.resellers.placeUnder(params.resellers_id, () =>
      this.packages.save(this.packages.create({ ...params, resellers_id: params.resellers_id ?? null })),
    );
    return this.get(created.id);
  }

  get(id: number): Promise<PackageEntity> {
    return this.tenancy.findOne(this.packages, id);
  }

  /** Packages by id in one query (a JSON-RPC batch of packages.get): each its package, or NotFound. */
  getMany(ids: number[]): Promise<(PackageEntity | NotFound)[]> {
    return this.tenancy.findMany(this.packages, ids);
  }

  search(params: SearchPackagesParams): Promise<PackageEntity[]> {
    return runSearch(this.packages.createQueryBuilder('package'), params, SEARCH);
  }

  /**
   * Changes only the fields sent, with the package's row locked against a subscription being
   * created on it meanwhile (see availableFor).
   */
  async update({ id, ...changes }: UpdatePackageParams): Promise<number> {
    checkDurations(changes);
    await this.withLocked(id, async (found, manager) => {
      if (changes.currencies_id !== undefined && changes.currencies_id !== found.currencies_id) await this.currencies.get(changes.currencies_id);
      // Periods are counted from each subscription's start by this period: another would move every boundary.
      if (changes.period !== undefined && changes.period !== found.period) {
        await this.references.ensureFree(PackageEntity, id, ': its period cannot change');
      }
      if (changes.resellers_id !== undefined && changes.resellers_id !== found.resellers_id) {
        await this.resellers.ensurePlaceable(changes.resellers_id);
        // Its subscriptions' clients are beneath its reseller (see availableFor): a move would leave them outside.
        await this.references.ensureFree(PackageEntity, id, ': it cannot move to another reseller');
      }
      await manager.save(manager.create(PackageEntity, { ...changes, id }));
      // Archived: each running subscription stops at the end of the period running now, what it
      // has missed booked first (the engine's stop), in this same transaction.
      if (changes.status === 'archive' && found.status !== 'archive') {
        for (const subscriptionId of await this.runningSubscriptions(id)) await this.runner.stop(subscriptionId, 'period_end');
      }
    });
    return 1;
  }

  async delete(id: number): Promise<number> {
    return this.withLocked(id, async (found, manager) => {
      await this.references.ensureFree(PackageEntity, id);
      await manager.remove(found);
      return 1;
    });
  }

  /**
   * The package a new subscription of `client` may have, read in the open transaction and held
   * (FOR SHARE on PostgreSQL; SQLite has a single writer) until it ends, so it cannot be archived
   * or deleted before the subscription is written: in the caller's reach (else not found), active,
   * and of no reseller or of the client's reseller or one of its ancestors (else 422).
   */
  async availableFor(id: number, client: ClientEntity): Promise<PackageEntity> {
    const read = this.db.manager.createQueryBuilder(PackageEntity, 'package').where('package.id = :id', { id });
    const found = await (this.db.dialect === 'postgres' ? read.setLock('pessimistic_read') : read).getOne();
    if (!found) throw new NotFound('packages', id);
    if (found.status !== 'active') {
      const state = found.status === 'archive' ? 'archived' : 'disabled';
      throw new BusinessRuleViolation('packages-not-available', `package #${id} is ${state} and takes no new subscriptions`);
    }
    if (found.resellers_id !== null && !(await this.lineage(client.resellers_id)).includes(found.resellers_id)) {
      throw new BusinessRuleViolation('packages-not-available', `package #${id} is not offered to the reseller of client #${client.id}`);
    }
    return found;
  }

  /**
   * A reseller and its ancestors, up to the root (none for no reseller). Read as the system: a
   * limited caller's reach holds no ancestor of their own reseller, and it is the tree's shape
   * that is asked, not its rows.
   */
  private async lineage(resellerId: number | null): Promise<number[]> {
    if (resellerId === null) return [];
    const rows: { id: number }[] = await this.tenancy.runAs(Principal.system('packages-availability'), () =>
      this.db.query(
        `WITH RECURSIVE lineage(id, parent_id) AS (
           SELECT id, parent_id FROM resellers WHERE id = $1
           UNION
           SELECT r.id, r.parent_id FROM resellers r JOIN lineage l ON r.id = l.parent_id
         )
         SELECT id FROM lineage`,
        [resellerId],
      ),
    );
    return rows.map((row) => Number(row.id));
  }

  /**
   * Archiving: the package's subscriptions not yet deactivated, locked in id order (FOR NO KEY
   * UPDATE on PostgreSQL) before any of them is stopped, so an update of one of them cannot hold a
   * lock the archive needs while it waits for one the archive holds. As the system: they are all
   * the package's, wherever their client has gone in the tree since.
   */
  private runningSubscriptions(packageId: number): Promise<number[]> {
    return this.tenancy.runAs(Principal.system('packages-archive'), async () => {
      const query = this.db.manager
        .createQueryBuilder(SubscriptionEntity, 'subscription')
        .where("subscription.packages_id = :packageId AND subscription.condition <> 'deactivated'", { packageId })
        .orderBy('subscription.id');
      if (this.db.dialect === 'postgres') query.setLock('for_no_key_update');
      return (await query.getMany()).map((subscription) => subscription.id);
    });
  }

  /**
   * Runs `fn` in a database transaction holding the package's row (FOR NO KEY UPDATE on PostgreSQL;
   * SQLite has a single writer): a subscription being created on it waits (see availableFor).
   */
  private withLocked<T>(id: number, fn: (found: PackageEntity, manager: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(async (manager) => {
      const read = manager.createQueryBuilder(PackageEntity, 'package').where('package.id = :id', { id });
      const found = await (this.db.dialect === 'postgres' ? read.setLock('for_no_key_update') : read).getOne();
      if (!found) throw new NotFound('packages', id);
      return fn(found, manager);
    });
  }
}
