import { Injectable } from '@nestjs/common';

/**
 * The time as the billing rules see it. Injected wherever a rule depends on "now" (the billing
 * engine, subscription status, proration), so tests move it instead of waiting for real time.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}

/** A clock that stands still until told to move: for tests. */
export class ManualClock extends Clock {
  constructor(private current: Date = new Date()) {
    super();
  }

  override now(): Date {
    return new Date(this.current.getTime());
  }

  set(at: Date | string): void {
    this.current = new Date(at);
  }

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}
