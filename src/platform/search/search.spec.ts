import { ValidationFailed } from '../errors/domain-error';
import { likePattern, parseOrder } from './search';

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
    expect(() => parseOrder(['-'], allowed)).toThrow('Invalid request');
  });
});
