import { JSONRPCClient, JSONRPCErrorException, type JSONRPCRequest, type JSONRPCResponse } from 'json-rpc-2.0';
import { ADMIN_KEY, startTestApp, TestApp } from '../support/test-app';

/** Who calls: the administrator's key unless another (or none: null) is given. */
type Caller = { key: string | null };

/** What a rejected call of the client carries. */
const failure = async (call: PromiseLike<unknown>) => {
  try {
    await call;
  } catch (error) {
    if (error instanceof JSONRPCErrorException) return { code: error.code, message: error.message, data: error.data as unknown };
    return { thrown: String(error) };
  }
  throw new Error('the call succeeded');
};

// An integrator's view of the JSON-RPC API: json-rpc-2.0's JSONRPCClient (from npm) over HTTP against a
// listening server drives the REST client suite's scenario, with a batch, a notification, errors and
// __decimals=string. Its transport hands every answer to the client whatever the HTTP status, so the
// -32005 of an HTTP 401 is read as the JSON-RPC error it is (README: "JSON-RPC clients and HTTP 401").
describe('a standard JSON-RPC client (json-rpc-2.0)', () => {
  let t: TestApp;
  let url: string;
  let client: JSONRPCClient<Caller | void>;
  /** Every request the transport sent: a notification is awaited through it. */
  const sent: Promise<void>[] = [];

  const post = (request: unknown, caller: Caller | void) =>
    fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(caller?.key !== null && { 'X-Api-Key': caller?.key ?? ADMIN_KEY }) },
      body: JSON.stringify(request),
    });

  beforeAll(async () => {
    t = await startTestApp({ BILLING_TICK_SECONDS: '0' });
    await t.app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(t.app.getHttpServer().address() as { port: number }).port}/`;
    client = new JSONRPCClient<Caller | void>((request, caller) => {
      const sending = post(request, caller).then(async (response) => {
        // Whatever the status: a 401 carries its -32005; 204 (only notifications) carries nothing.
        const text = await response.text();
        if (text) client.receive(JSON.parse(text) as JSONRPCResponse | JSONRPCResponse[]);
      });
      sent.push(sending);
      return sending;
    });
  });
  afterAll(() => t.close());

  it('creates currencies, a client, a payment and prepaid charges, searches, converts, and reads errors', async () => {
    const usd = await client.request('accounting.currencies.create', { name: 'USD', description: 'US dollar' });
    expect(usd).toEqual({ id: 1, name: 'USD', description: 'US dollar', rates_precision: 4, details_precision: 4, totals_precision: 2, c_dt: expect.any(String) });
    const eur = await client.request('accounting.currencies.create', { name: 'EUR' });
    expect(eur.id).toBe(2);

    const created = await client.request('clients.create', { name: 'Acme', currencies_id: usd.id, credit: '100.00', email: 'noc@acme.example' });
    expect(created).toMatchObject({ name: 'Acme', status: 'active', currencies_id: usd.id, credit: 100, credit_unlimited: false, balance: 0 });
    const id: number = created.id;

    const payment = await client.request('accounting.transactions.create', {
      clients_id: id,
      type: 'payment',
      amount: '25.50',
      external_id: 'bank-2026-0001',
      dt: '2026-11-02T10:00:00Z',
    });
    expect(payment).toMatchObject({ clients_id: id, type: 'payment', amount: 25.5, currencies_id: usd.id, client_amount: 25.5, rate: 1, external_id: 'bank-2026-0001' });
    const charge = await client.request('accounting.transactions.create_no_negative', { clients_id: id, type: 'charge', amount: '-120.25', dt: '2026-11-03T10:00:00Z' });
    expect(charge).toMatchObject({ type: 'charge', amount: -120.25, client_amount: -120.25 });
    expect(await failure(client.request('accounting.transactions.create_no_negative', { clients_id: id, type: 'charge', amount: '-5.26' }))).toEqual({
      code: -32000,
      message: `low-balance: client #${id} has 5.25 available, 5.26 needed`,
      data: { code: 'low-balance', message: `client #${id} has 5.25 available, 5.26 needed` },
    });

    const found = await client.request('clients.search', { q: 'acm*', status: ['active'], currencies_id: [usd.id] });
    expect(found.map((row: { id: number; name: string; balance: number }) => [row.id, row.name, row.balance])).toEqual([[id, 'Acme', -94.75]]);

    const rate = await client.request('accounting.currencies.rates.create', {
      currencies_id: eur.id,
      to_currencies_id: usd.id,
      rate: '1.0825',
      effective_from: '2026-01-01T00:00:00Z',
    });
    expect(rate).toMatchObject({ currencies_id: eur.id, to_currencies_id: usd.id, rate: 1.0825, effective_from: '2026-01-01T00:00:00+00:00' });
    expect(await client.request('accounting.currencies.get_rate', { from: 'EUR', to: 'USD', dt: '2026-11-25T09:30:00Z' })).toEqual({
      rate: 1.0825,
      effective_from: '2026-01-01T00:00:00+00:00',
      currencies_id: eur.id,
      to_currencies_id: usd.id,
    });
    const converted = await client.request('accounting.transactions.create', { clients_id: id, type: 'payment', amount: '10', currencies_id: eur.id });
    expect(converted).toMatchObject({ amount: 10, currencies_id: eur.id, client_amount: 10.825, rate: 1.0825 });

    // A notification: executed, never answered.
    client.notify('clients.update', { id, credit: '123456789012.12345678', notes: 'raised by a notification' });
    await Promise.all(sent);

    // A batch mixing both forms of decimals, a notification and a failing call; each call answered by its id.
    const batch: JSONRPCRequest[] = [
      { jsonrpc: '2.0', id: 11, method: 'clients.get', params: { id, __decimals: 'string' } },
      { jsonrpc: '2.0', id: 12, method: 'clients.get', params: { id } },
      { jsonrpc: '2.0', method: 'clients.update', params: { id, notes: 'batched' } },
      { jsonrpc: '2.0', id: 13, method: 'accounting.transactions.search', params: { clients_id: [id], order: ['-id'], __decimals: 'string' } },
      { jsonrpc: '2.0', id: 14, method: 'clients.get', params: { id: 999999 } },
      { jsonrpc: '2.0', id: 15, method: 'clients.get', params: { id, __decimals: 'exact' } },
    ];
    const answers = await client.requestAdvanced(batch);
    expect(answers.map((answer) => answer.id)).toEqual([11, 12, 13, 14, 15]);
    expect(answers[0].result).toMatchObject({ credit: '123456789012.12345678', balance: '-83.925', notes: 'raised by a notification' });
    expect(answers[1].result).toMatchObject({ credit: 123456789012.12346, balance: -83.925 });
    expect(answers[2].result.map((row: { amount: string; client_amount: string; rate: string }) => [row.amount, row.client_amount, row.rate])).toEqual([
      ['10', '10.825', '1.0825'],
      ['-120.25', '-120.25', '1'],
      ['25.5', '25.5', '1'],
    ]);
    expect(answers[3].error).toEqual({
      code: -32004,
      message: 'not_found: clients #999999 not found',
      data: { code: 'not_found', object_name: 'clients', object_id: '999999' },
    });
    expect(answers[4].error).toEqual({ code: -32602, message: 'Invalid params', data: { __decimals: 'must be string or number' } });
    expect((await client.request('clients.get', { id, __decimals: 'string' })).notes).toBe('batched');

    // Errors as JSONRPCErrorException, with code, message and data.
    expect(await failure(client.request('clients.get', { id: 999999 }))).toEqual({
      code: -32004,
      message: 'not_found: clients #999999 not found',
      data: { code: 'not_found', object_name: 'clients', object_id: '999999' },
    });
    expect(await failure(client.request('accounting.transactions.create', { clients_id: id, type: 'payment', amount: '25.505.1' }))).toEqual({
      code: -32602,
      message: 'Invalid params',
      data: { amount: 'must be a decimal number, e.g. 10.25 or "10.25"' },
    });
    expect(await failure(client.request('accounting.currencies.delete', { id: usd.id }))).toMatchObject({ code: -32000, data: { code: 'currencies-in-use' } });
    expect(await failure(client.request('clients.nothing', {}))).toEqual({ code: -32601, message: 'Method not found', data: undefined });
  });

  it('reads the -32005 of an HTTP 401 as a JSON-RPC error, with its data', async () => {
    for (const key of ['not-a-key', null]) {
      const reply = await post({ jsonrpc: '2.0', id: 1, method: 'clients.get', params: { id: 1 } }, { key });
      expect(reply.status).toBe(401);
      expect(await failure(client.request('clients.get', { id: 1 }, { key }))).toEqual({
        code: -32005,
        message: 'utoken-auth-failed: Authentication failed: a valid X-Api-Key header is required',
        data: { code: 'utoken-auth-failed', message: 'Authentication failed: a valid X-Api-Key header is required' },
      });
    }
    // A public method needs no caller: answered 200 even with a wrong key.
    expect((await client.request('rpc.discover', {}, { key: 'not-a-key' })).openrpc).toBe('1.3.2');
  });

  it("sees only the HTTP status with the transport of json-rpc-2.0's README, which refuses any status but 200", async () => {
    const strict: JSONRPCClient<Caller> = new JSONRPCClient<Caller>((request, caller) =>
      post(request, caller).then((response) => {
        if (response.status === 200) return response.json().then((answer) => strict.receive(answer as JSONRPCResponse));
        if (request.id !== undefined) return Promise.reject(new Error(response.statusText));
      }),
    );
    expect(await failure(strict.request('clients.get', { id: 1 }, { key: 'not-a-key' }))).toEqual({ code: 0, message: 'Unauthorized', data: undefined });
  });
});
