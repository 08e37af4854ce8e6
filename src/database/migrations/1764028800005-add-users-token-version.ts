import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/** Tokens carry the version they were issued under; changing a user's credentials or status bumps it. */
export class AddUsersTokenVersion1764028800005 implements MigrationInterface {
  name = 'AddUsersTokenVersion1764028800005';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('users', new TableColumn({ name: 'token_version', type: 'integer', default: 0 }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('users', 'token_version');
  }
}
