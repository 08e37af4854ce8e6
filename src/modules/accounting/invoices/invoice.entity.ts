import Decimal from '../../../platform/money/decimal';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { CreatedAtColumn, DateTimeColumn, DecimalColumn } from '../../../platform/database/columns';
import { ResellerLimited } from '../../../platform/tenancy/reseller-limited.decorator';
import { MONEY } from '../money';

export const INVOICE_STATUSES = ['issued', 'paid', 'void'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

/**
 * What a client owes for a period (SPEC §11); reseller-limited through its client, whose reseller
 * and currency it copies. Numbered `<year>-<seq, 6 digits>`, gapless per calendar year of
 * invoice_dt (in the system zone): (year, seq) is unique, and seq comes from invoice_numbers.
 */
@Entity('invoices')
@ResellerLimited({ objectName: 'accounting.invoices', read: 'resellers_id', write: 'resellers_id' })
export class InvoiceEntity {
  @PrimaryGeneratedColumn()
  id: number;

  /** `2026-000042`: year and seq, as issued. */
  @Column({ type: 'varchar', length: 16 })
  number: string;

  @Column({ type: 'integer' })
  year: number;

  @Column({ type: 'integer' })
  seq: number;

  @Column({ type: 'integer' })
  clients_id: number;

  @Column({ type: 'integer', nullable: true })
  resellers_id: number | null;

  @Column({ type: 'integer' })
  currencies_id: number;

  /** The period invoiced, [start_dt, end_dt). */
  @DateTimeColumn()
  start_dt: Date;

  @DateTimeColumn()
  end_dt: Date;

  @DateTimeColumn()
  invoice_dt: Date;

  @DateTimeColumn()
  due_dt: Date;

  @Column({ type: 'varchar', length: 8, default: 'issued' })
  status: InvoiceStatus;

  /** Minus the sum of its lines' amounts, half-even to the currency's totals_precision: positive when the client owes it. */
  @DecimalColumn({ ...MONEY })
  total: Decimal;

  @Column({ type: 'text', nullable: true })
  notes: string | null;

  @CreatedAtColumn()
  c_dt: Date;
}

/**
 * A transaction on an invoice. `voided` follows its invoice's void; a unique index on
 * transactions_id among lines not voided is what keeps a transaction on at most one live invoice.
 */
@Entity('invoice_lines')
@ResellerLimited({ objectName: 'accounting.invoices', read: 'resellers_id', write: 'resellers_id' })
export class InvoiceLineEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'integer' })
  invoices_id: number;

  @Column({ type: 'integer' })
  transactions_id: number;

  @Column({ type: 'integer', nullable: true })
  resellers_id: number | null;

  @Column({ type: 'boolean', default: false })
  voided: boolean;
}

/** The last seq issued per year: the one place numbers come from (its row lock serializes them). */
@Entity('invoice_numbers')
export class InvoiceNumberEntity {
  @Column({ type: 'integer', primary: true })
  year: number;

  @Column({ type: 'integer' })
  last: number;
}
