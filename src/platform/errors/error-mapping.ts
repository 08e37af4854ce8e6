import { isDatabaseUnavailable } from '../database/query-errors';
import { DomainError, ErrorData, ServiceUnavailable } from './domain-error';
import { ERROR_KINDS } from './error-kinds';

export interface RenderedError {
  httpStatus: number;
  rpcCode: number;
  message: string;
  data?: ErrorData;
  headers: Record<string, string>;
}

export const INTERNAL_ERROR_MESSAGE = 'Internal error';
/** What an unexpected failure says: its code, nothing more (design-13: every error but a validation one has a code). */
const INTERNAL_ERROR_DATA = { code: 'internal-error' };

/** A body too large is refused by the transport: JSON-RPC answers it as an invalid request. */
function rendering(kind: keyof typeof ERROR_KINDS): { httpStatus: number; rpcCode: number } {
  const { httpStatus, rpcCode } = ERROR_KINDS[kind];
  return { httpStatus, rpcCode: rpcCode ?? -32600 };
}

/**
 * Renders any thrown value: a database that is down, too slow or full is a 503; anything else that
 * is not a DomainError is an internal error with nothing revealed.
 */
export function renderError(thrown: unknown): RenderedError {
  const error = !(thrown instanceof DomainError) && isDatabaseUnavailable(thrown) ? new ServiceUnavailable(thrown) : thrown;
  if (!(error instanceof DomainError)) {
    return { ...rendering('internal'), message: INTERNAL_ERROR_MESSAGE, data: { ...INTERNAL_ERROR_DATA }, headers: {} };
  }
  const headers: Record<string, string> = {};
  if ('retryAfterSeconds' in error && typeof error.retryAfterSeconds === 'number') {
    headers['Retry-After'] = String(error.retryAfterSeconds);
  }
  if ('responseHeaders' in error) Object.assign(headers, error.responseHeaders);
  return { ...rendering(error.kind), message: error.message, data: error.data, headers };
}

/** A failure of the server's (500) or of its database (503): logged with its cause. */
export function isInternal(rendered: RenderedError): boolean {
  return rendered.httpStatus >= 500;
}

/**
 * Logs a 5xx where it happened: an unexpected failure as an error with its stack; the database
 * being unavailable as a warning with its cause alone (under load there may be many).
 */
export function logServerFailure(logger: { error(message: object): void; warn(message: object): void }, rendered: RenderedError, thrown: unknown, where: string): void {
  if (rendered.httpStatus === 503) {
    const cause = thrown instanceof DomainError && thrown.cause !== undefined ? thrown.cause : thrown;
    logger.warn({ msg: `Database unavailable in ${where}`, error: (cause as { message?: unknown } | null)?.message ?? String(cause) });
    return;
  }
  logger.error({ msg: `Unexpected failure in ${where}`, error: thrown instanceof Error ? thrown.stack : String(thrown) });
}

/** The REST envelope: `{"error": {"message", "data"}}`. */
export function restErrorBody(rendered: RenderedError): { error: { message: string; data?: ErrorData } } {
  return { error: rendered.data === undefined ? { message: rendered.message } : { message: rendered.message, data: rendered.data } };
}
