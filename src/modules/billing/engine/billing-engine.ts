import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { APP_CONFIG } from '../../../config/config.module';
import type { AppConfig } from '../../../config/config';
import { Principal } from '../../../platform/auth/principal';
import { Database } from '../../../platform/database/database';
import { BusinessRuleViolation } from '../../../platform/errors/domain-error';
import Decimal from '../../../platform/money/decimal';
import { Tenancy } from '../../../platform/tenancy/tenancy';
import { Clock } from '../../../platform/time/clock';
import { Readiness } from '../../../platform/health/readiness';
import { ClientEntity } from '../../clients/client.entity';
import { TransactionsService } from '../../accounting/transactions/transactions.service';
import { CurrenciesService } from '../../accounting/currencies/currencies.service';
import { PackageEntity } from '../packages/package.entity';
import { parseDuration, parsePeriod, refundOf } from '../periods';
import { SubscriptionEntity } from '../subscriptions/subscription.entity';
import { SubscriptionRunner } from '../subscriptions/subscription-runner';
import { afterFailure, nextStep, PlannedPackage, Step } from './billing-plan';

/** Subscriptions claimed per database transaction. */
const BATCH = 200;
/** Batches one PostgreSQL process runs at once. */
const WORKERS = Number(process.env.BILLING_WORKERS ?? 4);
/** Periods one subscription may book in one run; a longer catch-up goes on in the next runs (SPEC §10). */
const MAX_PERIODS_PER_RUN = 1000;
/** Runs missed before readiness reports the engine as stalled. */
const STALLED_AFTER_TICKS = 3;

/** What one run did, logged as one line. */
export interface RunReport {
  /** Subscriptions the run took up. */
  due: number;
  /** Fees booked. */
  booked: number;
  /** Charge attempts refused (low balance, no rate…) plus subscriptions that failed outright. */
  failed: number;
  deactivated: number;
  duration_ms: number;
}

/** How the engine names the reasons a booking was refused in `last_error`. */
const LAST_ERRORS: Record<string, string> = { 'currencies-rate-missing': 'exchange-rate-not-found' };

type Charged = { ok: true; booked: number } | { ok: false; error: string };

/** A fee a booking rule refused: its savepoint takes back the fees booked with it. */
class Refused extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

/**
 * The billing engine (SPEC §10): books every subscription's fees as they fall due, exactly once.
 *
 * It works through what is due, never through what exists: subscriptions are claimed by `due_dt`
 * through its index, a batch per database transaction, `FOR UPDATE SKIP LOCKED` on PostgreSQL so
 * several server processes share the work without waiting on each other (SQLite has one writer).
 * A subscription's fees and its new state commit together, and each fee carries the deterministic
 * external_id `subscription:<id>:activation` / `subscription:<id>:period:<n>`, unique per client:
 * a fee is never booked twice, not by two processes, not after a crash (what did not commit is
 * simply due again). It runs as the system principal `billing`; every fee is booked on the
 * client's balance through the same rules as `create_no_negative`.
 */
