import { request as httpRequest } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import request from 'supertest';
import { aCurrency } from '../support/factories';
import { ADMIN_KEY, HTTP_ADAPTER, startTestApp, TestApp } from '../support/test-app';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as sent (compressed or not). */
  bytes: Buffer;
  text: string;
}

const JSON_TYPE = 'application/json; charset=utf-8';

// The HTTP manners of issue 13 (design-13): paging headers and meta, 404/405/413 with data.code,
// CORS and compression. Exact on both adapters (HTTP_ADAPTER) and both databases.
describe(`HTTP manners on ${HTTP_ADAPTER}`, () => {
  let t: TestApp;
  let port: number;

  /** One request, byte for byte: no header is added but Host (and Content-Length for a body). */
  const send = (method: string, path: string, options: { headers?: Record<string, string>; body?: string } = {}) =>
    new Promise<Answer>((resolve, reject) => {
      const { body } = options;
      const headers = { ...(body !== undefined && { 'Content-Length': String(Buffer.byteLength(body)) }), ...options.headers };
      const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes, text: bytes.toString() });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  const withKey = (headers: Record<string, string> = {}) => ({ 'X-Api-Key': ADMIN_KEY, ...headers });
  const error = (answer: Answer) => [answer.status, answer.headers['content-type'], answer.headers.allow, JSON.parse(answer.text)];

  beforeAll(async () => {
    t = await startTestApp({ BODY_LIMIT: '1024' });
    for (const name of ['USD', 'EUR', 'GBP', 'JPY', 'AUD']) await aCurrency(t, name);
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as { port: number }).port;
  });
  afterAll(() => t.close());

  describe('searches tell whether there is more', () => {
    const names = (answer: Answer) => (JSON.parse(answer.text) as { name: string }[]).map((row) => row.name);

    it('REST: X-Has-More, and a Link to the next page with the same query, under the path as requested', async () => {
      const first = await send('GET', '/api/accounting/currencies?order=name&limit=2&offset=0', { headers: withKey() });
      expect([first.status, names(first), first.headers['x-has-more'], first.headers.link]).toEqual([
        200,
        ['AUD', 'EUR'],
        'true',
        '</api/accounting/currencies?order=name&limit=2&offset=2>; rel="next"',
      ]);
      const second = await send('GET', '/accounting/currencies?limit=2&order=name&offset=2', { headers: withKey() });
      expect([names(second), second.headers['x-has-more'], second.headers.link]).toEqual([
        ['GBP', 'JPY'],
        'true',
        '</accounting/currencies?limit=2&order=name&offset=4>; rel="next"',
      ]);
      const last = await send('GET', '/accounting/currencies?limit=2&order=name&offset=4', { headers: withKey() });
      expect([names(last), last.headers['x-has-more'], last.headers.link]).toEqual([['USD'], 'false', undefined]);
      const exact = await send('GET', '/accounting/currencies?limit=5', { headers: withKey() });
      expect([names(exact).length, exact.headers['x-has-more'], exact.headers.link]).toEqual([5, 'false', undefined]);
      const defaults = await send('GET', '/accounting/currencies?offset=1&limit=1', { headers: withKey() });
      expect([names(defaults), defaults.headers['x-has-more'], defaults.headers.link]).toEqual([
        ['EUR'],
        'true',
        '</accounting/currencies?limit=1&offset=2>; rel="next"',
      ]);
      const noQuery = await send('GET', '/accounting/currencies', { headers: withKey() });
      expect([names(noQuery).length, noQuery.headers['x-has-more']]).toEqual([5, 'false']);
    });

    it('REST: a get, a create and a failed search carry no paging headers', async () => {
      const get = await send('GET', '/accounting/currencies/1', { headers: withKey() });
      const invalid = await send('GET', '/accounting/currencies?limit=0', { headers: withKey() });
      expect([get.headers['x-has-more'], invalid.status, invalid.headers['x-has-more']]).toEqual([undefined, 400, undefined]);
    });

    it('JSON-RPC: meta beside the result of a search, per call in a batch; none for other calls', async () => {
      const single = await t.rpc('accounting.currencies.search', { order: ['name'], limit: 3 });
      expect(single.body).toEqual({
        jsonrpc: '2.0',
        id: 1,
        result: [expect.objectContaining({ name: 'AUD' }), expect.objectContaining({ name: 'EUR' }), expect.objectContaining({ name: 'GBP' })],
        meta: { has_more: true, next_offset: 3 },
      });
      const batch = await t.rpcRaw([
        { jsonrpc: '2.0', id: 'a', method: 'accounting.currencies.search', params: { limit: 2, offset: 4 } },
        { jsonrpc: '2.0', id: 'b', method: 'accounting.currencies.get', params: { id: 1 } },
        { jsonrpc: '2.0', id: 'c', method: 'accounting.currencies.search', params: { limit: 1, offset: 1 } },
        { jsonrpc: '2.0', id: 'd', method: 'accounting.currencies.search', params: { limit: 0 } },
      ]);
      const byId = Object.fromEntries((batch.body as any[]).map((answer) => [answer.id, answer]));
      expect([byId.a.result.length, byId.a.meta, 'meta' in byId.b, byId.c.result[0].name, byId.c.meta, 'meta' in byId.d, byId.d.error.code]).toEqual([
        1,
        { has_more: false, next_offset: null },
        false,
        'EUR',
        { has_more: true, next_offset: 2 },
        false,
        -32602,
      ]);
    });
  });

  describe('errors carry data.code', () => {
    it('an unknown route: 404 not_found with the route in the message', async () => {
      expect(error(await send('GET', '/nowhere'))).toEqual([
        404,
        JSON_TYPE,
        undefined,
        { error: { message: 'not_found: no route GET /nowhere', data: { code: 'not_found', message: 'no route GET /nowhere' } } },
      ]);
    });

    it('a known path with a wrong verb: 405 with Allow, in REST and on the JSON-RPC endpoint', async () => {
      expect(error(await send('PUT', '/clients/1', { headers: withKey() }))).toEqual([
        405,
        JSON_TYPE,
        'GET, PATCH, DELETE',
        {
          error: {
            message: 'method-not-allowed: PUT is not allowed on /clients/1',
            data: { code: 'method-not-allowed', message: 'PUT is not allowed on /clients/1', allow: ['GET', 'PATCH', 'DELETE'] },
          },
        },
      ]);
      const onList = await send('DELETE', '/api/Clients/');
      expect([onList.status, onList.headers.allow]).toEqual([405, 'GET, POST']);
      const action = await send('GET', '/clients/7/archive');
      expect([action.status, action.headers.allow]).toEqual([405, 'POST']);
      for (const path of ['/', '/api', '/api/']) {
        const rpc = await send('GET', path);
        expect(error(rpc)).toEqual([
          405,
          JSON_TYPE,
          'POST',
          { error: { message: `method-not-allowed: GET is not allowed on ${path}`, data: { code: 'method-not-allowed', message: `GET is not allowed on ${path}`, allow: ['POST'] } } },
        ]);
      }
      const options = await send('OPTIONS', '/clients');
      expect([options.status, options.headers.allow]).toEqual([405, 'GET, POST']);
      const health = await send('POST', '/health/live');
      expect([health.status, health.headers.allow]).toEqual([405, 'GET']);
    });

    it('a body over the limit: 413 payload-too-large with the limit, in both protocols', async () => {
      const big = `{"name":"${'x'.repeat(1100)}"}`;
      const data = { code: 'payload-too-large', message: 'the body is over the limit of 1024 bytes', limit_bytes: 1024 };
      const message = 'payload-too-large: the body is over the limit of 1024 bytes';
      expect(error(await send('POST', '/accounting/currencies', { headers: withKey(), body: big }))).toEqual([413, JSON_TYPE, undefined, { error: { message, data } }]);
      expect(error(await send('POST', '/', { headers: withKey(), body: big }))).toEqual([
        413,
        JSON_TYPE,
        undefined,
        { jsonrpc: '2.0', id: null, error: { code: -32600, message, data } },
      ]);
    });
  });

  describe('compression', () => {
    it('compresses a large answer with br when accepted (preferred), else gzip; says Vary: Accept-Encoding', async () => {
      const plain = await send('GET', '/docs/json');
      const br = await send('GET', '/docs/json', { headers: { 'Accept-Encoding': 'gzip, deflate, br' } });
      const gzip = await send('GET', '/api/docs/json', { headers: { 'Accept-Encoding': 'gzip' } });
      const refused = await send('GET', '/docs/json', { headers: { 'Accept-Encoding': 'br;q=0, identity' } });
      expect([plain.headers['content-encoding'], plain.headers.vary, Number(plain.headers['content-length']) > 20000]).toEqual([undefined, undefined, true]);
      expect([br.status, br.headers['content-encoding'], br.headers.vary, Number(br.headers['content-length']), brotliDecompressSync(br.bytes).toString()]).toEqual([
        200,
        'br',
        'Accept-Encoding',
        br.bytes.length,
        plain.text,
      ]);
      expect(br.bytes.length).toBeLessThan(plain.bytes.length / 4);
      expect([gzip.headers['content-encoding'], gzip.headers.vary, gunzipSync(gzip.bytes).toString()]).toEqual(['gzip', 'Accept-Encoding', plain.text]);
      expect([refused.headers['content-encoding'], refused.text]).toEqual([undefined, plain.text]);
    });

    it('compresses JSON-RPC answers, searches and the Swagger UI assets; never a small answer or a HEAD', async () => {
      const accept = { 'Accept-Encoding': 'gzip' };
      const discover = await send('POST', '/', { headers: accept, body: '{"jsonrpc":"2.0","id":1,"method":"rpc.discover"}' });
      expect([discover.headers['content-encoding'], JSON.parse(gunzipSync(discover.bytes).toString()).result.openrpc]).toEqual(['gzip', '1.3.2']);
      for (const name of ['CHF', 'CZK', 'DKK', 'HUF', 'NOK', 'PLN', 'SEK']) await aCurrency(t, name);
      const search = await send('GET', '/accounting/currencies', { headers: withKey(accept) });
      expect([search.headers['content-encoding'], search.headers['x-has-more'], JSON.parse(gunzipSync(search.bytes).toString()).length]).toEqual(['gzip', 'false', 12]);
      const css = await send('GET', '/docs/assets/swagger-ui.css', { headers: accept });
      const plainCss = await send('GET', '/docs/assets/swagger-ui.css');
      expect([css.status, css.headers['content-type'], css.headers['content-encoding'], gunzipSync(css.bytes).toString() === plainCss.text]).toEqual([
        200,
        'text/css; charset=utf-8',
        'gzip',
        true,
      ]);
      const bundle = await send('GET', '/docs/assets/swagger-ui-bundle.js', { headers: { 'Accept-Encoding': 'br' } });
      const plainBundle = await send('GET', '/docs/assets/swagger-ui-bundle.js');
      expect([bundle.headers['content-encoding'], Number(bundle.headers['content-length']) === bundle.bytes.length, brotliDecompressSync(bundle.bytes).equals(plainBundle.bytes)]).toEqual([
        'br',
        true,
        true,
      ]);
      const small = await send('GET', '/accounting/currencies/1', { headers: withKey({ 'Accept-Encoding': 'gzip, br' }) });
      expect([small.status, small.headers['content-encoding'], small.headers.vary, JSON.parse(small.text).name]).toEqual([200, undefined, undefined, 'USD']);
      const head = await send('HEAD', '/docs/json', { headers: accept });
      expect([head.status, head.headers['content-encoding'], head.text]).toEqual([200, undefined, '']);
      const notModified = await send('GET', '/docs/json', { headers: { ...accept, 'If-None-Match': String(css.headers.etag) } });
      expect(notModified.status).toBe(200);
    });
  });
});

