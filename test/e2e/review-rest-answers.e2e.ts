/**
 * A hostile review of REST answers without an interceptor (@ApiMethod routes each REST call through
 * RestAnswers after the params pipe): the Idempotency-Key, errors, downloads, pagination, HEAD and
 * two applications in one process must answer exactly as they did, and as JSON-RPC does.
 */
import request from 'supertest';
import { aClient, aCurrency, aTransaction } from '../support/factories';
import { ADMIN_KEY, DATABASE_KIND, HTTP_ADAPTER, HttpReply, startTestApp, TestApp } from '../support/test-app';

const KEY_PROBLEM = { error: { message: 'Invalid params', data: { 'Idempotency-Key': 'must be 1 to 255 printable ASCII characters' } } };
const reused = (what: string) => ({
  error: {
    message: `idempotency-key-reused: the Idempotency-Key was used within 24 hours for ${what}`,
    data: { code: 'idempotency-key-reused', message: `the Idempotency-Key was used within 24 hours for ${what}` },
  },
});

describe(`Review of REST answers on ${DATABASE_KIND} / ${HTTP_ADAPTER}`, () => {
  let t: TestApp;
  let usd: { id: number };
  let sequence = 0;
  const newKey = () => `rest-answers-${++sequence}-${Date.now()}`;
  const keyed = (key: string) => ({ headers: { 'Idempotency-Key': key } });
  const replayed = (reply: HttpReply) => reply.headers['idempotent-replayed'];
  const clientsNamed = async (name: string) =>
    ((await t.rest('GET', `/clients?q=${encodeURIComponent(name)}&limit=1000`)).body as { name: string }[]).filter((client) => client.name === name).length;

  beforeAll(async () => {
    t = await startTestApp({ BILLING_TICK_SECONDS: '0' });
    usd = await aCurrency(t, 'USD');
  });
  afterAll(() => t.close());

  it('a malformed Idempotency-Key is refused before the params are read, on REST as on JSON-RPC (and as REST did before)', async () => {
    const bad = 'caf\u00e9';
    // Invalid params (an empty name, an unknown field, a bad __tz) beside a malformed key: the key is what the caller hears about.
    for (const body of [{ name: '', currencies_id: usd.id }, { name: 'Bad Key Order', currencies_id: usd.id, nope: 1 }, { name: 'Bad Key Order', currencies_id: usd.id, __tz: 'Mars/Olympus' }]) {
      const rpc = await t.rpc('clients.create', body, keyed(bad));
      expect(rpc.body.error).toEqual({ code: -32602, ...KEY_PROBLEM.error });
      const rest = await t.rest('POST', '/clients', body, keyed(bad));
      expect([rest.status, rest.body]).toEqual([400, KEY_PROBLEM]);
    }
    expect(await clientsNamed('Bad Key Order')).toBe(0);
  });

  it('a keyed create replays only for the same __tz; another zone is other params (422), and nothing is made twice', async () => {
    const key = newKey();
    const body = { name: 'Zoned Keyed', currencies_id: usd.id };
    const first = await t.rest('POST', '/clients?__tz=Europe/Berlin', body, keyed(key));
    const same = await t.rest('POST', '/api/clients', { ...body, __tz: 'Europe/Berlin' }, keyed(key));
    const other = await t.rest('POST', '/clients?__tz=Asia/Tokyo', body, keyed(key));
    const rpc = await t.rpc('clients.create', { ...body, __tz: 'Europe/Berlin' }, keyed(key));
    expect([first.status, replayed(first), same.status, replayed(same), same.text]).toEqual([200, undefined, 200, 'true', first.text]);
    expect([other.status, replayed(other), other.body]).toEqual([422, undefined, reused('other params')]);
    expect([replayed(rpc), rpc.body.result]).toEqual(['true', first.body]);
    const decimals = await t.rest('POST', '/clients?__tz=Europe/Berlin&__decimals=string', body, keyed(key));
    expect([decimals.status, decimals.body]).toEqual([422, reused('other params')]);
    expect(await clientsNamed('Zoned Keyed')).toBe(1);
  });

  it('concurrent duplicates of a keyed prepaid charge book it exactly once; every other answer is its replay', async () => {
    const client = await aClient(t, { currencies_id: usd.id });
    await t.rest('POST', '/accounting/transactions', { clients_id: client.id, type: 'payment', amount: '100' });
    const key = newKey();
    const charge = { clients_id: client.id, type: 'charge', amount: '-30' };
    const replies = await Promise.all(Array.from({ length: 12 }, () => t.rest('POST', '/accounting/transactions/prepaid', charge, keyed(key))));
    expect(replies.map((reply) => reply.status)).toEqual(Array(12).fill(200));
    expect(new Set(replies.map((reply) => reply.text)).size).toBe(1);
    expect(replies.filter((reply) => replayed(reply) === 'true').length).toBe(11);
    const booked = await t.rest('GET', `/accounting/transactions?clients_id=${client.id}&limit=100`);
    expect((booked.body as { type: string; amount: number }[]).map((row) => [row.type, row.amount]).sort()).toEqual([
      ['charge', -30],
      ['payment', 100],
    ]);
    expect((await t.rest('GET', `/clients/${client.id}`)).body.balance).toBe(70);
  });

  it('handler errors render on REST exactly as before: 404 not found, 400 invalid params, 422 business refusal', async () => {
    const missing = await t.rest('GET', '/clients/999999');
    const missingRpc = await t.rpc('clients.get', { id: 999999 });
    expect([missing.status, missing.text, missingRpc.body.error]).toEqual([
      404,
      '{"error":{"message":"not_found: clients #999999 not found","data":{"code":"not_found","object_name":"clients","object_id":"999999"}}}',
      { code: -32004, ...missing.body.error },
    ]);
    const invalid = await t.rest('GET', '/clients/abc');
    const invalidRpc = await t.rpc('clients.get', { id: 'abc' });
    expect([invalid.status, invalid.body.error.message, invalidRpc.body.error]).toEqual([400, 'Invalid params', { code: -32602, ...invalid.body.error }]);
    const client = await aClient(t, { currencies_id: usd.id });
    const refused = await t.rest('POST', '/accounting/transactions/prepaid', { clients_id: client.id, type: 'charge', amount: '-10' });
    const rpc = await t.rpc('accounting.transactions.create_no_negative', { clients_id: client.id, type: 'charge', amount: '-10' });
    expect([refused.status, refused.body.error.data.code, rpc.body.error]).toEqual([422, 'low-balance', { code: -32000, ...refused.body.error }]);
  });

  it('an invoice PDF is still sent over REST as a file, byte for byte the base64 JSON-RPC answers', async () => {
    const client = await aClient(t, { currencies_id: usd.id, credit_unlimited: true });
    await aTransaction(t, { clients_id: client.id, type: 'charge', amount: '-12.5', dt: '2026-03-10 00:00:00' });
    const invoice = (await t.rpc('accounting.invoices.create', { clients_id: client.id, start_dt: '2026-03-01', end_dt: '2026-04-01' })).body.result;
    const path = `/accounting/invoices/${invoice.id}/pdf`;
    const file = await request(t.app.getHttpServer())
      .get(path)
      .set('X-Api-Key', ADMIN_KEY)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
    const rpc = await t.rpc('accounting.invoices.pdf', { id: invoice.id });
    const bytes = Buffer.from(rpc.body.result.content_base64, 'base64');
    expect([file.status, file.headers['content-type'], file.headers['content-disposition'], file.headers['content-length']]).toEqual([
      200,
      'application/pdf',
      `attachment; filename="invoice-${invoice.number}.pdf"`,
      String(bytes.length),
    ]);
    expect([(file.body as Buffer).subarray(0, 5).toString('latin1'), (file.body as Buffer).equals(bytes)]).toEqual(['%PDF-', true]);
  });

  it('a search sets X-Has-More and Link on GET, and HEAD answers the same headers with no body', async () => {
    for (const name of ['Paged A', 'Paged B', 'Paged C']) await aClient(t, { currencies_id: usd.id, name });
    const path = '/clients?q=Paged&order=name&limit=2';
    const first = await t.rest('GET', path);
    expect([first.status, (first.body as { name: string }[]).map((c) => c.name), first.headers['x-has-more'], first.headers.link]).toEqual([
      200,
      ['Paged A', 'Paged B'],
      'true',
      '</clients?q=Paged&order=name&limit=2&offset=2>; rel="next"',
    ]);
    const head = await request(t.app.getHttpServer()).head(path).set('X-Api-Key', ADMIN_KEY);
    expect([head.status, head.headers['x-has-more'], head.headers.link, head.headers['content-type'], head.text]).toEqual([
      200,
      'true',
      first.headers.link,
      first.headers['content-type'],
      undefined,
    ]);
  });
});

