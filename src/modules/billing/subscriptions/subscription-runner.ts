/**
 * The billing engine as the subscription services see it: run for some subscriptions at once
 * (SPEC §10: "also run for a subscription when it is created or updated"), and stop one.
 */
export abstract class SubscriptionRunner {
  abstract runFor(ids: number[]): Promise<void>;

  /** Stops a subscription now or at the end of its period, refunding what `now` leaves unused. */
  abstract stop(id: number, at: 'period_end' | 'now'): Promise<void>;
}
