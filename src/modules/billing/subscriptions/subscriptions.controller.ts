import { Controller } from '@nestjs/common';
import { ApiMethod, Args } from '../../../platform/api/api-method.decorator';
import { IdParams, ROWS_AFFECTED } from '../../../platform/api/common-params';
import { CreateSubscriptionParams, SearchSubscriptionsParams, StopSubscriptionParams, Subscription, UpdateSubscriptionParams } from './dto/subscription.dto';
import { SubscriptionsService } from './subscriptions.service';

@Controller()
export class SubscriptionsController {
  constructor(private readonly subscriptions: SubscriptionsService) {}

  @ApiMethod({
    rpc: 'clients.subscriptions.create',
    http: 'POST /clients/subscriptions',
    summary: 'Subscribe a client to a package',
    description:
      "The package must be active and belong to no reseller or to the client's reseller or one of its ancestors, else 422 `packages-not-available`. The billing engine runs for the subscription at once: from start_dt on, it books the activation fee and each period's fee.",
    result: Subscription,
    errors: ['not_found', 'business'],
  })
  create(@Args() params: CreateSubscriptionParams) {
    return this.subscriptions.create(params);
  }

  @ApiMethod({
    rpc: 'clients.subscriptions.search',
    http: 'GET /clients/subscriptions',
    summary: 'Search subscriptions',
    description: 'Filter by clients_id, packages_id, resellers_id, status (computed) and condition. Order by: id, start_dt, periods_start_dt, status.',
    result: [Subscription],
  })
  search(@Args() params: SearchSubscriptionsParams) {
    return this.subscriptions.search(params);
  }

  @ApiMethod({
    rpc: 'clients.subscriptions.get',
    http: 'GET /clients/subscriptions/:id',
    summary: 'Get a subscription',
    result: Subscription,
    errors: ['not_found'],
    many: 'getMany',
  })
  get(@Args() { id }: IdParams) {
    return this.subscriptions.get(id);
  }

  /** clients.subscriptions.get for many ids at once (see ApiMethodOptions.many). */
  getMany(ids: number[]) {
    return this.subscriptions.getMany(ids);
  }

  @ApiMethod({
    rpc: 'clients.subscriptions.update',
    http: 'PATCH /clients/subscriptions/:id',
    summary: 'Update a subscription',
    description: 'Changes `quantity` (from the next period booked) and `stop_dt`, the fields sent. Result: rows affected.',
    result: ROWS_AFFECTED,
    errors: ['not_found', 'business'],
  })
  update(@Args() params: UpdateSubscriptionParams) {
    return this.subscriptions.update(params);
  }

  @ApiMethod({
    rpc: 'clients.subscriptions.delete',
    http: 'DELETE /clients/subscriptions/:id',
    summary: 'Delete a subscription',
    description: 'Refused with 422 `subscriptions-charged` once a fee was booked for it (stop it instead). Result: rows affected.',
    result: ROWS_AFFECTED,
    errors: ['not_found', 'business'],
  })
  delete(@Args() { id }: IdParams) {
    return this.subscriptions.delete(id);
  }

  @ApiMethod({
    rpc: 'clients.subscriptions.stop',
    http: 'POST /clients/subscriptions/:id/stop',
    summary: 'Stop a subscription',
    description:
      "`at: period_end` (default) stops it when the period paid for ends; `at: now` stops it now and refunds the unused part of the current period's fee as one `credit_note`, prorated to the second and rounded half-even to the currency's details_precision. An earlier stop_dt stays. Result: the subscription.",
    result: Subscription,
    errors: ['not_found'],
  })
  stop(@Args() { id, at }: StopSubscriptionParams) {
    return this.subscriptions.stop(id, at ?? 'period_end');
  }
}
