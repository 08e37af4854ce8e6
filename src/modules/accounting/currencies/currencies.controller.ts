import { Controller } from '@nestjs/common';
import { ApiMethod, Args } from '../../../platform/api/api-method.decorator';
import { IdParams, ROWS_AFFECTED } from '../../../platform/api/common-params';
import { CurrenciesService } from './currencies.service';
import { CreateCurrencyParams, Currency, SearchCurrenciesParams, UpdateCurrencyParams } from './dto/currency.dto';

@Controller()
export class CurrenciesController {
  constructor(private readonly currencies: CurrenciesService) {}

  @ApiMethod({
    rpc: 'accounting.currencies.create',
    http: 'POST /accounting/currencies',
    summary: 'Create a currency',
    description: 'The name is an ISO 4217 code and must be unique (422 `currencies-name-taken`).',
    result: Currency,
    errors: ['business'],
  })
  create(@Args() params: CreateCurrencyParams) {
    return this.currencies.create(params);
  }

  @ApiMethod({
    rpc: 'accounting.currencies.search',
    http: 'GET /accounting/currencies',
    summary: 'Search currencies',
    description: 'Quick search `q` looks in name and description. Order by: id, name, c_dt.',
    result: [Currency],
  })
  search(@Args() params: SearchCurrenciesParams) {
    return this.currencies.search(params);
  }

  @ApiMethod({
    rpc: 'accounting.currencies.get',
    http: 'GET /accounting/currencies/:id',
    summary: 'Get a currency',
    result: Currency,
    errors: ['not_found'],
  })
  get(@Args() { id }: IdParams) {
    return this.currencies.get(id);
  }

  @ApiMethod({
    rpc: 'accounting.currencies.update',
    http: 'PATCH /accounting/currencies/:id',
    summary: 'Update a currency',
    description: 'Changes only the fields sent. Result: rows affected.',
    result: ROWS_AFFECTED,
    errors: ['not_found', 'business'],
  })
  update(@Args() params: UpdateCurrencyParams) {
    return this.currencies.update(params);
  }

  @ApiMethod({
    rpc: 'accounting.currencies.delete',
    http: 'DELETE /accounting/currencies/:id',
    summary: 'Delete a currency',
    description: 'Refused with 422 `currencies-in-use` while clients, transactions or rates refer to it. Result: rows affected.',
    result: ROWS_AFFECTED,
    errors: ['not_found', 'business'],
  })
  delete(@Args() { id }: IdParams) {
    return this.currencies.delete(id);
  }
}
