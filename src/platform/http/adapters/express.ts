import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';
import type { AppConfig } from '../../../config/config';
import type { JsonLogger } from '../../logging/json-logger';
import { requestLogging } from '../../logging/request-logging.middleware';
import { SWAGGER_ASSETS_PATH } from '../../openapi/docs.controller';
import { swaggerAssets } from '../../openapi/swagger-assets';
import { BodyError, bodyErrorAnswer, jsonBodyParser } from '../body-parsing';
import { compressLargeAnswers } from '../compression';
import { corsStep } from '../cors';
import { parseQuery, proxyTrust, sendJson } from '../http-adapter';
import { weakEtag } from '../weak-etag';

/** The application on Express (the default): the platform's request steps as Express middleware, in the order they run. */
export async function createExpressApp(module: DynamicModule, config: AppConfig, logger: JsonLogger): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, { logger, bodyParser: false, abortOnError: false });
  app.disable('x-powered-by');
  app.set('trust proxy', proxyTrust(config.trustProxy));
  app.set('query parser', parseQuery);
  app.set('etag', weakEtag);
  const start = requestLogging(logger);
  const cors = corsStep(config.corsOrigins);
  const readBody = jsonBodyParser(config.bodyLimitBytes);
  const answerBodyError = bodyErrors(config.bodyLimitBytes);
  // One Express layer for all of them: each layer the router walks costs every request (about 1% of its CPU).
  app.use((request: Request, response: Response, next: NextFunction) =>
    start(request, response, request.ip, () => {
      compressLargeAnswers(request, response);
      if (cors?.(request, response)) return void response.status(204).end();
      readBody(request, response, (error?: unknown) => (error ? answerBodyError(error as BodyError, request, response, next) : next()));
    }),
  );
  app.use(SWAGGER_ASSETS_PATH, swaggerAssets());
  await app.init();
  return app;
}

/** Unreadable or oversized bodies, answered in the protocol the caller spoke. */
function bodyErrors(limitBytes: number): ErrorRequestHandler {
  return (error: BodyError, request, response, next) => {
    const answer = bodyErrorAnswer(error, request, limitBytes);
    if (!answer) return next(error);
    sendJson(response, answer.status, {}, answer.json);
  };
}
