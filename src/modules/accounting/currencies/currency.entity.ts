import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { CreatedAtColumn } from '../../../platform/database/columns';

@Entity('currencies')
export class CurrencyEntity {
  @PrimaryGeneratedColumn()
  id: number;

  /** ISO 4217 code, e.g. USD. */
  @Column({ type: 'varchar', length: 3, unique: true })
  name: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  description: string | null;

  @Column({ type: 'integer', default: 4 })
  rates_precision: number;

  @Column({ type: 'integer', default: 4 })
  details_precision: number;

  @Column({ type: 'integer', default: 2 })
  totals_precision: number;

  @CreatedAtColumn()
  c_dt: Date;
}
