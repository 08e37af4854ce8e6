import { Injectable } from '@nestjs/common';
import { TooManyRequests } from '../../../platform/errors/domain-error';

const WINDOW_MS = 15 * 60 * 1000;
const MAX_KEYS = 10_000;
/** Failures allowed per login, and per address (higher: one address may serve many honest users). */
const LIMITS = { login: 5, address: 20 } as const;
const KEPT_PER_KEY = Math.max(...Object.values(LIMITS));

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
    for (const key of [`login:${login.toLowerCase()}`, `address:${address}`]) {
      // Only the latest failures decide a wait: as many as the highest limit are kept.
      const times = [...this.recent(key, now), now].slice(-KEPT_PER_KEY);
      // Re-inserted, so the map stays ordered by each key's latest failure.
      this.failures.delete(key);
      this.failures.set(key, times);
    }
    this.forgetOldest(now);
    return now;
  }

  /** The attempt counted at `attempt` succeeded: it is taken back, and the login's failures forgotten. */
  recordSuccess(login: string, address: string, attempt: number): void {
    this.failures.delete(`login:${login.toLowerCase()}`);
    const times = this.failures.get(`address:${address}`) ?? [];
    const index = times.lastIndexOf(attempt);
    if (index >= 0) times.splice(index, 1);
  }

  /**
   * Forgets, oldest first, keys whose latest failure left the window, then any beyond MAX_KEYS:
   * memory stays bounded and each failure costs only what it forgets. A login under attack fails
   * again and again, so it stays at the recent end and is never the one forgotten.
   */
  private forgetOldest(now: number): void {
    for (const [key, times] of this.failures) {
      if (this.failures.size <= MAX_KEYS && now - times[times.length - 1] < WINDOW_MS) return;
      this.failures.delete(key);
    }
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
