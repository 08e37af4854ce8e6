import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { migrationTypes } from '../../platform/database/columns';

export class CreateCurrencies1764028800001 implements MigrationInterface {
  name = 'CreateCurrencies1764028800001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const types = migrationTypes(queryRunner.connection.driver.options.type);
    await queryRunner.createTable(
      new Table({
        name: 'currencies',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'name', type: 'varchar', length: '3', isUnique: true },
          { name: 'description', type: 'varchar', length: '255', isNullable: true },
          { name: 'rates_precision', type: 'integer', default: 4 },
          { name: 'details_precision', type: 'integer', default: 4 },
          { name: 'totals_precision', type: 'integer', default: 2 },
          { name: 'c_dt', type: types.datetime, default: types.now },
        ],
        indices: [{ columnNames: ['c_dt'] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('currencies');
  }
}
