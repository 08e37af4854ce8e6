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

/** How much output a large answer writes before it lets the event loop serve others. */
const SLICE_CHARS = 256 * 1024;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype;

/**
 * `toJson` for answers that may be large (a search, a batch): arrays and the objects around them
 * are written piece by piece, and every ~256 KB of output the event loop gets a turn, so health
 * checks and other requests are served while a multi-megabyte answer is written. Same text as toJson.
 */
export async function toJsonInSlices(value: unknown): Promise<string> {
  const parts: string[] = [];
  let written = 0;
  const push = async (text: string) => {
    parts.push(text);
    written += text.length;
    if (written >= SLICE_CHARS) {
      written = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  };
  const write = async (item: unknown): Promise<void> => {
    if (Array.isArray(item)) {
      await push('[');
      for (let i = 0; i < item.length; i++) {
        if (i > 0) await push(',');
        const element: unknown = item[i];
        if (element === undefined || typeof element === 'function') await push('null');
        else await write(element);
      }
      await push(']');
    } else if (isPlainObject(item) && Object.values(item).some((field) => Array.isArray(field) || isPlainObject(field))) {
      await push('{');
      let first = true;
      for (const [key, field] of Object.entries(item)) {
        if (field === undefined || typeof field === 'function') continue;
        await push(`${first ? '' : ','}${JSON.stringify(key)}:`);
        first = false;
        await write(field);
      }
      await push('}');
    } else {
      await push(toJson(item));
    }
  };
  await write(value);
  return parts.join('');
}
