import { Period, periodStart, plus } from '../periods';

/** What the plan needs of a subscription: its anchor, its stop, and how far the engine has got. */
export interface PlannedSubscription {
  start_dt: Date;
  stop_dt: Date | null;
  condition: 'new' | 'activated' | 'deactivated';
  /** The next period to book (0: the activation and the first period). */
  next_period: number;
}

/** What the plan needs of its package. */
export interface PlannedPackage {
  period: Period;
  renew_due: Period | null;
}

/** The engine's next move for one subscription at `now` (SPEC §10). */
export type Step =
  /** Book period n, [from, till); n = 0 with the activation fee. */
  | { kind: 'charge'; n: number; from: Date; till: Date }
  /** Stop for good: stop_dt has come before the next period. */
  | { kind: 'deactivate' }
  /** Nothing to do before `due` (null: never again). */
  | { kind: 'wait'; due: Date | null };

/**
 * Decides the next move. Periods are anchored on start_dt in the system zone, so the next one is
 * computed from the index, never from the previous period. A period that starts before stop_dt is
 * booked whole (fees are charged in advance); none starting at or after it is. (Archiving a
 * package sets each subscription's stop_dt: the plan needs no other rule for it.)
 */
export function nextStep(subscription: PlannedSubscription, pkg: PlannedPackage, now: Date, zone: string): Step {
  if (subscription.condition === 'deactivated') return { kind: 'wait', due: null };
  const n = subscription.next_period;
  const from = periodStart(subscription.start_dt, pkg.period, n, zone);
  const stop = subscription.stop_dt;
  if (stop !== null && stop.getTime() <= from.getTime()) {
    return stop.getTime() <= now.getTime() ? { kind: 'deactivate' } : { kind: 'wait', due: stop };
  }
  if (from.getTime() > now.getTime()) return { kind: 'wait', due: from };
  return { kind: 'charge', n, from, till: periodStart(subscription.start_dt, pkg.period, n + 1, zone) };
}

/**
 * After a period's fee could not be booked: deactivate once renew_due has passed since the
 * period's start, or once stop_dt has (a stopped subscription gets one last try, no retries),
 * else try again at the next run (`retryMs` from now), but no later than that deadline, so the
 * deactivation is not late.
 */
export function afterFailure(from: Date, pkg: PlannedPackage, stop: Date | null, now: Date, zone: string, retryMs: number): Step {
  if (stop !== null && stop.getTime() <= now.getTime()) return { kind: 'deactivate' };
  const retry = new Date(now.getTime() + retryMs);
  const deadline = earliest(stop, pkg.renew_due === null ? null : plus(from, pkg.renew_due, zone));
  if (deadline === null) return { kind: 'wait', due: retry };
  if (deadline.getTime() <= now.getTime()) return { kind: 'deactivate' };
  return { kind: 'wait', due: earliest(retry, deadline) };
}

function earliest<T extends Date | null>(a: Date | null, b: T): Date | T {
  if (a === null) return b;
  return b === null || a.getTime() < b.getTime() ? a : b;
}