@Injectable()
export class BillingEngine implements SubscriptionRunner, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('BillingEngine');
  private readonly principal = Principal.system('billing');
  private timer?: NodeJS.Timeout;
  private current?: Promise<RunReport>;
  private stopping = false;
  private lastCompletedAt?: number;
  private readonly startedAt = Date.now();

  constructor(
    private readonly db: Database,
    private readonly tenancy: Tenancy,
    private readonly clock: Clock,
    private readonly transactions: TransactionsService,
    private readonly currencies: CurrenciesService,
    private readonly readiness: Readiness,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private get tickMs(): number {
    return this.config.billingTickSeconds * 1000;
  }

  onApplicationBootstrap(): void {
    this.readiness.register('billing', () => this.problem());
    if (this.tickMs === 0) return;
    // The first run comes at once: what fell due while no server ran is booked now.
    const tick = () => void this.runOnce().catch((error: unknown) => this.logger.error({ msg: 'billing run failed', error: String(error) }));
    setImmediate(tick);
    this.timer = setInterval(tick, this.tickMs).unref();
  }

  /** Stops ticking and lets a run in progress finish its batch, before the database closes. */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.current?.catch(() => undefined);
  }

  /** Why readiness should worry, or undefined: no run has completed for several ticks. */
  problem(): string | undefined {
    if (this.tickMs === 0) return undefined;
    const since = this.lastCompletedAt ?? this.startedAt;
    const idleMs = Date.now() - since;
    return idleMs > STALLED_AFTER_TICKS * this.tickMs ? `no billing run completed for ${Math.round(idleMs / 1000)} s` : undefined;
  }

  /** One run over everything due now; a run already in progress is joined, not doubled. */
  runOnce(): Promise<RunReport> {
    this.current ??= this.run().finally(() => (this.current = undefined));
    return this.current;
  }

  /**
   * Takes up these subscriptions now (after a create, an update, a stop, a package archive):
   * books what is due and plans their next move. Inside an API call's unit of work on PostgreSQL
   * it joins it, so a subscription and its activation commit together.
   */
  async runFor(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.batch(this.clock.now(), { ids }, new Set(), emptyReport());
  }

  /**
   * Stops a subscription (SPEC §10 stop). `period_end`: stop_dt becomes the end of the period
   * paid for (now, if none is), nothing refunded. `now`: stop_dt is now, and the unused part of
   * the current period's fee, as it was charged, comes back as one `credit_note` in the fee's
   * currency, prorated to the second and rounded half-even to that currency's details_precision.
   * An earlier stop_dt is kept. The caller has found the subscription in reach.
   */
  async stop(id: number, at: 'period_end' | 'now'): Promise<void> {
    const now = this.clock.now();
    await this.inTransaction(async (manager) => {
      const read = manager.createQueryBuilder(SubscriptionEntity, 'subscription').where('subscription.id = :id', { id });
      const subscription = (await (this.db.dialect === 'postgres' ? read.setLock('pessimistic_write') : read).getOne())!;
      const paidTill = subscription.periods_stop_dt !== null && subscription.periods_stop_dt > now ? subscription.periods_stop_dt : now;
      const stop = at === 'now' ? now : paidTill;
      if (subscription.stop_dt !== null && subscription.stop_dt <= stop) return;
      if (at === 'now' && paidTill > now) await this.refund(subscription, now);
      // Nothing more is booked: a stop now (or with no period paid) ends it at once, one at the
      // period's end is the engine's next move, when that period ends.
      const over = stop <= now;
      await manager.update(SubscriptionEntity, id, { stop_dt: stop, due_dt: over ? null : stop, ...(over && { condition: 'deactivated' as const }) });
    });
  }

  /** The unused part of the current period's fee, back on the balance. */
  private async refund(subscription: SubscriptionEntity, now: Date): Promise<void> {
    const n = subscription.next_period - 1;
    const charged = await this.transactions.byExternalIdOf(subscription.clients_id, `subscription:${subscription.id}:period:${n}`);
    if (!charged) return; // nothing was charged for it (a free period)
    const { details_precision } = await this.currencies.get(charged.currencies_id);
    const amount = refundOf(charged.amount.negated(), subscription.periods_start_dt!, subscription.periods_stop_dt!, now, details_precision);
    if (amount.isZero()) return;
    await this.transactions.book(
      {
        clients_id: subscription.clients_id,
        type: 'credit_note',
        amount,
        currencies_id: charged.currencies_id,
        dt: now,
        notes: `Refund of the unused part of period ${n + 1}`,
        external_id: `subscription:${subscription.id}:refund:${n}`,
      },
      'postpaid',
      subscription.id,
    );
  }

  private async run(): Promise<RunReport> {
    const started = Date.now();
    const now = this.clock.now();
    const report = emptyReport();
    // Subscriptions this run is done with although still due (a catch-up past its cap, a failure): not taken again.
    const skip = new Set<number>();
    // PostgreSQL: batches on several connections at once (SKIP LOCKED keeps them apart); SQLite has one writer.
    const work = async () => {
      while (!this.stopping && (await this.batch(now, { due: true }, skip, report)) > 0);
    };
    await Promise.all(Array.from({ length: this.db.dialect === 'postgres' ? WORKERS : 1 }, work));
    report.duration_ms = Date.now() - started;
    this.lastCompletedAt = Date.now();
    if (report.due > 0) this.logger.log({ msg: 'billing run', ...report });
    else this.logger.debug({ msg: 'billing run', ...report });
    return report;
  }

  /**
   * Claims a batch (the due ones, or the given ids) in one transaction and moves each subscription
   * on; what it did counts once it commits. Should the transaction fail as a whole (a lost
   * connection, a deadlock), each subscription it held is tried again alone, so one that cannot be
   * processed holds up no other (it waits for the next run).
   */
  private async batch(now: Date, which: { due: true } | { ids: number[] }, skip: Set<number>, report: RunReport): Promise<number> {
    let claimed: number[] = [];
    try {
      const done = await this.inTransaction(async (manager) => {
        const rows = await this.claim(manager, now, which, skip);
        claimed = rows.map((row) => row.id);
        return this.process(manager, rows, now, skip);
      });
      add(report, done);
      return claimed.length;
    } catch (error) {
      if (claimed.length === 0) throw error; // the claim itself failed: the next run tries again
      for (const id of claimed) {
        try {
          add(report, await this.inTransaction(async (manager) => this.process(manager, await this.claim(manager, now, { ids: [id] }, skip), now, skip)));
        } catch (single) {
          skip.add(id);
          report.failed++;
          this.logger.error({ msg: 'billing: subscription failed', subscriptions_id: id, error: String(single) });
        }
      }
      return claimed.length;
    }
  }

  private inTransaction<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.tenancy.runAs(this.principal, () => this.db.transaction(fn));
  }

  private async process(manager: EntityManager, claimed: SubscriptionEntity[], now: Date, skip: Set<number>): Promise<RunReport> {
    const report = emptyReport();
    if (claimed.length === 0) return report;
    const packages = new Map(
      (await manager.findBy(PackageEntity, { id: In([...new Set(claimed.map((s) => s.packages_id))]) })).map((pkg) => [pkg.id, pkg]),
    );
    const clients = await manager.find(ClientEntity, { select: { id: true, currencies_id: true }, where: { id: In([...new Set(claimed.map((s) => s.clients_id))]) } });
    const currencies = new Map(clients.map((client) => [client.id, client.currencies_id]));
    report.due = claimed.length;
    // Clients in ascending order, as every batch takes them: two batches (two processes) booking
    // on the same clients wait for each other, never deadlock.
    claimed.sort((a, b) => a.clients_id - b.clients_id || a.id - b.id);
    for (const subscription of claimed) {
      const pkg = packages.get(subscription.packages_id)!;
      await this.advance(manager, subscription, pkg, currencies.get(subscription.clients_id) === pkg.currencies_id, now, skip, report);
    }
    return report;
  }

  /** The due subscriptions (or the given ones), locked for this transaction; rows another process holds are skipped. */
  private claim(manager: EntityManager, now: Date, which: { due: true } | { ids: number[] }, skip: Set<number>): Promise<SubscriptionEntity[]> {
    const query = manager.createQueryBuilder(SubscriptionEntity, 'subscription');
    if ('ids' in which) query.where('subscription.id IN (:...ids)', { ids: which.ids });
    else query.where('subscription.due_dt <= :now', { now }).orderBy('subscription.due_dt').addOrderBy('subscription.id');
    if (skip.size > 0) query.andWhere('subscription.id NOT IN (:...skip)', { skip: [...skip] });
    query.limit(BATCH);
    if (this.db.dialect === 'postgres') query.setLock('pessimistic_write').setOnLocked('skip_locked');
    return query.getMany();
  }

  /** Books what is due of one subscription, in order, and writes down its next move. */
  private async advance(
    manager: EntityManager,
    subscription: SubscriptionEntity,
    pkg: PackageEntity,
    sameCurrency: boolean,
    now: Date,
    skip: Set<number>,
    report: RunReport,
  ): Promise<void> {
    const plan = planOf(pkg);
    const zone = this.config.defaultTimezone;
    const changes: Partial<SubscriptionEntity> = {};
    const state = () => ({ ...subscription, ...changes });
    let step: Step = nextStep(state(), plan, now, zone);
    let periods = 0;
    while (step.kind === 'charge') {
      if (periods === MAX_PERIODS_PER_RUN) {
        skip.add(subscription.id);
        break;
      }
      const charged = await this.charge(state(), pkg, sameCurrency, step);
      if (!charged.ok) {
        report.failed++;
        changes.last_error = charged.error;
        skip.add(subscription.id);
        step = afterFailure(step.from, plan, now, zone, this.tickMs || 60_000);
        break;
      }
      report.booked += charged.booked;
      periods++;
      Object.assign(changes, { next_period: step.n + 1, periods_start_dt: step.from, periods_stop_dt: step.till, condition: 'activated', last_error: null });
      step = nextStep(state(), plan, now, zone);
    }
    if (step.kind === 'deactivate') {
      changes.condition = 'deactivated';
      changes.due_dt = null;
      report.deactivated++;
    } else {
      // Waiting, or still due past the cap: due again at the period it stopped at.
      changes.due_dt = step.kind === 'wait' ? step.due : step.from;
    }
    await manager.update(SubscriptionEntity, subscription.id, changes);
  }

  /**
   * Books period n's fee (with the activation fee for n = 0) as `charge` transactions under the
   * prepaid rule, dated at the period's start and converted at the rate in effect then. A refused
   * booking writes nothing (book() decides before it writes); both fees of an activation go in
   * together or not at all, a savepoint taking back the first when the second is refused.
   */
  private async charge(subscription: SubscriptionEntity, pkg: PackageEntity, sameCurrency: boolean, step: Step & { kind: 'charge' }): Promise<Charged> {
    const fees: [string, Decimal, string][] = [];
    if (step.n === 0) fees.push(['activation', pkg.activation_fee, `Activation fee: ${pkg.name}`]);
    fees.push([`period:${step.n}`, pkg.subscription_fee, `Subscription fee: ${pkg.name}, period ${step.n + 1}`]);
    const due = fees.map(([suffix, fee, notes]) => ({ suffix, amount: fee.times(subscription.quantity), notes })).filter((fee) => !fee.amount.isZero());
    const bookAll = async () => {
      for (const fee of due) {
        const refused = await this.book(subscription, pkg, sameCurrency, step.from, fee);
        if (refused) throw new Refused(refused);
      }
      return { ok: true as const, booked: due.length };
    };
    try {
      return await (due.length > 1 ? this.db.savepoint(bookAll) : bookAll());
    } catch (error) {
      if (error instanceof Refused) return { ok: false, error: error.code };
      throw error;
    }
  }

  /** One fee; the code of the rule that refused it, or undefined once booked. */
  private async book(
    subscription: SubscriptionEntity,
    pkg: PackageEntity,
    sameCurrency: boolean,
    dt: Date,
    fee: { suffix: string; amount: Decimal; notes: string },
  ): Promise<string | undefined> {
    try {
      await this.transactions.book(
        {
          clients_id: subscription.clients_id,
          type: 'charge',
          amount: fee.amount.negated(),
          // The client's own currency goes the shortest way (no rate to look up).
          ...(!sameCurrency && { currencies_id: pkg.currencies_id }),
          dt,
          notes: fee.notes,
          external_id: `subscription:${subscription.id}:${fee.suffix}`,
        },
        'prepaid',
        subscription.id,
      );
      return undefined;
    } catch (error) {
      if (!(error instanceof BusinessRuleViolation)) throw error;
      // A fee that converts to less than the client's currency can hold is nothing to book.
      if (error.code === 'transactions-zero-amount') return undefined;
      return LAST_ERRORS[error.code] ?? error.code;
    }
  }
}

function emptyReport(): RunReport {
  return { due: 0, booked: 0, failed: 0, deactivated: 0, duration_ms: 0 };
}

function add(report: RunReport, done: RunReport): void {
  report.due += done.due;
  report.booked += done.booked;
  report.failed += done.failed;
  report.deactivated += done.deactivated;
}

/** The package as the plan reads it; its durations were validated when it was saved. */
export function planOf(pkg: PackageEntity): PlannedPackage {
  return {
    period: parsePeriod(pkg.period)!,
    renew_due: pkg.renew_due === null ? null : parseDuration(pkg.renew_due)!,
    status: pkg.status,
  };
}
