// What the engine and bill-run benches share: the built server in a child process, and a fresh
// database (a SQLite file, or a database beside BENCH_DATABASE_URL) with SQL helpers on it.
const { spawn } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const http = require('node:http');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '..');

/** CPU time (user + system) a process has used so far, in µs (from /proc; clock ticks of 10 ms, USER_HZ = 100). */
function cpuUs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 1e4;
}

/** Whether a server answers on the port. */
const answers = (port) =>
  new Promise((done) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/health/live' }, (res) => (res.resume(), done(true)));
    req.on('error', () => done(false));
  });

/** The built server (`dist/src/main.js` of `root`, run with Node.js `flags`) on `port` (one of `ports`) with the given environment; resolves once it answers. */
async function startServer({ url, port, ports, apiKey, env = {}, root = ROOT, flags = [] }) {
  if (!ports.includes(port)) throw new Error(`port ${port}: this bench uses ports ${ports.join(', ')} only`);
  if (await answers(port)) throw new Error(`port ${port} is taken: stop what listens there first`);
  const child = spawn(process.execPath, [...flags, 'dist/src/main.js'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url, PORT: String(port), HOST: '127.0.0.1', ADMIN_API_KEY: apiKey, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  child.output = () => output;
  const deadline = Date.now() + 60_000;
  while (!(await answers(port))) {
    if (child.exitCode !== null) throw new Error(`the server exited: ${output}`);
    if (Date.now() > deadline) throw new Error(`the server did not start: ${output}`);
    await new Promise((done) => setTimeout(done, 100));
  }
  return child;
}

const stopServer = (child) => (child.exitCode !== null ? Promise.resolve() : new Promise((done) => (child.once('exit', done), child.kill('SIGTERM'))));

/** A fresh database named after `label`, and functions running SQL on it: `exec`, and `one` answering one number. */
async function freshDatabase(kind, label) {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), `billing-bench-${label}-`));
    const file = join(dir, 'billing.sqlite');
    const Sqlite = require('better-sqlite3');
    let db;
    const open = () => (db ??= new Sqlite(file)).pragma('busy_timeout = 10000');
    return {
      url: `sqlite:${file}`,
      exec: async (sql) => (open(), db.exec(sql)),
      one: async (sql) => (open(), Number(Object.values(db.prepare(sql).get())[0])),
      drop: async () => (db?.close(), rmSync(dir, { recursive: true, force: true })),
    };
  }
  if (!process.env.BENCH_DATABASE_URL) throw new Error('BENCH_DATABASE_URL is not set');
  const { Client } = require('pg');
  const name = `bench_${label}_${process.pid}_${Date.now()}`;
  const admin = new Client({ connectionString: process.env.BENCH_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(process.env.BENCH_DATABASE_URL);
  url.pathname = `/${name}`;
  let db;
  const open = async () => {
    if (!db) {
      db = new Client({ connectionString: url.toString() });
      await db.connect();
    }
    return db;
  };
  return {
    url: url.toString(),
    exec: async (sql) => (await open()).query(sql),
    one: async (sql) => Number(Object.values((await (await open()).query(sql)).rows[0])[0]),
    drop: async () => {
      await db?.end();
      await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** Runs a bench alone (`node scripts/bench-….js`): on SQLite, and on PostgreSQL with BENCH_DATABASE_URL (or BENCH_ONLY=sqlite|postgres); prints its rows. */
function runAlone(run) {
  (async () => {
    const kinds = (process.env.BENCH_ONLY ?? `sqlite${process.env.BENCH_DATABASE_URL ? ',postgres' : ''}`).split(',');
    const rows = [];
    for (const kind of kinds) rows.push(...[].concat(await run({ kind })));
    console.table(rows);
  })().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}

module.exports = { cpuUs, startServer, stopServer, freshDatabase, runAlone };
