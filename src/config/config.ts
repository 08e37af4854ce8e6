import { IANAZone } from 'luxon';
import type { CorsOrigins } from '../platform/http/cors';
import { isIpOrCidr } from '../platform/http/ip-addresses';

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

export type DatabaseConfig =
  | { type: 'sqlite'; path: string }
  | { type: 'postgres'; url: string; schema?: string };

/** Bounds on every database call, so no request waits forever (see SECURITY.md). */
export interface DatabaseLimits {
  /** Connections per process (PostgreSQL). */
  poolSize: number;
  /** Longest wait for a pooled connection, or to connect. */
  acquireTimeoutMs: number;
  /** Longest wait for a lock: a row, the tree, SQLite's writer. */
  lockTimeoutMs: number;
  /** Longest statement; a server that does not answer at all is given a second more. */
  statementTimeoutMs: number;
}

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/** The HTTP framework beneath Nest; every behaviour is the same on both (see src/platform/http/adapters). */
export const HTTP_ADAPTERS = ['express', 'fastify'] as const;
export type HttpAdapterName = (typeof HTTP_ADAPTERS)[number];

export interface AppConfig {
  port: number;
  host: string;
  httpAdapter: HttpAdapterName;
  database: DatabaseConfig;
  databaseLimits: DatabaseLimits;
  defaultTimezone: string;
  rpcBatchLimit: number;
  /** Rows one request (a whole batch) may ask for; refused before any work beyond it. */
  responseRowLimit: number;
  /** Rows all requests of the process together may be answering at once; refused (503) beyond it. */
  rowsInFlightLimit: number;
  bodyLimitBytes: number;
  admin: { login: string; password?: string; apiKey?: string };
  jwt: { secret?: string; ttlSeconds: number };
  /** `trust proxy` (Express's, and Fastify's `trustProxy`): false, a number of proxy hops, or the proxies' addresses and subnets. */
  trustProxy: false | number | string;
  /** CORS_ORIGINS: `*`, or the origins browsers may call from; none: no CORS headers at all. */
  corsOrigins: CorsOrigins;
  logLevel: LogLevel;
  shutdownTimeoutMs: number;
  /** The billing engine wakes at least this often (SPEC §10); 0 turns it off in this process. */
  billingTickSeconds: number;
  /** Who issues the invoices of clients of no reseller (the PDF's seller). */
  invoiceSeller: string;
}

/** Thrown at boot with every bad variable at once, so an operator fixes them in one go. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** The one place that reads the environment: validated into a typed object, failing with the full list. */
export const DEFAULT_DATABASE_LIMITS: DatabaseLimits = { poolSize: 20, acquireTimeoutMs: 5000, lockTimeoutMs: 5000, statementTimeoutMs: 15000 };

