// Prepaid bookings under load: `accounting.transactions.create_no_negative` charges over many
// clients, on a fresh SQLite file or a fresh PostgreSQL database, against the built server
// (`npm run build` first). Afterwards every client's balance must equal the sum of its transactions
// and every answered booking must be booked exactly once; any mismatch counts as an error.
//
//   node scripts/bench-bookings.js          a table; PostgreSQL too when BENCH_DATABASE_URL is set
//                                           (BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_ONLY=sqlite|postgres,
//                                           BENCH_SCENARIOS=rpc,rest,rpc-external-id,reference)
//   require('./bench-bookings').run({ kind: 'sqlite' | 'postgres', port, apiKey, seconds, connections, scenario })
//
// Ports 3986-3989 only; a port something already listens on is refused.
//
// The server also gets this file as a preload (-r) that counts database round trips (node-postgres
// queries, better-sqlite3 statement runs) and prints the count on SIGUSR2, so a run reports
// round trips and server CPU (from /proc/<pid>/stat) per booking; on PostgreSQL also the CPU of
// the backends that served it.
const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const http = require('node:http');
const { connect } = require('node:net');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const { cpuUs } = require('./bench-support');

const PRELOAD = 'BENCH_BOOKINGS_PRELOAD';

/** In the server process: counts what goes to the database; SIGUSR2 prints the count to stderr. */
function countRoundTrips() {
  let count = 0;
  const pg = require('pg');
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (...args) {
    count++;
    return query.apply(this, args);
  };
  const Sqlite = require('better-sqlite3');
  const probe = new Sqlite(':memory:');
  const statement = Object.getPrototypeOf(probe.prepare('SELECT 1'));
  probe.close();
  for (const name of ['run', 'get', 'all', 'iterate']) {
    const original = statement[name];
    statement[name] = function (...args) {
      count++;
      return original.apply(this, args);
    };
  }
  process.on('SIGUSR2', () => process.stderr.write(`BENCH_ROUND_TRIPS ${count}\n`));
}

const ROOT = resolve(__dirname, '..');
const CLIENTS = 10000;
const CREDIT = '100';
const PAYMENT = '50';
const PORTS = [3986, 3987, 3988, 3989];

/** Whether something listens on the port (a server left over would be measured instead). */
const listening = (port) =>
  new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port }, () => (socket.destroy(), done(true)));
    socket.on('error', () => done(false));
  });

/** Whether the server answers HTTP on the port. */
const answers = (port) =>
  new Promise((done) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/health/live' }, (res) => (res.resume(), done(true)));
    req.on('error', () => done(false));
  });

