import { randomBytes } from 'node:crypto';
import Decimal from '../money/decimal';
import { nextTurn } from '../event-loop';

// Decimals leave as JSON numbers with every digit kept: JSON.stringify alone would go through a binary float.
const MARK = `@@decimal:${randomBytes(8).toString('hex')}:`;
const MARKED = new RegExp(`"${MARK}(-?[0-9]+(?:\\.[0-9]+)?)"`, 'g');

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype;

let sawDecimal = false;

function markDecimal(this: Decimal): string {
  sawDecimal = true;
  return MARK + this.toFixed();
}

/** Serializes a response body; Decimal values become exact JSON numbers. */
export function toJson(value: unknown): string {
  // JSON.stringify is synchronous: for its duration (and only then) a Decimal serializes as its marked digits.
  const original = Decimal.prototype.toJSON;
  Decimal.prototype.toJSON = markDecimal;
  sawDecimal = false;
  try {
    const text = JSON.stringify(value);
    return sawDecimal ? text.replace(MARKED, '$1') : text;
  } finally {
    Decimal.prototype.toJSON = original;
  }
}

/**
 * The same value with every Decimal replaced by its exact digits as a string (`__decimals=string`,
 * SPEC §4b): once serialized, any JSON parser reads every digit. Arrays and plain objects are
 * copied, anything else is left as it is.
 */
export function decimalsAsStrings(value: unknown): unknown {
  if (value instanceof Decimal) return value.toFixed();
  if (Array.isArray(value)) return value.map(decimalsAsStrings);
  if (!isPlainObject(value)) return value;
  // fromEntries: a `__proto__` key stays a key.
  return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, decimalsAsStrings(field)]));
}

/** How much output a large answer writes before it lets the event loop serve others. */
const SLICE_CHARS = 256 * 1024;

/**
 * `toJson` for answers that may be large (a search, a batch): arrays and the objects around them
 * are written piece by piece, and every ~256 KB of output the event loop gets a turn, so health
 * checks and other requests are served while a multi-megabyte answer is written. Same text as toJson.
 */
export async function toJsonInSlices(value: unknown): Promise<string> {
  const parts: string[] = [];
  let written = 0;
  /** Adds text; answers a pause when a slice is full (awaited only then: most answers never pause). */
  const push = (text: string): Promise<void> | undefined => {
    parts.push(text);
    written += text.length;
    if (written < SLICE_CHARS) return undefined;
    written = 0;
    return nextTurn();
  };
  // Leaves are written synchronously; only arrays and objects holding them are walked, pausing when a slice is full.
  const write = (item: unknown): Promise<void> | undefined =>
    Array.isArray(item) || (isPlainObject(item) && Object.values(item).some((field) => Array.isArray(field) || isPlainObject(field)))
      ? writeNested(item)
      : push(toJson(item));
  const writeNested = async (item: unknown[] | Record<string, unknown>): Promise<void> => {
    if (Array.isArray(item)) {
      push('[');
      for (let i = 0; i < item.length; i++) {
        if (i > 0) push(',');
        const element: unknown = item[i];
        const pause = element === undefined || typeof element === 'function' ? push('null') : write(element);
        if (pause) await pause;
      }
      await push(']');
      return;
    }
    push('{');
    let first = true;
    for (const [key, field] of Object.entries(item)) {
      if (field === undefined || typeof field === 'function') continue;
      push(`${first ? '' : ','}${JSON.stringify(key)}:`);
      first = false;
      const pause = write(field);
      if (pause) await pause;
    }
    await push('}');
  };
  await write(value);
  return parts.join('');
}
