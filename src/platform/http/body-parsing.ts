import express, { ErrorRequestHandler, RequestHandler } from 'express';
import { PayloadTooLarge, ValidationFailed } from '../errors/domain-error';
import { renderError, restErrorBody } from '../errors/error-mapping';
import { RPC_PATHS } from '../rpc/rpc.controller';
import { RpcErrorCode, rpcError, STANDARD_MESSAGES } from '../rpc/rpc.protocol';
import { toJson } from './json';

/**
 * Every request body is read as JSON whatever its Content-Type: the platform's own examples
 * send `curl -d '{...}'`, which says application/x-www-form-urlencoded.
 */
export function jsonBodyParser(limitBytes: number): RequestHandler {
  return express.json({ limit: limitBytes, strict: false, type: () => true });
}

const isRpcRequest = (request: express.Request): boolean =>
  request.method === 'POST' && RPC_PATHS.includes(request.path.replace(/\/$/, '') || '/');

/** Unreadable or oversized bodies, answered in the protocol the caller spoke. */
export function bodyErrorHandler(limitBytes: number): ErrorRequestHandler {
  return (error: { type?: string; status?: number }, request, response, next) => {
    const tooLarge = error.type === 'entity.too.large';
    const unreadable = !tooLarge && typeof error.status === 'number' && error.status >= 400 && error.status < 500;
    if (!tooLarge && !unreadable) return next(error);

    response.type('application/json');
    if (isRpcRequest(request)) {
      const body = tooLarge
        ? rpcError(null, RpcErrorCode.InvalidRequest, new PayloadTooLarge(limitBytes).message)
        : rpcError(null, RpcErrorCode.ParseError, STANDARD_MESSAGES.parseError);
      response.status(tooLarge ? 413 : 200).send(toJson(body));
      return;
    }
    const rendered = renderError(
      tooLarge ? new PayloadTooLarge(limitBytes) : ValidationFailed.field('body', 'is not valid JSON'),
    );
    response.status(rendered.httpStatus).send(toJson(restErrorBody(rendered)));
  };
}
