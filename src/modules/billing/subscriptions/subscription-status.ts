import type { SubscriptionCondition, SubscriptionStatus } from './subscription.entity';

/** What a subscription's status is computed from, besides the clock. */
export interface StatusInputs {
  condition: SubscriptionCondition;
  stop_dt: Date | null;
  periods_stop_dt: Date | null;
}

/**
 * The status, never stored (SPEC §10): `archive` once deactivated or past stop_dt; `active` while
 * activated and a paid period runs past now; `pending` otherwise (not yet activated, or the
 * current period's fee not yet paid). subscriptionStatusSql is the same rule for the database.
 */
export function subscriptionStatus(subscription: StatusInputs, now: Date): SubscriptionStatus {
  const { condition, stop_dt, periods_stop_dt } = subscription;
  if (condition === 'deactivated' || (stop_dt !== null && stop_dt.getTime() <= now.getTime())) return 'archive';
  if (condition === 'activated' && periods_stop_dt !== null && periods_stop_dt.getTime() > now.getTime()) return 'active';
  return 'pending';
}

/**
 * subscriptionStatus as an SQL expression over the subscription aliased `alias`, with now bound as
 * the parameter `now` (a Date: UTC text with milliseconds on SQLite, whose text order is time
 * order; timestamptz on PostgreSQL). A null datetime compares as unknown, which falls through as
 * the function's null checks do.
 */
export function subscriptionStatusSql(alias: string, now: string): string {
  const column = (name: string) => `${alias}.${name}`;
  return (
    `(CASE WHEN ${column('condition')} = 'deactivated' OR ${column('stop_dt')} <= :${now} THEN 'archive'` +
    ` WHEN ${column('condition')} = 'activated' AND ${column('periods_stop_dt')} > :${now} THEN 'active'` +
    ` ELSE 'pending' END)`
  );
}
