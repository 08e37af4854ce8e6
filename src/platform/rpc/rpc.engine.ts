import { Inject, Injectable, Logger } from '@nestjs/common';
import type { HttpRequest } from '../http/http-adapter';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config';
import { MethodRegistry, RegisteredMethod } from '../api/method-registry';
import { ResultPresenter } from '../api/result-presenter';
import { RawParams, validateParams } from '../api/validate-params';
import { takeDecimalsForm } from '../api/decimals-param';
import { Authenticator } from '../auth/authenticator';
import { RequestContext, RequestContexts } from '../context/request-context';
import { Database } from '../database/database';
import { RowsInFlight } from '../api/rows-in-flight';
import { ValidationFailed } from '../errors/domain-error';
import { isInternal, logServerFailure, renderError, RenderedError } from '../errors/error-mapping';
import { ExactNumber } from '../http/exact-number';
import { toJson } from '../http/json';
import { answerValue, fingerprint, Idempotency, IDEMPOTENCY_KEY_HEADER, readIdempotencyKey, REPLAYED_HEADER } from '../idempotency/idempotency';
import { takesIdempotencyKey } from '../api/api-method.types';
import Decimal from '../money/decimal';
import { TimeZones } from '../time/time-zones';
import { type PageInfo, takePage } from '../search/page';
import { rowsAskedBy, type SearchParams } from '../search/search-params';
import { RpcErrorCode, RpcId, RpcResponse, rpcError, STANDARD_MESSAGES } from './rpc.protocol';

/** A batch element or single request, checked against the JSON-RPC 2.0 request shape. */
type ValidCall = { valid: true; id: RpcId; notification: boolean; method: string; params: unknown };
type ParsedCall = { valid: false; id: RpcId } | ValidCall;

/** How a call ended: its result (a search's with its page info), or what it threw. */
type Outcome = { result: unknown; meta?: PageInfo } | { error: unknown };

/** What the calls of one HTTP request add up to. */
interface ReplyState {
  headers: Record<string, string>;
  /** Calls refused for failed authentication, and how many of them are answered (not notifications). */
  unauthenticated: number;
  unauthenticatedAnswers: number;
  /** Set once a call found the database unavailable: the rest of the batch is answered so at once. */
  unavailable?: RenderedError;
}

export interface RpcReply {
  status: number;
  body?: RpcResponse | RpcResponse[];
  headers?: Record<string, string>;
  /** Gives back the rows the request held (see RowsInFlight), once its answer is written. */
  release?: () => void;
}