/** Starts the built server and resolves once it answers; stderr is kept to read the round-trip counts. */
async function startServer(env, port) {
  if (!PORTS.includes(port)) throw new Error(`port ${port}: this bench uses ports ${PORTS.join(', ')} only`);
  if (await listening(port)) throw new Error(`port ${port} is taken: stop what listens there first`);
  // BENCH_PROFILE=<folder>: the server writes a CPU profile there when it stops.
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const child = spawn(process.execPath, [...profile, '-r', __filename, 'dist/src/main.js'], {
    cwd: ROOT,
    env: { ...process.env, ...env, [PRELOAD]: '1', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output.length < 100000 ? (output += chunk) : undefined));
  child.stderr.on('data', (chunk) => (output += chunk));
  child.output = () => output;
  await new Promise((started, failed) => {
    const deadline = Date.now() + 60000;
    child.once('exit', (code) => failed(new Error(`the server exited with ${code}: ${output}`)));
    const poll = async () => {
      if (await answers(port)) return started();
      if (Date.now() > deadline) return failed(new Error(`the server did not start: ${output}`));
      setTimeout(poll, 100);
    };
    poll();
  });
  return child;
}

const stop = (child) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((done) => (child.once('exit', done), child.kill(process.env.BENCH_PROFILE ? 'SIGTERM' : 'SIGKILL')));

/** The server's round trips so far (asked by signal, answered on its stderr). */
async function roundTrips(child) {
  const seen = (child.output().match(/BENCH_ROUND_TRIPS \d+/g) ?? []).length;
  child.kill('SIGUSR2');
  for (let i = 0; i < 100; i++) {
    const counts = child.output().match(/BENCH_ROUND_TRIPS (\d+)/g) ?? [];
    if (counts.length > seen) return Number(counts[counts.length - 1].split(' ')[1]);
    await new Promise((done) => setTimeout(done, 20));
  }
  return NaN;
}

/** CPU time the server has used, in ms (utime + stime). */
function cpuMs(server) {
  if (server.exitCode !== null || server.signalCode !== null) throw new Error(`the server stopped during the run: ${server.output().slice(-3000)}`);
  return cpuUs(server.pid) / 1000;
}

/** CPU ms used so far by the PostgreSQL backends serving the database (the server's pool), by pid. */
async function backendCpu(database) {
  const { Client } = require('pg');
  const db = new Client({ connectionString: database.url });
  await db.connect();
  const { rows } = await db.query('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
  await db.end();
  const used = new Map();
  for (const { pid } of rows) {
    try {
      used.set(pid, cpuUs(pid) / 1000);
    } catch {
      // Gone meanwhile.
    }
  }
  return used;
}

/** A database for one run: a SQLite file in a temporary folder, or a new database beside BENCH_DATABASE_URL. */
async function freshDatabase(kind) {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'billing-bench-bookings-'));
    const file = join(dir, 'billing.sqlite');
    return { url: `sqlite:${file}`, file, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (!process.env.BENCH_DATABASE_URL) throw new Error('BENCH_DATABASE_URL is not set');
  const { Client } = require('pg');
  const url = new URL(process.env.BENCH_DATABASE_URL);
  const name = `bench_bookings_${process.pid}_${Date.now()}`;
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const again = new Client({ connectionString: process.env.BENCH_DATABASE_URL });
      await again.connect();
      await again.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}

/**
 * One currency, a reseller, CLIENTS clients (half of them on the reseller), each with a credit of
 * CREDIT and one payment of PAYMENT booked, its balance equal to it. Written straight to the
 * database the server has migrated.
 */
async function seed(kind, database) {
  if (kind === 'sqlite') {
    const Sqlite = require('better-sqlite3');
    const db = new Sqlite(database.file);
    db.pragma('busy_timeout = 5000');
    db.exec(`INSERT INTO currencies (name) VALUES ('USD'); INSERT INTO resellers (name) VALUES ('Bench reseller');`);
    const client = db.prepare(`INSERT INTO clients (name, resellers_id, currencies_id, credit, balance) VALUES (?, ?, 1, '${CREDIT}', '${PAYMENT}')`);
    const payment = db.prepare(
      `INSERT INTO transactions (clients_id, resellers_id, type, amount, currencies_id, client_amount, rate, dt, external_id)
       VALUES (?, ?, 'payment', '${PAYMENT}', 1, '${PAYMENT}', '1', strftime('%Y-%m-%d %H:%M:%f', 'now'), ?)`,
    );
    db.transaction(() => {
      for (let i = 1; i <= CLIENTS; i++) {
        const { lastInsertRowid } = client.run(`Client ${i}`, i % 2 ? 1 : null);
        payment.run(lastInsertRowid, i % 2 ? 1 : null, `seed-${i}`);
      }
    })();
    db.close();
    return;
  }
  const { Client } = require('pg');
  const db = new Client({ connectionString: database.url });
  await db.connect();
  await db.query(`INSERT INTO currencies (name) VALUES ('USD'); INSERT INTO resellers (name) VALUES ('Bench reseller');`);
  await db.query(
    `INSERT INTO clients (name, resellers_id, currencies_id, credit, balance)
     SELECT 'Client ' || i, CASE WHEN i % 2 = 1 THEN 1 END, 1, ${CREDIT}, ${PAYMENT} FROM generate_series(1, ${CLIENTS}) i`,
  );
  await db.query(
    `INSERT INTO transactions (clients_id, resellers_id, type, amount, currencies_id, client_amount, rate, dt, external_id)
     SELECT id, resellers_id, 'payment', ${PAYMENT}, 1, ${PAYMENT}, 1, now(), 'seed-' || id FROM clients`,
  );
  await db.query('ANALYZE');
  await db.end();
}

/** Every client's balance against the exact sum of its transactions, and the bookings counted. */
async function verify(kind, database) {
  const Decimal = require('decimal.js');
  const sql = `SELECT c.id, c.balance, t.client_amount FROM clients c LEFT JOIN transactions t ON t.clients_id = c.id ORDER BY c.id`;
  let rows;
  if (kind === 'sqlite') {
    const Sqlite = require('better-sqlite3');
    const db = new Sqlite(database.file, { readonly: true });
    rows = db.prepare(sql).all();
    db.close();
  } else {
    const { Client } = require('pg');
    const db = new Client({ connectionString: database.url });
    await db.connect();
    rows = (await db.query(sql)).rows;
    await db.end();
  }
  const sums = new Map();
  let transactions = 0;
  for (const row of rows) {
    const entry = sums.get(row.id) ?? { balance: new Decimal(row.balance), sum: new Decimal(0) };
    if (row.client_amount !== null) {
      entry.sum = entry.sum.plus(new Decimal(row.client_amount));
      transactions++;
    }
    sums.set(row.id, entry);
  }
  const mismatched = [...sums.values()].filter(({ balance, sum }) => !balance.eq(sum)).length;
  return { mismatched, bookings: transactions - CLIENTS };
}

/** Keeps `connections` requests in flight for `seconds`; answers the latencies, failures and bookings made. */
async function load(port, connections, seconds, makeRequest) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latencies = [];
  const failures = new Map();
  let booked = 0;
  const deadline = Date.now() + seconds * 1000;
  const fail = (why) => failures.set(why, (failures.get(why) ?? 0) + 1);
  const one = () =>
    new Promise((done) => {
      const { path, body } = makeRequest();
      const started = process.hrtime.bigint();
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path,
          agent,
          headers: { 'X-Api-Key': makeRequest.apiKey, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks = [];
          res.on('data', (chunk) => chunks.push(chunk));
          res.on('end', () => {
            latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
            const text = Buffer.concat(chunks).toString();
            // JSON-RPC answers its errors with HTTP 200: only a result is a booking.
            if (res.statusCode === 200 && !text.startsWith('{"jsonrpc"')) booked++;
            else if (res.statusCode === 200 && text.includes('"result"')) booked++;
            else fail(`HTTP ${res.statusCode} ${text.slice(0, 200)}`);
            done();
          });
        },
      );
      req.on('error', (error) => {
        fail(error.message);
        done();
      });
      req.end(body);
    });
  const started = Date.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < deadline) await one();
    }),
  );
  const elapsed = (Date.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p) => (latencies.length ? Number(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))].toFixed(1)) : NaN);
  return { requests: latencies.length, elapsed, p50: pct(0.5), p99: pct(0.99), failures, booked };
}

