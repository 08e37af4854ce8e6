import { negotiateEncoding } from './compression';

describe('negotiateEncoding', () => {
  it.each([
    ['gzip, deflate, br', 'br'],
    ['gzip', 'gzip'],
    ['GZIP;q=0.5, identity', 'gzip'],
    ['br;q=0, gzip', 'gzip'],
    ['*', 'br'],
    ['*;q=0, gzip;q=0', undefined],
    ['deflate, identity', undefined],
    ['', undefined],
  ])('%p → %p', (accepted, expected) => {
    expect(negotiateEncoding(accepted)).toBe(expected);
  });
});
