import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { CreatedAtColumn, DateTimeColumn } from '../../../platform/database/columns';
import { ResellerLimited } from '../../../platform/tenancy/reseller-limited.decorator';

/** What the billing engine has done with a subscription (SPEC §10). */
export const SUBSCRIPTION_CONDITIONS = ['new', 'activated', 'deactivated'] as const;
export type SubscriptionCondition = (typeof SUBSCRIPTION_CONDITIONS)[number];

/** Computed from the condition, the periods and the clock (see subscriptionStatus). */
export const SUBSCRIPTION_STATUSES = ['active', 'pending', 'archive'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/** A package assigned to a client; reseller-limited through the client, whose reseller it copies. */
@Entity('subscriptions')
@ResellerLimited({ objectName: 'clients.subscriptions', read: 'resellers_id', write: 'resellers_id' })
export class SubscriptionEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'integer' })
  clients_id: number;

  @Column({ type: 'integer' })
  packages_id: number;

  @Column({ type: 'integer', nullable: true })
  resellers_id: number | null;

  /** Fees are multiplied by it; a change applies from the next period booked. */
  @Column({ type: 'integer', default: 1 })
  quantity: number;

  /** Period n starts at start_dt + n × the package's period (in the system zone). */
  @DateTimeColumn()
  start_dt: Date;

  @DateTimeColumn({ nullable: true })
  stop_dt: Date | null;

  @Column({ type: 'varchar', length: 16, default: 'new' })
  condition: SubscriptionCondition;

  /** The last period booked (the current one once activated); null before activation. */
  @DateTimeColumn({ nullable: true })
  periods_start_dt: Date | null;

  @DateTimeColumn({ nullable: true })
  periods_stop_dt: Date | null;

  /** Why the last charge attempt failed (e.g. `low-balance`); null once one succeeds. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  last_error: string | null;

  /**
   * The engine's bookkeeping, never presented: the index of the next period to book (0: the
   * activation and the first period), and when the engine has something to do next (that period's
   * start, or stop_dt if earlier; null once deactivated). Due subscriptions are found by
   * `due_dt` through its index.
   */
  @Column({ type: 'integer', default: 0 })
  next_period: number;

  @DateTimeColumn({ nullable: true })
  due_dt: Date | null;

  @CreatedAtColumn()
  c_dt: Date;
}
