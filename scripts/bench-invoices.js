// A bill run at scale (after `npm run build`): 10,000 clients, each with a charge, a debit note, a
// credit note and a payment in November, on a fresh SQLite file or (with BENCH_DATABASE_URL) a fresh
// PostgreSQL database; then one `accounting.invoices.generate` over the API; then the same for
// December on the same database. Reported per month: invoices created per second (the call's wall
// time), and a check that every client got exactly one invoice with the right total and lines,
// numbered 1..N in its year, and that a second run creates nothing (any mismatch is a failure).
//
//   node scripts/bench-invoices.js     BENCH_ONLY=sqlite|postgres, BENCH_INVOICE_CLIENTS (10000)
//   require('./bench-invoices').run({ kind, port })   → a row per month
//
// Ports 3982-3983 only.
const http = require('node:http');
const { freshDatabase, runAlone, startServer, stopServer } = require('./bench-support');

const CLIENTS = Number(process.env.BENCH_INVOICE_CLIENTS ?? 10_000);
const API_KEY = 'bench-invoices-admin-key-0123456789';
const serve = (url, port) => startServer({ url, port, ports: [3982, 3983], apiKey: API_KEY, env: { BILLING_TICK_SECONDS: '0' } });

/** One JSON-RPC call as the administrator. */
function rpc(port, method, params) {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
  return new Promise((done, fail) => {
    const request = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk)).on('end', () => done(JSON.parse(text)));
      },
    );
    request.on('error', fail).end(body);
  });
}

/** One billing month: each client's charge, debit note, credit note and payment in it, then invoice_dt on the 1st of the next. */
const MONTHS = [
  { label: 'the first bill run of a fresh database', from: '2026-11-01', till: '2026-12-01' },
  // Two runs on one database: the second meets statistics of a table of invoices, as production
  // does (PostgreSQL caches the plans of its foreign key checks per connection, from the statistics
  // of their first use: a fresh database's first run checks every line against an "empty" table).
  { label: 'the next month (10,000 invoices already)', from: '2026-12-01', till: '2027-01-01' },
];

/**
 * One run: migrate (the server starts once), seed CLIENTS clients (every other one on a reseller),
 * then for each month: four bookings per client straight into the database, one bill run over the
 * month through the API, timed, and its outcome checked in the database. Answers a row per month.
 */
async function run({ kind, port = 3982 }) {
  const database = await freshDatabase(kind, 'invoices');
  try {
    const postgres = kind === 'postgres';
    const server = await serve(database.url, port);
    try {
      const series = postgres
        ? `generate_series(1, ${CLIENTS}) AS seq(i)`
        : `(WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ${CLIENTS}) SELECT i FROM seq) AS seq`;
      const money = (sql) => (postgres ? `CAST(${sql} AS numeric)` : sql);
      const instant = (iso) => (postgres ? `'${iso}'` : `'${iso.replace('T', ' ').replace('Z', '')}'`);
      await database.exec(`INSERT INTO currencies (name) VALUES ('USD')`);
      await database.exec(`INSERT INTO resellers (name) VALUES ('Bench reseller')`);
      await database.exec(`INSERT INTO clients (name, resellers_id, currencies_id) SELECT 'Client ' || i, CASE WHEN i % 2 = 1 THEN 1 END, 1 FROM ${series}`);
      const book = (type, amount, dt) =>
        database.exec(
          `INSERT INTO transactions (clients_id, resellers_id, type, amount, currencies_id, client_amount, rate, dt)
           SELECT id, resellers_id, '${type}', ${money(amount)}, 1, ${money(amount)}, ${money("'1'")}, ${instant(dt)} FROM clients`,
        );
      const rows = [];
      for (const { label, from, till } of MONTHS) {
        const month = from.slice(0, 8);
        // Each client owes (id % 7 + 1).25 + 0.50 - 0.75; the payment is no line.
        await book('charge', "'-' || (id % 7 + 1) || '.25'", `${month}03T10:00:00.000Z`);
        await book('debit_note', "'-0.50'", `${month}10T00:00:00.000Z`);
        await book('credit_note', "'0.75'", `${month}20T00:00:00.000Z`);
        await book('payment', "'50'", `${month}25T00:00:00.000Z`);
        if (postgres) await database.exec('ANALYZE');

        const period = { start_dt: `${from}T00:00:00Z`, end_dt: `${till}T00:00:00Z` };
        const began = process.hrtime.bigint();
        const answer = await rpc(port, 'accounting.invoices.generate', { ...period, invoice_dt: `${till}T00:00:00Z` });
        const seconds = Number(process.hrtime.bigint() - began) / 1e9;
        if (answer.error) throw new Error(`generate failed: ${JSON.stringify(answer.error)} ${server.output().slice(-3000)}`);
        const created = answer.result.created.length;

        const ofMonth = `i.start_dt = ${instant(`${from}T00:00:00.000Z`)}`;
        const year = Number(till.slice(0, 4));
        const total = postgres ? 'total' : 'CAST(total AS REAL)';
        const checks = {
          created: created === CLIENTS && answer.result.skipped === 0 ? 0 : 1,
          invoices: (await database.one(`SELECT count(*) FROM invoices i WHERE ${ofMonth}`)) === CLIENTS ? 0 : 1,
          clients_not_once: await database.one(`SELECT count(*) FROM clients c WHERE (SELECT count(*) FROM invoices i WHERE i.clients_id = c.id AND ${ofMonth}) <> 1`),
          wrong_totals: await database.one(`SELECT count(*) FROM invoices i WHERE ${ofMonth} AND ${total} <> (i.clients_id % 7 + 1) + 0.25 + 0.50 - 0.75`),
          wrong_lines: await database.one(`SELECT count(*) FROM invoices i WHERE ${ofMonth} AND (SELECT count(*) FROM invoice_lines l WHERE l.invoices_id = i.id) <> 3`),
          numbers:
            (await database.one(`SELECT count(DISTINCT seq) FROM invoices WHERE year = ${year}`)) === CLIENTS &&
            (await database.one(`SELECT max(seq) FROM invoices WHERE year = ${year}`)) === CLIENTS
              ? 0
              : 1,
        };
        // Running it again creates nothing.
        const again = await rpc(port, 'accounting.invoices.generate', period);
        checks.twice = again.result?.created.length === 0 && again.result?.skipped === CLIENTS ? 0 : 1;
        const failed = Object.values(checks).reduce((sum, count) => sum + count, 0);
        if (failed > 0) console.log(`invoices, ${kind}, ${from}: ${JSON.stringify(checks)}`);
        rows.push({
          section: 'invoices',
          server: `express, ${kind}`,
          scenario: `bill run, ${CLIENTS.toLocaleString('en')} clients × 3 lines: ${label}`,
          invoices_per_s: Math.round(created / seconds),
          wall_s: Number(seconds.toFixed(1)),
          failed,
        });
      }
      return rows;
    } finally {
      await stopServer(server);
    }
  } finally {
    await database.drop();
  }
}

if (require.main === module) runAlone(run);
else module.exports = { run };
