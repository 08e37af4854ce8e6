import 'reflect-metadata';
import type { Database } from '../../../platform/database/database';
import type { HttpRequest } from '../../../platform/http/http-adapter';
import type { Tenancy } from '../../../platform/tenancy/tenancy';
import { AuthenticationFailed } from '../../../platform/errors/domain-error';
import type { UserEntity } from '../users/user.entity';
import type { JwtTokens } from './jwt-tokens';
import { PassportAuthenticator } from './passport.authenticator';
import { PrincipalCache } from './principal-cache';
import { Principals } from './principals';
import type { ResellerTree } from '../resellers/reseller-tree';
import { hashApiKey } from './secrets';

const KEY = 'bk_test-key';
const USER = { id: 3, login: 'crm', status: 'active', resellers_id: 10, timezone: null, allowed_ips: [], api_key_hash: hashApiKey(KEY) } as unknown as UserEntity;

function setup() {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  // Every lookup waits at the gate, so concurrent requests overlap as under load.
  const findOneBy = jest.fn(async ({ api_key_hash }: { api_key_hash: string }) => {
    await gate;
    return api_key_hash === USER.api_key_hash ? USER : null;
  });
  const db = { repository: () => ({ findOneBy }), subscribe: jest.fn() } as unknown as Database;
  const tenancy = { runAs: (_principal: unknown, fn: () => Promise<unknown>) => fn() } as unknown as Tenancy;
  const principals = new Principals({ subtree: async (id: number) => [id, 11] } as unknown as ResellerTree);
  const authenticator = new PassportAuthenticator(db, {} as JwtTokens, principals, new PrincipalCache(db), tenancy);
  const request = (key: string): HttpRequest => ({ method: 'POST', url: '/', headers: { 'x-api-key': key }, ip: '127.0.0.1', query: {}, params: {} });
  return { authenticator, findOneBy, release, request };
}

describe('PassportAuthenticator', () => {
  it('looks a key up once for all the requests that arrive while it is read, each with a principal of its own', async () => {
    const { authenticator, findOneBy, release, request } = setup();
    const answers = Array.from({ length: 20 }, () => authenticator.authenticate(request(KEY)));
    release();
    const principals = await Promise.all(answers);
    expect(findOneBy).toHaveBeenCalledTimes(1);
    expect(principals.map((principal) => principal.userId)).toEqual(Array(20).fill(3));
    expect(principals[0].reach).toEqual({ kind: 'tree', root: 10, ids: new Set([10, 11]) });
    // A request that adds to its reach (it created a reseller) changes no one else's.
    (principals[0].reach as { ids: Set<number> }).ids.add(99);
    expect(principals.slice(1).every((principal) => !(principal.reach as { ids: Set<number> }).ids.has(99))).toBe(true);
  });

  it('refuses every request of an unknown key, each after a lookup of its own', async () => {
    const { authenticator, findOneBy, release, request } = setup();
    const answers = Array.from({ length: 3 }, () => authenticator.authenticate(request('bk_unknown')));
    release();
    const outcomes = await Promise.allSettled(answers);
    expect(outcomes.map((outcome) => outcome.status === 'rejected' && outcome.reason instanceof AuthenticationFailed)).toEqual([true, true, true]);
    expect(findOneBy).toHaveBeenCalledTimes(3);
  });
});
