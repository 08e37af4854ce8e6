import { Injectable } from '@nestjs/common';
import Decimal from '../../../platform/money/decimal';
import { EntityManager, Repository } from 'typeorm';
import { BusinessRuleViolation, NotFound, ValidationFailed } from '../../../platform/errors/domain-error';
import { applySearch, SearchSpec } from '../../../platform/search/search';
import { Tenancy } from '../../../platform/tenancy/tenancy';
import { ClientEntity } from '../../clients/client.entity';
import { ClientsService } from '../../clients/clients.service';
import { balanceAfter, before, BookingRule, checksCredit, clientAmountOf } from './booking-rules';
import { CurrenciesService } from '../currencies/currencies.service';
import { MONEY } from '../money';
import { ExchangeRatesService, RateInEffect } from '../rates/exchange-rates.service';
import { CreateTransactionParams, SearchTransactionsParams, TRANSACTION_ORDERS } from './dto/transaction.dto';
import { TransactionEntity } from './transaction.entity';
import { Database } from '../../../platform/database/database';

const ONE = new Decimal(1);
/** The external_ids of subscription fees (`subscription:<id>:period:<n>`…): the billing engine's alone. */
export const ENGINE_EXTERNAL_IDS = 'subscription:';
/** Balances stay below this in absolute value: numeric(20, 8), as fits() checks. */
const MONEY_BOUND = new Decimal(10).pow(MONEY.precision - MONEY.scale).toFixed();

/**
 * What the booking statement returns on PostgreSQL, as it sends it: the client as the balance
 * UPDATE left it, and the booking it inserted (none: its external_id was booked before).
 */
interface BookedClient {
  id: number;
  resellers_id: number | null;
  currencies_id: number;
  balance: string;
  credit: string;
  credit_unlimited: boolean;
  transaction_id: number | null;
  transaction_c_dt: Date | null;
}

/** Where a booking the engine makes comes from: its subscription, and for a refund the rate its fee was charged at. */
export interface BookingOrigin {
  subscriptionId?: number;
  /** Converts at this rate, not the one in effect at dt. */
  rate?: Decimal;
}

const SEARCH: SearchSpec<SearchTransactionsParams> = {
  orders: TRANSACTION_ORDERS,
  decimalOrders: ['amount'],
  quickSearch: ['notes', 'external_id'],
  lists: { clients_id: 'clients_id', resellers_id: 'resellers_id', type: 'type', currencies_id: 'currencies_id', subscriptions_id: 'subscriptions_id' },
  ranges: { dt: 'dt' },
};

@Injectable()
export class TransactionsService {
  constructor(
    private readonly db: Database,
    private readonly tenancy: Tenancy,
    private readonly clients: ClientsService,
    private readonly currencies: CurrenciesService,
    private readonly rates: ExchangeRatesService,
  ) {}

  private get transactions(): Repository<TransactionEntity> {
    return this.db.repository(TransactionEntity);
  }

