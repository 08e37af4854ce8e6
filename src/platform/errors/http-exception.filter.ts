import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { type HttpRequest, type HttpResponse, requestPath, sendJson } from '../http/http-adapter';
import { toJson } from '../http/json';
import { DomainError } from './domain-error';
import { isInternal, logServerFailure, renderError, RenderedError, restErrorBody } from './error-mapping';

/** The one REST rendering of every error (SPEC §2); unexpected ones are logged and revealed as nothing but a 500. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<HttpRequest>();
    const response = http.getResponse<HttpResponse>();
    const rendered = this.render(exception, request);
    if (isInternal(rendered)) logServerFailure(this.logger, rendered, exception, `${request.method} ${requestPath(request)}`);
    sendJson(response, rendered.httpStatus, rendered.headers, toJson(restErrorBody(rendered)));
  }

  private render(exception: unknown, request: HttpRequest): RenderedError {
    if (exception instanceof DomainError || !(exception instanceof HttpException)) return renderError(exception);
    // Nest's own, such as an unknown route.
    const status = exception.getStatus();
    const message = status === 404 ? `No route ${request.method} ${requestPath(request)}` : exception.message;
    return { httpStatus: status, rpcCode: 0, message, headers: {} };
  }
}
