import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntitySubscriberInterface, QueryRunner, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';
import { Database } from '../../../platform/database/database';
import type { Principal } from '../../../platform/auth/principal';
import { ResellerEntity } from '../resellers/reseller.entity';
import { UserEntity } from '../users/user.entity';

/** How long another server process may go on accepting a key that was just rotated or blocked (SPEC: within one second). */
const TTL_MS = 1000;
const MAX_ENTRIES = 10_000;

/** What a write event tells the cache: what was written, and in which transaction. */
type WriteEvent = { metadata: { target: unknown }; queryRunner?: QueryRunner };

export interface CachedCaller {
  principal: Principal;
  /** The user's allowed_ips: the caller's address is checked on every request, cached or not. */
  allowedIps: string[];
}

/**
 * Principals of recently seen API keys, for at most a second. Any write to users or resellers made
 * by this process empties it at once, so here a change takes effect immediately; other processes
 * see it within the second.
 */
@Injectable()
export class PrincipalCache implements OnModuleInit, EntitySubscriberInterface {
  private readonly entries = new Map<string, CachedCaller & { expires: number }>();
  /** Bumped by every clear: a caller read before a clear is not stored after it. */
  private generation = 0;
  /**
   * Transactions that wrote users or resellers and have not committed yet. Until they commit,
   * others still read the old rows (PostgreSQL shows only what is committed): what a lookup reads
   * in that gap must not outlive the commit, so the cache is cleared again once it is done.
   */
  private readonly uncommitted = new WeakSet<QueryRunner>();

  constructor(private readonly db: Database) {}

  onModuleInit(): void {
    this.db.subscribe(this);
  }

  get(keyHash: string, now = Date.now()): CachedCaller | undefined {
    const entry = this.entries.get(keyHash);
    if (entry && entry.expires > now) return entry;
    if (entry) this.entries.delete(keyHash);
    return undefined;
  }

  /** The generation to hand back to `set` with what is read now. */
  current(): number {
    return this.generation;
  }

  set(keyHash: string, caller: CachedCaller, readAt: number, now = Date.now()): void {
    if (readAt !== this.generation) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(keyHash, { ...caller, expires: now + TTL_MS });
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  // Entity events: users and resellers decide who a key's principal is and what it reaches.
  afterInsert(event: WriteEvent): void {
    this.clearFor(event);
  }

  afterUpdate(event: WriteEvent): void {
    this.clearFor(event);
  }

  afterRemove(event: WriteEvent): void {
    this.clearFor(event);
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    this.settle(event.queryRunner);
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    this.settle(event.queryRunner);
  }

  private clearFor({ metadata, queryRunner }: WriteEvent): void {
    if (metadata.target !== UserEntity && metadata.target !== ResellerEntity) return;
    this.clear();
    if (queryRunner?.isTransactionActive) this.uncommitted.add(queryRunner);
  }

  /** The end of a transaction (not of a savepoint within it): if it wrote users or resellers, clear again. */
  private settle(queryRunner: QueryRunner): void {
    if (queryRunner.isTransactionActive || !this.uncommitted.has(queryRunner)) return;
    this.uncommitted.delete(queryRunner);
    this.clear();
  }
}
