import {
  DateTimeField,
  EnumField,
  EnumListField,
  IdField,
  IdListField,
  DecimalResultField,
  ResultField,
  StringField,
} from '../../../../platform/api/fields';
import { SearchParams } from '../../../../platform/search/search-params';
import { TRANSACTION_TYPES, TransactionType } from '../../transactions/transaction.entity';
import { INVOICE_STATUSES, InvoiceStatus } from '../invoice.entity';

const PERIOD_START = 'Start of the period invoiced (inclusive), in the effective time zone unless an offset is given';
const PERIOD_END = 'End of the period invoiced (exclusive), after start_dt';
const INVOICE_DT = 'Date of issue (default: now); its calendar year in the system time zone (DEFAULT_TIMEZONE) numbers the invoice';
const DUE_DT = 'When payment is due, not before invoice_dt (default: invoice_dt + 14 days)';

export class CreateInvoiceParams {
  @IdField({ description: 'The client invoiced' })
  clients_id: number;

  @DateTimeField({ description: PERIOD_START, example: '2026-11-01' })
  start_dt: Date;

  @DateTimeField({ description: PERIOD_END, example: '2026-12-01' })
  end_dt: Date;

  @DateTimeField({ optional: true, description: INVOICE_DT })
  invoice_dt?: Date;

  @DateTimeField({ optional: true, description: DUE_DT })
  due_dt?: Date;

  @StringField({ optional: true, nullable: true, maxLength: 10000 })
  notes?: string | null;
}

export class GenerateInvoicesParams {
  @DateTimeField({ description: PERIOD_START, example: '2026-11-01' })
  start_dt: Date;

  @DateTimeField({ description: PERIOD_END, example: '2026-12-01' })
  end_dt: Date;

  @IdListField({ description: 'Only these clients (default: every client in reach)' })
  clients_id?: number[];

  @IdListField({ description: 'Only the clients of these resellers (each exactly: not their sub-resellers)' })
  resellers_id?: number[];

  @DateTimeField({ optional: true, description: INVOICE_DT })
  invoice_dt?: Date;

  @DateTimeField({ optional: true, description: DUE_DT })
  due_dt?: Date;
}

/** The statuses an update may set: `void` is reached only through accounting.invoices.void. */
export const UPDATABLE_STATUSES = ['issued', 'paid'] as const;

export class UpdateInvoiceParams {
  @IdField({ description: 'Invoice id' })
  id: number;

  @EnumField(UPDATABLE_STATUSES, { optional: true, description: 'issued or paid, either way (void only through accounting.invoices.void)' })
  status?: (typeof UPDATABLE_STATUSES)[number];

  @DateTimeField({ optional: true, description: 'Not before invoice_dt' })
  due_dt?: Date;

  @StringField({ optional: true, nullable: true, maxLength: 10000 })
  notes?: string | null;
}

export const INVOICE_ORDERS = ['id', 'number', 'invoice_dt', 'due_dt', 'total'] as const;

export class SearchInvoicesParams extends SearchParams {
  @IdListField()
  clients_id?: number[];

  @IdListField()
  resellers_id?: number[];

  @EnumListField(INVOICE_STATUSES)
  status?: InvoiceStatus[];

  @DateTimeField({ optional: true, description: 'invoice_dt at or after (in the effective time zone unless an offset is given)' })
  invoice_dt_from?: Date;

  @DateTimeField({ optional: true, description: 'invoice_dt before (in the effective time zone unless an offset is given)' })
  invoice_dt_till?: Date;
}

export class InvoiceLine {
  @ResultField({ type: 'integer' }, { example: 1001 })
  transactions_id: number;

  @ResultField({ type: 'string', format: 'date-time' }, { example: '2026-11-01T00:00:00+00:00', description: "The transaction's dt" })
  dt: string;

  @ResultField({ type: 'string', enum: [...TRANSACTION_TYPES] }, { example: 'charge', description: 'charge, debit_note or credit_note' })
  type: TransactionType;

  @ResultField({ type: 'string' }, { nullable: true })
  notes: string | null;

  @ResultField({ type: 'integer' }, { nullable: true, example: null, description: 'The subscription whose fee it is; null for other bookings' })
  subscriptions_id: number | null;

  @DecimalResultField({ example: 9.99, description: "In the client's currency, positive when the client owes it: minus the transaction's client_amount" })
  amount: number;
}

/** An invoice as search lists it: without its lines. */
export class InvoiceSummary {
  @ResultField({ type: 'integer' }, { example: 42 })
  id: number;

  @ResultField({ type: 'string' }, { example: '2026-000042', description: 'Gapless and sequential per calendar year of invoice_dt; never reused' })
  number: string;

  @ResultField({ type: 'integer' }, { example: 7 })
  clients_id: number;

  @ResultField({ type: 'integer' }, { nullable: true, example: 1, description: "The client's reseller" })
  resellers_id: number | null;

  @ResultField({ type: 'integer' }, { example: 1, description: "The client's currency" })
  currencies_id: number;

  @ResultField({ type: 'string', format: 'date-time' }, { example: '2026-11-01T00:00:00+00:00', description: 'The period invoiced, [start_dt, end_dt)' })
  start_dt: string;

  @ResultField({ type: 'string', format: 'date-time' }, { example: '2026-12-01T00:00:00+00:00' })
  end_dt: string;

  @ResultField({ type: 'string', format: 'date-time' }, { example: '2026-12-01T09:00:00+00:00' })
  invoice_dt: string;

  @ResultField({ type: 'string', format: 'date-time' }, { example: '2026-12-15T09:00:00+00:00' })
  due_dt: string;

  @ResultField({ type: 'string', enum: [...INVOICE_STATUSES] }, { example: 'issued' })
  status: InvoiceStatus;

  @DecimalResultField({ example: 29.97, description: "The lines' amounts summed, rounded half to even at the currency's totals_precision" })
  total: number;

  @ResultField({ type: 'string' }, { nullable: true })
  notes: string | null;

  @ResultField({ type: 'string', format: 'date-time' }, { example: '2026-12-01T09:00:00+00:00' })
  c_dt: string;
}

/** An invoice with its lines (get, create). */
export class Invoice extends InvoiceSummary {
  @ResultField(InvoiceLine, { array: true, description: 'Its transactions, by dt then transactions_id (a void invoice keeps showing them)' })
  lines: InvoiceLine[];
}

export class BillRun {
  @ResultField({ type: 'array', items: { type: 'integer' } }, { example: [42, 43], description: 'The invoices created, by client id' })
  created: number[];

  @ResultField({ type: 'integer' }, { example: 3, description: 'Clients in scope with nothing to invoice (a zero total)' })
  skipped: number;
}

/** An invoice's PDF as JSON-RPC carries it (REST sends the bytes). */
export class InvoicePdf {
  @ResultField({ type: 'string' }, { example: 'invoice-2026-000042.pdf' })
  filename: string;

  @ResultField({ type: 'string' }, { example: 'application/pdf' })
  content_type: string;

  @ResultField({ type: 'string', contentEncoding: 'base64' }, { example: 'JVBERi0xLjMK…', description: 'The PDF, base64-encoded' })
  content_base64: string;
}
