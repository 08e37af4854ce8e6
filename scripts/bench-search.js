// `node scripts/bench-search.js` (after `npm run build`): clients.search at 10,000 and at 1,000,000
// clients, for every order and filter it offers and for the quick search `q`, on SQLite and (with
// BENCH_DATABASE_URL) on PostgreSQL. A search should cost its page, not its table: the p50 at 1M
// should stay within 1.5x of the p50 at 10k. Everything runs on this machine over loopback.
//
// Two servers run side by side, one on a table of 10,000 clients, one on the same table grown to
// 1,000,000, and each search is measured on both in turns, so that whatever else the machine runs
// weighs on both sizes alike. Rows marked "extra" are outside the target, shown for what they tell.
// BENCH_SECONDS (per search and size, default 8), BENCH_CONNECTIONS (in flight, default 4).
//
// As a module: `await run({ kind: 'sqlite' | 'postgres', url?, port, apiKey?, seconds? })` (servers on
// `port` and `port + 1`) answers rows `{ scenario, p50_10k, p50_1m, ratio, p99_10k, p99_1m, ... }`.
const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const http = require('node:http');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const Database = require('better-sqlite3');
const { Client } = require('pg');

const ROOT = resolve(__dirname, '..');
const SMALL = 10_000;
const LARGE = Number(process.env.BENCH_LARGE ?? 1_000_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 4);
const RESELLERS = 10;
const START = Date.UTC(2020, 0, 1);
const STEP_SECONDS = 150; // one client every 2.5 minutes: 10k span 17 days, 1M span 4.75 years

