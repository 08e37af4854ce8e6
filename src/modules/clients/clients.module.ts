import { Module } from '@nestjs/common';
import { AccountingModule } from '../accounting/accounting.module';
import { IamModule } from '../iam/iam.module';
import { References } from '../../platform/database/references';
import { CurrencyEntity } from '../accounting/currencies/currency.entity';
import { ResellerEntity } from '../iam/resellers/reseller.entity';
import { ClientEntity } from './client.entity';
import { ClientsController } from './clients.controller';
import { ClientsService } from './clients.service';

References.declare(
  { from: ClientEntity, column: 'currencies_id', to: CurrencyEntity, code: 'currencies-in-use', describe: (id) => `currency #${id} is used by other records` },
  {
    from: ClientEntity,
    column: 'resellers_id',
    where: { status: 'active' },
    to: ResellerEntity,
    code: 'resellers-in-use',
    describe: (id) => `reseller #${id} still has active clients`,
  },
);

@Module({
  imports: [AccountingModule, IamModule],
  controllers: [ClientsController],
  providers: [ClientsService],
  exports: [ClientsService],
})
export class ClientsModule {}
