import 'reflect-metadata';
import { DataSource, ObjectLiteral, Repository } from 'typeorm';
import { ENTITIES } from '../../database/entities';
import { ClientEntity } from '../../modules/clients/client.entity';
import { CurrencyEntity } from '../../modules/accounting/currencies/currency.entity';
import { TransactionEntity } from '../../modules/accounting/transactions/transaction.entity';
import { ResellerEntity } from '../../modules/iam/resellers/reseller.entity';
import { UserEntity } from '../../modules/iam/users/user.entity';
import { Principal } from '../auth/principal';
import { RequestContexts } from '../context/request-context';
import { useDialect } from '../database/columns';
import { UNLIMITED } from './reseller-reach';
import { installQueryScoping } from './query-scope';
import { ResellerSubscriber } from './reseller.subscriber';
import { FindById } from './find-by-id';

/** Runs `fn` for a principal with `reach`, as a request would. */
function as<T>(reach: Principal['reach'], fn: () => Promise<T>): Promise<T> {
  const principal = { ...Principal.system('find-by-id spec'), reach };
  return RequestContexts.run({ requestId: 'spec', unit: Symbol('spec'), principal }, fn);
}

// A throwaway in-memory schema (synchronize is for throwaway unit tests only).
describe('FindById', () => {
  let dataSource: DataSource;
  const byId = new FindById();

  beforeAll(async () => {
    useDialect('sqlite');
    installQueryScoping();
    dataSource = await new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: ENTITIES, subscribers: [ResellerSubscriber], synchronize: true }).initialize();
    await as(UNLIMITED, async () => {
      const m = dataSource.manager;
      await m.save(m.create(CurrencyEntity, { name: 'USD' }));
      const [r1, r2] = await m.save([m.create(ResellerEntity, { name: 'one' }), m.create(ResellerEntity, { name: 'two' })]);
      await m.save(m.create(UserEntity, { login: 'u', resellers_id: r1.id, api_key_hash: 'h', api_key_prefix: 'p' }));
      const [c1, c2] = await m.save([
        m.create(ClientEntity, { name: 'c1', currencies_id: 1, resellers_id: r1.id, credit: '12.345' as never, notes: 'x' }),
        m.create(ClientEntity, { name: 'c2', currencies_id: 1, resellers_id: r2.id }),
      ]);
      await m.save(m.create(TransactionEntity, { clients_id: c1.id, resellers_id: r1.id, type: 'payment', amount: '1.5' as never, client_amount: '1.5' as never, rate: '1' as never, currencies_id: 1, dt: new Date('2026-01-02T03:04:05Z') }));
      expect([c1.id, c2.id]).toEqual([1, 2]);
    });
  });

  afterAll(() => dataSource.destroy());

  const cases: [string, () => Repository<ObjectLiteral>][] = [
    ['clients', () => dataSource.getRepository(ClientEntity)],
    ['transactions', () => dataSource.getRepository(TransactionEntity)],
    ['users', () => dataSource.getRepository(UserEntity)],
    ['resellers', () => dataSource.getRepository(ResellerEntity)],
    ['currencies', () => dataSource.getRepository(CurrencyEntity)],
  ];

  it('answers only within reach: a tree sees its own client, not the other tree’s', async () => {
    const clients = dataSource.getRepository(ClientEntity);
    const tree = { kind: 'tree' as const, root: 1, ids: new Set([1]) };
    expect((await as(tree, () => byId.find(clients, 1)))?.name).toBe('c1');
    expect(await as(tree, () => byId.find(clients, 2))).toBeNull();
    expect((await as(UNLIMITED, () => byId.find(clients, 2)))?.name).toBe('c2');
    expect((await as(tree, () => byId.find(clients, 1)))?.credit.toFixed()).toBe('12.345');
  });

  it.each(cases)('finds %s exactly as findOne does, for every reach, found or not', async (_name, repository) => {
    for (const reach of [UNLIMITED, { kind: 'tree' as const, root: 1, ids: new Set([1]) }, { kind: 'tree' as const, root: 2, ids: new Set([2]) }]) {
      for (const id of [1, 2, 3]) {
        const expected = await as(reach, () => repository().findOne({ where: { id } }));
        const found = await as(reach, () => byId.find(repository(), id));
        expect(found).toEqual(expected);
        if (expected) expect(Object.getPrototypeOf(found)).toBe(Object.getPrototypeOf(expected));
      }
    }
  });

  it.each(cases)('finds many %s exactly as whereInIds does, for every reach and number of ids', async (_name, repository) => {
    const byIdOrder = (entities: ObjectLiteral[]) => [...entities].sort((a, b) => a.id - b.id);
    for (const reach of [UNLIMITED, { kind: 'tree' as const, root: 1, ids: new Set([1]) }, { kind: 'tree' as const, root: 2, ids: new Set([2]) }]) {
      for (const ids of [[1], [2, 1], [3, 2, 1], [4, 3]]) {
        const expected = await as(reach, () => repository().createQueryBuilder().whereInIds(ids).getMany());
        const found = await as(reach, () => byId.findMany(repository(), ids));
        expect(byIdOrder(found)).toEqual(byIdOrder(expected));
        expect(found.every((entity) => entity instanceof (repository().metadata.target as new () => ObjectLiteral))).toBe(true);
      }
    }
    expect(await as(UNLIMITED, () => byId.findMany(repository(), []))).toEqual([]);
  });
});
