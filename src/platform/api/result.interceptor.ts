import { CallHandler, ExecutionContext, Injectable, NestInterceptor, StreamableFile, Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { defer, lastValueFrom, Observable } from 'rxjs';
import { pageHeaders, takePage } from '../search/page';
import { rowsAskedBy } from '../search/search-params';
import { RowsInFlight } from './rows-in-flight';
import { Database } from '../database/database';
import { type HttpRequest, type HttpResponse, JSON_CONTENT_TYPE, setResponseHeader } from '../http/http-adapter';
import { answerValue, fingerprint, Idempotency, readIdempotencyKey, REPLAYED_HEADER } from '../idempotency/idempotency';
import { TimeZones } from '../time/time-zones';
import { collectRestParams } from './api-method.decorator';
import { validateParams } from './validate-params';
import { takeDecimalsForm } from './decimals-param';
import { toJson, toJsonInSlices } from '../http/json';
import { API_METHOD, ApiMethodOptions, FileAnswer, takesIdempotencyKey } from './api-method.types';
import { ResultPresenter } from './result-presenter';

/** REST side of a declared method: run as one unit of work, the result shaped and serialized exactly as JSON-RPC does it. */
@Injectable()
export class ResultInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly presenter: ResultPresenter,
    private readonly db: Database,
    private readonly inFlight: RowsInFlight,
    private readonly idempotency: Idempotency,
    private readonly timeZones: TimeZones,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<string | StreamableFile> {
    const method = this.reflector.get<ApiMethodOptions>(API_METHOD, context.getHandler());
    const http = context.switchToHttp();
    const request = http.getRequest<HttpRequest>();
    const response = http.getResponse<HttpResponse>();
    // Read only for a POST that creates or acts, and only when sent.
    if (takesIdempotencyKey(method) && request.headers['idempotency-key'] !== undefined) {
      return defer(() => this.answerOnce(method, context, request, response, next));
    }
    return defer(() => this.answer(method, request, response, next));
  }

  /**
   * A call with an Idempotency-Key: its work and its key in one transaction, or the answer the key
   * already has (see Idempotency). The params are read here too, for what the key is bound to.
   */
  private async answerOnce(method: ApiMethodOptions, context: ExecutionContext, request: HttpRequest, response: HttpResponse, next: CallHandler): Promise<string> {
    const key = readIdempotencyKey(request.headers)!;
    const paramTypes = Reflect.getMetadata('design:paramtypes', context.getClass().prototype as object, context.getHandler().name) as Type<object>[] | undefined;
    const raw = collectRestParams(request);
    const params = await validateParams(paramTypes?.[0], takeDecimalsForm(this.timeZones.takeRequestZone(raw)));
    const print = fingerprint(key, method.rpc, params, this.timeZones.effectiveZone());
    const work = async () => toJson(this.presenter.present(await lastValueFrom(next.handle()), method.result));
    const answer = await this.db.unit(() => this.idempotency.once(key, method.rpc, print, work));
    if (answer.replayed) setResponseHeader(request, REPLAYED_HEADER, 'true');
    if (answer.status !== 200) answerValue(answer); // a refusal: thrown, and rendered as any error
    response.header('Content-Type', JSON_CONTENT_TYPE);
    return answer.json;
  }

  private async answer(method: ApiMethodOptions, request: HttpRequest, response: HttpResponse, next: CallHandler): Promise<string | StreamableFile> {
    // A list holds its page size of rows until it is written (see RowsInFlight).
    const release = Array.isArray(method.result) ? this.inFlight.reserve(rowsAskedBy((request.query as { limit?: unknown }).limit)) : undefined;
    try {
      // The handler is one unit of work (on PostgreSQL: one connection, one transaction, the caller's reach),
      // unless it opens its own (ApiMethodOptions.ownUnitsOfWork).
      const handle = () => lastValueFrom(next.handle());
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
