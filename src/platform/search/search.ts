import { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { decimalsAreText } from '../database/columns';
import { ValidationFailed } from '../errors/domain-error';
import type { SearchParams } from './search-params';

/** What a resource offers to search by; every column named here must be backed by an index. */
export interface SearchSpec<P extends SearchParams> {
  /** Orderable columns (API names equal entity properties). */
  orders: readonly string[];
  /** Orderable decimal columns: ordered by numeric value where the dialect keeps decimals as text. */
  decimalOrders?: readonly string[];
  /** Columns the quick search `q` looks in (params extending QuickSearchParams). */
  quickSearch: readonly string[];
  /** List filters: parameter → column, matched with IN. */
  lists?: Partial<Record<keyof P & string, string>>;
  /** Range filters: `<name>_from` (inclusive) and `<name>_till` (exclusive) → column. */
  ranges?: Record<string, string>;
}

/** Applies SPEC §7 (filters, quick search, order, page) to a query; the same for every `*.search`. */
export function applySearch<E extends ObjectLiteral, P extends SearchParams>(
  query: SelectQueryBuilder<E>,
  params: P,
  spec: SearchSpec<P>,
): SelectQueryBuilder<E> {
  const alias = query.alias;
  const values = params as unknown as Record<string, unknown>;
  const lists: Record<string, string> = { id: 'id', ...(spec.lists as Record<string, string> | undefined) };

  for (const [param, column] of Object.entries(lists)) {
    const list = values[param];
    if (Array.isArray(list)) {
      // An empty list matches nothing.
      query.andWhere(list.length === 0 ? '1 = 0' : `${alias}.${column} IN (:...${param})`, { [param]: list });
    }
  }

  for (const [name, column] of Object.entries(spec.ranges ?? {})) {
    const from = values[`${name}_from`];
    const till = values[`${name}_till`];
    if (from !== undefined) query.andWhere(`${alias}.${column} >= :${name}_from`, { [`${name}_from`]: from });
    if (till !== undefined) query.andWhere(`${alias}.${column} < :${name}_till`, { [`${name}_till`]: till });
  }

  const q = (params as { q?: string }).q;
  if (q !== undefined && q !== '' && spec.quickSearch.length > 0) {
    const condition = spec.quickSearch.map((column) => `LOWER(${alias}.${column}) LIKE :q ESCAPE '\\'`).join(' OR ');
    query.andWhere(`(${condition})`, { q: likePattern(q) });
  }

  for (const { column, direction } of parseOrder(params.order, spec.orders)) {
    const numericText = decimalsAreText() && spec.decimalOrders?.includes(column);
    query.addOrderBy(numericText ? `CAST(${alias}.${column} AS REAL)` : `${alias}.${column}`, direction);
  }
  return query.limit(params.limit).offset(params.offset);
}

/** `*` is the wildcard; without one, q matches anywhere in the text. */
export function likePattern(q: string): string {
  const escaped = q.toLowerCase().replace(/[\\%_]/g, (char) => `\\${char}`);
  return q.includes('*') ? escaped.replace(/\*/g, '%') : `%${escaped}%`;
}

export function parseOrder(
  order: readonly string[] | undefined,
  allowed: readonly string[],
): { column: string; direction: 'ASC' | 'DESC' }[] {
  const parsed = (order ?? ['id']).map((entry) => {
    const descending = entry.startsWith('-');
    const column = descending ? entry.slice(1) : entry.replace(/^\+/, '');
    if (!allowed.includes(column)) {
      throw ValidationFailed.field('order', `cannot order by "${column}"; allowed: ${allowed.join(', ')}`);
    }
    return { column, direction: descending ? ('DESC' as const) : ('ASC' as const) };
  });
  // A stable page order: ties are broken by id.
  if (!parsed.some((entry) => entry.column === 'id')) parsed.push({ column: 'id', direction: 'ASC' });
  return parsed;
}