  /**
   * Books a transaction and moves the client's balance in one database transaction holding the
   * client's row, so concurrent bookings (from any number of server processes) queue on it: none
   * is lost, none booked twice, none lets a prepaid client past its credit. The client's currency
   * and reseller are read under that lock too; the answer is the row written, not read again.
   *
   * Exactly once: an earlier booking with the external_id is sought under the lock, which every
   * booking takes, so it is found committed (on PostgreSQL a statement after a row-lock wait sees
   * what the holder committed; on SQLite the writer is single). The unique key on (clients_id,
   * external_id) stays the last line: a write around the lock would fail, never book twice.
   *
   * On PostgreSQL a booking in the client's own currency takes the lock with the update of the
   * balance itself (bookByUpdate); any other booking, or one that update refused, reads the row
   * under the lock first.
   */
  async book(params: CreateTransactionParams, rule: BookingRule, origin: BookingOrigin = {}): Promise<TransactionEntity> {
    const subscriptionId = origin.subscriptionId ?? null;
    const dt = params.dt ?? new Date();
    if (subscriptionId === null && params.external_id?.startsWith(ENGINE_EXTERNAL_IDS)) {
      throw ValidationFailed.field('external_id', `must not begin with "${ENGINE_EXTERNAL_IDS}": the billing engine's own fees carry such ids`);
    }
    if (params.currencies_id !== undefined) await this.currencies.get(params.currencies_id);
    if (this.db.dialect === 'postgres' && params.currencies_id === undefined && origin.rate === undefined) {
      const booked = await this.withinTransaction((manager) => this.bookByUpdate(manager, params, rule, dt, subscriptionId));
      if (booked) return booked;
    }
    return this.clients.withLocked(params.clients_id, async (client, manager) => {
      if (params.external_id !== undefined) {
        const earlier = await this.byExternalId(manager, client.id, params.external_id);
        if (earlier) return earlier;
      }
      const currencyId = params.currencies_id ?? client.currencies_id;
      const rate = currencyId === client.currencies_id ? ONE : (origin.rate ?? (await this.conversion(currencyId, client.currencies_id, dt)).rate);
      const clientAmount = clientAmountOf(params.amount, rate);
      const balance = balanceAfter(client, clientAmount, rule);
      const transaction = this.transactionOf(manager, params, client, currencyId, rate, clientAmount, dt, subscriptionId);
      await this.insert(manager, transaction);
      await manager.createQueryBuilder().update(ClientEntity).set({ balance }).where({ id: client.id }).updateEntity(false).execute();
      return transaction;
    });
  }

  /**
   * PostgreSQL, a booking in the client's own currency: one statement moves the balance where the
   * rules allow it, taking the row lock and returning the client, and inserts the booking from the
   * row it returned; two round trips fewer than reading the row under lock, then inserting. The
   * rules stay booking-rules.ts: the UPDATE's condition only decides whether to try (its two checks
   * are fits() and the credit check of balanceAfter), and balanceAfter, applied to the client as it
   * was, must agree, or the unit fails and rolls back: a refusal (422) is only ever answered before
   * anything is written. Nothing updated (no such client in reach, or a rule said no): undefined,
   * and the locked path answers exactly. Raw SQL, so row-level security limits it (the booking's
   * reseller is its client's, read under it). An earlier booking with the external_id is met by
   * the insert (ON CONFLICT DO NOTHING on the unique key), under the lock, committed since every
   * booking takes the row lock this one holds: the balance then goes back to what it was.
   */
  private async bookByUpdate(
    manager: EntityManager,
    params: CreateTransactionParams,
    rule: BookingRule,
    dt: Date,
    subscriptionId: number | null,
  ): Promise<TransactionEntity | undefined> {
    const clientAmount = clientAmountOf(params.amount, ONE);
    const credit = checksCredit(rule, clientAmount) ? ' AND (credit_unlimited OR balance + $2 + credit >= 0)' : '';
    const [row] = await this.db.query<BookedClient[]>(
      `WITH client AS (
         UPDATE clients SET balance = balance + $2 WHERE id = $1 AND abs(balance + $2) < $3${credit}
         RETURNING id, resellers_id, currencies_id, balance, credit, credit_unlimited
       ), booked AS (
         INSERT INTO transactions (clients_id, resellers_id, type, amount, currencies_id, client_amount, rate, dt, notes, external_id, subscriptions_id)
         SELECT id, resellers_id, $4, $5, currencies_id, $2, 1, $6, $7, $8, $9 FROM client
         ${params.external_id === undefined ? '' : 'ON CONFLICT DO NOTHING'}
         RETURNING id, c_dt
       )
       SELECT client.*, booked.id AS transaction_id, booked.c_dt AS transaction_c_dt FROM client LEFT JOIN booked ON true`,
      [
        params.clients_id,
        clientAmount.toFixed(),
        MONEY_BOUND,
        params.type,
        params.amount.toFixed(),
        dt,
        params.notes ?? null,
        params.external_id ?? null,
        subscriptionId,
      ],
    );
    if (!row) return undefined;
    const client = before({ ...row, balance: new Decimal(row.balance), credit: new Decimal(row.credit) }, clientAmount);
    try {
      balanceAfter(client, clientAmount, rule);
    } catch (error) {
      // The UPDATE moved the balance already: not a refusal to answer but a bug, which fails (and rolls back) the whole unit.
      throw new Error(`the balance UPDATE and the booking rules disagree on client #${row.id}: ${String(error)}`);
    }
    if (row.transaction_id !== null) {
      const transaction = this.transactionOf(manager, params, row, row.currencies_id, ONE, clientAmount, dt, subscriptionId);
      transaction.id = row.transaction_id;
      transaction.c_dt = row.transaction_c_dt!;
      return transaction;
    }
    const earlier = params.external_id === undefined ? null : await this.byExternalId(manager, row.id, params.external_id);
    if (!earlier) throw new Error(`the booking on client #${row.id} was not inserted and no earlier one has its external_id`);
    await manager.createQueryBuilder().update(ClientEntity).set({ balance: client.balance }).where({ id: row.id }).updateEntity(false).execute();
    return earlier;
  }