export function loadConfig(env: Env = process.env): AppConfig {
  const problems: string[] = [];
  const read = new EnvReader(env, problems);

  const config: AppConfig = {
    port: read.int('PORT', 3080, 1, 65535),
    host: read.string('HOST', '0.0.0.0'),
    httpAdapter: read.oneOf('HTTP_ADAPTER', HTTP_ADAPTERS, 'express'),
    database: read.database('DATABASE_URL', 'sqlite:./data/billing.sqlite'),
    databaseLimits: {
      poolSize: read.int('DB_POOL_SIZE', DEFAULT_DATABASE_LIMITS.poolSize, 1, 1000),
      acquireTimeoutMs: read.int('DB_ACQUIRE_TIMEOUT_MS', DEFAULT_DATABASE_LIMITS.acquireTimeoutMs, 100, 600000),
      lockTimeoutMs: read.int('DB_LOCK_TIMEOUT_MS', DEFAULT_DATABASE_LIMITS.lockTimeoutMs, 100, 600000),
      statementTimeoutMs: read.int('DB_STATEMENT_TIMEOUT_MS', DEFAULT_DATABASE_LIMITS.statementTimeoutMs, 100, 3600000),
    },
    defaultTimezone: read.timezone('DEFAULT_TIMEZONE', 'UTC'),
    rpcBatchLimit: read.int('RPC_BATCH_LIMIT', 100, 1, 10000),
    responseRowLimit: read.int('RESPONSE_ROW_LIMIT', 2000, 1000, 1000000),
    rowsInFlightLimit: read.int('ROWS_IN_FLIGHT_LIMIT', 10000, 1000, 10000000),
    bodyLimitBytes: read.int('BODY_LIMIT', 1024 * 1024, 1024, 64 * 1024 * 1024),
    admin: {
      login: read.string('ADMIN_LOGIN', 'admin'),
      password: read.optionalSecret('ADMIN_PASSWORD', 8),
      apiKey: read.optionalSecret('ADMIN_API_KEY', 20),
    },
    jwt: {
      secret: read.optionalSecret('JWT_SECRET', 32),
      ttlSeconds: read.int('JWT_TTL', 3600, 1, 30 * 24 * 3600),
    },
    trustProxy: read.trustProxy('TRUST_PROXY'),
    corsOrigins: read.origins('CORS_ORIGINS'),
    logLevel: read.oneOf('LOG_LEVEL', ['error', 'warn', 'info', 'debug'] as const, 'info'),
    shutdownTimeoutMs: read.int('SHUTDOWN_TIMEOUT', 10000, 0, 600000),
    billingTickSeconds: read.int('BILLING_TICK_SECONDS', 10, 0, 86400),
    invoiceSeller: read.string('INVOICE_SELLER', 'Billing'),
  };

  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

class EnvReader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  private raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value === '' ? undefined : value;
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || parsed < min || parsed > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max}, got "${value}"`);
      return fallback;
    }
    return parsed;
  }

  /** false; true (one proxy in front); a number of hops; or a comma-separated list of proxy addresses or subnets. */
  trustProxy(name: string): false | number | string {
    const value = this.raw(name);
    if (value === undefined || ['0', 'false', 'no', 'off'].includes(value.toLowerCase())) return false;
    if (['true', 'yes', 'on'].includes(value.toLowerCase())) return 1;
    if (/^\d{1,2}$/.test(value)) return Number(value);
    const entries = value.split(',').map((entry) => entry.trim());
    if (entries.every((entry) => PROXY_NAMES.includes(entry) || isIpOrCidr(entry))) return entries.join(',');
    this.problems.push(
      `${name} must be false, true (one proxy), a number of proxy hops, or proxy addresses/subnets such as 10.0.0.0/8, got "${value}"`,
    );
    return false;
  }

  /** `*`, or a comma-separated list of origins (`https://app.example.com`, `http://localhost:3000`). */
  origins(name: string): CorsOrigins {
    const value = this.raw(name)?.trim();
    if (value === undefined || value === '') return [];
    if (value === '*') return '*';
    const entries = value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
    const invalid = entries.filter((entry) => !isOrigin(entry));
    if (invalid.length === 0) return entries;
    this.problems.push(`${name} must be * or a comma-separated list of origins such as https://app.example.com, got "${invalid.join(', ')}"`);
    return [];
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problems.push(`${name} must be one of ${allowed.join(', ')}, got "${value}"`);
    return fallback;
  }

  optionalSecret(name: string, minLength: number): string | undefined {
    const value = this.raw(name);
    if (value !== undefined && value.length < minLength) {
      this.problems.push(`${name} must be at least ${minLength} characters long`);
    }
    return value;
  }

  timezone(name: string, fallback: string): string {
    const value = this.raw(name) ?? fallback;
    if (!IANAZone.isValidZone(value)) {
      this.problems.push(`${name} must be an IANA time zone such as UTC or America/New_York, got "${value}"`);
      return fallback;
    }
    return value;
  }

  database(name: string, fallback: string): DatabaseConfig {
    const value = this.raw(name) ?? fallback;
    if (value.startsWith('sqlite:')) {
      const path = value.slice('sqlite:'.length);
      if (path) return { type: 'sqlite', path };
    } else if (/^postgres(ql)?:\/\/.+/.test(value)) {
      return { type: 'postgres', url: value };
    }
    this.problems.push(`${name} must be sqlite:<path> or postgres://user@host:port/database, got "${value}"`);
    return { type: 'sqlite', path: fallback.slice('sqlite:'.length) };
  }
}

/** An origin as browsers send it: scheme, host and port if not the default, nothing else. */
function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === text;
  } catch {
    return false;
  }
}