describe(`Two applications in one process on ${DATABASE_KIND} / ${HTTP_ADAPTER}`, () => {
  it('each answers REST from its own RestAnswers: its own database, its own keys', async () => {
    const [one, two] = [await startTestApp(), await startTestApp()];
    try {
      const [usdOne, usdTwo] = [await aCurrency(one, 'USD'), await aCurrency(two, 'EUR')];
      const key = 'shared-key-across-apps';
      const a = await one.rest('POST', '/clients', { name: 'In One', currencies_id: usdOne.id }, { headers: { 'Idempotency-Key': key } });
      const b = await two.rest('POST', '/clients', { name: 'In Two', currencies_id: usdTwo.id }, { headers: { 'Idempotency-Key': key } });
      expect([a.status, a.headers['idempotent-replayed'], b.status, b.headers['idempotent-replayed']]).toEqual([200, undefined, 200, undefined]);
      const names = async (t: TestApp) => ((await t.rest('GET', '/clients?limit=100')).body as { name: string }[]).map((c) => c.name);
      expect([await names(one), await names(two)]).toEqual([['In One'], ['In Two']]);
      const currencies = async (t: TestApp) => ((await t.rest('GET', '/accounting/currencies')).body as { name: string }[]).map((c) => c.name);
      expect([await currencies(one), await currencies(two)]).toEqual([['USD'], ['EUR']]);
    } finally {
      await one.close();
      await two.close();
    }
  });
});
