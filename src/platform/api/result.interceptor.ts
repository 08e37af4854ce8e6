import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { map, Observable } from 'rxjs';
import { toJson } from '../http/json';
import { API_METHOD, ApiMethodOptions } from './api-method.types';
import { ResultPresenter } from './result-presenter';

/** REST side of a declared method: the result shaped and serialized exactly as JSON-RPC does it. */
@Injectable()
export class ResultInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly presenter: ResultPresenter,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<string> {
    const method = this.reflector.get<ApiMethodOptions>(API_METHOD, context.getHandler());
    const response = context.switchToHttp().getResponse<Response>();
    return next.handle().pipe(
      map((result: unknown) => {
        response.type('application/json');
        return toJson(this.presenter.present(result, method.result));
      }),
    );
  }
}
