import { writeSync } from 'node:fs';
import { LoggerService } from '@nestjs/common';
import type { LogLevel } from '../../config/config';
import { RequestContexts } from '../context/request-context';

const SEVERITY: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

// Nest's start-up chatter (every module and route) is debug detail, not operations news.
const CHATTY_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

const pending: string[] = [];

function flush(): void {
  if (pending.length === 0) return;
  const text = pending.join('');
  pending.length = 0;
  process.stdout.write(text);
}

/**
 * Lines written in the same turn of the event loop leave in one write(2), not one each; what is
 * still pending when the process exits (even by process.exit) is written synchronously.
 */
export function writeBuffered(line: string): void {
  if (pending.push(line) === 1) setImmediate(flush);
}

process.on('exit', () => {
  if (pending.length > 0) writeSync(1, pending.splice(0).join(''));
});

/** Structured logs: one JSON object per line, with the request id when there is a request. */
export class JsonLogger implements LoggerService {
  constructor(
    private readonly level: LogLevel,
    private readonly write: (line: string) => void = writeBuffered,
  ) {}

  log(message: unknown, context?: string): void {
    this.emit(context && CHATTY_CONTEXTS.has(context) ? 'debug' : 'info', message, context);
  }

  error(message: unknown, ...rest: unknown[]): void {
    const context = typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const stack = typeof rest[0] === 'string' ? rest[0] : undefined;
    this.emit('error', message, context, stack ? { stack } : {});
  }

  warn(message: unknown, context?: string): void {
    this.emit('warn', message, context);
  }

  debug(message: unknown, context?: string): void {
    this.emit('debug', message, context);
  }

  verbose(message: unknown, context?: string): void {
    this.emit('debug', message, context);
  }

  /** Whether lines of `level` are written (so that building one can be skipped). */
  writes(level: LogLevel): boolean {
    return SEVERITY[level] <= SEVERITY[this.level];
  }

  emit(level: LogLevel, message: unknown, context?: string, extra: Record<string, unknown> = {}): void {
    if (!this.writes(level)) return;
    const fields = message !== null && typeof message === 'object' && !(message instanceof Error) ? message : { msg: message instanceof Error ? message.message : String(message) };
    const requestId = RequestContexts.current()?.requestId;
    const line = {
      time: new Date().toISOString(),
      level,
      ...(context && { context }),
      ...(requestId && { request_id: requestId }),
      ...fields,
      ...extra,
    };
    this.write(`${JSON.stringify(line)}\n`);
  }
}
