import type { ErrorKind } from './domain-error';

export interface ErrorKindSpec {
  httpStatus: number;
  /** The JSON-RPC code; null when the failure is the HTTP transport's own (a body too large). */
  rpcCode: number | null;
  /** What it means, for the API documents. */
  description: string;
  /** A typical answer's `error` member (`message` and `data`), for the API documents' examples. */
  example?: { message: string; data?: Record<string, unknown> };
}

/**
 * The one table of error kinds (SPEC §2): the REST filter, the JSON-RPC engine, the OpenAPI and
 * the OpenRPC documents all read it.
 */
export const ERROR_KINDS: Record<ErrorKind, ErrorKindSpec> = {
  validation: {
    httpStatus: 400,
    rpcCode: -32602,
    description: 'Invalid params: `data` maps each field to its problem',
    example: { message: 'Invalid params', data: { name: 'must not be empty' } },
  },
  authentication: {
    httpStatus: 401,
    rpcCode: -32005,
    description: 'Missing, unknown or blocked credentials',
    example: {
      message: 'utoken-auth-failed: Authentication failed: a valid X-Api-Key header is required',
      data: { code: 'utoken-auth-failed', message: 'Authentication failed: a valid X-Api-Key header is required' },
    },
  },
  not_found: {
    httpStatus: 404,
    rpcCode: -32004,
    description: "No such object within the caller's reach",
    example: { message: 'not_found: clients #42 not found', data: { code: 'not_found', object_name: 'clients', object_id: '42' } },
  },
  business: {
    httpStatus: 422,
    rpcCode: -32000,
    description: 'A business rule refused it; `data.code` says which',
    example: {
      message: 'low-balance: client #42 has 10 available, 25.5 needed',
      data: { code: 'low-balance', message: 'client #42 has 10 available, 25.5 needed' },
    },
  },
  too_many_requests: {
    httpStatus: 429,
    rpcCode: -32029,
    description: 'Too many requests; see Retry-After',
    example: { message: 'too-many-requests: Too many requests, retry later', data: { code: 'too-many-requests' } },
  },
  payload_too_large: {
    httpStatus: 413,
    rpcCode: null,
    description: 'The body is over the size limit (`data.code` `payload-too-large`, `data.limit_bytes`)',
    example: {
      message: 'payload-too-large: the body is over the limit of 1048576 bytes',
      data: { code: 'payload-too-large', message: 'the body is over the limit of 1048576 bytes', limit_bytes: 1048576 },
    },
  },
  method_not_allowed: {
    httpStatus: 405,
    rpcCode: null,
    description: 'The path exists, but not for this HTTP method (`data.code` `method-not-allowed`); the Allow header and `data.allow` list the methods it serves',
    example: {
      message: 'method-not-allowed: PUT is not allowed on /clients/1',
      data: { code: 'method-not-allowed', message: 'PUT is not allowed on /clients/1', allow: ['GET', 'PATCH', 'DELETE'] },
    },
  },
  internal: {
    httpStatus: 500,
    rpcCode: -32603,
    description: 'Unexpected failure, nothing internal revealed',
    example: { message: 'Internal error', data: { code: 'internal-error' } },
  },
  unavailable: {
    httpStatus: 503,
    rpcCode: -32603,
    description: 'The database is down, too slow or cannot take writes (`data.code` `service-unavailable`); nothing was done, retry after Retry-After seconds',
    example: { message: 'service-unavailable: Service temporarily unavailable, retry later', data: { code: 'service-unavailable' } },
  },
};

/** The description with where it shows: "… (HTTP 400, JSON-RPC -32602)". */
export function describeErrorKind(kind: ErrorKind): string {
  const { httpStatus, rpcCode, description } = ERROR_KINDS[kind];
  return `${description} (HTTP ${httpStatus}${rpcCode === null ? '' : `, JSON-RPC ${rpcCode}`})`;
}
