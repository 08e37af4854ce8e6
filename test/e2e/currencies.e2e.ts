import { startTestApp, TestApp } from '../support/test-app';

/** The REST answer and the JSON-RPC answer of one method, reduced to what both must share. */
function outcome(reply: { status: number; body: any }, protocol: 'rest' | 'rpc') {
  if (protocol === 'rest') {
    return reply.status === 200 ? { result: reply.body } : { message: reply.body.error.message, data: reply.body.error.data };
  }
  return reply.body.error ? { message: reply.body.error.message, data: reply.body.error.data } : { result: reply.body.result };
}

describe('accounting.currencies over REST and JSON-RPC', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  /** Sends the same call both ways; expects the same outcome, REST status and JSON-RPC code as given. */
  async function parity(
    rpc: [string, object],
    rest: [verb: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: object],
    expected: { status: number; code?: number },
  ) {
    const viaRest = await t.rest(rest[0], rest[1], rest[2]);
    const viaRpc = await t.rpc(rpc[0], rpc[1]);
    expect(viaRest.status).toBe(expected.status);
    expect(viaRpc.status).toBe(200);
    expect(viaRpc.body.error?.code).toBe(expected.code);
    expect(outcome(viaRpc, 'rpc')).toEqual(outcome(viaRest, 'rest'));
    return outcome(viaRest, 'rest');
  }

  it('creates with the documented defaults, the same way over both protocols', async () => {
    const viaRest = await t.rest('POST', '/accounting/currencies', { name: 'USD', description: 'US dollar' });
    const viaRpc = await t.rpc('accounting.currencies.create', { name: 'EUR', description: 'US dollar' });
    expect(viaRest.status).toBe(200);
    expect(viaRest.body).toEqual({
      id: 1,
      name: 'USD',
      description: 'US dollar',
      rates_precision: 4,
      details_precision: 4,
      totals_precision: 2,
      c_dt: viaRest.body.c_dt,
    });
    expect(viaRpc.body.result).toEqual({ ...viaRest.body, id: 2, name: 'EUR', c_dt: viaRpc.body.result.c_dt });
    const custom = await t.rpc('accounting.currencies.create', {
      name: 'BTC',
      rates_precision: 8,
      details_precision: 8,
      totals_precision: 8,
    });
    expect(custom.body.result).toMatchObject({ id: 3, name: 'BTC', description: null, rates_precision: 8, totals_precision: 8 });
  });

  it('gets the same object both ways', async () => {
    const result = await parity(['accounting.currencies.get', { id: 1 }], ['GET', '/accounting/currencies/1'], { status: 200 });
    expect(result).toEqual({ result: expect.objectContaining({ id: 1, name: 'USD' }) });
  });

  it('searches the same list both ways', async () => {
    const result = await parity(['accounting.currencies.search', { order: ['-name'] }], ['GET', '/accounting/currencies?order=-name'], {
      status: 200,
    });
    expect(result.result.map((c: { name: string }) => c.name)).toEqual(['USD', 'EUR', 'BTC']);
  });

  it('updates only the fields sent and answers rows affected', async () => {
    await parity(['accounting.currencies.update', { id: 2, description: 'Euro' }], ['PATCH', '/accounting/currencies/2', { description: 'Euro' }], {
      status: 200,
    });
    const updated = await t.rest('GET', '/accounting/currencies/2');
    expect(updated.body).toMatchObject({ id: 2, name: 'EUR', description: 'Euro', rates_precision: 4 });
    expect((await t.rpc('accounting.currencies.update', { id: 2, description: null })).body.result).toBe(1);
    expect((await t.rest('GET', '/accounting/currencies/2')).body.description).toBeNull();
  });

  it('refuses a second currency with the same code (422 currencies-name-taken)', async () => {
    const result = await parity(['accounting.currencies.create', { name: 'USD' }], ['POST', '/accounting/currencies', { name: 'USD' }], {
      status: 422,
      code: -32000,
    });
    expect(result).toEqual({
      message: 'currencies-name-taken: a currency named USD already exists',
      data: { code: 'currencies-name-taken', message: 'a currency named USD already exists' },
    });
    const rename = await parity(
      ['accounting.currencies.update', { id: 2, name: 'USD' }],
      ['PATCH', '/accounting/currencies/2', { name: 'USD' }],
      { status: 422, code: -32000 },
    );
    expect(rename.data.code).toBe('currencies-name-taken');
  });

  it('answers validation errors as a field map, the same both ways', async () => {
    const result = await parity(
      ['accounting.currencies.create', { name: 'usd', rates_precision: 11, colour: 'red' }],
      ['POST', '/accounting/currencies', { name: 'usd', rates_precision: 11, colour: 'red' }],
      { status: 400, code: -32602 },
    );
    expect(result).toEqual({ message: 'Invalid params', data: { colour: 'is not allowed' } });
    const fields = await parity(
      ['accounting.currencies.create', { name: 'usd', rates_precision: 11, description: 5 }],
      ['POST', '/accounting/currencies', { name: 'usd', rates_precision: 11, description: 5 }],
      { status: 400, code: -32602 },
    );
    expect(fields.data).toEqual({
      name: 'must be an ISO 4217 code: three capital letters, e.g. USD',
      rates_precision: 'must not be greater than 10',
      description: 'must be a string',
    });
    const missing = await parity(['accounting.currencies.create', {}], ['POST', '/accounting/currencies', {}], {
      status: 400,
      code: -32602,
    });
    expect(missing.data).toEqual({ name: 'is required' });
    const badId = await parity(['accounting.currencies.get', { id: 'abc' }], ['GET', '/accounting/currencies/abc'], {
      status: 400,
      code: -32602,
    });
    expect(badId.data).toEqual({ id: 'must be an integer' });
  });

  it('answers a REST body that is not an object with 400', async () => {
    const res = await t.rest('POST', '/accounting/currencies', [1, 2] as unknown as object);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { message: 'Invalid params', data: { body: 'must be a JSON object' } } });
    const bigNumber = await t.rawRest('POST', '/accounting/currencies', '12345678901234567890');
    expect(bigNumber.body).toEqual({ error: { message: 'Invalid params', data: { body: 'must be a JSON object' } } });
    const broken = await t.rawRest('POST', '/accounting/currencies', '{"name": "USD"');
    expect(broken.status).toBe(400);
    expect(broken.body).toEqual({ error: { message: 'Invalid params', data: { body: 'is not valid JSON' } } });
  });

  it('answers unknown ids with 404 / -32004 and the same body', async () => {
    for (const [rpc, rest] of [
      [['accounting.currencies.get', { id: 99 }], ['GET', '/accounting/currencies/99']],
      [['accounting.currencies.update', { id: 99, description: 'x' }], ['PATCH', '/accounting/currencies/99', { description: 'x' }]],
      [['accounting.currencies.delete', { id: 99 }], ['DELETE', '/accounting/currencies/99']],
    ] as const) {
      const result = await parity(rpc as [string, object], rest as ['GET', string], { status: 404, code: -32004 });
      expect(result).toEqual({
        message: 'not_found: currencies #99 not found',
        data: { code: 'not_found', object_name: 'currencies', object_id: '99' },
      });
    }
  });

  it('deletes, answering rows affected, then no longer finds it', async () => {
    expect((await t.rest('DELETE', '/accounting/currencies/3')).body).toBe(1);
    expect((await t.rpc('accounting.currencies.delete', { id: 2 })).body.result).toBe(1);
    await parity(['accounting.currencies.delete', { id: 3 }], ['DELETE', '/accounting/currencies/3'], { status: 404, code: -32004 });
    expect((await t.rpc('accounting.currencies.search', {})).body.result.map((c: { id: number }) => c.id)).toEqual([1]);
  });

  it('answers every route under /api/ too', async () => {
    const res = await t.rest('GET', '/api/accounting/currencies/1');
    expect(res.body).toMatchObject({ id: 1, name: 'USD' });
  });

  it('renders c_dt in the zone asked with __tz, in the query or in params', async () => {
    await t.dataSource.query(`UPDATE currencies SET c_dt = '2026-01-15 14:30:00' WHERE id = 1`);
    const utc = await t.rest('GET', '/accounting/currencies/1');
    const newYork = await t.rest('GET', '/accounting/currencies/1?__tz=America/New_York');
    const kolkata = await t.rpc('accounting.currencies.get', { id: 1, __tz: 'Asia/Kolkata' });
    expect(utc.body.c_dt).toBe('2026-01-15T14:30:00+00:00');
    expect(newYork.body.c_dt).toBe('2026-01-15T09:30:00-05:00');
    expect(kolkata.body.result.c_dt).toBe('2026-01-15T20:00:00+05:30');
    const bad = await parity(['accounting.currencies.get', { id: 1, __tz: 'Mars/Olympus' }], ['GET', '/accounting/currencies/1?__tz=Mars/Olympus'], {
      status: 400,
      code: -32602,
    });
    expect(bad.data).toEqual({ __tz: 'must be an IANA time zone name such as America/New_York' });
  });

  it('answers an unexpected failure with a bare 500 / -32603, revealing nothing', async () => {
    await t.dataSource.query('ALTER TABLE currencies RENAME TO currencies_gone');
    try {
      const viaRest = await t.rest('GET', '/accounting/currencies/1');
      const viaRpc = await t.rpc('accounting.currencies.get', { id: 1 });
      expect(viaRest.status).toBe(500);
      expect(viaRest.body).toEqual({ error: { message: 'Internal error', data: { code: 'internal-error' } } });
      expect(viaRpc.status).toBe(200);
      expect(viaRpc.body).toEqual({ jsonrpc: '2.0', id: 1, error: { code: -32603, message: 'Internal error', data: { code: 'internal-error' } } });
      const failures = t.logs.filter((line) => line.level === 'error');
      expect(failures.map((line) => [line.msg, line.request_id])).toEqual([
        ['Unexpected failure in GET /accounting/currencies/1', viaRest.headers['x-request-id']],
        ['Unexpected failure in accounting.currencies.get', viaRpc.headers['x-request-id']],
      ]);
      expect(failures[0].error).toContain('currencies');
    } finally {
      await t.dataSource.query('ALTER TABLE currencies_gone RENAME TO currencies');
    }
  });
});
