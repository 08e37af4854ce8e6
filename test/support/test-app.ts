import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/bootstrap';
import { DatabaseConfig, loadConfig } from '../../src/config/config';
import { JsonLogger } from '../../src/platform/logging/json-logger';
import { expectDocumented } from './openapi-validation';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';
export const DATABASE_KIND = process.env.TEST_DATABASE_URL ? 'postgres' : 'sqlite';
/** The HTTP adapter every app and server process of a test run uses: HTTP_ADAPTER, else the default (Express). */
export const HTTP_ADAPTER = process.env.HTTP_ADAPTER || 'express';

export interface HttpReply {
  status: number;
  body: any;
  headers: Record<string, string>;
  text: string;
}

type Verb = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface TestApp {
  app: INestApplication;
  dataSource: DataSource;
  /** A JSON-RPC call; `key: null` sends no X-Api-Key. */
  rpc(method: string, params?: unknown, options?: { key?: string | null; id?: number | string; headers?: Record<string, string> }): Promise<HttpReply>;
  /** A raw POST to the JSON-RPC endpoint. */
  rpcRaw(
    body: string | Buffer | object,
    options?: { key?: string | null; path?: string; contentType?: string; headers?: Record<string, string> },
  ): Promise<HttpReply>;
  rest(verb: Verb, path: string, body?: object, options?: { key?: string | null; headers?: Record<string, string> }): Promise<HttpReply>;
  /** A REST call with a body sent as is. */
  rawRest(verb: Verb, path: string, body: string | Buffer, options?: { contentType?: string }): Promise<HttpReply>;
  /** Every log line written so far, parsed. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/** A throwaway database: a temporary SQLite file, or a fresh schema in TEST_DATABASE_URL. */
async function throwawayDatabase(): Promise<{ database: DatabaseConfig; drop: () => Promise<void> }> {
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const schema = `test_${randomBytes(6).toString('hex')}`;
    const admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    return {
      database: { type: 'postgres', url, schema },
      drop: async () => {
        const client = new Client({ connectionString: url });
        await client.connect();
        await client.query(`DROP SCHEMA ${schema} CASCADE`);
        await client.end();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'billing-test-'));
  return {
    database: { type: 'sqlite', path: join(dir, 'billing.sqlite') },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A body sent byte for byte: text as is, bytes as they are (not as a JSON Buffer), anything else as JSON. */
function rawBody(body: string | Buffer | object): string | Buffer {
  if (typeof body === 'string' || Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body);
  return JSON.stringify(body);
}

function reply(response: request.Response): HttpReply {
  return { status: response.status, body: response.body, headers: response.headers as Record<string, string>, text: response.text };
}

/** The reply, once checked against the API documents (openapi-validation.ts): a mismatch fails the test. */
function documented(verb: string, url: string, headers: Record<string, string>, body: string | Buffer | undefined, response: request.Response): HttpReply {
  const answer = reply(response);
  expectDocumented({ verb, url, headers, body, status: answer.status, replyHeaders: answer.headers, replyBody: answer.body, replyText: answer.text });
  return answer;
}

/**
 * Boots the whole application on a throwaway database, with the administrator's key set to ADMIN_KEY.
 * `reachDatabase` rewrites the PostgreSQL URL the server connects with (e.g. through a fault proxy).
 */
export async function startTestApp(env: Record<string, string> = {}, reachDatabase?: (url: URL) => URL): Promise<TestApp> {
  const thrownAway = await throwawayDatabase();
  const { drop } = thrownAway;
  const database =
    reachDatabase && thrownAway.database.type === 'postgres'
      ? { ...thrownAway.database, url: reachDatabase(new URL(thrownAway.database.url)).toString() }
      : thrownAway.database;
  const config = loadConfig({ ADMIN_API_KEY: ADMIN_KEY, ADMIN_PASSWORD: 'admin-password', HTTP_ADAPTER, ...env });
  const logs: Record<string, unknown>[] = [];
  const logger = new JsonLogger('info', (line) => logs.push(JSON.parse(line) as Record<string, unknown>));
  const app = await createApp({ ...config, database }, logger);
  const server = app.getHttpServer();
  const withKey = (test: request.Test, key: string | null | undefined) =>
    key === null ? test : test.set('X-Api-Key', key ?? ADMIN_KEY);

  const send = (verb: Verb, path: string) => request(server)[verb.toLowerCase() as Lowercase<Verb>](path);

  const rpcRaw: TestApp['rpcRaw'] = async (body, options = {}) => {
    const path = options.path ?? '/';
    const sent = rawBody(body);
    const test = request(server)
      .post(path)
      .set(options.headers ?? {})
      .set('Content-Type', options.contentType ?? 'application/json')
      .serialize((data: unknown) => data as string)
      .send(sent);
    return documented('POST', path, options.headers ?? {}, sent, await withKey(test, options.key));
  };

  return {
    app,
    dataSource: app.get(DataSource),
    rpcRaw,
    rpc: (method, params, options = {}) =>
      rpcRaw({ jsonrpc: '2.0', id: options.id ?? 1, method, ...(params !== undefined && { params }) }, options),
    logs,
    rest: async (verb, path, body, options = {}) => {
      let test = send(verb, path).set(options.headers ?? {});
      const sent = body === undefined ? undefined : JSON.stringify(body);
      if (sent !== undefined) test = test.set('Content-Type', 'application/json').send(sent);
      return documented(verb, path, options.headers ?? {}, sent, await withKey(test, options.key));
    },
    rawRest: async (verb, path, body, options = {}) => {
      const sent = rawBody(body);
      const test = send(verb, path)
        .set('Content-Type', options.contentType ?? 'application/json')
        .serialize((data: unknown) => data as string)
        .send(sent);
      return documented(verb, path, {}, sent, await withKey(test, undefined));
    },
    close: async () => {
      await app.close();
      await drop();
    },
  };
}

/** A DATABASE_URL for a server process: a temporary SQLite file, or a fresh database beside TEST_DATABASE_URL. */
export async function throwawayDatabaseUrl(): Promise<{ url: string; drop: () => Promise<void> }> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    const dir = mkdtempSync(join(tmpdir(), 'billing-process-'));
    return { url: `sqlite:${join(dir, 'billing.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `test_${randomBytes(6).toString('hex')}`;
  const run = async (sql: string) => {
    const client = new Client({ connectionString: url });
    await client.connect();
    await client.query(sql);
    await client.end();
  };
  await run(`CREATE DATABASE ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  return { url: target.toString(), drop: () => run(`DROP DATABASE ${name} WITH (FORCE)`) };
}