describe(`CORS on ${HTTP_ADAPTER}`, () => {
  let servers: TestApp[] = [];

  function fetchOptions(t: TestApp, origin: string) {
    return request(t.app.getHttpServer())
      .options('/clients/1')
      .set('Origin', origin)
      .set('Access-Control-Request-Method', 'PATCH')
      .set('Access-Control-Request-Headers', 'x-api-key, content-type');
  }

  afterEach(async () => {
    await Promise.all(servers.map((t) => t.close()));
    servers = [];
  });
  const start = async (env: Record<string, string>) => {
    const t = await startTestApp(env);
    servers.push(t);
    return t;
  };
  const corsHeaders = (headers: Record<string, string>) =>
    Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith('access-control-') || name === 'vary'));

  it('is off by default: no CORS header, and a preflight is an OPTIONS like any other (405)', async () => {
    const t = await start({});
    const answer = await fetchOptions(t, 'https://app.example.com');
    expect([answer.status, corsHeaders(answer.headers), answer.headers.allow]).toEqual([405, {}, 'GET, PATCH, DELETE']);
    const get = await t.rest('GET', '/accounting/currencies', undefined, { headers: { Origin: 'https://app.example.com' } });
    expect([get.status, corsHeaders(get.headers)]).toEqual([200, {}]);
  });

  it('with a list: answers the preflight of a listed origin, and exposes the headers on actual answers', async () => {
    const t = await start({ CORS_ORIGINS: 'https://app.example.com, http://localhost:3000' });
    const answer = await fetchOptions(t, 'http://localhost:3000');
    expect([answer.status, answer.text, corsHeaders(answer.headers)]).toEqual([
      204,
      '',
      {
        'access-control-allow-origin': 'http://localhost:3000',
        'access-control-allow-methods': 'GET, POST, PATCH, DELETE',
        'access-control-allow-headers': 'X-Api-Key, Authorization, Content-Type, Idempotency-Key',
        'access-control-max-age': '600',
        vary: 'Origin',
      },
    ]);
    const get = await t.rest('GET', '/accounting/currencies', undefined, { headers: { Origin: 'https://app.example.com' } });
    expect([get.status, corsHeaders(get.headers)]).toEqual([
      200,
      {
        'access-control-allow-origin': 'https://app.example.com',
        'access-control-expose-headers': 'X-Request-Id, ETag, Link, X-Has-More, Retry-After, Deprecation, Idempotent-Replayed, Content-Disposition',
        vary: 'Origin',
      },
    ]);
    const refused = await t.rest('GET', '/accounting/currencies', undefined, { key: null, headers: { Origin: 'https://app.example.com' } });
    expect([refused.status, refused.headers['access-control-allow-origin']]).toEqual([401, 'https://app.example.com']);
    const stranger = await fetchOptions(t, 'https://evil.example.com');
    expect([stranger.status, corsHeaders(stranger.headers)]).toEqual([204, { vary: 'Origin' }]);
    const strangerGet = await t.rest('GET', '/accounting/currencies', undefined, { headers: { Origin: 'https://evil.example.com' } });
    expect([strangerGet.status, corsHeaders(strangerGet.headers)]).toEqual([200, { vary: 'Origin' }]);
  });

  it('with *: every origin, answered with *', async () => {
    const t = await start({ CORS_ORIGINS: '*' });
    const answer = await fetchOptions(t, 'https://anywhere.example.org');
    expect([answer.status, answer.headers['access-control-allow-origin'], answer.headers.vary]).toEqual([204, '*', 'Origin']);
    const rpc = await t.rpcRaw({ jsonrpc: '2.0', id: 1, method: 'accounting.currencies.search' }, { headers: { Origin: 'https://anywhere.example.org' } });
    expect([rpc.status, rpc.headers['access-control-allow-origin'], rpc.headers.vary]).toEqual([200, '*', undefined]);
  });
});
