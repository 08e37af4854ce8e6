import { TooManyRequests } from '../../../platform/errors/domain-error';
import { LoginThrottle } from './login-throttle';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const WINDOW = 15 * MINUTE;
const T0 = 1_700_000_000_000;

/** The seconds `check` asks the caller to wait, or 0 when it lets the attempt through. */
function retryAfter(throttle: LoginThrottle, login: string, address: string, now: number): number {
  try {
    throttle.check(login, address, now);
    return 0;
  } catch (error) {
    if (!(error instanceof TooManyRequests)) throw error;
    return error.retryAfterSeconds;
  }
}

/** `count` failures of `login` from `address`, one second apart from `start`; answers the last one's time. */
function fail(throttle: LoginThrottle, login: string, address: string, count: number, start: number): number {
  let last = start;
  for (let i = 0; i < count; i++) last = throttle.recordFailure(login, address, start + i * SECOND);
  return last;
}

describe('LoginThrottle', () => {
  it('lets a first attempt through', () => {
    expect(retryAfter(new LoginThrottle(), 'alice', '192.0.2.1', T0)).toBe(0);
  });

  it('answers the time of the failure it counted', () => {
    expect(new LoginThrottle().recordFailure('alice', '192.0.2.1', T0 + 123)).toBe(T0 + 123);
  });

  describe('per login', () => {
    it('allows 5 failures in 15 minutes, then refuses with TooManyRequests', () => {
      const throttle = new LoginThrottle();
      fail(throttle, 'alice', '192.0.2.1', 4, T0);
      expect(retryAfter(throttle, 'alice', '192.0.2.1', T0 + 10 * SECOND)).toBe(0);
      throttle.recordFailure('alice', '192.0.2.1', T0 + 10 * SECOND);
      let error: unknown;
      try {
        throttle.check('alice', '192.0.2.1', T0 + 20 * SECOND);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(TooManyRequests);
      expect(error).toMatchObject({
        message: 'too-many-requests: Too many requests, retry later',
        data: { code: 'too-many-requests' },
        // The oldest failure (T0) leaves the window at T0 + 15 min: 880 s after T0 + 20 s.
        retryAfterSeconds: 880,
      });
    });

    it('refuses the login from any address, with any case', () => {
      const throttle = new LoginThrottle();
      fail(throttle, 'Alice', '192.0.2.1', 3, T0);
      fail(throttle, 'ALICE', '198.51.100.7', 2, T0 + 3 * SECOND);
      expect(retryAfter(throttle, 'alice', '203.0.113.9', T0 + 5 * SECOND)).toBe(895);
    });

    it('does not refuse other logins', () => {
      const throttle = new LoginThrottle();
      fail(throttle, 'alice', '192.0.2.1', 5, T0);
      expect(retryAfter(throttle, 'bob', '198.51.100.7', T0 + 5 * SECOND)).toBe(0);
    });

    it('rounds the wait up to whole seconds', () => {
      const throttle = new LoginThrottle();
      fail(throttle, 'alice', '192.0.2.1', 5, T0);
      expect(retryAfter(throttle, 'alice', '192.0.2.1', T0 + 4 * SECOND + 1)).toBe(896);
      expect(retryAfter(throttle, 'alice', '192.0.2.1', T0 + WINDOW - 1)).toBe(1);
    });
  });

  describe('the window slides', () => {
    it('lets the login try again once its oldest failure is 15 minutes old, for one more failure', () => {
      const throttle = new LoginThrottle();
      fail(throttle, 'alice', '192.0.2.1', 5, T0); // T0, T0+1s, ... T0+4s
      expect(retryAfter(throttle, 'alice', '192.0.2.1', T0 + WINDOW - 1)).toBe(1);
      expect(retryAfter(throttle, 'alice', '192.0.2.1', T0 + WINDOW)).toBe(0);
      throttle.recordFailure('alice', '192.0.2.1', T0 + WINDOW);
      // Five again (T0+1s ... T0+4s, T0+15min): until T0+1s leaves, one second later.
      expect(retryAfter(throttle, 'alice', '192.0.2.1', T0 + WINDOW)).toBe(1);
      expect(retryAfter(throttle, 'alice', '192.0.2.1', T0 + WINDOW + SECOND)).toBe(0);
    });

    it('forgets every failure after 15 minutes', () => {
      const throttle = new LoginThrottle();
      fail(throttle, 'alice', '192.0.2.1', 5, T0);
      fail(throttle, 'x', '192.0.2.1', 15, T0);
      const later = T0 + 20 * MINUTE;
      expect(retryAfter(throttle, 'alice', '192.0.2.1', later)).toBe(0);
      // A fresh count: four more failures are still allowed a fifth attempt.
      fail(throttle, 'alice', '192.0.2.1', 4, later);
      expect(retryAfter(throttle, 'alice', '192.0.2.1', later + 4 * SECOND)).toBe(0);
    });

    it('counts the failures of the last 15 minutes, not since the first', () => {
      const throttle = new LoginThrottle();
      // One failure every 4 minutes: never 5 within 15 minutes.
      for (let i = 0; i < 10; i++) {
        expect(retryAfter(throttle, 'alice', '192.0.2.1', T0 + i * 4 * MINUTE)).toBe(0);
        throttle.recordFailure('alice', '192.0.2.1', T0 + i * 4 * MINUTE);
      }
    });
  });

  describe('per address', () => {
    it('allows 20 failures from one address across logins, then refuses every login from it', () => {
      const throttle = new LoginThrottle();
      for (let i = 0; i < 19; i++) throttle.recordFailure(`user${i}`, '192.0.2.1', T0 + i * SECOND);
      expect(retryAfter(throttle, 'newcomer', '192.0.2.1', T0 + 19 * SECOND)).toBe(0);
      throttle.recordFailure('user19', '192.0.2.1', T0 + 19 * SECOND);
      expect(retryAfter(throttle, 'newcomer', '192.0.2.1', T0 + 30 * SECOND)).toBe(870);
      // The same logins from another address are let through: none of them failed 5 times.
      expect(retryAfter(throttle, 'user0', '198.51.100.7', T0 + 30 * SECOND)).toBe(0);
    });

    it("answers the login's wait when it is the longer one", () => {
      const throttle = new LoginThrottle();
      // The address: 20 failures every 30 s from T0, full until T0 + 15 min.
      for (let i = 0; i < 20; i++) throttle.recordFailure(`user${i}`, '192.0.2.1', T0 + i * 30 * SECOND);
      // The login: 5 failures from another address from T0 + 5 min, full until T0 + 20 min.
      fail(throttle, 'alice', '198.51.100.7', 5, T0 + 5 * MINUTE);
      expect(retryAfter(throttle, 'alice', '192.0.2.1', T0 + 10 * MINUTE)).toBe(600);
      expect(retryAfter(throttle, 'bob', '192.0.2.1', T0 + 10 * MINUTE)).toBe(300);
    });

    it("answers the address's wait when it is the longer one", () => {
      const throttle = new LoginThrottle();
      // The login: full until T0 + 15 min.
      fail(throttle, 'alice', '198.51.100.7', 5, T0);
      // The address: full until T0 + 17 min.
      for (let i = 0; i < 20; i++) throttle.recordFailure(`user${i}`, '192.0.2.1', T0 + 2 * MINUTE + i * SECOND);
      expect(retryAfter(throttle, 'alice', '192.0.2.1', T0 + 10 * MINUTE)).toBe(420);
      expect(retryAfter(throttle, 'alice', '198.51.100.7', T0 + 10 * MINUTE)).toBe(300);
    });
  });

  describe('success', () => {
    it("forgets the login's failures and takes back its own attempt from the address", () => {
      const throttle = new LoginThrottle();
      fail(throttle, 'alice', '192.0.2.1', 4, T0);
      // The attempt is counted as a failure until the password is proven right.
      const attempt = throttle.recordFailure('alice', '192.0.2.1', T0 + 10 * SECOND);
      expect(retryAfter(throttle, 'alice', '192.0.2.1', T0 + 10 * SECOND)).toBe(890);
      throttle.recordSuccess('alice', '192.0.2.1', attempt);
      expect(retryAfter(throttle, 'alice', '192.0.2.1', T0 + 10 * SECOND)).toBe(0);
      // The login starts over: four more failures still leave it a fifth attempt.
      fail(throttle, 'alice', '192.0.2.1', 4, T0 + 20 * SECOND);
      expect(retryAfter(throttle, 'alice', '192.0.2.1', T0 + 30 * SECOND)).toBe(0);
    });

    it("keeps the address's earlier failures: only the successful attempt is taken back", () => {
      const throttle = new LoginThrottle();
      fail(throttle, 'alice', '192.0.2.1', 4, T0);
      const attempt = throttle.recordFailure('alice', '192.0.2.1', T0 + 10 * SECOND);
      throttle.recordSuccess('alice', '192.0.2.1', attempt);
      // The address holds alice's 4 earlier failures: 15 more from other logins make 19, the 20th refuses.
      for (let i = 0; i < 15; i++) throttle.recordFailure(`user${i}`, '192.0.2.1', T0 + MINUTE + i * SECOND);
      expect(retryAfter(throttle, 'bob', '192.0.2.1', T0 + 2 * MINUTE)).toBe(0);
      throttle.recordFailure('user15', '192.0.2.1', T0 + 2 * MINUTE);
      expect(retryAfter(throttle, 'bob', '192.0.2.1', T0 + 2 * MINUTE)).toBe(780);
    });

    it("forgets the login's failures from every address", () => {
      const throttle = new LoginThrottle();
      fail(throttle, 'alice', '198.51.100.7', 4, T0);
      const attempt = throttle.recordFailure('Alice', '192.0.2.1', T0 + 10 * SECOND);
      throttle.recordSuccess('ALICE', '192.0.2.1', attempt);
      fail(throttle, 'alice', '198.51.100.7', 4, T0 + 20 * SECOND);
      expect(retryAfter(throttle, 'alice', '198.51.100.7', T0 + 30 * SECOND)).toBe(0);
    });

    it('takes back only one failure counted at the same instant', () => {
      const throttle = new LoginThrottle();
      // Two parallel attempts from one address in the same millisecond, both counted.
      for (let i = 0; i < 19; i++) throttle.recordFailure(`user${i}`, '192.0.2.1', T0 + 5 * SECOND);
      const attempt = throttle.recordFailure('alice', '192.0.2.1', T0 + 5 * SECOND);
      expect(retryAfter(throttle, 'bob', '192.0.2.1', T0 + 5 * SECOND)).toBe(900);
      throttle.recordSuccess('alice', '192.0.2.1', attempt);
      expect(retryAfter(throttle, 'bob', '192.0.2.1', T0 + 5 * SECOND)).toBe(0);
      throttle.recordFailure('bob', '192.0.2.1', T0 + 6 * SECOND);
      expect(retryAfter(throttle, 'bob', '192.0.2.1', T0 + 6 * SECOND)).toBe(899);
    });

    it('is harmless for an attempt that was never counted', () => {
      const throttle = new LoginThrottle();
      fail(throttle, 'bob', '192.0.2.1', 3, T0);
      expect(() => throttle.recordSuccess('alice', '203.0.113.9', T0)).not.toThrow();
      throttle.recordSuccess('alice', '192.0.2.1', T0 + 123);
      fail(throttle, 'bob', '192.0.2.1', 2, T0 + 3 * SECOND);
      expect(retryAfter(throttle, 'bob', '192.0.2.1', T0 + 5 * SECOND)).toBe(895);
    });
  });

  describe('memory', () => {
    const keys = (throttle: LoginThrottle) => (throttle['failures'] as Map<string, number[]>).size;

    it('forgets a key once its failures have left the window and it is looked at', () => {
      const throttle = new LoginThrottle();
      throttle.recordFailure('alice', '192.0.2.1', T0);
      expect(keys(throttle)).toBe(2);
      throttle.check('alice', '192.0.2.1', T0 + WINDOW);
      expect(keys(throttle)).toBe(0);
    });

    it('keeps at most 10,000 keys, forgetting those whose latest failure is oldest', () => {
      const throttle = new LoginThrottle();
      // 5,001 logins from as many addresses: 10,002 keys, the first login's two forgotten.
      for (let i = 0; i < 5_001; i++) throttle.recordFailure(`user${i}`, `10.0.${i >> 8}.${i & 255}`, T0 + i);
      expect(keys(throttle)).toBe(10_000);
      const map = throttle['failures'] as Map<string, number[]>;
      expect([map.has('login:user0'), map.has('address:10.0.0.0'), map.has('login:user1')]).toEqual([false, false, true]);
      throttle.recordFailure('late', '198.51.100.7', T0 + WINDOW + 5_001);
      expect(keys(throttle)).toBe(2);
    });

    it('keeps throttling a login guessed at from 30,000 addresses, and stays within its bound', () => {
      const throttle = new LoginThrottle();
      for (let i = 0; i < 30_000; i++) throttle.recordFailure('victim', `2001:db8::${i.toString(16)}`, T0 + i);
      expect(keys(throttle)).toBe(10_000);
      expect(() => throttle.check('victim', '2001:db8::ffff:1', T0 + 30_000)).toThrow(TooManyRequests);
    });
  });
});
