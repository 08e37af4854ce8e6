import { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { decimalsAreText } from '../database/columns';
import { ValidationFailed } from '../errors/domain-error';
import type { SearchParams } from './search-params';

/** What a resource offers to search by; every column named here must be backed by an index. */
export interface SearchSpec<P extends SearchParams> {
  /** Orderable columns (API names equal entity properties). */
  orders: readonly string[];
  /** An order that sorts by other columns than its name, e.g. an invoice `number` by (year, seq). */
  orderColumns?: Record<string, readonly string[]>;
  /** Orderable decimal columns: ordered by numeric value where the dialect keeps decimals as text. */
  decimalOrders?: readonly string[];
  /** Columns the quick search `q` looks in (params extending QuickSearchParams). */
  quickSearch: readonly string[];
  /** List filters: parameter → column, matched with IN. */
  lists?: Partial<Record<keyof P & string, string>>;
  /** Range filters: `<name>_from` (inclusive) and `<name>_till` (exclusive) → column. */
  ranges?: Record<string, string>;
  /**
   * The trigram index a migration made over the quick-search columns, by name: an FTS5 table with
   * the trigram tokenizer on SQLite; on PostgreSQL the function `<name>_ids(pattern, max)` answering
   * the matching ids in reach (or NULL past `max`). It narrows `q` to candidates; without one, q scans.
   */
  quickSearchIndex?: string;
}

/** Runs a search (SPEC §7): applySearch, with `q` narrowed through the spec's quick-search index when that pays. */
export async function runSearch<E extends ObjectLiteral, P extends SearchParams>(
  query: SelectQueryBuilder<E>,
  params: P,
  spec: SearchSpec<P>,
): Promise<E[]> {
  const candidates = await quickSearchCandidates(query, params, spec);
  return applySearch(query, params, spec, candidates).getMany();
}

/**
 * Applies SPEC §7 (filters, quick search, order, page) to a query; the same for every `*.search`.
 * It asks for limit + 1 rows: the transports cut the page to `limit` and say whether there is more (page.ts).
 * `candidates`: ids that hold every row `q` matches (from the quick-search index); q's own condition still decides.
 */
export function applySearch<E extends ObjectLiteral, P extends SearchParams>(
  query: SelectQueryBuilder<E>,
  params: P,
  spec: SearchSpec<P>,
  candidates?: readonly number[],
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
    if (candidates) {
      // PostgreSQL takes the ids as one array parameter, SQLite as a list (it binds no arrays).
      const among = query.connection.options.type === 'postgres' ? `= ANY(:quickSearchIds)` : `IN (:...quickSearchIds)`;
      query.andWhere(candidates.length === 0 ? '1 = 0' : `${alias}.id ${among}`, { quickSearchIds: candidates });
    }
  }

  for (const { column: order, direction } of parseOrder(params.order, spec.orders)) {
    for (const column of spec.orderColumns?.[order] ?? [order]) {
      const numericText = decimalsAreText() && spec.decimalOrders?.includes(column);
      query.addOrderBy(numericText ? `CAST(${alias}.${column} AS REAL)` : `${alias}.${column}`, direction);
    }
  }
  // One row past the page tells whether there is more (see page.ts): no COUNT.
  return query.limit(params.limit + 1).offset(params.offset);
}

/** `*` is the wildcard; without one, q matches anywhere in the text. */
export function likePattern(q: string): string {
  const escaped = q.toLowerCase().replace(/[\\%_]/g, (char) => `\\${char}`);
  return q.includes('*') ? escaped.replace(/\*/g, '%') : `%${escaped}%`;
}

/** Most candidates a quick search is narrowed to; past as many matches, walking the order's index meets a page sooner. */
export function candidateLimit(params: SearchParams): number {
  return Math.min(Math.max(20 * (params.offset + params.limit), 1000), 10000);
}

/** How rare a trigram likely is in names and emails: digits, then signs, are rarer than letters and spaces. */
function rarity(trigram: string): number {
  return [...trigram].reduce((score, char) => score + (/\d/.test(char) ? 2 : /[\p{L}\s]/u.test(char) ? 0 : 1), 0);
}

/**
 * Trigrams that every text matching q holds (ASCII-case-insensitively, as LIKE matches): of each
 * literal run between wildcards of at least three characters, covering it end to end; the three
 * likely rarest of them (each one more costs the index a list to intersect). None when no run is
 * that long: a trigram index cannot narrow such a q.
 */
export function quickSearchTrigrams(q: string): string[] {
  const trigrams = new Set<string>();
  for (const run of q.toLowerCase().split('*')) {
    const chars = [...run];
    if (chars.length < 3) continue;
    for (let i = 0; i + 3 < chars.length; i += 3) trigrams.add(chars.slice(i, i + 3).join(''));
    trigrams.add(chars.slice(-3).join(''));
  }
  return [...trigrams].sort((a, b) => rarity(b) - rarity(a)).slice(0, 3);
}

/** An FTS5 query for rows holding every trigram, each a quoted string (so nothing in q is syntax). */
export function ftsQuery(trigrams: readonly string[]): string {
  return trigrams.map((trigram) => `"${trigram.replace(/"/g, '""')}"`).join(' AND ');
}

/**
 * Ids holding every row `q` matches, through the spec's index; undefined when it cannot narrow q
 * (no index, no three-character run) or when matches are many (walking the order finds a page first).
 * Candidates from other resellers' trees are harmless: the search itself is scoped.
 */
export async function quickSearchCandidates<E extends ObjectLiteral, P extends SearchParams>(
  query: SelectQueryBuilder<E>,
  params: P,
  spec: SearchSpec<P>,
): Promise<number[] | undefined> {
  const q = (params as { q?: string }).q;
  const index = spec.quickSearchIndex;
  if (!index || q === undefined || q === '') return undefined;
  const trigrams = quickSearchTrigrams(q);
  if (trigrams.length === 0) return undefined;
  const max = candidateLimit(params);
  // A new builder on the same runner: the same unit of work, role and reach.
  const probe = query.createQueryBuilder();
  if (query.connection.options.type === 'postgres') {
    const row = (await probe
      .fromDummy()
      .select(`${index}_ids(:pattern, :max)`, 'ids')
      .setParameters({ pattern: likePattern(q), max })
      .getRawOne()) as { ids: number[] | null };
    return row.ids ?? undefined;
  }
  const rows = (await probe
    .select('candidate.rowid', 'id')
    .from(index, 'candidate')
    .where(`candidate.${index} MATCH :match`, { match: ftsQuery(trigrams) })
    .limit(max + 1)
    .getRawMany()) as { id: number }[];
  return rows.length > max ? undefined : rows.map((row) => row.id);
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
