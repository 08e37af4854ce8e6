// `npm run bench`: throughput and latency of the hot path — clients.get over JSON-RPC and
// GET /clients/:id over REST, with an API key, on Express and on Fastify (HTTP_ADAPTER) — against a
// bare Fastify server answering a fixed object (scripts/fastify-floor.js) and the bare baselines in
// ../shared/bench (a node:http + better-sqlite3 server, and the same on Express), when present.
// Everything runs on this machine over loopback, bounded in time.
const { spawn } = require('node:child_process');
const { existsSync, mkdtempSync, rmSync } = require('node:fs');
const http = require('node:http');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const Database = require('better-sqlite3');
const { Client } = require('pg');

const ROOT = resolve(__dirname, '..');
const SHARED = resolve(ROOT, process.env.BENCH_SHARED ?? '../shared/bench');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const CLIENTS = 10000;
const KEY = 'bench-key';
const API_KEY = 'bench-admin-key-0123456789';

/** Whether something already answers on the port (a server left over would be measured instead). */
const answers = (port) =>
  new Promise((done) => http.get({ host: '127.0.0.1', port, path: '/' }, (res) => (res.resume(), done(true))).on('error', () => done(false)));

/** Starts a server and resolves once `port` answers; its output is kept only until then. */
async function start(script, env, port, args = []) {
  if (await answers(port)) throw new Error(`port ${port} is taken: stop what listens there first`);
  const child = spawn(process.execPath, [...args, script], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk) => (output += chunk);
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return new Promise((resolveStart, reject) => {
    const deadline = Date.now() + 30000;
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}: ${output}`)));
    const poll = () =>
      http
        .get({ host: '127.0.0.1', port, path: '/' }, (res) => {
          res.resume();
          child.stdout.off('data', collect).resume();
          child.stderr.off('data', collect).resume();
          resolveStart(child);
        })
        .on('error', () => (Date.now() > deadline ? reject(new Error(`${script} did not start: ${output}`)) : setTimeout(poll, 100)));
    poll();
  });
}

/** Keeps CONNECTIONS requests in flight for SECONDS; answers requests/s and latency percentiles. */
async function load(port, makeRequest) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const latencies = [];
  let errors = 0;
  const deadline = Date.now() + SECONDS * 1000;
  const one = () =>
    new Promise((done) => {
      const { method, path, body, headers } = makeRequest();
      const started = process.hrtime.bigint();
      const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers: { ...headers, ...(body && { 'Content-Length': Buffer.byteLength(body) }) } }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200) errors++;
          latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
          done();
        });
      });
      req.on('error', () => {
        errors++;
        done();
      });
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < deadline) await one();
    }),
  );
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))].toFixed(2);
  return { rps: Math.round(latencies.length / SECONDS), p50: pct(0.5), p99: pct(0.99), errors };
}

const randomId = () => 1 + Math.floor(Math.random() * CLIENTS);
const rest = (key) => () => ({ method: 'GET', path: `/clients/${randomId()}`, headers: { 'X-Api-Key': key } });
const rpc = (key) => () => ({
  method: 'POST',
  path: '/',
  headers: { 'X-Api-Key': key, 'Content-Type': 'application/json' },
  body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'clients.get', params: { id: randomId() } }),
});

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'billing-bench-'));
  const children = [];
  const rows = [];
  try {
    // The project's server, on SQLite, seeded like the baseline: 10,000 clients, half on a reseller.
    const file = join(dir, 'billing.sqlite');
    const env = { DATABASE_URL: `sqlite:${file}`, PORT: '3997', HOST: '127.0.0.1', ADMIN_API_KEY: API_KEY, LOG_LEVEL: 'warn' };
    const server = await start('dist/src/main.js', env, 3997, process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []);
    children.push(server);
    const db = new Database(file);
    db.pragma('busy_timeout = 5000');
    db.exec(`INSERT INTO currencies (name) VALUES ('USD'); INSERT INTO resellers (name) VALUES ('Bench reseller');`);
    const insert = db.prepare(`INSERT INTO clients (name, resellers_id, currencies_id, credit) VALUES (?, ?, 1, '100.00')`);
    db.transaction(() => {
      for (let i = 1; i <= CLIENTS; i++) insert.run(`Client ${i}`, i % 2 ? 1 : null);
    })();
    db.close();
    for (const [name, make] of [
      ['project: JSON-RPC clients.get', rpc(API_KEY)],
      ['project: REST GET /clients/:id', rest(API_KEY)],
    ]) {
      rows.push({ name, ...(await load(3997, make)) });
    }
    // The same server on Fastify, on the same database (the Express one idles meanwhile).
    children.push(await start('dist/src/main.js', { ...env, HTTP_ADAPTER: 'fastify', PORT: '3994' }, 3994));
    rows.push({ name: 'project on Fastify: JSON-RPC clients.get', ...(await load(3994, rpc(API_KEY))) });
    rows.push({ name: 'project on Fastify: REST GET /clients/:id', ...(await load(3994, rest(API_KEY))) });

    // The same on PostgreSQL (row-level security on, every call one unit of work), when BENCH_DATABASE_URL names a server.
    if (process.env.BENCH_DATABASE_URL) {
      const url = new URL(process.env.BENCH_DATABASE_URL);
      const name = `bench_${process.pid}`;
      const admin = new Client({ connectionString: url.toString() });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      url.pathname = `/${name}`;
      try {
        const pgServer = await start('dist/src/main.js', { ...env, DATABASE_URL: url.toString(), PORT: '3996' }, 3996);
        const db = new Client({ connectionString: url.toString() });
        await db.connect();
        await db.query(`INSERT INTO currencies (name) VALUES ('USD'); INSERT INTO resellers (name) VALUES ('Bench reseller');`);
        await db.query(
          `INSERT INTO clients (name, resellers_id, currencies_id, credit)
           SELECT 'Client ' || i, CASE WHEN i % 2 = 1 THEN 1 END, 1, 100 FROM generate_series(1, ${CLIENTS}) i`,
        );
        await db.end();
        rows.push({ name: 'project on PostgreSQL: JSON-RPC clients.get', ...(await load(3996, rpc(API_KEY))) });
        rows.push({ name: 'project on PostgreSQL: REST GET /clients/:id', ...(await load(3996, rest(API_KEY))) });
        await new Promise((done) => (pgServer.once('exit', done), pgServer.kill('SIGKILL')));
      } finally {
        await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
        await admin.end();
      }
    }

    if (existsSync(join(SHARED, 'baseline-server.js'))) {
      children.push(await start(join(SHARED, 'baseline-server.js'), { PORT: '3999', DB: join(dir, 'baseline.sqlite') }, 3999));
      rows.push({ name: 'baseline (node:http + sqlite): JSON-RPC', ...(await load(3999, rpc(KEY))) });
      rows.push({ name: 'baseline (node:http + sqlite): REST', ...(await load(3999, rest(KEY))) });
      children.push(await start(join(SHARED, 'express-floor.js'), { PORT: '3998' }, 3998));
      rows.push({ name: 'express floor (fixed object): JSON-RPC', ...(await load(3998, rpc(KEY))) });
      rows.push({ name: 'express floor (fixed object): REST', ...(await load(3998, rest(KEY))) });
    } else {
      console.log(`(no baselines: ${SHARED} not found)`);
    }
    children.push(await start(join(ROOT, 'scripts/fastify-floor.js'), { PORT: '3995' }, 3995));
    rows.push({ name: 'fastify floor (fixed object): JSON-RPC', ...(await load(3995, rpc(KEY))) });
    rows.push({ name: 'fastify floor (fixed object): REST', ...(await load(3995, rest(KEY))) });
  } finally {
    await Promise.all(children.map((child) => new Promise((done) => (child.once('exit', done), child.kill(process.env.BENCH_PROFILE ? 'SIGINT' : 'SIGKILL')))));
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\n${CONNECTIONS} connections, ${SECONDS} s each, ${CLIENTS} clients\n`);
  console.table(rows.map(({ name, rps, p50, p99, errors }) => ({ scenario: name, 'req/s': rps, 'p50 ms': p50, 'p99 ms': p99, 'non-200': errors })));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