  /** Runs `fn` in the open transaction (an API call's unit of work on PostgreSQL), else in one of its own. */
  private withinTransaction<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.db.inTransaction() ? fn(this.db.manager) : this.db.transaction(fn);
  }

  private transactionOf(
    manager: EntityManager,
    params: CreateTransactionParams,
    client: { id: number; resellers_id: number | null },
    currencyId: number,
    rate: Decimal,
    clientAmount: Decimal,
    dt: Date,
    subscriptionId: number | null,
  ): TransactionEntity {
    return manager.create(TransactionEntity, {
      clients_id: client.id,
      resellers_id: client.resellers_id,
      type: params.type,
      amount: params.amount,
      currencies_id: currencyId,
      client_amount: clientAmount,
      rate,
      dt,
      notes: params.notes ?? null,
      external_id: params.external_id ?? null,
      subscriptions_id: subscriptionId,
    });
  }

  /** The client's booking with this external_id, if any (in the open transaction). */
  byExternalIdOf(clientId: number, externalId: string): Promise<TransactionEntity | null> {
    return this.byExternalId(this.db.manager, clientId, externalId);
  }

  private byExternalId(manager: EntityManager, clientId: number, externalId: string): Promise<TransactionEntity | null> {
    return manager
      .createQueryBuilder(TransactionEntity, 'transaction')
      .where('transaction.clients_id = :clientId AND transaction.external_id = :externalId', { clientId, externalId })
      .getOne();
  }

  /**
   * Inserts the booking and fills in its id and c_dt. PostgreSQL returns them with the insert.
   * TypeORM gives SQLite no RETURNING and would read the row again: there the database is this
   * process, so c_dt is its clock's now (as SQLite's own now() would be) and the id the rowid
   * the insert reports.
   */
  private async insert(manager: EntityManager, transaction: TransactionEntity): Promise<void> {
    const sqlite = this.db.dialect === 'sqlite';
    if (sqlite) transaction.c_dt = new Date();
    const inserted = await manager.createQueryBuilder().insert().into(TransactionEntity).values(transaction).updateEntity(!sqlite).execute();
    if (sqlite) transaction.id = Number(inserted.raw);
  }

  get(id: number): Promise<TransactionEntity> {
    return this.tenancy.findOne(this.transactions, id);
  }

  search(params: SearchTransactionsParams): Promise<TransactionEntity[]> {
    return applySearch(this.transactions.createQueryBuilder('transaction'), params, SEARCH).getMany();
  }

  private async conversion(from: number, to: number, dt: Date): Promise<RateInEffect> {
    try {
      return await this.rates.rateAt(from, to, dt);
    } catch (error) {
      if (!(error instanceof NotFound)) throw error;
      throw new BusinessRuleViolation('currencies-rate-missing', `no exchange rate from currency #${from} to #${to} at that time`);
    }
  }
}
