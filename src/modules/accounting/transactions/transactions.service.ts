import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import Decimal from '../../../platform/money/decimal';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { BusinessRuleViolation, NotFound } from '../../../platform/errors/domain-error';
import { isUniqueViolation } from '../../../platform/database/query-errors';
import { applySearch, SearchSpec } from '../../../platform/search/search';
import { Tenancy } from '../../../platform/tenancy/tenancy';
import { ClientEntity } from '../../clients/client.entity';
import { ClientsService } from '../../clients/clients.service';
import { fits, MONEY, toScale } from '../money';
import { ExchangeRatesService } from '../rates/exchange-rates.service';
import { CreateTransactionParams, SearchTransactionsParams, TRANSACTION_ORDERS } from './dto/transaction.dto';
import { TransactionEntity } from './transaction.entity';

const SEARCH: SearchSpec<SearchTransactionsParams> = {
  orders: TRANSACTION_ORDERS,
  decimalOrders: ['amount'],
  quickSearch: ['notes', 'external_id'],
  lists: { clients_id: 'clients_id', type: 'type', currencies_id: 'currencies_id' },
  ranges: { dt: 'dt' },
};

/** Whether a booking must keep the client's balance plus credit from going below zero. */
export type BookingRule = 'postpaid' | 'prepaid';

@Injectable()
export class TransactionsService {
  constructor(
    @InjectRepository(TransactionEntity) private readonly transactions: Repository<TransactionEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tenancy: Tenancy,
    private readonly clients: ClientsService,
    private readonly rates: ExchangeRatesService,
  ) {}

  /**
   * Books a transaction and moves the client's balance in one database transaction, with the
   * client's row locked, so concurrent bookings (from any number of server processes) queue on it:
   * none is lost, none booked twice (external_id), none lets a prepaid client past its credit.
   */
  async book(params: CreateTransactionParams, rule: BookingRule): Promise<TransactionEntity> {
    const client = await this.clients.get(params.clients_id);
    const dt = params.dt ?? new Date();
    const currencyId = params.currencies_id ?? client.currencies_id;
    const { rate } = await this.conversion(currencyId, client.currencies_id, dt);
    const clientAmount = toScale(params.amount.times(rate), MONEY);
    if (!fits(clientAmount, MONEY)) {
      throw new BusinessRuleViolation('transactions-amount-overflow', `${params.amount.toFixed()} converts to more than the client's currency can hold`);
    }
    if (clientAmount.isZero()) {
      throw new BusinessRuleViolation('transactions-zero-amount', `${params.amount.toFixed()} converts to 0 in the client's currency`);
    }

    try {
      const booked = await this.dataSource.transaction((manager) =>
        this.bookLocked(manager, client.id, rule, {
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
        }),
      );
      return this.get(booked.id);
    } catch (error) {
      // Two first attempts with one external_id raced past each other's check: the loser answers the winner's booking.
      if (isUniqueViolation(error) && params.external_id !== undefined) return this.byExternalId(client.id, params.external_id);
      throw error;
    }
  }

  get(id: number): Promise<TransactionEntity> {
    return this.tenancy.findOne(this.transactions, id);
  }

  search(params: SearchTransactionsParams): Promise<TransactionEntity[]> {
    return applySearch(this.tenancy.query(this.transactions, 'transaction'), params, SEARCH).getMany();
  }

  private async bookLocked(
    manager: EntityManager,
    clientId: number,
    rule: BookingRule,
    values: Omit<TransactionEntity, 'id' | 'c_dt'>,
  ): Promise<TransactionEntity> {
    const client = await manager.findOneOrFail(ClientEntity, {
      where: { id: clientId },
      // PostgreSQL: a row lock queues concurrent bookings; SQLite has a single writer already (see sqlite-gate).
      ...(this.dataSource.options.type === 'postgres' && { lock: { mode: 'pessimistic_write' as const } }),
    });
    if (values.external_id !== null) {
      const earlier = await manager.findOneBy(TransactionEntity, { clients_id: clientId, external_id: values.external_id });
      if (earlier) return earlier;
    }
    const balance = client.balance.plus(values.client_amount);
    if (rule === 'prepaid' && values.client_amount.isNegative() && !client.credit_unlimited && balance.plus(client.credit).isNegative()) {
      throw new BusinessRuleViolation(
        'low-balance',
        `client #${clientId} has ${client.balance.plus(client.credit).toFixed()} available, ${values.client_amount.negated().toFixed()} needed`,
      );
    }
    if (!fits(balance, MONEY)) throw new BusinessRuleViolation('balance-overflow', `the balance of client #${clientId} would not fit`);
    const transaction = await manager.save(manager.create(TransactionEntity, values));
    client.balance = balance;
    await manager.save(client);
    return transaction;
  }

  private async conversion(from: number, to: number, dt: Date): Promise<{ rate: Decimal }> {
    try {
      return await this.rates.rateAt(from, to, dt);
    } catch (error) {
      if (!(error instanceof NotFound)) throw error;
      throw new BusinessRuleViolation('currencies-rate-missing', `no exchange rate from currency #${from} to #${to} at that time`);
    }
  }

  private async byExternalId(clientId: number, externalId: string): Promise<TransactionEntity> {
    const earlier = await this.tenancy
      .query(this.transactions, 'transaction')
      .andWhere('transaction.clients_id = :clientId AND transaction.external_id = :externalId', { clientId, externalId })
      .getOneOrFail();
    return earlier;
  }
}
