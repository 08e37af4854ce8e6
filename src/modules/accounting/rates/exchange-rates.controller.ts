import { Controller } from '@nestjs/common';
import { ApiMethod, Args } from '../../../platform/api/api-method.decorator';
import { IdParams, ROWS_AFFECTED } from '../../../platform/api/common-params';
import { CreateExchangeRateParams, ExchangeRate, GetRateParams, RateInEffect, SearchExchangeRatesParams } from './dto/exchange-rate.dto';
import { ExchangeRatesService } from './exchange-rates.service';

// Registered before CurrenciesController: these paths would otherwise be taken for /accounting/currencies/:id.
@Controller()
export class ExchangeRatesController {
  constructor(private readonly rates: ExchangeRatesService) {}

  @ApiMethod({
    rpc: 'accounting.currencies.get_rate',
    http: 'GET /accounting/currencies/exchange-rate',
    summary: 'The exchange rate in effect at an instant',
    description:
      'By currency ids (`currencies_id`, `to_currencies_id`) or ISO codes (`from`, `to`); `dt` defaults to now. The latest rate with `effective_from` ≤ `dt`; the same currency is 1; none is 404.',
    result: RateInEffect,
    errors: ['not_found'],
  })
  getRate(@Args() params: GetRateParams) {
    return this.rates.rateFor(params);
  }

  @ApiMethod({
    rpc: 'accounting.currencies.rates.create',
    http: 'POST /accounting/currencies/rates',
    summary: 'Record an exchange rate',
    description:
      'Also stores the reverse rate 1/rate (rounded half to even at 10 decimal places). One pair per instant: 422 `currencies-rates-exist` otherwise.',
    result: ExchangeRate,
    errors: ['not_found', 'business'],
  })
  create(@Args() params: CreateExchangeRateParams) {
    return this.rates.create(params);
  }

  @ApiMethod({
    rpc: 'accounting.currencies.rates.search',
    http: 'GET /accounting/currencies/rates',
    summary: 'Search exchange rates',
    description: 'Order by: id, effective_from, c_dt.',
    result: [ExchangeRate],
  })
  search(@Args() params: SearchExchangeRatesParams) {
    return this.rates.search(params);
  }

  @ApiMethod({
    rpc: 'accounting.currencies.rates.get',
    http: 'GET /accounting/currencies/rates/:id',
    summary: 'Get an exchange rate',
    result: ExchangeRate,
    errors: ['not_found'],
  })
  get(@Args() { id }: IdParams) {
    return this.rates.get(id);
  }

  @ApiMethod({
    rpc: 'accounting.currencies.rates.delete',
    http: 'DELETE /accounting/currencies/rates/:id',
    summary: 'Delete an exchange rate and its reverse',
    description: 'Result: rows affected (2: the rate and its reverse).',
    result: ROWS_AFFECTED,
    errors: ['not_found'],
  })
  delete(@Args() { id }: IdParams) {
    return this.rates.delete(id);
  }
}
