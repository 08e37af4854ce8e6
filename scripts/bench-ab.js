// `node scripts/bench-ab.js <before> <after>`: two builds of this server side by side, for a change
// too small for `npm run bench` to see on a noisy machine (a VM whose speed drifts by tens of
// percent within minutes). Each directory is a checkout with `dist/` built. Both servers run at
// once on their own SQLite copy of 10,000 clients and take the same load at the same time (half
// the connections each), so a drift of the machine slows both alike; each round compares the CPU
// time per request of the two processes (from /proc). Prints each round's after ÷ before and
// their median: 0.90 means the change saves a tenth of the server's CPU per request.
// Environment: AB_ADAPTER (express | fastify), AB_SCENARIO (rest | rpc), AB_ROUNDS (8), AB_SECONDS (3).
const { resolve } = require('node:path');
const autocannon = require('autocannon');
const { cpuUs, freshDatabase, startServer, stopServer } = require('./bench-support');

const API_KEY = 'bench-admin-key-0123456789';
const PORTS = [3993, 3994];
const CLIENTS = 10000;
const ADAPTER = process.env.AB_ADAPTER ?? 'express';
const SCENARIO = process.env.AB_SCENARIO ?? 'rest';
const ROUNDS = Number(process.env.AB_ROUNDS ?? 8);
const SECONDS = Number(process.env.AB_SECONDS ?? 3);
const FLAGS = require('../package.json').scripts['start:prod'].split(' ').filter((word) => word.startsWith('--'));

const randomId = () => 1 + Math.floor(Math.random() * CLIENTS);
const call = () =>
  SCENARIO === 'rest'
    ? { method: 'GET', path: `/clients/${randomId()}`, headers: { 'x-api-key': API_KEY } }
    : {
        method: 'POST',
        path: '/',
        headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'clients.get', params: { id: randomId() } }),
      };

/** One side: a migrated database seeded with the bench's clients, and its server. */
async function side(root, port, label) {
  const db = await freshDatabase('sqlite', label);
  const options = { url: db.url, port, ports: PORTS, apiKey: API_KEY, env: { HTTP_ADAPTER: ADAPTER }, root, flags: FLAGS };
  await stopServer(await startServer(options)); // the first start migrates
  await db.exec(`INSERT INTO currencies (name) VALUES ('USD'); INSERT INTO resellers (name) VALUES ('Bench reseller');
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${CLIENTS})
    INSERT INTO clients (name, resellers_id, currencies_id, credit) SELECT 'Client ' || i, CASE WHEN i % 2 = 1 THEN 1 END, 1, '100.00' FROM n;`);
  return { db, server: await startServer(options), port };
}

/** Load on one side for `seconds`: its CPU µs per request. */
async function load({ server, port }, seconds, connections) {
  const first = call();
  const before = cpuUs(server.pid);
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    requests: [{ ...first, setupRequest: (request) => ({ ...request, ...call() }) }],
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} answers not 2xx, ${result.errors} errors on port ${port}`);
  return (cpuUs(server.pid) - before) / result.requests.total;
}

async function main() {
  const [before, after] = process.argv.slice(2).map((dir) => resolve(dir));
  if (!before || !after) throw new Error('usage: node scripts/bench-ab.js <before checkout> <after checkout>');
  const sides = [await side(before, PORTS[0], 'before'), await side(after, PORTS[1], 'after')];
  try {
    for (const one of sides) await load(one, 3, 50); // warm-up: the JIT compiles the path first
    const rounds = [];
    for (let round = 0; round < ROUNDS; round++) {
      const [usBefore, usAfter] = await Promise.all(sides.map((one) => load(one, SECONDS, 25)));
      rounds.push({ cpu_us_before: Math.round(usBefore), cpu_us_after: Math.round(usAfter), after_over_before: +(usAfter / usBefore).toFixed(3) });
    }
    const ratios = rounds.map((round) => round.after_over_before).sort((a, b) => a - b);
    console.table(rounds);
    console.log(`${ADAPTER}, ${SCENARIO}: median CPU per request after ÷ before = ${ratios[Math.floor(ratios.length / 2)]}`);
  } finally {
    for (const { server, db } of sides) {
      await stopServer(server);
      await db.drop();
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
