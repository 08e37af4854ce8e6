import { Module } from '@nestjs/common';
import { ClientsModule } from '../../clients/clients.module';
import { AccountingModule } from '../accounting.module';
import { References } from '../../../platform/database/references';
import { ClientEntity } from '../../clients/client.entity';
import { CurrencyEntity } from '../currencies/currency.entity';
import { TransactionEntity } from './transaction.entity';
import { TransactionsController } from './transactions.controller';
import { TransactionsService } from './transactions.service';

References.declare(
  { from: TransactionEntity, column: 'clients_id', to: ClientEntity, code: 'clients-has-transactions', describe: (id) => `client #${id} has transactions` },
  { from: TransactionEntity, column: 'currencies_id', to: CurrencyEntity, code: 'currencies-in-use', describe: (id) => `currency #${id} is used by other records` },
);

@Module({
  imports: [AccountingModule, ClientsModule],
  controllers: [TransactionsController],
  providers: [TransactionsService],
  exports: [TransactionsService],
})
export class TransactionsModule {}
