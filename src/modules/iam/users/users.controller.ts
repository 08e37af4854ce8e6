import { Controller } from '@nestjs/common';
import { ApiMethod, Args } from '../../../platform/api/api-method.decorator';
import { IdParams, ROWS_AFFECTED } from '../../../platform/api/common-params';
import { ApiKey, CreatedUser, CreateUserParams, SearchUsersParams, UpdateUserParams, User } from './dto/user.dto';
import { UsersService } from './users.service';

@Controller()
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @ApiMethod({
    rpc: 'iam.users.create',
    http: 'POST /iam/users',
    summary: 'Create a user',
    description:
      "The answer carries the user's API key: the only time it is shown. A reseller-limited caller's users land in their own reseller unless another one in their tree is given.",
    result: CreatedUser,
    errors: ['not_found', 'business'],
  })
  create(@Args() params: CreateUserParams) {
    return this.users.create(params);
  }

  @ApiMethod({
    rpc: 'iam.users.search',
    http: 'GET /iam/users',
    summary: 'Search users',
    description: 'Quick search `q` looks in login, name and e-mail. Order by: id, login, name, status, c_dt.',
    result: [User],
  })
  search(@Args() params: SearchUsersParams) {
    return this.users.search(params);
  }

  @ApiMethod({ rpc: 'iam.users.get', http: 'GET /iam/users/:id', summary: 'Get a user', result: User, errors: ['not_found'] })
  get(@Args() { id }: IdParams) {
    return this.users.get(id);
  }

  @ApiMethod({
    rpc: 'iam.users.update',
    http: 'PATCH /iam/users/:id',
    summary: 'Update a user',
    description: 'Changes only the fields sent. Blocking or archiving a user stops their key and tokens at once. Result: rows affected.',
    result: ROWS_AFFECTED,
    errors: ['not_found', 'business'],
  })
  update(@Args() params: UpdateUserParams) {
    return this.users.update(params);
  }

  @ApiMethod({
    rpc: 'iam.users.delete',
    http: 'DELETE /iam/users/:id',
    summary: 'Delete a user',
    description: 'Refused for the caller themselves (422 `users-self-delete`). Result: rows affected.',
    result: ROWS_AFFECTED,
    errors: ['not_found', 'business'],
  })
  delete(@Args() { id }: IdParams) {
    return this.users.delete(id);
  }

  @ApiMethod({
    rpc: 'iam.users.regenerate_api_key',
    http: 'POST /iam/users/:id/regenerate_api_key',
    summary: "Replace a user's API key",
    description: 'Answers the new key, shown only this once; the old key stops working at once.',
    result: ApiKey,
    errors: ['not_found'],
  })
  regenerateApiKey(@Args() { id }: IdParams) {
    return this.users.regenerateApiKey(id);
  }
}
