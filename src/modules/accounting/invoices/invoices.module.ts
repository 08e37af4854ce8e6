import { Module } from '@nestjs/common';
import { References } from '../../../platform/database/references';
import { ClientEntity } from '../../clients/client.entity';
import { ClientsModule } from '../../clients/clients.module';
import { AccountingModule } from '../accounting.module';
import { CurrencyEntity } from '../currencies/currency.entity';
import { InvoiceEntity } from './invoice.entity';
import { InvoiceIssuer } from './invoice-issuer';
import { InvoicesController } from './invoices.controller';
import { InvoicesService } from './invoices.service';
import { InvoicePdfRenderer } from './pdf/invoice-document';
import { PdfkitInvoiceRenderer } from './pdf/pdfkit-renderer';

// Invoices carry their client's reseller and currency: the client can neither go, move nor change
// currency while it has any; a currency invoiced in stays. (A transaction on an invoice needs no
// guard: transactions are never deleted.)
References.declare(
  { from: InvoiceEntity, column: 'clients_id', to: ClientEntity, code: 'clients-has-invoices', describe: (id) => `client #${id} has invoices` },
  { from: InvoiceEntity, column: 'currencies_id', to: CurrencyEntity, code: 'currencies-in-use', describe: (id) => `currency #${id} is used by other records` },
);

/** Invoices (SPEC §11): create, the bill run, get, search, update, void, delete, and the PDF. */
@Module({
  imports: [AccountingModule, ClientsModule],
  controllers: [InvoicesController],
  providers: [InvoicesService, InvoiceIssuer, { provide: InvoicePdfRenderer, useClass: PdfkitInvoiceRenderer }],
  exports: [InvoicesService],
})
export class InvoicesModule {}
