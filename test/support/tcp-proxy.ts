import { createServer, Server, Socket, connect } from 'node:net';
import { startTestApp, TestApp } from './test-app';

/**
 * A TCP proxy in front of a database, for fault tests: it passes traffic through, or freezes it
 * (connections stay open, nothing is answered: a hung server), or refuses it (connections are cut
 * and new ones refused: a server that is down). Never touches the database itself.
 */
export class TcpProxy {
  port = 0;
  private server?: Server;
  private frozen = false;
  private readonly links = new Set<{ client: Socket; upstream: Socket; held: [Socket, Buffer][] }>();

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(port = 0): Promise<void> {
    this.server = createServer((client) => this.link(client));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  /** Stops forwarding in both directions; what is sent meanwhile is held back. */
  freeze(): void {
    this.frozen = true;
  }

  /** Forwards again, held data first. */
  thaw(): void {
    this.frozen = false;
    for (const link of this.links) {
      for (const [to, chunk] of link.held.splice(0)) to.write(chunk);
    }
  }

  /** Cuts every connection and refuses new ones, as a stopped server does. */
  async refuse(): Promise<void> {
    for (const { client, upstream } of this.links) {
      client.destroy();
      upstream.destroy();
    }
    this.links.clear();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  /** Accepts connections again on the same port. */
  restore(): Promise<void> {
    return this.start(this.port);
  }

  async stop(): Promise<void> {
    if (this.server?.listening) await this.refuse();
  }

  private link(client: Socket): void {
    const upstream = connect(this.targetPort, this.targetHost);
    const link = { client, upstream, held: [] as [Socket, Buffer][] };
    this.links.add(link);
    const forward = (to: Socket) => (chunk: Buffer) => (this.frozen ? link.held.push([to, chunk]) : to.write(chunk));
    client.on('data', forward(upstream));
    upstream.on('data', forward(client));
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.links.delete(link);
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  }
}

/**
 * A test app on TEST_DATABASE_URL's PostgreSQL reached through a proxy the test owns, with short
 * database timeouts, so a hung or stopped server is answered within about a second.
 */
export async function startAppBehindProxy(): Promise<{ t: TestApp; proxy: TcpProxy }> {
  const target = new URL(process.env.TEST_DATABASE_URL!);
  const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
  await proxy.start();
  const t = await startTestApp(
    { DB_POOL_SIZE: '4', DB_ACQUIRE_TIMEOUT_MS: '1000', DB_LOCK_TIMEOUT_MS: '1000', DB_STATEMENT_TIMEOUT_MS: '1000' },
    (url) => Object.assign(url, { hostname: '127.0.0.1', port: String(proxy.port) }),
  );
  return { t, proxy };
}
