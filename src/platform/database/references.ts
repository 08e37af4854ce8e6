import { EntityManager } from 'typeorm';

/**
 * Whether any row of any entity points at `id` through one of `columns` (e.g. `currencies_id`).
 * It looks in every table that has such a column, so tables added later are covered unchanged.
 */
export async function isReferenced(manager: EntityManager, columns: readonly string[], id: number): Promise<boolean> {
  for (const metadata of manager.connection.entityMetadatas) {
    const referring = metadata.columns.filter((column) => columns.includes(column.databaseName));
    if (referring.length === 0) continue;
    const found = await manager
      .createQueryBuilder()
      .select('1', 'found')
      .from(metadata.target, 'referrer')
      .where(referring.map((column) => `referrer.${column.propertyPath} = :id`).join(' OR '), { id })
      .limit(1)
      .getRawOne();
    if (found) return true;
  }
  return false;
}
