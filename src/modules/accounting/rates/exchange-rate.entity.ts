import Decimal from '../../../platform/money/decimal';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { CreatedAtColumn, DateTimeColumn, DecimalColumn } from '../../../platform/database/columns';
import { RATE } from '../money';

/** One unit of `currencies_id` is worth `rate` units of `to_currencies_id` from `effective_from` on. */
@Entity('exchange_rates')
export class ExchangeRateEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'integer' })
  currencies_id: number;

  @Column({ type: 'integer' })
  to_currencies_id: number;

  @DecimalColumn({ ...RATE })
  rate: Decimal;

  @DateTimeColumn()
  effective_from: Date;

  @CreatedAtColumn()
  c_dt: Date;
}
