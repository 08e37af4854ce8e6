import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { RequestContext, RequestContexts } from '../context/request-context';
import type { JsonLogger } from './json-logger';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Opens the request context (request id echoed in X-Request-Id) and writes one access-log line per request. */
export function requestLogging(logger: JsonLogger): RequestHandler {
  return (request, response, next) => {
    const incoming = request.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    response.setHeader('X-Request-Id', requestId);
    const context: RequestContext = { requestId, unit: Symbol(requestId), clientIp: request.ip };
    const started = process.hrtime.bigint();
    response.on('finish', () => {
      const fields = {
        msg: 'request',
        method: request.method,
        path: request.path,
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
