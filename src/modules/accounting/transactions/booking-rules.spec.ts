import Decimal from '../../../platform/money/decimal';
import { digitsOf, fits, MONEY, RATE, toScale } from '../money';
import { balanceAfter, before, checksCredit, clientAmountOf } from './booking-rules';

/**
 * The arithmetic a booking rests on (transactions.service.ts): an amount times a rate, rounded
 * half to even at the money scale (toScale), and refused unless it fits its column (fits). The
 * service itself needs a database; these are the rules it applies, with exact values.
 */
const d = (value: string | number) => new Decimal(value);
/** Every digit of a Decimal, as the API sends it. */
const text = (value: Decimal) => value.toFixed();

describe('money columns', () => {
  it('are numeric(20, 8) for amounts and numeric(20, 10) for rates', () => {
    expect(MONEY).toEqual({ precision: 20, scale: 8 });
    expect(RATE).toEqual({ precision: 20, scale: 10 });
    expect(digitsOf(MONEY)).toEqual({ integerDigits: 12, scale: 8 });
    expect(digitsOf(RATE)).toEqual({ integerDigits: 10, scale: 10 });
  });
});

describe('toScale: half to even', () => {
  it.each([
    // Exactly half: to the even neighbour.
    ['1.000000005', '1'],
    ['1.000000015', '1.00000002'],
    ['1.000000025', '1.00000002'],
    ['1.000000035', '1.00000004'],
    ['-1.000000005', '-1'],
    ['-1.000000015', '-1.00000002'],
    ['-1.000000025', '-1.00000002'],
    // Not half: to the nearest.
    ['1.0000000249999', '1.00000002'],
    ['1.0000000250001', '1.00000003'],
    ['-1.0000000250001', '-1.00000003'],
    ['0.123456784999999999', '0.12345678'],
    // Already at the scale, or shorter: unchanged.
    ['0.12345678', '0.12345678'],
    ['42', '42'],
    ['-0.5', '-0.5'],
  ])('rounds %s to %s at the money scale', (value, expected) => {
    expect(text(toScale(d(value), MONEY))).toBe(expected);
  });

  it('keeps 8 places when written out at the column scale', () => {
    expect(toScale(d('1.000000005'), MONEY).toFixed(MONEY.scale)).toBe('1.00000000');
    expect(toScale(d('2.000000015'), MONEY).toFixed(MONEY.scale)).toBe('2.00000002');
  });

  it.each([
    ['0.5', '0'],
    ['1.5', '2'],
    ['2.5', '2'],
    ['3.5', '4'],
    ['-2.5', '-2'],
    ['-3.5', '-4'],
  ])('rounds %s to %s at scale 0 (banker’s rounding, not half up)', (value, expected) => {
    expect(text(toScale(d(value), { scale: 0 }))).toBe(expected);
  });

  it('rounds rates at 10 places', () => {
    expect(text(toScale(d(1).dividedBy(3), RATE))).toBe('0.3333333333');
    expect(text(toScale(d(2).dividedBy(3), RATE))).toBe('0.6666666667');
    expect(text(toScale(d('0.00000000005'), RATE))).toBe('0');
    expect(text(toScale(d('0.00000000015'), RATE))).toBe('0.0000000002');
  });

  it('rounds a value just off zero to zero, written without a sign', () => {
    const tiny = toScale(d('-0.000000005'), MONEY);
    expect(tiny.isZero()).toBe(true);
    expect(text(tiny)).toBe('0');
    const positive = toScale(d('0.000000005'), MONEY);
    expect(positive.isZero()).toBe(true);
    expect(text(toScale(d('0.000000006'), MONEY))).toBe('0.00000001');
  });

  it('does not change the value it is given', () => {
    const value = d('1.000000015');
    toScale(value, MONEY);
    expect(text(value)).toBe('1.000000015');
  });
});

describe('booking arithmetic: amount × rate, then toScale', () => {
  const clientAmount = (amount: string, rate: string) => text(toScale(d(amount).times(d(rate)), MONEY));

  it.each([
    ['100', '1', '100'],
    ['100', '0.0123456789', '1.23456789'],
    ['33.33', '1.0000000015', '33.33000005'], // 33.330000049995
    ['10', '0.0000000005', '0'], // 0.000000005: half, to the even 0
    ['30', '0.0000000005', '0.00000002'], // 0.000000015: half, to the even 2
    ['-12.5', '0.8', '-10'],
    ['0.00000001', '0.5', '0'], // 0.000000005: a booking of 0 (the service refuses it)
    ['0.00000003', '0.5', '0.00000002'], // 0.000000015
  ])('%s at rate %s books %s', (amount, rate, expected) => {
    expect(clientAmount(amount, rate)).toBe(expected);
  });

  it('multiplies without any implicit rounding (64 significant digits)', () => {
    const product = d('999999999999.99999999').times(d('9999999999.9999999999'));
    expect(text(product)).toBe('9999999999999999999800.000000000000000001');
  });

  it('adds balances exactly', () => {
    expect(text(d('0.1').plus(d('0.2')))).toBe('0.3');
    expect(text(d('999999999999.99999998').plus(d('0.00000001')))).toBe('999999999999.99999999');
  });
});

