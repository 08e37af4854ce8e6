import { dirname } from 'node:path';
import { parse as parseQuery } from 'node:querystring';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';
import { AppModule } from './app.module';
import type { AppConfig } from './config/config';
import { bodyErrorHandler, jsonBodyParser } from './platform/http/body-parsing';
import { JsonLogger } from './platform/logging/json-logger';
import { requestLogging } from './platform/logging/request-logging.middleware';
import { SWAGGER_ASSETS_PATH } from './platform/openapi/docs.controller';

/** Builds the application, initialised and ready to listen: used by main.ts and by the tests. */
export async function createApp(config: AppConfig, logger = new JsonLogger(config.logLevel)): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger,
    bodyParser: false,
    abortOnError: false,
  });
  app.disable('x-powered-by');
  // GET answers carry an ETag the REST layer computes (result.interceptor.ts); JSON-RPC answers none.
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy);
  // Every pair of the query string is read (Node's default stops silently at 1000); the 16 KB header limit bounds them.
  app.set('query parser', (text: string) => parseQuery(text, '&', '=', { maxKeys: 0 }));
  app.use(requestLogging(logger));
  app.use(jsonBodyParser(config.bodyLimitBytes));
  app.use(bodyErrorHandler(config.bodyLimitBytes));
  app.use(SWAGGER_ASSETS_PATH, express.static(dirname(require.resolve('swagger-ui-dist/package.json')), { index: false }));
  await app.init();
  return app;
}
