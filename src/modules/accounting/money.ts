import Decimal from '../../platform/money/decimal';

/**
 * Amounts and balances: numeric(20, 8), 12 digits before the point and 8 after.
 * Exchange rates: numeric(20, 10), 10 and 10.
 */
export const MONEY = { precision: 20, scale: 8 } as const;
export const RATE = { precision: 20, scale: 10 } as const;

/** Digits a decimal field accepts for a column. */
export const digitsOf = (column: { precision: number; scale: number }) => ({
  integerDigits: column.precision - column.scale,
  scale: column.scale,
});

/** Rounds to a column's scale, half to even (banker's rounding): the one rounding rule of the domain. */
export function toScale(value: Decimal, column: { scale: number }): Decimal {
  return value.toDecimalPlaces(column.scale, Decimal.ROUND_HALF_EVEN);
}

/** Whether a value fits the digits before the point of a column. */
export function fits(value: Decimal, column: { precision: number; scale: number }): boolean {
  return value.abs().lt(new Decimal(10).pow(column.precision - column.scale));
}
