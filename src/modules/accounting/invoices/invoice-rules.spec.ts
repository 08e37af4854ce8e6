import fc from 'fast-check';
import { ValidationFailed } from '../../../platform/errors/domain-error';
import Decimal from '../../../platform/money/decimal';
import { defaultDueDt, INVOICED_TYPES, invoiceDates, invoiceNumber, lineAmount, moneyText, totalOf } from './invoice-rules';

const d = (value: string) => new Decimal(value);
const text = (value: Decimal) => value.toFixed();
const problemsOf = (fn: () => unknown) => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof ValidationFailed ? error.problems : String(error);
  }
};

describe('what an invoice is made of', () => {
  it('takes charges, debit notes and credit notes; never payments or adjustments', () => {
    expect(INVOICED_TYPES).toEqual(['charge', 'debit_note', 'credit_note']);
  });

  it("makes a line's amount minus the transaction's client_amount: positive when the client owes it", () => {
    expect([lineAmount(d('-9.99')), lineAmount(d('1.25')), lineAmount(d('-0.00000001'))].map(text)).toEqual(['9.99', '-1.25', '0.00000001']);
  });
});

describe('totalOf: the exact sum, half to even at the currency’s totals_precision', () => {
  it.each([
    [['1', '0.125'], 2, '1.12'], // 1.125: half, to the even 2
    [['1', '0.135'], 2, '1.14'], // 1.135: half, to the even 4
    [['1.13', '0.00500001', '-0.00000001'], 2, '1.14'], // exactly 1.135
    [['1.13', '0.00499999'], 2, '1.13'],
    [['0.1', '0.2'], 2, '0.3'], // no binary float anywhere
    [['2.5'], 0, '2'],
    [['3.5'], 0, '4'],
    [['-2.5'], 0, '-2'],
    [['-1.125'], 2, '-1.12'],
    [['12.34567891'], 4, '12.3457'],
    [['999999999999.99999999', '-0.00000001'], 8, '999999999999.99999998'],
  ])('%j at %i places totals %s', (amounts, places, expected) => {
    expect(text(totalOf(amounts.map(d), places))).toBe(expected);
  });

  it('totals nothing, and what cancels out or rounds away, as 0 (never -0)', () => {
    expect(text(totalOf([], 2))).toBe('0');
    expect(text(totalOf([d('5'), d('-5')], 2))).toBe('0');
    const tiny = totalOf([d('-0.004')], 2);
    expect([text(tiny), tiny.isZero(), tiny.isNegative()]).toEqual(['0', true, false]);
  });

  it('equals the sum rounded once, in any order of the lines', () => {
    const amount = fc.bigInt({ min: -(10n ** 14n), max: 10n ** 14n }).map((units) => new Decimal(units.toString()).dividedBy(1e8));
    fc.assert(
      fc.property(fc.array(amount, { maxLength: 20 }), fc.integer({ min: 0, max: 8 }), (amounts, places) => {
        const sum = amounts.reduce((total, each) => total.plus(each), new Decimal(0));
        expect(text(totalOf(amounts, places))).toBe(text(sum.toDecimalPlaces(places, Decimal.ROUND_HALF_EVEN).plus(0)));
        expect(text(totalOf([...amounts].reverse(), places))).toBe(text(totalOf(amounts, places)));
      }),
      { seed: 20261127, numRuns: 500 },
    );
  });
});

describe('numbers', () => {
  it('are the year and the seq padded to six digits', () => {
    expect([invoiceNumber(2026, 1), invoiceNumber(2026, 42), invoiceNumber(2025, 999999), invoiceNumber(2026, 1000000)]).toEqual([
      '2026-000001',
      '2026-000042',
      '2025-999999',
      '2026-1000000',
    ]);
  });
});

describe('dates', () => {
  const now = new Date('2026-11-27T10:00:00Z');
  const period = { start_dt: new Date('2026-11-01T00:00:00Z'), end_dt: new Date('2026-12-01T00:00:00Z') };

  it('default invoice_dt to now and due_dt to 14 days later, at the same local time in the system zone', () => {
    expect(invoiceDates(period, now, 'UTC')).toEqual({ ...period, invoice_dt: now, due_dt: new Date('2026-12-11T10:00:00Z') });
    // Across the end of summer time in Kyiv (25 October): 14 calendar days, 14 × 24 h + 1 h.
    expect(defaultDueDt(new Date('2026-10-20T09:00:00Z'), 'Europe/Kyiv').toISOString()).toBe('2026-11-03T10:00:00.000Z');
    expect(defaultDueDt(new Date('2026-10-20T09:00:00Z'), 'UTC').toISOString()).toBe('2026-11-03T09:00:00.000Z');
  });

  it('keep what is given', () => {
    const given = { ...period, invoice_dt: new Date('2026-12-01T00:00:00Z'), due_dt: new Date('2026-12-01T00:00:00Z') };
    expect(invoiceDates(given, now, 'UTC')).toEqual(given);
  });

  it('refuse an empty period and a due_dt before invoice_dt', () => {
    expect(problemsOf(() => invoiceDates({ start_dt: period.start_dt, end_dt: period.start_dt }, now, 'UTC'))).toEqual({ end_dt: 'must be after start_dt' });
    expect(problemsOf(() => invoiceDates({ start_dt: period.end_dt, end_dt: period.start_dt }, now, 'UTC'))).toEqual({ end_dt: 'must be after start_dt' });
    expect(problemsOf(() => invoiceDates({ ...period, due_dt: new Date(now.getTime() - 1) }, now, 'UTC'))).toEqual({ due_dt: 'must not be before invoice_dt' });
    expect(problemsOf(() => invoiceDates({ ...period, due_dt: now }, now, 'UTC'))).toBeUndefined();
  });
});

describe('moneyText: every digit, at least the currency’s places', () => {
  it.each([
    ['12.5', 2, '12.50'],
    ['7', 2, '7.00'],
    ['-0.125', 2, '-0.125'],
    ['12.38', 2, '12.38'],
    ['3', 0, '3'],
    ['0.00000001', 4, '0.00000001'],
  ])('%s at %i places is %s', (value, places, expected) => {
    expect(moneyText(d(value), places)).toBe(expected);
  });
});
