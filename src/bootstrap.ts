import type { INestApplication } from '@nestjs/common';
import { AppModule } from './app.module';
import type { AppConfig } from './config/config';
import { createExpressApp } from './platform/http/adapters/express';
import { JsonLogger } from './platform/logging/json-logger';

/** Builds the application, initialised and ready to listen: used by main.ts and by the tests. */
export async function createApp(config: AppConfig, logger = new JsonLogger(config.logLevel)): Promise<INestApplication> {
  return createExpressApp(AppModule.forRoot(config), config, logger);
}
