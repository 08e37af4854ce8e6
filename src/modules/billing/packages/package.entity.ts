import Decimal from '../../../platform/money/decimal';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { CreatedAtColumn, DecimalColumn } from '../../../platform/database/columns';
import { ResellerLimited } from '../../../platform/tenancy/reseller-limited.decorator';
import { MONEY } from '../../accounting/money';

/** active: open for new subscriptions; disabled: no new ones; archive: none, and existing ones stop at their period's end. */
export const PACKAGE_STATUSES = ['active', 'disabled', 'archive'] as const;
export type PackageStatus = (typeof PACKAGE_STATUSES)[number];

/** A recurring service in the catalogue (SPEC §10); reseller-limited like clients. */
@Entity('packages')
@ResellerLimited({ objectName: 'packages', read: 'resellers_id', write: 'resellers_id' })
export class PackageEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 128 })
  name: string;

  /** Null: a package of the system, serving every client. */
  @Column({ type: 'integer', nullable: true })
  resellers_id: number | null;

  @Column({ type: 'integer' })
  currencies_id: number;

  /** ISO 8601 duration, at least PT1M (see periods.ts). */
  @Column({ type: 'varchar', length: 32 })
  period: string;

  @DecimalColumn({ ...MONEY, default: '0' })
  activation_fee: Decimal;

  @DecimalColumn({ ...MONEY, default: '0' })
  subscription_fee: Decimal;

  /** ISO 8601 duration after a period's start during which its fee is retried; null: until paid. */
  @Column({ type: 'varchar', length: 32, nullable: true })
  renew_due: string | null;

  @Column({ type: 'varchar', length: 16, default: 'active' })
  status: PackageStatus;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @CreatedAtColumn()
  c_dt: Date;
}
