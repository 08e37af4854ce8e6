import { Controller } from '@nestjs/common';
import { ApiMethod, Args } from '../../../platform/api/api-method.decorator';
import { IdParams } from '../../../platform/api/common-params';
import { CreateTransactionParams, SearchTransactionsParams, Transaction } from './dto/transaction.dto';
import { TransactionsService } from './transactions.service';

@Controller()
export class TransactionsController {
  constructor(private readonly transactions: TransactionsService) {}

  @ApiMethod({
    rpc: 'accounting.transactions.create',
    http: 'POST /accounting/transactions',
    summary: 'Book a transaction (postpaid: always booked)',
    description:
      "Moves the client's balance by the amount, converted to the client's currency at the rate in effect at `dt` (rounded half to even at 8 decimal places). The same `external_id` again returns the first booking.",
    result: Transaction,
    errors: ['not_found', 'business'],
  })
  create(@Args() params: CreateTransactionParams) {
    return this.transactions.book(params, 'postpaid');
  }

  @ApiMethod({
    rpc: 'accounting.transactions.create_no_negative',
    http: 'POST /accounting/transactions/prepaid',
    summary: 'Book a transaction only if balance plus credit stays at or above zero (prepaid)',
    description:
      'A booking that lowers the balance is refused with 422 `low-balance` if balance + credit would fall below zero, unless the client has `credit_unlimited`. Otherwise as accounting.transactions.create.',
    result: Transaction,
    errors: ['not_found', 'business'],
  })
  createNoNegative(@Args() params: CreateTransactionParams) {
    return this.transactions.book(params, 'prepaid');
  }

  @ApiMethod({
    rpc: 'accounting.transactions.search',
    http: 'GET /accounting/transactions',
    summary: 'Search transactions',
    description: 'Quick search `q` looks in notes and external_id. Order by: id, dt, amount.',
    result: [Transaction],
  })
  search(@Args() params: SearchTransactionsParams) {
    return this.transactions.search(params);
  }

  @ApiMethod({
    rpc: 'accounting.transactions.get',
    http: 'GET /accounting/transactions/:id',
    summary: 'Get a transaction',
    result: Transaction,
    errors: ['not_found'],
  })
  get(@Args() { id }: IdParams) {
    return this.transactions.get(id);
  }
}
