import { Module } from '@nestjs/common';
import { References } from '../../platform/database/references';
import { AccountingModule } from '../accounting/accounting.module';
import { CurrencyEntity } from '../accounting/currencies/currency.entity';
import { TransactionEntity } from '../accounting/transactions/transaction.entity';
import { ClientEntity } from '../clients/client.entity';
import { ClientsModule } from '../clients/clients.module';
import { IamModule } from '../iam/iam.module';
import { ResellerEntity } from '../iam/resellers/reseller.entity';
import { PackageEntity } from './packages/package.entity';
import { PackagesController } from './packages/packages.controller';
import { PackagesService } from './packages/packages.service';
import { SubscriptionEntity } from './subscriptions/subscription.entity';
import { SubscriptionRunner } from './subscriptions/subscription-runner';
import { BillingEngine } from './engine/billing-engine';
import { TransactionsModule } from '../accounting/transactions/transactions.module';
import { SubscriptionsController } from './subscriptions/subscriptions.controller';
import { SubscriptionsService } from './subscriptions/subscriptions.service';

References.declare(
  { from: PackageEntity, column: 'currencies_id', to: CurrencyEntity, code: 'currencies-in-use', describe: (id) => `currency #${id} is used by other records` },
  {
    from: PackageEntity,
    column: 'resellers_id',
    where: { status: 'active' },
    to: ResellerEntity,
    code: 'resellers-in-use',
    describe: (id) => `reseller #${id} still has active packages`,
  },
  { from: SubscriptionEntity, column: 'packages_id', to: PackageEntity, code: 'packages-in-use', describe: (id) => `package #${id} has subscriptions` },
  // Subscriptions carry their client's reseller for isolation: the client can neither go nor move while they exist.
  { from: SubscriptionEntity, column: 'clients_id', to: ClientEntity, code: 'clients-has-subscriptions', describe: (id) => `client #${id} has subscriptions` },
  { from: TransactionEntity, column: 'subscriptions_id', to: SubscriptionEntity, code: 'subscriptions-charged', describe: (id) => `subscription #${id} has fees booked` },
);

/**
 * Recurring billing (SPEC §10): the package catalogue, clients' subscriptions, and the engine that
 * books their fees. Imported by the
 * application before ClientsModule: Express matches routes in the order they are registered, and
 * /clients/subscriptions must meet its own routes before /clients/:id.
 */
@Module({
  imports: [AccountingModule, ClientsModule, IamModule, TransactionsModule],
  controllers: [SubscriptionsController, PackagesController],
  providers: [PackagesService, SubscriptionsService, BillingEngine, { provide: SubscriptionRunner, useExisting: BillingEngine }],
})
export class BillingModule {}
