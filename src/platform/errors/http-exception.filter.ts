import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { toJson } from '../http/json';
import { DomainError } from './domain-error';
import { isInternal, logServerFailure, renderError, RenderedError, restErrorBody } from './error-mapping';

/** The one REST rendering of every error (SPEC §2); unexpected ones are logged and revealed as nothing but a 500. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const rendered = this.render(exception, request);
    if (isInternal(rendered)) logServerFailure(this.logger, rendered, exception, `${request.method} ${request.path}`);
    response.status(rendered.httpStatus).set(rendered.headers).type('application/json').send(toJson(restErrorBody(rendered)));
  }

  private render(exception: unknown, request: Request): RenderedError {
    if (exception instanceof DomainError || !(exception instanceof HttpException)) return renderError(exception);
    // Nest's own, such as an unknown route.
    const status = exception.getStatus();
    const message = status === 404 ? `No route ${request.method} ${request.path}` : exception.message;
    return { httpStatus: status, rpcCode: 0, message, headers: {} };
  }
}