describe('fits: the digits before the point', () => {
  it.each([
    ['0', true],
    ['999999999999.99999999', true],
    ['-999999999999.99999999', true],
    ['999999999999.999999999999', true], // more places than the column: rounding is toScale's job
    ['1000000000000', false],
    ['-1000000000000', false],
    ['1000000000000.00000001', false],
  ])('money %s: %p', (value, expected) => {
    expect(fits(d(value), MONEY)).toBe(expected);
  });

  it.each([
    ['9999999999.9999999999', true],
    ['10000000000', false],
    ['-10000000000', false],
  ])('rate %s: %p', (value, expected) => {
    expect(fits(d(value), RATE)).toBe(expected);
  });

  it('is checked after rounding: rounding half to even may carry a value out of the column', () => {
    // ...99|5 is half: 9 is odd, so it rounds up, past 12 digits.
    const up = toScale(d('999999999999.999999995'), MONEY);
    expect(text(up)).toBe('1000000000000');
    expect(fits(up, MONEY)).toBe(false);
    // ...98|5 is half: 8 is even, so it stays.
    const kept = toScale(d('999999999999.999999985'), MONEY);
    expect(text(kept)).toBe('999999999999.99999998');
    expect(fits(kept, MONEY)).toBe(true);
  });

  it('refuses a balance the booking would carry past the column', () => {
    const balance = d('999999999999.99999999');
    expect(fits(balance.plus(toScale(d('0.00000001'), MONEY)), MONEY)).toBe(false);
    expect(fits(balance.plus(toScale(d('-0.00000001'), MONEY)), MONEY)).toBe(true);
  });
});

describe('the booking rules (booking-rules.ts)', () => {
  const client = (balance: string, credit: string, credit_unlimited = false) => ({ id: 7, balance: d(balance), credit: d(credit), credit_unlimited });
  /** The booking's new balance, or the code and message it is refused with. */
  const outcome = (fn: () => Decimal) => {
    try {
      return text(fn());
    } catch (error) {
      return (error as { data?: unknown }).data;
    }
  };

  it('converts at the rate, half to even at 8 places, refusing what rounds to 0 or overflows', () => {
    expect(outcome(() => clientAmountOf(d('10'), d('1.08')))).toBe('10.8');
    expect(outcome(() => clientAmountOf(d('0.00000003'), d('0.5')))).toBe('0.00000002');
    expect(outcome(() => clientAmountOf(d('0.00000001'), d('0.5')))).toEqual({
      code: 'transactions-zero-amount',
      message: "0.00000001 converts to 0 in the client's currency",
    });
    expect(outcome(() => clientAmountOf(d('999999999999'), d('10')))).toEqual({
      code: 'transactions-amount-overflow',
      message: "999999999999 converts to more than the client's currency can hold",
    });
  });

  it('lets a prepaid charge take balance plus credit exactly to zero, and not a cent below', () => {
    expect(outcome(() => balanceAfter(client('10', '5'), d('-15'), 'prepaid'))).toBe('-5');
    expect(outcome(() => balanceAfter(client('10', '5'), d('-15.00000001'), 'prepaid'))).toEqual({
      code: 'low-balance',
      message: 'client #7 has 15 available, 15.00000001 needed',
    });
  });

  it('always books payments, postpaid charges and charges on unlimited credit', () => {
    expect(outcome(() => balanceAfter(client('-100', '0'), d('1'), 'prepaid'))).toBe('-99');
    expect(outcome(() => balanceAfter(client('0', '0'), d('-50'), 'postpaid'))).toBe('-50');
    expect(outcome(() => balanceAfter(client('0', '0', true), d('-50'), 'prepaid'))).toBe('-50');
  });

  it('refuses a balance that would not fit its column', () => {
    expect(outcome(() => balanceAfter(client('999999999999', '0'), d('1'), 'postpaid'))).toEqual({
      code: 'balance-overflow',
      message: 'the balance of client #7 would not fit',
    });
  });

  it('checks the credit only for prepaid bookings that lower the balance', () => {
    expect([checksCredit('prepaid', d('-0.00000001')), checksCredit('prepaid', d('0.00000001'))]).toEqual([true, false]);
    expect([checksCredit('postpaid', d('-0.00000001')), checksCredit('postpaid', d('0.00000001'))]).toEqual([false, false]);
  });

  it('recovers the client before an update from the one it returned, to the last digit', () => {
    expect(before(client('-5.00000001', '5'), d('-0.00000002'))).toEqual(client('-4.99999999', '5'));
    expect(before(client('999999999999.99999999', '0', true), d('999999999999.99999999'))).toEqual(client('0', '0', true));
    // What an update returned agrees with the rules: balanceAfter of the client before gives it back.
    const after = client('-15', '15');
    expect(outcome(() => balanceAfter(before(after, d('-0.5')), d('-0.5'), 'prepaid'))).toBe('-15');
    expect(outcome(() => balanceAfter(before(client('-15.00000001', '15'), d('-0.5')), d('-0.5'), 'prepaid'))).toEqual({
      code: 'low-balance',
      message: 'client #7 has 0.49999999 available, 0.5 needed',
    });
  });
});
