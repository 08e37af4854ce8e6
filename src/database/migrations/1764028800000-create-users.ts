import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { migrationTypes } from '../../platform/database/columns';

export class CreateUsers1764028800000 implements MigrationInterface {
  name = 'CreateUsers1764028800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const types = migrationTypes(queryRunner.connection.driver.options.type);
    await queryRunner.createTable(
      new Table({
        name: 'users',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'login', type: 'varchar', length: '64', isUnique: true },
          { name: 'password_hash', type: 'varchar', length: '255', isNullable: true },
          { name: 'name', type: 'varchar', length: '255', default: "''" },
          { name: 'email', type: 'varchar', length: '255', isNullable: true },
          { name: 'status', type: 'varchar', length: '16', default: "'active'" },
          { name: 'role', type: 'varchar', length: '64', default: "'admin'" },
          { name: 'resellers_id', type: 'integer', isNullable: true },
          { name: 'timezone', type: 'varchar', length: '64', isNullable: true },
          { name: 'locale', type: 'varchar', length: '16', isNullable: true },
          { name: 'allowed_ips', type: 'text', default: "'[]'" },
          { name: 'api_key_hash', type: 'varchar', length: '64', isUnique: true },
          { name: 'api_key_prefix', type: 'varchar', length: '16' },
          { name: 'c_dt', type: types.datetime, default: types.now },
        ],
        indices: [{ columnNames: ['resellers_id', 'id'] }, { columnNames: ['c_dt'] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('users');
  }
}
