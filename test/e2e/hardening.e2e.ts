import { statSync } from 'node:fs';
import { aClient, aCurrency, aReseller } from '../support/factories';
import { Database } from '../../src/platform/database/database';
import { RequestContexts } from '../../src/platform/context/request-context';
import { Principal } from '../../src/platform/auth/principal';
import Decimal from '../../src/platform/money/decimal';
import { TransactionsService } from '../../src/modules/accounting/transactions/transactions.service';
import type { CreateTransactionParams } from '../../src/modules/accounting/transactions/dto/transaction.dto';
import { DATABASE_KIND, startTestApp, TestApp } from '../support/test-app';

// Issue 8: what a hostile or unlucky caller could do to the server, each answered within a bound.
describe('hardening', () => {
  let t: TestApp;
  let usd: number;
  let eur: number;

  beforeAll(async () => {
    t = await startTestApp({ RESPONSE_ROW_LIMIT: '2000' });
    usd = (await aCurrency(t, 'USD')).id;
    eur = (await aCurrency(t, 'EUR')).id;
    await t.rpc('accounting.currencies.rates.create', { currencies_id: eur, to_currencies_id: usd, rate: '1.1', effective_from: '2020-01-01' });
  });
  afterAll(() => t.close());

  describe('locked work never waits on a second connection', () => {
    it('answers 25 concurrent bookings in another currency on one client, all booked', async () => {
      const client = await aClient(t, { currencies_id: usd });
      const replies = await Promise.all(
        Array.from({ length: 25 }, () =>
          t.rest('POST', '/accounting/transactions', { clients_id: client.id, type: 'payment', amount: '1', currencies_id: eur }),
        ),
      );
      expect(replies.map((reply) => reply.status)).toEqual(Array(25).fill(200));
      expect((await t.rpc('clients.get', { id: client.id })).body.result.balance).toBe(27.5);
      expect((await t.rest('GET', '/health/ready', undefined, { key: null })).status).toBe(200);
    });

    it('answers 30 concurrent currency changes of one client', async () => {
      const client = await aClient(t, { currencies_id: usd });
      const replies = await Promise.all(
        Array.from({ length: 30 }, (_, i) => t.rest('PATCH', `/clients/${client.id}`, { currencies_id: i % 2 ? usd : eur })),
      );
      expect(replies.map((reply) => reply.body)).toEqual(Array(30).fill(1));
      expect([usd, eur]).toContain((await t.rpc('clients.get', { id: client.id })).body.result.currencies_id);
    });
  });

  describe('a request asks for a bounded amount of work', () => {
    const search = (id: number, limit: number) => ({
      jsonrpc: '2.0',
      id,
      method: 'accounting.transactions.search',
      params: { limit },
    });

    it('refuses a batch whose searches could answer more rows than the budget, before running any', async () => {
      const reply = await t.rpcRaw(Array.from({ length: 3 }, (_, i) => search(i, 1000)));
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({
        jsonrpc: '2.0',
        id: null,
        error: {
          code: -32600,
          message: 'Invalid Request',
          data: { batch: 'may answer up to 3000 rows; at most 2000 rows per request' },
        },
      });
    });

    it('runs a batch within the budget', async () => {
      const reply = await t.rpcRaw([search(1, 1000), search(2, 1000)]);
      expect(reply.body.map((answer: { id: number; result: unknown[] }) => [answer.id, Array.isArray(answer.result)])).toEqual([
        [1, true],
        [2, true],
      ]);
    });
  });

  describe('moves in the reseller tree', () => {
    /** The ids met walking up from a reseller; a repeat is a cycle. */
    async function ancestry(id: number): Promise<{ path: number[]; cycle: boolean }> {
      const path: number[] = [];
      let current: number | null = id;
      while (current !== null) {
        if (path.includes(current)) return { path, cycle: true };
        path.push(current);
        current = (await t.rpc('iam.resellers.get', { id: current })).body.result.parent_id as number | null;
      }
      return { path, cycle: false };
    }

    it('never makes a cycle when two resellers are moved beneath each other at once', async () => {
      for (let round = 0; round < 5; round++) {
        const pairs = await Promise.all(Array.from({ length: 6 }, async () => [await aReseller(t), await aReseller(t)] as const));
        const moves = await Promise.all(
          pairs.flatMap(([x, y]) => [
            t.rest('PATCH', `/iam/resellers/${x.id}`, { parent_id: y.id }),
            t.rest('PATCH', `/iam/resellers/${y.id}`, { parent_id: x.id }),
          ]),
        );
        const outcomes = moves.map((reply) => (reply.status === 200 ? 'moved' : reply.body.error.data.code));
        for (let i = 0; i < pairs.length; i++) {
          expect({ round, pair: i, outcomes: outcomes.slice(2 * i, 2 * i + 2).sort() }).toEqual({
            round,
            pair: i,
            outcomes: ['moved', 'resellers-cycle'],
          });
          expect((await ancestry(pairs[i][0].id)).cycle).toBe(false);
        }
      }
    });
  });

  describe('input the contract does not allow', () => {
    const prototypeKeys = ['__proto__', 'constructor', 'prototype'];

    it.each(prototypeKeys)('refuses a %s key in JSON-RPC params like any unknown field', async (key) => {
      const reply = await t.rpcRaw(`{"jsonrpc":"2.0","id":1,"method":"clients.search","params":{"${key}":{"limit":1}}}`);
      expect(reply.body.error).toEqual({ code: -32602, message: 'Invalid params', data: { [key]: 'is not allowed' } });
    });

    it.each(prototypeKeys)('refuses a %s key in a REST body and in a query string', async (key) => {
      const body = await t.rawRest('POST', '/accounting/currencies', `{"name":"GBP","${key}":{"description":"x"}}`);
      expect([body.status, body.body]).toEqual([400, { error: { message: 'Invalid params', data: { [key]: 'is not allowed' } } }]);
      const query = await t.rest('GET', `/clients?${key}=1`);
      expect([query.status, query.body]).toEqual([400, { error: { message: 'Invalid params', data: { [key]: 'is not allowed' } } }]);
    });

    it('refuses text with a lone surrogate', async () => {
      const reply = await t.rpcRaw('{"jsonrpc":"2.0","id":1,"method":"clients.create","params":{"name":"a\\ud800b","currencies_id":1}}');
      expect(reply.body.error).toEqual({ code: -32602, message: 'Invalid params', data: { name: 'must be valid Unicode text' } });
      const rest = await t.rawRest('POST', '/clients', '{"name":"\\udfffz","currencies_id":1}');
      expect([rest.status, rest.body]).toEqual([400, { error: { message: 'Invalid params', data: { name: 'must be valid Unicode text' } } }]);
    });

    it('refuses a body that is not valid UTF-8', async () => {
      const invalid = Buffer.concat([Buffer.from('{"name":"caf'), Buffer.from([0xe9]), Buffer.from('","currencies_id":1}')]);
      const rest = await t.rawRest('POST', '/clients', invalid);
      expect([rest.status, rest.body]).toEqual([400, { error: { message: 'Invalid params', data: { body: 'is not valid UTF-8' } } }]);
      const rpc = await t.rpcRaw(
        Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":1,"method":"clients.search","params":{"q":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}}')]),
      );
      expect([rpc.status, rpc.body]).toEqual([200, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }]);
      const query = await t.rest('GET', '/clients?q=caf%E9');
      expect([query.status, query.body]).toEqual([400, { error: { message: 'Invalid params', data: { query: 'is not valid UTF-8' } } }]);
      expect((await t.rpc('clients.search', { q: 'caf*' })).body.result).toEqual([]);
    });
  });

  // SQLite's one connection is shared: a request that gave up waiting for another's transaction must not end it.
  if (DATABASE_KIND === 'sqlite') {
    it('copies the log into the database file in the background, not in a request\'s commit (SQLite)', async () => {
      const db = t.app.get(Database);
      const asSystem = <T>(fn: () => Promise<T>) => RequestContexts.run({ requestId: 'test', unit: Symbol('test'), principal: Principal.system('test') }, fn);
      // The shared connection checkpoints only past 10,000 log pages, far more than this test writes.
      expect(await asSystem(() => db.query('PRAGMA wal_autocheckpoint'))).toEqual([{ wal_autocheckpoint: 10000 }]);
      const file = (t.dataSource.options as { database: string }).database;
      const before = statSync(file).size;
      const client = await aClient(t, { currencies_id: usd });
      for (let i = 0; i < 40; i++) await t.rpc('accounting.transactions.create', { clients_id: client.id, type: 'payment', amount: '1', notes: 'x'.repeat(500) });
      // Pages reach the database file only through a checkpoint: the worker's, within its interval.
      for (let waited = 0; statSync(file).size === before && waited < 100; waited++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(statSync(file).size).toBeGreaterThan(before);
    });

    it('hands the writer, once free, to the transactions that waited for it one at a time (SQLite)', async () => {
      const client = await aClient(t, { currencies_id: usd });
      const db = t.app.get(Database);
      const transactions = t.app.get(TransactionsService);
      const request = (name: string) => ({ requestId: name, unit: Symbol(name), principal: Principal.system('test') });
      let release = () => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      const long = RequestContexts.run(request('long'), () => db.transaction(() => held));
      const booking = { clients_id: client.id, type: 'payment', amount: new Decimal('1') } as CreateTransactionParams;
      const bookings = Array.from({ length: 10 }, (_, i) =>
        RequestContexts.run(request(`booking ${i}`), () => db.unit(() => transactions.book(booking, 'postpaid'))),
      );
      // SQLite answers synchronously: by the next turn of the event loop every booking waits at the gate.
      await new Promise((resolve) => setImmediate(resolve));
      release();
      await long;
      const outcomes = await Promise.allSettled(bookings);
      expect(outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value.client_amount.toFixed() : String(outcome.reason)))).toEqual(
        Array(10).fill('1'),
      );
      expect((await t.rpc('clients.get', { id: client.id })).body.result.balance).toBe(10);
    });

    it('keeps a long transaction its own when requests waiting for it give up (SQLite)', async () => {
      const quick = await startTestApp({ DB_LOCK_TIMEOUT_MS: '200' });
      try {
        const usd = (await aCurrency(quick, 'USD')).id;
        const db = quick.app.get(Database);
        let release = () => {};
        const held = new Promise<void>((resolve) => (release = resolve));
        // A transaction held open, as a slow request would hold it.
        const long = RequestContexts.run({ requestId: 'long', unit: Symbol('long') }, () =>
          db.transaction(async (manager) => {
            await manager.query(`INSERT INTO clients (name, currencies_id) VALUES ('held', ${usd})`);
            await held;
          }),
        );
        const gaveUp = await quick.rest('POST', '/clients', { name: 'first', currencies_id: usd });
        const after = await quick.rest('POST', '/clients', { name: 'second', currencies_id: usd });
        release();
        await long;
        expect([gaveUp.status, after.status]).toEqual([503, 503]);
        const names = (await quick.rpc('clients.search', {})).body.result.map((client: { name: string }) => client.name);
        expect(names).toEqual(['held']);
      } finally {
        await quick.close();
      }
    });
  }
});
