import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { parse as parseLossless } from 'lossless-json';
import { RequestContexts } from '../context/request-context';
import { Database } from '../database/database';
import { BusinessRuleViolation, DomainError, ErrorData, ValidationFailed } from '../errors/domain-error';
import { ExactNumber } from '../http/exact-number';
import { toJson } from '../http/json';
import Decimal from '../money/decimal';
import { Clock } from '../time/clock';
import { IdempotencyKeyEntity } from './idempotency-key.entity';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';
/** How long a key is remembered; older ones are purged, and one met before the purge counts as new. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 3600 * 1000;
const PURGE_EVERY_MS = 10 * 60 * 1000;

// 1 to 255 printable ASCII characters (space included).
const KEY_FORMAT = /^[\x20-\x7e]{1,255}$/;

/** The Idempotency-Key header of a request: undefined when absent; a validation error (400 / -32602) when malformed. */
export function readIdempotencyKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const key = headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !KEY_FORMAT.test(key)) {
    throw ValidationFailed.field(IDEMPOTENCY_KEY_HEADER, 'must be 1 to 255 printable ASCII characters');
  }
  return key;
}

/** A call's answer as remembered for its key: 200 with the result's JSON, or 422 with the refusal's. */
export interface KeyedAnswer {
  status: 200 | 422;
  json: string;
  /** True when this is the answer to an earlier call with the key. */
  replayed: boolean;
}

/** A business refusal remembered for a key, rendered again exactly as it was (422 / -32000). */
export class RememberedRefusal extends DomainError {
  readonly kind = 'business';

  constructor(message: string, data?: ErrorData) {
    super(message, data);
  }
}

/** The answer as the transports render it: the result value, or the refusal to throw. */
export function answerValue(answer: KeyedAnswer): unknown {
  const value = parseStored(answer.json);
  if (answer.status === 200) return value;
  const { message, data } = value as { message: string; data?: ErrorData };
  throw new RememberedRefusal(message, data);
}

/** Stored JSON read back so that writing it again gives the same text: a number no float holds stays exact. */
function parseStored(json: string): unknown {
  return parseLossless(json, null, (text: string) => {
    const value = Number(text);
    return Number.isFinite(value) && new Decimal(text).eq(value) ? value : new Decimal(text);
  });
}