/** JSON-RPC 2.0 over the declared methods: batches, notifications, standard and domain error codes. */
@Injectable()
export class RpcEngine {
  private readonly logger = new Logger('JsonRpc');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: MethodRegistry,
    private readonly authenticator: Authenticator,
    private readonly presenter: ResultPresenter,
    private readonly timeZones: TimeZones,
    private readonly db: Database,
    private readonly inFlight: RowsInFlight,
    private readonly idempotency: Idempotency,
  ) {}

  /** The answer to a body that is not JSON at all (or no body). */
  parseError(): RpcReply {
    return { status: 200, body: rpcError(null, RpcErrorCode.ParseError, STANDARD_MESSAGES.parseError) };
  }

  async handle(body: unknown, request: HttpRequest): Promise<RpcReply> {
    const batch = Array.isArray(body);
    if (batch && body.length === 0) {
      return { status: 200, body: rpcError(null, RpcErrorCode.InvalidRequest, STANDARD_MESSAGES.invalidRequest) };
    }
    if (batch && body.length > this.config.rpcBatchLimit) {
      return {
        status: 200,
        body: rpcError(null, RpcErrorCode.InvalidRequest, STANDARD_MESSAGES.invalidRequest, {
          batch: `must hold at most ${this.config.rpcBatchLimit} calls`,
        }),
      };
    }
    if (batch && request.headers['idempotency-key'] !== undefined) {
      return {
        status: 200,
        body: rpcError(null, RpcErrorCode.InvalidRequest, STANDARD_MESSAGES.invalidRequest, {
          [IDEMPOTENCY_KEY_HEADER]: 'applies to a single call, not to a batch',
        }),
      };
    }
    const calls = (batch ? body : [body]).map(parseCall);
    RequestContexts.require().rpcMethods = calls.flatMap((call) => (call.valid ? [call.method] : []));
    const rows = calls.reduce((sum, call) => sum + this.rowsAskedBy(call), 0);
    if (rows > this.config.responseRowLimit) {
      return {
        status: 200,
        body: rpcError(null, RpcErrorCode.InvalidRequest, STANDARD_MESSAGES.invalidRequest, {
          batch: `may answer up to ${rows} rows; at most ${this.config.responseRowLimit} rows per request`,
        }),
      };
    }

    let release: () => void;
    try {
      release = this.inFlight.reserve(rows);
    } catch (error) {
      const rendered = renderError(error);
      return { status: 200, headers: rendered.headers, body: rpcError(null, rendered.rpcCode, rendered.message, rendered.data) };
    }
    try {
      const authFailure = await this.authenticateIfNeeded(calls, request);
      const responses: RpcResponse[] = [];
      const reply: ReplyState = { headers: {}, unauthenticated: 0, unauthenticatedAnswers: 0 };
      for (let next = 0; next < calls.length; ) {
        const run = this.runAt(calls, next);
        const answers = run
          ? await this.executeRun(run.calls, run.method, reply, authFailure)
          : [await this.execute(calls[next], reply, authFailure, request)];
        for (const response of answers) if (response) responses.push(response);
        next += run ? run.calls.length : 1;
      }
      // HTTP 401 when every call failed to authenticate; otherwise 200, or 204 when nothing is answered.
      const allUnauthenticated = reply.unauthenticated > 0 && reply.unauthenticatedAnswers === responses.length;
      const status = allUnauthenticated ? 401 : responses.length === 0 ? 204 : 200;
      return { status, headers: reply.headers, release, ...(responses.length > 0 && { body: batch ? responses : responses[0] }) };
    } catch (error) {
      release();
      throw error;
    }
  }

  /**
   * The most rows a call may answer: a search's page size, one for anything else. Summed over a
   * batch, this bounds the work and the size of one answer before any of it is done.
   */
  private rowsAskedBy(call: ParsedCall): number {
    const method = call.valid ? this.registry.find(call.method) : undefined;
    if (!call.valid || !method || !Array.isArray(method.options.result)) return 1;
    return rowsAskedBy((call.params as { limit?: unknown } | undefined)?.limit);
  }

  /** One authentication per HTTP request, and only when some call needs a caller; answers the failure, if any. */
  private async authenticateIfNeeded(calls: ParsedCall[], request: HttpRequest): Promise<RenderedError | undefined> {
    const needsCaller = calls.some((call) => {
      const method = call.valid ? this.registry.find(call.method) : undefined;
      return method !== undefined && !method.options.public;
    });
    if (!needsCaller) return undefined;
    try {
      RequestContexts.require().principal = await this.authenticator.authenticate(request);
      return undefined;
    } catch (error) {
      const rendered = renderError(error);
      if (isInternal(rendered)) logServerFailure(this.logger, rendered, error, 'authentication');
      return rendered;
    }
  }

  /** Two or more consecutive valid calls of one method that answers many ids at once (ApiMethodOptions.many), if they start at `start`. */
  private runAt(calls: ParsedCall[], start: number): { calls: ValidCall[]; method: RegisteredMethod } | undefined {
    const first = calls[start];
    const method = first.valid ? this.registry.find(first.method) : undefined;
    if (!first.valid || !method?.invokeMany) return undefined;
    let end = start + 1;
    while (end < calls.length && calls[end].valid && (calls[end] as ValidCall).method === first.method) end++;
    return end - start > 1 ? { calls: calls.slice(start, end) as ValidCall[], method } : undefined;
  }

  /**
   * Consecutive gets by id answered by one query: each call's params and zone are its own and each
   * gets its own answer (an invalid id or a missing object fails that call alone), exactly as one by one.
   */
  private async executeRun(
    calls: ValidCall[],
    method: RegisteredMethod,
    reply: ReplyState,
    authFailure: RenderedError | undefined,
  ): Promise<(RpcResponse | undefined)[]> {
    const refusal = authFailure && !method.options.public ? authFailure : reply.unavailable;
    if (refusal) return calls.map((call) => this.failed(call, reply, refusal));
    const entries: { call: ValidCall; context: RequestContext; id?: number; error?: unknown }[] = [];
    for (const call of calls) {
      const context = { ...RequestContexts.require(), timezone: undefined, decimals: undefined };
      try {
        const { id } = (await RequestContexts.run(context, () => this.validated(method, call.params))) as { id: number };
        entries.push({ call, context, id });
      } catch (error) {
        entries.push({ call, context, error });
      }
    }
    const ids = entries.flatMap((entry) => (entry.id === undefined ? [] : [entry.id]));
    let found: unknown[] = [];
    let failure: { error: unknown } | undefined;
    try {
      if (ids.length > 0) found = await this.db.unit(() => method.invokeMany!(ids));
    } catch (error) {
      failure = { error };
    }
    let next = 0;
    return entries.map(({ call, context, id, error }) => {
      if (id === undefined) return this.answer(call, reply, { error });
      if (failure) return this.answer(call, reply, failure);
      const item = found[next++];
      if (item instanceof Error) return this.answer(call, reply, { error: item });
      return this.answer(call, reply, { result: RequestContexts.run(context, () => this.presenter.present(item, method.options.result)) });
    });
  }

  /** Runs one call; a method that needs a caller is refused when the request failed to authenticate. */
  private async execute(
    call: ParsedCall,
    reply: ReplyState,
    authFailure: RenderedError | undefined,
    request: HttpRequest,
  ): Promise<RpcResponse | undefined> {
    if (!call.valid) return rpcError(call.id, RpcErrorCode.InvalidRequest, STANDARD_MESSAGES.invalidRequest);
    const method = this.registry.find(call.method);
    if (!method) {
      return call.notification ? undefined : rpcError(call.id, RpcErrorCode.MethodNotFound, STANDARD_MESSAGES.methodNotFound);
    }
    if (authFailure && !method.options.public) return this.failed(call, reply, authFailure);
    // A database that did not answer one call would keep each of the others waiting its full timeout.
    if (reply.unavailable) return this.failed(call, reply, reply.unavailable);
    // Each call has its own `__tz` and `__decimals`; the caller is shared by the whole batch.
    const context = { ...RequestContexts.require(), timezone: undefined, decimals: undefined };
    // An Idempotency-Key goes with a single call (a batch carrying one was refused above).
    const keyed = request.headers['idempotency-key'] !== undefined && takesIdempotencyKey(method.options);
    const invoke = () => (keyed ? this.invokeOnce(method, call.params, request, reply) : this.invoke(method, call.params));
    return this.answer(call, reply, await RequestContexts.run(context, invoke));
  }

  /** A call's answer from its outcome; a server failure is logged, and an unavailable database ends the batch's work. */
  private answer(call: ValidCall, reply: ReplyState, outcome: Outcome): RpcResponse | undefined {
    if ('result' in outcome) {
      if (call.notification) return undefined;
      return outcome.meta ? { jsonrpc: '2.0', id: call.id, result: outcome.result, meta: outcome.meta } : { jsonrpc: '2.0', id: call.id, result: outcome.result };
    }
    const rendered = renderError(outcome.error);
    if (isInternal(rendered)) logServerFailure(this.logger, rendered, outcome.error, call.method);
    if (rendered.httpStatus === 503) reply.unavailable = rendered;
    return this.failed(call, reply, rendered);
  }

  /** A call's error; it may add headers to the HTTP reply (Retry-After) and counts toward a 401. */
  private failed(call: ValidCall, reply: ReplyState, rendered: RenderedError) {
    for (const [name, value] of Object.entries(rendered.headers)) {
      // Calls of a batch may each ask the caller to wait: the reply asks for the longest wait.
      const earlier = reply.headers[name];
      reply.headers[name] = name === 'Retry-After' && earlier !== undefined ? String(Math.max(Number(earlier), Number(value))) : value;
    }
    if (rendered.httpStatus === 401) {
      reply.unauthenticated++;
      if (!call.notification) reply.unauthenticatedAnswers++;
    }
    return call.notification ? undefined : rpcError(call.id, rendered.rpcCode, rendered.message, rendered.data);
  }

  /** A call's params, validated; its `__tz` and `__decimals` settle the zone and the decimals of the context it runs in. */
  private validated(method: RegisteredMethod, params: unknown): Promise<object> {
    if (Array.isArray(params)) {
      throw ValidationFailed.field('params', 'must be an object: only named params are supported');
    }
    return validateParams(method.paramsType, takeDecimalsForm(this.timeZones.takeRequestZone((params ?? {}) as RawParams)));
  }

  private async invoke(method: RegisteredMethod, params: unknown): Promise<Outcome> {
    try {
      const validated = await this.validated(method, params);
      const result = await (method.options.ownUnitsOfWork ? method.invoke(validated) : this.db.unit(() => method.invoke(validated)));
      if (Array.isArray(method.options.result)) {
        // A search: one row past the page says whether there is more.
        const { limit, offset } = validated as SearchParams;
        const meta = takePage(result as unknown[], limit, offset);
        return { result: this.presenter.present(result, method.options.result), meta };
      }
      return { result: this.presenter.present(result, method.options.result) };
    } catch (error) {
      return { error };
    }
  }

  /** A call with an Idempotency-Key: its work and its key in one transaction, or the answer the key already has (see Idempotency). */
  private async invokeOnce(method: RegisteredMethod, params: unknown, request: HttpRequest, reply: ReplyState): Promise<Outcome> {
    try {
      const key = readIdempotencyKey(request.headers)!;
      const validated = await this.validated(method, params);
      const print = fingerprint(key, method.options.rpc, validated, this.timeZones.effectiveZone());
      const work = async () => toJson(this.presenter.present(await method.invoke(validated), method.options.result));
      const answer = await this.db.unit(() => this.idempotency.once(key, method.options.rpc, print, work));
      if (answer.replayed) reply.headers[REPLAYED_HEADER] = 'true';
      return { result: answerValue(answer) };
    } catch (error) {
      return { error };
    }
  }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

// JSON-RPC allows any number as an id; one a float cannot hold is echoed back exactly if it is an integer.
const EXACT_INTEGER = /^-?\d{1,64}$/;

/** The id as it will be echoed, or undefined when it is not a valid id. */
function readId(id: unknown): RpcId | undefined {
  if (id === null || typeof id === 'string' || typeof id === 'number') return id;
  if (id instanceof ExactNumber && EXACT_INTEGER.test(id.text)) return new Decimal(id.text);
  return undefined;
}

function parseCall(raw: unknown): ParsedCall {
  if (!isPlainObject(raw)) return { valid: false, id: null };
  const hasId = 'id' in raw;
  const id = hasId ? readId(raw.id) : null;
  if (id === undefined) return { valid: false, id: null };
  if (raw.jsonrpc !== '2.0' || typeof raw.method !== 'string') return { valid: false, id };
  if ('params' in raw && (typeof raw.params !== 'object' || raw.params === null || raw.params instanceof ExactNumber)) {
    return { valid: false, id };
  }
  return { valid: true, id, notification: !hasId, method: raw.method, params: raw.params };
}
