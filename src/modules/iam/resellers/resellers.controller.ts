import { Controller } from '@nestjs/common';
import { ApiMethod, Args } from '../../../platform/api/api-method.decorator';
import { IdParams, ROWS_AFFECTED } from '../../../platform/api/common-params';
import { CreateResellerParams, Reseller, SearchResellersParams, UpdateResellerParams } from './dto/reseller.dto';
import { ResellersService } from './resellers.service';

@Controller()
export class ResellersController {
  constructor(private readonly resellers: ResellersService) {}

  @ApiMethod({
    rpc: 'iam.resellers.create',
    http: 'POST /iam/resellers',
    summary: 'Create a reseller',
    description: "A reseller-limited caller creates beneath their own tree (by default directly beneath their reseller).",
    result: Reseller,
    errors: ['not_found', 'business'],
  })
  create(@Args() params: CreateResellerParams) {
    return this.resellers.create(params);
  }

  @ApiMethod({
    rpc: 'iam.resellers.search',
    http: 'GET /iam/resellers',
    summary: 'Search resellers',
    description: 'Quick search `q` looks in the name. Order by: id, name, status, c_dt.',
    result: [Reseller],
  })
  search(@Args() params: SearchResellersParams) {
    return this.resellers.search(params);
  }

  @ApiMethod({ rpc: 'iam.resellers.get', http: 'GET /iam/resellers/:id', summary: 'Get a reseller', result: Reseller, errors: ['not_found'] })
  get(@Args() { id }: IdParams) {
    return this.resellers.get(id);
  }

  @ApiMethod({
    rpc: 'iam.resellers.update',
    http: 'PATCH /iam/resellers/:id',
    summary: 'Update a reseller',
    description: 'Changes only the fields sent; a move may not put a reseller beneath itself (422 `resellers-cycle`). Result: rows affected.',
    result: ROWS_AFFECTED,
    errors: ['not_found', 'business'],
  })
  update(@Args() params: UpdateResellerParams) {
    return this.resellers.update(params);
  }

  @ApiMethod({
    rpc: 'iam.resellers.delete',
    http: 'DELETE /iam/resellers/:id',
    summary: 'Delete a reseller',
    description:
      'Marks it `deleted`; refused with 422 `resellers-in-use` while it has active users or clients or child resellers. Result: rows affected.',
    result: ROWS_AFFECTED,
    errors: ['not_found', 'business'],
  })
  delete(@Args() { id }: IdParams) {
    return this.resellers.delete(id);
  }
}
