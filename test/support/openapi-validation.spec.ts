import { documentProblems, Exchange } from './openapi-validation';

const CURRENCY = { id: 1, name: 'USD', description: null, rates_precision: 4, details_precision: 4, totals_precision: 2, c_dt: '2026-11-25T09:30:00+00:00' };
const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'r1', etag: 'W/"5-abc"' };

function exchange(fields: Partial<Exchange>): Exchange {
  const replyBody = fields.replyBody ?? CURRENCY;
  return {
    verb: 'GET',
    url: '/accounting/currencies/1',
    headers: {},
    status: 200,
    replyHeaders: JSON_HEADERS,
    replyBody,
    replyText: JSON.stringify(replyBody),
    ...fields,
  };
}

// The checker the e2e suites run every exchange through: it must catch what it is there to catch.
describe('the API documents checker', () => {
  it('passes a documented answer, under /api/ too', () => {
    expect(documentProblems(exchange({}))).toEqual([]);
    expect(documentProblems(exchange({ url: '/api/accounting/currencies/1?__tz=UTC' }))).toEqual([]);
  });

  it('catches an undocumented status, a body off its schema, a missing X-Request-Id and an undocumented API header', () => {
    expect(documentProblems(exchange({ status: 409 }))).toEqual([
      'GET /accounting/currencies/1 → 409: status 409 is not documented (documented: 200, 304, 400, 401, 404, 500, 503)',
    ]);
    expect(documentProblems(exchange({ replyBody: { ...CURRENCY, rates_precision: '4' } }))[0]).toContain('rates_precision');
    expect(documentProblems(exchange({ replyHeaders: { 'content-type': 'application/json' } }))).toEqual([
      'GET /accounting/currencies/1 → 200: header X-Request-Id is documented as always sent, and is missing',
    ]);
    expect(documentProblems(exchange({ replyHeaders: { ...JSON_HEADERS, 'x-has-more': 'true' } }))).toEqual([
      'GET /accounting/currencies/1 → 200: header x-has-more is sent and not documented for 200',
    ]);
  });

  it('checks the request of a 2xx (query, path, body) and not that of a 400', () => {
    expect(documentProblems(exchange({ url: '/accounting/currencies/1?color=red' }))).toEqual([
      'GET /accounting/currencies/1?color=red → 200: query parameter color is not documented',
    ]);
    expect(documentProblems(exchange({ url: '/accounting/currencies?id=1,2&id=3&order=-id', replyBody: [CURRENCY] }))).toEqual([]);
    const create = { verb: 'POST', url: '/accounting/currencies', replyBody: CURRENCY };
    expect(documentProblems(exchange({ ...create, body: '{"name":"USD","rates_precision":"x"}' }))[0]).toContain('request body');
    expect(documentProblems(exchange({ ...create, body: '{"name":"USD"}', headers: { 'Idempotency-Key': 'k1' } }))).toEqual([]);
    const refused = { error: { message: 'Invalid params', data: { rates_precision: 'must be an integer' } } };
    expect(documentProblems(exchange({ ...create, body: '{"name":"USD","rates_precision":"x"}', status: 400, replyBody: refused }))).toEqual([]);
  });

  it('checks a JSON-RPC result against its method, and the call against its params', () => {
    const rpc = (call: object, answer: object) =>
      documentProblems(exchange({ verb: 'POST', url: '/', body: JSON.stringify(call), replyBody: answer }));
    const call = { jsonrpc: '2.0', id: 7, method: 'accounting.currencies.get', params: { id: 1 } };
    expect(rpc(call, { jsonrpc: '2.0', id: 7, result: CURRENCY })).toEqual([]);
    expect(rpc(call, { jsonrpc: '2.0', id: 7, result: { ...CURRENCY, name: 3 } })[0]).toContain('result of accounting.currencies.get');
    expect(rpc({ ...call, params: { id: 1, extra: true } }, { jsonrpc: '2.0', id: 7, result: CURRENCY })[0]).toContain(
      'call accounting.currencies.get (id 7)',
    );
  });

  it('flags a route the document lacks only when the server served it', () => {
    expect(documentProblems(exchange({ url: '/nowhere', status: 200 }))).toEqual(['GET /nowhere → 200: the document has no operation for GET /nowhere']);
    expect(documentProblems(exchange({ url: '/nowhere', status: 404, replyBody: { error: { message: 'x' } } }))).toEqual([]);
    expect(documentProblems(exchange({ url: '/docs/json', status: 200 }))).toEqual([]);
  });
});
