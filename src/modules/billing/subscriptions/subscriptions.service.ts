import { Injectable } from '@nestjs/common';
import { EntityManager, Repository } from 'typeorm';
import { Database } from '../../../platform/database/database';
import { ReferenceChecks } from '../../../platform/database/references';
import { BusinessRuleViolation, NotFound, ValidationFailed } from '../../../platform/errors/domain-error';
import { applySearch, parseOrder, SearchSpec } from '../../../platform/search/search';
import { Tenancy } from '../../../platform/tenancy/tenancy';
import { Clock } from '../../../platform/time/clock';
import { ClientsService } from '../../clients/clients.service';
import { PackagesService } from '../packages/packages.service';
import {
  CreateSubscriptionParams,
  SearchSubscriptionsParams,
  SUBSCRIPTION_ORDERS,
  UpdateSubscriptionParams,
} from './dto/subscription.dto';
import { SubscriptionEntity, SubscriptionStatus } from './subscription.entity';
import { SubscriptionRunner } from './subscription-runner';
import { subscriptionStatus, subscriptionStatusSql } from './subscription-status';

const SEARCH: SearchSpec<SearchSubscriptionsParams> = {
  orders: SUBSCRIPTION_ORDERS,
  quickSearch: [],
  lists: { clients_id: 'clients_id', packages_id: 'packages_id', resellers_id: 'resellers_id', condition: 'condition' },
};

/** A subscription as it is presented: with its status, computed at the moment of the answer. */
export type PresentedSubscription = SubscriptionEntity & { status: SubscriptionStatus };

@Injectable()
export class SubscriptionsService {
  constructor(
    private readonly db: Database,
    private readonly tenancy: Tenancy,
    private readonly references: ReferenceChecks,
    private readonly clients: ClientsService,
    private readonly packages: PackagesService,
    private readonly clock: Clock,
    private readonly runner: SubscriptionRunner,
  ) {}

  private get subscriptions(): Repository<SubscriptionEntity> {
    return this.db.repository(SubscriptionEntity);
  }

  /**
   * Written with the package held (FOR SHARE on PostgreSQL: not archived or deleted meanwhile) and
   * then the client's row locked (not deleted or moved meanwhile), in the order an archive takes
   * them; then the engine runs for it, so the answer shows what it did (an activation, when
   * start_dt has come). SQLite has a single writer.
   */
  async create(params: CreateSubscriptionParams): Promise<PresentedSubscription> {
    const start = params.start_dt ?? this.clock.now();
    const stop = params.stop_dt ?? null;
    if (stop !== null && stop.getTime() <= start.getTime()) throw ValidationFailed.field('stop_dt', 'must be after start_dt');
    const id = await this.db.transaction(async () => {
      const client = await this.clients.get(params.clients_id);
      await this.packages.availableFor(params.packages_id, client);
      return this.clients.withLocked(client.id, async (locked, manager) => {
        // Moved to another reseller since it was read: the package must be offered there too.
        if (locked.resellers_id !== client.resellers_id) await this.packages.availableFor(params.packages_id, locked);
        const subscription = manager.create(SubscriptionEntity, {
          clients_id: locked.id,
          packages_id: params.packages_id,
          resellers_id: locked.resellers_id,
          quantity: params.quantity ?? 1,
          start_dt: start,
          stop_dt: stop,
          condition: 'new',
          next_period: 0,
          due_dt: start,
        });
        return (await manager.save(subscription)).id;
      });
    });
    await this.runner.runFor([id]);
    return this.get(id);
  }

  async get(id: number): Promise<PresentedSubscription> {
    return this.presented(await this.tenancy.findOne(this.subscriptions, id), this.clock.now());
  }

  /** Subscriptions by id in one query (a JSON-RPC batch of clients.subscriptions.get): each its subscription, or NotFound. */
  async getMany(ids: number[]): Promise<(PresentedSubscription | NotFound)[]> {
    const now = this.clock.now();
    return (await this.tenancy.findMany(this.subscriptions, ids)).map((found) => (found instanceof NotFound ? found : this.presented(found, now)));
  }

  /** SPEC §7, with the status (computed) filtered and ordered by the same rule as it is presented. */
  async search(params: SearchSubscriptionsParams): Promise<PresentedSubscription[]> {
    const now = this.clock.now();
    const query = this.subscriptions.createQueryBuilder('subscription').setParameter('status_now', now);
    const status = subscriptionStatusSql('subscription', 'status_now');
    if (Array.isArray(params.status)) {
      query.andWhere(params.status.length === 0 ? '1 = 0' : `${status} IN (:...status)`, { status: params.status });
    }
    applySearch(query, params, SEARCH);
    // applySearch orders by columns; the order is laid again with the status expression in its place.
    query.orderBy();
    for (const { column, direction } of parseOrder(params.order, SUBSCRIPTION_ORDERS)) {
      query.addOrderBy(column === 'status' ? status : `subscription.${column}`, direction);
    }
    return (await query.getMany()).map((found) => this.presented(found, now));
  }

  /** quantity and stop_dt, the fields sent; then the engine runs for it. */
  async update({ id, quantity, stop_dt }: UpdateSubscriptionParams): Promise<number> {
    await this.withLocked(id, async (found, manager) => {
      if (stop_dt === null && found.condition === 'deactivated') {
        throw new BusinessRuleViolation('subscriptions-deactivated', `subscription #${id} is deactivated: its stop_dt cannot be cleared`);
      }
      if (stop_dt && stop_dt.getTime() < found.start_dt.getTime()) throw ValidationFailed.field('stop_dt', 'must not be before start_dt');
      // A period charged is charged: a stop before it began would leave its fee booked for nothing.
      if (stop_dt && found.periods_start_dt && stop_dt.getTime() < found.periods_start_dt.getTime()) {
        throw ValidationFailed.field('stop_dt', 'must not be before the start of the last period charged (periods_start_dt); stop it with at=now for a refund');
      }
      await manager.save(manager.create(SubscriptionEntity, { id, quantity, stop_dt }));
    });
    await this.runner.runFor([id]);
    return 1;
  }

  /** Stops it (SPEC §10 stop), once found in the caller's reach; the engine books the refund, if any. */
  async stop(id: number, at: 'period_end' | 'now'): Promise<PresentedSubscription> {
    await this.get(id);
    await this.runner.stop(id, at);
    return this.get(id);
  }

  /** Refused once a fee was booked (stop it instead). */
  async delete(id: number): Promise<number> {
    return this.withLocked(id, async (found, manager) => {
      await this.references.ensureFree(SubscriptionEntity, id, ' and cannot be deleted: stop it instead');
      await manager.remove(found);
      return 1;
    });
  }

  private presented(subscription: SubscriptionEntity, now: Date): PresentedSubscription {
    return Object.assign(subscription, { status: subscriptionStatus(subscription, now) });
  }

  /** Runs `fn` in a database transaction holding the subscription's row (FOR NO KEY UPDATE on PostgreSQL; SQLite has a single writer). */
  private withLocked<T>(id: number, fn: (found: SubscriptionEntity, manager: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(async (manager) => {
      const read = manager.createQueryBuilder(SubscriptionEntity, 'subscription').where('subscription.id = :id', { id });
      const found = await (this.db.dialect === 'postgres' ? read.setLock('for_no_key_update') : read).getOne();
      if (!found) throw new NotFound('clients.subscriptions', id);
      return fn(found, manager);
    });
  }
}
