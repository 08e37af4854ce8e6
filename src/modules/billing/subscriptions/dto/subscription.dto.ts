import { DateTimeField, EnumField, EnumListField, IdField, IdListField, IntField, ResultField } from '../../../../platform/api/fields';
import { SearchParams } from '../../../../platform/search/search-params';
import {
  SUBSCRIPTION_CONDITIONS,
  SUBSCRIPTION_STATUSES,
  SubscriptionCondition,
  SubscriptionStatus,
} from '../subscription.entity';

/** Fees are multiplied by the quantity: bounded so that a fee times it stays a sum of money. */
export const MAX_QUANTITY = 1_000_000;

const QUANTITY = 'Fees are multiplied by it';
const STATUS =
  'Computed: active (activated, and a paid period runs now), pending (not yet activated, or the current fee not yet paid), archive (deactivated, or stop_dt has passed)';
const CONDITION = 'What the billing engine has done: new (not yet activated), activated, deactivated';

export class CreateSubscriptionParams {
  @IdField({ description: 'The client' })
  clients_id: number;

  @IdField({ description: "The package: active, of no reseller or of the client's reseller or one of its ancestors" })
  packages_id: number;

  @IntField({ optional: true, min: 1, max: MAX_QUANTITY, default: 1, description: QUANTITY, example: 1 })
  quantity?: number;

  @DateTimeField({ optional: true, description: 'When the first period starts (default: now); in the past, the periods since are caught up' })
  start_dt?: Date;

  @DateTimeField({ optional: true, nullable: true, description: 'When it stops (after start_dt); null: runs until stopped' })
  stop_dt?: Date | null;
}

export class UpdateSubscriptionParams {
  @IdField({ description: 'Subscription id' })
  id: number;

  @IntField({ optional: true, min: 1, max: MAX_QUANTITY, description: `${QUANTITY}, from the next period booked`, example: 2 })
  quantity?: number;

  @DateTimeField({ optional: true, nullable: true, description: 'When it stops (not before start_dt); null clears it, unless the subscription is deactivated' })
  stop_dt?: Date | null;
}

export const SUBSCRIPTION_ORDERS = ['id', 'start_dt', 'periods_start_dt', 'status'] as const;

export const STOP_AT = ['period_end', 'now'] as const;

export class StopSubscriptionParams {
  @IdField({ description: 'Subscription id' })
  id: number;

  @EnumField(STOP_AT, {
    optional: true,
    default: 'period_end',
    description:
      "period_end: stop_dt becomes the end of the period paid for, nothing refunded; now: stop_dt is now, and the unused part of the current period's fee is refunded as one credit_note, prorated to the second",
  })
  at?: (typeof STOP_AT)[number];
}

export class SearchSubscriptionsParams extends SearchParams {
  @IdListField()
  clients_id?: number[];

  @IdListField()
  packages_id?: number[];

  @IdListField()
  resellers_id?: number[];

  @EnumListField(SUBSCRIPTION_STATUSES, { description: STATUS })
  status?: SubscriptionStatus[];

  @EnumListField(SUBSCRIPTION_CONDITIONS, { description: CONDITION })
  condition?: SubscriptionCondition[];
}

export class Subscription {
  @ResultField({ type: 'integer' }, { example: 3 })
  id: number;

  @ResultField({ type: 'integer' }, { example: 42 })
  clients_id: number;

  @ResultField({ type: 'integer' }, { example: 7 })
  packages_id: number;

  @ResultField({ type: 'integer' }, { nullable: true, example: 1, description: "The client's reseller (read-only)" })
  resellers_id: number | null;

  @ResultField({ type: 'integer' }, { example: 1, description: QUANTITY })
  quantity: number;

  @ResultField({ type: 'string', format: 'date-time' }, { example: '2026-11-25T09:30:00+00:00' })
  start_dt: string;

  @ResultField({ type: 'string', format: 'date-time' }, { nullable: true, example: null })
  stop_dt: string | null;

  @ResultField({ type: 'string', enum: [...SUBSCRIPTION_CONDITIONS] }, { example: 'activated', description: CONDITION })
  condition: SubscriptionCondition;

  @ResultField({ type: 'string', enum: [...SUBSCRIPTION_STATUSES] }, { example: 'active', description: STATUS })
  status: SubscriptionStatus;

  @ResultField({ type: 'string', format: 'date-time' }, { nullable: true, example: '2026-11-25T09:30:00+00:00', description: 'Start of the current period; null before activation' })
  periods_start_dt: string | null;

  @ResultField({ type: 'string', format: 'date-time' }, { nullable: true, example: '2026-12-25T09:30:00+00:00', description: 'End of the current period; null before activation' })
  periods_stop_dt: string | null;

  @ResultField({ type: 'string' }, { nullable: true, example: null, description: 'Why the last charge attempt failed, e.g. low-balance; null once one succeeds' })
  last_error: string | null;

  @ResultField({ type: 'string', format: 'date-time' }, { example: '2026-11-25T09:30:00+00:00' })
  c_dt: string;
}
