import type Decimal from 'decimal.js';
import { DecimalField, EnumField, EnumListField, IdField, IdListField, DecimalResultField, ResultField, StringField } from '../../../../platform/api/fields';
import { QuickSearchParams } from '../../../../platform/search/search-params';
import { digitsOf, MONEY } from '../../../accounting/money';
import { PACKAGE_STATUSES, PackageStatus } from '../package.entity';

const FEE = { ...digitsOf(MONEY), min: 0 };
const ACTIVATION_FEE = "Charged once when a subscription activates, in the package's currency, times its quantity";
const SUBSCRIPTION_FEE = "Charged at the start of every period, in advance, in the package's currency, times the quantity";
const PERIOD = 'ISO 8601 duration of at least one minute: P1M, P1W, P1D, PT1H, P3M, P1Y…';
const RENEW_DUE = "ISO 8601 duration after a period's start during which its unpaid fee is retried (then the subscription is deactivated); null: until paid";
const STATUS = 'active: open to new subscriptions; disabled: no new ones; archive: none, and existing ones stop at the end of their current period';

/** Fields a package may be created or updated with. */
class PackageFields {
  @IdField({
    optional: true,
    nullable: true,
    description: "Reseller the package belongs to (null: every client may have it); a reseller-limited caller's default is their own reseller",
  })
  resellers_id?: number | null;

  @DecimalField({ optional: true, ...FEE, description: ACTIVATION_FEE, example: 10 })
  activation_fee?: Decimal;

  @DecimalField({ optional: true, ...FEE, description: SUBSCRIPTION_FEE, example: 25 })
  subscription_fee?: Decimal;

  @StringField({ optional: true, nullable: true, minLength: 1, maxLength: 32, description: RENEW_DUE, example: 'P7D' })
  renew_due?: string | null;

  @EnumField(PACKAGE_STATUSES, { optional: true, description: STATUS })
  status?: PackageStatus;

  @StringField({ optional: true, nullable: true, maxLength: 10000 })
  description?: string | null;
}

export class CreatePackageParams extends PackageFields {
  @StringField({ minLength: 1, maxLength: 128, example: 'Hosting S' })
  name: string;

  @IdField({ description: 'The currency of the fees' })
  currencies_id: number;

  @StringField({ minLength: 1, maxLength: 32, description: PERIOD, example: 'P1M' })
  period: string;

  // The same fields as on update, documented with the defaults a create applies.
  @DecimalField({ optional: true, ...FEE, default: 0, description: ACTIVATION_FEE, example: 10 })
  declare activation_fee?: Decimal;

  @DecimalField({ optional: true, ...FEE, default: 0, description: SUBSCRIPTION_FEE, example: 25 })
  declare subscription_fee?: Decimal;

  @EnumField(PACKAGE_STATUSES, { optional: true, default: 'active', description: STATUS })
  declare status?: PackageStatus;
}

export class UpdatePackageParams extends PackageFields {
  @IdField({ description: 'Package id' })
  id: number;

  @StringField({ optional: true, minLength: 1, maxLength: 128 })
  name?: string;

  @IdField({ optional: true, description: 'The currency of the fees (from the next fee booked)' })
  currencies_id?: number;

  @StringField({ optional: true, minLength: 1, maxLength: 32, description: `${PERIOD}. Refused with 422 while the package has subscriptions` })
  period?: string;

  @EnumField(PACKAGE_STATUSES, {
    optional: true,
    description: `${STATUS}. Archiving sets each running subscription's stop_dt to the end of its current period (now, if never activated)`,
  })
  declare status?: PackageStatus;
}

export const PACKAGE_ORDERS = ['id', 'name', 'status', 'c_dt'] as const;

export class SearchPackagesParams extends QuickSearchParams {
  @EnumListField(PACKAGE_STATUSES)
  status?: PackageStatus[];

  @IdListField()
  resellers_id?: number[];

  @IdListField()
  currencies_id?: number[];
}

export class Package {
  @ResultField({ type: 'integer' }, { example: 7 })
  id: number;

  @ResultField({ type: 'string' }, { example: 'Hosting S' })
  name: string;

  @ResultField({ type: 'integer' }, { nullable: true, example: 1, description: 'Null: every client may have it' })
  resellers_id: number | null;

  @ResultField({ type: 'integer' }, { example: 1, description: 'The currency of the fees' })
  currencies_id: number;

  @ResultField({ type: 'string' }, { example: 'P1M', description: PERIOD })
  period: string;

  @DecimalResultField({ example: 10, description: ACTIVATION_FEE })
  activation_fee: number;

  @DecimalResultField({ example: 25, description: SUBSCRIPTION_FEE })
  subscription_fee: number;

  @ResultField({ type: 'string' }, { nullable: true, example: 'P7D', description: RENEW_DUE })
  renew_due: string | null;

  @ResultField({ type: 'string', enum: [...PACKAGE_STATUSES] }, { example: 'active', description: STATUS })
  status: PackageStatus;

  @ResultField({ type: 'string' }, { nullable: true })
  description: string | null;

  @ResultField({ type: 'string', format: 'date-time' }, { example: '2026-11-25T09:30:00+00:00' })
  c_dt: string;
}
