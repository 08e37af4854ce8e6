import { pageHeaders, takePage } from './page';

describe('takePage', () => {
  it('cuts the row past the page and says what comes next', () => {
    const rows = [1, 2, 3];
    expect([takePage(rows, 2, 10), rows]).toEqual([{ has_more: true, next_offset: 12 }, [1, 2]]);
    const exact = [1, 2];
    expect([takePage(exact, 2, 0), exact]).toEqual([{ has_more: false, next_offset: null }, [1, 2]]);
    expect(takePage([], 20, 0)).toEqual({ has_more: false, next_offset: null });
  });
});

describe('pageHeaders', () => {
  it('links the next page: the same path and query, offset moved on (wherever and however it was written)', () => {
    const more = { has_more: true, next_offset: 40 };
    expect(pageHeaders('/api/clients?status=active&limit=20&offset=20&order=-id', more)).toEqual({
      'X-Has-More': 'true',
      Link: '</api/clients?status=active&limit=20&order=-id&offset=40>; rel="next"',
    });
    expect(pageHeaders('/clients', more).Link).toBe('</clients?offset=40>; rel="next"');
    expect(pageHeaders('/clients?offset%5B%5D=3&q=a%20b&&#top', more).Link).toBe('</clients?q=a%20b&offset=40>; rel="next"');
    expect(pageHeaders('/clients?offset=20', { has_more: false, next_offset: null })).toEqual({ 'X-Has-More': 'false' });
  });
});
