import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestContext, RequestContexts } from '../context/request-context';
import { linkResponse, requestPath } from '../http/http-adapter';
import type { JsonLogger } from './json-logger';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The first step of every request, on the Node request and response beneath either adapter; `next` runs the rest in its context. */
export type RequestStart = (request: IncomingMessage, response: ServerResponse, clientIp: string | undefined, next: () => void) => void;

/** Opens the request context (request id echoed in X-Request-Id) and writes one access-log line per request (at level info). */
export function requestLogging(logger: JsonLogger): RequestStart {
  const logs = logger.writes('info');
  return (request, response, clientIp, next) => {
    const incoming = request.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    response.setHeader('X-Request-Id', requestId);
    linkResponse(request, response);
    const context: RequestContext = { requestId, unit: Symbol(requestId), clientIp };
    if (!logs) return RequestContexts.run(context, next);
    const started = process.hrtime.bigint();
    // Read now: a middleware mounted at a path (the Swagger assets) may rewrite the URL before the answer is written.
    const path = requestPath(request);
    response.on('finish', () => {
      const fields = {
        msg: 'request',
        method: request.method,
        path,
        status: response.statusCode,
        duration_ms: Number(process.hrtime.bigint() - started) / 1e6,
        ...(context.principal && { user_id: context.principal.userId }),
        ...(context.rpcMethods && { rpc_methods: context.rpcMethods }),
      };
      RequestContexts.run(context, () => logger.emit('info', fields, 'Http'));
    });
    RequestContexts.run(context, next);
  };
}
