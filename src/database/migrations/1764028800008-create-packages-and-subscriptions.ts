import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { migrationTypes } from '../../platform/database/columns';
import { limitTableToReach, unlimitTable } from '../../platform/database/row-level-security';

/** Recurring billing (SPEC §10): the package catalogue, subscriptions, and the fee's subscription on each transaction. */
export class CreatePackagesAndSubscriptions1764028800008 implements MigrationInterface {
  name = 'CreatePackagesAndSubscriptions1764028800008';

  async up(queryRunner: QueryRunner): Promise<void> {
    const types = migrationTypes(queryRunner.connection.driver.options.type);
    const postgres = types.decimal === 'numeric';
    const money = (name: string) => (postgres ? { name, type: 'numeric', precision: 20, scale: 8, default: 0 } : { name, type: 'text', default: "'0'" });
    const restrict = (column: string, table: string) => ({ columnNames: [column], referencedTableName: table, referencedColumnNames: ['id'], onDelete: 'RESTRICT' });

    await queryRunner.createTable(
      new Table({
        name: 'packages',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'name', type: 'varchar', length: '128' },
          { name: 'resellers_id', type: 'integer', isNullable: true },
          { name: 'currencies_id', type: 'integer' },
          { name: 'period', type: 'varchar', length: '32' },
          money('activation_fee'),
          money('subscription_fee'),
          { name: 'renew_due', type: 'varchar', length: '32', isNullable: true },
          { name: 'status', type: 'varchar', length: '16', default: "'active'" },
          { name: 'description', type: 'text', isNullable: true },
          { name: 'c_dt', type: types.datetime, default: types.now },
        ],
        foreignKeys: [restrict('resellers_id', 'resellers'), restrict('currencies_id', 'currencies')],
        indices: [{ columnNames: ['resellers_id', 'id'] }, { columnNames: ['name', 'id'] }, { columnNames: ['currencies_id'] }],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'subscriptions',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'clients_id', type: 'integer' },
          { name: 'packages_id', type: 'integer' },
          { name: 'resellers_id', type: 'integer', isNullable: true },
          { name: 'quantity', type: 'integer', default: 1 },
          { name: 'start_dt', type: types.datetime },
          { name: 'stop_dt', type: types.datetime, isNullable: true },
          { name: 'condition', type: 'varchar', length: '16', default: "'new'" },
          { name: 'periods_start_dt', type: types.datetime, isNullable: true },
          { name: 'periods_stop_dt', type: types.datetime, isNullable: true },
          { name: 'last_error', type: 'varchar', length: '64', isNullable: true },
          { name: 'next_period', type: 'integer', default: 0 },
          { name: 'due_dt', type: types.datetime, isNullable: true },
          { name: 'c_dt', type: types.datetime, default: types.now },
        ],
        foreignKeys: [restrict('clients_id', 'clients'), restrict('packages_id', 'packages'), restrict('resellers_id', 'resellers')],
        indices: [
          { columnNames: ['clients_id', 'id'] },
          { columnNames: ['packages_id', 'id'] },
          { columnNames: ['resellers_id', 'id'] },
          { columnNames: ['start_dt', 'id'] },
          { columnNames: ['periods_start_dt', 'id'] },
          // The engine's one way in: what is due, oldest first.
          { name: 'IDX_subscriptions_due_dt', columnNames: ['due_dt', 'id'] },
        ],
      }),
    );

    // In place: TypeORM would rebuild the SQLite table, and every index and trigger on it. SQLite
    // cannot drop a column a foreign key names, so there the subscription's delete check (References) stands alone.
    const references = postgres ? ' REFERENCES "subscriptions" ("id") ON DELETE RESTRICT' : '';
    await queryRunner.query(`ALTER TABLE "transactions" ADD COLUMN "subscriptions_id" integer NULL${references}`);
    await queryRunner.query('CREATE INDEX "IDX_transactions_subscriptions_id" ON "transactions" ("subscriptions_id", "id")');

    if (postgres) {
      await limitTableToReach(queryRunner, 'packages', ['resellers_id']);
      await limitTableToReach(queryRunner, 'subscriptions', ['resellers_id']);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === 'postgres';
    if (postgres) {
      await unlimitTable(queryRunner, 'subscriptions');
      await unlimitTable(queryRunner, 'packages');
    }
    await queryRunner.query('DROP INDEX "IDX_transactions_subscriptions_id"');
    await queryRunner.query('ALTER TABLE "transactions" DROP COLUMN "subscriptions_id"');
    await queryRunner.dropTable('subscriptions');
    await queryRunner.dropTable('packages');
  }
}
