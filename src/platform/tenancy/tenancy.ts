import { Injectable } from '@nestjs/common';
import { ObjectLiteral, Repository, SelectQueryBuilder } from 'typeorm';
import { RequestContexts } from '../context/request-context';
import { NotFound } from '../errors/domain-error';
import { resellerLimitOf } from './reseller-limited.decorator';
import { reaches, ResellerReach, UNLIMITED } from './reseller-reach';

/** The caller's reach, from the request context; code running outside a request (boot, migrations) is the system. */
export function currentReach(): ResellerReach {
  return RequestContexts.current()?.principal?.reach ?? UNLIMITED;
}

/**
 * Scoped reads of reseller-limited entities, beneath the services: every query a service builds
 * through here sees only the caller's reach. (Writes are checked by the ResellerSubscriber.)
 */
@Injectable()
export class Tenancy {
  reach(): ResellerReach {
    return currentReach();
  }

  reaches(resellerId: number | null | undefined): boolean {
    return reaches(currentReach(), resellerId);
  }

  /** A query of the repository's entity limited to the caller's reach. */
  query<E extends ObjectLiteral>(repository: Repository<E>, alias: string): SelectQueryBuilder<E> {
    return this.scope(repository.createQueryBuilder(alias));
  }

  /** Limits a query to the caller's reach, by the limit of its main entity (no-op for other entities). */
  scope<E extends ObjectLiteral>(query: SelectQueryBuilder<E>): SelectQueryBuilder<E> {
    const reach = currentReach();
    const limit = resellerLimitOf(query.expressionMap.mainAlias!.target);
    if (!limit || reach.kind === 'all') return query;
    return query.andWhere(`${query.alias}.${limit.read} IN (:...reachIds)`, { reachIds: [...reach.ids] });
  }

  /** One object by id within reach; missing and out of reach answer the same. */
  async findOne<E extends ObjectLiteral>(repository: Repository<E>, id: number): Promise<E> {
    const entity = await this.query(repository, 'target').andWhere('target.id = :id', { id }).getOne();
    if (!entity) throw new NotFound(resellerLimitOf(repository.target as Function)?.objectName ?? repository.metadata.tableName, id);
    return entity;
  }
}
