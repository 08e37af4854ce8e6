import { request as httpRequest } from 'node:http';
import { freePort, ServerProcess } from '../support/server-process';
import { throwawayDatabaseUrl } from '../support/test-app';

// The server as operators run it: a separate process, configured by its environment.
describe('server process', () => {
  let database: { url: string; drop: () => Promise<void> };
  const servers: ServerProcess[] = [];

  const start = async (env: Record<string, string> = {}) => {
    const port = await freePort();
    const server = new ServerProcess({ DATABASE_URL: database.url, PORT: String(port), HOST: '127.0.0.1', ...env });
    servers.push(server);
    return { server, base: `http://127.0.0.1:${port}` };
  };

  beforeEach(async () => {
    database = await throwawayDatabaseUrl();
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.stop()));
    await database.drop();
  });

  it('on first start creates the administrator and prints the generated key once', async () => {
    const first = await start();
    await first.server.waitUntilListening();
    const created = first.server.logs().find((line) => line.context === 'AdminBootstrap')!;
    expect(created.msg).toBe(
      'First start: created the administrator "admin"; the generated credentials below are shown only this once',
    );
    const apiKey = created.api_key as string;
    expect(apiKey).toMatch(/^bk_[A-Za-z0-9_-]{43}$/);
    expect(created.password).toEqual(expect.any(String));

    const res = await fetch(`${first.base}/accounting/currencies`, { headers: { 'X-Api-Key': apiKey } });
    expect([res.status, await res.json()]).toEqual([200, []]);
    const isAccessLine = (line: Record<string, unknown>) => line.msg === 'request' && line.path === '/accounting/currencies';
    await first.server.waitFor(() => first.server.logs().some(isAccessLine), 'the access log line');
    const access = first.server.logs().find(isAccessLine);
    expect(access).toMatchObject({ method: 'GET', status: 200, user_id: 1, request_id: res.headers.get('x-request-id') });

    first.server.signal('SIGTERM');
    expect(await first.server.exited).toBe(0);
    const again = await start();
    await again.server.waitUntilListening();
    expect(again.server.logs().filter((line) => line.context === 'AdminBootstrap')).toEqual([]);
    expect(again.server.stdout).not.toContain(apiKey);
  });

  it('on SIGTERM finishes the requests in flight before it exits', async () => {
    const { server, base } = await start({ ADMIN_API_KEY: 'process-test-key-0123456789' });
    await server.waitUntilListening();
    const url = new URL('/', base);
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'accounting.currencies.search', params: {} });
    let answer = '';
    const answered = new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        { host: url.hostname, port: url.port, path: '/', method: 'POST', headers: { 'X-Api-Key': 'process-test-key-0123456789', 'Content-Length': body.length } },
        (res) => {
          res.on('data', (chunk: Buffer) => (answer += chunk.toString()));
          res.on('end', () => resolve(res.statusCode!));
        },
      );
      req.on('error', reject);
      // Half the body now: the request is in flight when the signal arrives.
      req.write(body.slice(0, 10));
      setTimeout(() => {
        server.signal('SIGTERM');
        setTimeout(() => req.end(body.slice(10)), 300);
      }, 100);
    });
    expect(await answered).toBe(200);
    expect(JSON.parse(answer)).toEqual({ jsonrpc: '2.0', id: 1, result: [], meta: { has_more: false, next_offset: null } });
    expect(await server.exited).toBe(0);
    expect(server.logs().some((line) => line.msg === 'SIGTERM received: draining in-flight requests')).toBe(true);
  });

  it('stops a blocked user or a rotated key on every server process within a second', async () => {
    const key = 'process-admin-key-0123456789';
    const first = await start({ ADMIN_API_KEY: key });
    await first.server.waitUntilListening();
    const second = await start({ ADMIN_API_KEY: key });
    await second.server.waitUntilListening();
    const rpc = async (base: string, apiKey: string, method: string, params: object) => {
      const res = await fetch(base, {
        method: 'POST',
        headers: { 'X-Api-Key': apiKey },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const user = (await rpc(first.base, key, 'iam.users.create', { login: 'shared' })).body.result;
    expect((await rpc(second.base, user.api_key, 'iam.users.get', { id: user.id })).status).toBe(200);

    await rpc(first.base, key, 'iam.users.update', { id: user.id, status: 'blocked' });
    expect((await rpc(first.base, user.api_key, 'iam.users.get', { id: user.id })).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await rpc(second.base, user.api_key, 'iam.users.get', { id: user.id })).status).toBe(401);

    await rpc(first.base, key, 'iam.users.update', { id: user.id, status: 'active' });
    const warm = await rpc(second.base, user.api_key, 'iam.users.get', { id: user.id });
    expect(warm.status).toBe(200);
    const rotated = (await rpc(first.base, key, 'iam.users.regenerate_api_key', { id: user.id })).body.result.api_key;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await rpc(second.base, user.api_key, 'iam.users.get', { id: user.id })).status).toBe(401);
    expect((await rpc(second.base, rotated, 'iam.users.get', { id: user.id })).status).toBe(200);
  });

  it('refuses to start with bad configuration, listing every problem', async () => {
    const { server } = await start({ PORT: '0', DEFAULT_TIMEZONE: 'Nowhere/City', LOG_LEVEL: 'chatty' });
    expect(await server.exited).toBe(1);
    expect(server.stderr).toBe(
      [
        'Invalid configuration:',
        '  - PORT must be an integer from 1 to 65535, got "0"',
        '  - DEFAULT_TIMEZONE must be an IANA time zone such as UTC or America/New_York, got "Nowhere/City"',
        '  - LOG_LEVEL must be one of error, warn, info, debug, got "chatty"',
        '',
      ].join('\n'),
    );
  });
});
