import { QueryFailedError } from 'typeorm';

/** The driver's code of a failed query (PostgreSQL SQLSTATE, SQLite result code) or a socket error's code. */
function codeOf(error: unknown): string | undefined {
  const driverError = error instanceof QueryFailedError ? (error.driverError as { code?: unknown } | undefined) : error;
  const code = (driverError as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A unique constraint refused the write (PostgreSQL 23505, SQLite SQLITE_CONSTRAINT_UNIQUE). */
export function isUniqueViolation(error: unknown): boolean {
  const code = error instanceof QueryFailedError ? codeOf(error) : undefined;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** A foreign key refused the write (PostgreSQL 23503, SQLite SQLITE_CONSTRAINT_FOREIGNKEY). */
export function isForeignKeyViolation(error: unknown): boolean {
  const code = error instanceof QueryFailedError ? codeOf(error) : undefined;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

// PostgreSQL: connection exceptions, insufficient resources, operator intervention (timeouts,
// shutdowns), system errors; a lock not granted within lock_timeout, a deadlock, a read-only server,
// a database that refuses connections (55000) or is gone (3D000).
const UNAVAILABLE_SQLSTATE = /^(08|53|57|58)|^(55P03|55000|3D000|40P01|40001|25006|25P03)$/;
// SQLite: busy or locked beyond the busy timeout, disk full, read-only, I/O errors, no memory.
const UNAVAILABLE_SQLITE = /^SQLITE_(BUSY|LOCKED|FULL|READONLY|IOERR|CANTOPEN|NOMEM|PROTOCOL)/;
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// node-postgres reports its own timeouts and broken connections by message only.
const DRIVER_MESSAGES = /timeout exceeded when trying to connect|Connection terminated|Query read timeout|not queryable|Connection ended/i;

/** The database could not answer (down, unreachable, too slow, out of space, read-only): worth a retry, never a 500. */
export function isDatabaseUnavailable(error: unknown): boolean {
  // Not `instanceof Error`: socket errors may come from another realm (a VM context, as under Jest).
  if (typeof error !== 'object' || error === null) return false;
  const code = codeOf(error);
  if (code !== undefined && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_SQLITE.test(code) || SOCKET_CODES.has(code))) return true;
  const driverError = error instanceof QueryFailedError ? error.driverError : error;
  const message = (driverError as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && DRIVER_MESSAGES.test(message);
}

/** The database refused a write for lack of space or because it is read-only: readiness reports it. */
export function isStorageFailure(error: unknown): boolean {
  const code = codeOf(error);
  return code !== undefined && /^(53100|25006|58030)$|^SQLITE_(FULL|READONLY|IOERR)/.test(code);
}
