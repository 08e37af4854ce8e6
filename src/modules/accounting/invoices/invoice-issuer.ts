import { Injectable, Logger } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { Principal } from '../../../platform/auth/principal';
import { Database } from '../../../platform/database/database';
import { isUniqueViolation } from '../../../platform/database/query-errors';
import { BusinessRuleViolation, ServiceUnavailable } from '../../../platform/errors/domain-error';
import Decimal from '../../../platform/money/decimal';
import { Tenancy } from '../../../platform/tenancy/tenancy';
import type { ClientEntity } from '../../clients/client.entity';
import { CurrencyEntity } from '../currencies/currency.entity';
import { fits, MONEY } from '../money';
import { TransactionEntity } from '../transactions/transaction.entity';
import { InvoiceEntity, InvoiceNumberEntity } from './invoice.entity';
import { INVOICED_TYPES, InvoiceDates, invoiceNumber, lineAmount, totalOf } from './invoice-rules';

/** What one issue of invoices is for, the same for every client it covers. */
export interface Issue {
  dates: InvoiceDates;
  notes: string | null;
  /** The calendar year of invoice_dt in the system zone: the numbering's. */
  year: number;
  /** totals_precision by currency id, read once per issue. */
  precisions: Map<number, number>;
}

/** A client as an issue needs it, read (and locked) by the caller. */
export type LockedClient = Pick<ClientEntity, 'id' | 'resellers_id' | 'currencies_id'>;

/**
 * Issues invoices, set-based, for clients the caller holds locked: one query sums what each owes,
 * one counter update takes their numbers, one insert writes the invoices, one INSERT … SELECT
 * their lines. The same for one client (accounting.invoices.create) as for a batch of a bill run.
 */
const logger = new Logger('Invoices');

@Injectable()
export class InvoiceIssuer {
  /** Runs the set-based line insert (raw SQL: SQLite refuses it to limited callers), restricted to invoices the caller just wrote. */
  private readonly billRun = Principal.system('bill-run');

  constructor(
    private readonly db: Database,
    private readonly tenancy: Tenancy,
  ) {}

  /**
   * Invoices the clients, locked by the caller in ascending id, for the issue's period: each one
   * whose free lines total anything but 0 gets an invoice, numbered in client order. Answers the
   * invoices created and how many clients had nothing to invoice.
   */
  async issue(
    manager: EntityManager,
    clients: LockedClient[],
    issue: Issue,
    overflow: 'refuse' | 'skip' = 'refuse',
  ): Promise<{ created: Pick<InvoiceEntity, 'id' | 'clients_id'>[]; skipped: number }> {
    if (clients.length === 0) return { created: [], skipped: 0 };
    const owed = await this.freeAmounts(manager, clients.map((client) => client.id), issue.dates);
    const precisions = await this.precisionsOf(manager, clients, issue);
    const due = clients.flatMap((client) => {
      const total = totalOf(owed.get(client.id) ?? [], precisions.get(client.currencies_id)!);
      if (!fits(total, MONEY)) {
        const problem = `the invoice of client #${client.id} would total more than an amount can hold`;
        // A bill run goes on for everyone else: this client is skipped (and said so in the log).
        if (overflow === 'skip') {
          logger.warn({ msg: `bill run: ${problem}; not invoiced`, clients_id: client.id });
          return [];
        }
        throw new BusinessRuleViolation('invoices-amount-overflow', problem);
      }
      return total.isZero() ? [] : [{ client, total }];
    });
    if (due.length === 0) return { created: [], skipped: clients.length };

    const { year } = issue;
    const first = await this.allocate(manager, year, due.length);
    const last = first + due.length - 1;
    const invoices = due.map(({ client, total }, i) => ({
      number: invoiceNumber(year, first + i),
      year,
      seq: first + i,
      clients_id: client.id,
      resellers_id: client.resellers_id,
      currencies_id: client.currencies_id,
      ...issue.dates,
      status: 'issued' as const,
      total,
      notes: issue.notes,
    }));
    await manager.createQueryBuilder().insert().into(InvoiceEntity).values(invoices).updateEntity(false).execute();
    // The lines, set-based: each new invoice takes its client's free transactions in its period (the
    // same rule freeAmounts summed, under the same locks). As the system principal, limited here to
    // the invoices just written for clients the caller reached.
    try {
      await this.tenancy.runAs(this.billRun, () => this.db.query(this.linesSql(), [year, first, last]));
    } catch (error) {
      // The partial unique index on live lines, the last line: it cannot trip while every invoice of a
      // client is made under the client's lock. Should it, nothing is kept and a retry is the answer.
      if (isUniqueViolation(error)) throw new ServiceUnavailable(error);
      throw error;
    }
    const created = await manager
      .createQueryBuilder(InvoiceEntity, 'invoice')
      .select(['invoice.id', 'invoice.clients_id'])
      .where('invoice.year = :year AND invoice.seq BETWEEN :first AND :last', { year, first, last })
      .orderBy('invoice.seq')
      .getMany();
    return { created, skipped: clients.length - due.length };
  }

