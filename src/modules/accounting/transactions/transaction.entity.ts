import Decimal from '../../../platform/money/decimal';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { CreatedAtColumn, DateTimeColumn, DecimalColumn } from '../../../platform/database/columns';
import { ResellerLimited } from '../../../platform/tenancy/reseller-limited.decorator';
import { MONEY, RATE } from '../money';

export const TRANSACTION_TYPES = ['payment', 'charge', 'credit_note', 'debit_note', 'adjustment'] as const;
export type TransactionType = (typeof TRANSACTION_TYPES)[number];

/** A booking on a client's balance; reseller-limited through its client, whose reseller it copies. */
@Entity('transactions')
@ResellerLimited({ objectName: 'transactions', read: 'resellers_id', write: 'resellers_id' })
export class TransactionEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'integer' })
  clients_id: number;

  @Column({ type: 'integer', nullable: true })
  resellers_id: number | null;

  @Column({ type: 'varchar', length: 16 })
  type: TransactionType;

  /** In `currencies_id`; positive raises the balance. */
  @DecimalColumn({ ...MONEY })
  amount: Decimal;

  @Column({ type: 'integer' })
  currencies_id: number;

  /** `amount` in the client's currency: what the balance moved by. */
  @DecimalColumn({ ...MONEY })
  client_amount: Decimal;

  /** The rate from `currencies_id` to the client's currency at `dt` (1 for the same currency). */
  @DecimalColumn({ ...RATE })
  rate: Decimal;

  @DateTimeColumn()
  dt: Date;

  @Column({ type: 'text', nullable: true })
  notes: string | null;

  /** The caller's own id for the booking, unique per client: a retry returns the first booking. */
  @Column({ type: 'varchar', length: 128, nullable: true })
  external_id: string | null;

  /** The subscription whose fee this is (read-only); null for manual bookings. */
  @Column({ type: 'integer', nullable: true })
  subscriptions_id: number | null;

  @CreatedAtColumn()
  c_dt: Date;
}
