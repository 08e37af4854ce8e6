import { aReseller, aUser } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

describe('iam.resellers', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('creates, gets, searches and updates resellers as a tree', async () => {
    const root = await t.rest('POST', '/iam/resellers', { name: 'Acme' });
    expect(root.body).toEqual({ id: 1, name: 'Acme', parent_id: null, status: 'active', c_dt: root.body.c_dt });
    const child = await t.rpc('iam.resellers.create', { name: 'Acme East', parent_id: 1 });
    expect(child.body.result).toEqual({ id: 2, name: 'Acme East', parent_id: 1, status: 'active', c_dt: child.body.result.c_dt });
    expect((await t.rest('GET', '/iam/resellers?parent_id=1')).body.map((r: { id: number }) => r.id)).toEqual([2]);
    expect((await t.rpc('iam.resellers.search', { q: 'east' })).body.result.map((r: { id: number }) => r.id)).toEqual([2]);
    expect((await t.rest('PATCH', '/iam/resellers/2', { name: 'Acme West' })).body).toBe(1);
    expect((await t.rest('GET', '/iam/resellers/2')).body.name).toBe('Acme West');
    const missingParent = await t.rpc('iam.resellers.create', { name: 'Orphan', parent_id: 99 });
    expect(missingParent.body.error.data).toEqual({ code: 'not_found', object_name: 'resellers', object_id: '99' });
    expect((await t.rpc('iam.resellers.create', { name: '' })).body.error.data).toEqual({ name: 'must not be empty' });
  });

  it('refuses to move a reseller beneath itself', async () => {
    const top = await aReseller(t);
    const middle = await aReseller(t, { parent_id: top.id });
    const bottom = await aReseller(t, { parent_id: middle.id });
    for (const parent of [top.id, bottom.id]) {
      const res = await t.rpc('iam.resellers.update', { id: top.id, parent_id: parent });
      expect(res.body.error.data).toEqual({ code: 'resellers-cycle', message: `reseller #${top.id} cannot be moved beneath itself` });
    }
    expect((await t.rpc('iam.resellers.update', { id: bottom.id, parent_id: top.id })).body.result).toBe(1);
  });

  it('deletes by marking deleted, refused while active users or child resellers remain', async () => {
    const reseller = await aReseller(t);
    const child = await aReseller(t, { parent_id: reseller.id });
    const user = await aUser(t, { resellers_id: reseller.id });
    const inUse = (what: string) => ({
      message: `resellers-in-use: reseller #${reseller.id} still has ${what} and cannot be deleted`,
      data: { code: 'resellers-in-use', message: `reseller #${reseller.id} still has ${what} and cannot be deleted` },
    });
    await t.rpc('iam.users.update', { id: user.id, status: 'blocked' });
    const refused = await t.rest('DELETE', `/iam/resellers/${reseller.id}`);
    expect([refused.status, refused.body.error]).toEqual([422, inUse('child resellers')]);
    expect((await t.rpc('iam.resellers.delete', { id: child.id })).body.result).toBe(1);
    await t.rpc('iam.users.update', { id: user.id, status: 'active' });
    expect((await t.rest('DELETE', `/iam/resellers/${reseller.id}`)).body.error).toEqual(inUse('active users'));
    await t.rpc('iam.users.update', { id: user.id, status: 'archive' });
    expect((await t.rest('DELETE', `/iam/resellers/${reseller.id}`)).body).toBe(1);
    expect((await t.rest('GET', `/iam/resellers/${reseller.id}`)).body.status).toBe('deleted');
    expect((await t.rest('GET', `/iam/resellers?status=deleted&id=${reseller.id}&id=${child.id}`)).body).toHaveLength(2);
    const placed = await t.rpc('iam.users.create', { login: 'late-user', resellers_id: reseller.id });
    expect(placed.body.error.data).toEqual({ code: 'resellers-deleted', message: `reseller #${reseller.id} is deleted` });
  });
});
