import fc from 'fast-check';
import { DATETIME_INPUT_PATTERN, DECIMAL_INPUT_PATTERN } from '../api/fields';
import { parseDateTime } from '../time/datetime';
import Decimal from '../money/decimal';

// The documents' patterns are what the server reads: never stricter (a value the server takes is
// refused by a validating client), looser only where a pattern cannot say it (an impossible date).
describe('the input patterns of the API documents', () => {
  const datetime = new RegExp(DATETIME_INPUT_PATTERN, 'u');
  const decimal = new RegExp(DECIMAL_INPUT_PATTERN, 'u');

  it('match every datetime the server reads', () => {
    const forms = ['2026-11-25 09:30:00', '2026-11-25T09:30:00', '2026-11-25t09:30', '2026-01-01', ' 2026-01-01 ', '2026-11-25T09:30:00.123456Z'];
    for (const text of [...forms, '2026-11-25T09:30:00-05:00', '2026-11-25 09:30:00+0530', '2026-11-25T09:30:00z']) {
      expect([text, parseDateTime(text, 'UTC') !== undefined, datetime.test(text)]).toEqual([text, true, true]);
    }
    const part = (digits: number) => fc.stringMatching(new RegExp(`^\\d{${digits}}$`));
    const separator = fc.constantFrom('', ' ', 'T', 't', 'x');
    const seconds = fc.constantFrom('', ':07', ':07.5');
    const zone = fc.constantFrom('', 'Z', 'z', '+05:30', '-0800', '+15:00', '+05');
    const candidate = fc
      .tuple(part(4), part(2), part(2), separator, part(2), part(2), seconds, zone)
      .map(([y, m, d, sep, hh, mm, ss, zone]) => (sep === '' ? `${y}-${m}-${d}${zone}` : `${y}-${m}-${d}${sep}${hh}:${mm}${ss}${zone}`));
    fc.assert(fc.property(candidate, (text) => parseDateTime(text, 'UTC') === undefined || datetime.test(text)), { numRuns: 2000, seed: 20261127 });
    expect(datetime.test('25/11/2026')).toBe(false);
  });

  it('match every decimal string the server reads, and nothing it refuses to read', () => {
    const reads = (text: string) => /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text.trim()) && new Decimal(text.trim()).isFinite();
    for (const text of ['25.50', '-0.1', '+3', '.5', '5.', ' 123456789012.12345678 ', '1e5', 'NaN', '', '1,5', '--1']) {
      expect([text, decimal.test(text)]).toEqual([text, reads(text)]);
    }
  });
});
