import { Injectable } from '@nestjs/common';
import { EntityManager, Repository } from 'typeorm';
import { BusinessRuleViolation, NotFound } from '../../../platform/errors/domain-error';
import { applySearch, SearchSpec } from '../../../platform/search/search';
import { Tenancy } from '../../../platform/tenancy/tenancy';
import { ClientEntity } from '../../clients/client.entity';
import { ClientsService } from '../../clients/clients.service';
import { balanceAfter, BookingRule, clientAmountOf } from './booking-rules';
import { CurrenciesService } from '../currencies/currencies.service';
import { ExchangeRatesService, RateInEffect } from '../rates/exchange-rates.service';
import { CreateTransactionParams, SearchTransactionsParams, TRANSACTION_ORDERS } from './dto/transaction.dto';
import { TransactionEntity } from './transaction.entity';
import { Database } from '../../../platform/database/database';

const SEARCH: SearchSpec<SearchTransactionsParams> = {
  orders: TRANSACTION_ORDERS,
  decimalOrders: ['amount'],
  quickSearch: ['notes', 'external_id'],
  lists: { clients_id: 'clients_id', resellers_id: 'resellers_id', type: 'type', currencies_id: 'currencies_id' },
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
   * and reseller are read under that lock too.
   *
   * Exactly once: the external_id is looked up under the lock, which every booking takes, so a
   * second booking with it finds the first one committed (on PostgreSQL a statement after a row
   * lock wait sees what the holder committed; on SQLite the writer is single). The unique key on
   * (clients_id, external_id) stays the last line: a write around the lock would fail, not book twice.
   *
   * Few round trips, each short, on the lock: the client's row, the insert, the balance; the
   * answer is the row written, not read again.
   */
  async book(params: CreateTransactionParams, rule: BookingRule): Promise<TransactionEntity> {
    const dt = params.dt ?? new Date();
    if (params.currencies_id !== undefined) await this.currencies.get(params.currencies_id);
    return this.clients.withLocked(params.clients_id, async (client, manager) => {
      if (params.external_id !== undefined) {
        const earlier = await manager.findOneBy(TransactionEntity, { clients_id: client.id, external_id: params.external_id });
        if (earlier) return earlier;
      }
      const currencyId = params.currencies_id ?? client.currencies_id;
      const { rate } = await this.conversion(currencyId, client.currencies_id, dt);
      const clientAmount = clientAmountOf(params.amount, rate);
      const balance = balanceAfter(client, clientAmount, rule);
      const transaction = manager.create(TransactionEntity, {
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
      });
      await this.insert(manager, transaction);
      await manager.createQueryBuilder().update(ClientEntity).set({ balance }).where({ id: client.id }).updateEntity(false).execute();
      return transaction;
    });
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
