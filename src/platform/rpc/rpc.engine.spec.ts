import type { Idempotency } from '../idempotency/idempotency';
import 'reflect-metadata';
import type { Type } from '@nestjs/common';
import type { HttpRequest } from '../http/http-adapter';
import { loadConfig } from '../../config/config';
import type { ApiMethodOptions } from '../api/api-method.types';
import { IdParams, NoParams } from '../api/common-params';
import { ResultField } from '../api/fields';
import type { MethodRegistry, RegisteredMethod } from '../api/method-registry';
import { ResultPresenter } from '../api/result-presenter';
import type { Authenticator } from '../auth/authenticator';
import type { Principal } from '../auth/principal';
import { RequestContexts } from '../context/request-context';
import type { Database } from '../database/database';
import { AuthenticationFailed, BusinessRuleViolation, NotFound, TooManyRequests, ServiceUnavailable } from '../errors/domain-error';
import { SearchParams } from '../search/search-params';
import { UNLIMITED } from '../tenancy/reseller-reach';
import { ExactNumber } from '../http/exact-number';
import Decimal from '../money/decimal';
import { TimeZones } from '../time/time-zones';
import { RpcEngine, RpcReply } from './rpc.engine';
import { RowsInFlight } from '../api/rows-in-flight';

/** The result class of the fake methods: only declared fields leave the server. */
class Thing {
  @ResultField({ type: 'integer' })
  id: number;

  @ResultField({ type: 'string', format: 'date-time' })
  created: Date;
}

const CREATED = new Date('2026-01-15T12:00:00Z');
const thing = (id: number) => ({ id, created: CREATED, secret: 'never sent' });

const ALICE: Principal = {
  kind: 'user',
  userId: 7,
  login: 'alice',
  resellersId: null,
  reach: UNLIMITED,
  timezone: null,
  scheme: 'api-key',
};

type Invoke = jest.Mock<Promise<unknown>, [object]>;

function method(rpc: string, options: Partial<ApiMethodOptions>, paramsType: Type<object>, invoke: Invoke): RegisteredMethod {
  return {
    options: { rpc, http: `POST /${rpc}`, summary: rpc, result: { type: 'object' }, ...options },
    verb: 'POST',
    path: `/${rpc}`,
    paramsType,
    source: `FakeController.${rpc}`,
    invoke,
  };
}

interface Setup {
  engine: RpcEngine;
  invoked: Record<'ping' | 'get' | 'search' | 'refuse' | 'crash' | 'throttled' | 'throttledLonger' | 'unavailable', Invoke>;
  authenticate: jest.Mock<Promise<Principal>, [HttpRequest]>;
  units: jest.Mock;
  /** things.find answers many ids at once: ids 1–99 exist, 404 for the rest. */
  findMany: jest.Mock<Promise<unknown[]>, [number[]]>;
}

