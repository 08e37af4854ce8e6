import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { APP_CONFIG } from '../../../config/config.module';
import type { AppConfig } from '../../../config/config';
import { Principal } from '../../../platform/auth/principal';
import { Database } from '../../../platform/database/database';
import { BusinessRuleViolation, NotFound } from '../../../platform/errors/domain-error';
import Decimal from '../../../platform/money/decimal';
import { Tenancy } from '../../../platform/tenancy/tenancy';
import { Clock } from '../../../platform/time/clock';
import { Readiness } from '../../../platform/health/readiness';
import { ClientEntity } from '../../clients/client.entity';
import { TransactionsService } from '../../accounting/transactions/transactions.service';
import { CurrenciesService } from '../../accounting/currencies/currencies.service';
import { PackageEntity } from '../packages/package.entity';
import { parseDuration, parsePeriod, periodIndexAt, periodStart, refundOf } from '../periods';
import { SubscriptionEntity } from '../subscriptions/subscription.entity';
import { SubscriptionRunner } from '../subscriptions/subscription-runner';
import { afterFailure, nextStep, PlannedPackage, Step } from './billing-plan';
import { nextTurn } from '../../../platform/event-loop';

/** Subscriptions claimed per database transaction. */
const BATCH = 200;
/** Batches one PostgreSQL process runs at once. */
const WORKERS = 4;
/** Periods one subscription may book in one run; a longer catch-up goes on in the next runs (SPEC §10). */
const MAX_PERIODS_PER_RUN = 1000;
/**
 * Fees one batch books before it commits: its locks (PostgreSQL) and its hold on the event loop
 * (SQLite, whose driver is synchronous) stay short, so the API answers while a long catch-up runs.
 */
const FEES_PER_BATCH = { postgres: 500, sqlite: 50 } as const;
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