// Realistic names: first and last names (some beyond ASCII), a company form on every third.
const FIRST = ['James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer', 'Michael', 'Linda', 'William', 'Elizabeth', 'David', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen', 'Jürgen', 'Zoë', 'Søren', 'Élodie', 'Mateo', 'Yuki', 'Olga', 'Ahmed', 'Priya', 'Chen'];
const LAST = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Müller', 'Øster', 'Kowalski', 'Novak', 'Rossi', 'Dubois', 'Tanaka', 'Ivanova', 'Khan', 'Wang'];
const FORMS = ['Ltd', 'LLC', 'GmbH', 'Inc', 'Telecom', 'Networks', 'Consulting'];
const DOMAINS = ['gmail.com', 'yahoo.com', 'outlook.com', 'mail.example.org', 'acme.test'];
const STATUSES = ['active', 'active', 'active', 'active', 'blocked', 'archive'];

/** A 32-bit integer hash (murmur3's finalizer): the data are the same on every run and both databases. */
function hash(i) {
  let x = Math.imul(i, 0x9e3779b1) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** Client number i: balances from -100,000 to 100,000 with cents (one in ten at 0), half of them on one of the resellers. */
function clientRow(i) {
  const first = FIRST[hash(3 * i) % FIRST.length];
  const last = LAST[hash(3 * i + 1) % LAST.length];
  const cents = hash(3 * i + 2) % 10 === 0 ? 0 : (hash(3 * i + 2) % 20_000_000) - 10_000_000;
  const abs = Math.abs(cents);
  return {
    id: i,
    name: `${first} ${last}${i % 3 === 0 ? ` ${FORMS[i % FORMS.length]}` : ''}`,
    status: STATUSES[i % STATUSES.length],
    resellers_id: i % 2 === 1 ? 1 + (Math.floor(i / 2) % RESELLERS) : null,
    currencies_id: 1 + (i % 2),
    credit: String((i % 50) * 100),
    balance: `${cents < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`,
    email: `${first.toLowerCase()}.${last.toLowerCase()}${i}@${DOMAINS[Math.floor(i / 7) % DOMAINS.length]}`,
    c_dt: new Date(START + i * STEP_SECONDS * 1000),
  };
}

// A load beyond this many rows is a bulk load, done the way one is: the clients' secondary indexes
// (on PostgreSQL their foreign keys too, on SQLite the triggers that keep the quick-search index)
// are dropped, the rows inserted, and everything made again from its own definition, as the
// migrations left it (on SQLite the FTS5 index is rebuilt from the table, as the migration's
// backfill does). The 1M table is measured as a bulk load or a restore leaves it.
const BULK = 100_000;

/** Seeds clients from..to (and the currencies and resellers first) straight through the driver, in one transaction. */
async function seed(kind, target, from, to) {
  if (kind === 'sqlite') {
    const db = new Database(target);
    try {
      db.pragma('busy_timeout = 10000');
      db.pragma('cache_size = -400000');
      if (from === 1) {
        db.exec(`INSERT INTO currencies (name) VALUES ('USD'), ('EUR')`);
        const reseller = db.prepare('INSERT INTO resellers (name) VALUES (?)');
        for (let r = 1; r <= RESELLERS; r++) reseller.run(`Reseller ${r}`);
      }
      const insert = db.prepare(
        `INSERT INTO clients (id, name, status, resellers_id, currencies_id, credit, balance, email, c_dt)
         VALUES (@id, @name, @status, @resellers_id, @currencies_id, @credit, @balance, @email, @c_dt)`,
      );
      db.transaction(() => {
        const made = to - from >= BULK ? db.prepare(`SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'clients' AND type IN ('index', 'trigger') AND sql IS NOT NULL`).all() : [];
        for (const { type, name } of made) db.exec(`DROP ${type.toUpperCase()} "${name}"`);
        for (let i = from; i <= to; i++) {
          const row = clientRow(i);
          insert.run({ ...row, c_dt: row.c_dt.toISOString().replace('T', ' ').replace('Z', '') });
        }
        for (const { sql } of made) db.exec(sql);
        if (made.length > 0) db.exec(`INSERT INTO clients_q (clients_q) VALUES ('rebuild')`);
      })();
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      db.close();
    }
    return;
  }
  const db = new Client({ connectionString: target });
  await db.connect();
  try {
    if (from === 1) {
      await db.query(`INSERT INTO currencies (name) VALUES ('USD'), ('EUR')`);
      await db.query(`INSERT INTO resellers (name) SELECT 'Reseller ' || r FROM generate_series(1, ${RESELLERS}) r`);
    }
    const bulk = to - from >= BULK;
    const { rows: indexes } = bulk
      ? await db.query(
          `SELECT indexname, indexdef FROM pg_indexes
            WHERE schemaname = current_schema() AND tablename IN ('clients', 'clients_q')
              AND indexname NOT IN (SELECT conname FROM pg_constraint)`,
        )
      : { rows: [] };
    const { rows: foreignKeys } = bulk
      ? await db.query(`SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conrelid = 'clients'::regclass AND contype = 'f'`)
      : { rows: [] };
    await db.query('BEGIN');
    for (const { indexname } of indexes) await db.query(`DROP INDEX "${indexname}"`);
    for (const { conname } of foreignKeys) await db.query(`ALTER TABLE clients DROP CONSTRAINT "${conname}"`);
    // The rows of clientRow(), 50,000 to a statement as JSON (the triggers copy them for q by
    // statement); the next batch is made while the database takes the last one.
    const batch = (first) => {
      const rows = [];
      for (let i = first; i <= Math.min(to, first + 49_999); i++) rows.push(clientRow(i));
      return JSON.stringify(rows);
    };
    let pending = Promise.resolve();
    for (let first = from; first <= to; first += 50_000) {
      const rows = batch(first);
      await pending;
      pending = db.query(
        `INSERT INTO clients (id, name, status, resellers_id, currencies_id, credit, balance, email, c_dt)
         SELECT * FROM json_to_recordset($1::json) AS r(id integer, name text, status text, resellers_id integer,
           currencies_id integer, credit numeric, balance numeric, email text, c_dt timestamptz)`,
        [rows],
      );
    }
    await pending;
    await db.query(`SELECT setval('clients_id_seq', ${to})`);
    await db.query('COMMIT');
    // The indexes again, two at a time (nothing else uses the database meanwhile), then the foreign keys.
    const queue = [...indexes];
    await Promise.all(
      [0, 1].map(async () => {
        const builder = new Client({ connectionString: target });
        await builder.connect();
        try {
          await builder.query(`SET maintenance_work_mem = '512MB'`);
          for (let next = queue.shift(); next; next = queue.shift()) await builder.query(next.indexdef);
        } finally {
          await builder.end();
        }
      }),
    );
    for (const { conname, definition } of foreignKeys) await db.query(`ALTER TABLE clients ADD CONSTRAINT "${conname}" ${definition}`);
    await db.query('ANALYZE');
  } finally {
    await db.end();
  }
}

/** Whether something answers on the port (a server left over would be measured instead). */
const answers = (port) =>
  new Promise((done) => http.get({ host: '127.0.0.1', port, path: '/health/live' }, (res) => (res.resume(), done(true))).on('error', () => done(false)));

/** Starts the built server and resolves once it answers on `port`. */
async function start(env, port) {
  if (await answers(port)) throw new Error(`port ${port} is taken: stop what listens there first`);
  const child = spawn(process.execPath, ['dist/src/main.js'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk) => (output += chunk);
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return new Promise((resolveStart, reject) => {
    const deadline = Date.now() + 60_000;
    child.once('exit', (code) => reject(new Error(`the server exited with ${code}: ${output}`)));
    const poll = () =>
      http
        .get({ host: '127.0.0.1', port, path: '/health/live' }, (res) => {
          res.resume();
          // From now on only the last of its output is kept, to tell why it stopped if it does.
          output = '';
          child.stdout.off('data', collect).on('data', (chunk) => (output = (output + chunk).slice(-4000)));
          child.stderr.off('data', collect).on('data', (chunk) => (output = (output + chunk).slice(-4000)));
          child.removeAllListeners('exit');
          child.once('exit', (code, signal) => signal !== 'SIGKILL' && process.stderr.write(`the server on ${port} stopped (${code ?? signal}): ${output}\n`));
          resolveStart(child);
        })
        .on('error', () => (Date.now() > deadline ? reject(new Error(`the server did not start: ${output}`)) : setTimeout(poll, 200)));
    poll();
  });
}

const stop = (child) => new Promise((done) => (child.exitCode !== null ? done() : (child.once('exit', done), child.kill('SIGKILL'))));

/** GET `path` once: status, body, milliseconds. */
function get(agent, port, path, apiKey) {
  return new Promise((done, fail) => {
    const started = process.hrtime.bigint();
    http
      .get({ host: '127.0.0.1', port, path, agent, headers: { 'X-Api-Key': apiKey } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => done({ status: res.statusCode, body, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
      })
      .on('error', fail);
  });
}

/** Keeps CONNECTIONS requests for `path` in flight for `seconds`; adds their latencies to `latencies`. */
async function load(port, apiKey, path, seconds, latencies) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  let errors = 0;
  try {
    const deadline = Date.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (Date.now() < deadline) {
          const reply = await get(agent, port, path, apiKey);
          if (reply.status !== 200) errors++;
          latencies.push(reply.ms);
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  return errors;
}

/** The page a search answers (checked once: 200, and how many rows), and a short warm-up. */
async function firstPage(port, apiKey, path) {
  const agent = new http.Agent({ keepAlive: true });
  try {
    const reply = await get(agent, port, path, apiKey);
    if (reply.status !== 200) throw new Error(`GET ${path} answered ${reply.status}: ${reply.body}`);
    for (let i = 0; i < 10; i++) await get(agent, port, path, apiKey);
    return JSON.parse(reply.body).length;
  } finally {
    agent.destroy();
  }
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

/**
 * Measures one search on both servers, in turns (10k, 1M, 1M, 10k, ...) of a fraction of `seconds`
 * each, so that whatever else the machine runs weighs on both alike.
 */
async function compare(servers, apiKey, paths, seconds) {
  const ROUNDS = 8;
  const sides = servers.map(() => ({ latencies: [], errors: 0, rows: 0 }));
  for (const [i, server] of servers.entries()) sides[i].rows = await firstPage(server.port, apiKey, paths[i]);
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    for (const i of order) sides[i].errors += await load(servers[i].port, apiKey, paths[i], seconds / ROUNDS, sides[i].latencies);
  }
  return sides.map(({ latencies, errors, rows }) => {
    latencies.sort((a, b) => a - b);
    return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), requests: latencies.length, errors, rows };
  });
}

/**
 * The searches measured, each a query string of GET /clients. The same rows answer at both sizes
 * wherever the scenario allows: the table grows by later clients.
 */
function scenarios() {
  const one = clientRow(4321); // q: a fragment of one client's email, which no other holds
  const selective = `${one.email.split('.')[1].split('@')[0]}@`;
  const day = (offset) => new Date(START + offset * 86_400_000).toISOString();
  const lastDay = (size) => `c_dt_from=${encodeURIComponent(new Date(START + (size - 576) * STEP_SECONDS * 1000).toISOString())}`;
  const list = [
    ['order=id', ''],
    ['order=-id', 'order=-id'],
    ...['name', 'status', 'balance', 'c_dt'].flatMap((column) => [
      [`order=${column}`, `order=${column}`],
      [`order=-${column}`, `order=-${column}`],
    ]),
    ['status=blocked', 'status=blocked'],
    ['resellers_id=3', 'resellers_id=3'],
    ['currencies_id=2', 'currencies_id=2'],
    ['id=<5 ids>', 'id=17,4321,5000,9999,77'],
    ['c_dt_from..c_dt_till (one day)', `c_dt_from=${day(9)}&c_dt_till=${day(10)}`],
    [`q selective (${selective})`, `q=${encodeURIComponent(selective)}`],
    ['q common (smith)', 'q=smith'],
    ['extra: q short (jo)', 'q=jo'],
    ['extra: c_dt_from alone (the last day of each)', [lastDay(SMALL), lastDay(LARGE)]],
  ];
  const path = (query) => `/clients${query ? `?${query}` : ''}`;
  return list.map(([scenario, query]) => ({ scenario, paths: Array.isArray(query) ? query.map(path) : [path(query), path(query)] }));
}

/** A fresh SQLite file or PostgreSQL database: its DATABASE_URL, the seeding target, and how to drop it. */
async function freshDatabase(kind, url, label) {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), `billing-bench-search-${label}-`));
    const file = join(dir, 'billing.sqlite');
    return { databaseUrl: `sqlite:${file}`, target: file, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (!url) throw new Error('kind postgres needs url (or BENCH_DATABASE_URL)');
  const name = `bench_search_${label}_${process.pid}`;
  const sql = async (statement) => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await sql(`CREATE DATABASE ${name}`);
  const database = new URL(url);
  database.pathname = `/${name}`;
  return { databaseUrl: database.toString(), target: database.toString(), drop: () => sql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/**
 * Two servers of the built project, on `port` and `port + 1`, each on a fresh SQLite file or
 * PostgreSQL database (made from `url`): both are seeded with the same 10,000 clients, then the
 * second table grows to 1,000,000. Every scenario is measured on both, in turns. Answers a row per
 * scenario.
 */
async function run({ kind, url = process.env.BENCH_DATABASE_URL, port, apiKey = 'bench-admin-key-0123456789', seconds = 8 }) {
  const log = (message) => process.stderr.write(`[${kind}] ${message}\n`);
  const databases = [];
  const children = [];
  try {
    for (const label of ['10k', '1m']) databases.push(await freshDatabase(kind, url, label));
    const servers = [];
    for (const [i, { databaseUrl }] of databases.entries()) {
      const env = { DATABASE_URL: databaseUrl, PORT: String(port + i), HOST: '127.0.0.1', ADMIN_API_KEY: apiKey, LOG_LEVEL: 'warn' };
      children.push(await start(env, port + i));
      servers.push({ port: port + i });
    }
    for (const [i, [from, to]] of [[1, SMALL], [1, SMALL], [SMALL + 1, LARGE]].entries()) {
      const started = Date.now();
      await seed(kind, databases[Math.min(i, 1)].target, from, to);
      log(`seeded clients ${from}..${to} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    const rows = [];
    for (const { scenario, paths } of scenarios()) {
      const [small, large] = await compare(servers, apiKey, paths, seconds);
      const row = {
        scenario,
        p50_10k: round(small.p50),
        p50_1m: round(large.p50),
        ratio: round(large.p50 / small.p50),
        p99_10k: round(small.p99),
        p99_1m: round(large.p99),
        rows_10k: small.rows,
        rows_1m: large.rows,
        errors: small.errors + large.errors,
      };
      log(JSON.stringify(row));
      rows.push(row);
    }
    return rows;
  } finally {
    await Promise.all(children.map(stop));
    for (const database of databases) await database.drop();
  }
}

const round = (value) => Math.round(value * 100) / 100;

async function main() {
  const seconds = Number(process.env.BENCH_SECONDS ?? 8);
  const runs = [{ kind: 'sqlite', port: 3990 }];
  if (process.env.BENCH_DATABASE_URL) runs.push({ kind: 'postgres', port: 3992, url: process.env.BENCH_DATABASE_URL });
  for (const options of runs) {
    const rows = await run({ ...options, seconds });
    console.log(`\nclients.search on ${options.kind}: ${CONNECTIONS} concurrent requests, ${seconds} s per scenario, p50/p99 in ms`);
    console.table(rows);
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}

module.exports = { run, seed, clientRow, hash };
