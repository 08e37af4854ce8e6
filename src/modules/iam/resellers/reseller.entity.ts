import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { CreatedAtColumn } from '../../../platform/database/columns';
import { ResellerLimited } from '../../../platform/tenancy/reseller-limited.decorator';

export const RESELLER_STATUSES = ['active', 'deleted'] as const;
export type ResellerStatus = (typeof RESELLER_STATUSES)[number];

/** A node of the reseller tree; a limited user sees their reseller and everything beneath it. */
@Entity('resellers')
@ResellerLimited({ objectName: 'resellers', read: 'id', write: 'parent_id' })
export class ResellerEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  @Column({ type: 'integer', nullable: true })
  parent_id: number | null;

  @Column({ type: 'varchar', length: 16, default: 'active' })
  status: ResellerStatus;

  @CreatedAtColumn()
  c_dt: Date;
}
