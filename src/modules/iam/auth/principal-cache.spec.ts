import type { QueryRunner, TransactionCommitEvent } from 'typeorm';
import type { Principal } from '../../../platform/auth/principal';
import type { Database } from '../../../platform/database/database';
import { ResellerEntity } from '../resellers/reseller.entity';
import { SettingEntity } from '../settings/setting.entity';
import { UserEntity } from '../users/user.entity';
import { CachedCaller, PrincipalCache } from './principal-cache';

const caller = (userId: number): CachedCaller => ({
  principal: {
    kind: 'user',
    userId,
    login: `user${userId}`,
    resellersId: 10,
    reach: { kind: 'tree', root: 10, ids: new Set([10]) },
    timezone: null,
    scheme: 'api-key',
  } satisfies Principal,
  allowedIps: ['10.0.0.0/8'],
});

/** A write event of an entity, as TypeORM hands it to a subscriber. */
const write = (target: unknown) => ({ metadata: { target } });

function cache() {
  const subscribe = jest.fn();
  return { cache: new PrincipalCache({ subscribe } as unknown as Database), subscribe };
}

const T0 = 1_700_000_000_000;

describe('PrincipalCache', () => {
  it('subscribes itself to entity events at module init', () => {
    const { cache: principals, subscribe } = cache();
    expect(subscribe).not.toHaveBeenCalled();
    principals.onModuleInit();
    expect(subscribe).toHaveBeenCalledTimes(1);
    expect(subscribe).toHaveBeenCalledWith(principals);
  });

  it('answers nothing for a key never stored', () => {
    expect(cache().cache.get('k', T0)).toBeUndefined();
  });

  it('keeps an entry for exactly one second', () => {
    const { cache: principals } = cache();
    principals.set('k', caller(1), principals.current(), T0);
    expect(principals.get('k', T0)).toEqual({ ...caller(1), expires: T0 + 1000 });
    expect(principals.get('k', T0 + 999)).toEqual({ ...caller(1), expires: T0 + 1000 });
    expect(principals.get('k', T0 + 1000)).toBeUndefined();
  });

  it('forgets an expired entry once it is looked up', () => {
    const { cache: principals } = cache();
    principals.set('k', caller(1), principals.current(), T0);
    expect(principals.get('k', T0 + 5000)).toBeUndefined();
    // Deleted, not merely hidden: even an earlier clock no longer finds it.
    expect(principals.get('k', T0)).toBeUndefined();
  });

  it('keeps entries apart by key, and a set restarts the second', () => {
    const { cache: principals } = cache();
    principals.set('a', caller(1), principals.current(), T0);
    principals.set('b', caller(2), principals.current(), T0 + 500);
    expect(principals.get('a', T0 + 1200)).toBeUndefined();
    expect(principals.get('b', T0 + 1200)?.principal.userId).toBe(2);
    principals.set('b', caller(3), principals.current(), T0 + 1200);
    expect(principals.get('b', T0 + 2199)).toEqual({ ...caller(3), expires: T0 + 2200 });
  });

  it('clears everything on clear(), and bumps the generation', () => {
    const { cache: principals } = cache();
    principals.set('a', caller(1), principals.current(), T0);
    principals.set('b', caller(2), principals.current(), T0);
    expect(principals.current()).toBe(0);
    principals.clear();
    expect(principals.current()).toBe(1);
    expect(principals.get('a', T0)).toBeUndefined();
    expect(principals.get('b', T0)).toBeUndefined();
  });

  describe.each([
    ['users', UserEntity],
    ['resellers', ResellerEntity],
  ])('a write to %s', (_name, target) => {
    it.each(['afterInsert', 'afterUpdate', 'afterRemove'] as const)('empties the cache (%s)', (event) => {
      const { cache: principals } = cache();
      principals.set('k', caller(1), principals.current(), T0);
      principals[event](write(target));
      expect(principals.get('k', T0)).toBeUndefined();
      expect(principals.current()).toBe(1);
    });
  });

  it.each([
    ['settings', SettingEntity],
    ['an unknown class', class Other {}],
    ['a table name', 'users'],
  ])('keeps its entries on a write to %s', (_name, target) => {
    const { cache: principals } = cache();
    principals.set('k', caller(1), principals.current(), T0);
    principals.afterInsert(write(target));
    principals.afterUpdate(write(target));
    principals.afterRemove(write(target));
    expect(principals.get('k', T0)?.principal.userId).toBe(1);
    expect(principals.current()).toBe(0);
  });

  it('does not store a caller read before a clear (the generation check)', () => {
    const { cache: principals } = cache();
    const readAt = principals.current();
    // The user is blocked while their key was being looked up...
    principals.afterUpdate(write(UserEntity));
    // ...so what was read before it must not be remembered.
    principals.set('k', caller(1), readAt, T0);
    expect(principals.get('k', T0)).toBeUndefined();
    // A caller read after the clear is stored.
    principals.set('k', caller(2), principals.current(), T0);
    expect(principals.get('k', T0)?.principal.userId).toBe(2);
  });

  it('does not store a read from before any of several clears', () => {
    const { cache: principals } = cache();
    const readAt = principals.current();
    principals.clear();
    const readBetween = principals.current();
    principals.clear();
    principals.set('a', caller(1), readAt, T0);
    principals.set('b', caller(2), readBetween, T0);
    expect(principals.get('a', T0)).toBeUndefined();
    expect(principals.get('b', T0)).toBeUndefined();
    expect(principals.current()).toBe(2);
  });

  it('holds at most 10,000 entries: the next new one empties it first', () => {
    const { cache: principals } = cache();
    const generation = principals.current();
    for (let i = 0; i < 10_000; i++) principals.set(`k${i}`, caller(1), generation, T0);
    expect(principals.get('k0', T0)).toBeDefined();
    expect(principals.get('k9999', T0)).toBeDefined();
    principals.set('k10000', caller(2), generation, T0);
    expect(principals.get('k0', T0)).toBeUndefined();
    expect(principals.get('k9999', T0)).toBeUndefined();
    expect(principals.get('k10000', T0)?.principal.userId).toBe(2);
    // Emptied by size, not by a write: the generation is unchanged.
    expect(principals.current()).toBe(generation);
  });

  it('keeps 10,000 entries without emptying itself', () => {
    const { cache: principals } = cache();
    for (let i = 0; i < 10_000; i++) principals.set(`k${i}`, caller(1), 0, T0);
    let kept = 0;
    for (let i = 0; i < 10_000; i++) if (principals.get(`k${i}`, T0)) kept++;
    expect(kept).toBe(10_000);
  });

  it('clears again when a transaction that wrote users commits: what was read before the commit does not outlive it', () => {
    const { cache: principals } = cache();
    const transaction = { isTransactionActive: true } as unknown as QueryRunner;
    principals.afterUpdate({ metadata: { target: UserEntity }, queryRunner: transaction });
    // A lookup in the gap between the UPDATE and the COMMIT reads the committed (old) row, and stores it.
    principals.set('k', caller(1), principals.current(), T0);
    // A savepoint inside the transaction is released: still uncommitted, the entry stays.
    principals.afterTransactionCommit({ queryRunner: transaction } as TransactionCommitEvent);
    expect(principals.get('k', T0)).toEqual(expect.objectContaining({ allowedIps: ['10.0.0.0/8'] }));
    (transaction as { isTransactionActive: boolean }).isTransactionActive = false;
    principals.afterTransactionCommit({ queryRunner: transaction } as TransactionCommitEvent);
    expect(principals.get('k', T0)).toBeUndefined();
  });

  it('leaves the cache alone when a transaction that wrote neither users nor resellers commits', () => {
    const { cache: principals } = cache();
    const transaction = { isTransactionActive: true } as unknown as QueryRunner;
    principals.afterUpdate({ metadata: { target: SettingEntity }, queryRunner: transaction });
    principals.set('k', caller(1), principals.current(), T0);
    (transaction as { isTransactionActive: boolean }).isTransactionActive = false;
    principals.afterTransactionCommit({ queryRunner: transaction } as TransactionCommitEvent);
    expect(principals.get('k', T0)?.principal.userId).toBe(1);
  });
});
