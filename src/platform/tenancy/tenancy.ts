import { Injectable } from '@nestjs/common';
import { ObjectLiteral, Repository, SelectQueryBuilder } from 'typeorm';
import { RequestContexts } from '../context/request-context';
import { NotFound } from '../errors/domain-error';
import { resellerLimitOf } from './reseller-limited.decorator';
import { ResellerReach, UNLIMITED } from './reseller-reach';

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
  /**
   * Runs `fn` as the system, outside the caller's reach: only for lookups that must see every
   * reseller (a login being authenticated), never to answer the caller with what it loads.
   */
  asSystem<T>(fn: () => Promise<T>): Promise<T> {
    const context = RequestContexts.current();
    return context ? RequestContexts.run({ ...context, principal: undefined }, fn) : fn();
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
    if (!entity) throw new NotFound(resellerLimitOf(repository.target)?.objectName ?? repository.metadata.tableName, id);
    return entity;
  }
}
