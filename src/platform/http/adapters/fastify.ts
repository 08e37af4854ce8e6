import { createServer } from 'node:http';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest, FastifyServerFactoryHandler } from 'fastify';
import fresh from 'fresh';
import type { AppConfig } from '../../../config/config';
import { DomainError, NoRoute } from '../../errors/domain-error';
import { renderError, restErrorBody } from '../../errors/error-mapping';
import { undecodablePath } from '../../errors/http-exception.filter';
import type { JsonLogger } from '../../logging/json-logger';
import { requestLogging } from '../../logging/request-logging.middleware';
import { SWAGGER_ASSETS_PATH } from '../../openapi/docs.controller';
import { swaggerAssets } from '../../openapi/swagger-assets';
import { BodyError, bodyErrorAnswer, jsonBodyParser } from '../body-parsing';
import { compressLargeAnswers } from '../compression';
import { corsStep } from '../cors';
import { parseQuery, proxyTrust, requestPath, sendJson } from '../http-adapter';
import { toJson } from '../json';
import { weakEtag } from '../weak-etag';

// Express puts no bound on a route parameter's length (find-my-way's default is 100); the 16 KB header limit bounds the URL.
const NO_PARAM_LENGTH_LIMIT = 1024 * 1024;

type Answer = (reply: FastifyReply, status: number, json: string) => void;

/**
 * The application on Fastify (HTTP_ADAPTER=fastify), answering exactly as it does on Express: the
 * same Node server, routing rules, query parser, proxy trust, body reader and request steps, the
 * same static assets, and what Express's `res.send` adds (ETag, 304, HEAD). test/e2e/adapters.e2e.ts holds them.
 */
export async function createFastifyApp(module: DynamicModule, config: AppConfig, logger: JsonLogger): Promise<INestApplication> {
  const routes: RegExp[] = [];
  const steps = requestSteps(config, logger);
  const adapter = new FastifyAdapter({
    // Node's own server, as Express runs on: the same keep-alive, header and request timeouts.
    serverFactory: (handler: FastifyServerFactoryHandler) => createServer(handler),
    trustProxy: proxyTrust(config.trustProxy),
    // Express keeps serving requests on open connections while it drains (main.ts closes idle ones).
    return503OnClosing: false,
    // A GET route serves HEAD itself (see onRoute below), as on Express.
    exposeHeadRoutes: false,
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: NO_PARAM_LENGTH_LIMIT, querystringParser: parseQuery },
    // The router refuses a path it cannot decode before any hook runs; Express routes it, then fails on the parameter.
    frameworkErrors: (_error: Error, request: FastifyRequest, reply: FastifyReply) =>
      steps(request, reply, answerUnrouted, () => {
        const rendered = renderError(undecodablePathError(request.method, requestPath(request.raw), routes));
        answerUnrouted(reply, rendered.httpStatus, toJson(restErrorBody(rendered)));
      }),
  });
  const fastify = adapter.getInstance();
  // Node answers malformed requests itself (400, 431, 408, then closes), as it does under Express.
  fastify.server.removeAllListeners('clientError');
  // Fastify parses no body: the platform's reader reads it for every method and any Content-Type, as on Express.
  for (const method of fastify.supportedMethods) fastify.addHttpMethod(method, { hasBody: false, overrideExisting: true });
  fastify.addHook('onRoute', (route) => {
    // HEAD runs the GET handler and Node leaves the body out, so Content-Length and ETag are those of the GET.
    if (route.method === 'GET') route.method = ['GET', 'HEAD'];
    routes.push(expressPattern(route.url));
  });
  fastify.addHook('onSend', sendLikeExpress);
  // Before anything else, middleware included.
  adapter.setOnRequestHook((request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => steps(request, reply, answer, done));

  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, { logger, bodyParser: false, abortOnError: false });
  app.use(SWAGGER_ASSETS_PATH, swaggerAssets());
  await app.init();
  await fastify.ready();
  return app;
}

/** The platform's first steps, as Express runs them as middleware: the request context and access log, then the body (or its error's answer). */
function requestSteps(config: AppConfig, logger: JsonLogger) {
  const start = requestLogging(logger);
  const cors = corsStep(config.corsOrigins);
  const readBody = jsonBodyParser(config.bodyLimitBytes);
  return (request: FastifyRequest, reply: FastifyReply, answerWith: Answer, next: (error?: Error) => void): void =>
    start(request.raw, reply.raw, request.ip, () => {
      compressLargeAnswers(request.raw, reply.raw);
      if (cors?.(request.raw, reply.raw)) return void reply.code(204).send();
      readBody(request.raw, reply.raw, (error) => {
        if (error === undefined) {
          request.body = (request.raw as { body?: unknown }).body;
          return next();
        }
        const answer = bodyErrorAnswer(error as BodyError, request.raw, config.bodyLimitBytes);
        if (answer) answerWith(reply, answer.status, answer.json);
        else next(error as Error);
      });
    });
}

const answer: Answer = (reply, status, json) => sendJson(reply, status, {}, json);

// A reply to a request the router refused runs no hooks: the ETag Express would add is added here (an error is never 304).
const answerUnrouted: Answer = (reply, status, json) => sendJson(reply.header('ETag', weakEtag(json)), status, {}, json);

/** A route path as Express matches it against the undecoded path: any case, a trailing slash or not, a parameter one segment. */
function expressPattern(path: string): RegExp {
  const segments = path.replace(/\/$/, '').split('/');
  const source = segments.map((segment) => (segment.startsWith(':') ? '([^/]+)' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
  return new RegExp(`^${source}/?$`, 'i');
}

const decodes = (text: string): boolean => {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
};

/** Express's answer to a path it cannot decode: a route whose parameter it is fails (400, whatever the method), else no route (404). */
function undecodablePathError(method: string, path: string, routes: RegExp[]): DomainError {
  for (const route of routes) {
    const undecodable = route.exec(path)?.slice(1).find((value) => !decodes(value));
    if (undecodable !== undefined) return undecodablePath(undecodable);
  }
  return new NoRoute(method, path);
}

/**
 * What Express's `res.send` adds to every answer it sends, for the answers Fastify sends: a weak
 * ETag of the body, and for a GET or HEAD whose If-None-Match / If-Modified-Since matches, 304 with no body.
 */
function sendLikeExpress(request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void): void {
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return done(null, payload);
  if (!reply.hasHeader('etag')) reply.header('ETag', weakEtag(payload));
  const status = reply.statusCode;
  const conditional = (request.method === 'GET' || request.method === 'HEAD') && ((status >= 200 && status < 300) || status === 304);
  const validators = { etag: reply.getHeader('etag') as string | undefined, 'last-modified': reply.getHeader('last-modified') as string | undefined };
  if (!conditional || !fresh(request.headers, validators)) return done(null, payload);
  reply.code(304).removeHeader('content-type').removeHeader('content-length').removeHeader('transfer-encoding');
  done(null, null);
}
