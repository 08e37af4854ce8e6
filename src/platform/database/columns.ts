import { Column, ColumnOptions, CreateDateColumn } from 'typeorm';
import type { DatabaseConfig } from '../../config/config';

type Dialect = DatabaseConfig['type'];

// SQLite has no time-zone-aware timestamp nor an exact numeric affinity; each dialect gets its own exact type.
const TYPES = {
  datetime: { sqlite: 'datetime', postgres: 'timestamptz' },
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

/** The creation time `c_dt`, set by the database. */
export function CreatedAtColumn(): PropertyDecorator {
  return CreateDateColumn({
    get type() {
      return TYPES.datetime[dialect];
    },
  });
}

/** Column types for migrations, which run against a known driver. */
export function migrationTypes(driverType: string): { datetime: string; now: string } {
  return driverType === 'postgres'
    ? { datetime: 'timestamptz', now: 'now()' }
    : { datetime: 'datetime', now: "(datetime('now'))" };
}
