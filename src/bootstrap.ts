import type { INestApplication } from '@nestjs/common';
import { AppModule } from './app.module';
import type { AppConfig } from './config/config';
import { coalesceWrites } from './platform/http/write-coalescing';
import { JsonLogger } from './platform/logging/json-logger';

/**
 * Builds the application on the configured HTTP adapter, initialised and ready to listen: used by
 * main.ts and by the tests. Only the adapter in use is loaded (each brings its framework).
 */
export async function createApp(config: AppConfig, logger = new JsonLogger(config.logLevel)): Promise<INestApplication> {
  const app = await createOnAdapter(config, logger);
  coalesceWrites(app.getHttpServer());
  return app;
}

function createOnAdapter(config: AppConfig, logger: JsonLogger): Promise<INestApplication> {
  const module = AppModule.forRoot(config);
  if (config.httpAdapter === 'fastify') {
    const { createFastifyApp } = require('./platform/http/adapters/fastify') as typeof import('./platform/http/adapters/fastify');
    return createFastifyApp(module, config, logger);
  }
  const { createExpressApp } = require('./platform/http/adapters/express') as typeof import('./platform/http/adapters/express');
  return createExpressApp(module, config, logger);
}
