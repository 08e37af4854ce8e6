import { MigrationInterface, QueryRunner } from 'typeorm';
import { createAppRole, dropAppRoleRights, limitTableToReach, unlimitTable } from '../../platform/database/row-level-security';

/** The reseller-limited tables, as they stand at this migration (later tables add their own policy). */
const LIMITED: [string, string[]][] = [
  ['users', ['resellers_id']],
  // A reseller is seen by its own id; one just created is placed by its parent (and INSERT … RETURNING reads it back).
  ['resellers', ['id', 'parent_id']],
  ['clients', ['resellers_id']],
  ['transactions', ['resellers_id']],
];

/** PostgreSQL row-level security on every reseller-limited table, and the role the server's queries run as. */
export class ResellerRowLevelSecurity1764028800006 implements MigrationInterface {
  name = 'ResellerRowLevelSecurity1764028800006';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return; // SQLite has no RLS: the query scoping is the guarantee
    await createAppRole(queryRunner);
    for (const [table, columns] of LIMITED) await limitTableToReach(queryRunner, table, columns);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    for (const [table] of LIMITED) await unlimitTable(queryRunner, table);
    await dropAppRoleRights(queryRunner);
  }
}
