/**
 * Whether a search has more rows past its page (design-13: no COUNT, which would cost a search its
 * whole match at 1M rows). A search fetches one row more than its limit (applySearch); the
 * transports cut it off here and tell the caller what it meant.
 */
export interface PageInfo {
  has_more: boolean;
  /** The offset of the next page; null when there is none. */
  next_offset: number | null;
}

/** Cuts `rows` (up to limit + 1 of them) to the page, in place, and says whether there is more. */
export function takePage(rows: unknown[], limit: number, offset: number): PageInfo {
  if (rows.length <= limit) return { has_more: false, next_offset: null };
  rows.length = limit;
  return { has_more: true, next_offset: offset + limit };
}

/** REST: `X-Has-More`, and with more a `Link` to the next page: the same path and query with `offset` moved on. */
export function pageHeaders(url: string, page: PageInfo): Record<string, string> {
  if (!page.has_more) return { 'X-Has-More': 'false' };
  const [target] = url.split('#', 1);
  const start = target.indexOf('?');
  const path = start < 0 ? target : target.slice(0, start);
  const pairs = start < 0 ? [] : target.slice(start + 1).split('&').filter((pair) => pair !== '' && !isOffset(pair));
  return { 'X-Has-More': 'true', Link: `<${path}?${[...pairs, `offset=${page.next_offset}`].join('&')}>; rel="next"` };
}

function isOffset(pair: string): boolean {
  const name = pair.split('=', 1)[0].replace(/\+/g, ' ');
  try {
    return /^offset(\[\])?$/.test(decodeURIComponent(name));
  } catch {
    return false;
  }
}
