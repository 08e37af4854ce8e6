import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';
import { APP_ROLE } from '../../platform/database/row-level-security';

/** Orderable columns whose order needs an index of its own in each direction (ties: id ascending). */
const ORDERS = ['status', 'name', 'balance', 'c_dt'];
/** PostgreSQL's indexes of the first migration that the composite ones below replace (SQLite's already end in the rowid). */
const REPLACED = ['status', 'name', 'c_dt', 'currencies_id'];
// Any fixed number: schemas migrating at once take turns at installing the shared extension.
const EXTENSION_LOCK = 7_301_996;

/**
 * Indexes behind every order, filter and quick search of `clients.search` (SPEC §7: a search never
 * costs more than its page).
 *
 * Orders: `ORDER BY col, id` walks `(col, id)`; `ORDER BY col DESC, id` (parseOrder breaks ties by
 * id ascending) walks `(col DESC, id)`. SQLite orders decimals by `CAST(balance AS REAL)`, so its
 * index is on that very expression.
 *
 * Quick search (`q`, see quickSearchIndex in src/platform/search/search.ts), named `clients_q`:
 * - SQLite: an FTS5 table with the trigram tokenizer over name and email, external content kept by
 *   triggers. It finds candidates; the search keeps its LIKE, so it answers exactly as before.
 * - PostgreSQL: pg_trgm GIN indexes. Row-level security bars the planner from using an index for a
 *   condition that is not leakproof (LIKE, lower()) on a bound table, so they cannot sit on
 *   `clients`: they index `clients_q`, a lower-cased copy of name and email kept by triggers,
 *   readable by no one but its owner, searched only through `clients_q_ids()`, which answers the
 *   ids in the caller's reach (billing_reaches), like the policy on `clients` would.
 */
