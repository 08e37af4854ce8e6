import { ObjectLiteral, QueryBuilder, Repository } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata';
import { DriverUtils } from 'typeorm/driver/DriverUtils';
import { RawSqlResultsToEntityTransformer } from 'typeorm/query-builder/transformer/RawSqlResultsToEntityTransformer';
import { Broadcaster } from 'typeorm/subscriber/Broadcaster';
import { resellerLimitOf } from './reseller-limited.decorator';
import { currentReach } from './tenancy';

/** A find by id as TypeORM builds it (scoped, see query-scope.ts), with the id as its one bound parameter. */
interface Prepared {
  sql: string;
  expressionMap: QueryBuilder<ObjectLiteral>['expressionMap'];
  /** For a flat entity (no relations, embeddeds or inheritance): each column's alias in the row. */
  columns?: [alias: string, column: ColumnMetadata][];
}

const isFlat = (metadata: EntityMetadata) =>
  metadata.relations.length === 0 && metadata.embeddeds.length === 0 && metadata.childEntityMetadatas.length === 0 && !metadata.discriminatorColumn;

/** Distinct reaches are few (one per reseller tree in use); past this many the cache starts over. */
const MOST_PREPARED = 1000;

/**
 * Finds entities by id with SQL built once per entity, reach and number of ids, and the ids bound:
 * the query is exactly the one `repository.findOne({ where: { id } })` (or `whereInIds`) would send,
 * reach included, but TypeORM does not rebuild it per call and the driver reuses its prepared
 * statement (ids written into the text would prepare a new statement for every id).
 */
export class FindById {
  private readonly prepared = new Map<string, Prepared>();

  async find<E extends ObjectLiteral>(repository: Repository<E>, id: number): Promise<E | null> {
    const [entity] = await this.load(repository, [id]);
    return entity ?? null;
  }

  /**
   * The entities of these distinct ids within reach, in no particular order (missing ones left
   * out): one query, its SQL built once per entity, reach and number of ids, the ids bound.
   */
  findMany<E extends ObjectLiteral>(repository: Repository<E>, ids: number[]): Promise<E[]> {
    return ids.length === 0 ? Promise.resolve([]) : this.load(repository, ids);
  }

  private async load<E extends ObjectLiteral>(repository: Repository<E>, ids: number[]): Promise<E[]> {
    const { manager, metadata } = repository;
    const prepared = this.prepare(repository, ids.length);
    const rows = (await manager.query(prepared.sql, ids)) as ObjectLiteral[];
    if (rows.length === 0) return [];
    const queryRunner = manager.queryRunner ?? manager.connection.createQueryRunner();
    const entities = prepared.columns
      ? rows.map((row) => this.hydrate<E>(repository, prepared.columns!, row))
      : (new RawSqlResultsToEntityTransformer(prepared.expressionMap, manager.connection.driver, [], queryRunner).transform(
          rows,
          prepared.expressionMap.mainAlias!,
        ) as E[]);
    // afterLoad listeners and subscribers (the tenancy check among them) see them as after any find.
    await new Broadcaster(queryRunner).broadcast('Load', metadata, entities);
    return entities;
  }

  /** What TypeORM's transformer does for a flat entity's one row: each selected column hydrated by the driver. */
  private hydrate<E extends ObjectLiteral>(repository: Repository<E>, columns: [string, ColumnMetadata][], row: ObjectLiteral): E {
    const { metadata, manager } = repository;
    const entity = metadata.create(undefined, { fromDeserializer: true }) as E;
    for (const [alias, column] of columns) {
      const value: unknown = row[alias];
      if (value !== undefined) column.setEntityValue(entity, manager.connection.driver.prepareHydratedValue(value, column));
    }
    return entity;
  }

  private prepare<E extends ObjectLiteral>(repository: Repository<E>, count: number): Prepared {
    const limit = resellerLimitOf(repository.target);
    const reach = limit ? currentReach(limit.objectName) : undefined;
    const key = `${repository.metadata.name}:${count}:${reach?.kind === 'tree' ? [...reach.ids].join(',') : 'all'}`;
    let prepared = this.prepared.get(key);
    if (!prepared) {
      const alias = repository.metadata.targetName;
      // The placeholders are not numbers: the SQLite driver would write a number into the text.
      const placeholders = Array.from({ length: count }, (_, i) => `id${i}`);
      const query =
        count === 1
          ? repository.createQueryBuilder(alias).where(`${alias}.id = :id`, { id: placeholders[0] }).limit(1)
          : repository.createQueryBuilder(alias).where(`${alias}.id IN (:...ids)`, { ids: placeholders });
      const [sql, parameters] = query.getQueryAndParameters();
      if (parameters.length !== count) throw new Error(`find by id of ${alias} does not bind exactly the ${count} ids: ${sql}`);
      const { metadata, manager } = repository;
      const columns = metadata.columns
        .filter((column) => !column.isVirtual)
        .map((column): [string, ColumnMetadata] => [DriverUtils.buildAlias(manager.connection.driver, undefined, alias, column.databaseName), column]);
      prepared = { sql, expressionMap: query.expressionMap, ...(isFlat(metadata) && { columns }) };
      if (this.prepared.size >= MOST_PREPARED) this.prepared.clear();
      this.prepared.set(key, prepared);
    }
    return prepared;
  }
}