/** What a run sends: prepaid charges, or (`reference`) the generic request path alone. */
const SCENARIOS = {
  rpc: { name: 'JSON-RPC create_no_negative' },
  rest: { name: 'REST POST /accounting/transactions/prepaid' },
  'rpc-external-id': { name: 'JSON-RPC create_no_negative, each with an external_id', externalIds: true },
  // The same harness calling clients.get: what any authenticated call costs, for comparison.
  reference: { name: 'JSON-RPC clients.get (reference: no booking)', books: false },
};

/** Requests of the scenario: a charge of 0.01 to 0.99 on a random client (or a get of one). */
function requests(scenario) {
  let sequence = 0;
  return () => {
    const clients_id = 1 + Math.floor(Math.random() * CLIENTS);
    sequence++;
    if (scenario === 'reference') return { path: '/', body: JSON.stringify({ jsonrpc: '2.0', id: sequence, method: 'clients.get', params: { id: clients_id } }) };
    const amount = `-0.${String(1 + Math.floor(Math.random() * 99)).padStart(2, '0')}`;
    const params = { clients_id, type: 'charge', amount, ...(SCENARIOS[scenario].externalIds && { external_id: `bench-${process.pid}-${sequence}` }) };
    if (scenario === 'rest') return { path: '/accounting/transactions/prepaid', body: JSON.stringify(params) };
    return { path: '/', body: JSON.stringify({ jsonrpc: '2.0', id: sequence, method: 'accounting.transactions.create_no_negative', params }) };
  };
}

/**
 * Starts the server on a fresh database of `kind` ('sqlite' or 'postgres', the latter beside
 * BENCH_DATABASE_URL), seeds it, sends `scenario` requests (prepaid charges over random clients)
 * from `connections` connections for `seconds` after a one-second warm-up, then stops the server
 * and checks every balance and every booking. Answers `{ scenario, rps, p50, p99, errors }` and
 * what a booking cost the server: database round trips and CPU ms (utime + stime).
 */