function setup(options: { authFails?: boolean; env?: Record<string, string> } = {}): Setup {
  const config = loadConfig(options.env ?? {});
  const invoked = {
    ping: jest.fn<Promise<unknown>, [object]>(async () => 'pong'),
    get: jest.fn<Promise<unknown>, [object]>(async (params: object) => thing((params as IdParams).id)),
    search: jest.fn<Promise<unknown>, [object]>(async (params: object) => [thing(1), thing((params as SearchParams).limit)]),
    refuse: jest.fn<Promise<unknown>, [object]>(async () => {
      throw new BusinessRuleViolation('things-in-use', 'thing #1 is in use', { thing: 1 });
    }),
    crash: jest.fn<Promise<unknown>, [object]>(async () => {
      throw new Error('connection string with a password in it');
    }),
    throttled: jest.fn<Promise<unknown>, [object]>(async () => {
      throw new TooManyRequests(30);
    }),
    throttledLonger: jest.fn<Promise<unknown>, [object]>(async () => {
      throw new TooManyRequests(60);
    }),
    unavailable: jest.fn<Promise<unknown>, [object]>(async () => {
      throw new ServiceUnavailable();
    }),
  };
  const findMany = jest.fn(async (ids: number[]) => ids.map((id) => (id < 100 ? thing(id) : new NotFound('things', id))));
  const find = { ...method('things.find', { result: Thing, many: 'findMany' }, IdParams, invoked.get), invokeMany: findMany };
  const methods = new Map<string, RegisteredMethod>([
    ['things.find', find],
    ['things.ping', method('things.ping', { public: true, result: { type: 'string' } }, NoParams, invoked.ping)],
    ['things.get', method('things.get', { result: Thing }, IdParams, invoked.get)],
    ['things.search', method('things.search', { result: [Thing] }, SearchParams, invoked.search)],
    ['things.refuse', method('things.refuse', {}, NoParams, invoked.refuse)],
    ['things.crash', method('things.crash', {}, NoParams, invoked.crash)],
    ['things.throttled', method('things.throttled', { public: true }, NoParams, invoked.throttled)],
    ['things.throttled-longer', method('things.throttled-longer', { public: true }, NoParams, invoked.throttledLonger)],
    ['things.unavailable', method('things.unavailable', { public: true }, NoParams, invoked.unavailable)],
  ]);
  const registry = { find: (name: string) => methods.get(name) } as unknown as MethodRegistry;
  const authenticate = jest.fn(async (_request: HttpRequest): Promise<Principal> => {
    if (options.authFails) throw new AuthenticationFailed();
    return ALICE;
  });
  const authenticator: Authenticator = { authenticate };
  const units = jest.fn(<T>(fn: () => Promise<T>) => fn());
  const db = { unit: units } as unknown as Database;
  const timeZones = new TimeZones(config);
  const engine = new RpcEngine(config, registry, authenticator, new ResultPresenter(timeZones), timeZones, db, new RowsInFlight(config), {} as Idempotency);
  return { engine, invoked, authenticate, units, findMany };
}

const REQUEST = { headers: {} } as HttpRequest;

/** Runs one HTTP request's body through the engine, in a request context as the middleware makes it. */
/** The reply as written, its rows given back (as the controller does once it is sent). */
async function handle(engine: RpcEngine, body: unknown): Promise<RpcReply> {
  const { release, ...reply } = await RequestContexts.run({ requestId: 'r', unit: Symbol('r') }, () => engine.handle(body, REQUEST));
  release?.();
  return reply;
}

const call = (id: number | string | null, method: string, params?: unknown) => ({
  jsonrpc: '2.0',
  id,
  method,
  ...(params !== undefined && { params }),
});
const notify = (method: string, params?: unknown) => ({ jsonrpc: '2.0', method, ...(params !== undefined && { params }) });

const INVALID_REQUEST = { code: -32600, message: 'Invalid Request' };
const AUTH_FAILED = {
  code: -32005,
  message: 'utoken-auth-failed: Authentication failed: a valid X-Api-Key header is required',
  data: { code: 'utoken-auth-failed', message: 'Authentication failed: a valid X-Api-Key header is required' },
};

