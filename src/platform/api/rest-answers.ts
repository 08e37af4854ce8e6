import { Injectable, StreamableFile } from '@nestjs/common';
import { pageHeaders, takePage } from '../search/page';
import { rowsAskedBy } from '../search/search-params';
import { RowsInFlight } from './rows-in-flight';
import { Database } from '../database/database';
import { type HttpRequest, type HttpResponse, JSON_CONTENT_TYPE, setResponseHeader } from '../http/http-adapter';
import { answerValue, fingerprint, Idempotency, readIdempotencyKey, REPLAYED_HEADER } from '../idempotency/idempotency';
import { TimeZones } from '../time/time-zones';
import { toJson, toJsonInSlices } from '../http/json';
import { ApiMethodOptions, FileAnswer, takesIdempotencyKey } from './api-method.types';
import { ResultPresenter } from './result-presenter';

/** The handler as declared, run with the params its pipe validated. */
type Handler = () => Promise<unknown>;

const bound = new WeakMap<object, RestAnswers>();

/**
 * REST side of a declared method: run as one unit of work, the result shaped and serialized exactly
 * as JSON-RPC does it. @ApiMethod routes each REST call of a controller here (see restHandler), the
 * params already validated by the pipe; this is not an interceptor, so no Observable is made per call.
 */
@Injectable()
export class RestAnswers {
  constructor(
    private readonly presenter: ResultPresenter,
    private readonly db: Database,
    private readonly inFlight: RowsInFlight,
    private readonly idempotency: Idempotency,
    private readonly timeZones: TimeZones,
  ) {}

  /** Answers the REST calls of `controller`'s declared methods (each application binds its own controllers at boot). */
  bind(controller: object): void {
    bound.set(controller, this);
  }

  static of(controller: object): RestAnswers {
    const answers = bound.get(controller);
    if (!answers) throw new Error(`${controller.constructor.name} answers REST calls before MethodRegistry bound it`);
    return answers;
  }

  answer(method: ApiMethodOptions, handle: Handler, params: object, request: HttpRequest, response: HttpResponse): Promise<string | StreamableFile> {
    // Read only for a POST that creates or acts, and only when sent.
    if (takesIdempotencyKey(method) && request.headers['idempotency-key'] !== undefined) {
      return this.answerOnce(method, handle, params, request, response);
    }
    return this.answerNow(method, handle, request, response);
  }

  /** A call with an Idempotency-Key: its work and its key in one transaction, or the answer the key already has (see Idempotency). */
  private async answerOnce(method: ApiMethodOptions, handle: Handler, params: object, request: HttpRequest, response: HttpResponse): Promise<string> {
    const key = readIdempotencyKey(request.headers)!;
    const print = fingerprint(key, method.rpc, params, this.timeZones.effectiveZone());
    const work = async () => toJson(this.presenter.present(await handle(), method.result));
    const answer = await this.db.unit(() => this.idempotency.once(key, method.rpc, print, work));
    if (answer.replayed) setResponseHeader(request, REPLAYED_HEADER, 'true');
    if (answer.status !== 200) answerValue(answer); // a refusal: thrown, and rendered as any error
    response.header('Content-Type', JSON_CONTENT_TYPE);
    return answer.json;
  }

  private async answerNow(method: ApiMethodOptions, handle: Handler, request: HttpRequest, response: HttpResponse): Promise<string | StreamableFile> {
    // A list holds its page size of rows until it is written (see RowsInFlight).
    const release = Array.isArray(method.result) ? this.inFlight.reserve(rowsAskedBy((request.query as { limit?: unknown }).limit)) : undefined;
    try {
      // The handler is one unit of work (on PostgreSQL: one connection, one transaction, the caller's reach),
      // unless it opens its own (ApiMethodOptions.ownUnitsOfWork).
      const result = await (method.ownUnitsOfWork ? handle() : this.db.unit(handle));
      if (method.download) {
        // Sent as a file by either adapter, byte for byte.
        const file = result as FileAnswer;
        return new StreamableFile(file.content, { type: file.content_type, disposition: `attachment; filename="${file.filename}"`, length: file.content.length });
      }
      if (Array.isArray(method.result)) {
        // A search: one row past the page says whether there is more (the page params are valid, or it would have failed).
        const query = request.query as { limit?: unknown; offset?: unknown };
        const page = takePage(result as unknown[], rowsAskedBy(query.limit), Number(query.offset ?? 0));
        for (const [name, value] of Object.entries(pageHeaders(request.url, page))) response.header(name, value);
      }
      const presented = this.presenter.present(result, method.result);
      response.header('Content-Type', JSON_CONTENT_TYPE);
      // A list may be large: written in slices, so the event loop is never held for long.
      return Array.isArray(presented) ? await toJsonInSlices(presented) : toJson(presented);
    } finally {
      release?.();
    }
  }
}
