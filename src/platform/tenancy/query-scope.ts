import { InsertQueryBuilder, ObjectLiteral, QueryBuilder, SelectQueryBuilder } from 'typeorm';
import type { Alias } from 'typeorm/query-builder/Alias';
import { resellerLimitOf } from './reseller-limited.decorator';
import { currentReach } from './tenancy';
import { TenancyViolation } from './tenancy-violation';

/** TypeORM's SQL generation, as far as scoping reaches into it (protected members, typed here once). */
interface Generation {
  expressionMap: QueryBuilder<ObjectLiteral>['expressionMap'];
  escape(name: string): string;
  createWhereExpression(): string;
  createJoinExpression(): string;
}

/**
 * The condition that limits one alias of a reseller-limited entity to the principal's reach, or
 * undefined when the alias is not limited or the principal reaches everything. The ids are
 * integers from the database, written inline: no parameter can collide with the query's own.
 */
function reachCondition(query: Generation, alias: Alias | undefined, prefixed: boolean): string | undefined {
  if (!alias?.hasMetadata) return undefined;
  const limit = resellerLimitOf(alias.metadata.target);
  if (!limit) return undefined;
  const reach = currentReach(limit.objectName);
  if (reach.kind === 'all') return undefined;
  const column = query.escape(alias.metadata.findColumnWithPropertyName(limit.read)!.databaseName);
  return `${prefixed ? `${query.escape(alias.name)}.` : ''}${column} IN (${[...reach.ids].join(', ')})`;
}

let installed = false;

/**
 * Limits every query TypeORM builds — finds, counts, exists, aggregates, query builders with their
 * joins, getRaw*, updates, deletes, soft deletes, whoever builds them — to the reach of the
 * principal it runs for: the main alias in WHERE, each joined limited alias in its ON clause (so a
 * LEFT JOIN keeps its row and shows nothing foreign). An upsert of a limited entity by a limited
 * principal is refused: its ON CONFLICT could overwrite a foreign row. Raw SQL is not TypeORM's to
 * limit: on PostgreSQL row-level security binds it.
 */
export function installQueryScoping(): void {
  if (installed) return;
  installed = true;
  const base = QueryBuilder.prototype as unknown as Generation;
  const createWhere = base.createWhereExpression;
  base.createWhereExpression = function (this: Generation) {
    const condition = reachCondition(this, this.expressionMap.mainAlias, this.expressionMap.aliasNamePrefixingEnabled);
    if (!condition) return createWhere.call(this);
    const extra = this.expressionMap.extraAppendedAndWhereCondition;
    this.expressionMap.extraAppendedAndWhereCondition = extra ? `(${extra}) AND ${condition}` : condition;
    try {
      return createWhere.call(this);
    } finally {
      this.expressionMap.extraAppendedAndWhereCondition = extra;
    }
  };

  const select = SelectQueryBuilder.prototype as unknown as Generation;
  const createJoin = select.createJoinExpression;
  select.createJoinExpression = function (this: Generation) {
    const joins = this.expressionMap.joinAttributes;
    const conditions = joins.map((join) => join.condition);
    joins.forEach((join) => {
      const condition = reachCondition(this, join.alias, true);
      if (condition) join.condition = join.condition ? `(${join.condition}) AND ${condition}` : condition;
    });
    try {
      return createJoin.call(this);
    } finally {
      joins.forEach((join, i) => (join.condition = conditions[i]));
    }
  };

  const insert = InsertQueryBuilder.prototype;
  const orUpdate = insert.orUpdate;
  insert.orUpdate = function (this: InsertQueryBuilder<ObjectLiteral>, ...args: Parameters<typeof orUpdate>) {
    const target = this.expressionMap.mainAlias?.hasMetadata ? this.expressionMap.mainAlias.metadata.target : undefined;
    const limit = resellerLimitOf(target);
    if (limit && currentReach(limit.objectName).kind !== 'all') {
      throw new TenancyViolation(`upsert of ${limit.objectName} by a reseller-limited principal`);
    }
    return orUpdate.apply(this, args);
  } as typeof orUpdate;
}
