import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, Repository } from 'typeorm';
import { APP_CONFIG } from '../../../config/config.module';
import { FileAnswer, fileAnswer } from '../../../platform/api/api-method.types';
import type { AppConfig } from '../../../config/config';
import { Database } from '../../../platform/database/database';
import { BusinessRuleViolation, NotFound } from '../../../platform/errors/domain-error';
import Decimal from '../../../platform/money/decimal';
import { applySearch, SearchSpec } from '../../../platform/search/search';
import { Tenancy } from '../../../platform/tenancy/tenancy';
import { Clock } from '../../../platform/time/clock';
import { yearIn } from '../../../platform/time/datetime';
import { TimeZones } from '../../../platform/time/time-zones';
import { ClientEntity } from '../../clients/client.entity';
import { ClientsService } from '../../clients/clients.service';
import { ResellerEntity } from '../../iam/resellers/reseller.entity';
import { CurrenciesService } from '../currencies/currencies.service';
import { TransactionEntity } from '../transactions/transaction.entity';
import {
  CreateInvoiceParams,
  GenerateInvoicesParams,
  INVOICE_ORDERS,
  SearchInvoicesParams,
  UpdateInvoiceParams,
} from './dto/invoice.dto';
import { InvoiceEntity, InvoiceLineEntity, InvoiceNumberEntity } from './invoice.entity';
import { checkDue, invoiceDates, lineAmount, moneyText } from './invoice-rules';
import { InvoiceIssuer, Issue, LockedClient } from './invoice-issuer';
import { InvoiceDocument, InvoicePdfRenderer } from './pdf/invoice-document';
import { nextTurn } from '../../../platform/event-loop';

const SEARCH: SearchSpec<SearchInvoicesParams> = {
  orders: INVOICE_ORDERS,
  // `2026-1000000` sorts after `2026-999999`: by the year and the sequence, not the text.
  orderColumns: { number: ['year', 'seq'] },
  decimalOrders: ['total'],
  quickSearch: [],
  lists: { clients_id: 'clients_id', resellers_id: 'resellers_id', status: 'status' },
  ranges: { invoice_dt: 'invoice_dt' },
};

/** Clients one transaction of a bill run invoices (locked together, in ascending id). */
export const BILL_RUN_BATCH = 200;

/** A line of an invoice as it is presented. */
export interface PresentedLine {
  transactions_id: number;
  dt: Date;
  type: TransactionEntity['type'];
  notes: string | null;
  subscriptions_id: number | null;
  amount: Decimal;
}

export type PresentedInvoice = InvoiceEntity & { lines: PresentedLine[] };

/**
 * Invoices (SPEC §11). Everything that decides what is on an invoice, or issues or takes back a
 * number, runs holding the client's row (ClientsService.withLocked: FOR NO KEY UPDATE on
 * PostgreSQL, the single writer on SQLite), and then the year's counter row, always in that order:
 * concurrent invoices of one client queue on the client, every invoice on the counter, and nothing
 * waits in a circle. Bookings take the client's row too, so no transaction appears in a period
 * while it is being invoiced. The partial unique index on live lines stays the last line.
 */
