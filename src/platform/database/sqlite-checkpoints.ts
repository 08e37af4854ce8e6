import { Worker } from 'node:worker_threads';
import type { DataSource } from 'typeorm';

/** How often the worker copies the log back into the database file. */
const CHECKPOINT_EVERY_MS = 100;
/** Past this many log pages the shared connection checkpoints by itself (SQLite's default is 1000). */
const BACKSTOP_PAGES = 10_000;
/** How often the worker refreshes the planner's statistics of tables whose size changed tenfold. */
const OPTIMIZE_EVERY_MS = 60_000;

// The worker's own connection; PASSIVE never waits for the writer or readers, nor makes them wait.
const WORKER = `
const { workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const db = new Database(workerData.file);
db.pragma('synchronous = NORMAL');
setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy with another process's checkpoint, or the disk failed: the next tick, or the backstop, will do.
  }
}, workerData.everyMs);
// Statistics (sqlite_stat4 samples: only a full ANALYZE takes them) of tables never analysed or
// grown or shrunk tenfold (a bulk load while the server runs): without them the planner may walk
// the wrong index for a range. It holds the write lock while it reads (about a second per million
// rows), which happens only after such a change. A busy database is left for the next minute.
setInterval(() => {
  try {
    db.pragma('optimize = 0x10002');
  } catch {}
}, workerData.optimizeEveryMs);
`;

/**
 * In WAL mode SQLite copies the log back into the database file (a checkpoint: a thousand page
 * writes and two fsyncs) in whichever commit takes the log past `wal_autocheckpoint` pages. On
 * the one connection every request shares, that commit stops the whole process for it, about one
 * booking in a hundred. Here a worker thread with a connection of its own checkpoints instead,
 * and the shared connection's own checkpoints only step in past BACKSTOP_PAGES (should the worker
 * fall behind or stop). Durability is unchanged: commits are durable across a crash of the
 * process (synchronous = NORMAL), and what a power loss could take back stays bounded by the
 * checkpoints, now every CHECKPOINT_EVERY_MS.
 */
export function checkpointSqliteInBackground(dataSource: DataSource): void {
  const file = dataSource.options.type === 'better-sqlite3' ? dataSource.options.database : undefined;
  if (file === undefined || file === ':memory:') return;
  const connection = (dataSource.driver as unknown as { databaseConnection: { open: boolean; pragma(sql: string): unknown } }).databaseConnection;
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: {
      file,
      sqlite: require.resolve('better-sqlite3'),
      everyMs: CHECKPOINT_EVERY_MS,
      optimizeEveryMs: OPTIMIZE_EVERY_MS,
    },
    // It holds next to nothing: a small heap keeps its share of the process's memory small.
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
  });
  worker.unref();
  connection.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  // A worker that could not start or died: the shared connection checkpoints as SQLite does by default.
  worker.once('error', () => {
    if (connection.open) connection.pragma('wal_autocheckpoint = 1000');
  });
  const destroy = dataSource.destroy.bind(dataSource);
  dataSource.destroy = async () => {
    await worker.terminate();
    return destroy();
  };
}
