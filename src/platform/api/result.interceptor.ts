import { hash } from 'node:crypto';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { defer, lastValueFrom, Observable } from 'rxjs';
import { rowsAskedBy } from '../search/search-params';
import { RowsInFlight } from './rows-in-flight';
import { Database } from '../database/database';
import { toJson, toJsonInSlices } from '../http/json';
import { API_METHOD, ApiMethodOptions } from './api-method.types';
import { ResultPresenter } from './result-presenter';

/** A weak validator of a GET answer's text (the form Express's default gives): a client may revalidate with If-None-Match. */
export function weakEtag(body: string): string {
  return `W/"${Buffer.byteLength(body).toString(16)}-${hash('sha1', body, 'base64').slice(0, 27)}"`;
}

/** REST side of a declared method: run as one unit of work, the result shaped and serialized exactly as JSON-RPC does it. */
@Injectable()
export class ResultInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly presenter: ResultPresenter,
    private readonly db: Database,
    private readonly inFlight: RowsInFlight,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<string> {
    const method = this.reflector.get<ApiMethodOptions>(API_METHOD, context.getHandler());
    const http = context.switchToHttp();
    return defer(() => this.answer(method, http.getRequest<Request>(), http.getResponse<Response>(), next));
  }

  private async answer(method: ApiMethodOptions, request: Request, response: Response, next: CallHandler): Promise<string> {
    // A list holds its page size of rows until it is written (see RowsInFlight).
    const release = Array.isArray(method.result) ? this.inFlight.reserve(rowsAskedBy((request.query as { limit?: unknown }).limit)) : undefined;
    try {
      // The handler is one unit of work (on PostgreSQL: one connection, one transaction, the caller's reach).
      const result = await this.db.unit(() => lastValueFrom(next.handle()));
      const presented = this.presenter.present(result, method.result);
      // A list may be large: written in slices, so the event loop is never held for long.
      const body = Array.isArray(presented) ? await toJsonInSlices(presented) : toJson(presented);
      response.type('application/json');
      if (request.method === 'GET') response.setHeader('ETag', weakEtag(body));
      return body;
    } finally {
      release?.();
    }
  }
}
