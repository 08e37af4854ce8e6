import { Column, DataSource, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { isReferenced } from './references';

@Entity('owners')
class Owner {
  @PrimaryGeneratedColumn()
  id: number;
}

@Entity('owned_things')
class OwnedThing {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'integer' })
  owners_id: number;
}

@Entity('unrelated')
class Unrelated {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'integer' })
  other_id: number;
}

// A throwaway in-memory schema: the one place synchronize is acceptable.
describe('isReferenced', () => {
  const dataSource = new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [Owner, OwnedThing, Unrelated], synchronize: true });

  beforeAll(async () => {
    await dataSource.initialize();
    await dataSource.getRepository(Owner).insert([{}, {}]);
    await dataSource.getRepository(OwnedThing).insert({ owners_id: 1 });
    await dataSource.getRepository(Unrelated).insert({ other_id: 2 });
  });
  afterAll(() => dataSource.destroy());

  it('finds a row of any table that points at the id through the named columns', async () => {
    expect(await isReferenced(dataSource.manager, ['owners_id'], 1)).toBe(true);
    expect(await isReferenced(dataSource.manager, ['owners_id'], 2)).toBe(false);
    expect(await isReferenced(dataSource.manager, ['owners_id', 'other_id'], 2)).toBe(true);
  });
});