@Injectable()
export class InvoicesService {
  constructor(
    private readonly db: Database,
    private readonly tenancy: Tenancy,
    private readonly clients: ClientsService,
    private readonly currencies: CurrenciesService,
    private readonly issuer: InvoiceIssuer,
    private readonly clock: Clock,
    private readonly timeZones: TimeZones,
    private readonly renderer: InvoicePdfRenderer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private get invoices(): Repository<InvoiceEntity> {
    return this.db.repository(InvoiceEntity);
  }

  /** One invoice of the client's free charges, debit and credit notes in the period; 422 `invoices-zero-amount` when they total 0. */
  async create(params: CreateInvoiceParams): Promise<PresentedInvoice> {
    const issue = this.issueOf(params, params.notes ?? null);
    const id = await this.clients.withLocked(params.clients_id, async (client, manager) => {
      const { created } = await this.issuer.issue(manager, [client], issue);
      if (created.length === 0) {
        throw new BusinessRuleViolation('invoices-zero-amount', `the invoice of client #${client.id} for the period would total 0`);
      }
      return created[0].id;
    });
    return this.get(id);
  }

  /**
   * A bill run: one invoice per client in scope (the caller's reach, narrowed by the lists) with a
   * non-zero total. Batch after batch of BILL_RUN_BATCH clients in ascending id, each its own
   * transaction holding its clients, set-based (one query sums what each client owes, one insert
   * writes the invoices, one INSERT … SELECT their lines). A failure keeps the batches committed
   * before it; running it again invoices only what is still free, so twice creates nothing twice.
   * It opens its own units of work (ApiMethodOptions.ownUnitsOfWork): none spans the run. A client
   * whose total no amount can hold is skipped (and logged), not the run.
   */
  async generate(params: GenerateInvoicesParams): Promise<{ created: number[]; skipped: number }> {
    const issue = this.issueOf(params, null);
    await this.db.unit(() => this.ensureInReach(params));
    const created: number[] = [];
    let skipped = 0;
    let after = 0;
    for (;;) {
      const batch = await this.db.unit(() =>
        this.inTransaction(async (manager) => {
          const clients = await this.lockBatch(manager, params, after);
          return { clients, ...(await this.issuer.issue(manager, clients, issue, 'skip')) };
        }),
      );
      created.push(...batch.created.map((invoice) => invoice.id));
      skipped += batch.skipped;
      if (batch.clients.length < BILL_RUN_BATCH) return { created, skipped };
      after = batch.clients[batch.clients.length - 1].id;
      await nextTurn();
    }
  }

  async get(id: number): Promise<PresentedInvoice> {
    const invoice = await this.tenancy.findOne(this.invoices, id);
    return Object.assign(invoice, { lines: await this.linesOf(id) });
  }

  /** SPEC §7; invoices without their lines. */
  search(params: SearchInvoicesParams): Promise<InvoiceEntity[]> {
    return applySearch(this.invoices.createQueryBuilder('invoice'), params, SEARCH).getMany();
  }

  /** status (issued ↔ paid), due_dt and notes, the fields sent; a void invoice is refused (422 `invoices-void`). */
  async update({ id, ...changes }: UpdateInvoiceParams): Promise<true> {
    await this.withInvoiceLocked(id, async (invoice, manager) => {
      if (invoice.status === 'void') throw new BusinessRuleViolation('invoices-void', `invoice #${id} is void and cannot change`);
      if (changes.due_dt !== undefined) checkDue(changes.due_dt, invoice.invoice_dt);
      const sent = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
      if (Object.keys(sent).length > 0) await manager.update(InvoiceEntity, { id }, sent as Partial<InvoiceEntity>);
    });
    return true;
  }

  /** Voids it: its transactions are free for another invoice; its number and lines stay. Voiding a void invoice changes nothing (1). */
  async void(id: number): Promise<number> {
    return this.withInvoiceLocked(id, async (invoice, manager) => {
      if (invoice.status === 'void') return 1;
      await manager.update(InvoiceEntity, { id }, { status: 'void' });
      await manager.update(InvoiceLineEntity, { invoices_id: id }, { voided: true });
      return 1;
    });
  }

  /**
   * Deletes the latest invoice of its year (any status) and gives its number back, so numbering
   * stays gapless: the counter goes down only from this invoice's seq, under the counter's lock.
   */
  async delete(id: number): Promise<number> {
    return this.withInvoiceLocked(id, async (invoice, manager) => {
      // A number is never reused once voided (SPEC §11): a void invoice stays, number and all.
      if (invoice.status === 'void') throw new BusinessRuleViolation('invoices-void', `invoice ${invoice.number} is void: it keeps its number and cannot be deleted`);
      const { affected } = await manager
        .createQueryBuilder()
        .update(InvoiceNumberEntity)
        .set({ last: () => '"last" - 1' })
        .where('"year" = :year AND "last" = :seq', { year: invoice.year, seq: invoice.seq })
        .updateEntity(false)
        .execute();
      if (affected !== 1) {
        throw new BusinessRuleViolation('invoices-not-latest', `invoice ${invoice.number} is not the latest of ${invoice.year}: only that one can be deleted`);
      }
      await manager.delete(InvoiceEntity, { id }); // its lines go with it (ON DELETE CASCADE)
      return 1;
    });
  }

  /**
   * The invoice as its PDF shows it (in reach): dates as `YYYY-MM-DD` in the effective zone,
   * amounts as exact decimal text with at least the currency's totals_precision places, the
   * seller the client's reseller (or INVOICE_SELLER for a client of none).
   */
  /**
   * The invoice's PDF. Its data are read in a unit of work of their own, which ends before the
   * rendering (in a worker thread) starts: no connection waits on a PDF.
   */
  async pdf(id: number): Promise<FileAnswer> {
    const document = await this.db.unit(() => this.documentOf(id));
    return fileAnswer(`invoice-${document.number}.pdf`, 'application/pdf', await this.renderer.render(document));
  }

  async documentOf(id: number): Promise<InvoiceDocument> {
    const invoice = await this.get(id);
    const client = await this.clients.get(invoice.clients_id);
    const currency = await this.currencies.get(invoice.currencies_id);
    const seller = client.resellers_id === null ? this.config.invoiceSeller : (await this.tenancy.findOne(this.db.repository(ResellerEntity), client.resellers_id)).name;
    const zone = this.timeZones.effectiveZone();
    const date = (instant: Date) => this.timeZones.formatDate(instant, zone);
    const places = currency.totals_precision;
    return {
      number: invoice.number,
      status: invoice.status,
      seller: { name: seller },
      client: { id: client.id, name: client.name, company_name: client.company_name, address: client.address, email: client.billing_email ?? client.email },
      currency: currency.name,
      invoice_dt: date(invoice.invoice_dt),
      due_dt: date(invoice.due_dt),
      start_dt: date(invoice.start_dt),
      end_dt: date(invoice.end_dt),
      timezone: zone,
      lines: invoice.lines.map((line) => ({ transactions_id: line.transactions_id, dt: date(line.dt), type: line.type, notes: line.notes, amount: moneyText(line.amount, places) })),
      total: moneyText(invoice.total, places),
      notes: invoice.notes,
    };
  }

  private issueOf(given: { start_dt: Date; end_dt: Date; invoice_dt?: Date; due_dt?: Date }, notes: string | null): Issue {
    const zone = this.config.defaultTimezone;
    const dates = invoiceDates(given, this.clock.now(), zone);
    return { dates, notes, year: yearIn(dates.invoice_dt, zone), precisions: new Map() };
  }

  /** The next clients of a bill run after `after`, in ascending id, locked (FOR NO KEY UPDATE on PostgreSQL; SQLite has a single writer). */
  private lockBatch(manager: EntityManager, params: GenerateInvoicesParams, after: number): Promise<LockedClient[]> {
    const query = manager
      .createQueryBuilder(ClientEntity, 'client')
      .select(['client.id', 'client.resellers_id', 'client.currencies_id'])
      .where('client.id > :after', { after })
      .orderBy('client.id')
      .limit(BILL_RUN_BATCH);
    // An empty list matches nothing, as in every search.
    if (params.clients_id) query.andWhere(params.clients_id.length ? 'client.id IN (:...clients)' : '1 = 0', { clients: params.clients_id });
    if (params.resellers_id) query.andWhere(params.resellers_id.length ? 'client.resellers_id IN (:...resellers)' : '1 = 0', { resellers: params.resellers_id });
    if (this.db.dialect === 'postgres') query.setLock('for_no_key_update');
    return query.getMany();
  }

  /** Every client and reseller a bill run names must be in reach: the first that is not is not found. */
  private async ensureInReach(params: GenerateInvoicesParams): Promise<void> {
    const missing = [
      ...(params.clients_id ? await this.clients.getMany(params.clients_id) : []),
      ...(params.resellers_id ? await this.tenancy.findMany(this.db.repository(ResellerEntity), params.resellers_id) : []),
    ].find((found) => found instanceof NotFound);
    if (missing) throw missing;
  }

  private async linesOf(invoiceId: number): Promise<PresentedLine[]> {
    const transactions = await this.db
      .repository(TransactionEntity)
      .createQueryBuilder('transaction')
      .innerJoin(InvoiceLineEntity, 'line', 'line.transactions_id = transaction.id')
      .where('line.invoices_id = :invoiceId', { invoiceId })
      .orderBy('transaction.dt')
      .addOrderBy('transaction.id')
      .getMany();
    return transactions.map((transaction) => ({
      transactions_id: transaction.id,
      dt: transaction.dt,
      type: transaction.type,
      notes: transaction.notes,
      subscriptions_id: transaction.subscriptions_id,
      amount: lineAmount(transaction.client_amount),
    }));
  }

  /**
   * Runs `fn` holding the invoice's client (found through the invoice, in reach), with the invoice
   * read again under that lock: every change to a client's invoices queues there.
   */
  private async withInvoiceLocked<T>(id: number, fn: (invoice: InvoiceEntity, manager: EntityManager) => Promise<T>): Promise<T> {
    const { clients_id } = await this.tenancy.findOne(this.invoices, id);
    return this.clients.withLocked(clients_id, async (_client, manager) => {
      const invoice = await manager.findOneBy(InvoiceEntity, { id });
      if (!invoice) throw new NotFound('accounting.invoices', id); // deleted meanwhile
      return fn(invoice, manager);
    });
  }

  /** Runs `fn` in the open transaction (a unit of work on PostgreSQL), else in one of its own. */
  private inTransaction<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.db.inTransaction() ? fn(this.db.manager) : this.db.transaction(fn);
  }
}

