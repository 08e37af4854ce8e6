import { MigrationInterface, QueryRunner, Table, TableColumnOptions } from 'typeorm';
import { migrationTypes } from '../../platform/database/columns';

export class CreateExchangeRatesAndTransactions1764028800004 implements MigrationInterface {
  name = 'CreateExchangeRatesAndTransactions1764028800004';

  async up(queryRunner: QueryRunner): Promise<void> {
    const types = migrationTypes(queryRunner.connection.driver.options.type);
    const postgres = types.decimal === 'numeric';
    const decimal = (name: string, precision: number, scale: number): TableColumnOptions =>
      postgres ? { name, type: 'numeric', precision, scale } : { name, type: 'text' };
    const restrict = (column: string, table: string) => ({
      columnNames: [column],
      referencedTableName: table,
      referencedColumnNames: ['id'],
      onDelete: 'RESTRICT',
    });

    await queryRunner.createTable(
      new Table({
        name: 'exchange_rates',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'currencies_id', type: 'integer' },
          { name: 'to_currencies_id', type: 'integer' },
          decimal('rate', 20, 10),
          { name: 'effective_from', type: types.datetime },
          { name: 'c_dt', type: types.datetime, default: types.now },
        ],
        foreignKeys: [restrict('currencies_id', 'currencies'), restrict('to_currencies_id', 'currencies')],
        uniques: [{ name: 'UQ_exchange_rates_pair_effective_from', columnNames: ['currencies_id', 'to_currencies_id', 'effective_from'] }],
        indices: [{ columnNames: ['to_currencies_id'] }, { columnNames: ['effective_from'] }, { columnNames: ['c_dt'] }],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'transactions',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'clients_id', type: 'integer' },
          { name: 'resellers_id', type: 'integer', isNullable: true },
          { name: 'type', type: 'varchar', length: '16' },
          decimal('amount', 20, 8),
          { name: 'currencies_id', type: 'integer' },
          decimal('client_amount', 20, 8),
          decimal('rate', 20, 10),
          { name: 'dt', type: types.datetime },
          { name: 'notes', type: 'text', isNullable: true },
          { name: 'external_id', type: 'varchar', length: '128', isNullable: true },
          { name: 'c_dt', type: types.datetime, default: types.now },
        ],
        foreignKeys: [restrict('clients_id', 'clients'), restrict('resellers_id', 'resellers'), restrict('currencies_id', 'currencies')],
        uniques: [{ name: 'UQ_transactions_client_external_id', columnNames: ['clients_id', 'external_id'] }],
        indices: [
          { columnNames: ['clients_id', 'id'] },
          { columnNames: ['resellers_id', 'id'] },
          { columnNames: ['clients_id', 'dt'] },
          { columnNames: ['dt'] },
          { columnNames: ['type'] },
          { columnNames: ['currencies_id'] },
        ],
      }),
    );
    // Orders by amount: SQLite keeps decimals as text, so its index is on the numeric value.
    await queryRunner.query(
      postgres
        ? 'CREATE INDEX "IDX_transactions_amount" ON "transactions" ("amount")'
        : 'CREATE INDEX "IDX_transactions_amount" ON "transactions" (CAST("amount" AS REAL))',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('transactions');
    await queryRunner.dropTable('exchange_rates');
  }
}
