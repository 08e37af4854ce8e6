import type { ErrorKind } from './domain-error';

export interface ErrorKindSpec {
  httpStatus: number;
  /** The JSON-RPC code; null when the failure is the HTTP transport's own (a body too large). */
  rpcCode: number | null;
  /** What it means, for the API documents. */
  description: string;
}

/**
 * The one table of error kinds (SPEC §2): the REST filter, the JSON-RPC engine, the OpenAPI and
 * the OpenRPC documents all read it.
 */
export const ERROR_KINDS: Record<ErrorKind, ErrorKindSpec> = {
  validation: { httpStatus: 400, rpcCode: -32602, description: 'Invalid params: `data` maps each field to its problem' },
  authentication: { httpStatus: 401, rpcCode: -32005, description: 'Missing, unknown or blocked credentials' },
  not_found: { httpStatus: 404, rpcCode: -32004, description: "No such object within the caller's reach" },
  business: { httpStatus: 422, rpcCode: -32000, description: 'A business rule refused it; `data.code` says which' },
  too_many_requests: { httpStatus: 429, rpcCode: -32029, description: 'Too many requests; see Retry-After' },
  payload_too_large: { httpStatus: 413, rpcCode: null, description: 'The body is over the size limit (`data.code` `payload-too-large`, `data.limit_bytes`)' },
  method_not_allowed: {
    httpStatus: 405,
    rpcCode: null,
    description: 'The path exists, but not for this HTTP method (`data.code` `method-not-allowed`); the Allow header and `data.allow` list the methods it serves',
  },
  internal: { httpStatus: 500, rpcCode: -32603, description: 'Unexpected failure, nothing internal revealed' },
  unavailable: {
    httpStatus: 503,
    rpcCode: -32603,
    description: 'The database is down, too slow or cannot take writes (`data.code` `service-unavailable`); nothing was done, retry after Retry-After seconds',
  },
};

/** The description with where it shows: "… (HTTP 400, JSON-RPC -32602)". */
export function describeErrorKind(kind: ErrorKind): string {
  const { httpStatus, rpcCode, description } = ERROR_KINDS[kind];
  return `${description} (HTTP ${httpStatus}${rpcCode === null ? '' : `, JSON-RPC ${rpcCode}`})`;
}
