import { Injectable, Logger } from '@nestjs/common';
import { ObjectLiteral, Repository } from 'typeorm';
import type { Principal } from '../auth/principal';
import { RequestContexts } from '../context/request-context';
import { Database } from '../database/database';
import { NotFound } from '../errors/domain-error';
import { resellerLimitOf } from './reseller-limited.decorator';
import type { ResellerReach } from './reseller-reach';
import { TenancyViolation } from './tenancy-violation';
import { FindById } from './find-by-id';

/**
 * The reach of the principal data is touched for. There is no default: touching a
 * reseller-limited entity with no principal at all is a bug, not "everyone".
 */
export function currentReach(objectName: string): ResellerReach {
  const principal = RequestContexts.current()?.principal;
  if (!principal) throw new TenancyViolation(`${objectName} touched with no principal (run it as Principal.system(...))`);
  return principal.reach;
}

const logger = new Logger('Tenancy');

/**
 * Isolation of reseller-limited entities (SPEC §5). Every query TypeORM builds is limited to the
 * principal's reach beneath the services (query-scope.ts), and every write is stamped and
 * checked (reseller.subscriber.ts); this service adds what services call by name.
 */
@Injectable()
export class Tenancy {
  private readonly byId = new FindById();

  constructor(private readonly db: Database) {}

  /**
   * Runs `fn` as another principal, e.g. `Principal.system('authentication')` to look a key up
   * in every reseller. Each use names itself, is logged, and is greppable: `Principal.system(`.
   */
  runAs<T>(principal: Principal, fn: () => Promise<T>): Promise<T> {
    const context = RequestContexts.current();
    if (principal.kind === 'system') logger.debug({ msg: 'running as a system principal', principal: principal.login });
    return RequestContexts.run(
      { ...(context ?? { requestId: principal.login, unit: Symbol(principal.login) }), principal, timezone: context?.timezone },
      () => this.db.unit(fn),
    );
  }

  /** Objects by id within reach, in one query: for each id its object, or NotFound as findOne would throw. */
  async findMany<E extends ObjectLiteral & { id: number }>(repository: Repository<E>, ids: number[]): Promise<(E | NotFound)[]> {
    const found = new Map((await this.byId.findMany(repository, [...new Set(ids)])).map((entity) => [entity.id, entity]));
    const objectName = resellerLimitOf(repository.target)?.objectName ?? repository.metadata.tableName;
    return ids.map((id) => found.get(id) ?? new NotFound(objectName, id));
  }

  /** One object by id within reach; missing and out of reach answer the same. */
  async findOne<E extends ObjectLiteral>(repository: Repository<E>, id: number): Promise<E> {
    const entity = await this.byId.find(repository, id);
    if (!entity) throw new NotFound(resellerLimitOf(repository.target)?.objectName ?? repository.metadata.tableName, id);
    return entity;
  }
}
