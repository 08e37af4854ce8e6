import { Controller } from '@nestjs/common';
import { ApiMethod, Args } from '../../../platform/api/api-method.decorator';
import { IdParams, ROWS_AFFECTED } from '../../../platform/api/common-params';
import { BillRun, CreateInvoiceParams, GenerateInvoicesParams, Invoice, InvoicePdf, InvoiceSummary, SearchInvoicesParams, UpdateInvoiceParams } from './dto/invoice.dto';
import { InvoicesService } from './invoices.service';

const LINES =
  "Its lines are the client's `charge`, `debit_note` and `credit_note` transactions dated in [start_dt, end_dt) that are on no other non-void invoice; a line's amount is minus the transaction's client_amount (positive when the client owes it), and `total` their sum rounded half to even at the currency's totals_precision.";

@Controller()
export class InvoicesController {
  constructor(private readonly invoices: InvoicesService) {}

  @ApiMethod({
    rpc: 'accounting.invoices.create',
    http: 'POST /accounting/invoices',
    summary: 'Invoice a client for a period',
    description: `${LINES} A total of 0 (nothing to invoice) is refused with 422 \`invoices-zero-amount\`; a negative one (credit notes beyond charges) is an invoice like any other. Numbered \`<year>-<seq>\` (six digits), gapless per calendar year of invoice_dt in the system time zone. Result: the invoice with its lines.`,
    result: Invoice,
    errors: ['not_found', 'business'],
  })
  create(@Args() params: CreateInvoiceParams) {
    return this.invoices.create(params);
  }

  @ApiMethod({
    rpc: 'accounting.invoices.generate',
    http: 'POST /accounting/invoices/generate',
    summary: 'Invoice every client in reach for a period (a bill run)',
    description: `One invoice per client in the caller's reach (narrowed by clients_id and resellers_id) whose lines total anything but 0, as accounting.invoices.create would make it. ${LINES} Runs in batches of 200 clients, each committed on its own: a run that fails midway keeps what it invoiced, and running it again invoices only what is still free (twice creates nothing the second time). Result: \`{"created": [ids], "skipped": n}\`, n the clients in scope with nothing to invoice.`,
    result: BillRun,
    errors: ['not_found', 'business'],
    ownUnitsOfWork: true,
  })
  generate(@Args() params: GenerateInvoicesParams) {
    return this.invoices.generate(params);
  }

  @ApiMethod({
    rpc: 'accounting.invoices.search',
    http: 'GET /accounting/invoices',
    summary: 'Search invoices',
    description: 'Invoices without their lines (accounting.invoices.get has them). Filter by clients_id, resellers_id, status and invoice_dt (invoice_dt_from, invoice_dt_till). Order by: id, number, invoice_dt, due_dt, total.',
    result: [InvoiceSummary],
  })
  search(@Args() params: SearchInvoicesParams) {
    return this.invoices.search(params);
  }

  @ApiMethod({
    rpc: 'accounting.invoices.get',
    http: 'GET /accounting/invoices/:id',
    summary: 'Get an invoice with its lines',
    description: 'Lines by dt, then transactions_id. A void invoice keeps its number and shows the lines it had.',
    result: Invoice,
    errors: ['not_found'],
  })
  get(@Args() { id }: IdParams) {
    return this.invoices.get(id);
  }

  @ApiMethod({
    rpc: 'accounting.invoices.update',
    http: 'PATCH /accounting/invoices/:id',
    summary: 'Update an invoice',
    description:
      'Changes the fields sent: `status` between issued and paid (either way), `due_dt` (not before invoice_dt), `notes`. A void invoice cannot change: 422 `invoices-void`. Result: `true`, as the platform documents for this method.',
    result: { type: 'boolean', example: true, description: 'true once updated' },
    errors: ['not_found', 'business'],
  })
  update(@Args() params: UpdateInvoiceParams) {
    return this.invoices.update(params);
  }

  @ApiMethod({
    rpc: 'accounting.invoices.void',
    http: 'POST /accounting/invoices/:id/void',
    summary: 'Void an invoice',
    description:
      'Status `void`: its transactions are free for a new invoice; it keeps its number (never reused) and shows its lines. Voiding a void invoice changes nothing and answers 1 as well. Result: rows affected.',
    result: ROWS_AFFECTED,
    errors: ['not_found'],
  })
  void(@Args() { id }: IdParams) {
    return this.invoices.void(id);
  }

  @ApiMethod({
    rpc: 'accounting.invoices.delete',
    http: 'DELETE /accounting/invoices/:id',
    summary: 'Delete the latest invoice of its year',
    description:
      'Only the invoice with the last number of its year, else 422 `invoices-not-latest`, and never a void one (422 `invoices-void`: a void invoice keeps its number): its number is given back, so the next invoice of the year takes it and numbering stays gapless. Its transactions are free again. Result: rows affected.',
    result: ROWS_AFFECTED,
    errors: ['not_found', 'business'],
  })
  delete(@Args() { id }: IdParams) {
    return this.invoices.delete(id);
  }

  @ApiMethod({
    rpc: 'accounting.invoices.pdf',
    http: 'GET /accounting/invoices/:id/pdf',
    summary: "An invoice's PDF",
    description:
      'A printable PDF: seller, client, number, dates in the effective time zone, lines and the total with its currency. REST answers the file (`application/pdf`, `Content-Disposition: attachment; filename="invoice-<number>.pdf"`); JSON-RPC `{filename, content_type, content_base64}`.',
    result: InvoicePdf,
    errors: ['not_found'],
    download: 'application/pdf',
    ownUnitsOfWork: true,
  })
  pdf(@Args() { id }: IdParams) {
    return this.invoices.pdf(id);
  }
}
