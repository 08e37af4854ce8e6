import { isDatabaseUnavailable } from '../database/query-errors';
import { DomainError, ErrorData, ErrorKind, ServiceUnavailable } from './domain-error';

interface Rendering {
  httpStatus: number;
  rpcCode: number;
}

/** The one table from error kind to HTTP status and JSON-RPC code (SPEC §2). */
const RENDERINGS: Record<ErrorKind, Rendering> = {
  validation: { httpStatus: 400, rpcCode: -32602 },
  authentication: { httpStatus: 401, rpcCode: -32005 },
  not_found: { httpStatus: 404, rpcCode: -32004 },
  business: { httpStatus: 422, rpcCode: -32000 },
  too_many_requests: { httpStatus: 429, rpcCode: -32029 },
  payload_too_large: { httpStatus: 413, rpcCode: -32600 },
  unavailable: { httpStatus: 503, rpcCode: -32603 },
  internal: { httpStatus: 500, rpcCode: -32603 },
};

export interface RenderedError {
  httpStatus: number;
  rpcCode: number;
  message: string;
  data?: ErrorData;
  headers: Record<string, string>;
}

export const INTERNAL_ERROR_MESSAGE = 'Internal error';

/**
 * Renders any thrown value: a database that is down, too slow or full is a 503; anything else that
 * is not a DomainError is an internal error with nothing revealed.
 */
export function renderError(thrown: unknown): RenderedError {
  const error = !(thrown instanceof DomainError) && isDatabaseUnavailable(thrown) ? new ServiceUnavailable(thrown) : thrown;
  if (!(error instanceof DomainError)) {
    return { ...RENDERINGS.internal, message: INTERNAL_ERROR_MESSAGE, headers: {} };
  }
  const headers: Record<string, string> = {};
  if ('retryAfterSeconds' in error && typeof error.retryAfterSeconds === 'number') {
    headers['Retry-After'] = String(error.retryAfterSeconds);
  }
  return { ...RENDERINGS[error.kind], message: error.message, data: error.data, headers };
}

/** A failure of the server's (500) or of its database (503): logged with its cause. */
export function isInternal(rendered: RenderedError): boolean {
  return rendered.httpStatus >= 500;
}

/** The REST envelope: `{"error": {"message", "data"}}`. */
export function restErrorBody(rendered: RenderedError): { error: { message: string; data?: ErrorData } } {
  return { error: rendered.data === undefined ? { message: rendered.message } : { message: rendered.message, data: rendered.data } };
}