async function run({ kind, port, apiKey = 'bench-bookings-admin-key-0123456789', seconds = 5, connections = 50, scenario = 'rpc' }) {
  if (!SCENARIOS[scenario]) throw new Error(`unknown scenario ${scenario}: ${Object.keys(SCENARIOS).join(', ')}`);
  const books = SCENARIOS[scenario].books !== false;
  const database = await freshDatabase(kind);
  let server;
  try {
    server = await startServer({ DATABASE_URL: database.url, ADMIN_API_KEY: apiKey }, port);
    await seed(kind, database);
    const makeRequest = requests(scenario);
    makeRequest.apiKey = apiKey;
    // JIT, statement caches, the pool: warmed up, not measured.
    const warmUp = await load(port, connections, 1, makeRequest);
    const tripsBefore = await roundTrips(server);
    const backendsBefore = kind === 'postgres' ? await backendCpu(database) : undefined;
    const cpuBefore = cpuMs(server);
    const result = await load(port, connections, seconds, makeRequest);
    const cpu = cpuMs(server) - cpuBefore;
    // Backends that served the run: those seen before it, less what they had used then (and new ones whole).
    const backends = backendsBefore && [...(await backendCpu(database))].reduce((sum, [pid, ms]) => sum + ms - (backendsBefore.get(pid) ?? 0), 0);
    const trips = (await roundTrips(server)) - tripsBefore;
    await stop(server);
    const { mismatched, bookings } = await verify(kind, database);
    const failures = [...warmUp.failures.entries(), ...result.failures.entries()].map(([why, count]) => `${count} × ${why}`);
    if (mismatched > 0) failures.push(`${mismatched} clients whose balance is not the sum of their transactions`);
    // Every answered booking stored exactly once (the warm-up's too), and nothing stored that was not answered.
    const answered = books ? warmUp.booked + result.booked : 0;
    if (bookings !== answered) failures.push(`${bookings} bookings stored, ${answered} answered`);
    const per = (total) => (result.booked ? Number((total / result.booked).toFixed(2)) : NaN);
    return {
      scenario: `${kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'}: ${SCENARIOS[scenario].name}`,
      rps: Math.round(result.requests / result.elapsed),
      p50: result.p50,
      p99: result.p99,
      errors:
        [...warmUp.failures.values(), ...result.failures.values()].reduce((sum, count) => sum + count, 0) +
        mismatched +
        Math.abs(bookings - answered),
      failures,
      answered: result.booked,
      roundTripsPerRequest: per(trips),
      cpuMsPerRequest: per(cpu),
      ...(backends !== undefined && { postgresCpuMsPerRequest: per(backends) }),
    };
  } finally {
    if (server) await stop(server);
    await database.drop();
  }
}

async function main() {
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
  const kinds = ['sqlite', ...(process.env.BENCH_DATABASE_URL ? ['postgres'] : [])].filter((kind) => !process.env.BENCH_ONLY || kind === process.env.BENCH_ONLY);
  const scenarios = process.env.BENCH_SCENARIOS ? process.env.BENCH_SCENARIOS.split(',') : Object.keys(SCENARIOS);
  const rows = [];
  for (const kind of kinds) for (const scenario of scenarios) rows.push(await run({ kind, port: 3986, seconds, connections, scenario }));
  console.log(`\n${connections} connections, ${seconds} s each, ${CLIENTS} prepaid clients\n`);
  console.table(
    rows.map((row) => ({
      scenario: row.scenario,
      'req/s': row.rps,
      'p50 ms': row.p50,
      'p99 ms': row.p99,
      errors: row.errors,
      'DB round trips/req': row.roundTripsPerRequest,
      'server CPU ms/req': row.cpuMsPerRequest,
      'PostgreSQL CPU ms/req': row.postgresCpuMsPerRequest ?? '',
    })),
  );
  for (const row of rows) for (const failure of row.failures) console.log(`${row.scenario}: ${failure}`);
  if (rows.some((row) => row.errors > 0)) process.exitCode = 1;
}

// Preloaded into the server (-r): count its round trips; required: the module; run: the table.
if (process.env[PRELOAD] === '1' && require.main !== module) {
  countRoundTrips();
} else {
  module.exports = { run };
  if (require.main === module) {
    main().catch((error) => {
      console.error(error);
      process.exit(1);
    });
  }
}
