import type { IncomingMessage, ServerResponse } from 'node:http';
import bodyParser from 'body-parser';
import { parse as parseLossless } from 'lossless-json';
import Decimal from '../money/decimal';
import { PayloadTooLarge, ValidationFailed } from '../errors/domain-error';
import { renderError, restErrorBody } from '../errors/error-mapping';
import { RPC_PATHS } from '../rpc/rpc.controller';
import { RpcErrorCode, rpcError, STANDARD_MESSAGES } from '../rpc/rpc.protocol';
import { ExactNumber } from './exact-number';
import { requestPath } from './http-adapter';
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

/** A connect-style step on the Node request and response beneath either adapter. */
export type NodeMiddleware = (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void) => void;

/** Why a body could not be read (body-parser's error types, and ours for UTF-8 and JSON). */
export interface BodyError {
  type?: string;
  status?: number;
}

/**
 * Every request body is read as JSON whatever its Content-Type: the platform's own examples
 * send `curl -d '{...}'`, which says application/x-www-form-urlencoded. JSON is UTF-8: bytes that
 * are not are refused, never replaced. An empty body is no body. The body lands in `request.body`;
 * both adapters run this same reader (body-parser's, as Express's own `express.raw` is).
 */
export function jsonBodyParser(limitBytes: number): NodeMiddleware {
  const readBytes = bodyParser.raw({ limit: limitBytes, type: () => true });
  return (request: IncomingMessage & { body?: unknown }, response, next) =>
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

const isRpcRequest = (request: IncomingMessage): boolean =>
  request.method === 'POST' && RPC_PATHS.includes(requestPath(request).replace(/\/$/, '') || '/');

/** The answer to an unreadable or oversized body, in the protocol the caller spoke; undefined when `error` is no such thing. */
export function bodyErrorAnswer(error: BodyError, request: IncomingMessage, limitBytes: number): { status: number; json: string } | undefined {
  const tooLarge = error.type === 'entity.too.large';
  const unreadable = !tooLarge && typeof error.status === 'number' && error.status >= 400 && error.status < 500;
  if (!tooLarge && !unreadable) return undefined;

  if (isRpcRequest(request)) {
    const refusal = tooLarge ? new PayloadTooLarge(limitBytes) : undefined;
    const body = refusal
      ? rpcError(null, RpcErrorCode.InvalidRequest, refusal.message, refusal.data)
      : rpcError(null, RpcErrorCode.ParseError, STANDARD_MESSAGES.parseError);
    return { status: tooLarge ? 413 : 200, json: toJson(body) };
  }
  const rendered = renderError(
    tooLarge
      ? new PayloadTooLarge(limitBytes)
      : ValidationFailed.field('body', error.type === 'entity.encoding.invalid' ? 'is not valid UTF-8' : 'is not valid JSON'),
  );
  return { status: rendered.httpStatus, json: toJson(restErrorBody(rendered)) };
}
