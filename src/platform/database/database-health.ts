import { DataSource, EntitySubscriberInterface, Logger as TypeOrmLogger, QueryRunner } from 'typeorm';
import { isStorageFailure } from './query-errors';

const READY_PROBE_TIMEOUT_MS = 1500;

/**
 * Whether the database can serve requests. A `SELECT 1` says it answers; but a full disk or a
 * read-only database still answers reads, so a write that failed for that reason also makes the
 * server unready, until a write commits again (or, with no writes coming, after a minute, when
 * readiness lets traffic try again).
 */
export class DatabaseHealth implements EntitySubscriberInterface {
  private storageFailedAt?: number;
  /** Connections whose open transaction wrote an entity: only such a commit proves writes work again. */
  private readonly writing = new WeakSet<object>();

  private constructor(
    private readonly dataSource: DataSource,
    private readonly holdMs: number,
  ) {}

  /** Watches every query of the data source for storage failures and every commit for recovery. */
  static attach(dataSource: DataSource, holdMs = 60_000): DatabaseHealth {
    const health = new DatabaseHealth(dataSource, holdMs);
    const logger = dataSource.logger;
    const watching: TypeOrmLogger = Object.create(logger) as TypeOrmLogger;
    watching.logQueryError = (error: string | Error, query: string, parameters?: unknown[], runner?: QueryRunner) => {
      if (isStorageFailure(error)) health.storageFailedAt = Date.now();
      return logger.logQueryError(error, query, parameters, runner);
    };
    (dataSource as { logger: TypeOrmLogger }).logger = watching;
    dataSource.subscribers.push(health);
    return health;
  }

  afterInsert(event: { queryRunner: object }): void {
    this.writing.add(event.queryRunner);
  }

  afterUpdate(event: { queryRunner: object }): void {
    this.writing.add(event.queryRunner);
  }

  afterRemove(event: { queryRunner: object }): void {
    this.writing.add(event.queryRunner);
  }

  afterTransactionCommit(event: { queryRunner: object }): void {
    if (!this.writing.has(event.queryRunner)) return; // a read-only transaction proves nothing about writes
    this.writing.delete(event.queryRunner);
    this.storageFailedAt = undefined;
  }

  /** Why the database cannot serve now, or undefined when it can; answers within a bounded time. */
  async problem(now = Date.now()): Promise<string | undefined> {
    if (this.storageFailedAt !== undefined && now - this.storageFailedAt < this.holdMs) return 'cannot take writes';
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('not answering'), READY_PROBE_TIMEOUT_MS)));
    // SQLite answers reads while another process holds its write lock: the probe takes that lock too.
    const check = this.dataSource.options.type === 'better-sqlite3' ? this.dataSource.transaction((manager) => manager.query('SELECT 1')) : this.dataSource.query('SELECT 1');
    const probe = check.then(
      () => undefined,
      () => 'unreachable',
    );
    try {
      return await Promise.race([probe, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
