import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/config';
import { dataSourceOptions } from '../../src/platform/database/data-source-options';
import { freePort, ServerProcess } from '../support/server-process';
import { throwawayDatabaseUrl } from '../support/test-app';

// The billing engine as operators run it: several server processes on one database, and a process
// killed in the middle of a run. Every fee must be booked exactly once, whatever happens.
const DAY = 86_400_000;
/** Each subscription started 2 days and 23 hours ago on a daily package: the activation and periods 0, 1 and 2 are due. */
const FEES_EACH = 4;
const CHARGED_EACH = '-4.25'; // 0.50 activation + 3 × 1.25

describe('billing engine across processes', () => {
  let database: { url: string; drop: () => Promise<void> };
  let dataSource: DataSource;
  const servers: ServerProcess[] = [];

  const start = async () => {
    const port = await freePort();
    const server = new ServerProcess({ DATABASE_URL: database.url, PORT: String(port), HOST: '127.0.0.1', ADMIN_API_KEY: 'billing-admin-key-0123456789', BILLING_TICK_SECONDS: '1' });
    servers.push(server);
    return server;
  };

  /** `count` clients, each with one subscription to a daily package, all of it due now, written straight to the database. */
  const seed = async (count: number) => {
    const postgres = dataSource.options.type === 'postgres';
    const instant = (ms: number) => (postgres ? `'${new Date(ms).toISOString()}'` : `'${new Date(ms).toISOString().replace('T', ' ').replace('Z', '')}'`);
    const startDt = instant(Date.now() - 3 * DAY + 3_600_000);
    const series = postgres ? `generate_series(1, ${count}) AS seq(i)` : `(WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ${count}) SELECT i FROM seq) AS seq`;
    await dataSource.query(`INSERT INTO currencies (name) VALUES ('USD')`);
    await dataSource.query(`INSERT INTO packages (name, currencies_id, period, activation_fee, subscription_fee) VALUES ('Daily', 1, 'P1D', '0.50', '1.25')`);
    await dataSource.query(`INSERT INTO clients (name, currencies_id, credit) SELECT 'Client ' || i, 1, '1000' FROM ${series}`);
    await dataSource.query(`INSERT INTO subscriptions (clients_id, packages_id, start_dt, due_dt) SELECT id, 1, ${startDt}, ${startDt} FROM clients`);
  };

  const one = async (sql: string) => Number(Object.values((await dataSource.query(sql))[0] as object)[0]);
  const booked = () => one('SELECT count(*) FROM transactions');
  const waitUntil = async (what: string, done: () => Promise<boolean>, timeoutMs = 90_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${servers.map((s) => s.stderr).join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  /** Subscriptions whose fees disagree with how far the engine says it got: none, ever, even right after a kill. */
  const torn = () =>
    dataSource.query(`SELECT s.id, s.next_period, coalesce(t.fees, 0) AS fees FROM subscriptions s
      LEFT JOIN (SELECT subscriptions_id, count(*) AS fees FROM transactions GROUP BY subscriptions_id) t ON t.subscriptions_id = s.id
      WHERE coalesce(t.fees, 0) <> CASE WHEN s.next_period = 0 THEN 0 ELSE s.next_period + 1 END`);

  /** Every client charged exactly its fees once: the fee rows, their external ids, and the balance as their sum. */
  const expectChargedOnce = async (count: number) => {
    expect(await torn()).toEqual([]);
    expect(await one('SELECT count(*) FROM transactions')).toBe(count * FEES_EACH);
    expect(await one('SELECT count(DISTINCT external_id) FROM transactions')).toBe(count * FEES_EACH);
    expect(await one(`SELECT count(*) FROM subscriptions WHERE next_period = 3 AND condition = 'activated'`)).toBe(count);
    const cast = dataSource.options.type === 'postgres' ? 'numeric' : 'REAL';
    // Every balance is -4.25 and equals the sum of its transactions.
    const balances = await dataSource.query(`SELECT c.balance AS balance, count(*) AS clients FROM clients c
      JOIN (SELECT clients_id, sum(CAST(client_amount AS ${cast})) AS total FROM transactions GROUP BY clients_id) t ON t.clients_id = c.id
      WHERE CAST(c.balance AS ${cast}) = t.total GROUP BY c.balance`);
    expect(balances.map((row: { balance: unknown; clients: unknown }) => [String(Number(row.balance)), Number(row.clients)])).toEqual([[String(Number(CHARGED_EACH)), count]]);
  };

  beforeEach(async () => {
    database = await throwawayDatabaseUrl();
    dataSource = new DataSource(dataSourceOptions(loadConfig({ DATABASE_URL: database.url }).database));
    await dataSource.initialize();
    await dataSource.runMigrations();
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.stop()));
    await dataSource.destroy();
    await database.drop();
  });

  it('two processes running the engine at the same moment book each of 1,000 subscriptions\' fees exactly once', async () => {
    await seed(1000);
    const [first, second] = await Promise.all([start(), start()]);
    await waitUntil('every fee booked', async () => (await booked()) === 1000 * FEES_EACH && (await one(`SELECT count(*) FROM subscriptions WHERE next_period < 3`)) === 0);
    await expectChargedOnce(1000);
    // Both processes' run reports together count every fee once (a run logs when it ends, after its last commit).
    const reported = () =>
      [first, second]
        .flatMap((server) => server.logs())
        .filter((line) => line.msg === 'billing run')
        .reduce((sum, line) => sum + Number(line.booked), 0);
    await waitUntil('the runs reported', async () => reported() >= 1000 * FEES_EACH);
    expect(reported()).toBe(1000 * FEES_EACH);
  }, 150_000);

  it('a process killed (SIGKILL) in the middle of a run leaves nothing half-booked, and the next one books the rest once', async () => {
    await seed(3000);
    const first = await start();
    await waitUntil('the first fees', async () => (await booked()) >= 200);
    first.signal('SIGKILL');
    await first.exited;
    const before = await booked();
    expect(before).toBeLessThan(3000 * FEES_EACH);
    expect(await torn()).toEqual([]);
    await start();
    await waitUntil('every fee booked', async () => (await booked()) === 3000 * FEES_EACH && (await one(`SELECT count(*) FROM subscriptions WHERE next_period < 3`)) === 0);
    await expectChargedOnce(3000);
  }, 150_000);
});
