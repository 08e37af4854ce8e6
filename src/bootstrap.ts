import type { INestApplication } from '@nestjs/common';
import { AppModule } from './app.module';
import type { AppConfig } from './config/config';
import { createExpressApp } from './platform/http/adapters/express';
import { createFastifyApp } from './platform/http/adapters/fastify';
import { JsonLogger } from './platform/logging/json-logger';

/** Builds the application on the configured HTTP adapter, initialised and ready to listen: used by main.ts and by the tests. */
export async function createApp(config: AppConfig, logger = new JsonLogger(config.logLevel)): Promise<INestApplication> {
  const module = AppModule.forRoot(config);
  return config.httpAdapter === 'fastify' ? createFastifyApp(module, config, logger) : createExpressApp(module, config, logger);
}
