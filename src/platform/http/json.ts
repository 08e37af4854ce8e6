import { randomBytes } from 'node:crypto';
import Decimal from '../money/decimal';

// Decimals leave as JSON numbers with every digit kept: JSON.stringify alone would go through a binary float.
const MARK = `@@decimal:${randomBytes(8).toString('hex')}:`;
const MARKED = new RegExp(`"${MARK}(-?[0-9]+(?:\\.[0-9]+)?)"`, 'g');

/** Serializes a response body; Decimal values become exact JSON numbers. */
export function toJson(value: unknown): string {
  let decimals = false;
  const text = JSON.stringify(value, function (this: Record<string, unknown>, key, replaced) {
    const original = this[key];
    if (original instanceof Decimal) {
      decimals = true;
      return MARK + original.toFixed();
    }
    return replaced;
  });
  return decimals ? text.replace(MARKED, '$1') : text;
}
