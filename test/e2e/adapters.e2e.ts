import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { aCurrency, aUser } from '../support/factories';
import { ADMIN_KEY, HTTP_ADAPTER, startTestApp, TestApp } from '../support/test-app';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const LIVE = '{"status":"ok"}';
const LIVE_ETAG = 'W/"f-VaSQ4oDUiZblZNAEkkN+sX+q3Sg"';
const SEARCH = '{"jsonrpc":"2.0","id":1,"method":"accounting.currencies.search","params":{"order":"name"}}';
const PARSE_ERROR = '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}';

// What the HTTP framework beneath Nest decides, held exactly, so that Express (the default) and
// Fastify (HTTP_ADAPTER=fastify) cannot drift apart: CI runs this file on both.
describe(`HTTP behaviour on the ${HTTP_ADAPTER} adapter`, () => {
  let t: TestApp;
  let port: number;

  /** One request on a connection of its own, the body sent byte for byte; no header is added but Host (and Content-Length for a body not chunked). */
  const send = (method: string, path: string, options: { headers?: Record<string, string>; body?: string | Buffer; agent?: Agent } = {}) =>
    new Promise<Answer>((resolve, reject) => {
      const { body, agent } = options;
      const length = body !== undefined && !options.headers?.['Transfer-Encoding'] ? { 'Content-Length': String(Buffer.byteLength(body)) } : {};
      const headers = { ...length, ...options.headers };
      const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: agent ?? false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      req.end(body);
    });
  const withKey = (headers: Record<string, string> = {}) => ({ 'X-Api-Key': ADMIN_KEY, ...headers });
  /** The headers that say what a JSON answer is, and its text. */
  const jsonAnswer = (answer: Answer) => [answer.status, answer.headers['content-type'], answer.headers['content-length'], answer.text];
  /** A JSON answer as jsonAnswer shows it. */
  const json = (status: number, text: string) => [status, JSON_TYPE, String(Buffer.byteLength(text)), text];

  beforeAll(async () => {
    t = await startTestApp({ BODY_LIMIT: '1024' });
    await aCurrency(t, 'USD');
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as { port: number }).port;
  });
  afterAll(() => t.close());

  describe('request bodies', () => {
    const result = '{"jsonrpc":"2.0","id":1,"result":[{"id":1,"name":"USD"';

    it.each([['application/json'], ['text/plain'], ['application/x-www-form-urlencoded'], ['garbage'], ['multipart/form-data; boundary=x']])(
      'reads a body as JSON whatever its Content-Type: %s',
      async (contentType) => {
        const answer = await send('POST', '/', { headers: withKey({ 'Content-Type': contentType }), body: SEARCH });
        expect([answer.status, answer.headers['content-type'], answer.text.slice(0, result.length)]).toEqual([200, JSON_TYPE, result]);
      },
    );

    it('reads a body with no Content-Type, sent in chunks or compressed', async () => {
      const none = await send('POST', '/', { headers: withKey(), body: SEARCH });
      const chunked = await send('POST', '/', { headers: withKey({ 'Transfer-Encoding': 'chunked' }), body: SEARCH });
      const gzipped = await send('POST', '/', { headers: withKey({ 'Content-Encoding': 'gzip' }), body: gzipSync(SEARCH) });
      expect([none, chunked, gzipped].map((answer) => [answer.status, answer.text.slice(0, result.length)])).toEqual([
        [200, result],
        [200, result],
        [200, result],
      ]);
    });

    it('keeps every digit of a number no float holds', async () => {
      const body = '{"name":"Exact","currencies_id":1,"credit":123456789012.12345678}';
      const answer = await send('POST', '/clients', { headers: withKey(), body });
      expect([answer.status, /"credit":[^,]+/.exec(answer.text)?.[0]]).toEqual([200, '"credit":123456789012.12345678']);
    });

    it('refuses a body over BODY_LIMIT with 413, in the protocol of the caller', async () => {
      const big = `{"name":"${'x'.repeat(1100)}"}`;
      const rest = await send('POST', '/accounting/currencies', { headers: withKey(), body: big });
      const rpc = await send('POST', '/api/', { headers: withKey(), body: big });
      const chunked = await send('POST', '/', { headers: withKey({ 'Transfer-Encoding': 'chunked' }), body: big });
      const data = '{"code":"payload-too-large","message":"the body is over the limit of 1024 bytes","limit_bytes":1024}';
      const restBody = `{"error":{"message":"payload-too-large: the body is over the limit of 1024 bytes","data":${data}}}`;
      const rpcBody = `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"payload-too-large: the body is over the limit of 1024 bytes","data":${data}}}`;
      expect(jsonAnswer(rest)).toEqual(json(413, restBody));
      expect(jsonAnswer(rpc)).toEqual(json(413, rpcBody));
      expect(jsonAnswer(chunked)).toEqual(json(413, rpcBody));
    });

    it('answers malformed JSON, bytes that are not UTF-8 and an empty body as Parse error / 400', async () => {
      const notUtf8 = Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]);
      expect(jsonAnswer(await send('POST', '/', { headers: withKey(), body: '{"jsonrpc":' }))).toEqual(json(200, PARSE_ERROR));
      expect(jsonAnswer(await send('POST', '/', { headers: withKey(), body: notUtf8 }))).toEqual(json(200, PARSE_ERROR));
      expect(jsonAnswer(await send('POST', '/', { headers: withKey(), body: '' }))).toEqual(json(200, PARSE_ERROR));
      expect(jsonAnswer(await send('POST', '/clients', { headers: withKey(), body: '{"name":' }))).toEqual(
        json(400, '{"error":{"message":"Invalid params","data":{"body":"is not valid JSON"}}}'),
      );
      expect(jsonAnswer(await send('POST', '/clients', { headers: withKey(), body: notUtf8 }))).toEqual(
        json(400, '{"error":{"message":"Invalid params","data":{"body":"is not valid UTF-8"}}}'),
      );
    });

    it('reads the body of any method, GET included, before routing', async () => {
      const get = await send('GET', '/accounting/currencies/1', { headers: withKey(), body: '{"a":' });
      const unknown = await send('POST', '/nowhere', { body: '{"a":' });
      const invalid = '{"error":{"message":"Invalid params","data":{"body":"is not valid JSON"}}}';
      expect([get.status, get.text, unknown.status, unknown.text]).toEqual([400, invalid, 400, invalid]);
    });
  });

  describe('routing', () => {
    it('answers an unknown route with 404, and a known path with another method with 405 and Allow, in the error shape', async () => {
      const answers = await Promise.all([send('GET', '/nowhere'), send('PUT', '/clients/1'), send('OPTIONS', '/clients')]);
      const notAllowed = (method: string, path: string, allow: string[]) =>
        `{"error":{"message":"method-not-allowed: ${method} is not allowed on ${path}","data":{"code":"method-not-allowed","message":"${method} is not allowed on ${path}","allow":${JSON.stringify(allow)}}}}`;
      expect(answers.map(jsonAnswer)).toEqual([
        json(404, '{"error":{"message":"not_found: no route GET /nowhere","data":{"code":"not_found","message":"no route GET /nowhere"}}}'),
        json(405, notAllowed('PUT', '/clients/1', ['GET', 'PATCH', 'DELETE'])),
        json(405, notAllowed('OPTIONS', '/clients', ['GET', 'POST'])),
      ]);
      expect(answers.map((answer) => answer.headers.allow)).toEqual([undefined, 'GET, PATCH, DELETE', 'GET, POST']);
    });

    it('matches routes in any case, with or without a trailing slash, under /api, with a parameter of any length', async () => {
      const paths = ['/ACCOUNTING/Currencies/1', '/accounting/currencies/1/', '/api/accounting/currencies/1'];
      const found = await Promise.all(paths.map((path) => send('GET', path, { headers: withKey() })));
      expect(found.map((answer) => [answer.status, JSON.parse(answer.text).name])).toEqual([
        [200, 'USD'],
        [200, 'USD'],
        [200, 'USD'],
      ]);
      const long = await send('GET', `/clients/${'1'.repeat(150)}`, { headers: withKey() });
      expect([long.status, long.text]).toEqual([400, '{"error":{"message":"Invalid params","data":{"id":"must be an integer"}}}']);
      expect((await send('GET', '//accounting/currencies/1', { headers: withKey() })).status).toBe(404);
    });

    it('answers a path it cannot decode: 400 for a route parameter, whatever the method, else 404', async () => {
      const param = await send('GET', '/clients/%E0%A4%A', { headers: withKey() });
      const otherMethod = await send('PUT', '/api/CLIENTS/%E0/', { headers: withKey() });
      const noRoute = await send('GET', '/nowhere/%E0');
      expect([param, otherMethod, noRoute].map(jsonAnswer)).toEqual([
        json(400, `{"error":{"message":"Invalid params","data":{"path":"cannot decode '%E0%A4%A'"}}}`),
        json(400, `{"error":{"message":"Invalid params","data":{"path":"cannot decode '%E0'"}}}`),
        json(404, '{"error":{"message":"not_found: no route GET /nowhere/%E0","data":{"code":"not_found","message":"no route GET /nowhere/%E0"}}}'),
      ]);
      expect(typeof param.headers['x-request-id']).toBe('string');
    });

    it('reads every pair of the query string, and no fragment', async () => {
      const answer = await send('GET', `/accounting/currencies?${Array(1000).fill('id=1').join('&')}&limit=0#fragment`, { headers: withKey() });
      expect([answer.status, answer.text]).toEqual([400, '{"error":{"message":"Invalid params","data":{"limit":"must not be less than 1"}}}']);
    });
  });

  describe('answers', () => {
    it('sends no X-Powered-By, keeps connections alive for 5 s, and tags answers with a weak ETag', async () => {
      const agent = new Agent({ keepAlive: true });
      try {
        const answer = await send('GET', '/health/live', { agent });
        expect([answer.headers['x-powered-by'], answer.headers.connection, answer.headers['keep-alive']]).toEqual([undefined, 'keep-alive', 'timeout=5']);
        expect([...jsonAnswer(answer), answer.headers.etag]).toEqual([200, JSON_TYPE, '15', LIVE, LIVE_ETAG]);
      } finally {
        agent.destroy();
      }
    });

    it('answers HEAD with the headers of GET and no body', async () => {
      const get = await send('GET', '/accounting/currencies/1', { headers: withKey() });
      const head = await send('HEAD', '/accounting/currencies/1', { headers: withKey() });
      const pick = (answer: Answer) => [answer.status, answer.headers['content-type'], answer.headers['content-length'], answer.headers.etag];
      expect(pick(head)).toEqual(pick(get));
      expect([head.text, get.text.length]).toEqual(['', Number(get.headers['content-length'])]);
      const missing = await send('HEAD', '/nowhere');
      expect([missing.status, missing.headers['content-length'], missing.text]).toEqual([404, '120', '']);
    });

    it('answers a conditional GET or HEAD whose ETag matches with 304 and no body', async () => {
      for (const method of ['GET', 'HEAD']) {
        const answer = await send(method, '/health/live', { headers: { 'If-None-Match': LIVE_ETAG } });
        expect([answer.status, answer.headers.etag, answer.headers['content-type'], answer.headers['content-length'], answer.text]).toEqual([
          304,
          LIVE_ETAG,
          undefined,
          undefined,
          '',
        ]);
      }
      const other = await send('GET', '/health/live', { headers: { 'If-None-Match': 'W/"0-nope"' } });
      expect([other.status, other.text]).toEqual([200, LIVE]);
      const post = await send('POST', '/', { headers: withKey({ 'If-None-Match': '*' }), body: SEARCH });
      expect(post.status).toBe(200);
    });

    it('answers a JSON-RPC notification with 204, and one that failed to authenticate with an empty 401', async () => {
      const notification = '{"jsonrpc":"2.0","method":"accounting.currencies.search"}';
      const done = await send('POST', '/', { headers: withKey(), body: notification });
      const refused = await send('POST', '/', { body: notification });
      const pick = (answer: Answer) => [answer.status, answer.headers['content-type'], answer.headers['content-length'], answer.headers.etag, answer.text];
      expect([pick(done), pick(refused)]).toEqual([
        [204, undefined, undefined, undefined, ''],
        [401, undefined, '0', undefined, ''],
      ]);
    });

    it('answers 503 with Retry-After when not ready', async () => {
      await t.dataSource.destroy();
      try {
        const answer = await send('GET', '/health/ready');
        expect([...jsonAnswer(answer), answer.headers['retry-after']]).toEqual([...json(503, '{"status":"unavailable","database":"unreachable"}'), '5']);
      } finally {
        await t.dataSource.initialize();
      }
    });

    it('leaves a malformed request to Node: 400 and the connection closed', async () => {
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1');
        let text = '';
        socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
        socket.on('error', reject);
        socket.on('close', () => resolve(text));
        socket.end('GET /health/live HTTP/1.1\r\nHost localhost\r\n\r\n');
      });
      expect(raw).toBe('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    });
  });

  describe('request id and access log', () => {
    it('echoes a well-formed X-Request-Id and logs one line with it, for every kind of answer', async () => {
      const paths: [string, string, number][] = [
        ['GET', '/health/live', 200],
        ['GET', '/nowhere', 404],
        ['GET', '/docs/assets/swagger-ui.css', 200],
        ['POST', '/', 413],
      ];
      for (const [method, path, status] of paths) {
        const requestId = `adapters-${method}-${path.length}-${status}`;
        const body = status === 413 ? 'x'.repeat(2000) : undefined;
        const answer = await send(method, path, { headers: { 'X-Request-Id': requestId }, body });
        await new Promise((resolve) => setImmediate(resolve));
        expect([answer.status, answer.headers['x-request-id']]).toEqual([status, requestId]);
        expect(t.logs.filter((line) => line.request_id === requestId)).toEqual([
          {
            time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
            level: 'info',
            context: 'Http',
            request_id: requestId,
            msg: 'request',
            method,
            path,
            status,
            duration_ms: expect.any(Number),
          },
        ]);
      }
    });

    it('names the principal and JSON-RPC methods in the access line, and marks JWT answers deprecated', async () => {
      const token = (await t.rpc('iam.auth.jwt.authenticate', { login: 'admin', password: 'admin-password' })).body.result.token as string;
      const answer = await send('POST', '/', { headers: { Authorization: `Bearer ${token}`, 'X-Request-Id': 'adapters-jwt' }, body: SEARCH });
      await new Promise((resolve) => setImmediate(resolve));
      expect([answer.status, answer.headers.deprecation]).toEqual([200, 'true']);
      expect(t.logs.find((line) => line.request_id === 'adapters-jwt')).toMatchObject({
        path: '/',
        status: 200,
        user_id: 1,
        rpc_methods: ['accounting.currencies.search'],
      });
    });
  });

  describe('TRUST_PROXY', () => {
    const forwardedFor = async (trustProxy: string, chain: string, allowed: string) => {
      const proxied = await startTestApp({ TRUST_PROXY: trustProxy });
      try {
        const user = await aUser(proxied, { allowed_ips: [allowed] });
        return (await proxied.rest('GET', '/iam/users', undefined, { key: user.api_key, headers: { 'X-Forwarded-For': chain } })).status;
      } finally {
        await proxied.close();
      }
    };

    it('trusts as many hops as a number says, counting the socket as the first', async () => {
      expect(await forwardedFor('2', '192.0.2.10, 198.51.100.1', '192.0.2.10')).toBe(200);
      expect(await forwardedFor('2', '192.0.2.10, 198.51.100.1, 203.0.113.5', '198.51.100.1')).toBe(200);
      expect(await forwardedFor('1', '192.0.2.10, 198.51.100.1', '192.0.2.10')).toBe(401);
    });

    it('trusts only the proxy addresses and subnets it names', async () => {
      expect(await forwardedFor('loopback', '192.0.2.10, 198.51.100.1', '198.51.100.1')).toBe(200);
      expect(await forwardedFor('127.0.0.1/32, 198.51.100.0/24', '192.0.2.10, 198.51.100.1', '192.0.2.10')).toBe(200);
      expect(await forwardedFor('10.0.0.0/8', '192.0.2.10', '192.0.2.10')).toBe(401);
    });
  });

  describe('Swagger UI', () => {
    it('serves its assets with the headers of a static file, HEAD and ranges too', async () => {
      const css = await send('GET', '/docs/assets/swagger-ui.css');
      const head = await send('HEAD', '/docs/assets/swagger-ui.css');
      const range = await send('GET', '/docs/assets/swagger-ui.css', { headers: { Range: 'bytes=0-9' } });
      const pick = (answer: Answer) => [
        answer.status,
        answer.headers['content-type'],
        answer.headers['cache-control'],
        answer.headers['accept-ranges'],
        /^W\/"[0-9a-f]+-[0-9a-f]+"$/.test(String(answer.headers.etag)),
        typeof answer.headers['last-modified'],
      ];
      expect(pick(css)).toEqual([200, 'text/css; charset=utf-8', 'public, max-age=0', 'bytes', true, 'string']);
      expect([...pick(head), head.headers['content-length'], head.text]).toEqual([...pick(css), css.headers['content-length'], '']);
      expect([range.status, range.headers['content-range'], range.text]).toEqual([206, `bytes 0-9/${css.headers['content-length']}`, css.text.slice(0, 10)]);
      const js = await send('GET', '/docs/assets/swagger-ui-bundle.js');
      expect([js.status, js.headers['content-type']]).toEqual([200, 'text/javascript; charset=utf-8']);
    });

    it('answers what is not an asset like any unknown route', async () => {
      const missing = await send('GET', '/docs/assets/nope.css');
      const outside = await send('GET', '/docs/assets/%2e%2e/package.json');
      const directory = await send('GET', '/docs/assets');
      expect(jsonAnswer(missing)).toEqual(json(404, '{"error":{"message":"not_found: no route GET /docs/assets/nope.css","data":{"code":"not_found","message":"no route GET /docs/assets/nope.css"}}}'));
      expect(jsonAnswer(outside)).toEqual(json(404, '{"error":{"message":"not_found: no route GET /docs/assets/%2e%2e/package.json","data":{"code":"not_found","message":"no route GET /docs/assets/%2e%2e/package.json"}}}'));
      expect([directory.status, directory.headers.location]).toEqual([301, '/docs/assets/']);
    });

    it('serves the page and the OpenAPI document', async () => {
      const page = await send('GET', '/docs');
      const document = await send('GET', '/docs/json');
      expect([page.status, page.headers['content-type'], page.text.includes("SwaggerUIBundle({ url: '/docs/json'")]).toEqual([
        200,
        'text/html; charset=utf-8',
        true,
      ]);
      expect([document.status, document.headers['content-type'], JSON.parse(document.text).openapi]).toEqual([200, JSON_TYPE, '3.1.0']);
    });
  });
});
