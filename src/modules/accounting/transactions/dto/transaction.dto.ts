import type Decimal from 'decimal.js';
import {
  DateTimeField,
  DecimalField,
  EnumField,
  EnumListField,
  IdField,
  IdListField,
  DecimalResultField,
  ResultField,
  StringField,
} from '../../../../platform/api/fields';
import { QuickSearchParams } from '../../../../platform/search/search-params';
import { digitsOf, MONEY } from '../../money';
import { TRANSACTION_TYPES, TransactionType } from '../transaction.entity';

export class CreateTransactionParams {
  @IdField({ description: 'The client booked on' })
  clients_id: number;

  @EnumField(TRANSACTION_TYPES, { example: 'payment' })
  type: TransactionType;

  @DecimalField({ ...digitsOf(MONEY), nonZero: true, example: 100, description: 'Positive raises the balance, negative lowers it' })
  amount: Decimal;

  @IdField({ optional: true, description: "Currency of the amount (default: the client's); converted at the rate in effect at dt" })
  currencies_id?: number;

  @DateTimeField({ optional: true, description: 'When it happened (default: now)' })
  dt?: Date;

  @StringField({ optional: true, nullable: true, maxLength: 10000 })
  notes?: string | null;

  @StringField({
    optional: true,
    minLength: 1,
    maxLength: 128,
    description: 'Your own id for this booking, unique per client: sending it again returns the first booking',
    example: 'invoice-2026-0042',
  })
  external_id?: string;
}

export const TRANSACTION_ORDERS = ['id', 'dt', 'amount'] as const;

export class SearchTransactionsParams extends QuickSearchParams {
  @IdListField()
  clients_id?: number[];

  @IdListField()
  resellers_id?: number[];

  @EnumListField(TRANSACTION_TYPES)
  type?: TransactionType[];

  @IdListField()
  currencies_id?: number[];

  @IdListField({ description: 'Only the fees of these subscriptions' })
  subscriptions_id?: number[];

  @DateTimeField({ optional: true, description: 'dt at or after (in the effective time zone unless an offset is given)' })
  dt_from?: Date;

  @DateTimeField({ optional: true, description: 'dt before (in the effective time zone unless an offset is given)' })
  dt_till?: Date;
}

export class Transaction {
  @ResultField({ type: 'integer' }, { example: 1 })
  id: number;

  @ResultField({ type: 'integer' }, { example: 42 })
  clients_id: number;

  @ResultField({ type: 'integer' }, { nullable: true, example: 1, description: "The client's reseller" })
  resellers_id: number | null;

  @ResultField({ type: 'string', enum: [...TRANSACTION_TYPES] }, { example: 'payment' })
  type: TransactionType;

  @DecimalResultField({ example: 100, description: 'In currencies_id' })
  amount: number;

  @ResultField({ type: 'integer' }, { example: 1 })
  currencies_id: number;

  @DecimalResultField({ example: 100, description: "In the client's currency: what the balance moved by" })
  client_amount: number;

  @DecimalResultField({ example: 1, description: "Rate from currencies_id to the client's currency at dt" })
  rate: number;

  @ResultField({ type: 'string', format: 'date-time' }, { example: '2026-11-25T09:30:00+00:00' })
  dt: string;

  @ResultField({ type: 'string' }, { nullable: true })
  notes: string | null;

  @ResultField({ type: 'string' }, { nullable: true, example: 'invoice-2026-0042' })
  external_id: string | null;

  @ResultField({ type: 'integer' }, { nullable: true, example: null, description: 'The subscription whose fee this is (read-only); null for other bookings' })
  subscriptions_id: number | null;

  @ResultField({ type: 'string', format: 'date-time' }, { example: '2026-11-25T09:30:00+00:00' })
  c_dt: string;
}
