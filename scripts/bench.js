// `npm run bench`: the speed of this server on this machine, beside the floors it is held to.
//
// Each server runs as its own process; load comes from autocannon in this one, over loopback. For
// every scenario: requests/s, latency p50/p99, failures, the server's CPU time per request (from
// /proc) and its peak RSS; for each project server also the time from spawn to ready on an
// existing database. Floors: a bare Express (../shared/bench/express-floor.js) and a bare Fastify
// (scripts/fastify-floor.js) answering a fixed object, and a node:http + better-sqlite3 server
// doing the same key lookup and scope (../shared/bench/baseline-server.js).
//
// Sections: hot path (clients.get over JSON-RPC and REST, single and batched, both adapters),
// bookings, the billing engine, a bill run of invoices, and clients.search at 10k and 1M rows
// (scripts/bench-*.js), each on SQLite and, when BENCH_DATABASE_URL names a PostgreSQL server, on
// PostgreSQL. Writes bench/results.json.
// Environment: BENCH_SECONDS (5), BENCH_ONLY (comma list of sections: hot,bookings,billing,invoices,search),
// BENCH_PROFILE (a directory: CPU profiles of the project servers).
const { spawn } = require('node:child_process');
const { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const http = require('node:http');
const { cpus, tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const autocannon = require('autocannon');
const { cpuUs } = require('./bench-support');
const Database = require('better-sqlite3');
const { Client } = require('pg');

const ROOT = resolve(__dirname, '..');
const SHARED = resolve(ROOT, process.env.BENCH_SHARED ?? '../shared/bench');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ONLY = new Set((process.env.BENCH_ONLY ?? 'hot,bookings,billing,invoices,search').split(','));
const CLIENTS = 10000;
const FLOOR_KEY = 'bench-key';
const API_KEY = 'bench-admin-key-0123456789';
// The project's servers run as `npm run start:prod` runs them: with its Node.js flags.
const SERVER_FLAGS = require('../package.json').scripts['start:prod'].split(' ').filter((word) => word.startsWith('--'));

/** Whether something already answers on the port (a server left over would be measured instead). */
const answers = (port, path = '/') =>
  new Promise((done) =>
    http.get({ host: '127.0.0.1', port, path }, (res) => (res.resume(), done(res.statusCode))).on('error', () => done(0)),
  );


function rssMb(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : 0;
}

/** A process this bench started; peak RSS sampled while it lives. */
class Server {
  constructor(name, child) {
    this.name = name;
    this.child = child;
    this.peakRssMb = 0;
    this.sampler = setInterval(() => this.sample(), 200);
  }

  sample() {
    try {
      this.peakRssMb = Math.max(this.peakRssMb, rssMb(this.child.pid));
    } catch {
      // exited
    }
  }

  async stop() {
    clearInterval(this.sampler);
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await new Promise((done) => (this.child.once('exit', done), this.child.kill(process.env.BENCH_PROFILE ? 'SIGINT' : 'SIGKILL')));
  }
}

/** Starts a script and resolves once `readyPath` answers 200 on `port`, with how long that took. */
async function start(name, script, env, port, { readyPath = '/', args = [] } = {}) {
  if (await answers(port)) throw new Error(`port ${port} is taken: stop what listens there first`);
  const project = script.includes('dist/');
  const profile = process.env.BENCH_PROFILE && project ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [...(project ? SERVER_FLAGS : []), ...profile, ...args, script], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk) => (output += chunk);
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const deadline = Date.now() + 60000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}: ${output}`);
    const status = await answers(port, readyPath);
    if (status === 200 || (readyPath === '/' && status > 0)) break;
    if (Date.now() > deadline) throw new Error(`${script} did not start: ${output}`);
    await new Promise((done) => setTimeout(done, 20));
  }
  const readyMs = Number(process.hrtime.bigint() - started) / 1e6;
  child.stdout.off('data', collect).resume();
  child.stderr.off('data', collect).resume();
  const server = new Server(name, child);
  server.readyMs = Math.round(readyMs);
  return server;
}

/**
 * Keeps `connections` requests in flight for SECONDS. `make()` gives each request its method,
 * path, headers and body (random ids). Answers requests/s, latency, failures and CPU µs per request.
 */
async function load(server, port, make, { connections = 50, callsPerRequest = 1, seconds = SECONDS } = {}) {
  const first = make();
  const cpuBefore = cpuUs(server.child.pid);
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    requests: [{ method: first.method, path: first.path, headers: first.headers, setupRequest: (request) => ({ ...request, ...make() }) }],
  });
  const cpu = cpuUs(server.child.pid) - cpuBefore;
  server.sample();
  const total = result.requests.total;
  return {
    rps: Math.round(total / seconds),
    calls_per_s: Math.round((total * callsPerRequest) / seconds),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    failed: result.non2xx + result.errors + result.timeouts,
    cpu_us_per_request: total > 0 ? Math.round(cpu / total) : null,
  };
}

const randomId = () => 1 + Math.floor(Math.random() * CLIENTS);
// The odd ids are the bench reseller's: the ones its limited user reaches.
const randomOddId = () => 1 + 2 * Math.floor((Math.random() * CLIENTS) / 2);
const rest = (key, query = '', id = randomId) => () => ({ method: 'GET', path: `/clients/${id()}${query}`, headers: { 'x-api-key': key } });
const rpcBody = (call) => ({ method: 'POST', path: '/', headers: { 'x-api-key': call.key, 'content-type': 'application/json' }, body: call.body });
const rpc = (key, extra = {}, id = randomId) => () =>
  rpcBody({ key, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'clients.get', params: { id: id(), ...extra } }) });
const batch = (key, size) => () =>
  rpcBody({
    key,
    body: JSON.stringify(Array.from({ length: size }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'clients.get', params: { id: randomId() } }))),
  });

/** 10,000 clients, half of them on a reseller, written straight into the database. */
async function seedClients(kind, target) {
  if (kind === 'sqlite') {
    const db = new Database(target);
    db.pragma('busy_timeout = 5000');
    db.exec(`INSERT INTO currencies (name) VALUES ('USD'); INSERT INTO resellers (name) VALUES ('Bench reseller');`);
    const insert = db.prepare(`INSERT INTO clients (name, resellers_id, currencies_id, credit) VALUES (?, ?, 1, '100.00')`);
    db.transaction(() => {
      for (let i = 1; i <= CLIENTS; i++) insert.run(`Client ${i}`, i % 2 ? 1 : null);
    })();
    db.close();
    return;
  }
  const db = new Client({ connectionString: target });
  await db.connect();
  await db.query(`INSERT INTO currencies (name) VALUES ('USD'); INSERT INTO resellers (name) VALUES ('Bench reseller');`);
  await db.query(
    `INSERT INTO clients (name, resellers_id, currencies_id, credit)
     SELECT 'Client ' || i, CASE WHEN i % 2 = 1 THEN 1 END, 1, 100 FROM generate_series(1, ${CLIENTS}) i`,
  );
  await db.end();
}

/** A reseller-limited user of the bench reseller, with its own API key (made through the API itself). */
async function limitedUserKey(port) {
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'iam.users.create',
    params: { login: `bench-reseller-${Date.now()}`, resellers_id: 1 },
  });
  const reply = await new Promise((done, fail) => {
    const request = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk)).on('end', () => done(JSON.parse(text)));
    });
    request.on('error', fail).end(body);
  });
  if (!reply.result?.api_key) throw new Error(`could not create the limited user: ${JSON.stringify(reply)}`);
  return reply.result.api_key;
}

/** A fresh PostgreSQL database for one server, dropped by the returned function. */
async function freshPostgres(label) {
  const url = new URL(process.env.BENCH_DATABASE_URL);
  const name = `bench_${label}_${process.pid}`;
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

const adapterAvailable = (adapter) => {
  if (adapter === 'express') return true;
  try {
    require.resolve('@nestjs/platform-fastify', { paths: [ROOT] });
    return true;
  } catch {
    return false;
  }
};

/** The hot path on one adapter and database: single calls, 10 connections, a limited caller with a zone, a batch of 100. */
async function hotPath({ adapter, kind, port, dir, rows, servers }) {
  const label = `${adapter}, ${kind}`;
  const env = { PORT: String(port), HOST: '127.0.0.1', ADMIN_API_KEY: API_KEY, LOG_LEVEL: 'warn', HTTP_ADAPTER: adapter };
  let drop = async () => undefined;
  if (kind === 'sqlite') {
    env.DATABASE_URL = `sqlite:${join(dir, `hot-${adapter}.sqlite`)}`;
  } else {
    const database = await freshPostgres(`hot_${adapter}`);
    env.DATABASE_URL = database.url;
    drop = database.drop;
  }
  try {
    // First start migrates; the measured start is the second, on an existing database.
    const first = await start(`project (${label})`, 'dist/src/main.js', env, port, { readyPath: '/health/ready' });
    await seedClients(kind, kind === 'sqlite' ? env.DATABASE_URL.slice('sqlite:'.length) : env.DATABASE_URL);
    const limitedKey = await limitedUserKey(port);
    await first.stop();
    const server = await start(`project (${label})`, 'dist/src/main.js', env, port, { readyPath: '/health/ready' });
    servers.push(server);
    // Unmeasured first: the JIT compiles the hot path before anything counts.
    for (const make of [rpc(API_KEY), rest(API_KEY), batch(API_KEY, 100)]) await load(server, port, make, { seconds: 2 });
    const add = async (scenario, make, options) => rows.push({ section: 'hot path', server: label, scenario, ...(await load(server, port, make, options)) });
    await add('JSON-RPC clients.get', rpc(API_KEY));
    await add('REST GET /clients/:id', rest(API_KEY));
    await add('JSON-RPC clients.get, 10 connections', rpc(API_KEY), { connections: 10 });
    await add('REST GET /clients/:id, 10 connections', rest(API_KEY), { connections: 10 });
    await add('JSON-RPC clients.get, limited user, __tz', rpc(limitedKey, { __tz: 'America/New_York' }, randomOddId));
    await add('REST GET /clients/:id, limited user, __tz', rest(limitedKey, '?__tz=America/New_York', randomOddId));
    await add('JSON-RPC batch of 100 clients.get', batch(API_KEY, 100), { connections: 10, callsPerRequest: 100 });
    rows.push({ section: 'start', server: label, scenario: 'ready on an existing database', ready_ms: server.readyMs });
    await server.stop();
    rows.push({ section: 'memory', server: label, scenario: 'peak RSS', rss_mb: server.peakRssMb });
  } finally {
    await drop();
  }
}

async function floors({ dir, rows, servers }) {
  const floorScripts = [
    ['express floor', join(SHARED, 'express-floor.js'), 3998, {}],
    ['fastify floor', join(ROOT, 'scripts/fastify-floor.js'), 3995, {}],
    ['baseline (node:http + better-sqlite3)', join(SHARED, 'baseline-server.js'), 3999, { DB: join(dir, 'baseline.sqlite') }],
  ];
  for (const [name, script, port, env] of floorScripts) {
    if (!existsSync(script) || (name === 'fastify floor' && !adapterAvailable('fastify'))) {
      console.log(`(${name}: ${script} not available)`);
      continue;
    }
    const server = await start(name, script, { PORT: String(port), ...env }, port);
    servers.push(server);
    for (const make of [rpc(FLOOR_KEY), rest(FLOOR_KEY)]) await load(server, port, make, { seconds: 2 });
    rows.push({ section: 'floor', server: name, scenario: 'JSON-RPC clients.get', ...(await load(server, port, rpc(FLOOR_KEY))) });
    rows.push({ section: 'floor', server: name, scenario: 'REST GET /clients/:id', ...(await load(server, port, rest(FLOOR_KEY))) });
    await server.stop();
  }
}

/** Ratios of each hot-path row to the same protocol's floors. */
function withRatios(rows) {
  const floor = (server, scenario) => rows.find((row) => row.section === 'floor' && row.server === server && row.scenario === scenario)?.rps;
  return rows.map((row) => {
    if (row.section !== 'hot path' || row.scenario.includes('batch')) return row;
    const protocol = row.scenario.startsWith('REST') ? 'REST GET /clients/:id' : 'JSON-RPC clients.get';
    const ratio = (server) => (floor(server, protocol) ? Number((row.rps / floor(server, protocol)).toFixed(2)) : undefined);
    return { ...row, x_express_floor: ratio('express floor'), x_fastify_floor: ratio('fastify floor') };
  });
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'billing-bench-'));
  const servers = [];
  const rows = [];
  const kinds = ['sqlite', ...(process.env.BENCH_DATABASE_URL ? ['postgres'] : [])];
  try {
    if (ONLY.has('hot')) {
      await floors({ dir, rows, servers });
      for (const adapter of ['express', 'fastify'].filter(adapterAvailable)) {
        for (const kind of kinds) await hotPath({ adapter, kind, port: 3997, dir, rows, servers });
      }
    }
    if (ONLY.has('bookings')) {
      const bookings = require('./bench-bookings.js');
      for (const kind of kinds) {
        for (const scenario of ['rpc', 'rest']) {
          const row = await bookings.run({ kind, port: 3986, apiKey: API_KEY, seconds: SECONDS, connections: 50, scenario });
          rows.push({
            section: 'bookings',
            server: `express, ${kind}`,
            scenario: row.scenario.replace(/^[^:]+: /, ''),
            rps: row.rps,
            p50_ms: row.p50,
            p99_ms: row.p99,
            failed: row.errors,
            cpu_us_per_request: Math.round(row.cpuMsPerRequest * 1000),
            db_round_trips: row.roundTripsPerRequest,
          });
          for (const failure of row.failures) console.log(`bookings, ${kind}, ${scenario}: ${failure}`);
        }
      }
    }
    if (ONLY.has('billing')) {
      for (const kind of kinds) rows.push(await require('./bench-billing.js').run({ kind, port: 3984 }));
    }
    if (ONLY.has('invoices')) {
      for (const kind of kinds) rows.push(...(await require('./bench-invoices.js').run({ kind, port: 3982 })));
    }
    if (ONLY.has('search') && existsSync(join(__dirname, 'bench-search.js'))) {
      for (const kind of kinds) {
        const found = await require('./bench-search.js').run({ kind, port: 3990, apiKey: API_KEY, seconds: SECONDS });
        for (const row of [].concat(found)) rows.push({ section: 'search', server: `express, ${kind}`, ...row });
      }
    }
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
  // A run of some sections keeps the other sections' rows of the last run (each row says when it was measured).
  const measured = new Set(rows.map((row) => row.section));
  const file = join(ROOT, 'bench/results.json');
  const earlier = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { results: [] };
  const kept = earlier.results.filter((row) => !measured.has(row.section)).map((row) => ({ ...row, when: row.when ?? earlier.when }));
  const results = [...kept, ...withRatios(rows).map((row) => ({ ...row, when: new Date().toISOString() }))];
  mkdirSync(join(ROOT, 'bench'), { recursive: true });
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node.js ${process.version}`;
  writeFileSync(file, `${JSON.stringify({ when: new Date().toISOString(), machine, seconds: SECONDS, results }, null, 2)}\n`);
  console.log(`\n${machine}; ${SECONDS} s per scenario, 50 connections unless named; written to bench/results.json\n`);
  console.table(
    results.map(({ section, server, scenario, when: _when, ...measured }) => ({ section, server, scenario, ...measured })),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
