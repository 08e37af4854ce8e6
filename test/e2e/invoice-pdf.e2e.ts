import request from 'supertest';
import { Clock } from '../../src/platform/time/clock';
import { aClient, aCurrency, aReseller, aTransaction, aUser } from '../support/factories';
import { linesOf, readWithPdfjs } from '../support/pdf';
import { ADMIN_KEY, startTestApp, TestApp } from '../support/test-app';

// An invoice's PDF over both protocols (SPEC §11 pdf): REST sends the file, JSON-RPC its base64;
// both the same bytes, read back with pdf.js.
describe('accounting.invoices.pdf', () => {
  let t: TestApp;
  let invoice: { id: number; number: string };
  let clientId: number;

  /** GET the PDF over REST, as bytes. */
  const download = (path: string, key = ADMIN_KEY) =>
    request(t.app.getHttpServer())
      .get(path)
      .set('X-Api-Key', key)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });

  beforeAll(async () => {
    t = await startTestApp({ BILLING_TICK_SECONDS: '0', INVOICE_SELLER: 'Operator Billing Ltd' });
    jest.spyOn(t.app.get(Clock), 'now').mockImplementation(() => new Date('2026-12-01T09:00:00Z'));
    const eur = (await aCurrency(t, 'EUR')).id;
    clientId = (await aClient(t, { currencies_id: eur, name: 'Jürgen Øster', company_name: 'Ольга Телеком', credit_unlimited: true })).id;
    await aTransaction(t, { clients_id: clientId, type: 'charge', amount: '-100', dt: '2026-11-01 00:00:00', notes: 'Monthly fee: Business 100' });
    await aTransaction(t, { clients_id: clientId, type: 'debit_note', amount: '-30.45', dt: '2026-11-30 22:30:00', notes: 'Extra IP addresses' });
    await aTransaction(t, { clients_id: clientId, type: 'credit_note', amount: '7', dt: '2026-11-20 17:05:12', notes: 'Goodwill' });
    invoice = (await t.rpc('accounting.invoices.create', { clients_id: clientId, start_dt: '2026-11-01', end_dt: '2026-12-01' })).body.result;
  });
  afterAll(() => t.close());

  it('sends the PDF over REST with its type and file name: seller, client, number, dates, every line and the total with its currency', async () => {
    const reply = await download(`/accounting/invoices/${invoice.id}/pdf`);
    expect([reply.status, reply.headers['content-type'], reply.headers['content-disposition']]).toEqual([
      200,
      'application/pdf',
      `attachment; filename="invoice-${invoice.number}.pdf"`,
    ]);
    const pdf = reply.body as Buffer;
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const read = readWithPdfjs(pdf);
    expect(read.info.Title).toBe(`Invoice ${invoice.number}`);
    expect(linesOf(read.pages[0])).toEqual([
      'Operator Billing Ltd',
      `Invoice ${invoice.number}`,
      'Invoice date: 2026-12-01',
      'Due date: 2026-12-15',
      'Bill to',
      'Period: 2026-11-01 – 2026-12-01',
      'Jürgen Øster',
      'Time zone: UTC',
      'Ольга Телеком',
      'Date | Type | Notes | Amount',
      '2026-11-01 | charge | Monthly fee: Business 100 | 100.00',
      '2026-11-20 | credit_note | Goodwill | -7.00',
      '2026-11-30 | debit_note | Extra IP addresses | 30.45',
      'Total: 123.45 EUR',
      'Page 1 of 1',
    ]);
  });

  it('answers the same bytes over JSON-RPC, as base64, and renders the dates in the caller\'s zone', async () => {
    const rest = (await download(`/accounting/invoices/${invoice.id}/pdf`)).body as Buffer;
    const rpc = await t.rpc('accounting.invoices.pdf', { id: invoice.id });
    const { filename, content_type, content_base64 } = rpc.body.result;
    expect([filename, content_type]).toEqual([`invoice-${invoice.number}.pdf`, 'application/pdf']);
    expect(Buffer.from(content_base64, 'base64').equals(rest)).toBe(true);

    const zoned = await t.rpc('accounting.invoices.pdf', { id: invoice.id, __tz: 'Asia/Tokyo' });
    const lines = linesOf(readWithPdfjs(Buffer.from(zoned.body.result.content_base64, 'base64')).pages[0]);
    // 22:30 UTC on 30 November is 07:30 on 1 December in Tokyo.
    expect(lines.filter((line) => line.startsWith('Time zone') || line.includes('Extra IP') || line.startsWith('Invoice date'))).toEqual([
      'Invoice date: 2026-12-01',
      'Time zone: Asia/Tokyo',
      '2026-12-01 | debit_note | Extra IP addresses | 30.45',
    ]);
  });

  it('is not found for a limited user outside the client\'s tree, over both protocols, and for an unknown invoice', async () => {
    const elsewhere = await aUser(t, { resellers_id: (await aReseller(t)).id });
    const rest = await download(`/accounting/invoices/${invoice.id}/pdf`, elsewhere.api_key);
    expect([rest.status, JSON.parse((rest.body as Buffer).toString('utf8')).error.data]).toEqual([
      404,
      { code: 'not_found', object_name: 'accounting.invoices', object_id: String(invoice.id) },
    ]);
    const rpc = await t.rpc('accounting.invoices.pdf', { id: invoice.id }, { key: elsewhere.api_key });
    expect(rpc.body.error).toEqual({
      code: -32004,
      message: `not_found: accounting.invoices #${invoice.id} not found`,
      data: { code: 'not_found', object_name: 'accounting.invoices', object_id: String(invoice.id) },
    });
    expect((await download('/accounting/invoices/999999/pdf')).status).toBe(404);
  });
});
