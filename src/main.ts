import 'reflect-metadata';
import { createApp } from './bootstrap';
import { ConfigError, loadConfig } from './config/config';
import { JsonLogger } from './platform/logging/json-logger';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  const logger = new JsonLogger(config.logLevel);
  const app = await createApp(config, logger);
  await app.listen(config.port, config.host);
  logger.emit('info', { msg: `Billing API listening on http://${config.host}:${config.port}`, database: config.database.type }, 'Main');

  // SIGTERM: stop accepting, let in-flight requests finish, close the database, exit.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.emit('info', { msg: `${signal} received: draining in-flight requests` }, 'Main');
    setTimeout(() => {
      logger.emit('error', { msg: `Shutdown took over ${config.shutdownTimeoutMs} ms: exiting anyway` }, 'Main');
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    // Keep-alive connections that fall idle while draining are closed at once rather than at their timeout.
    const server = app.getHttpServer() as import('node:http').Server;
    setInterval(() => server.closeIdleConnections(), 100).unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.emit('error', { msg: 'Shutdown failed', error: String(error) }, 'Main');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
