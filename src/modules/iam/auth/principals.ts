import { Injectable } from '@nestjs/common';
import type { Principal } from '../../../platform/auth/principal';
import { UNLIMITED } from '../../../platform/tenancy/reseller-reach';
import { ResellerTree } from '../resellers/reseller-tree';
import type { UserEntity } from '../users/user.entity';

/** The Principal of an authenticated user: who they are, and the resellers they reach. */
@Injectable()
export class Principals {
  constructor(private readonly tree: ResellerTree) {}

  async of(user: UserEntity, scheme: 'api-key' | 'jwt'): Promise<Principal> {
    const reach =
      user.resellers_id === null
        ? UNLIMITED
        : { kind: 'tree' as const, root: user.resellers_id, ids: new Set(await this.tree.subtree(user.resellers_id)) };
    return { kind: 'user', userId: user.id, login: user.login, resellersId: user.resellers_id, timezone: user.timezone, reach, scheme };
  }
}
