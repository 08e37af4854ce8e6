import { DataSource, ObjectLiteral, QueryRunner } from 'typeorm';
import { RequestContexts } from '../context/request-context';
import { ServiceUnavailable } from '../errors/domain-error';

/** The owner of work running outside any request (boot, migrations). */
const OUTSIDE_REQUESTS = Symbol('outside requests');

type Owner = symbol;

/** Someone waiting at the gate: a transaction to begin, or a statement outside any transaction to run. */
interface Waiter {
  owner: Owner;
  takes: boolean;
  wake: () => void;
  timer: NodeJS.Timeout;
}

/**
 * A FIFO lock held by one owner (a request's unit of work) at a time; nobody waits for it longer
 * than `maxWaitMs`. Taking it is synchronous when it is free, and freeing it hands it straight to
 * the first transaction in line (after letting through the statements queued before it): no two
 * owners can ever both believe they hold it, and a release wakes only those it lets through.
 */
class TransactionGate {
  holder?: Owner;
  /** Statements outside any transaction let through and not yet finished: a transaction begins after them. */
  private passing = 0;
  private readonly queue: Waiter[] = [];

  constructor(private readonly maxWaitMs: number) {}

  /** Takes the gate for `owner`'s transaction once those who came first are done. */
  acquire(owner: Owner): Promise<void> | void {
    if (this.holder === owner) return;
    if (this.holder === undefined && this.passing === 0 && this.queue.length === 0) {
      this.holder = owner;
      return;
    }
    return this.wait(owner, true);
  }

  /**
   * Lets a statement through: at once in the owner's own transaction (answers false), else once no
   * other transaction is open or waiting before it (answers true: call `passed` when it is done).
   */
  async pass(owner: Owner): Promise<boolean> {
    if (this.holder === owner) return false;
    if (this.holder === undefined && this.queue.length === 0) {
      this.passing++;
      return true;
    }
    await this.wait(owner, false);
    return true;
  }

  passed(): void {
    this.passing--;
    this.dispatch();
  }

  release(): void {
    this.holder = undefined;
    this.dispatch();
  }

  private dispatch(): void {
    while (this.holder === undefined && this.queue.length > 0) {
      const next = this.queue[0];
      if (next.takes && this.passing > 0) return;
      this.queue.shift();
      clearTimeout(next.timer);
      if (next.takes) this.holder = next.owner;
      else this.passing++;
      next.wake();
    }
  }

  private wait(owner: Owner, takes: boolean): Promise<void> {
    return new Promise<void>((wake, fail) => {
      const waiter: Waiter = {
        owner,
        takes,
        wake,
        timer: setTimeout(() => {
          this.queue.splice(this.queue.indexOf(waiter), 1);
          fail(new ServiceUnavailable('SQLite transaction gate wait timed out'));
          this.dispatch(); // it may have been the one those behind it waited for
        }, this.maxWaitMs),
      };
      this.queue.push(waiter);
    });
  }
}

/**
 * TypeORM gives SQLite one connection shared by every request, so two requests' transactions
 * would interleave on it (one's statements landing in the other's transaction). This gate lets
 * one request at a time hold a transaction: other requests' transactions and statements wait
 * until it commits or rolls back. BEGIN IMMEDIATE takes SQLite's write lock at once, so server
 * processes sharing the file queue on the busy timeout instead of failing on a lock upgrade.
 * That wait sleeps in the thread: while another process holds the lock, this one does not serve.
 * Neither wait is unbounded: both end after the lock timeout, answered as 503.
 */
export function serializeSqliteTransactions(dataSource: DataSource): void {
  if (dataSource.options.type !== 'better-sqlite3') return;
  const maxWaitMs = dataSource.options.timeout ?? 5000; // the busy timeout: the lock timeout of the configuration
  const runner: QueryRunner = dataSource.createQueryRunner(); // the driver's one shared runner
  const gate = new TransactionGate(maxWaitMs);
  const owner = (): Owner => RequestContexts.current()?.unit ?? OUTSIDE_REQUESTS;
  const query = runner.query.bind(runner);
  const startTransaction = runner.startTransaction.bind(runner);
  const commitTransaction = runner.commitTransaction.bind(runner);
  const rollbackTransaction = runner.rollbackTransaction.bind(runner);
  const state = runner as unknown as { transactionDepth: number; isTransactionActive: boolean };
  const connection = () => (dataSource.driver as unknown as { databaseConnection: { inTransaction: boolean } }).databaseConnection;
  const releaseWhenDone = () => {
    // SQLite ends a transaction by itself on some errors (a full disk): TypeORM's count is then wrong.
    if (state.transactionDepth > 0 && !connection().inTransaction) {
      state.transactionDepth = 0;
      state.isTransactionActive = false;
    }
    // Only the holder's own transaction ending frees the gate (a request that never got it may still
    // be told by TypeORM to roll back, the runner being shared).
    if (state.transactionDepth === 0 && gate.holder === owner()) gate.release();
  };

  runner.query = (async (sql: string, parameters?: unknown[], structured?: boolean) => {
    const outside = await gate.pass(owner());
    try {
      return await query(sql === 'BEGIN TRANSACTION' ? 'BEGIN IMMEDIATE TRANSACTION' : sql, parameters, structured as true);
    } finally {
      if (outside) gate.passed();
    }
  }) as QueryRunner['query'];

  runner.startTransaction = async (isolationLevel) => {
    await gate.acquire(owner());
    try {
      await startTransaction(isolationLevel);
    } catch (error) {
      releaseWhenDone();
      throw error;
    }
  };
  runner.commitTransaction = async () => {
    if (gate.holder !== owner()) throw new ServiceUnavailable('no transaction of this request to commit');
    try {
      await commitTransaction();
    } finally {
      releaseWhenDone();
    }
  };
  runner.rollbackTransaction = async () => {
    if (gate.holder !== owner()) return; // its transaction never began: the gate stayed another's
    try {
      await rollbackTransaction();
    } finally {
      releaseWhenDone();
    }
  };
}

/**
 * TypeORM's SQLite driver writes number parameters into the SQL text (`WHERE "id" = 4104`), so
 * every id makes a new statement: better-sqlite3 prepares it again (a parse each time) and it
 * pushes the hot statements, BEGIN and COMMIT included, out of the driver's statement cache.
 * Bound as BigInt, an integer is the same INTEGER value SQLite read from the text, and the SQL
 * stays one prepared statement whatever the id, as on PostgreSQL, which binds every parameter.
 */
export function bindSqliteIntegers(dataSource: DataSource): void {
  if (dataSource.options.type !== 'better-sqlite3') return;
  const driver = dataSource.driver;
  const escape = driver.escapeQueryWithParameters.bind(driver);
  driver.escapeQueryWithParameters = (sql: string, parameters: ObjectLiteral) => {
    if (!parameters) return escape(sql, parameters);
    const bound: ObjectLiteral = {};
    for (const [key, value] of Object.entries(parameters)) bound[key] = Number.isSafeInteger(value) ? BigInt(value as number) : value;
    return escape(sql, bound);
  };
}
