import express, { ErrorRequestHandler, RequestHandler } from 'express';
import { parse as parseLossless } from 'lossless-json';
import Decimal from '../money/decimal';
import { PayloadTooLarge, ValidationFailed } from '../errors/domain-error';
import { renderError, restErrorBody } from '../errors/error-mapping';
import { RPC_PATHS } from '../rpc/rpc.controller';
import { RpcErrorCode, rpcError, STANDARD_MESSAGES } from '../rpc/rpc.protocol';
import { ExactNumber } from './exact-number';
import { toJson } from './json';

// A run of 16 or more digits (a point may sit among them), or an exponent: a number a binary float may not hold exactly.
const INEXACT_NUMBER = /(?:\d\.?){16,}|\d[eE][+-]?\d/;

/** A JSON number as a JS number when that is exact, else its text kept in an ExactNumber. */
function readNumber(text: string): number | ExactNumber {
  const value = Number(text);
  return Number.isFinite(value) && new Decimal(text).eq(value) ? value : new ExactNumber(text);
}

/** JSON.parse, except that numbers no float holds exactly keep their digits (see ExactNumber). */
export function parseJson(text: string): unknown {
  return INEXACT_NUMBER.test(text) ? parseLossless(text, null, readNumber) : JSON.parse(text);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Every request body is read as JSON whatever its Content-Type: the platform's own examples
 * send `curl -d '{...}'`, which says application/x-www-form-urlencoded. JSON is UTF-8: bytes that
 * are not are refused, never replaced. An empty body is no body.
 */
export function jsonBodyParser(limitBytes: number): RequestHandler {
  const readBytes = express.raw({ limit: limitBytes, type: () => true });
  return (request, response, next) =>
    readBytes(request, response, (error?: unknown) => {
      if (error) return next(error);
      const bytes: unknown = request.body;
      let text: string;
      try {
        text = Buffer.isBuffer(bytes) ? UTF8.decode(bytes) : '';
      } catch {
        return next(Object.assign(new Error('Invalid UTF-8'), { type: 'entity.encoding.invalid', status: 400 }));
      }
      if (text.trim() === '') {
        request.body = undefined;
        return next();
      }
      try {
        request.body = parseJson(text);
      } catch {
        return next(Object.assign(new Error('Invalid JSON'), { type: 'entity.parse.failed', status: 400 }));
      }
      next();
    });
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
      tooLarge
        ? new PayloadTooLarge(limitBytes)
        : ValidationFailed.field('body', error.type === 'entity.encoding.invalid' ? 'is not valid UTF-8' : 'is not valid JSON'),
    );
    response.status(rendered.httpStatus).send(toJson(restErrorBody(rendered)));
  };
}