describe('RpcEngine', () => {
  describe('single calls', () => {
    it('answers a call with its shaped result, rendered in the default zone', async () => {
      const { engine, invoked, units } = setup();
      const reply = await handle(engine, call(1, 'things.get', { id: 5 }));
      expect(reply).toEqual({
        status: 200,
        headers: {},
        body: { jsonrpc: '2.0', id: 1, result: { id: 5, created: '2026-01-15T12:00:00+00:00' } },
      });
      expect(invoked.get).toHaveBeenCalledTimes(1);
      expect(invoked.get.mock.calls[0][0]).toBeInstanceOf(IdParams);
      expect(invoked.get.mock.calls[0][0]).toEqual({ id: 5 });
      expect(units).toHaveBeenCalledTimes(1);
    });

    it('keeps a string id as sent and reads each call’s own __tz', async () => {
      const { engine } = setup();
      const reply = await handle(engine, call('abc', 'things.get', { id: 5, __tz: 'America/New_York' }));
      expect(reply.body).toEqual({ jsonrpc: '2.0', id: 'abc', result: { id: 5, created: '2026-01-15T07:00:00-05:00' } });
    });

    it('echoes an integer id beyond 2^53 exactly, and refuses a fractional one a float cannot hold', async () => {
      const { engine } = setup();
      const big = await handle(engine, { jsonrpc: '2.0', id: new ExactNumber('9007199254740993'), method: 'things.ping' });
      const body = big.body as { id: unknown; result: unknown };
      expect(body.id).toBeInstanceOf(Decimal);
      expect((body.id as Decimal).toFixed()).toBe('9007199254740993');
      expect(body.result).toBe('pong');
      const fraction = await handle(engine, { jsonrpc: '2.0', id: new ExactNumber('1.00000000000000001'), method: 'things.ping' });
      expect(fraction.body).toEqual({ jsonrpc: '2.0', id: null, error: INVALID_REQUEST });
    });

    it('records the called method names in the request context', async () => {
      const { engine } = setup();
      const context = { requestId: 'r', unit: Symbol('r') } as { requestId: string; unit: symbol; rpcMethods?: string[] };
      await RequestContexts.run(context, () => engine.handle([call(1, 'things.ping'), { jsonrpc: '2.0' }, notify('nope')], REQUEST));
      expect(context.rpcMethods).toEqual(['things.ping', 'nope']);
    });

    it('answers the parse error with a null id', () => {
      const { engine } = setup();
      expect(engine.parseError()).toEqual({
        status: 200,
        body: { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } },
      });
    });

    it('answers an invalid single request with -32600, keeping a valid id', async () => {
      const { engine } = setup();
      expect((await handle(engine, { jsonrpc: '1.0', id: 3, method: 'things.ping' })).body).toEqual({
        jsonrpc: '2.0',
        id: 3,
        error: INVALID_REQUEST,
      });
      expect((await handle(engine, 'things.ping')).body).toEqual({ jsonrpc: '2.0', id: null, error: INVALID_REQUEST });
      // An id that is neither string, number nor null is not echoed.
      expect((await handle(engine, { jsonrpc: '2.0', id: { x: 1 }, method: 'things.ping' })).body).toEqual({
        jsonrpc: '2.0',
        id: null,
        error: INVALID_REQUEST,
      });
      // Params must be an object or an array.
      expect((await handle(engine, call(4, 'things.ping', 'x'))).body).toEqual({ jsonrpc: '2.0', id: 4, error: INVALID_REQUEST });
    });

    it('answers an unknown method with -32601 and does not authenticate for it', async () => {
      const { engine, authenticate } = setup();
      const reply = await handle(engine, call(9, 'things.nope'));
      expect(reply).toEqual({
        status: 200,
        headers: {},
        body: { jsonrpc: '2.0', id: 9, error: { code: -32601, message: 'Method not found' } },
      });
      expect(authenticate).not.toHaveBeenCalled();
    });

    it('refuses positional params with -32602 without running the method', async () => {
      const { engine, invoked } = setup();
      const reply = await handle(engine, call(2, 'things.get', [5]));
      expect(reply.body).toEqual({
        jsonrpc: '2.0',
        id: 2,
        error: {
          code: -32602,
          message: 'Invalid params',
          data: { params: 'must be an object: only named params are supported' },
        },
      });
      expect(invoked.get).not.toHaveBeenCalled();
    });

    it('refuses invalid named params with -32602 and the problems by field', async () => {
      const { engine, invoked } = setup();
      const reply = await handle(engine, call(2, 'things.get', { id: 0, extra: 1 }));
      expect(reply.body).toEqual({
        jsonrpc: '2.0',
        id: 2,
        error: { code: -32602, message: 'Invalid params', data: { extra: 'is not allowed' } },
      });
      expect(invoked.get).not.toHaveBeenCalled();
    });
  });

  describe('errors thrown by a method', () => {
    it('renders a BusinessRuleViolation as -32000 with its data', async () => {
      const { engine } = setup();
      const reply = await handle(engine, call(1, 'things.refuse'));
      expect(reply).toEqual({
        status: 200,
        headers: {},
        body: {
          jsonrpc: '2.0',
          id: 1,
          error: {
            code: -32000,
            message: 'things-in-use: thing #1 is in use',
            data: { code: 'things-in-use', message: 'thing #1 is in use', thing: 1 },
          },
        },
      });
    });

    it('renders a plain Error as -32603 Internal error, revealing nothing', async () => {
      const { engine } = setup();
      const logged = jest.spyOn(engine['logger'], 'error').mockImplementation(() => undefined);
      const reply = await handle(engine, call(1, 'things.crash'));
      expect(reply).toEqual({
        status: 200,
        headers: {},
        body: { jsonrpc: '2.0', id: 1, error: { code: -32603, message: 'Internal error', data: { code: 'internal-error' } } },
      });
      expect(logged).toHaveBeenCalledTimes(1);
      expect(logged.mock.calls[0][0]).toMatchObject({ msg: 'Unexpected failure in things.crash' });
    });

    it('adds the Retry-After of a refused call to the HTTP reply', async () => {
      const { engine } = setup();
      const reply = await handle(engine, [call(1, 'things.throttled'), call(2, 'things.ping')]);
      expect(reply).toEqual({
        status: 200,
        headers: { 'Retry-After': '30' },
        body: [
          {
            jsonrpc: '2.0',
            id: 1,
            error: { code: -32029, message: 'too-many-requests: Too many requests, retry later', data: { code: 'too-many-requests' } },
          },
          { jsonrpc: '2.0', id: 2, result: 'pong' },
        ],
      });
    });
  });

  it('answers the rest of a batch 503 at once when one call found the database unavailable, running none of them', async () => {
    const { engine, invoked } = setup();
    const reply = await handle(engine, [call(1, 'things.unavailable'), call(2, 'things.ping'), call(3, 'things.get', { id: 3 })]);
    const unavailable = { code: -32603, message: 'service-unavailable: Service temporarily unavailable, retry later', data: { code: 'service-unavailable' } };
    expect(reply.body).toEqual([1, 2, 3].map((id) => ({ jsonrpc: '2.0', id, error: unavailable })));
    expect([invoked.unavailable.mock.calls.length, invoked.ping.mock.calls.length, invoked.get.mock.calls.length]).toEqual([1, 0, 0]);
  });

  it('refuses a request at once (503) while the process answers too many rows, and takes it once they are written', async () => {
    const { engine, invoked } = setup({ env: { ROWS_IN_FLIGHT_LIMIT: '1000' } });
    const held = await RequestContexts.run({ requestId: 'r', unit: Symbol('r') }, () => engine.handle(call(1, 'things.search', { limit: 900 }), REQUEST));
    const refused = await handle(engine, call(2, 'things.search', { limit: 200 }));
    expect(refused).toEqual({
      status: 200,
      headers: { 'Retry-After': '5' },
      body: { jsonrpc: '2.0', id: null, error: { code: -32603, message: 'service-unavailable: Service temporarily unavailable, retry later', data: { code: 'service-unavailable' } } },
    });
    expect(invoked.search.mock.calls.length).toBe(1);
    held.release!();
    expect((await handle(engine, call(3, 'things.search', { limit: 200 }))).body).toMatchObject({ id: 3, result: expect.any(Array) });
  });

  it('asks a batch to wait the longest Retry-After of its calls, whatever their order', async () => {
    const { engine } = setup();
    for (const order of [['things.throttled-longer', 'things.throttled'], ['things.throttled', 'things.throttled-longer']]) {
      const reply = await handle(engine, order.map((name, i) => call(i, name)));
      expect({ order, headers: reply.headers }).toEqual({ order, headers: { 'Retry-After': '60' } });
    }
  });

  describe('batches', () => {
    it('answers each call by its id, in order', async () => {
      const { engine, invoked } = setup();
      const reply = await handle(engine, [call('a', 'things.get', { id: 1 }), call(2, 'things.ping'), call(null, 'things.get', { id: 3 })]);
      expect(reply).toEqual({
        status: 200,
        headers: {},
        body: [
          { jsonrpc: '2.0', id: 'a', result: { id: 1, created: '2026-01-15T12:00:00+00:00' } },
          { jsonrpc: '2.0', id: 2, result: 'pong' },
          { jsonrpc: '2.0', id: null, result: { id: 3, created: '2026-01-15T12:00:00+00:00' } },
        ],
      });
      expect(invoked.get).toHaveBeenCalledTimes(2);
      expect(invoked.ping).toHaveBeenCalledTimes(1);
    });

    it('gives each call of a batch its own __tz', async () => {
      const { engine } = setup();
      const reply = await handle(engine, [
        call(1, 'things.get', { id: 1, __tz: 'Asia/Tokyo' }),
        call(2, 'things.get', { id: 2 }),
      ]);
      expect(reply.body).toEqual([
        { jsonrpc: '2.0', id: 1, result: { id: 1, created: '2026-01-15T21:00:00+09:00' } },
        { jsonrpc: '2.0', id: 2, result: { id: 2, created: '2026-01-15T12:00:00+00:00' } },
      ]);
    });

    it('shapes a list result with the declared class', async () => {
      const { engine } = setup();
      const reply = await handle(engine, [call(1, 'things.search', { limit: 2 })]);
      expect(reply.body).toEqual([
        {
          jsonrpc: '2.0',
          id: 1,
          result: [
            { id: 1, created: '2026-01-15T12:00:00+00:00' },
            { id: 2, created: '2026-01-15T12:00:00+00:00' },
          ],
          meta: { has_more: false, next_offset: null },
        },
      ]);
    });

    it('cuts the row past the page off a search and says there is more', async () => {
      const { engine } = setup();
      const reply = await handle(engine, call(1, 'things.search', { limit: 1, offset: 5 }));
      expect(reply.body).toEqual({ jsonrpc: '2.0', id: 1, result: [{ id: 1, created: '2026-01-15T12:00:00+00:00' }], meta: { has_more: true, next_offset: 6 } });
    });

    it('runs notifications without answering them', async () => {
      const { engine, invoked } = setup();
      const reply = await handle(engine, [notify('things.ping'), call(1, 'things.get', { id: 1 }), notify('things.nope')]);
      expect(reply).toEqual({
        status: 200,
        headers: {},
        body: [{ jsonrpc: '2.0', id: 1, result: { id: 1, created: '2026-01-15T12:00:00+00:00' } }],
      });
      expect(invoked.ping).toHaveBeenCalledTimes(1);
    });

    it('answers a batch of notifications only with 204 and no body, errors included', async () => {
      const { engine, invoked } = setup();
      const reply = await handle(engine, [notify('things.ping'), notify('things.refuse'), notify('things.get', [1])]);
      expect(reply).toEqual({ status: 204, headers: {} });
      expect(invoked.ping).toHaveBeenCalledTimes(1);
      expect(invoked.refuse).toHaveBeenCalledTimes(1);
      expect(invoked.get).not.toHaveBeenCalled();
    });

    it('answers a single notification with 204', async () => {
      const { engine } = setup();
      expect(await handle(engine, notify('things.ping'))).toEqual({ status: 204, headers: {} });
    });

    it('answers invalid members of a batch individually with -32600', async () => {
      const { engine, invoked } = setup();
      const reply = await handle(engine, [1, call(1, 'things.ping'), { jsonrpc: '2.0', id: 2 }, [], { foo: 'bar' }]);
      expect(reply).toEqual({
        status: 200,
        headers: {},
        body: [
          { jsonrpc: '2.0', id: null, error: INVALID_REQUEST },
          { jsonrpc: '2.0', id: 1, result: 'pong' },
          { jsonrpc: '2.0', id: 2, error: INVALID_REQUEST },
          { jsonrpc: '2.0', id: null, error: INVALID_REQUEST },
          { jsonrpc: '2.0', id: null, error: INVALID_REQUEST },
        ],
      });
      expect(invoked.ping).toHaveBeenCalledTimes(1);
    });

    it('answers an empty batch with one -32600, not a list', async () => {
      const { engine, authenticate } = setup();
      expect(await handle(engine, [])).toEqual({ status: 200, body: { jsonrpc: '2.0', id: null, error: INVALID_REQUEST } });
      expect(authenticate).not.toHaveBeenCalled();
    });

    it('refuses a batch over RPC_BATCH_LIMIT before running anything', async () => {
      const { engine, invoked, authenticate } = setup({ env: { RPC_BATCH_LIMIT: '3' } });
      const reply = await handle(engine, [1, 2, 3, 4].map((id) => call(id, 'things.ping')));
      expect(reply).toEqual({
        status: 200,
        body: { jsonrpc: '2.0', id: null, error: { ...INVALID_REQUEST, data: { batch: 'must hold at most 3 calls' } } },
      });
      expect(invoked.ping).not.toHaveBeenCalled();
      expect(authenticate).not.toHaveBeenCalled();
    });

    it('takes a batch of exactly RPC_BATCH_LIMIT calls', async () => {
      const { engine, invoked } = setup({ env: { RPC_BATCH_LIMIT: '3' } });
      const reply = await handle(engine, [1, 2, 3].map((id) => call(id, 'things.ping')));
      expect(reply.status).toBe(200);
      expect(reply.body).toHaveLength(3);
      expect(invoked.ping).toHaveBeenCalledTimes(3);
    });

    it('uses the default limit of 100 calls', async () => {
      const { engine, invoked } = setup();
      const reply = await handle(engine, Array.from({ length: 101 }, (_, id) => call(id, 'things.ping')));
      expect(reply.body).toEqual({
        jsonrpc: '2.0',
        id: null,
        error: { ...INVALID_REQUEST, data: { batch: 'must hold at most 100 calls' } },
      });
      expect(invoked.ping).not.toHaveBeenCalled();
    });
  });

  describe('consecutive gets by id of a method that answers many at once', () => {
    const NOT_FOUND_150 = { code: -32004, message: 'not_found: things #150 not found', data: { code: 'not_found', object_name: 'things', object_id: '150' } };

    it('answers them with one query and one unit, each call as it would be answered alone', async () => {
      const { engine, findMany, invoked, units } = setup();
      const reply = await handle(engine, [
        call(1, 'things.find', { id: 5 }),
        call(2, 'things.find', { id: 150 }),
        call(3, 'things.find', { id: 'x' }),
        call(4, 'things.find', { id: 5, __tz: 'America/New_York' }),
        notify('things.find', { id: 6 }),
        call(5, 'things.find', { id: 7, extra: 1 }),
      ]);
      expect(reply.body).toEqual([
        { jsonrpc: '2.0', id: 1, result: { id: 5, created: '2026-01-15T12:00:00+00:00' } },
        { jsonrpc: '2.0', id: 2, error: NOT_FOUND_150 },
        { jsonrpc: '2.0', id: 3, error: { code: -32602, message: 'Invalid params', data: { id: 'must be an integer' } } },
        { jsonrpc: '2.0', id: 4, result: { id: 5, created: '2026-01-15T07:00:00-05:00' } },
        { jsonrpc: '2.0', id: 5, error: { code: -32602, message: 'Invalid params', data: { extra: 'is not allowed' } } },
      ]);
      expect(findMany.mock.calls).toEqual([[[5, 150, 5, 6]]]);
      expect(units).toHaveBeenCalledTimes(1);
      expect(invoked.get).not.toHaveBeenCalled();
    });

    it('answers a lone call, and each run between other calls, with the method itself or one query per run', async () => {
      const { engine, findMany, invoked } = setup();
      await handle(engine, call(1, 'things.find', { id: 5 }));
      expect(invoked.get).toHaveBeenCalledTimes(1);
      const reply = await handle(engine, [
        call(1, 'things.find', { id: 1 }),
        call(2, 'things.find', { id: 2 }),
        call(3, 'things.ping'),
        call(4, 'things.find', { id: 3 }),
        call(5, 'things.find', { id: 4 }),
      ]);
      expect((reply.body as { id: number }[]).map(({ id }) => id)).toEqual([1, 2, 3, 4, 5]);
      expect(findMany.mock.calls).toEqual([[[1, 2]], [[3, 4]]]);
    });

    it('answers every call of the run with the failure of the shared query, and the rest of the batch 503 at once', async () => {
      const { engine, findMany, invoked } = setup();
      findMany.mockRejectedValueOnce(new ServiceUnavailable());
      const reply = await handle(engine, [call(1, 'things.find', { id: 1 }), call(2, 'things.find', { id: 2 }), call(3, 'things.get', { id: 3 })]);
      const codes = (reply.body as { error: { code: number } }[]).map((answer) => answer.error.code);
      expect(codes).toEqual([-32603, -32603, -32603]);
      expect(reply.headers).toEqual({ 'Retry-After': '5' });
      expect(invoked.get).not.toHaveBeenCalled();
    });

    it('refuses them all without a query when the request failed to authenticate', async () => {
      const { engine, findMany } = setup({ authFails: true });
      const reply = await handle(engine, [call(1, 'things.find', { id: 1 }), call(2, 'things.find', { id: 2 })]);
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual([
        { jsonrpc: '2.0', id: 1, error: AUTH_FAILED },
        { jsonrpc: '2.0', id: 2, error: AUTH_FAILED },
      ]);
      expect(findMany).not.toHaveBeenCalled();
    });
  });

  describe('authentication', () => {
    it('authenticates once per HTTP request, and puts the principal in the context', async () => {
      const { engine, authenticate } = setup();
      const context = { requestId: 'r', unit: Symbol('r') } as { requestId: string; unit: symbol; principal?: Principal };
      const reply = await RequestContexts.run(context, () =>
        engine.handle([call(1, 'things.get', { id: 1 }), call(2, 'things.get', { id: 2 })], REQUEST),
      );
      expect(reply.status).toBe(200);
      expect(authenticate).toHaveBeenCalledTimes(1);
      expect(authenticate).toHaveBeenCalledWith(REQUEST);
      expect(context.principal).toBe(ALICE);
    });

    it('does not authenticate a batch of public, unknown and invalid calls', async () => {
      const { engine, authenticate } = setup({ authFails: true });
      const reply = await handle(engine, [call(1, 'things.ping'), call(2, 'things.nope'), { id: 3 }]);
      expect(reply.status).toBe(200);
      expect(authenticate).not.toHaveBeenCalled();
    });

    it('runs public methods of a batch and refuses the others with -32005 (HTTP 200)', async () => {
      const { engine, invoked } = setup({ authFails: true });
      const reply = await handle(engine, [call(1, 'things.ping'), call(2, 'things.get', { id: 1 }), call(3, 'things.nope')]);
      expect(reply).toEqual({
        status: 200,
        headers: {},
        body: [
          { jsonrpc: '2.0', id: 1, result: 'pong' },
          { jsonrpc: '2.0', id: 2, error: AUTH_FAILED },
          { jsonrpc: '2.0', id: 3, error: { code: -32601, message: 'Method not found' } },
        ],
      });
      expect(invoked.ping).toHaveBeenCalledTimes(1);
      expect(invoked.get).not.toHaveBeenCalled();
    });

    it('answers HTTP 401 when every answered call failed to authenticate', async () => {
      const { engine, invoked } = setup({ authFails: true });
      const reply = await handle(engine, [call(1, 'things.get', { id: 1 }), call(2, 'things.search'), notify('things.ping')]);
      expect(reply).toEqual({
        status: 401,
        headers: {},
        body: [
          { jsonrpc: '2.0', id: 1, error: AUTH_FAILED },
          { jsonrpc: '2.0', id: 2, error: AUTH_FAILED },
        ],
      });
      // The public notification still ran.
      expect(invoked.ping).toHaveBeenCalledTimes(1);
      expect(invoked.get).not.toHaveBeenCalled();
      expect(invoked.search).not.toHaveBeenCalled();
    });

    it('answers HTTP 401 for a single call that failed to authenticate', async () => {
      const { engine } = setup({ authFails: true });
      expect(await handle(engine, call(1, 'things.get', { id: 1 }))).toEqual({
        status: 401,
        headers: {},
        body: { jsonrpc: '2.0', id: 1, error: AUTH_FAILED },
      });
    });

    it('answers HTTP 401 with no body to a notification that failed to authenticate', async () => {
      const { engine, invoked } = setup({ authFails: true });
      expect(await handle(engine, notify('things.get', { id: 1 }))).toEqual({ status: 401, headers: {} });
      expect(invoked.get).not.toHaveBeenCalled();
    });

    it('answers 200 when an answered call other than the refused ones is in the batch', async () => {
      const { engine } = setup({ authFails: true });
      const reply = await handle(engine, [call(1, 'things.get', { id: 1 }), { jsonrpc: '2.0', id: 2 }]);
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual([
        { jsonrpc: '2.0', id: 1, error: AUTH_FAILED },
        { jsonrpc: '2.0', id: 2, error: INVALID_REQUEST },
      ]);
    });
  });

  describe('the row budget', () => {
    it('refuses a batch whose search limits add up past RESPONSE_ROW_LIMIT before any method runs', async () => {
      const { engine, invoked, authenticate, units } = setup();
      // 1000 + 1000 + 1 (any other call counts 1) = 2001 > 2000.
      const reply = await handle(engine, [
        call(1, 'things.search', { limit: 1000 }),
        call(2, 'things.search', { limit: 1000 }),
        call(3, 'things.ping'),
      ]);
      expect(reply).toEqual({
        status: 200,
        body: {
          jsonrpc: '2.0',
          id: null,
          error: { ...INVALID_REQUEST, data: { batch: 'may answer up to 2001 rows; at most 2000 rows per request' } },
        },
      });
      expect(invoked.search).not.toHaveBeenCalled();
      expect(invoked.ping).not.toHaveBeenCalled();
      expect(authenticate).not.toHaveBeenCalled();
      expect(units).not.toHaveBeenCalled();
    });

    it('takes a batch of exactly RESPONSE_ROW_LIMIT rows', async () => {
      const { engine, invoked } = setup();
      const reply = await handle(engine, [call(1, 'things.search', { limit: 1000 }), call(2, 'things.search', { limit: 1000 })]);
      expect(reply.status).toBe(200);
      expect(invoked.search).toHaveBeenCalledTimes(2);
    });

    it('counts a search without limit as 20, a limit over 1000 as 1000, notifications and invalid calls as 1', async () => {
      const { engine, invoked } = setup({ env: { RESPONSE_ROW_LIMIT: '1000' } });
      // 20 (default) + 1000 (capped) = 1020.
      const capped = await handle(engine, [call(1, 'things.search'), call(2, 'things.search', { limit: 5000 })]);
      expect(capped.body).toEqual({
        jsonrpc: '2.0',
        id: null,
        error: { ...INVALID_REQUEST, data: { batch: 'may answer up to 1020 rows; at most 1000 rows per request' } },
      });
      // 980 (a string limit is read as its number) + 20 (a non-integer limit counts as the default) + 1 + 1 = 1002.
      const mixed = await handle(engine, [
        notify('things.search', { limit: '980' }),
        call(1, 'things.search', { limit: 2.5 }),
        notify('things.ping'),
        { id: 9 },
      ]);
      expect(mixed.body).toEqual({
        jsonrpc: '2.0',
        id: null,
        error: { ...INVALID_REQUEST, data: { batch: 'may answer up to 1002 rows; at most 1000 rows per request' } },
      });
      expect(invoked.search).not.toHaveBeenCalled();
      expect(invoked.ping).not.toHaveBeenCalled();
    });

    it('takes a single search of the largest page at the smallest RESPONSE_ROW_LIMIT', async () => {
      const { engine } = setup({ env: { RESPONSE_ROW_LIMIT: '1000' } });
      // A single call is never over budget by itself (at most 1000 rows, the least RESPONSE_ROW_LIMIT there is).
      const reply = await handle(engine, call(1, 'things.search', { limit: 1000 }));
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ jsonrpc: '2.0', id: 1 });
    });
  });
});
