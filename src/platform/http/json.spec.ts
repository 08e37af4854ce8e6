import Decimal from 'decimal.js';
import { toJson } from './json';

describe('toJson', () => {
  it('writes decimals as JSON numbers with every digit', () => {
    const body = { amount: new Decimal('123456789012.12345678'), sum: new Decimal('0.1').plus('0.2'), list: [new Decimal('-5')] };
    expect(toJson(body)).toBe('{"amount":123456789012.12345678,"sum":0.3,"list":[-5]}');
  });

  it('leaves strings that look like the marker alone', () => {
    expect(toJson({ note: '@@decimal:0000:1' })).toBe('{"note":"@@decimal:0000:1"}');
  });

  it('serializes plain values as JSON.stringify does', () => {
    expect(toJson({ a: 1, b: 'x', c: null, d: [true] })).toBe('{"a":1,"b":"x","c":null,"d":[true]}');
    expect(toJson(1)).toBe('1');
  });
});
