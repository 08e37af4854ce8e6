import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, EntityTarget, ObjectLiteral, Repository } from 'typeorm';
import { RequestContexts } from '../context/request-context';
import { TenancyViolation } from '../tenancy/tenancy-violation';

const openTransaction = new AsyncLocalStorage<EntityManager>();

/**
 * The services' one door to the database. Inside `transaction`, every repository, query builder
 * and raw query handed out here runs on that transaction's own connection: a unit of work that
 * holds a row lock never waits for a second pooled connection (which, with the pool exhausted by
 * requests queued on that very lock, would never come).
 */
@Injectable()
export class Database {
  constructor(@InjectDataSource() readonly dataSource: DataSource) {}

  /** The open transaction's manager, else the data source's. */
  get manager(): EntityManager {
    return openTransaction.getStore() ?? this.dataSource.manager;
  }

  get dialect(): 'postgres' | 'sqlite' {
    return this.dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
  }

  repository<E extends ObjectLiteral>(target: EntityTarget<E>): Repository<E> {
    return this.manager.getRepository(target);
  }

  /**
   * A raw query with `$n` placeholders, in the open transaction if there is one. Raw SQL is beyond
   * the query scoping: on PostgreSQL row-level security limits it; on SQLite, which has none, a
   * reseller-limited principal may not send it at all.
   */
  query<T = unknown>(sql: string, parameters: unknown[] = []): Promise<T> {
    if (this.dialect === 'postgres') return this.manager.query(sql, parameters) as Promise<T>;
    if (RequestContexts.current()?.principal?.reach.kind === 'tree') {
      throw new TenancyViolation('raw SQL for a reseller-limited principal on SQLite, which has no row-level security');
    }
    // SQLite binds `?` in order of appearance.
    const order: number[] = [];
    const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
      order.push(Number(n) - 1);
      return '?';
    });
    return this.manager.query(text, order.map((index) => parameters[index])) as Promise<T>;
  }

  /** Runs `fn` in a database transaction; joins the open one when called inside it. */
  transaction<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    const open = openTransaction.getStore();
    if (open) return fn(open);
    return this.dataSource.transaction((manager) => openTransaction.run(manager, () => fn(manager)));
  }

  /** Whether code runs inside a transaction opened here. */
  inTransaction(): boolean {
    return openTransaction.getStore() !== undefined;
  }
}
