import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    expect(loadConfig({})).toEqual({
      port: 3080,
      host: '0.0.0.0',
      httpAdapter: 'express',
      database: { type: 'sqlite', path: './data/billing.sqlite' },
      databaseLimits: { poolSize: 20, acquireTimeoutMs: 5000, lockTimeoutMs: 5000, statementTimeoutMs: 15000 },
      defaultTimezone: 'UTC',
      rpcBatchLimit: 100,
      responseRowLimit: 2000,
      rowsInFlightLimit: 10000,
      bodyLimitBytes: 1048576,
      admin: { login: 'admin', password: undefined, apiKey: undefined },
      jwt: { secret: undefined, ttlSeconds: 3600 },
      trustProxy: false,
      corsOrigins: [],
      logLevel: 'info',
      shutdownTimeoutMs: 10000,
      billingTickSeconds: 10,
      invoiceSeller: 'Billing',
    });
  });

  it('reads PostgreSQL URLs and other values', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://billing@db:5432/billing',
      PORT: '8080',
      DEFAULT_TIMEZONE: 'Europe/Kyiv',
      TRUST_PROXY: 'true',
      RPC_BATCH_LIMIT: '10',
    });
    expect([config.database, config.port, config.defaultTimezone, config.trustProxy, config.rpcBatchLimit]).toEqual([
      { type: 'postgres', url: 'postgres://billing@db:5432/billing' },
      8080,
      'Europe/Kyiv',
      1,
      10,
    ]);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toBe('loopback,10.0.0.0/8');
    expect(loadConfig({ TRUST_PROXY: 'off' }).trustProxy).toBe(false);
    expect(loadConfig({ INVOICE_SELLER: 'Acme Telecom Ltd' }).invoiceSeller).toBe('Acme Telecom Ltd');
    expect(loadConfig({ CORS_ORIGINS: ' https://app.example.com, http://localhost:3000 ' }).corsOrigins).toEqual(['https://app.example.com', 'http://localhost:3000']);
    expect([loadConfig({ CORS_ORIGINS: '*' }).corsOrigins, loadConfig({ CORS_ORIGINS: '' }).corsOrigins]).toEqual(['*', []]);
    expect([loadConfig({ HTTP_ADAPTER: 'fastify' }).httpAdapter, loadConfig({ HTTP_ADAPTER: 'express' }).httpAdapter]).toEqual(['fastify', 'express']);
  });

  it('refuses bad values, listing every one of them', () => {
    const env = {
      PORT: '70000',
      HTTP_ADAPTER: 'koa',
      DATABASE_URL: 'mysql://x',
      DEFAULT_TIMEZONE: 'Mars/Olympus',
      RPC_BATCH_LIMIT: 'many',
      ADMIN_API_KEY: 'short',
      LOG_LEVEL: 'loud',
      TRUST_PROXY: 'maybe, 10.0.0.0/8',
      CORS_ORIGINS: 'https://ok.example.com, https://app.example.com/, example.com',
    };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    try {
      loadConfig(env);
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        'PORT must be an integer from 1 to 65535, got "70000"',
        'HTTP_ADAPTER must be one of express, fastify, got "koa"',
        'DATABASE_URL must be sqlite:<path> or postgres://user@host:port/database, got "mysql://x"',
        'DEFAULT_TIMEZONE must be an IANA time zone such as UTC or America/New_York, got "Mars/Olympus"',
        'RPC_BATCH_LIMIT must be an integer from 1 to 10000, got "many"',
        'ADMIN_API_KEY must be at least 20 characters long',
        'TRUST_PROXY must be false, true (one proxy), a number of proxy hops, or proxy addresses/subnets such as 10.0.0.0/8, got "maybe, 10.0.0.0/8"',
        'CORS_ORIGINS must be * or a comma-separated list of origins such as https://app.example.com, got "https://app.example.com/, example.com"',
        'LOG_LEVEL must be one of error, warn, info, debug, got "loud"',
      ]);
    }
  });
});
