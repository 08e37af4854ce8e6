import { UserEntity } from '../../src/modules/iam/users/user.entity';
import type { Principal } from '../../src/platform/auth/principal';
import { RequestContexts } from '../../src/platform/context/request-context';
import { TenancyViolation } from '../../src/platform/tenancy/reseller.subscriber';
import { aReseller, aUser } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

// The enforcement beneath the services: what a forgotten filter or a bulk write would do, tried directly.
describe('tenancy enforcement', () => {
  let t: TestApp;
  let principal: Principal;
  let foreignUserId: number;
  let ownUserId: number;

  beforeAll(async () => {
    t = await startTestApp();
    const R = await aReseller(t);
    const S = await aReseller(t);
    ownUserId = (await aUser(t, { resellers_id: R.id, name: 'own' })).id;
    foreignUserId = (await aUser(t, { resellers_id: S.id, name: 'foreign' })).id;
    principal = { userId: ownUserId, login: 'own', resellersId: R.id, timezone: null, scheme: 'api-key', reach: { kind: 'tree', root: R.id, ids: new Set([R.id]) } };
  });
  afterAll(() => t.close());

  const asLimitedUser = <T>(fn: () => Promise<T>) => RequestContexts.run({ requestId: 'test', unit: Symbol('test'), principal }, fn);
  const users = () => t.dataSource.getRepository(UserEntity);
  const names = async () => (await t.dataSource.query(`SELECT name FROM users ORDER BY id`)).map((row: { name: string }) => row.name);

  it('trips when a query without the reseller filter loads a foreign row', async () => {
    await expect(asLimitedUser(() => users().find())).rejects.toThrow(TenancyViolation);
    await expect(asLimitedUser(() => users().findOneBy({ id: foreignUserId }))).rejects.toThrow(
      `Tenancy violation: loaded users #${foreignUserId} outside the caller's reach`,
    );
    await expect(asLimitedUser(() => users().findOneBy({ id: ownUserId }))).resolves.toMatchObject({ name: 'own' });
  });

  it('refuses bulk updates and deletes, which carry no rows to check', async () => {
    const before = await names();
    await expect(asLimitedUser(() => users().update({ id: foreignUserId }, { name: 'hijacked' }))).rejects.toThrow(
      'Tenancy violation: bulk update of users by a reseller-limited caller',
    );
    await expect(
      asLimitedUser(() => users().createQueryBuilder().update().set({ name: 'hijacked' }).where('id = :id', { id: foreignUserId }).execute()),
    ).rejects.toThrow(TenancyViolation);
    await expect(asLimitedUser(() => users().delete({ id: foreignUserId }))).rejects.toThrow(
      'Tenancy violation: bulk delete of users by a reseller-limited caller',
    );
    expect(await names()).toEqual(before);
  });

  it('stamps and checks inserts made through a query builder too', async () => {
    const values = { login: 'inserted', api_key_hash: 'x'.repeat(64), api_key_prefix: 'x', allowed_ips: [] };
    await asLimitedUser(() => users().insert(values));
    const [row] = await t.dataSource.query(`SELECT resellers_id FROM users WHERE login = 'inserted'`);
    expect(Number(row.resellers_id)).toBe(principal.resellersId);
    const foreign = { ...values, login: 'foreign-insert', api_key_hash: 'y'.repeat(64), resellers_id: principal.resellersId! + 1 };
    await expect(asLimitedUser(() => users().insert(foreign))).rejects.toThrow(`not_found: resellers #${principal.resellersId! + 1} not found`);
  });

  it('leaves the unlimited (and code outside any request) alone', async () => {
    expect((await users().find()).length).toBeGreaterThanOrEqual(3);
    expect(await users().update({ id: foreignUserId }, { name: 'foreign' })).toMatchObject({ affected: 1 });
  });
});
