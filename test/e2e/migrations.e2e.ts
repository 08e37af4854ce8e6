import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/config';
import { MIGRATIONS } from '../../src/database/migrations';
import { dataSourceOptions } from '../../src/platform/database/data-source-options';
import { throwawayDatabaseUrl } from '../support/test-app';

// Every migration applies, reverts and applies again, on the database of this run.
describe('migrations', () => {
  it('go all the way up, all the way down and up again', async () => {
    const database = await throwawayDatabaseUrl();
    const dataSource = new DataSource(dataSourceOptions(loadConfig({ DATABASE_URL: database.url }).database));
    await dataSource.initialize();
    try {
      const tables = async () =>
        (
          await dataSource.query(
            dataSource.options.type === 'postgres'
              ? `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`
              : `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1`,
          )
        ).map((row: { name: string }) => row.name);
      // The clients' quick-search index: a lower-cased copy on PostgreSQL, an FTS5 table and its shadow tables on SQLite.
      const quickSearch = dataSource.options.type === 'postgres' ? ['clients_q'] : ['clients_q', 'clients_q_config', 'clients_q_data', 'clients_q_idx'];
      const all = ['clients', ...quickSearch, 'currencies', 'exchange_rates', 'idempotency_keys', 'invoice_lines', 'invoice_numbers', 'invoices', 'migrations', 'packages', 'resellers', 'settings', 'subscriptions', 'transactions', 'users'];

      expect((await dataSource.runMigrations()).map((migration) => migration.name)).toEqual(MIGRATIONS.map((migration) => migration.name));
      expect(await tables()).toEqual(all);
      for (let i = 0; i < MIGRATIONS.length; i++) await dataSource.undoLastMigration();
      expect(await tables()).toEqual(['migrations']);
      await dataSource.runMigrations();
      expect(await tables()).toEqual(all);
    } finally {
      await dataSource.destroy();
      await database.drop();
    }
  });
});
