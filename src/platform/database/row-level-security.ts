import type { QueryRunner } from 'typeorm';

/**
 * PostgreSQL row-level security, the last line of reseller isolation (SPEC §5): a query that
 * forgot its scope, even raw SQL, sees only rows in the reach the unit of work set.
 *
 * The server's queries run as APP_ROLE (taken with SET LOCAL ROLE in every unit of work: the
 * login role may be a superuser or the tables' owner, whom RLS would not bind), with the reach in
 * REACH_SETTING: `all`, or the reseller ids it reaches, comma-separated; unset, nothing is reached.
 */
export const APP_ROLE = 'billing_app';
export const REACH_SETTING = 'billing.reach';

/** Creates the role the server's queries run as, with the rights it needs in the current schema. */
export async function createAppRole(runner: QueryRunner): Promise<void> {
  await runner.query(`
    DO $$ BEGIN
      CREATE ROLE ${APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; -- another schema or process made it first
    END $$`);
  await runner.query(`
    DO $$ BEGIN
      IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('GRANT ${APP_ROLE} TO %I', current_user);
      END IF;
      EXECUTE format('GRANT USAGE ON SCHEMA %I TO ${APP_ROLE}', current_schema());
      EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO ${APP_ROLE}', current_schema());
      EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO ${APP_ROLE}', current_schema());
      EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${APP_ROLE}', current_schema());
      EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO ${APP_ROLE}', current_schema());
    END $$`);
  await runner.query(`
    CREATE FUNCTION billing_reaches(reseller integer) RETURNS boolean LANGUAGE sql STABLE AS $$
      SELECT CASE coalesce(current_setting('${REACH_SETTING}', true), '')
        WHEN 'all' THEN true
        WHEN '' THEN false
        ELSE reseller = ANY (string_to_array(current_setting('${REACH_SETTING}', true), ',')::integer[])
      END
    $$`);
}

/** Undoes createAppRole in the current schema; the role itself stays (other schemas may use it). */
export async function dropAppRoleRights(runner: QueryRunner): Promise<void> {
  await runner.query('DROP FUNCTION billing_reaches(integer)');
  await runner.query(`
    DO $$ BEGIN
      EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM ${APP_ROLE}', current_schema());
      EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA %I FROM ${APP_ROLE}', current_schema());
      EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE ALL ON TABLES FROM ${APP_ROLE}', current_schema());
      EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE ALL ON SEQUENCES FROM ${APP_ROLE}', current_schema());
      EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM ${APP_ROLE}', current_schema());
    END $$`);
}

/**
 * Binds a reseller-limited table to the reach: a row is seen, changed and written only when one
 * of `columns` names a reseller in reach. FORCE: the table's owner is bound too.
 */
export async function limitTableToReach(runner: QueryRunner, table: string, columns: string[]): Promise<void> {
  const reaches = columns.map((column) => `billing_reaches(${column})`).join(' OR ');
  await runner.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
  await runner.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
  await runner.query(`CREATE POLICY reseller_reach ON ${table} USING (${reaches}) WITH CHECK (${reaches})`);
}

export async function unlimitTable(runner: QueryRunner, table: string): Promise<void> {
  await runner.query(`DROP POLICY reseller_reach ON ${table}`);
  await runner.query(`ALTER TABLE ${table} NO FORCE ROW LEVEL SECURITY`);
  await runner.query(`ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`);
}

/** The reach as the setting carries it. */
export function reachSetting(reach: { kind: 'all' } | { kind: 'tree'; ids: Set<number> } | undefined): string {
  if (!reach) return '';
  return reach.kind === 'all' ? 'all' : [...reach.ids].join(',');
}

/**
 * Fails the boot when a reseller-limited entity's table is not bound by row-level security: a new
 * limited table must come with its policy (limitTableToReach in its migration).
 */
export async function assertLimitedTablesBound(dataSource: import('typeorm').DataSource, isLimited: (target: unknown) => boolean): Promise<void> {
  if (dataSource.options.type !== 'postgres') return;
  const tables = dataSource.entityMetadatas.filter((metadata) => isLimited(metadata.target)).map((metadata) => metadata.tableName);
  const bound: { relname: string }[] = await dataSource.query(
    `SELECT c.relname FROM pg_class c
      WHERE c.relnamespace = current_schema()::regnamespace AND c.relrowsecurity AND c.relforcerowsecurity
        AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = 'reseller_reach')`,
  );
  const unbound = tables.filter((table) => !bound.some((row) => row.relname === table));
  if (unbound.length > 0) throw new Error(`Reseller-limited tables without row-level security: ${unbound.join(', ')}`);
}
