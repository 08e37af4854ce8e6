import type { IncomingMessage, ServerResponse } from 'node:http';

/** `CORS_ORIGINS`: every origin (`*`), or the origins listed; none (the default) sends no CORS header at all. */
export type CorsOrigins = '*' | readonly string[];

const ALLOW_METHODS = 'GET, POST, PATCH, DELETE';
const ALLOW_HEADERS = 'X-Api-Key, Authorization, Content-Type, Idempotency-Key';
const EXPOSE_HEADERS = 'X-Request-Id, ETag, Link, X-Has-More, Retry-After, Deprecation, Idempotent-Replayed, Content-Disposition';
const MAX_AGE_SECONDS = '600';

/** Adds `token` to a comma-separated header such as Vary, once. */
export function appendHeaderToken(response: ServerResponse, name: string, token: string): void {
  const current = response.getHeader(name);
  if (current === undefined) return void response.setHeader(name, token);
  const tokens = String(current).split(',').map((part) => part.trim().toLowerCase());
  if (!tokens.includes(token.toLowerCase())) response.setHeader(name, `${String(current)}, ${token}`);
}

/**
 * CORS for browsers calling from the configured origins, on the Node request beneath either
 * adapter: for a preflight (OPTIONS with Access-Control-Request-Method) it sets the headers and
 * answers true, and the adapter answers 204 with no body; an actual request from an allowed origin
 * gets the headers a browser needs to read it. Undefined when CORS is off: then no step runs at all.
 */
export function corsStep(origins: CorsOrigins): ((request: IncomingMessage, response: ServerResponse) => boolean) | undefined {
  if (origins !== '*' && origins.length === 0) return undefined;
  const allowed = origins === '*' ? () => true : (origin: string) => origins.includes(origin);
  return (request, response) => {
    const origin = request.headers.origin;
    if (origin === undefined) return false;
    const preflight = request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
    if (origins !== '*' || preflight) appendHeaderToken(response, 'Vary', 'Origin');
    const granted = allowed(origin);
    if (granted) response.setHeader('Access-Control-Allow-Origin', origins === '*' ? '*' : origin);
    if (!preflight) {
      if (granted) response.setHeader('Access-Control-Expose-Headers', EXPOSE_HEADERS);
      return false;
    }
    if (granted) {
      response.setHeader('Access-Control-Allow-Methods', ALLOW_METHODS);
      response.setHeader('Access-Control-Allow-Headers', ALLOW_HEADERS);
      response.setHeader('Access-Control-Max-Age', MAX_AGE_SECONDS);
    }
    return true;
  };
}
