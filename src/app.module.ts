import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ConfigModule } from './config/config.module';
import type { AppConfig } from './config/config';
import { AccountingModule } from './modules/accounting/accounting.module';
import { TransactionsModule } from './modules/accounting/transactions/transactions.module';
import { InvoicesModule } from './modules/accounting/invoices/invoices.module';
import { BillingModule } from './modules/billing/billing.module';
import { ClientsModule } from './modules/clients/clients.module';
import { IamModule } from './modules/iam/iam.module';
import { ApiAuthGuard } from './platform/auth/auth.guard';
import { DatabaseModule } from './platform/database/database.module';
import { PlatformModule } from './platform/platform.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        PlatformModule.forRoot([IamModule]),
        IamModule,
        AccountingModule,
        // Before ClientsModule: its routes (/clients/subscriptions) must be registered before /clients/:id.
        BillingModule,
        ClientsModule,
        TransactionsModule,
        InvoicesModule,
      ],
      providers: [{ provide: APP_GUARD, useClass: ApiAuthGuard }],
    };
  }
}
