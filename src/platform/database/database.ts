import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, EntitySubscriberInterface, EntityTarget, ObjectLiteral, QueryRunner, Repository } from 'typeorm';
import type { Principal } from '../auth/principal';
import { RequestContexts } from '../context/request-context';
import { TenancyViolation } from '../tenancy/tenancy-violation';
import { APP_ROLE, REACH_SETTING, reachSetting } from './row-level-security';

/** The unit of work or transaction in progress: its manager, and on PostgreSQL the principal its reach was set for. */
interface OpenWork {
  manager: EntityManager;
  principal?: Principal;
}

const openWork = new AsyncLocalStorage<OpenWork>();
let savepoints = 0;

/**
 * The services' one door to the database.
 *
 * Everything handed out here runs in the work in progress: inside `transaction`, every repository,
 * query builder and raw query uses that transaction's own connection, so a unit of work that holds
 * a row lock never waits for a second pooled connection (which, with the pool exhausted by requests
 * queued on that very lock, would never come).
 *
 * On PostgreSQL each call of the API is one `unit`: one connection, one transaction, opened with
 * the role row-level security binds and the principal's reach, both set by its first statement.
 */
@Injectable()
export class Database {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The open transaction's manager, else the data source's. */
  get manager(): EntityManager {
    return openWork.getStore()?.manager ?? this.dataSource.manager;
  }

  get dialect(): 'postgres' | 'sqlite' {
    return this.dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
  }

  repository<E extends ObjectLiteral>(target: EntityTarget<E>): Repository<E> {
    return this.manager.getRepository(target);
  }

  /** Entity events of every write (e.g. a cache that must forget what a write changed). */
  subscribe(subscriber: EntitySubscriberInterface): void {
    this.dataSource.subscribers.push(subscriber);
  }

  /**
   * Runs `fn` as one unit of work for the current principal. On PostgreSQL: a transaction on one
   * connection whose role and reach its first statement sets, so row-level security limits every
   * query in it to the principal's reach; a unit for another principal inside it (Tenancy.runAs)
   * swaps the reach on the same connection and back. On SQLite there is nothing to set.
   */
  async unit<T>(fn: () => Promise<T>): Promise<T> {
    const principal = RequestContexts.current()?.principal;
    const open = openWork.getStore();
    if (this.dialect !== 'postgres') return fn();
    if (open) return open.principal === principal ? fn() : this.withReach(open, principal, fn);
    const runner = this.dataSource.createQueryRunner();
    // The role and the reach go with the transaction's first statement: one round trip, not two.
    // (The reach is `all` or integer ids, safe to write inline.)
    const opening = `START TRANSACTION; SELECT set_config('role', '${APP_ROLE}', true), set_config('${REACH_SETTING}', '${reachSetting(principal?.reach)}', true)`;
    const query = runner.query.bind(runner);
    runner.query = ((sql: string, parameters?: unknown[], structured?: boolean) =>
      query(sql === 'START TRANSACTION' ? opening : sql, parameters, structured as true)) as QueryRunner['query'];
    try {
      await runner.startTransaction();
      const result = await openWork.run({ manager: runner.manager, principal }, fn);
      await runner.commitTransaction();
      return result;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }

  private async withReach<T>(open: OpenWork, principal: Principal | undefined, fn: () => Promise<T>): Promise<T> {
    const set = (reach: Principal['reach'] | undefined) =>
      open.manager.query(`SELECT set_config('${REACH_SETTING}', $1, true)`, [reachSetting(reach)]);
    await set(principal?.reach);
    let result: T;
    try {
      result = await openWork.run({ manager: open.manager, principal }, fn);
    } catch (error) {
      // The transaction may be aborted (a deadlock, a lost lock wait): setting the reach back then
      // fails too, and must not hide why (the unit is rolled back either way).
      await set(open.principal?.reach).catch(() => undefined);
      throw error;
    }
    await set(open.principal?.reach);
    return result;
  }

  /**
   * A raw query with `$n` placeholders, in the open transaction if there is one. Raw SQL is beyond
   * the query scoping: on PostgreSQL row-level security limits it; on SQLite, which has none, a
   * reseller-limited principal may not send it at all.
   */
  async query<T = unknown>(sql: string, parameters: unknown[] = []): Promise<T> {
    if (this.dialect === 'postgres') return (await this.manager.query(sql, parameters)) as T;
    if (RequestContexts.current()?.principal?.reach.kind === 'tree') {
      throw new TenancyViolation('raw SQL for a reseller-limited principal on SQLite, which has no row-level security');
    }
    // SQLite binds `?` in order of appearance.
    const order: number[] = [];
    const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
      order.push(Number(n) - 1);
      return '?';
    });
    return (await this.manager.query(text, order.map((index) => parameters[index]))) as T;
  }

  /**
   * Runs `fn` in a database transaction. Inside a unit of work on PostgreSQL it is a savepoint, so
   * a failure in it (a unique key) can be caught and the unit go on; on SQLite it joins an open one.
   */
  transaction<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    const open = openWork.getStore();
    if (open && this.dialect === 'sqlite') return fn(open.manager);
    const begin = open ? open.manager : this.dataSource.manager;
    return begin.transaction((manager) => openWork.run({ manager, principal: open?.principal }, () => fn(manager)));
  }

  /**
   * Runs `fn` within the open transaction such that, should it throw, what it wrote is undone and
   * the transaction goes on (a savepoint, on both databases: `transaction` joins an open one on SQLite).
   */
  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    const manager = openWork.getStore()?.manager;
    if (!manager) throw new Error('savepoint outside a transaction');
    const name = `sp_${++savepoints}`;
    await manager.query(`SAVEPOINT ${name}`);
    try {
      const result = await fn();
      await manager.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (error) {
      await manager.query(`ROLLBACK TO SAVEPOINT ${name}`);
      await manager.query(`RELEASE SAVEPOINT ${name}`);
      throw error;
    }
  }

  /** Whether code runs inside a transaction opened here (or a unit of work). */
  inTransaction(): boolean {
    return openWork.getStore() !== undefined;
  }
}