export class ClientsSearchIndexes1764028800007 implements MigrationInterface {
  name = 'ClientsSearchIndexes1764028800007';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'postgres') await this.upPostgres(queryRunner);
    else await this.upSqlite(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'postgres') await this.downPostgres(queryRunner);
    else await this.downSqlite(queryRunner);
  }

  private async upSqlite(queryRunner: QueryRunner): Promise<void> {
    for (const column of ORDERS) {
      const key = column === 'balance' ? 'CAST("balance" AS REAL)' : `"${column}"`;
      await queryRunner.query(`CREATE INDEX "IDX_clients_${column}_desc_id" ON "clients" (${key} DESC, "id")`);
    }
    // detail=none keeps only which rows hold a trigram (a third of the size): the search rechecks anyway.
    await queryRunner.query(
      `CREATE VIRTUAL TABLE "clients_q" USING fts5(name, email, content='clients', content_rowid='id', tokenize='trigram', detail='none', columnsize=0)`,
    );
    await queryRunner.query(`INSERT INTO "clients_q" ("clients_q") VALUES ('rebuild')`);
    const add = `INSERT INTO "clients_q" (rowid, name, email) VALUES (new.id, new.name, new.email);`;
    const remove = `INSERT INTO "clients_q" ("clients_q", rowid, name, email) VALUES ('delete', old.id, old.name, old.email);`;
    await queryRunner.query(`CREATE TRIGGER "clients_q_insert" AFTER INSERT ON "clients" BEGIN ${add} END`);
    await queryRunner.query(`CREATE TRIGGER "clients_q_delete" AFTER DELETE ON "clients" BEGIN ${remove} END`);
    await queryRunner.query(`CREATE TRIGGER "clients_q_update" AFTER UPDATE OF name, email ON "clients" BEGIN ${remove} ${add} END`);
  }

  private async downSqlite(queryRunner: QueryRunner): Promise<void> {
    for (const trigger of ['insert', 'delete', 'update']) await queryRunner.query(`DROP TRIGGER "clients_q_${trigger}"`);
    await queryRunner.query(`DROP TABLE "clients_q"`);
    for (const column of ORDERS) await queryRunner.query(`DROP INDEX "IDX_clients_${column}_desc_id"`);
  }

  private async upPostgres(queryRunner: QueryRunner): Promise<void> {
    const table = await queryRunner.getTable('clients');
    for (const column of REPLACED) {
      const index = table!.indices.find((candidate) => candidate.columnNames.join() === column);
      if (index) await queryRunner.dropIndex(table!, index);
    }
    await queryRunner.query(`DROP INDEX "IDX_clients_balance"`);
    for (const column of [...ORDERS, 'currencies_id']) {
      await queryRunner.query(`CREATE INDEX "IDX_clients_${column}_id" ON "clients" ("${column}", "id")`);
    }
    for (const column of ORDERS) {
      await queryRunner.query(`CREATE INDEX "IDX_clients_${column}_desc_id" ON "clients" ("${column}" DESC, "id")`);
    }

    // One pg_trgm for the whole database, outside this schema (a test schema is dropped with CASCADE).
    await queryRunner.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
          PERFORM pg_advisory_xact_lock(${EXTENSION_LOCK});
          CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
        END IF;
      END $$`);
    const escape = (name: string) => queryRunner.connection.driver.escape(name);
    const [{ trgm, schema }] = (await queryRunner.query(
      `SELECT (SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm') AS trgm, current_schema() AS schema`,
    )) as { trgm: string; schema: string }[];
    const pinned = `SET search_path = ${escape(schema)}, pg_temp`;

    await queryRunner.query(`CREATE TABLE "clients_q" ("id" integer PRIMARY KEY, "resellers_id" integer, "name" text NOT NULL, "email" text)`);
    // The schema's default privileges would give the app's role this copy; it reads it through clients_q_ids() only.
    await queryRunner.query(`REVOKE ALL ON "clients_q" FROM PUBLIC, ${APP_ROLE}`);
    await queryRunner.query(`INSERT INTO "clients_q" SELECT id, resellers_id, lower(name), lower(email) FROM "clients"`);
    // Every search reads a GIN index's pending list whole: a short one (512 kB, not 4 MB) keeps that to a fraction of a millisecond.
    for (const column of ['name', 'email']) {
      await queryRunner.query(
        `CREATE INDEX "IDX_clients_q_${column}" ON "clients_q" USING gin ("${column}" ${trgm}.gin_trgm_ops) WITH (gin_pending_list_limit = 512)`,
      );
    }
    await queryRunner.query(`ANALYZE "clients_q"`);

    // Inserts and deletes by statement (a bulk insert copies in one go); an update when it changes what the copy holds.
    await queryRunner.query(`
      CREATE FUNCTION clients_q_sync() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER ${pinned} AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO clients_q SELECT id, resellers_id, lower(name), lower(email) FROM inserted
            ON CONFLICT (id) DO UPDATE SET resellers_id = excluded.resellers_id, name = excluded.name, email = excluded.email;
        ELSIF TG_OP = 'UPDATE' THEN
          UPDATE clients_q SET resellers_id = NEW.resellers_id, name = lower(NEW.name), email = lower(NEW.email) WHERE id = NEW.id;
        ELSIF TG_OP = 'DELETE' THEN
          DELETE FROM clients_q WHERE id IN (SELECT id FROM deleted);
        ELSE
          TRUNCATE clients_q;
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`REVOKE ALL ON FUNCTION clients_q_sync() FROM PUBLIC`);
    await queryRunner.query(
      `CREATE TRIGGER clients_q_insert AFTER INSERT ON clients REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION clients_q_sync()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER clients_q_delete AFTER DELETE ON clients REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION clients_q_sync()`,
    );
    await queryRunner.query(`
      CREATE TRIGGER clients_q_update AFTER UPDATE OF name, email, resellers_id ON clients FOR EACH ROW
        WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.email IS DISTINCT FROM NEW.email OR OLD.resellers_id IS DISTINCT FROM NEW.resellers_id)
        EXECUTE FUNCTION clients_q_sync()`);
    await queryRunner.query(`CREATE TRIGGER clients_q_truncate AFTER TRUNCATE ON clients FOR EACH STATEMENT EXECUTE FUNCTION clients_q_sync()`);

    // The ids in reach whose lower-cased name or email is LIKE `pattern`, at most `max` of them; NULL
    // when there are more (then walking the order's index meets a page sooner than fetching them all).
    // The planner's estimate answers first for a common pattern: past one row in 200, without reading.
    await queryRunner.query(`
      CREATE FUNCTION clients_q_ids(pattern text, max integer) RETURNS integer[] LANGUAGE plpgsql SECURITY DEFINER ${pinned} AS $$
      DECLARE
        matches constant text := format('(name LIKE %L OR email LIKE %L)', pattern, pattern);
        plan json;
        estimate float8;
        total float8;
        ids integer[];
      BEGIN
        EXECUTE 'EXPLAIN (FORMAT JSON) SELECT 1 FROM clients_q WHERE ' || matches INTO plan;
        estimate := (plan -> 0 -> 'Plan' ->> 'Plan Rows')::float8;
        SELECT greatest(reltuples, 1) INTO total FROM pg_class WHERE oid = 'clients_q'::regclass;
        IF estimate > max AND estimate > total / 200 THEN
          RETURN NULL;
        END IF;
        EXECUTE format('SELECT ARRAY(SELECT id FROM clients_q WHERE %s AND billing_reaches(resellers_id) LIMIT %s)', matches, max + 1) INTO ids;
        RETURN CASE WHEN cardinality(ids) > max THEN NULL ELSE ids END;
      END $$`);
    await queryRunner.query(`REVOKE ALL ON FUNCTION clients_q_ids(text, integer) FROM PUBLIC`);
    await queryRunner.query(`GRANT EXECUTE ON FUNCTION clients_q_ids(text, integer) TO ${APP_ROLE}`);
  }

  private async downPostgres(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION clients_q_ids(text, integer)`);
    for (const trigger of ['insert', 'delete', 'update', 'truncate']) await queryRunner.query(`DROP TRIGGER clients_q_${trigger} ON clients`);
    await queryRunner.query(`DROP FUNCTION clients_q_sync()`);
    await queryRunner.query(`DROP TABLE "clients_q"`);
    // pg_trgm stays: other schemas of the database may use it.
    for (const column of ORDERS) await queryRunner.query(`DROP INDEX "IDX_clients_${column}_desc_id"`);
    for (const column of [...ORDERS, 'currencies_id']) await queryRunner.query(`DROP INDEX "IDX_clients_${column}_id"`);
    await queryRunner.query(`CREATE INDEX "IDX_clients_balance" ON "clients" ("balance")`);
    for (const column of REPLACED) await queryRunner.createIndex('clients', new TableIndex({ columnNames: [column] }));
  }
}
