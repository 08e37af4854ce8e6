import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config';
import { ServiceUnavailable } from '../errors/domain-error';

/**
 * The rows this process is building answers of, all requests together. One request is bounded by
 * RESPONSE_ROW_LIMIT; this bounds how many large ones run at once, so memory stays bounded under
 * any number of concurrent callers: past the limit a request is refused (503) before any work.
 */
@Injectable()
export class RowsInFlight {
  private rows = 0;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Holds `rows` until the answer is written; the returned function gives them back (once). */
  reserve(rows: number): () => void {
    // A single request is always let through when nothing else is in flight.
    if (this.rows > 0 && this.rows + rows > this.config.rowsInFlightLimit) {
      throw new ServiceUnavailable(`${this.rows} rows in flight; ${rows} more asked`);
    }
    this.rows += rows;
    let held = true;
    return () => {
      if (held) this.rows -= rows;
      held = false;
    };
  }
}
