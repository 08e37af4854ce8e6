import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { migrationTypes } from '../../platform/database/columns';

export class CreateClients1764028800003 implements MigrationInterface {
  name = 'CreateClients1764028800003';

  async up(queryRunner: QueryRunner): Promise<void> {
    const types = migrationTypes(queryRunner.connection.driver.options.type);
    const money = types.decimal === 'numeric' ? { type: 'numeric', precision: 20, scale: 8 } : { type: 'text' };
    await queryRunner.createTable(
      new Table({
        name: 'clients',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'name', type: 'varchar', length: '255' },
          { name: 'status', type: 'varchar', length: '16', default: "'active'" },
          { name: 'resellers_id', type: 'integer', isNullable: true },
          { name: 'currencies_id', type: 'integer' },
          { name: 'credit', ...money, default: "'0'" },
          { name: 'credit_unlimited', type: 'boolean', default: false },
          { name: 'balance', ...money, default: "'0'" },
          { name: 'company_name', type: 'varchar', length: '255', isNullable: true },
          { name: 'address', type: 'varchar', length: '1000', isNullable: true },
          { name: 'email', type: 'varchar', length: '255', isNullable: true },
          { name: 'billing_email', type: 'varchar', length: '255', isNullable: true },
          { name: 'notes', type: 'text', isNullable: true },
          { name: 'c_dt', type: types.datetime, default: types.now },
        ],
        foreignKeys: [
          { columnNames: ['resellers_id'], referencedTableName: 'resellers', referencedColumnNames: ['id'], onDelete: 'RESTRICT' },
          { columnNames: ['currencies_id'], referencedTableName: 'currencies', referencedColumnNames: ['id'], onDelete: 'RESTRICT' },
        ],
        indices: [
          { columnNames: ['resellers_id', 'id'] },
          { columnNames: ['currencies_id'] },
          { columnNames: ['status'] },
          { columnNames: ['name'] },
          { columnNames: ['c_dt'] },
        ],
      }),
    );
    // Orders by balance: SQLite keeps decimals as text, so its index is on the numeric value.
    await queryRunner.query(
      types.decimal === 'numeric'
        ? 'CREATE INDEX "IDX_clients_balance" ON "clients" ("balance")'
        : 'CREATE INDEX "IDX_clients_balance" ON "clients" (CAST("balance" AS REAL))',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('clients');
  }
}
