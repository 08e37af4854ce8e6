import Decimal from 'decimal.js';
import { decimalsAsStrings, toJson, toJsonInSlices } from './json';

describe('toJson', () => {
  it('writes decimals as JSON numbers with every digit', () => {
    const body = { amount: new Decimal('123456789012.12345678'), sum: new Decimal('0.1').plus('0.2'), list: [new Decimal('-5')] };
    expect(toJson(body)).toBe('{"amount":123456789012.12345678,"sum":0.3,"list":[-5]}');
  });

  it('leaves strings that look like the marker alone', () => {
    expect(toJson({ note: '@@decimal:0000:1' })).toBe('{"note":"@@decimal:0000:1"}');
  });

  it('leaves Decimal serializing as its string outside toJson, even after a failure inside it', () => {
    expect(() => toJson({ a: new Decimal('2.5'), b: BigInt(1) })).toThrow(TypeError);
    expect(JSON.stringify({ a: new Decimal('1.5') })).toBe('{"a":"1.5"}');
    expect(toJson({ a: new Decimal('1.5') })).toBe('{"a":1.5}');
  });

  it('serializes plain values as JSON.stringify does', () => {
    expect(toJson({ a: 1, b: 'x', c: null, d: [true] })).toBe('{"a":1,"b":"x","c":null,"d":[true]}');
    expect(toJson(1)).toBe('1');
  });
});

describe('toJsonInSlices', () => {
  it('writes exactly what toJson writes, for any JSON value', async () => {
    const values: unknown[] = [
      { jsonrpc: '2.0', id: 1, result: [{ a: new Decimal('1.10'), b: [1, { c: 'x' }], d: undefined }] },
      [{ jsonrpc: '2.0', id: 2, error: { code: -32600, message: 'Invalid Request', data: { batch: 'too big' } } }, 3, null, 'x'],
      [undefined, () => 1, { nested: { deeper: [new Decimal('-0.5'), { e: null }] } }],
      { note: '@@decimal:0000:1', list: [] },
      'text',
      42,
      null,
    ];
    for (const value of values) expect(await toJsonInSlices(value)).toBe(toJson(value));
  });

  it('gives the event loop a turn while it writes a large answer', async () => {
    // Another task that runs once per turn of the event loop it is given.
    let turns = 0;
    let running = true;
    const other = () => {
      turns++;
      if (running) setImmediate(other);
    };
    setImmediate(other);
    const rows = Array.from({ length: 400 }, (_, i) => ({ id: i, notes: 'n'.repeat(10_000) }));
    const text = await toJsonInSlices(rows);
    running = false;
    expect(text).toBe(JSON.stringify(rows));
    // About 4 MB written in 256 KB slices (about 15): the other task ran between them.
    expect(turns).toBeGreaterThanOrEqual(10);
  });
});

describe('decimalsAsStrings', () => {
  it('turns every decimal, however deep, into a string of its exact digits', () => {
    const value = {
      id: 7,
      credit: new Decimal('123456789012.12345678'),
      balance: new Decimal('-0.5'),
      big: new Decimal('1e+30'),
      lines: [{ amount: new Decimal('25.50'), notes: null }, [new Decimal('0.1').plus('0.2')]],
      name: 'x',
      unlimited: false,
      c_dt: '2026-11-25T09:30:00-05:00',
    };
    expect(decimalsAsStrings(value)).toEqual({
      id: 7,
      credit: '123456789012.12345678',
      balance: '-0.5',
      big: '1000000000000000000000000000000',
      lines: [{ amount: '25.5', notes: null }, ['0.3']],
      name: 'x',
      unlimited: false,
      c_dt: '2026-11-25T09:30:00-05:00',
    });
  });

  it('serializes to JSON strings that any parser reads with every digit', () => {
    const text = toJson(decimalsAsStrings({ credit: new Decimal('123456789012.12345678'), list: [new Decimal('-5')] }));
    expect(text).toBe('{"credit":"123456789012.12345678","list":["-5"]}');
    expect((JSON.parse(text) as { credit: string }).credit).toBe('123456789012.12345678');
  });

  it('copies arrays and objects, leaving the value it was given untouched', () => {
    const value = { amount: new Decimal('1.5'), list: [new Decimal('2')] };
    const copy = decimalsAsStrings(value);
    expect(value.amount).toBeInstanceOf(Decimal);
    expect(value.list[0]).toBeInstanceOf(Decimal);
    expect(copy).toEqual({ amount: '1.5', list: ['2'] });
  });

  it('keeps a `__proto__` key a key', () => {
    const value = JSON.parse('{"__proto__": {"polluted": 1}}') as Record<string, unknown>;
    const copy = decimalsAsStrings(value) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__']);
    expect((copy as { polluted?: number }).polluted).toBeUndefined();
  });

  it('leaves values without decimals as they are', () => {
    for (const value of [null, 1, 'text', true, [], {}]) expect(decimalsAsStrings(value)).toEqual(value);
    expect(decimalsAsStrings([1, { a: 'b' }])).toEqual([1, { a: 'b' }]);
  });
});
