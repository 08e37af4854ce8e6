import { InvoicesService } from '../../src/modules/accounting/invoices/invoices.service';
import { MethodRegistry } from '../../src/platform/api/method-registry';
import { Principal } from '../../src/platform/auth/principal';
import { RequestContexts } from '../../src/platform/context/request-context';
import { Database } from '../../src/platform/database/database';
import { Clock } from '../../src/platform/time/clock';
import { UNLIMITED } from '../../src/platform/tenancy/reseller-reach';
import { call, Outcome, Protocol, PROTOCOLS } from '../support/calls';
import { aClient, aCurrency, aReseller, aTransaction, aUser } from '../support/factories';
import { pooled } from '../support/pooled';
import { startTestApp, TestApp } from '../support/test-app';

// Invoices end to end (SPEC §11), over both protocols and on the database of the run. Numbering is
// per year and shared by the whole app, so each test that states numbers issues its invoices in a
// year of its own (invoice_dt), one per protocol.

const coded = (code: string, message: string): Outcome => ({ ok: false, status: 422, message: `${code}: ${message}`, data: { code, message } });
const invalid = (data: Record<string, string>): Outcome => ({ ok: false, status: 400, message: 'Invalid params', data });
const notFound = (objectName: string, id: number): Outcome => ({
  ok: false,
  status: 404,
  message: `not_found: ${objectName} #${id} not found`,
  data: { code: 'not_found', object_name: objectName, object_id: String(id) },
});
/** A year for numbers no other test issues: each test and protocol its own. */
const yearOf = (base: number, protocol: Protocol) => base + (protocol === 'rest' ? 0 : 1);

