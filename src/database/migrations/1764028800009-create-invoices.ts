import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { migrationTypes } from '../../platform/database/columns';
import { limitTableToReach, unlimitTable } from '../../platform/database/row-level-security';

/** Invoices (SPEC §11): invoices, their lines (each transaction on one live invoice at most), and the number counter. */
export class CreateInvoices1764028800009 implements MigrationInterface {
  name = 'CreateInvoices1764028800009';

  async up(queryRunner: QueryRunner): Promise<void> {
    const types = migrationTypes(queryRunner.connection.driver.options.type);
    const postgres = types.decimal === 'numeric';
    const restrict = (column: string, table: string) => ({ columnNames: [column], referencedTableName: table, referencedColumnNames: ['id'], onDelete: 'RESTRICT' });

    await queryRunner.createTable(
      new Table({
        name: 'invoices',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'number', type: 'varchar', length: '16' },
          { name: 'year', type: 'integer' },
          { name: 'seq', type: 'integer' },
          { name: 'clients_id', type: 'integer' },
          { name: 'resellers_id', type: 'integer', isNullable: true },
          { name: 'currencies_id', type: 'integer' },
          { name: 'start_dt', type: types.datetime },
          { name: 'end_dt', type: types.datetime },
          { name: 'invoice_dt', type: types.datetime },
          { name: 'due_dt', type: types.datetime },
          { name: 'status', type: 'varchar', length: '8', default: "'issued'" },
          postgres ? { name: 'total', type: 'numeric', precision: 20, scale: 8 } : { name: 'total', type: 'text' },
          { name: 'notes', type: 'text', isNullable: true },
          { name: 'c_dt', type: types.datetime, default: types.now },
        ],
        foreignKeys: [restrict('clients_id', 'clients'), restrict('resellers_id', 'resellers'), restrict('currencies_id', 'currencies')],
        uniques: [{ name: 'UQ_invoices_year_seq', columnNames: ['year', 'seq'] }],
        indices: [
          { columnNames: ['clients_id', 'id'] },
          { columnNames: ['resellers_id', 'id'] },
          { columnNames: ['invoice_dt', 'id'] },
          { columnNames: ['due_dt', 'id'] },
          { columnNames: ['number'] },
          { columnNames: ['status', 'id'] },
        ],
      }),
    );
    await queryRunner.query(
      postgres ? 'CREATE INDEX "IDX_invoices_total" ON "invoices" ("total", "id")' : 'CREATE INDEX "IDX_invoices_total" ON "invoices" (CAST("total" AS REAL), "id")',
    );

    await queryRunner.createTable(
      new Table({
        name: 'invoice_lines',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'invoices_id', type: 'integer' },
          { name: 'transactions_id', type: 'integer' },
          { name: 'resellers_id', type: 'integer', isNullable: true },
          { name: 'voided', type: 'boolean', default: false },
        ],
        foreignKeys: [
          { ...restrict('invoices_id', 'invoices'), onDelete: 'CASCADE' },
          restrict('transactions_id', 'transactions'),
          restrict('resellers_id', 'resellers'),
        ],
        indices: [{ columnNames: ['invoices_id', 'transactions_id'] }],
      }),
    );
    // The guarantee: a transaction is on one invoice at most, among those not voided.
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_invoice_lines_live_transaction" ON "invoice_lines" ("transactions_id") WHERE ${postgres ? 'NOT "voided"' : '"voided" = 0'}`,
    );

    await queryRunner.createTable(
      new Table({
        name: 'invoice_numbers',
        columns: [
          { name: 'year', type: 'integer', isPrimary: true },
          { name: 'last', type: 'integer' },
        ],
      }),
    );

    if (postgres) {
      await limitTableToReach(queryRunner, 'invoices', ['resellers_id']);
      await limitTableToReach(queryRunner, 'invoice_lines', ['resellers_id']);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'postgres') {
      await unlimitTable(queryRunner, 'invoice_lines');
      await unlimitTable(queryRunner, 'invoices');
    }
    await queryRunner.dropTable('invoice_numbers');
    await queryRunner.dropTable('invoice_lines');
    await queryRunner.dropTable('invoices');
  }
}
