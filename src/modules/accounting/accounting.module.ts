import { Module } from '@nestjs/common';
import { CurrenciesController } from './currencies/currencies.controller';
import { CurrenciesService } from './currencies/currencies.service';
import { CurrencyEntity } from './currencies/currency.entity';
import { References } from '../../platform/database/references';
import { ExchangeRateEntity } from './rates/exchange-rate.entity';
import { ExchangeRatesController } from './rates/exchange-rates.controller';
import { ExchangeRatesService } from './rates/exchange-rates.service';

const usedByRates = (column: string) => ({
  from: ExchangeRateEntity,
  column,
  to: CurrencyEntity,
  code: 'currencies-in-use',
  describe: (id: number) => `currency #${id} is used by other records`,
});
References.declare(usedByRates('currencies_id'), usedByRates('to_currencies_id'));

/** Currencies and exchange rates. (Transactions, which need clients, have a module of their own.) */
@Module({
    // Exchange rates first: their routes must match before /accounting/currencies/:id.
  controllers: [ExchangeRatesController, CurrenciesController],
  providers: [CurrenciesService, ExchangeRatesService],
  exports: [CurrenciesService, ExchangeRatesService],
})
export class AccountingModule {}
