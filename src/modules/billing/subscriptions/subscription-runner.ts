import { Injectable } from '@nestjs/common';

/**
 * Runs the billing engine for some subscriptions at once (SPEC §10: "also run for a subscription
 * when it is created or updated"). The services depend on this, not on the engine itself.
 */
export abstract class SubscriptionRunner {
  abstract runFor(ids: number[]): Promise<void>;
}

/**
 * Runs nothing: the billing engine is not on this branch yet. Replaced by the BillingEngine
 * (`{ provide: SubscriptionRunner, useExisting: BillingEngine }`) when the branches are merged,
 * and deleted then; until then subscriptions stay as they are created (`new`).
 */
@Injectable()
export class DeferredRunner extends SubscriptionRunner {
  async runFor(): Promise<void> {}
}
