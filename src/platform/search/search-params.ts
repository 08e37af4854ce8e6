import { IdListField, IntField, StringField, StringListField } from '../api/fields';

export const SEARCH_MAX_LIMIT = 1000;
export const SEARCH_DEFAULT_LIMIT = 20;

/**
 * The most rows a search asked with this raw `limit` may answer (its default when the value is not
 * a page size: an invalid one is refused by validation anyway). Counted before any work is done.
 */
export function rowsAskedBy(limit: unknown): number {
  const asked = Number(limit ?? SEARCH_DEFAULT_LIMIT);
  return Number.isInteger(asked) && asked > 0 ? Math.min(asked, SEARCH_MAX_LIMIT) : SEARCH_DEFAULT_LIMIT;
}

/** The parameters every `*.search` shares (SPEC §7); resources extend it with their own filters. */
export class SearchParams {
  @IntField({ optional: true, min: 1, max: SEARCH_MAX_LIMIT, default: SEARCH_DEFAULT_LIMIT, description: 'Page size' })
  limit: number = SEARCH_DEFAULT_LIMIT;

  @IntField({ optional: true, min: 0, max: Number.MAX_SAFE_INTEGER, default: 0, description: 'Rows to skip' })
  offset: number = 0;

  @StringListField({
    maxItems: 10,
    maxLength: 64,
    description: 'Columns to order by, comma-separated or repeated; a leading - sorts descending. Default: id',
    example: ['-id'],
  })
  order?: string[];

  @IdListField({ description: 'Only these ids' })
  id?: number[];
}

/** A search that also offers the quick search `q` over the resource's main text fields. */
export class QuickSearchParams extends SearchParams {
  @StringField({ optional: true, maxLength: 255, description: 'Case-insensitive quick search; * is a wildcard' })
  q?: string;
}
