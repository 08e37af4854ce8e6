import { Injectable } from '@nestjs/common';
import { TooManyRequests } from '../../../platform/errors/domain-error';

const WINDOW_MS = 15 * 60 * 1000;
const MAX_KEYS = 10_000;
/** Failures allowed per login, and per address (higher: one address may serve many honest users). */
const LIMITS = { login: 5, address: 20 } as const;

/**
 * Throttles password guessing: too many recent failures for one login, or from one address,
 * refuse further attempts (429) until the oldest failure leaves the window. Kept per process.
 */
@Injectable()
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  /** Throws TooManyRequests when the login or the address has failed too often lately. */
  check(login: string, address: string, now = Date.now()): void {
    const waits = [this.wait(`login:${login.toLowerCase()}`, LIMITS.login, now), this.wait(`address:${address}`, LIMITS.address, now)];
    const wait = Math.max(...waits);
    if (wait > 0) throw new TooManyRequests(Math.ceil(wait / 1000));
  }

  /** Counts a failure; answers its time, so a success can take it back. */
  recordFailure(login: string, address: string, now = Date.now()): number {
    if (this.failures.size > MAX_KEYS) this.sweep(now);
    for (const key of [`login:${login.toLowerCase()}`, `address:${address}`]) {
      this.failures.set(key, [...this.recent(key, now), now]);
    }
    return now;
  }

  /** The attempt counted at `attempt` succeeded: it is taken back, and the login's failures forgotten. */
  recordSuccess(login: string, address: string, attempt: number): void {
    this.failures.delete(`login:${login.toLowerCase()}`);
    const times = this.failures.get(`address:${address}`) ?? [];
    const index = times.lastIndexOf(attempt);
    if (index >= 0) times.splice(index, 1);
  }

  /** Forgets every key whose failures all left the window. */
  private sweep(now: number): void {
    for (const key of [...this.failures.keys()]) this.recent(key, now);
  }

  private recent(key: string, now: number): number[] {
    const times = (this.failures.get(key) ?? []).filter((time) => now - time < WINDOW_MS);
    if (times.length === 0) this.failures.delete(key);
    return times;
  }

  /** Milliseconds until the key may try again (0: now). */
  private wait(key: string, limit: number, now: number): number {
    const times = this.recent(key, now);
    return times.length < limit ? 0 : times[times.length - limit] + WINDOW_MS - now;
  }
}
