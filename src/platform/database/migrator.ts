import { DataSource, MigrationExecutor } from 'typeorm';
import { REACH_SETTING } from './row-level-security';

// Any fixed number: several server processes sharing one PostgreSQL take turns at migrating.
const MIGRATION_LOCK = 7_301_995;

/**
 * Applies pending migrations. On PostgreSQL one connection takes an advisory lock, so concurrent
 * boots take turns, and runs them free of the request timeouts (a migration may rightly be slow).
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  if (dataSource.options.type !== 'postgres') {
    return (await dataSource.runMigrations({ transaction: 'each' })).map((migration) => migration.name);
  }
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    // A data migration sees every row: the login role owns the tables, and FORCE binds owners to row-level security.
    await runner.query(`SET statement_timeout = 0; SET lock_timeout = 0; SET ${REACH_SETTING} = 'all'`);
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'each';
    return (await executor.executePendingMigrations()).map((migration) => migration.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await runner.query(`RESET statement_timeout; RESET lock_timeout; RESET ${REACH_SETTING}`).catch(() => undefined);
    await runner.release();
  }
}
