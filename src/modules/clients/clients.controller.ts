import { Controller } from '@nestjs/common';
import { ApiMethod, Args } from '../../platform/api/api-method.decorator';
import { IdParams, ROWS_AFFECTED } from '../../platform/api/common-params';
import { ClientsService } from './clients.service';
import { Client, CreateClientParams, SearchClientsParams, UpdateClientParams } from './dto/client.dto';

@Controller()
export class ClientsController {
  constructor(private readonly clients: ClientsService) {}

  @ApiMethod({
    rpc: 'clients.create',
    http: 'POST /clients',
    summary: 'Create a client',
    description: "A reseller-limited caller's clients land in their own reseller unless another one in their tree is given.",
    result: Client,
    errors: ['not_found', 'business'],
  })
  create(@Args() params: CreateClientParams) {
    return this.clients.create(params);
  }

  @ApiMethod({
    rpc: 'clients.search',
    http: 'GET /clients',
    summary: 'Search clients',
    description: 'Quick search `q` looks in name and e-mail. Order by: id, name, status, balance, c_dt.',
    result: [Client],
  })
  search(@Args() params: SearchClientsParams) {
    return this.clients.search(params);
  }

  @ApiMethod({ rpc: 'clients.get', http: 'GET /clients/:id', summary: 'Get a client', result: Client, errors: ['not_found'], many: 'getMany' })
  get(@Args() { id }: IdParams) {
    return this.clients.get(id);
  }

  /** clients.get for many ids at once (see ApiMethodOptions.many). */
  getMany(ids: number[]) {
    return this.clients.getMany(ids);
  }

  @ApiMethod({
    rpc: 'clients.update',
    http: 'PATCH /clients/:id',
    summary: 'Update a client',
    description: 'Changes only the fields sent, e.g. `{"credit": 1000}`; the balance changes only by transactions. Result: rows affected.',
    result: ROWS_AFFECTED,
    errors: ['not_found', 'business'],
  })
  update(@Args() params: UpdateClientParams) {
    return this.clients.update(params);
  }

  @ApiMethod({
    rpc: 'clients.delete',
    http: 'DELETE /clients/:id',
    summary: 'Delete a client',
    description: 'Refused with 422 `clients-has-transactions` once the client has transactions (archive it instead). Result: rows affected.',
    result: ROWS_AFFECTED,
    errors: ['not_found', 'business'],
  })
  delete(@Args() { id }: IdParams) {
    return this.clients.delete(id);
  }

  @ApiMethod({
    rpc: 'clients.archive',
    http: 'POST /clients/:id/archive',
    summary: 'Archive a client',
    description: 'Sets the status to `archive`. Result: rows affected.',
    result: ROWS_AFFECTED,
    errors: ['not_found'],
  })
  archive(@Args() { id }: IdParams) {
    return this.clients.archive(id);
  }
}
