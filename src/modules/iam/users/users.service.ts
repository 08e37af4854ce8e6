import { Injectable } from '@nestjs/common';
import { Repository } from 'typeorm';
import { RequestContexts } from '../../../platform/context/request-context';
import { BusinessRuleViolation } from '../../../platform/errors/domain-error';
import { isUniqueViolation } from '../../../platform/database/query-errors';
import { applySearch, SearchSpec } from '../../../platform/search/search';
import { Tenancy } from '../../../platform/tenancy/tenancy';
import { hashPassword, issueApiKey } from '../auth/secrets';
import { ResellersService } from '../resellers/resellers.service';
import { CreateUserParams, SearchUsersParams, UpdateUserParams, USER_ORDERS } from './dto/user.dto';
import { UserEntity } from './user.entity';
import { Database } from '../../../platform/database/database';

const SEARCH: SearchSpec<SearchUsersParams> = {
  orders: USER_ORDERS,
  quickSearch: ['login', 'name', 'email'],
  lists: { status: 'status', resellers_id: 'resellers_id' },
};

@Injectable()
export class UsersService {
  constructor(
    private readonly db: Database,
    private readonly tenancy: Tenancy,
    private readonly resellers: ResellersService,
  ) {}

  private get users(): Repository<UserEntity> {
    return this.db.repository(UserEntity);
  }

  /** Creates the user; the answer carries its API key, the only time it is shown. */
  async create({ password, ...fields }: CreateUserParams): Promise<UserEntity & { api_key: string }> {
    const key = issueApiKey();
    const user = this.users.create({
      ...fields,
      resellers_id: fields.resellers_id ?? null,
      allowed_ips: fields.allowed_ips ?? [],
      password_hash: password === undefined ? null : await hashPassword(password),
      api_key_hash: key.hash,
      api_key_prefix: key.prefix,
    });
    await this.resellers.placeUnder(fields.resellers_id, () => this.saveUnique(user));
    return { ...(await this.get(user.id)), api_key: key.key };
  }

  get(id: number): Promise<UserEntity> {
    return this.tenancy.findOne(this.users, id);
  }

  search(params: SearchUsersParams): Promise<UserEntity[]> {
    return applySearch(this.users.createQueryBuilder('user'), params, SEARCH).getMany();
  }

  async update({ id, password, ...changes }: UpdateUserParams): Promise<number> {
    const user = await this.get(id);
    const revokesTokens = password !== undefined || (changes.status !== undefined && changes.status !== user.status);
    // Only the fields sent are written: a concurrent block or key rotation is never undone by a stale copy.
    const changed = this.users.create({
      ...changes,
      id,
      ...(password !== undefined && { password_hash: await hashPassword(password) }),
      ...(revokesTokens && { token_version: user.token_version + 1 }),
    });
    const moved = changes.resellers_id !== undefined && changes.resellers_id !== user.resellers_id;
    await this.resellers.placeUnder(moved ? changes.resellers_id : undefined, () => this.saveUnique(changed));
    return 1;
  }

  async delete(id: number): Promise<number> {
    const user = await this.get(id);
    if (user.id === RequestContexts.current()?.principal?.userId) {
      throw new BusinessRuleViolation('users-self-delete', 'a user cannot delete themselves');
    }
    await this.users.remove(user);
    return 1;
  }

  /** A new key for the user; the old one, and tokens issued before, stop working at once. */
  async regenerateApiKey(id: number): Promise<{ api_key: string }> {
    const user = await this.get(id);
    const key = issueApiKey();
    await this.users.save(
      this.users.create({ id, api_key_hash: key.hash, api_key_prefix: key.prefix, token_version: user.token_version + 1 }),
    );
    return { api_key: key.key };
  }

  private async saveUnique(user: UserEntity): Promise<void> {
    try {
      await this.users.save(user);
    } catch (error) {
      if (isUniqueViolation(error)) throw new BusinessRuleViolation('users-login-taken', `the login ${user.login} is taken`);
      throw error;
    }
  }
}