/** One run (or one runFor / stop) as the batches share it. */
interface Run {
  now: Date;
  report: RunReport;
  /** Subscriptions done with for this run although still due (a catch-up at its cap, a refusal): not taken again. */
  skip: Set<number>;
  /** Periods booked per subscription in this run, against MAX_PERIODS_PER_RUN. */
  periods: Map<number, number>;
  /** Subscriptions taken up (the report's `due`). */
  touched: Set<number>;
  /** Whether a batch stopped at its budget with fees still due now. */
  more: boolean;
}

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
 * through its index, a batch per database transaction, `FOR NO KEY UPDATE SKIP LOCKED` on PostgreSQL so
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
    const run = this.newRun(this.clock.now());
    // Batch after batch (each within FEES_PER_BATCH, the event loop free between them) until what
    // is due of them is booked, up to the run's cap.
    do {
      run.more = false;
      await this.batch(run, { ids });
      if (run.more) await nextTurn();
    } while (run.more);
  }

  /**
   * Stops a subscription (SPEC §10 stop). What is due is booked first, so a stop never loses the
   * periods begun before it. `period_end`: stop_dt becomes the end of the period running now (now,
   * if none has begun), nothing refunded. `now`: stop_dt is now, and the unused part of the current
   * period's fee comes back as one `credit_note` in the fee's currency at the rate it was charged
   * at, prorated to the second and rounded half-even to that currency's details_precision. An earlier
   * stop_dt stays. The caller has found the subscription in reach.
   */
  async stop(id: number, at: 'period_end' | 'now'): Promise<void> {
    const run = this.newRun(this.clock.now());
    const { now } = run;
    await this.inTransaction(async (manager) => {
      const [subscription] = await this.claim(manager, run, { ids: [id] }, false);
      if (!subscription) throw new NotFound('clients.subscriptions', id); // deleted meanwhile
      if (subscription.condition === 'deactivated') return;
      const [pkg, clientCurrency] = await this.contextOf(manager, subscription);
      const state = await this.advance(manager, subscription, pkg, clientCurrency, run, Infinity);
      await this.save(manager, [state]);
      if (state.condition === 'deactivated') return;
      const stop = at === 'now' ? now : this.endOfPeriodAt(state, pkg, now);
      if (state.stop_dt !== null && state.stop_dt <= stop) return;
      if (at === 'now' && state.periods_stop_dt !== null && state.periods_stop_dt > now) await this.refund(state, now);
      const over = stop <= now;
      await manager.update(SubscriptionEntity, id, {
        stop_dt: stop,
        ...(over ? { condition: 'deactivated' as const, due_dt: null } : { due_dt: state.due_dt !== null && state.due_dt < stop ? state.due_dt : stop }),
      });
    });
  }

  /** The end of the period running at `at`; `at` itself before the first has begun. */
  private endOfPeriodAt(subscription: SubscriptionEntity, pkg: PackageEntity, at: Date): Date {
    const { period } = planOf(pkg);
    const zone = this.config.defaultTimezone;
    const n = periodIndexAt(subscription.start_dt, period, zone, at);
    return n < 0 ? at : periodStart(subscription.start_dt, period, n + 1, zone);
  }

  /**
   * The unused part of the current period's fee back on the balance: in the fee's currency, at the
   * rate it was charged at, so the client gets back exactly that share of what it paid.
   */
  private async refund(subscription: SubscriptionEntity, now: Date): Promise<void> {
    const n = subscription.next_period - 1;
    const charged = await this.transactions.byExternalIdOf(subscription.clients_id, `subscription:${subscription.id}:period:${n}`);
    if (!charged || charged.subscriptions_id !== subscription.id) return; // nothing was charged for it (a free period)
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
      { subscriptionId: subscription.id, rate: charged.rate },
    );
  }

  private async run(): Promise<RunReport> {
    const started = Date.now();
    const run = this.newRun(this.clock.now());
    // PostgreSQL: batches on several connections at once (SKIP LOCKED keeps them apart); SQLite has
    // one writer. Between batches the event loop serves whatever else is waiting.
    const work = async () => {
      while (!this.stopping && (await this.batch(run, { due: true })) > 0) await nextTurn();
    };
    await Promise.all(Array.from({ length: this.db.dialect === 'postgres' ? WORKERS : 1 }, work));
    const { report } = run;
    report.duration_ms = Date.now() - started;
    this.lastCompletedAt = Date.now();
    if (report.due > 0) this.logger.log({ msg: 'billing run', ...report });
    else this.logger.debug({ msg: 'billing run', ...report });
    return report;
  }

  private newRun(now: Date): Run {
    return { now, report: emptyReport(), skip: new Set(), periods: new Map(), touched: new Set(), more: false };
  }

  /**
   * Claims a batch (the due ones, or the given ids) in one transaction and moves each subscription
   * on, until FEES_PER_BATCH fees are booked (the rest of the batch is simply due again); what it
   * did counts once it commits. Should the transaction fail as a whole (a lost connection, a
   * deadlock), each subscription it held is tried again alone, so one that cannot be processed
   * holds up no other (it waits for the next run). Answers how many it claimed.
   */
  private async batch(run: Run, which: { due: true } | { ids: number[] }): Promise<number> {
    let claimed: number[] = [];
    const attempt = (ids?: number[]) => {
      const trial: Run = { ...run, report: emptyReport(), periods: new Map(run.periods), skip: new Set(run.skip), touched: new Set(), more: false };
      return this.inTransaction(async (manager) => {
        const rows = await this.claim(manager, trial, ids ? { ids } : which, true);
        claimed = ids ?? rows.map((row) => row.id);
        await this.process(manager, rows, trial);
        // Committed: now it counts.
        return () => {
          add(run.report, trial.report);
          run.periods = trial.periods;
          run.skip = trial.skip;
          trial.touched.forEach((id) => run.touched.add(id));
          run.report.due = run.touched.size;
          run.more ||= trial.more;
        };
      });
    };
    try {
      (await attempt())();
      return claimed.length;
    } catch (error) {
      if (claimed.length === 0) throw error; // the claim itself failed: the next run tries again
      const held = claimed;
      for (const id of held) {
        try {
          (await attempt([id]))();
        } catch (single) {
          run.skip.add(id);
          run.report.failed++;
          this.logger.error({ msg: 'billing: subscription failed', subscriptions_id: id, error: String(single) });
        }
      }
      return held.length;
    }
  }

  private inTransaction<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.tenancy.runAs(this.principal, () => this.db.transaction(fn));
  }

  private async process(manager: EntityManager, claimed: SubscriptionEntity[], run: Run): Promise<void> {
    if (claimed.length === 0) return;
    const packages = new Map(
      (await manager.findBy(PackageEntity, { id: In([...new Set(claimed.map((s) => s.packages_id))]) })).map((pkg) => [pkg.id, pkg]),
    );
    const clients = await manager.find(ClientEntity, { select: { id: true, currencies_id: true }, where: { id: In([...new Set(claimed.map((s) => s.clients_id))]) } });
    const currencies = new Map(clients.map((client) => [client.id, client.currencies_id]));
    // Clients in ascending order, as every batch takes them: two batches (two processes) booking
    // on the same clients wait for each other, never deadlock.
    claimed.sort((a, b) => a.clients_id - b.clients_id || a.id - b.id);
    const budget = FEES_PER_BATCH[this.db.dialect];
    const bookedBefore = run.report.booked;
    const moved: SubscriptionEntity[] = [];
    for (const subscription of claimed) {
      const left = budget - (run.report.booked - bookedBefore);
      if (left <= 0) {
        run.more = true;
        break;
      }
      run.touched.add(subscription.id);
      moved.push(await this.advance(manager, subscription, packages.get(subscription.packages_id)!, currencies.get(subscription.clients_id)!, run, left));
    }
    await this.save(manager, moved);
  }

  /** The package of a subscription, and its client's currency. */
  private async contextOf(manager: EntityManager, subscription: SubscriptionEntity): Promise<[PackageEntity, number]> {
    const pkg = await manager.findOneByOrFail(PackageEntity, { id: subscription.packages_id });
    const client = await manager.findOneOrFail(ClientEntity, { select: { id: true, currencies_id: true }, where: { id: subscription.clients_id } });
    return [pkg, client.currencies_id];
  }

  /**
   * The due subscriptions (or the given ones), locked for this transaction. `skipLocked`: rows
   * another process holds are passed over (it is moving them on); else waited for.
   */
  private claim(manager: EntityManager, run: Pick<Run, 'now' | 'skip'>, which: { due: true } | { ids: number[] }, skipLocked: boolean): Promise<SubscriptionEntity[]> {
    const query = manager.createQueryBuilder(SubscriptionEntity, 'subscription');
    if ('ids' in which) query.where('subscription.id IN (:...ids)', { ids: which.ids });
    else query.where('subscription.due_dt <= :now', { now: run.now }).orderBy('subscription.due_dt').addOrderBy('subscription.id');
    if (run.skip.size > 0) query.andWhere('subscription.id NOT IN (:...skip)', { skip: [...run.skip] });
    query.limit(BATCH);
    if (this.db.dialect === 'postgres') {
      query.setLock('for_no_key_update');
      if (skipLocked) query.setOnLocked('skip_locked');
    }
    return query.getMany();
  }

  /**
   * Books what is due of one subscription, in order, at most `budget` fees, and plans its next
   * move. Answers the subscription as it now stands, for save() to write down.
   */
  private async advance(manager: EntityManager, subscription: SubscriptionEntity, pkg: PackageEntity, clientCurrency: number, run: Run, budget: number): Promise<SubscriptionEntity> {
    const plan = planOf(pkg);
    const zone = this.config.defaultTimezone;
    const changes: Partial<SubscriptionEntity> = {};
    const state = () => ({ ...subscription, ...changes });
    let step: Step = nextStep(state(), plan, run.now, zone);
    let booked = 0;
    while (step.kind === 'charge') {
      const periods = run.periods.get(subscription.id) ?? 0;
      if (periods >= MAX_PERIODS_PER_RUN) {
        run.skip.add(subscription.id);
        break;
      }
      if (booked >= budget) {
        run.more = true; // the batch is full: on in the next one
        break;
      }
      const charged = await this.charge(state(), pkg, clientCurrency === pkg.currencies_id, step);
      if (!charged.ok) {
        run.report.failed++;
        changes.last_error = charged.error;
        run.skip.add(subscription.id);
        step = afterFailure(step.from, plan, state().stop_dt, run.now, zone, this.tickMs || 60_000);
        break;
      }
      booked += charged.booked;
      run.report.booked += charged.booked;
      run.periods.set(subscription.id, periods + 1);
      Object.assign(changes, { next_period: step.n + 1, periods_start_dt: step.from, periods_stop_dt: step.till, condition: 'activated', last_error: null });
      step = nextStep(state(), plan, run.now, zone);
    }
    if (step.kind === 'deactivate') {
      changes.condition = 'deactivated';
      changes.due_dt = null;
      run.report.deactivated++;
    } else {
      // Waiting, or still due (at a cap): due again at the period it stopped at.
      changes.due_dt = step.kind === 'wait' ? step.due : step.from;
    }
    return state();
  }

  /**
   * Writes down where the engine left subscriptions (the columns it owns; it holds their rows).
   * PostgreSQL: one statement for the batch; SQLite, in this process: a statement each.
   */
  private async save(manager: EntityManager, states: SubscriptionEntity[]): Promise<void> {
    if (states.length === 0) return;
    if (this.db.dialect === 'sqlite') {
      for (const { id, next_period, periods_start_dt, periods_stop_dt, condition, last_error, due_dt } of states) {
        await manager.update(SubscriptionEntity, id, { next_period, periods_start_dt, periods_stop_dt, condition, last_error, due_dt });
      }
      return;
    }
    const column = <K extends keyof SubscriptionEntity>(key: K) => states.map((state) => state[key]);
    await this.db.query(
      `UPDATE subscriptions AS s
          SET next_period = v.next_period, periods_start_dt = v.periods_start_dt, periods_stop_dt = v.periods_stop_dt,
              condition = v.condition, last_error = v.last_error, due_dt = v.due_dt
         FROM unnest($1::int[], $2::int[], $3::timestamptz[], $4::timestamptz[], $5::varchar[], $6::varchar[], $7::timestamptz[])
           AS v(id, next_period, periods_start_dt, periods_stop_dt, condition, last_error, due_dt)
        WHERE s.id = v.id`,
      [column('id'), column('next_period'), column('periods_start_dt'), column('periods_stop_dt'), column('condition'), column('last_error'), column('due_dt')],
    );
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
      let booked = 0;
      for (const fee of due) {
        const outcome = await this.book(subscription, pkg, sameCurrency, step.from, fee);
        if (outcome !== 'booked' && outcome !== 'nothing') throw new Refused(outcome.refused);
        if (outcome === 'booked') booked++;
      }
      return { ok: true as const, booked };
    };
    try {
      return await (due.length > 1 ? this.db.savepoint(bookAll) : bookAll());
    } catch (error) {
      if (error instanceof Refused) return { ok: false, error: error.code };
      throw error;
    }
  }

  /**
   * One fee: booked; nothing to book (it converts to less than the client's currency can hold);
   * or refused by a booking rule, whose code goes to last_error.
   */
  private async book(
    subscription: SubscriptionEntity,
    pkg: PackageEntity,
    sameCurrency: boolean,
    dt: Date,
    fee: { suffix: string; amount: Decimal; notes: string },
  ): Promise<'booked' | 'nothing' | { refused: string }> {
    try {
      const booked = await this.transactions.book(
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
        { subscriptionId: subscription.id },
      );
      // The id is the engine's alone (callers may not use the prefix): anything else is a bug, not a fee.
      if (booked.subscriptions_id !== subscription.id) throw new Error(`transaction #${booked.id} holds the external_id of a fee of subscription #${subscription.id}`);
      return 'booked';
    } catch (error) {
      if (!(error instanceof BusinessRuleViolation)) throw error;
      if (error.code === 'transactions-zero-amount') return 'nothing';
      return { refused: LAST_ERRORS[error.code] ?? error.code };
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
  };
}
