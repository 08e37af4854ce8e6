import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { migrationTypes } from '../../platform/database/columns';

/**
 * Idempotency keys (design-13): one row per user and key, with the answer to replay. Per user and
 * not reseller-limited, so no row-level security policy: the server's role reaches it through the
 * schema's default privileges (1764028800006), and every query names the caller's own users_id.
 */
export class CreateIdempotencyKeys1764028800010 implements MigrationInterface {
  name = 'CreateIdempotencyKeys1764028800010';

  async up(queryRunner: QueryRunner): Promise<void> {
    const types = migrationTypes(queryRunner.connection.driver.options.type);
    await queryRunner.createTable(
      new Table({
        name: 'idempotency_keys',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'users_id', type: 'integer' },
          { name: 'idempotency_key', type: 'varchar', length: '255' },
          { name: 'method', type: 'varchar', length: '128' },
          { name: 'fingerprint', type: 'varchar', length: '64' },
          { name: 'status', type: 'integer', isNullable: true },
          { name: 'answer', type: 'text', isNullable: true },
          { name: 'c_dt', type: types.datetime },
        ],
        foreignKeys: [{ columnNames: ['users_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
        // The unique key makes a concurrent duplicate wait for the first and then find its answer.
        uniques: [{ name: 'UQ_idempotency_keys_user_key', columnNames: ['users_id', 'idempotency_key'] }],
        indices: [{ name: 'IDX_idempotency_keys_c_dt', columnNames: ['c_dt'] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('idempotency_keys');
  }
}
