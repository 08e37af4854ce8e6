import Decimal from '../money/decimal';
import { Column, ColumnOptions, CreateDateColumn, ValueTransformer } from 'typeorm';
import type { DatabaseConfig } from '../../config/config';

type Dialect = DatabaseConfig['type'];

// SQLite has no time-zone-aware timestamp nor an exact numeric affinity: instants are UTC text with
// milliseconds (so text order is time order), decimals their exact text.
const TYPES = {
  datetime: { sqlite: 'datetime', postgres: 'timestamptz' },
  decimal: { sqlite: 'text', postgres: 'numeric' },
} as const;

let dialect: Dialect = 'sqlite';

/** Chooses the column types of the entities for the database about to be opened (one per process). */
export function useDialect(next: Dialect): void {
  dialect = next;
}

/** An instant, stored in UTC. */
export function DateTimeColumn(options: ColumnOptions = {}): PropertyDecorator {
  return Column({
    ...options,
    get type() {
      return TYPES.datetime[dialect];
    },
  });
}

const DECIMAL: ValueTransformer = {
  to: (value: Decimal | null | undefined) => (value instanceof Decimal ? value.toFixed() : value),
  from: (value: string | number | null) => (value === null ? null : new Decimal(value)),
};

/**
 * An exact decimal (money, rates) as a Decimal: `numeric(precision, scale)` on PostgreSQL, the exact
 * decimal text on SQLite, which has no exact numeric type (sorting casts it, see search).
 */
export function DecimalColumn(options: ColumnOptions & { precision: number; scale: number }): PropertyDecorator {
  return Column({
    ...options,
    transformer: DECIMAL,
    get type() {
      return TYPES.decimal[dialect];
    },
  });
}

/** The creation time `c_dt`, set by the database. */
export function CreatedAtColumn(): PropertyDecorator {
  return CreateDateColumn({
    get type() {
      return TYPES.datetime[dialect];
    },
  });
}

/** Column types for migrations, which run against a known driver. */
export function migrationTypes(driverType: string): { datetime: string; decimal: string; now: string } {
  return driverType === 'postgres'
    ? { datetime: 'timestamptz', decimal: 'numeric', now: 'now()' }
    : { datetime: 'datetime', decimal: 'text', now: "(strftime('%Y-%m-%d %H:%M:%f', 'now'))" };
}

/** Whether the dialect keeps decimals as text (SQLite): ordering then needs a numeric cast. */
export function decimalsAreText(): boolean {
  return dialect === 'sqlite';
}
