import { Controller } from '@nestjs/common';
import { ApiMethod, Args } from '../../../platform/api/api-method.decorator';
import { IdParams, ROWS_AFFECTED } from '../../../platform/api/common-params';
import { CreatePackageParams, Package, SearchPackagesParams, UpdatePackageParams } from './dto/package.dto';
import { PackagesService } from './packages.service';

@Controller()
export class PackagesController {
  constructor(private readonly packages: PackagesService) {}

  @ApiMethod({
    rpc: 'packages.create',
    http: 'POST /packages',
    summary: 'Create a package',
    description:
      "A recurring service in the catalogue. A reseller-limited caller's packages land in their own reseller unless another one in their tree is given.",
    result: Package,
    errors: ['not_found', 'business'],
  })
  create(@Args() params: CreatePackageParams) {
    return this.packages.create(params);
  }

  @ApiMethod({
    rpc: 'packages.search',
    http: 'GET /packages',
    summary: 'Search packages',
    description: 'Quick search `q` looks in the name. Order by: id, name, status, c_dt.',
    result: [Package],
  })
  search(@Args() params: SearchPackagesParams) {
    return this.packages.search(params);
  }

  @ApiMethod({ rpc: 'packages.get', http: 'GET /packages/:id', summary: 'Get a package', result: Package, errors: ['not_found'], many: 'getMany' })
  get(@Args() { id }: IdParams) {
    return this.packages.get(id);
  }

  /** packages.get for many ids at once (see ApiMethodOptions.many). */
  getMany(ids: number[]) {
    return this.packages.getMany(ids);
  }

  @ApiMethod({
    rpc: 'packages.update',
    http: 'PATCH /packages/:id',
    summary: 'Update a package',
    description:
      "Changes only the fields sent. Fees apply from the next one booked. Status `archive` stops each running subscription at the end of its current period. The period and the reseller cannot change while the package has subscriptions (422 `packages-in-use`). Result: rows affected.",
    result: ROWS_AFFECTED,
    errors: ['not_found', 'business'],
  })
  update(@Args() params: UpdatePackageParams) {
    return this.packages.update(params);
  }

  @ApiMethod({
    rpc: 'packages.delete',
    http: 'DELETE /packages/:id',
    summary: 'Delete a package',
    description: 'Refused with 422 `packages-in-use` while the package has subscriptions (archive it instead). Result: rows affected.',
    result: ROWS_AFFECTED,
    errors: ['not_found', 'business'],
  })
  delete(@Args() { id }: IdParams) {
    return this.packages.delete(id);
  }
}
