import { EntityTarget, ObjectLiteral } from 'typeorm';
import { TransactionEntity } from '../../src/modules/accounting/transactions/transaction.entity';
import { resellerLimitOf } from '../../src/platform/tenancy/reseller-limited.decorator';
import { PackageEntity } from '../../src/modules/billing/packages/package.entity';
import { SubscriptionEntity } from '../../src/modules/billing/subscriptions/subscription.entity';
import { ClientEntity } from '../../src/modules/clients/client.entity';
import { ResellerEntity } from '../../src/modules/iam/resellers/reseller.entity';
import { UserEntity } from '../../src/modules/iam/users/user.entity';
import { Principal } from '../../src/platform/auth/principal';
import { RequestContexts } from '../../src/platform/context/request-context';
import { NotFound } from '../../src/platform/errors/domain-error';
import { TenancyViolation } from '../../src/platform/tenancy/tenancy-violation';
import { aClient, aCurrency, aPackage, aReseller, aSubscription, aTransaction, aUser } from '../support/factories';
import { DATABASE_KIND, startTestApp, TestApp } from '../support/test-app';
import { Database } from '../../src/platform/database/database';

// Every way TypeORM offers to reach data, tried beneath the services as a reseller-limited principal
// would, on every reseller-limited entity: each is limited to the reach, or refused.
describe('tenancy enforcement beneath the services', () => {
  let t: TestApp;
  let limited: Principal;
  /** Per entity: the id of a row the limited principal reaches, and of one it does not. */
  const rows = new Map<string, { own: number; foreign: number; reach: number[] }>();

  const ENTITIES: [string, EntityTarget<ObjectLiteral>, string][] = [
    ['users', UserEntity, 'resellers_id'],
    ['resellers', ResellerEntity, 'id'],
    ['clients', ClientEntity, 'resellers_id'],
    ['transactions', TransactionEntity, 'resellers_id'],
    ['packages', PackageEntity, 'resellers_id'],
    ['subscriptions', SubscriptionEntity, 'resellers_id'],
  ];

  beforeAll(async () => {
    t = await startTestApp();
    const usd = (await aCurrency(t, 'USD')).id;
    const R = await aReseller(t);
    const R1 = await aReseller(t, { parent_id: R.id });
    const S = await aReseller(t);
    const own = await aClient(t, { currencies_id: usd, resellers_id: R1.id });
    const foreign = await aClient(t, { currencies_id: usd, resellers_id: S.id });
    rows.set('users', { own: (await aUser(t, { resellers_id: R1.id })).id, foreign: (await aUser(t, { resellers_id: S.id })).id, reach: [] });
    rows.set('resellers', { own: R1.id, foreign: S.id, reach: [] });
    rows.set('clients', { own: own.id, foreign: foreign.id, reach: [] });
    rows.set('transactions', { own: (await aTransaction(t, { clients_id: own.id })).id, foreign: (await aTransaction(t, { clients_id: foreign.id })).id, reach: [] });
    const ownPackage = await aPackage(t, { currencies_id: usd, resellers_id: R1.id });
    const foreignPackage = await aPackage(t, { currencies_id: usd, resellers_id: S.id });
    rows.set('packages', { own: ownPackage.id, foreign: foreignPackage.id, reach: [] });
    rows.set('subscriptions', {
      own: (await aSubscription(t, { clients_id: own.id, packages_id: ownPackage.id })).id,
      foreign: (await aSubscription(t, { clients_id: foreign.id, packages_id: foreignPackage.id })).id,
      reach: [],
    });
    limited = { ...Principal.system('test'), kind: 'user', userId: 1, login: 'limited', resellersId: R.id, scheme: 'api-key', reach: { kind: 'tree', root: R.id, ids: new Set([R.id, R1.id]) } };
    // What the limited principal should see of each table, read as the system.
    for (const [name, target, column] of ENTITIES) {
      const all = await as(Principal.system('test'), () => t.dataSource.getRepository(target).find());
      rows.get(name)!.reach = all.filter((row) => [R.id, R1.id].includes(row[column])).map((row) => row.id).sort((a, b) => a - b);
    }
  });
  afterAll(() => t.close());

  function as<T>(principal: Principal, fn: () => Promise<T>): Promise<T> {
    return RequestContexts.run({ requestId: 'test', unit: Symbol('test'), principal }, fn);
  }
  const asLimited = <T>(fn: () => Promise<T>) => as(limited, fn);
  const ids = (found: ObjectLiteral[]) => found.map((row) => row.id as number).sort((a, b) => a - b);
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

  describe.each(ENTITIES)('%s', (name, target) => {
    const repository = () => t.dataSource.getRepository(target);
    const expected = () => rows.get(name)!;

    it('finds, counts, checks existence and aggregates only rows in reach', async () => {
      const { own, foreign, reach } = expected();
      const seen = await asLimited(async () => ({
        find: ids(await repository().find()),
        findBy: ids(await repository().findBy({ id: foreign })),
        findOneBy: (await repository().findOneBy({ id: foreign })) ?? 'none',
        ownRow: (await repository().findOneBy({ id: own }))?.id,
        count: await repository().count(),
        existsForeign: await repository().exists({ where: { id: foreign } }),
        existsOwn: await repository().existsBy({ id: own }),
        sum: await repository().sum('id' as never),
        minimum: await repository().minimum('id' as never),
        maximum: await repository().maximum('id' as never),
        builder: ids(await repository().createQueryBuilder('row').getMany()),
        raw: (await repository().createQueryBuilder('row').select('row.id', 'id').getRawMany()).map((row) => Number(row.id)).sort((a, b) => a - b),
        countBuilder: await repository().createQueryBuilder('row').where('row.id IN (:...both)', { both: [own, foreign] }).getCount(),
      }));
      expect(seen).toEqual({
        find: reach,
        findBy: [],
        findOneBy: 'none',
        ownRow: own,
        count: reach.length,
        existsForeign: false,
        existsOwn: true,
        sum: sum(reach),
        minimum: Math.min(...reach),
        maximum: Math.max(...reach),
        builder: reach,
        raw: reach,
        countBuilder: 1,
      });
    });

    it('reads a partial select of an own row, and a foreign one as not there', async () => {
      const { own, foreign } = expected();
      const found = await asLimited(() => repository().find({ select: { id: true } as never, where: [{ id: own }, { id: foreign }] as never }));
      expect(found.map((row) => ({ ...row }))).toEqual([{ id: own }]);
    });

    it('leaves foreign rows untouched by updates and deletes of every kind', async () => {
      const { foreign } = expected();
      const before = await as(Principal.system('test'), () => repository().findOneByOrFail({ id: foreign }));
      const outcomes = await asLimited(async () => [
        (await repository().update({ id: foreign }, { c_dt: new Date('2000-01-01') } as never)).affected,
        (await repository().createQueryBuilder().update().set({ c_dt: new Date('2000-01-01') } as never).where('id = :id', { id: foreign }).execute()).affected,
        (await repository().createQueryBuilder().update().set({ c_dt: new Date('2000-01-01') } as never).execute()).affected! > 0 ? 'own rows only' : 'none',
        (await repository().delete({ id: foreign })).affected,
        (await repository().createQueryBuilder().delete().where('id = :id', { id: foreign }).execute()).affected,
      ]);
      expect(outcomes).toEqual([0, 0, 'own rows only', 0, 0]);
      const after = await as(Principal.system('test'), () => repository().findOneByOrFail({ id: foreign }));
      expect(after).toEqual(before);
    });

    it('refuses an upsert, whose ON CONFLICT could overwrite a foreign row', async () => {
      await expect(asLimited(() => repository().upsert({ id: expected().foreign } as never, ['id']))).rejects.toThrow(
        `Tenancy violation: upsert of ${resellerLimitOf(target)!.objectName} by a reseller-limited principal`,
      );
    });

    it('refuses to touch the entity with no principal at all, and lets a named system principal see everything', async () => {
      await expect(repository().find()).rejects.toThrow(TenancyViolation);
      await expect(repository().count()).rejects.toThrow(`Tenancy violation: ${resellerLimitOf(target)!.objectName} touched with no principal`);
      const everything = await as(Principal.system('test'), () => repository().count());
      expect(everything).toBeGreaterThan(expected().reach.length);
    });
  });

  it('limits every joined limited alias in its ON clause, so a left join keeps its row and shows nothing foreign', async () => {
    const { own: ownReseller, foreign: foreignReseller } = rows.get('resellers')!;
    const joined = await asLimited(() =>
      t.dataSource
        .getRepository(ResellerEntity)
        .createQueryBuilder('reseller')
        .leftJoinAndMapMany('reseller.clients', ClientEntity, 'client', 'client.resellers_id = :foreignReseller', { foreignReseller })
        .where('reseller.id = :ownReseller', { ownReseller })
        .getMany(),
    );
    expect(joined.map((row) => ({ id: row.id, clients: (row as unknown as { clients: unknown[] }).clients }))).toEqual([{ id: ownReseller, clients: [] }]);
    const raw = await asLimited(() =>
      t.dataSource
        .createQueryBuilder()
        .select('client.id', 'id')
        .from(ResellerEntity, 'reseller')
        .innerJoin(ClientEntity, 'client', 'client.resellers_id = reseller.id')
        .getRawMany(),
    );
    expect(raw.map((row) => Number(row.id))).toEqual([rows.get('clients')!.own]);
  });

  it('stamps inserts with the principal reseller and refuses to place anything outside the reach', async () => {
    const values = { login: 'inserted', api_key_hash: 'x'.repeat(64), api_key_prefix: 'x', allowed_ips: [] };
    await asLimited(() => t.dataSource.getRepository(UserEntity).insert(values));
    const inserted = await as(Principal.system('test'), () => t.dataSource.getRepository(UserEntity).findOneByOrFail({ login: 'inserted' }));
    expect(inserted.resellers_id).toBe(limited.resellersId);
    const foreignReseller = rows.get('resellers')!.foreign;
    await expect(asLimited(() => t.dataSource.getRepository(UserEntity).insert({ ...values, login: 'elsewhere', api_key_hash: 'y'.repeat(64), resellers_id: foreignReseller }))).rejects.toThrow(
      new NotFound('resellers', foreignReseller),
    );
    await expect(asLimited(() => t.dataSource.getRepository(UserEntity).update({ id: inserted.id }, { resellers_id: foreignReseller }))).rejects.toThrow(
      new NotFound('resellers', foreignReseller),
    );
  });

  describe('raw SQL', () => {
    const tables = ['users', 'resellers', 'clients', 'transactions', 'packages', 'subscriptions'];

    if (DATABASE_KIND === 'postgres') {
      /** A query on a connection of its own, as the app role with a reach, as a query that forgot every scope would run. */
      async function rawAs(reach: string | undefined, sql: string): Promise<ObjectLiteral[]> {
        const runner = t.dataSource.createQueryRunner();
        try {
          await runner.startTransaction();
          await runner.query(`SELECT set_config('role', 'billing_app', true)`);
          if (reach !== undefined) await runner.query(`SELECT set_config('billing.reach', $1, true)`, [reach]);
          return await runner.query(sql);
        } finally {
          await runner.rollbackTransaction();
          await runner.release();
        }
      }

      it.each(tables)('on PostgreSQL, row-level security shows %s only in the reach, even to a query with no scope', async (table) => {
        const reach = [...(limited.reach as { ids: Set<number> }).ids].join(',');
        const target = ENTITIES.find(([name]) => name === table)![1];
        const inReach = ids(await asLimited(() => t.dataSource.getRepository(target).find()));
        expect(ids(await rawAs(reach, `SELECT id FROM ${table}`))).toEqual(inReach);
        expect(await rawAs(undefined, `SELECT id FROM ${table}`)).toEqual([]);
        expect((await rawAs('all', `SELECT count(*)::int AS n FROM ${table}`))[0].n).toBeGreaterThan(rows.get(table)!.reach.length);
      });

      it('on PostgreSQL, row-level security refuses a raw write outside the reach', async () => {
        const reach = [...(limited.reach as { ids: Set<number> }).ids].join(',');
        await expect(
          rawAs(reach, `UPDATE clients SET name = 'hijacked' WHERE id = ${rows.get('clients')!.foreign} RETURNING id`),
        ).resolves.toEqual([[], 0]);
        await expect(
          rawAs(reach, `INSERT INTO clients (name, currencies_id, resellers_id) VALUES ('x', 1, ${rows.get('resellers')!.foreign})`),
        ).rejects.toThrow('new row violates row-level security policy for table "clients"');
      });

      it('on PostgreSQL, raw SQL through the door is limited to the reach', async () => {
        const found = await asLimited(() => t.app.get(Database).unit(() => t.app.get(Database).query<ObjectLiteral[]>('SELECT id FROM clients')));
        expect(ids(found)).toEqual(rows.get('clients')!.reach);
      });
    } else {
      it('on SQLite, which has no row-level security, raw SQL through the door is refused to a limited principal', async () => {
        const db = t.app.get(Database);
        await expect(asLimited(() => db.query('SELECT id FROM clients'))).rejects.toThrow(
          'Tenancy violation: raw SQL for a reseller-limited principal on SQLite, which has no row-level security',
        );
        expect(await as(Principal.system('test'), () => db.query<ObjectLiteral[]>('SELECT count(*) AS n FROM clients'))).toEqual([{ n: 2 }]);
      });
    }
  });
});
