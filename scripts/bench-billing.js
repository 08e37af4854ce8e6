// The billing engine at scale (after `npm run build`): 100,000 subscriptions fall due at once, on a
// fresh SQLite file or (with BENCH_DATABASE_URL) a fresh PostgreSQL database; the built server
// starts with the engine on and books them. Reported: fees booked per second as the engine's own
// run report measures it (booked / duration), the wall time until nothing is due, and a check that
// every fee is booked exactly once (any mismatch is a failure).
//
//   node scripts/bench-billing.js     BENCH_ONLY=sqlite|postgres, BENCH_SUBSCRIPTIONS (100000)
//   require('./bench-billing').run({ kind, port })   → a row
//
// Ports 3984-3985 only.
const { freshDatabase, runAlone, startServer, stopServer } = require('./bench-support');

const SUBSCRIPTIONS = Number(process.env.BENCH_SUBSCRIPTIONS ?? 100_000);
const API_KEY = 'bench-billing-admin-key-0123456789';
const PORTS = [3984, 3985];
const serve = (url, port, env) => startServer({ url, port, ports: PORTS, apiKey: API_KEY, env: { LOG_LEVEL: 'info', ...env } });

/**
 * One run: migrate (the server, engine off), seed SUBSCRIPTIONS clients each with a monthly
 * subscription whose first period began an hour ago, then start the server with the engine on and
 * wait until nothing is due.
 */
async function run({ kind, port = 3984 }) {
  const database = await freshDatabase(kind, 'engine');
  try {
    await stopServer(await serve(database.url, port, { BILLING_TICK_SECONDS: '0' }));
    const postgres = kind === 'postgres';
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    const startDt = postgres ? `'${hourAgo}'` : `'${hourAgo.replace('T', ' ').replace('Z', '')}'`;
    const series = postgres
      ? `generate_series(1, ${SUBSCRIPTIONS}) AS seq(i)`
      : `(WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ${SUBSCRIPTIONS}) SELECT i FROM seq) AS seq`;
    await database.exec(`INSERT INTO currencies (name) VALUES ('USD')`);
    await database.exec(`INSERT INTO resellers (name) VALUES ('Bench reseller')`);
    await database.exec(`INSERT INTO packages (name, currencies_id, period, subscription_fee) VALUES ('Monthly', 1, 'P1M', '9.99')`);
    await database.exec(
      `INSERT INTO clients (name, resellers_id, currencies_id, credit) SELECT 'Client ' || i, CASE WHEN i % 2 = 1 THEN 1 END, 1, '100' FROM ${series}`,
    );
    await database.exec(`INSERT INTO subscriptions (clients_id, resellers_id, packages_id, start_dt, due_dt) SELECT id, resellers_id, 1, ${startDt}, ${startDt} FROM clients`);
    if (postgres) await database.exec('ANALYZE');

    const began = Date.now();
    const server = await serve(database.url, port, { BILLING_TICK_SECONDS: '1' });
    try {
      while ((await database.one(`SELECT count(*) FROM subscriptions WHERE next_period = 0`)) > 0) {
        if (server.exitCode !== null) throw new Error(`the server stopped: ${server.output().slice(-3000)}`);
        await new Promise((done) => setTimeout(done, 250));
      }
      const wallSeconds = (Date.now() - began) / 1000;
      const reports = server
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{') && line.includes('"billing run"'))
        .map((line) => JSON.parse(line));
      const booked = reports.reduce((sum, report) => sum + report.booked, 0);
      const runMs = reports.reduce((sum, report) => sum + report.duration_ms, 0);
      const fees = await database.one('SELECT count(*) FROM transactions WHERE subscriptions_id IS NOT NULL');
      const distinct = await database.one('SELECT count(DISTINCT external_id) FROM transactions WHERE subscriptions_id IS NOT NULL');
      const wrongBalances = await database.one(
        postgres ? `SELECT count(*) FROM clients WHERE balance <> -9.99` : `SELECT count(*) FROM clients WHERE balance <> '-9.99'`,
      );
      const failed = (fees !== SUBSCRIPTIONS ? 1 : 0) + (distinct !== fees ? 1 : 0) + (booked !== SUBSCRIPTIONS ? 1 : 0) + wrongBalances;
      return {
        section: 'billing',
        server: `express, ${kind}`,
        scenario: `engine: ${SUBSCRIPTIONS.toLocaleString('en')} subscriptions due at once`,
        fees_per_s: Math.round((booked / runMs) * 1000),
        wall_s: Number(wallSeconds.toFixed(1)),
        failed,
      };
    } finally {
      await stopServer(server);
    }
  } finally {
    await database.drop();
  }
}

if (require.main === module) runAlone(run);
else module.exports = { run };
