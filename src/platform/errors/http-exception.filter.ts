import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger, NotFoundException } from '@nestjs/common';
import { type HttpRequest, type HttpResponse, requestPath, sendJson } from '../http/http-adapter';
import { toJson } from '../http/json';
import { RouteTable } from '../http/route-table';
import { DomainError, MethodNotAllowed, NoRoute, ValidationFailed } from './domain-error';
import { isInternal, logServerFailure, renderError, RenderedError, restErrorBody } from './error-mapping';

/**
 * What a request no route answered meets: 405 with Allow when the path is served for other methods, else 404.
 * Either way `data.code` says which (SPEC §2: every error but a validation one carries a code).
 */
export function unroutedError(routes: RouteTable, method: string, path: string): DomainError {
  const allow = routes.methodsOn(path);
  return allow.length > 0 ? new MethodNotAllowed(method, path, allow) : new NoRoute(method, path);
}

/** A route parameter that is not valid percent-encoding: a validation error of the path (both adapters answer it so). */
export function undecodablePath(value: string): ValidationFailed {
  return ValidationFailed.field('path', `cannot decode '${value}'`);
}

/** The one REST rendering of every error (SPEC §2); unexpected ones are logged and revealed as nothing but a 500. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  constructor(private readonly routes: RouteTable) {}

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
    // Nest's own: no route for the request, or the router's refusal of a path it cannot decode.
    if (exception instanceof NotFoundException) return renderError(unroutedError(this.routes, request.method, requestPath(request)));
    const status = exception.getStatus();
    const undecodable = /^Failed to decode param '(.*)'$/.exec(exception.message);
    if (status === 400 && undecodable) return renderError(undecodablePath(undecodable[1]));
    const code = (HttpStatus[status] ?? 'http-error').toLowerCase().replace(/_/g, '-');
    return { httpStatus: status, rpcCode: 0, message: `${code}: ${exception.message}`, data: { code, message: exception.message }, headers: {} };
  }
}
