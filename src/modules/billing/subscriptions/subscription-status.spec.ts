import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { useDialect } from '../../../platform/database/columns';
import { SUBSCRIPTION_CONDITIONS, SubscriptionCondition, SubscriptionEntity } from './subscription.entity';
import { subscriptionStatus, subscriptionStatusSql } from './subscription-status';

const NOW = new Date('2026-06-15T12:00:00.000Z');
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);
const DAY = 86_400_000;

/** Instants around now, to the millisecond: SQLite compares them as text, so each must order as time does. */
const INSTANTS: (Date | null)[] = [null, at(-DAY), at(-1), NOW, at(1), at(DAY)];

describe('subscriptionStatus', () => {
  it.each([
    ['new, nothing booked', 'pending', 'new', null, null],
    ['new, stop_dt passed', 'archive', 'new', at(-1), null],
    ['new, stop_dt now', 'archive', 'new', NOW, null],
    ['activated, period running', 'active', 'activated', null, at(DAY)],
    ['activated, period ends a millisecond from now', 'active', 'activated', at(DAY), at(1)],
    ['activated, period ended now (the next fee unpaid)', 'pending', 'activated', null, NOW],
    ['activated, period ended', 'pending', 'activated', null, at(-DAY)],
    ['activated, stop_dt passed within the period', 'archive', 'activated', at(-1), at(DAY)],
    ['deactivated, period still running', 'archive', 'deactivated', null, at(DAY)],
    ['deactivated, stop_dt ahead', 'archive', 'deactivated', at(DAY), null],
  ] as const)('%s: %s', (_, status, condition, stop_dt, periods_stop_dt) => {
    expect(subscriptionStatus({ condition, stop_dt, periods_stop_dt }, NOW)).toBe(status);
  });
});

// A throwaway in-memory schema (synchronize is for throwaway unit tests only).
describe('subscriptionStatusSql on SQLite', () => {
  let dataSource: DataSource;
  const rows: { id: number; condition: SubscriptionCondition; stop_dt: Date | null; periods_stop_dt: Date | null }[] = [];

  beforeAll(async () => {
    useDialect('sqlite');
    dataSource = await new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [SubscriptionEntity], synchronize: true }).initialize();
    const repository = dataSource.getRepository(SubscriptionEntity);
    for (const condition of SUBSCRIPTION_CONDITIONS) {
      for (const stop_dt of INSTANTS) {
        for (const periods_stop_dt of INSTANTS) {
          const saved = await repository.save(
            repository.create({ clients_id: 1, packages_id: 1, start_dt: at(-2 * DAY), condition, stop_dt, periods_stop_dt, periods_start_dt: periods_stop_dt && at(-DAY) }),
          );
          rows.push({ id: saved.id, condition, stop_dt, periods_stop_dt });
        }
      }
    }
  });

  afterAll(() => dataSource.destroy());

  const statusesBySql = async (now: Date) => {
    const found: { id: number; status: string }[] = await dataSource
      .getRepository(SubscriptionEntity)
      .createQueryBuilder('subscription')
      .select('subscription.id', 'id')
      .addSelect(subscriptionStatusSql('subscription', 'now'), 'status')
      .setParameter('now', now)
      .orderBy('subscription.id')
      .getRawMany();
    return found.map((row) => ({ id: Number(row.id), status: row.status }));
  };

  it.each(INSTANTS.filter((instant): instant is Date => instant !== null))('agrees with the function for every case at %s', async (now) => {
    const expected = rows.map(({ id, ...inputs }) => ({ id, status: subscriptionStatus(inputs, now) }));
    expect(await statusesBySql(now)).toEqual(expected);
  });

  it('covers every status', async () => {
    expect(new Set((await statusesBySql(NOW)).map((row) => row.status))).toEqual(new Set(['active', 'pending', 'archive']));
  });

  it('filters and orders by the same expression', async () => {
    const status = subscriptionStatusSql('subscription', 'now');
    const active = await dataSource
      .getRepository(SubscriptionEntity)
      .createQueryBuilder('subscription')
      .where(`${status} IN (:...statuses)`, { statuses: ['active'] })
      .setParameter('now', NOW)
      .orderBy(status, 'DESC')
      .addOrderBy('subscription.id', 'ASC')
      .getMany();
    const expected = rows.filter(({ id, ...inputs }) => subscriptionStatus(inputs, NOW) === 'active').map((row) => row.id);
    expect(active.map((row) => row.id)).toEqual(expected);
    const ordered = await dataSource
      .getRepository(SubscriptionEntity)
      .createQueryBuilder('subscription')
      .setParameter('now', NOW)
      .orderBy(status, 'ASC')
      .addOrderBy('subscription.id', 'ASC')
      .getMany();
    const rank = (id: number) => subscriptionStatus(rows.find((row) => row.id === id)!, NOW);
    const statuses = ordered.map((row) => rank(row.id));
    expect(statuses).toEqual([...statuses].sort());
  });
});