  /** What each client owes in the period and is on no live invoice: the line amounts, summed in SQL on PostgreSQL (numeric is exact), added up here from their exact text on SQLite. */
  private async freeAmounts(manager: EntityManager, clientIds: number[], dates: InvoiceDates): Promise<Map<number, Decimal[]>> {
    const postgres = this.db.dialect === 'postgres';
    const rows = await manager
      .createQueryBuilder(TransactionEntity, 'transaction')
      .select('transaction.clients_id', 'clients_id')
      .addSelect(postgres ? 'sum(transaction.client_amount)' : "group_concat(transaction.client_amount, ' ')", 'amounts')
      .where('transaction.clients_id IN (:...clientIds)', { clientIds })
      .andWhere('transaction.type IN (:...types)', { types: INVOICED_TYPES })
      .andWhere('transaction.dt >= :start AND transaction.dt < :end', { start: dates.start_dt, end: dates.end_dt })
      .andWhere(`NOT EXISTS (SELECT 1 FROM invoice_lines line WHERE line.transactions_id = transaction.id AND ${this.live('line')})`)
      .groupBy('transaction.clients_id')
      .getRawMany<{ clients_id: number; amounts: string }>();
    return new Map(
      rows.map((row) => [Number(row.clients_id), String(row.amounts).split(' ').map((amount) => lineAmount(new Decimal(amount)))]),
    );
  }

  /** The lines of the invoices numbered year/first..last: the same rule as freeAmounts, as one INSERT … SELECT. */
  private linesSql(): string {
    const types = INVOICED_TYPES.map((type) => `'${type}'`).join(', ');
    return `INSERT INTO invoice_lines (invoices_id, transactions_id, resellers_id)
      SELECT i.id, t.id, t.resellers_id
        FROM invoices i
        JOIN transactions t ON t.clients_id = i.clients_id AND t.dt >= i.start_dt AND t.dt < i.end_dt
       WHERE i.year = $1 AND i.seq BETWEEN $2 AND $3
         AND t.type IN (${types})
         AND NOT EXISTS (SELECT 1 FROM invoice_lines l WHERE l.transactions_id = t.id AND ${this.live('l')})`;
  }

  /** A line not voided, written as the partial unique index's condition, so the index serves it. */
  private live(alias: string): string {
    return this.db.dialect === 'postgres' ? `NOT ${alias}.voided` : `${alias}.voided = 0`;
  }

  private async precisionsOf(manager: EntityManager, clients: LockedClient[], issue: Issue): Promise<Map<number, number>> {
    const missing = [...new Set(clients.map((client) => client.currencies_id))].filter((id) => !issue.precisions.has(id));
    if (missing.length > 0) {
      for (const currency of await manager.findBy(CurrencyEntity, { id: In(missing) })) issue.precisions.set(currency.id, currency.totals_precision);
    }
    return issue.precisions;
  }

  /**
   * Takes `count` numbers of the year, answering the first: the year's counter row goes up under
   * its row lock, held until the transaction ends, so a rollback gives the numbers back. The row is
   * made when the year's first invoice comes.
   */
  private async allocate(manager: EntityManager, year: number, count: number): Promise<number> {
    const raise = async (): Promise<number | undefined> => {
      const update = manager
        .createQueryBuilder()
        .update(InvoiceNumberEntity)
        .set({ last: () => `"last" + ${count}` })
        .where('"year" = :year', { year })
        .updateEntity(false);
      if (this.db.dialect === 'postgres') {
        const { raw } = await update.returning(['last']).execute();
        const row = (raw as { last: number }[])[0];
        return row && Number(row.last);
      }
      const { affected } = await update.execute();
      return affected === 1 ? (await manager.findOneByOrFail(InvoiceNumberEntity, { year })).last : undefined;
    };
    let last = await raise();
    if (last === undefined) {
      await manager.createQueryBuilder().insert().into(InvoiceNumberEntity).values({ year, last: 0 }).orIgnore().updateEntity(false).execute();
      last = await raise();
    }
    if (last === undefined) throw new Error(`no invoice counter for ${year}`);
    return last - count + 1;
  }
}
