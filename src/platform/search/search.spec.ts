import { ValidationFailed } from '../errors/domain-error';
import { candidateLimit, ftsQuery, likePattern, parseOrder, quickSearchTrigrams } from './search';

describe('likePattern', () => {
  it.each([
    ['Dollar', '%dollar%'],
    ['j*yen', 'j%yen'],
    ['*', '%'],
    ['50%', '%50\\%%'],
    ['a_b', '%a\\_b%'],
    ['back\\slash', '%back\\\\slash%'],
  ])('turns %p into %p', (q, pattern) => {
    expect(likePattern(q)).toBe(pattern);
  });
});

describe('parseOrder', () => {
  const allowed = ['id', 'name', 'c_dt'];

  it('defaults to id and breaks ties by id', () => {
    expect(parseOrder(undefined, allowed)).toEqual([{ column: 'id', direction: 'ASC' }]);
    expect(parseOrder(['-name'], allowed)).toEqual([
      { column: 'name', direction: 'DESC' },
      { column: 'id', direction: 'ASC' },
    ]);
    expect(parseOrder(['c_dt', '-id'], allowed)).toEqual([
      { column: 'c_dt', direction: 'ASC' },
      { column: 'id', direction: 'DESC' },
    ]);
  });

  it('refuses columns outside the allowed set', () => {
    expect(() => parseOrder(['name', 'secret'], allowed)).toThrow(ValidationFailed);
    expect(() => parseOrder(['-'], allowed)).toThrow('Invalid params');
  });
});

describe('quickSearchTrigrams', () => {
  it.each([
    ['Alpha', ['alp', 'pha']],
    ['abc', ['abc']],
    ['abcdef', ['abc', 'def']],
    ['abcdefg', ['abc', 'def', 'efg']],
    ['ab', []],
    ['a*bc*de', []],
    ['ab*cde', ['cde']],
    ['50%_\\x', ['50%', '_\\x']],
    ['ZOË', ['zoë']],
    ['a\u{1F600}bc', ['a\u{1F600}b', '\u{1F600}bc']],
    ['aaaaaa', ['aaa']],
  ])('finds in %p the trigrams %p', (q, trigrams) => {
    expect(quickSearchTrigrams(q)).toEqual(trigrams);
  });

  it('keeps the three likely rarest: digits first, then signs', () => {
    expect(quickSearchTrigrams('abcdefghijklmnopqrstuvwxyz0123456789')).toEqual(['123', '456', '789']);
    expect(quickSearchTrigrams('johnson4321@')).toEqual(['21@', 'n43', 'joh']);
    expect(quickSearchTrigrams('a.b@c.d-e fgh ijk')).toEqual(['@c.', 'a.b', 'd-e']);
  });
});

describe('ftsQuery', () => {
  it('quotes every trigram, doubling its quotes, so that nothing in q is query syntax', () => {
    expect(ftsQuery(['alp', 'pha'])).toBe('"alp" AND "pha"');
    expect(ftsQuery(['"q"', 'a*b', 'OR '])).toBe('"""q""" AND "a*b" AND "OR "');
  });
});

describe('candidateLimit', () => {
  it.each([
    [0, 20, 1000],
    [0, 1000, 10000],
    [500, 20, 10000],
    [40, 10, 1000],
    [60, 20, 1600],
  ])('at offset %p and limit %p is %p', (offset, limit, expected) => {
    expect(candidateLimit({ offset, limit })).toBe(expected);
  });
});
