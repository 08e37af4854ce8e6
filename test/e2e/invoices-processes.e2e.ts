import Decimal from 'decimal.js';
import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/config';
import { dataSourceOptions } from '../../src/platform/database/data-source-options';
import { pooled } from '../support/pooled';
import { freePort, ServerProcess } from '../support/server-process';
import { throwawayDatabaseUrl } from '../support/test-app';

// Invoices as operators run them: two server processes on one database, invoicing the same clients
// at the same moment (single invoices, bill runs over overlapping periods, voids, deletes). Whatever
// interleaving happens: each transaction on one live invoice at most, every total the sum of its
// lines, numbers gapless per year without duplicates, and never a server error.
const CLIENTS = 200;
const API_KEY = 'invoices-admin-key-0123456789';
const QUARTER = { start_dt: '2026-01-01T00:00:00Z', end_dt: '2026-04-01T00:00:00Z' };
const JANUARY = { start_dt: '2026-01-01T00:00:00Z', end_dt: '2026-02-01T00:00:00Z' };
const FEBRUARY = { start_dt: '2026-02-01T00:00:00Z', end_dt: '2026-03-01T00:00:00Z' };

interface Answer {
  result?: any;
  error?: { code: number; message: string; data?: { code?: string } };
}

describe('invoices across processes', () => {
  let database: { url: string; drop: () => Promise<void> };
  let dataSource: DataSource;
  const servers: ServerProcess[] = [];
  const bases: string[] = [];
  const answers: { method: string; answer: Answer; status: number }[] = [];

  const start = async () => {
    const port = await freePort();
    const server = new ServerProcess({ DATABASE_URL: database.url, PORT: String(port), HOST: '127.0.0.1', ADMIN_API_KEY: API_KEY, BILLING_TICK_SECONDS: '0' });
    servers.push(server);
    bases.push(`http://127.0.0.1:${port}`);
    return server;
  };

  /** A JSON-RPC call to one of the processes; every answer is kept for the final check. */
  const rpc = async (process: number, method: string, params: Record<string, unknown>): Promise<Answer> => {
    const response = await fetch(bases[process], {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Api-Key': API_KEY },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    const answer = (await response.json()) as Answer;
    answers.push({ method, answer, status: response.status });
    return answer;
  };

  const postgres = () => dataSource.options.type === 'postgres';
  const instant = (iso: string) => (postgres() ? `'${iso}'` : `'${new Date(iso).toISOString().replace('T', ' ').replace('Z', '')}'`);
  const money = (sql: string) => (postgres() ? `CAST(${sql} AS numeric)` : sql);

  /** CLIENTS clients (every other one on a reseller), each with charges, notes, a payment and an adjustment across a quarter. */
  const seed = async () => {
    const series = postgres()
      ? `generate_series(1, ${CLIENTS}) AS seq(i)`
      : `(WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ${CLIENTS}) SELECT i FROM seq) AS seq`;
    await dataSource.query(`INSERT INTO currencies (name) VALUES ('USD')`);
    await dataSource.query(`INSERT INTO resellers (name) VALUES ('Reseller')`);
    await dataSource.query(`INSERT INTO clients (name, resellers_id, currencies_id) SELECT 'Client ' || i, CASE WHEN i % 2 = 0 THEN 1 END, 1 FROM ${series}`);
    const book = (type: string, amount: string, dt: string) =>
      dataSource.query(
        `INSERT INTO transactions (clients_id, resellers_id, type, amount, currencies_id, client_amount, rate, dt)
         SELECT id, resellers_id, '${type}', ${money(amount)}, 1, ${money(amount)}, ${money("'1'")}, ${instant(dt)} FROM clients`,
      );
    await book('charge', "'-' || (id % 7 + 1) || '.25'", '2026-01-05T10:00:00Z');
    await book('payment', "'10'", '2026-01-10T00:00:00Z');
    await book('debit_note', "'-0.50'", '2026-01-20T00:00:00Z');
    await book('credit_note', "'0.75'", '2026-02-03T00:00:00Z');
    await book('charge', "'-2.10'", '2026-02-14T00:00:00Z');
    await book('adjustment', "'-1'", '2026-03-01T00:00:00Z');
    await book('charge', "'-3.' || (id % 10) || '3'", '2026-03-15T00:00:00Z');
    await book('charge', "'-100'", '2026-04-01T00:00:00Z'); // past every period
  };

  const rows = async <T>(sql: string): Promise<T[]> => dataSource.query(sql);

  beforeEach(async () => {
    database = await throwawayDatabaseUrl();
    dataSource = new DataSource(dataSourceOptions(loadConfig({ DATABASE_URL: database.url }).database));
    await dataSource.initialize();
    await dataSource.runMigrations();
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.stop()));
    bases.splice(0);
    await dataSource.destroy();
    await database.drop();
  });

  it('two processes invoicing the same clients at once: each transaction on one live invoice at most, totals exact, numbers gapless', async () => {
    await seed();
    const ids = Array.from({ length: CLIENTS }, (_, i) => i + 1);
    await Promise.all([start(), start()].map(async (server) => (await server).waitUntilListening()));

    // Everything at once, from both processes: every client's January invoice asked twice, and, once
    // the first of those are in, bill runs over February (numbered in 2027) and over the whole quarter.
    const afterFirstInvoices = async () => {
      while (answers.filter(({ answer }) => answer.result).length < 20) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    const runs = (process: number) => [
      { ...FEBRUARY, invoice_dt: '2027-01-05 00:00:00' },
      QUARTER,
      { ...QUARTER, clients_id: ids.filter((id) => id % 3 === process) },
    ].map(async (params) => {
      await afterFirstInvoices();
      return rpc(process, 'accounting.invoices.generate', params);
    });
    await Promise.all([
      ...[0, 1].map((process) => pooled(ids.map((id) => () => rpc(process, 'accounting.invoices.create', { clients_id: id, ...JANUARY })), 6)),
      ...runs(0),
      ...runs(1),
    ]);

    // Then voids (each asked of both processes), the latest invoice of each year deleted by both at
    // once, and the quarter run again from both: what was voided or deleted is invoiced once more.
    const live = await rows<{ id: number }>(`SELECT id FROM invoices WHERE status = 'issued' ORDER BY id`);
    const voided = live.filter((_, i) => i % 7 === 0).map((invoice) => invoice.id);
    await Promise.all([0, 1].map((process) => pooled(voided.map((id) => () => rpc(process, 'accounting.invoices.void', { id })), 4)));
    const latest = await rows<{ id: number; status: string }>(`SELECT id, status FROM invoices i WHERE seq = (SELECT max(seq) FROM invoices WHERE year = i.year)`);
    const deletes = await Promise.all(latest.flatMap((invoice) => [0, 1].map((process) => rpc(process, 'accounting.invoices.delete', { id: invoice.id }))));
    // A void one keeps its number (refused with invoices-void); each other one is deleted once.
    expect(deletes.filter((answer) => answer.result === 1).length).toBe(latest.filter((invoice) => invoice.status !== 'void').length);
    await Promise.all([0, 1].map((process) => rpc(process, 'accounting.invoices.generate', QUARTER)));

    // No server error of any kind; refusals only where they belong.
    const refusals = answers.filter(({ answer }) => answer.error).map(({ method, answer }) => `${method} ${answer.error!.code} ${answer.error!.data?.code}`);
    expect(answers.every(({ status }) => status === 200)).toBe(true);
    expect(refusals.filter((refusal) => !/^accounting\.invoices\.(create -32000 invoices-zero-amount|delete -32004 not_found|delete -32000 invoices-not-latest|delete -32000 invoices-void)$/.test(refusal))).toEqual([]);

    // Each transaction on one live invoice at most, and lines voided exactly when their invoice is.
    expect(await rows(`SELECT l.transactions_id FROM invoice_lines l JOIN invoices i ON i.id = l.invoices_id WHERE i.status <> 'void' GROUP BY l.transactions_id HAVING count(*) > 1`)).toEqual([]);
    expect(await rows(`SELECT l.id FROM invoice_lines l JOIN invoices i ON i.id = l.invoices_id WHERE (i.status = 'void') <> (l.voided = ${postgres() ? 'true' : '1'})`)).toEqual([]);
    // After the last quarter run, every charge and note of the quarter is on exactly one live invoice;
    // nothing else is on any: not a payment, not an adjustment, nothing outside its invoice's period.
    const onLive = await rows<{ type: string; count: number | string }>(
      `SELECT t.type, count(*) AS count FROM invoice_lines l JOIN invoices i ON i.id = l.invoices_id JOIN transactions t ON t.id = l.transactions_id
        WHERE i.status <> 'void' GROUP BY t.type ORDER BY t.type`,
    );
    expect(onLive.map((row) => [row.type, Number(row.count)])).toEqual([
      ['charge', 3 * CLIENTS],
      ['credit_note', CLIENTS],
      ['debit_note', CLIENTS],
    ]);
    expect(await rows(`SELECT l.id FROM invoice_lines l JOIN invoices i ON i.id = l.invoices_id JOIN transactions t ON t.id = l.transactions_id
        WHERE t.clients_id <> i.clients_id OR t.dt < i.start_dt OR t.dt >= i.end_dt`)).toEqual([]);

    // Every total is minus the sum of its lines (amounts have two places: no rounding), so each
    // client's live invoices total minus the sum of its invoiced transactions.
    const lines = await rows<{ invoices_id: number; clients_id: number; client_amount: string; total: string; status: string }>(
      `SELECT i.id AS invoices_id, i.clients_id, t.client_amount, i.total, i.status FROM invoice_lines l JOIN invoices i ON i.id = l.invoices_id JOIN transactions t ON t.id = l.transactions_id`,
    );
    const byInvoice = new Map<number, { total: Decimal; sum: Decimal }>();
    for (const line of lines) {
      const entry = byInvoice.get(line.invoices_id) ?? { total: new Decimal(line.total), sum: new Decimal(0) };
      byInvoice.set(line.invoices_id, { ...entry, sum: entry.sum.minus(new Decimal(line.client_amount)) });
    }
    expect([...byInvoice].filter(([, { total, sum }]) => !total.equals(sum))).toEqual([]);
    const byClient = new Map<number, { totals: Decimal; owed: Decimal }>();
    const counted = new Set<number>();
    for (const line of lines.filter((each) => each.status !== 'void')) {
      const entry = byClient.get(line.clients_id) ?? { totals: new Decimal(0), owed: new Decimal(0) };
      entry.owed = entry.owed.minus(new Decimal(line.client_amount));
      if (!counted.has(line.invoices_id)) entry.totals = entry.totals.plus(new Decimal(line.total));
      counted.add(line.invoices_id);
      byClient.set(line.clients_id, entry);
    }
    expect(byClient.size).toBe(CLIENTS);
    const expectedOwed = (id: number) => new Decimal(`${id % 7 + 1}.25`).plus('0.50').minus('0.75').plus('2.10').plus(`3.${id % 10}3`);
    expect([...byClient].filter(([id, { totals, owed }]) => !totals.equals(owed) || !owed.equals(expectedOwed(id)))).toEqual([]);

    // Numbers: per year 1..N, each once, as the counter says; the number is the year and the seq.
    const numbered = await rows<{ year: number; seq: number; number: string }>('SELECT year, seq, number FROM invoices ORDER BY year, seq');
    const counters = await rows<{ year: number; last: number }>('SELECT year, last FROM invoice_numbers ORDER BY year');
    // The years invoiced: this year's, and 2027's if the February run (invoice_dt in 2027) found
    // anything left to invoice by the time it ran (the quarter runs racing it take February too).
    expect(counters.every((counter) => [new Date().getUTCFullYear(), 2027].includes(Number(counter.year)))).toBe(true);
    expect(counters.filter((counter) => Number(counter.last) > 0).map((counter) => Number(counter.year))).toEqual([...new Set(numbered.map((invoice) => Number(invoice.year)))]);
    for (const { year, last } of counters) {
      const ofYear = numbered.filter((invoice) => Number(invoice.year) === Number(year));
      expect(ofYear.map((invoice) => [Number(invoice.seq), invoice.number])).toEqual(
        Array.from({ length: Number(last) }, (_, i) => [i + 1, `${year}-${String(i + 1).padStart(6, '0')}`]),
      );
    }
  }, 240_000);
});
