import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { DatabaseConfig, DatabaseLimits, DEFAULT_DATABASE_LIMITS } from '../../config/config';
import { ENTITIES } from '../../database/entities';
import { MIGRATIONS } from '../../database/migrations';
import { ResellerSubscriber } from '../tenancy/reseller.subscriber';
import { useDialect } from './columns';

/**
 * The one data source definition, used by the server, the tests and the TypeORM migration CLI.
 * Every wait is bounded: for a connection, for a lock, for a statement, and for a server that
 * stops answering altogether (node-postgres's own query timeout).
 */
export function dataSourceOptions(database: DatabaseConfig, limits: DatabaseLimits = DEFAULT_DATABASE_LIMITS): DataSourceOptions {
  useDialect(database.type);
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    subscribers: [ResellerSubscriber],
    synchronize: false,
    migrationsRun: false,
  };
  if (database.type === 'postgres') {
    return {
      ...common,
      type: 'postgres',
      url: database.url,
      schema: database.schema,
      extra: {
        max: limits.poolSize,
        connectionTimeoutMillis: limits.acquireTimeoutMs,
        lock_timeout: limits.lockTimeoutMs,
        statement_timeout: limits.statementTimeoutMs,
        query_timeout: limits.statementTimeoutMs + 1000,
        // A transaction left open (a process stopped mid-request) releases its locks.
        idle_in_transaction_session_timeout: limits.statementTimeoutMs * 2,
        keepAlive: true,
        ...(database.schema && { options: `-c search_path=${database.schema}` }),
      },
    };
  }
  if (database.path !== ':memory:') mkdirSync(dirname(database.path), { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    database: database.path,
    enableWAL: true,
    // SQLite's busy timeout: how long a write waits for another process's.
    timeout: limits.lockTimeoutMs,
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma('foreign_keys = ON');
      db.pragma('synchronous = NORMAL');
      // The planner's statistics (which index a range or a filter should use) for tables never
      // analysed or grown or shrunk tenfold since; refreshed by sqlite-checkpoints.ts while the
      // server runs. Nothing to do on most starts; about a second per million rows when there is.
      db.pragma('optimize = 0x10002');
    },
  };
}