/** Params as one canonical text: keys sorted, instants in UTC, decimals exact. */
function canonical(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Decimal.isDecimal(value)) return (value as Decimal).toFixed();
  if (value instanceof ExactNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, field]) => field !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, field]) => `${JSON.stringify(name)}:${canonical(field)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A value derived from the caller's Idempotency-Key: the key itself is never stored (see Idempotency). */
function derived(key: string, purpose: string): Buffer {
  return createHmac('sha256', key).update(purpose).digest();
}

/**
 * What makes two calls "the same" for a key: the method, its validated params (path params
 * included; REST and JSON-RPC alike), how the answer is rendered (the effective zone, and the
 * decimals form of the call's context: `__decimals=number` is the default form), and the caller's
 * reseller: a user moved to another reseller meets its keys as used for other params, and never
 * gets back an answer its reach no longer covers. Keyed by the Idempotency-Key, so the stored
 * print is no fast hash of the params (a password among them) for whoever reads the table, and
 * the same params under another key or user print otherwise.
 */
export function fingerprint(key: string, method: string, params: object, zone: string): string {
  const context = RequestContexts.require();
  const decimals = context.decimals === 'string' ? 'string' : 'number';
  const reseller = context.principal?.resellersId ?? 'all';
  return createHmac('sha256', derived(key, `fingerprint\n${context.principal?.userId}`))
    .update(`${method}\n${canonical(params)}\n${zone}\n${decimals}\n${reseller}`)
    .digest('hex');
}

/** The answer's JSON as stored: AES-256-GCM under a key only the caller's Idempotency-Key gives (iv, tag, ciphertext; base64). */
function seal(json: string, secret: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', secret, iv);
  const sealed = Buffer.concat([cipher.update(json, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
}

function unseal(stored: string, secret: Buffer): string {
  const bytes = Buffer.from(stored, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', secret, bytes.subarray(0, 12));
  decipher.setAuthTag(bytes.subarray(12, 28));
  return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
}

/**
 * Idempotency-Key (design-13): the first call with a key runs, and its answer is stored with the key
 * in the same transaction as its work; a later call with the key and the same method and params gets
 * that answer again, and one with others is refused (422 `idempotency-key-reused`). A concurrent
 * duplicate meets the unique key, waits for the first call's transaction, then replays its answer:
 * never twice the work, across processes and restarts. Only 200s and business refusals (422) are
 * stored: anything else rolls the key back with the work, so a retry may succeed.
 *
 * The table holds nothing readable without the key: a row names its key by an HMAC of it, and its
 * answer (which may carry secrets: a new user's API key) is encrypted under another, so a reader of
 * the database or of a backup learns neither; a caller should send a random key (a UUID).
 */
@Injectable()
export class Idempotency implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(Idempotency.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.purgeQuietly(), PURGE_EVERY_MS).unref();
    void this.purgeQuietly();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /**
   * Runs `operation` (answering its result's JSON) once for the caller's `key`. Call it inside the
   * call's unit of work: on SQLite it opens the transaction the operation then joins.
   */
  once(key: string, method: string, print: string, operation: () => Promise<string>): Promise<KeyedAnswer> {
    const userId = RequestContexts.require().principal?.userId;
    if (userId === null || userId === undefined) throw new Error('an Idempotency-Key needs an authenticated user');
    const named = { id: derived(key, 'key').toString('hex'), secret: derived(key, `answer\n${userId}`) };
    const run = () => this.claimAndRun(userId, named, method, print, operation);
    return this.db.dialect === 'postgres' ? run() : this.db.transaction(run);
  }

  private async claimAndRun(
    userId: number,
    key: { id: string; secret: Buffer },
    method: string,
    print: string,
    operation: () => Promise<string>,
  ): Promise<KeyedAnswer> {
    const manager = this.db.manager;
    const now = this.clock.now();
    for (;;) {
      // On PostgreSQL this waits while another transaction holds the same key, then does nothing once it commits.
      await manager
        .createQueryBuilder()
        .insert()
        .into(IdempotencyKeyEntity)
        .values({ users_id: userId, idempotency_key: key.id, method, fingerprint: print, status: null, answer: null, c_dt: now })
        .orIgnore()
        .updateEntity(false)
        .execute();
      const row = await manager.findOneByOrFail(IdempotencyKeyEntity, { users_id: userId, idempotency_key: key.id });
      // A row without an answer is this transaction's own claim: others' are seen only once committed, answered.
      if (row.status === null) return this.run(row.id, key.secret, operation);
      if (now.getTime() - row.c_dt.getTime() >= IDEMPOTENCY_KEY_TTL_MS) {
        // Expired but not yet purged: forgotten, and the call counts as the key's first.
        await manager.delete(IdempotencyKeyEntity, { id: row.id });
        continue;
      }
      if (row.method !== method || row.fingerprint !== print) {
        throw new BusinessRuleViolation(
          'idempotency-key-reused',
          `the Idempotency-Key was used within 24 hours for ${row.method === method ? 'other params' : `another method (${row.method})`}`,
        );
      }
      return { status: row.status as 200 | 422, json: unseal(row.answer!, key.secret), replayed: true };
    }
  }

  private async run(id: number, secret: Buffer, operation: () => Promise<string>): Promise<KeyedAnswer> {
    let answer: KeyedAnswer;
    try {
      answer = { status: 200, json: await this.db.savepoint(operation), replayed: false };
    } catch (error) {
      // A business refusal is an answer too (what the work wrote is undone by the savepoint); anything else is not kept.
      if (!(error instanceof DomainError) || error.kind !== 'business') throw error;
      answer = { status: 422, json: toJson({ message: error.message, ...(error.data !== undefined && { data: error.data }) }), replayed: false };
    }
    await this.db.manager.update(IdempotencyKeyEntity, { id }, { status: answer.status, answer: seal(answer.json, secret) });
    return answer;
  }

  /** Forgets keys older than 24 hours; answers how many. Runs every 10 minutes and at boot, in every process. */
  async purgeExpired(): Promise<number> {
    const before = new Date(this.clock.now().getTime() - IDEMPOTENCY_KEY_TTL_MS);
    const result = await this.db.unit(() =>
      this.db.manager.createQueryBuilder().delete().from(IdempotencyKeyEntity).where('c_dt < :before', { before }).execute(),
    );
    return result.affected ?? 0;
  }

  private async purgeQuietly(): Promise<void> {
    try {
      await this.purgeExpired();
    } catch (error) {
      this.logger.warn({ msg: 'Purging expired idempotency keys failed; the next run tries again', error: (error as Error).message });
    }
  }
}
