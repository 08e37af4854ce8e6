import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';
import { migrationTypes } from '../../platform/database/columns';

export class CreateResellersAndSettings1764028800002 implements MigrationInterface {
  name = 'CreateResellersAndSettings1764028800002';

  async up(queryRunner: QueryRunner): Promise<void> {
    const types = migrationTypes(queryRunner.connection.driver.options.type);
    await queryRunner.createTable(
      new Table({
        name: 'resellers',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'name', type: 'varchar', length: '255' },
          { name: 'parent_id', type: 'integer', isNullable: true },
          { name: 'status', type: 'varchar', length: '16', default: "'active'" },
          { name: 'c_dt', type: types.datetime, default: types.now },
        ],
        foreignKeys: [{ columnNames: ['parent_id'], referencedTableName: 'resellers', referencedColumnNames: ['id'], onDelete: 'RESTRICT' }],
        indices: [{ columnNames: ['parent_id'] }, { columnNames: ['status'] }, { columnNames: ['name'] }, { columnNames: ['c_dt'] }],
      }),
    );
    await queryRunner.createForeignKey(
      'users',
      new TableForeignKey({ columnNames: ['resellers_id'], referencedTableName: 'resellers', referencedColumnNames: ['id'], onDelete: 'RESTRICT' }),
    );
    for (const column of ['status', 'name']) {
      await queryRunner.createIndex('users', new TableIndex({ name: `IDX_users_${column}`, columnNames: [column] }));
    }
    await queryRunner.createTable(
      new Table({
        name: 'settings',
        columns: [
          { name: 'key', type: 'varchar', length: '64', isPrimary: true },
          { name: 'value', type: 'text' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('settings');
    await queryRunner.dropIndex('users', 'IDX_users_status');
    await queryRunner.dropIndex('users', 'IDX_users_name');
    const users = await queryRunner.getTable('users');
    await queryRunner.dropForeignKey('users', users!.foreignKeys.find((key) => key.columnNames.includes('resellers_id'))!);
    await queryRunner.dropTable('resellers');
  }
}