describe('accounting.invoices', () => {
  let t: TestApp;
  let eur: number;
  let now: Date;

  beforeAll(async () => {
    t = await startTestApp({ BILLING_TICK_SECONDS: '0', INVOICE_SELLER: 'Operator Billing Ltd' });
    jest.spyOn(t.app.get(Clock), 'now').mockImplementation(() => new Date(now));
    now = new Date('2026-12-01T09:00:00Z');
    eur = (await aCurrency(t, 'EUR')).id;
  });
  afterAll(() => t.close());

  const method = (name: string) => t.app.get(MethodRegistry).find(name)!;
  /** A call as the administrator, or as the holder of `key`. */
  const api = (protocol: Protocol, name: string, params: Record<string, unknown>, key?: string) => call(t, method(name), params, protocol, key as string);
  /** A call that must succeed: its result. */
  const ok = async (protocol: Protocol, name: string, params: Record<string, unknown>, key?: string) => {
    const outcome = await api(protocol, name, params, key);
    if (!outcome.ok) throw new Error(`${name}: ${JSON.stringify(outcome)}`);
    return outcome.result;
  };
  const book = async (clients_id: number, type: string, amount: string, dt: string, notes?: string) =>
    (await aTransaction(t, { clients_id, type, amount, dt, ...(notes && { notes }) })).id;
  const line = (transactions_id: number, dt: string, type: string, amount: number, notes: string | null = null) => ({
    transactions_id,
    dt,
    type,
    notes,
    subscriptions_id: null,
    amount,
  });
  const NOVEMBER = { start_dt: '2026-11-01', end_dt: '2026-12-01' };

  describe.each(PROTOCOLS)('over %s', (protocol) => {
    it('takes the charges, debit and credit notes of the period ([start_dt, end_dt)) that are on no live invoice, and nothing else', async () => {
      const year = yearOf(2040, protocol);
      const client = await aClient(t, { currencies_id: eur });
      const atStart = await book(client.id, 'charge', '-10.00', '2026-11-01T00:00:00Z', 'November');
      const debit = await book(client.id, 'debit_note', '-2.50', '2026-11-15T12:00:00Z');
      const credit = await book(client.id, 'credit_note', '1.25', '2026-11-20T08:30:00Z');
      await book(client.id, 'payment', '100', '2026-11-10T00:00:00Z');
      await book(client.id, 'adjustment', '-3', '2026-11-11T00:00:00Z');
      await book(client.id, 'charge', '-7', '2026-12-01T00:00:00Z'); // at end_dt: out
      await book(client.id, 'charge', '-4', '2026-10-31T23:59:59.999Z'); // before start_dt: out

      const created = await ok(protocol, 'accounting.invoices.create', { clients_id: client.id, ...NOVEMBER, invoice_dt: `${year}-12-01 09:00:00`, notes: 'Thank you' });
      expect(created).toEqual({
        id: created.id,
        number: `${year}-000001`,
        clients_id: client.id,
        resellers_id: null,
        currencies_id: eur,
        start_dt: '2026-11-01T00:00:00+00:00',
        end_dt: '2026-12-01T00:00:00+00:00',
        invoice_dt: `${year}-12-01T09:00:00+00:00`,
        due_dt: `${year}-12-15T09:00:00+00:00`,
        status: 'issued',
        total: 11.25,
        notes: 'Thank you',
        c_dt: created.c_dt,
        lines: [
          line(atStart, '2026-11-01T00:00:00+00:00', 'charge', 10, 'November'),
          line(debit, '2026-11-15T12:00:00+00:00', 'debit_note', 2.5),
          line(credit, '2026-11-20T08:30:00+00:00', 'credit_note', -1.25),
        ],
      });
      expect(await ok(protocol, 'accounting.invoices.get', { id: created.id })).toEqual(created);
      // Its transactions are taken: the same period again finds nothing to invoice.
      expect(await api(protocol, 'accounting.invoices.create', { clients_id: client.id, ...NOVEMBER, invoice_dt: `${year}-12-01` })).toEqual(
        coded('invoices-zero-amount', `the invoice of client #${client.id} for the period would total 0`),
      );
    });

    it('totals the lines exactly, rounded half to even at the currency’s totals_precision', async () => {
      const currencyOf = async (name: string, totals_precision: number) => (await ok('rpc', 'accounting.currencies.create', { name, totals_precision })).id;
      const currency = await currencyOf(protocol === 'rest' ? 'HER' : 'HEP', 2);
      const even = await aClient(t, { currencies_id: currency });
      await book(even.id, 'charge', '-1.00', '2026-11-02T00:00:00Z');
      await book(even.id, 'charge', '-0.125', '2026-11-03T00:00:00Z'); // 1.125: half, to the even 1.12
      const odd = await aClient(t, { currencies_id: currency });
      await book(odd.id, 'charge', '-1.00', '2026-11-02T00:00:00Z');
      await book(odd.id, 'debit_note', '-0.13', '2026-11-03T00:00:00Z');
      await book(odd.id, 'credit_note', '0.00000001', '2026-11-04T00:00:00Z');
      await book(odd.id, 'charge', '-0.00500001', '2026-11-05T00:00:00Z'); // 1.13500000: half, to the even 1.14
      const first = await ok(protocol, 'accounting.invoices.create', { clients_id: even.id, ...NOVEMBER });
      expect([first.total, first.lines.map((each: { amount: number }) => each.amount)]).toEqual([1.12, [1, 0.125]]);
      const second = await ok(protocol, 'accounting.invoices.create', { clients_id: odd.id, ...NOVEMBER });
      expect([second.total, second.lines.map((each: { amount: number }) => each.amount)]).toEqual([1.14, [1, 0.13, -0.00000001, 0.00500001]]);
      const whole = await aClient(t, { currencies_id: await currencyOf(protocol === 'rest' ? 'HEW' : 'HEX', 0) });
      await book(whole.id, 'charge', '-2.5', '2026-11-02T00:00:00Z'); // half, to the even 2
      expect((await ok(protocol, 'accounting.invoices.create', { clients_id: whole.id, ...NOVEMBER })).total).toBe(2);
    });

    it('refuses a total of 0 (nothing in the period, or lines that cancel out) with 422 invoices-zero-amount, taking no number', async () => {
      const year = yearOf(2042, protocol);
      const nothing = await aClient(t, { currencies_id: eur });
      const zero = coded('invoices-zero-amount', `the invoice of client #${nothing.id} for the period would total 0`);
      expect(await api(protocol, 'accounting.invoices.create', { clients_id: nothing.id, ...NOVEMBER, invoice_dt: `${year}-01-10` })).toEqual(zero);
      const cancelling = await aClient(t, { currencies_id: eur });
      await book(cancelling.id, 'charge', '-5', '2026-11-02T00:00:00Z');
      await book(cancelling.id, 'credit_note', '5', '2026-11-03T00:00:00Z');
      await book(cancelling.id, 'charge', '-0.004', '2026-11-04T00:00:00Z'); // 0.004 rounds to 0.00
      expect(await api(protocol, 'accounting.invoices.create', { clients_id: cancelling.id, ...NOVEMBER, invoice_dt: `${year}-01-10` })).toEqual(
        coded('invoices-zero-amount', `the invoice of client #${cancelling.id} for the period would total 0`),
      );
      // No number was spent: the year's first invoice is 000001.
      await book(cancelling.id, 'charge', '-1', '2026-11-05T00:00:00Z');
      expect((await ok(protocol, 'accounting.invoices.create', { clients_id: cancelling.id, ...NOVEMBER, invoice_dt: `${year}-01-10` })).number).toBe(`${year}-000001`);
      // A credit (notes beyond charges) is an invoice like any other, negative.
      const credited = await aClient(t, { currencies_id: eur });
      await book(credited.id, 'credit_note', '12.5', '2026-11-05T00:00:00Z');
      expect((await ok(protocol, 'accounting.invoices.create', { clients_id: credited.id, ...NOVEMBER, invoice_dt: `${year}-01-11` })).total).toBe(-12.5);
    });

    it('validates the period and the dates', async () => {
      const client = await aClient(t, { currencies_id: eur });
      expect(await api(protocol, 'accounting.invoices.create', { clients_id: client.id, start_dt: '2026-11-01', end_dt: '2026-11-01' })).toEqual(
        invalid({ end_dt: 'must be after start_dt' }),
      );
      expect(await api(protocol, 'accounting.invoices.create', { clients_id: client.id, ...NOVEMBER, invoice_dt: '2026-12-01', due_dt: '2026-11-30' })).toEqual(
        invalid({ due_dt: 'must not be before invoice_dt' }),
      );
      expect(await api(protocol, 'accounting.invoices.generate', { start_dt: '2026-12-01', end_dt: '2026-11-01' })).toEqual(invalid({ end_dt: 'must be after start_dt' }));
      expect(await api(protocol, 'accounting.invoices.create', { clients_id: client.id, start_dt: 'soon', end_dt: '2026-12-01' })).toEqual(
        invalid({ start_dt: 'must be a datetime such as 2026-11-25 09:30:00 or 2026-11-25T09:30:00-05:00' }),
      );
      expect(await api(protocol, 'accounting.invoices.create', { clients_id: 999999, ...NOVEMBER })).toEqual(notFound('clients', 999999));
    });

    it('voids: the transactions are free for a new invoice, the void one keeps its number and shows its lines; voiding again changes nothing', async () => {
      const year = yearOf(2044, protocol);
      const client = await aClient(t, { currencies_id: eur });
      const charge = await book(client.id, 'charge', '-20', '2026-11-05T00:00:00Z');
      const voided = await ok(protocol, 'accounting.invoices.create', { clients_id: client.id, ...NOVEMBER, invoice_dt: `${year}-02-01` });
      expect(await ok(protocol, 'accounting.invoices.void', { id: voided.id })).toBe(1);
      expect(await ok(protocol, 'accounting.invoices.void', { id: voided.id })).toBe(1);
      const again = await ok(protocol, 'accounting.invoices.create', { clients_id: client.id, ...NOVEMBER, invoice_dt: `${year}-02-02` });
      expect([again.number, again.total, again.lines]).toEqual([`${year}-000002`, 20, [line(charge, '2026-11-05T00:00:00+00:00', 'charge', 20)]]);
      expect(await ok(protocol, 'accounting.invoices.get', { id: voided.id })).toEqual({ ...voided, status: 'void' });
      // Void is void: no update, and its transactions stay on the live invoice.
      expect(await api(protocol, 'accounting.invoices.update', { id: voided.id, status: 'paid' })).toEqual(
        coded('invoices-void', `invoice #${voided.id} is void and cannot change`),
      );
      expect(await api(protocol, 'accounting.invoices.create', { clients_id: client.id, ...NOVEMBER, invoice_dt: `${year}-02-03` })).toEqual(
        coded('invoices-zero-amount', `the invoice of client #${client.id} for the period would total 0`),
      );
    });

    it('updates status (issued ↔ paid), due_dt and notes, answering true', async () => {
      const client = await aClient(t, { currencies_id: eur });
      await book(client.id, 'charge', '-3', '2026-11-05T00:00:00Z');
      const invoice = await ok(protocol, 'accounting.invoices.create', { clients_id: client.id, ...NOVEMBER, invoice_dt: '2026-12-01 09:00:00' });
      expect(await api(protocol, 'accounting.invoices.update', { id: invoice.id, status: 'paid', notes: 'Paid by wire' })).toEqual({ ok: true, result: true });
      expect(await ok(protocol, 'accounting.invoices.get', { id: invoice.id })).toMatchObject({ status: 'paid', notes: 'Paid by wire', due_dt: '2026-12-15T09:00:00+00:00' });
      expect(await ok(protocol, 'accounting.invoices.update', { id: invoice.id, status: 'issued', due_dt: '2026-12-01 09:00:00', notes: null })).toBe(true);
      expect(await ok(protocol, 'accounting.invoices.get', { id: invoice.id })).toMatchObject({ status: 'issued', notes: null, due_dt: '2026-12-01T09:00:00+00:00' });
      expect(await ok(protocol, 'accounting.invoices.update', { id: invoice.id })).toBe(true);
      expect(await api(protocol, 'accounting.invoices.update', { id: invoice.id, status: 'void' })).toEqual(invalid({ status: 'must be one of: issued, paid' }));
      expect(await api(protocol, 'accounting.invoices.update', { id: invoice.id, due_dt: '2026-12-01 08:59:59' })).toEqual(invalid({ due_dt: 'must not be before invoice_dt' }));
      expect(await api(protocol, 'accounting.invoices.update', { id: 999999, notes: 'x' })).toEqual(notFound('accounting.invoices', 999999));
    });

    it('deletes only the latest invoice of its year, giving its number back (gapless) and its transactions', async () => {
      const year = yearOf(2046, protocol);
      const client = await aClient(t, { currencies_id: eur });
      const issue = async (day: string, amount: string) => {
        await book(client.id, 'charge', amount, `2026-11-${day}T00:00:00Z`);
        return ok(protocol, 'accounting.invoices.create', { clients_id: client.id, start_dt: `2026-11-${day}`, end_dt: `2026-11-${Number(day) + 1}`, invoice_dt: `${year}-03-01` });
      };
      const first = await issue('10', '-1');
      const second = await issue('11', '-2');
      const third = await issue('12', '-3');
      expect([first.number, second.number, third.number]).toEqual([`${year}-000001`, `${year}-000002`, `${year}-000003`]);
      expect(await api(protocol, 'accounting.invoices.delete', { id: second.id })).toEqual(
        coded('invoices-not-latest', `invoice ${year}-000002 is not the latest of ${year}: only that one can be deleted`),
      );
      expect(await ok(protocol, 'accounting.invoices.delete', { id: third.id })).toBe(1);
      expect(await api(protocol, 'accounting.invoices.get', { id: third.id })).toEqual(notFound('accounting.invoices', third.id));
      // The next invoice of the year takes 000003 again, with the deleted one's transaction.
      const retaken = await ok(protocol, 'accounting.invoices.create', { clients_id: client.id, start_dt: '2026-11-12', end_dt: '2026-11-13', invoice_dt: `${year}-03-02` });
      expect([retaken.number, retaken.total, retaken.lines.map((each: { transactions_id: number }) => each.transactions_id)]).toEqual([
        `${year}-000003`,
        3,
        third.lines.map((each: { transactions_id: number }) => each.transactions_id),
      ]);
      // Now 000002 is still not the latest; after 000003 goes, it is.
      expect(await ok(protocol, 'accounting.invoices.delete', { id: retaken.id })).toBe(1);
      expect(await ok(protocol, 'accounting.invoices.delete', { id: second.id })).toBe(1);
      expect((await issue('20', '-4')).number).toBe(`${year}-000002`);
    });

    it('numbers per calendar year of invoice_dt in the system time zone', async () => {
      const base = protocol === 'rest' ? 2025 : 2035;
      const client = await aClient(t, { currencies_id: eur });
      for (const day of ['01', '02', '03', '04']) await book(client.id, 'charge', '-1', `2026-11-${day}T12:00:00Z`);
      const numberOf = async (day: string, invoice_dt: string, __tz?: string) =>
        (await ok(protocol, 'accounting.invoices.create', { clients_id: client.id, start_dt: `2026-11-${day}`, end_dt: `2026-11-${day} 23:59:59`, invoice_dt, ...(__tz && { __tz }) })).number;
      expect(await numberOf('01', `${base}-06-01`)).toBe(`${base}-000001`);
      expect(await numberOf('02', `${base + 2}-01-01 00:00:00`)).toBe(`${base + 2}-000001`);
      // 23:30 on 31 December in New York is already the next year in UTC, the system zone here.
      expect(await numberOf('03', `${base + 2}-12-31 23:30:00`, 'America/New_York')).toBe(`${base + 3}-000001`);
      expect(await numberOf('04', `${base}-12-31T23:59:59Z`)).toBe(`${base}-000002`);
    });

    it('reads the period in the effective time zone (__tz): 2026-11-01 in Kyiv begins at 2026-10-31T22:00Z', async () => {
      const client = await aClient(t, { currencies_id: eur });
      const inFirst = await book(client.id, 'charge', '-1', '2026-10-31T22:30:00Z');
      await book(client.id, 'charge', '-2', '2026-10-31T21:59:00Z'); // 23:59 on 31 October in Kyiv: out
      const inLast = await book(client.id, 'charge', '-4', '2026-11-30T21:59:59Z'); // 23:59:59 on 30 November in Kyiv
      await book(client.id, 'charge', '-8', '2026-11-30T22:00:00Z'); // midnight, 1 December in Kyiv: out
      const invoice = await ok(protocol, 'accounting.invoices.create', { clients_id: client.id, ...NOVEMBER, invoice_dt: '2026-12-01', __tz: 'Europe/Kyiv' });
      expect(invoice).toMatchObject({
        start_dt: '2026-11-01T00:00:00+02:00',
        end_dt: '2026-12-01T00:00:00+02:00',
        invoice_dt: '2026-12-01T00:00:00+02:00',
        due_dt: '2026-12-15T00:00:00+02:00',
        total: 5,
        lines: [line(inFirst, '2026-11-01T00:30:00+02:00', 'charge', 1), line(inLast, '2026-11-30T23:59:59+02:00', 'charge', 4)],
      });
      expect((await ok(protocol, 'accounting.invoices.get', { id: invoice.id })).start_dt).toBe('2026-10-31T22:00:00+00:00');
    });
  });

  it('defaults invoice_dt to now (the clock) and due_dt to 14 days later', async () => {
    now = new Date('2039-07-04T15:16:17Z');
    const client = await aClient(t, { currencies_id: eur });
    await book(client.id, 'charge', '-1', '2026-11-05T00:00:00Z');
    const invoice = await ok('rpc', 'accounting.invoices.create', { clients_id: client.id, ...NOVEMBER });
    expect([invoice.number, invoice.invoice_dt, invoice.due_dt]).toEqual(['2039-000001', '2039-07-04T15:16:17+00:00', '2039-07-18T15:16:17+00:00']);
    now = new Date('2026-12-01T09:00:00Z');
  });

  describe('generate (a bill run)', () => {
    it('invoices each client in scope with a non-zero total, once: a second run creates nothing', async () => {
      const reseller = await aReseller(t);
      const clients = [];
      for (let i = 0; i < 4; i++) clients.push(await aClient(t, { currencies_id: eur, resellers_id: reseller.id }));
      const [owes, alsoOwes, nothing, cancels] = clients;
      await book(owes.id, 'charge', '-10', '2026-11-02T00:00:00Z');
      await book(owes.id, 'payment', '10', '2026-11-03T00:00:00Z');
      await book(alsoOwes.id, 'debit_note', '-0.5', '2026-11-30T23:59:59Z');
      await book(alsoOwes.id, 'charge', '-99', '2026-12-01T00:00:00Z'); // December: not in this run
      await book(cancels.id, 'charge', '-5', '2026-11-02T00:00:00Z');
      await book(cancels.id, 'credit_note', '5', '2026-11-02T00:00:00Z');
      for (const protocol of PROTOCOLS) {
        const params = { ...NOVEMBER, resellers_id: [reseller.id], invoice_dt: '2026-12-01 10:00:00' };
        const run = await ok(protocol, 'accounting.invoices.generate', params);
        if (protocol === 'rest') {
          expect(run).toEqual({ created: [expect.any(Number), expect.any(Number)], skipped: 2 });
          const invoices = await Promise.all(run.created.map((id: number) => ok('rpc', 'accounting.invoices.get', { id })));
          expect(invoices.map(({ clients_id, total, resellers_id, status, invoice_dt, due_dt }) => ({ clients_id, total, resellers_id, status, invoice_dt, due_dt }))).toEqual([
            { clients_id: owes.id, total: 10, resellers_id: reseller.id, status: 'issued', invoice_dt: '2026-12-01T10:00:00+00:00', due_dt: '2026-12-15T10:00:00+00:00' },
            { clients_id: alsoOwes.id, total: 0.5, resellers_id: reseller.id, status: 'issued', invoice_dt: '2026-12-01T10:00:00+00:00', due_dt: '2026-12-15T10:00:00+00:00' },
          ]);
          // Numbered in client order, one after the other.
          const [a, b] = invoices.map((invoice) => Number(invoice.number.slice(5)));
          expect(b).toBe(a + 1);
        } else {
          expect(run).toEqual({ created: [], skipped: 4 });
        }
      }
      // December is another run; the clients named are the scope.
      expect(await ok('rpc', 'accounting.invoices.generate', { start_dt: '2026-12-01', end_dt: '2027-01-01', clients_id: [alsoOwes.id, nothing.id] })).toEqual({
        created: [expect.any(Number)],
        skipped: 1,
      });
      expect(await ok('rest', 'accounting.invoices.generate', { ...NOVEMBER, clients_id: [] })).toEqual({ created: [], skipped: 0 });
    });

    it('commits batch by batch: a batch that fails keeps those before it, and the next run invoices the rest once; a client no total can hold is skipped, not the run', async () => {
      const reseller = await aReseller(t);
      const clients = await pooled(
        Array.from({ length: 205 }, () => () => aClient(t, { currencies_id: eur, resellers_id: reseller.id })),
        10,
      );
      clients.sort((a, b) => a.id - b.id);
      const [huge, ...rest] = [clients[clients.length - 1], ...clients.slice(0, -1)];
      const charges = await pooled(rest.map((client, i) => () => book(client.id, 'charge', `-${i + 1}`, '2026-11-10T00:00:00Z')), 10);
      // Two charges no invoice total can hold (the balance in between brought back by a payment).
      await book(huge.id, 'charge', '-999999999999', '2026-11-10T00:00:00Z');
      await book(huge.id, 'payment', '999999999999', '2026-11-11T00:00:00Z');
      await book(huge.id, 'charge', '-999999999999', '2026-11-12T00:00:00Z');
      const invoiced = async () =>
        (await ok('rpc', 'accounting.invoices.search', { resellers_id: [reseller.id], limit: 1000, order: 'id' })).map((invoice: { clients_id: number; total: number }) => [
          invoice.clients_id,
          invoice.total,
        ]);
      // A disk that refuses the line of the second batch's last charge: that batch fails, the first 200 stay invoiced.
      const refused = charges[charges.length - 1];
      const postgres = t.dataSource.options.type === 'postgres';
      if (postgres) {
        await t.dataSource.query(`CREATE OR REPLACE FUNCTION refuse_line() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the disk said no'; END $$`);
        await t.dataSource.query(`CREATE TRIGGER refuse_line BEFORE INSERT ON invoice_lines FOR EACH ROW WHEN (NEW.transactions_id = ${refused}) EXECUTE FUNCTION refuse_line()`);
      } else {
        await t.dataSource.query(`CREATE TRIGGER refuse_line BEFORE INSERT ON invoice_lines WHEN NEW.transactions_id = ${refused} BEGIN SELECT RAISE(ABORT, 'the disk said no'); END`);
      }
      try {
        expect(await api('rpc', 'accounting.invoices.generate', { ...NOVEMBER, resellers_id: [reseller.id] })).toMatchObject({ ok: false, status: 500 });
      } finally {
        await t.dataSource.query(postgres ? 'DROP TRIGGER refuse_line ON invoice_lines' : 'DROP TRIGGER refuse_line');
      }
      expect(await invoiced()).toEqual(rest.slice(0, 200).map((client, i) => [client.id, i + 1]));
      // The next run invoices the other four, and nothing twice; the client no total can hold is skipped.
      expect(await ok('rest', 'accounting.invoices.generate', { ...NOVEMBER, resellers_id: [reseller.id] })).toEqual({
        created: [expect.any(Number), expect.any(Number), expect.any(Number), expect.any(Number)],
        skipped: 201,
      });
      expect(await invoiced()).toEqual(rest.map((client, i) => [client.id, i + 1]));
      // Alone, it is refused as it always was.
      expect(await api('rpc', 'accounting.invoices.create', { clients_id: huge.id, ...NOVEMBER })).toEqual(
        coded('invoices-amount-overflow', `the invoice of client #${huge.id} would total more than an amount can hold`),
      );
    });

    it("covers only a limited caller's tree, and refuses clients and resellers out of it", async () => {
      const R = await aReseller(t);
      const R1 = await aReseller(t, { parent_id: R.id });
      const S = await aReseller(t);
      const onR = await aUser(t, { resellers_id: R.id });
      const inR = await aClient(t, { currencies_id: eur, resellers_id: R.id });
      const inR1 = await aClient(t, { currencies_id: eur, resellers_id: R1.id });
      const inS = await aClient(t, { currencies_id: eur, resellers_id: S.id });
      const quiet = await aClient(t, { currencies_id: eur, resellers_id: R1.id });
      const period = { start_dt: '2031-05-01', end_dt: '2031-06-01' };
      for (const client of [inR, inR1, inS]) await book(client.id, 'charge', '-7', '2031-05-15T00:00:00Z');
      for (const protocol of PROTOCOLS) {
        expect(await api(protocol, 'accounting.invoices.generate', { ...period, clients_id: [inR.id, inS.id] }, onR.api_key)).toEqual(notFound('clients', inS.id));
        expect(await api(protocol, 'accounting.invoices.generate', { ...period, resellers_id: [S.id] }, onR.api_key)).toEqual(notFound('resellers', S.id));
      }
      const run = await ok('rest', 'accounting.invoices.generate', period, onR.api_key);
      expect(run).toEqual({ created: [expect.any(Number), expect.any(Number)], skipped: 1 });
      const invoices = await Promise.all(run.created.map((id: number) => ok('rpc', 'accounting.invoices.get', { id }, onR.api_key)));
      expect(invoices.map((invoice) => [invoice.clients_id, invoice.resellers_id, invoice.total])).toEqual([
        [inR.id, R.id, 7],
        [inR1.id, R1.id, 7],
      ]);
      expect(quiet.id).toBeGreaterThan(inR1.id);
      // S's client was left alone: the administrator's run finds it still to invoice.
      expect(await ok('rpc', 'accounting.invoices.generate', { ...period, resellers_id: [R.id, R1.id, S.id] })).toEqual({ created: [expect.any(Number)], skipped: 3 });
    });
  });

  it('searches by client, reseller, status and invoice_dt, ordered by any offered column, without lines', async () => {
    const reseller = await aReseller(t);
    const a = await aClient(t, { currencies_id: eur, resellers_id: reseller.id });
    const b = await aClient(t, { currencies_id: eur, resellers_id: reseller.id });
    const issue = async (client: number, amount: string, day: string) => {
      await book(client, 'charge', amount, `2032-01-${day}T00:00:00Z`);
      return ok('rpc', 'accounting.invoices.create', { clients_id: client, start_dt: `2032-01-${day}`, end_dt: `2032-01-${day} 23:00`, invoice_dt: `2032-02-${day}`, due_dt: `2032-03-${31 - Number(day)}` });
    };
    const i1 = await issue(a.id, '-30', '01');
    const i2 = await issue(b.id, '-10', '02');
    const i3 = await issue(a.id, '-20', '03');
    const i4 = await issue(b.id, '-40', '04');
    await ok('rest', 'accounting.invoices.update', { id: i2.id, status: 'paid' });
    await ok('rest', 'accounting.invoices.void', { id: i3.id });
    for (const protocol of PROTOCOLS) {
      const ids = async (params: Record<string, unknown>) => (await ok(protocol, 'accounting.invoices.search', { resellers_id: [reseller.id], ...params })).map((row: { id: number }) => row.id);
      expect(await ids({})).toEqual([i1.id, i2.id, i3.id, i4.id]);
      expect(await ids({ clients_id: [a.id] })).toEqual([i1.id, i3.id]);
      expect(await ids({ status: ['issued'] })).toEqual([i1.id, i4.id]);
      expect(await ids({ status: ['paid', 'void'] })).toEqual([i2.id, i3.id]);
      expect(await ids({ invoice_dt_from: '2032-02-02', invoice_dt_till: '2032-02-04' })).toEqual([i2.id, i3.id]);
      expect(await ids({ order: '-total' })).toEqual([i4.id, i1.id, i3.id, i2.id]);
      expect(await ids({ order: ['-number'] })).toEqual([i4.id, i3.id, i2.id, i1.id]);
      expect(await ids({ order: 'due_dt' })).toEqual([i4.id, i3.id, i2.id, i1.id]);
      expect(await ids({ order: '-invoice_dt', limit: 2, offset: 1 })).toEqual([i3.id, i2.id]);
      const [row] = await ok(protocol, 'accounting.invoices.search', { id: [i1.id] });
      const { lines: _lines, ...summary } = i1;
      expect(row).toEqual(summary);
      expect(await api(protocol, 'accounting.invoices.search', { order: 'clients_id' })).toEqual(
        invalid({ order: 'cannot order by "clients_id"; allowed: id, number, invoice_dt, due_dt, total' }),
      );
      expect(await api(protocol, 'accounting.invoices.search', { q: 'x' })).toEqual(invalid({ q: 'is not allowed' }));
    }
  });

  it('serializes concurrent invoices of one client: one gets the transactions, the others find nothing (never a 500)', async () => {
    const client = await aClient(t, { currencies_id: eur });
    for (let i = 0; i < 5; i++) await book(client.id, 'charge', '-1', `2033-01-0${i + 1}T00:00:00Z`);
    const period = { start_dt: '2033-01-01', end_dt: '2033-02-01', invoice_dt: '2033-02-01' };
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        i % 2 ? api('rest', 'accounting.invoices.create', { clients_id: client.id, ...period }) : api('rpc', 'accounting.invoices.generate', { ...period, clients_id: [client.id] }),
      ),
    );
    const created = outcomes.flatMap((outcome) => (outcome.ok ? (Array.isArray(outcome.result.created) ? outcome.result.created : [outcome.result.id]) : []));
    expect(created.length).toBe(1);
    expect(outcomes.filter((outcome) => !outcome.ok).map((outcome) => (outcome as { status: number }).status)).toEqual(
      outcomes.filter((outcome) => !outcome.ok).map(() => 422),
    );
    const invoice = await ok('rpc', 'accounting.invoices.get', { id: created[0] });
    expect([invoice.number, invoice.total, invoice.lines.length]).toEqual(['2033-000001', 5, 5]);
  });

  it('keeps a client with invoices and its currency from going', async () => {
    const currency = (await aCurrency(t, 'KEP')).id;
    const reseller = await aReseller(t);
    const client = await aClient(t, { currencies_id: currency });
    await book(client.id, 'charge', '-1', '2026-11-05T00:00:00Z');
    await ok('rpc', 'accounting.invoices.create', { clients_id: client.id, ...NOVEMBER });
    expect((await api('rpc', 'clients.delete', { id: client.id })).ok).toBe(false);
    expect(await api('rpc', 'clients.update', { id: client.id, resellers_id: reseller.id })).toMatchObject({ ok: false, status: 422 });
    expect(await api('rpc', 'accounting.currencies.delete', { id: currency })).toEqual(coded('currencies-in-use', `currency #${currency} is used by other records and cannot be deleted`));
  });

  describe('documentOf (what the PDF shows)', () => {
    const documentOf = (id: number, timezone: string, reach = UNLIMITED) =>
      RequestContexts.run(
        { requestId: 'document', unit: Symbol('document'), principal: { ...Principal.system('test'), reach }, timezone },
        () => t.app.get(Database).unit(() => t.app.get(InvoicesService).documentOf(id)),
      );

    it("has every value in its final text: the seller, the client, dates in the effective zone, exact amounts at the currency's precision", async () => {
      const reseller = await aReseller(t, { name: 'Kyiv Telecom Reseller' });
      const client = await aClient(t, { currencies_id: eur, resellers_id: reseller.id, name: 'Acme', company_name: 'Acme Ltd', address: '1 Main St', email: 'noc@acme.example', billing_email: 'billing@acme.example' });
      const charge = await book(client.id, 'charge', '-12.5', '2026-10-31T22:30:00Z', 'Gold, November');
      const note = await book(client.id, 'credit_note', '0.125', '2026-11-15T10:00:00Z');
      const invoice = await ok('rpc', 'accounting.invoices.create', { clients_id: client.id, ...NOVEMBER, invoice_dt: '2026-11-30T23:00:00Z', notes: 'Net 14', __tz: 'Europe/Kyiv' });
      expect(await documentOf(invoice.id, 'Europe/Kyiv')).toEqual({
        number: invoice.number,
        status: 'issued',
        seller: { name: 'Kyiv Telecom Reseller' },
        client: { id: client.id, name: 'Acme', company_name: 'Acme Ltd', address: '1 Main St', email: 'billing@acme.example' },
        currency: 'EUR',
        invoice_dt: '2026-12-01',
        due_dt: '2026-12-15',
        start_dt: '2026-11-01',
        end_dt: '2026-12-01',
        timezone: 'Europe/Kyiv',
        lines: [
          { transactions_id: charge, dt: '2026-11-01', type: 'charge', notes: 'Gold, November', amount: '12.50' },
          { transactions_id: note, dt: '2026-11-15', type: 'credit_note', notes: null, amount: '-0.125' },
        ],
        total: '12.38',
        notes: 'Net 14',
      });
      // The same invoice read in UTC: the dates move with the zone.
      expect(await documentOf(invoice.id, 'UTC')).toMatchObject({ invoice_dt: '2026-11-30', start_dt: '2026-10-31', end_dt: '2026-11-30', timezone: 'UTC', lines: [{ dt: '2026-10-31' }, { dt: '2026-11-15' }] });
      // Out of reach: not found, as everywhere.
      const elsewhere = await aReseller(t);
      await expect(documentOf(invoice.id, 'UTC', { kind: 'tree', root: elsewhere.id, ids: new Set([elsewhere.id]) })).rejects.toThrow(
        `not_found: accounting.invoices #${invoice.id} not found`,
      );
    });

    it('names the operator (INVOICE_SELLER) as the seller for a client of no reseller', async () => {
      const client = await aClient(t, { currencies_id: eur, email: 'someone@example.com' });
      await book(client.id, 'charge', '-7', '2026-11-05T00:00:00Z');
      const invoice = await ok('rpc', 'accounting.invoices.create', { clients_id: client.id, ...NOVEMBER });
      expect(await documentOf(invoice.id, 'UTC')).toMatchObject({
        seller: { name: 'Operator Billing Ltd' },
        client: { id: client.id, company_name: null, address: null, email: 'someone@example.com' },
        total: '7.00',
        lines: [{ amount: '7.00' }],
      });
    });
  });
});
