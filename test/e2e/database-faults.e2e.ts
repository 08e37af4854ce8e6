import { startAppBehindProxy, TcpProxy } from '../support/tcp-proxy';
import { DATABASE_KIND, startTestApp, TestApp } from '../support/test-app';

const UNAVAILABLE = { message: 'service-unavailable: Service temporarily unavailable, retry later', data: { code: 'service-unavailable' } };

// PostgreSQL behind a proxy this test owns: hung, then down, then back.
if (DATABASE_KIND === 'postgres') {
  describe('an unresponsive or stopped PostgreSQL', () => {
    let t: TestApp;
    let proxy: TcpProxy;

    beforeAll(async () => {
      ({ t, proxy } = await startAppBehindProxy());
    });
    afterAll(async () => {
      proxy.thaw();
      await t.close();
      await proxy.stop();
    });

    const byName = (currency: { name: string }) => currency.name;
    const ready = async () => (await t.rest('GET', '/health/ready', undefined, { key: null })).status;
    const restSearch = () => t.rest('GET', '/accounting/currencies');
    const rpcSearch = () => t.rpc('accounting.currencies.search', {});
    const untilReady = async () => {
      for (let i = 0; i < 100 && (await ready()) !== 200; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    };

    /** Twelve calls at once, more than the pool holds: each is answered 503 with Retry-After, none hangs. */
    async function expectUnavailable(): Promise<void> {
      const replies = await Promise.all(Array.from({ length: 6 }, () => [restSearch(), rpcSearch()]).flat());
      for (const [i, reply] of replies.entries()) {
        if (i % 2 === 0) {
          expect([reply.status, reply.headers['retry-after'], reply.body]).toEqual([503, '5', { error: UNAVAILABLE }]);
        } else {
          expect([reply.status, reply.headers['retry-after'], reply.body.error]).toEqual([200, '5', { code: -32603, ...UNAVAILABLE }]);
        }
      }
      expect(await ready()).toBe(503);
      expect((await t.rest('GET', '/health/live', undefined, { key: null })).status).toBe(200);
    }

    it('answers 503 when a lock is not granted within the lock timeout, and books once it is free', async () => {
      const usd = (await t.rpc('accounting.currencies.create', { name: 'USD' })).body.result.id;
      const client = (await t.rpc('clients.create', { name: 'Locked', currencies_id: usd })).body.result.id;
      const holder = t.dataSource.createQueryRunner();
      await holder.startTransaction();
      await holder.query('SELECT id FROM clients WHERE id = $1 FOR UPDATE', [client]);
      try {
        const booking = await t.rest('POST', '/accounting/transactions', { clients_id: client, type: 'payment', amount: '1' });
        expect([booking.status, booking.headers['retry-after'], booking.body]).toEqual([503, '5', { error: UNAVAILABLE }]);
      } finally {
        await holder.rollbackTransaction();
        await holder.release();
      }
      expect((await t.rest('POST', '/accounting/transactions', { clients_id: client, type: 'payment', amount: '1' })).status).toBe(200);
      expect((await t.rpc('clients.get', { id: client })).body.result.balance).toBe(1);
    });

    it('answers 503 while the database hangs, and recovers by itself when it answers again', async () => {
      expect([await ready(), (await restSearch()).status]).toEqual([200, 200]);
      proxy.freeze();
      await expectUnavailable();
      proxy.thaw();
      await untilReady();
      expect([await ready(), (await restSearch()).body.map(byName), (await rpcSearch()).body.result.map(byName)]).toEqual([200, ['USD'], ['USD']]);
    }, 30000);

    it('answers 503, not 500, while the database is down, and recovers by itself when it is back', async () => {
      await proxy.refuse();
      await expectUnavailable();
      await proxy.restore();
      await untilReady();
      expect([await ready(), (await restSearch()).body.map(byName), (await rpcSearch()).body.result.map(byName)]).toEqual([200, ['USD'], ['USD']]);
    }, 30000);
  });
}

// SQLite's storage failures, made with its own limits (a page budget, query_only); nothing else is touched.
if (DATABASE_KIND === 'sqlite') {
  describe('a SQLite database that cannot take writes', () => {
    let t: TestApp;
    let usd: number;
    const pragma = (sql: string) => t.dataSource.query(sql);

    beforeAll(async () => {
      t = await startTestApp();
      usd = (await t.rpc('accounting.currencies.create', { name: 'USD' })).body.result.id;
    });
    afterAll(() => t.close());

    it('answers 503 with Retry-After while the disk is full, turns readiness to 503, and recovers', async () => {
      await pragma('PRAGMA wal_checkpoint(TRUNCATE)');
      const [{ page_count: pages }] = (await pragma('PRAGMA page_count')) as { page_count: number }[];
      await pragma(`PRAGMA max_page_count = ${pages}`);
      try {
        let reply;
        for (let i = 0; i < 200; i++) {
          reply = await t.rest('POST', '/clients', { name: `filler ${i}`, notes: 'x'.repeat(5000), currencies_id: usd });
          if (reply.status !== 200) break;
        }
        expect([reply!.status, reply!.headers['retry-after'], reply!.body]).toEqual([
          503,
          '5',
          { error: { message: 'service-unavailable: Service temporarily unavailable, retry later', data: { code: 'service-unavailable' } } },
        ]);
        const rpc = await t.rpc('clients.create', { name: 'filler', notes: 'y'.repeat(5000), currencies_id: usd });
        expect(rpc.body.error).toEqual({
          code: -32603,
          message: 'service-unavailable: Service temporarily unavailable, retry later',
          data: { code: 'service-unavailable' },
        });
        expect(rpc.headers['retry-after']).toBe('5');
        expect((await t.rest('GET', '/health/ready', undefined, { key: null })).status).toBe(503);
      } finally {
        await pragma('PRAGMA max_page_count = 1073741823');
      }
      expect((await t.rest('POST', '/clients', { name: 'after the disk was freed', currencies_id: usd })).status).toBe(200);
      expect((await t.rest('GET', '/health/ready', undefined, { key: null })).status).toBe(200);
    });

    it('answers 503 while the database is read-only', async () => {
      await pragma('PRAGMA query_only = ON');
      try {
        const reply = await t.rest('POST', '/clients', { name: 'read-only', currencies_id: usd });
        expect([reply.status, reply.body.error.data.code]).toEqual([503, 'service-unavailable']);
        expect((await t.rest('GET', '/health/ready', undefined, { key: null })).status).toBe(503);
      } finally {
        await pragma('PRAGMA query_only = OFF');
      }
    });
  });
}
