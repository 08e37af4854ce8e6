import Decimal from '../../platform/money/decimal';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { CreatedAtColumn, DecimalColumn } from '../../platform/database/columns';
import { ResellerLimited } from '../../platform/tenancy/reseller-limited.decorator';
import { MONEY } from '../accounting/money';

export const CLIENT_STATUSES = ['active', 'blocked', 'archive'] as const;
export type ClientStatus = (typeof CLIENT_STATUSES)[number];

@Entity('clients')
@ResellerLimited({ objectName: 'clients', read: 'resellers_id', write: 'resellers_id' })
export class ClientEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  @Column({ type: 'varchar', length: 16, default: 'active' })
  status: ClientStatus;

  @Column({ type: 'integer', nullable: true })
  resellers_id: number | null;

  @Column({ type: 'integer' })
  currencies_id: number;

  /** Credit limit: how far below zero the balance may go for prepaid bookings. */
  @DecimalColumn({ ...MONEY, default: '0' })
  credit: Decimal;

  @Column({ type: 'boolean', default: false })
  credit_unlimited: boolean;

  /** The sum of the client's transactions; changed only by bookings. */
  @DecimalColumn({ ...MONEY, default: '0' })
  balance: Decimal;

  @Column({ type: 'varchar', length: 255, nullable: true })
  company_name: string | null;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  address: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  email: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  billing_email: string | null;

  @Column({ type: 'text', nullable: true })
  notes: string | null;

  @CreatedAtColumn()
  c_dt: Date;
}
