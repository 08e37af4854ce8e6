import {
  BoolField,
  DateTimeField,
  DecimalField,
  EmailField,
  EnumField,
  EnumListField,
  IdField,
  IdListField,
  DecimalResultField,
  ResultField,
  StringField,
} from '../../../platform/api/fields';
import { QuickSearchParams } from '../../../platform/search/search-params';
import { digitsOf, MONEY } from '../../accounting/money';
import { CLIENT_STATUSES, ClientStatus } from '../client.entity';
import type Decimal from 'decimal.js';

const CREDIT = { ...digitsOf(MONEY), min: 0, description: 'Credit limit' };

/** Fields a client may be created or updated with. */
class ClientFields {
  @EnumField(CLIENT_STATUSES, { optional: true })
  status?: ClientStatus;

  @IdField({
    optional: true,
    nullable: true,
    description: "Reseller the client belongs to; a reseller-limited caller's default is their own reseller",
  })
  resellers_id?: number | null;

  @DecimalField({ optional: true, ...CREDIT, example: 1000 })
  credit?: Decimal;

  @BoolField({ optional: true, description: 'Prepaid bookings ignore the credit limit' })
  credit_unlimited?: boolean;

  @StringField({ optional: true, nullable: true, maxLength: 255, example: 'Acme Ltd' })
  company_name?: string | null;

  @StringField({ optional: true, nullable: true, maxLength: 1000 })
  address?: string | null;

  @EmailField({ optional: true, nullable: true, example: 'noc@acme.example' })
  email?: string | null;

  @EmailField({ optional: true, nullable: true, example: 'billing@acme.example' })
  billing_email?: string | null;

  @StringField({ optional: true, nullable: true, maxLength: 10000 })
  notes?: string | null;
}

export class CreateClientParams extends ClientFields {
  @StringField({ minLength: 1, maxLength: 255, example: 'Acme' })
  name: string;

  @IdField({ description: 'The currency of the account' })
  currencies_id: number;

  // The same fields as on update, documented with the defaults a create applies.
  @EnumField(CLIENT_STATUSES, { optional: true, default: 'active' })
  declare status?: ClientStatus;

  @DecimalField({ optional: true, ...CREDIT, default: 0, example: 1000 })
  declare credit?: Decimal;

  @BoolField({ optional: true, default: false, description: 'Prepaid bookings ignore the credit limit' })
  declare credit_unlimited?: boolean;
}

export class UpdateClientParams extends ClientFields {
  @IdField({ description: 'Client id' })
  id: number;

  @StringField({ optional: true, minLength: 1, maxLength: 255 })
  name?: string;

  @IdField({ optional: true, description: 'Refused with 422 while the client has transactions in its currency' })
  currencies_id?: number;
}

export const CLIENT_ORDERS = ['id', 'name', 'status', 'balance', 'c_dt'] as const;

export class SearchClientsParams extends QuickSearchParams {
  @EnumListField(CLIENT_STATUSES)
  status?: ClientStatus[];

  @IdListField()
  resellers_id?: number[];

  @IdListField()
  currencies_id?: number[];

  @DateTimeField({ optional: true, description: 'Created at or after (in the effective time zone unless an offset is given)' })
  c_dt_from?: Date;

  @DateTimeField({ optional: true, description: 'Created before (in the effective time zone unless an offset is given)' })
  c_dt_till?: Date;
}

export class Client {
  @ResultField({ type: 'integer' }, { example: 42 })
  id: number;

  @ResultField({ type: 'string' }, { example: 'Acme' })
  name: string;

  @ResultField({ type: 'string', enum: [...CLIENT_STATUSES] }, { example: 'active' })
  status: ClientStatus;

  @ResultField({ type: 'integer' }, { nullable: true, example: 1 })
  resellers_id: number | null;

  @ResultField({ type: 'integer' }, { example: 1 })
  currencies_id: number;

  @DecimalResultField({ example: 1000, description: 'Credit limit' })
  credit: number;

  @ResultField({ type: 'boolean' }, { example: false })
  credit_unlimited: boolean;

  @DecimalResultField({ example: -12.5, description: 'The sum of the client\'s transactions (read-only)' })
  balance: number;

  @ResultField({ type: 'string' }, { nullable: true, example: 'Acme Ltd' })
  company_name: string | null;

  @ResultField({ type: 'string' }, { nullable: true })
  address: string | null;

  @ResultField({ type: 'string' }, { nullable: true, example: 'noc@acme.example' })
  email: string | null;

  @ResultField({ type: 'string' }, { nullable: true, example: 'billing@acme.example' })
  billing_email: string | null;

  @ResultField({ type: 'string' }, { nullable: true })
  notes: string | null;

  @ResultField({ type: 'string', format: 'date-time' }, { example: '2026-11-25T09:30:00+00:00' })
  c_dt: string;
}
