// The framework floor on Fastify, beside ../shared/bench/express-floor.js: a bare Fastify server
// answering GET /clients/:id and POST / with a fixed JSON object — no auth, no database, no Nest.
// Whatever the project adds on HTTP_ADAPTER=fastify costs on top of this. `node scripts/fastify-floor.js`.
const fastify = require('fastify')({ logger: false });
const port = +process.env.PORT || 3995;
const obj = { id: 42, name: 'Client 42', status: 'active', credit: 100, balance: 0, currencies_id: 1, resellers_id: null, c_dt: '2026-11-25T07:57:48+00:00' };
fastify.get('/clients/:id', async (request) => ({ ...obj, id: +request.params.id }));
fastify.post('/', async (request) => ({ jsonrpc: '2.0', id: request.body?.id ?? null, result: { ...obj, id: request.body?.params?.id } }));
fastify.listen({ port, host: '127.0.0.1' }).then(() => console.log('fastify floor listening on', port));
