import Decimal from '../../platform/money/decimal';
import { parseDuration, parsePeriod, Period, periodIndexAt, periodStart, plus, refundOf } from './periods';

const NEW_YORK = 'America/New_York';

/** A duration the parser accepts (PT1S and up), for the tests of the arithmetic. */
function duration(text: string): Period {
  const parsed = parseDuration(text);
  if (!parsed) throw new Error(`not a duration: ${text}`);
  return parsed;
}

/** Starts of periods `ns` as ISO strings in UTC. */
const startsOf = (start: string, period: string, zone: string, ns: number[]) =>
  ns.map((n) => periodStart(new Date(start), duration(period), n, zone).toISOString());

const indexAt = (start: string, period: string, zone: string, at: string | number) =>
  periodIndexAt(new Date(start), duration(period), zone, new Date(at));

/** Mulberry32: a small seeded generator, so the "random" instants are the same on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('parsePeriod', () => {
  it('reads every unit and their combination, in order', () => {
    const none = { years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 };
    expect(parsePeriod('P1M')).toEqual({ ...none, months: 1 });
    expect(parsePeriod('P1W')).toEqual({ ...none, weeks: 1 });
    expect(parsePeriod('P1Y2M3W4DT5H6M7S')).toEqual({ years: 1, months: 2, weeks: 3, days: 4, hours: 5, minutes: 6, seconds: 7 });
    expect(parsePeriod('P1D')).toEqual({ ...none, days: 1 });
    expect(parsePeriod('PT1H')).toEqual({ ...none, hours: 1 });
    expect(parsePeriod('P3M')).toEqual({ ...none, months: 3 });
    expect(parsePeriod('P1Y')).toEqual({ ...none, years: 1 });
    expect(parsePeriod('PT1M')).toEqual({ ...none, minutes: 1 });
    expect(parsePeriod('PT60S')).toEqual({ ...none, seconds: 60 });
    expect(parsePeriod('PT90S')).toEqual({ ...none, seconds: 90 });
    expect(parsePeriod('PT36H')).toEqual({ ...none, hours: 36 });
    expect(parsePeriod('P1Y2M10DT2H30M')).toEqual({ ...none, years: 1, months: 2, days: 10, hours: 2, minutes: 30 });
    expect(parsePeriod('P1Y2M3DT4H5M6S')).toEqual({ years: 1, months: 2, weeks: 0, days: 3, hours: 4, minutes: 5, seconds: 6 });
  });

  it('accepts zero parts beside a non-zero one, leading zeros, and up to 10,000 years', () => {
    const none = { years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 };
    expect(parsePeriod('P0Y1M')).toEqual({ ...none, months: 1 });
    expect(parsePeriod('PT0H1M0S')).toEqual({ ...none, minutes: 1 });
    expect(parsePeriod('P01M')).toEqual({ ...none, months: 1 });
    expect(parsePeriod('P10000Y')).toEqual({ ...none, years: 10_000 });
    expect(parsePeriod('P120000M')).toEqual({ ...none, months: 120_000 });
    expect(parsePeriod(`PT${'0'.repeat(28)}1M`)).toEqual({ ...none, minutes: 1 }); // 32 characters, the column's width
  });

  it('refuses what is malformed, zero, or shorter than a minute', () => {
    const refused = [
      // empty, zero, too short
      '', 'P', 'PT', 'P0D', 'P0W', 'PT0S', 'P0Y0M0DT0H0M0S', 'PT59S', 'PT30S', 'PT1S', 'P0Y0M0DT0H0M59S',
      // signs, fractions, case, spaces
      '-P1M', '+P1M', 'P-1M', 'P1.5M', 'P1,5M', 'PT0.5H', 'p1m', 'P1m', 'Pt1M', 'pt1m', 'P1M ', ' P1M', 'P1M\n', 'P 1M',
      // structure: order, repeats, a T without time, time units before T, no P
      'P1D1M', 'PT1M1H', 'P1M1M', 'P1MT', 'P1H', 'P1S', 'PT1D', 'PT1Y', '1M', 'M', 'P1', 'PT1', 'P1X', 'P2D1W', 'P1WT', 'P1W1W',
      // the alternative and calendar-date formats, non-ASCII digits
      'P0001-02-03', 'P0000-01', 'PT１M', 'P٣M',
      // longer than 10,000 years or than the column (32 characters)
      'P10001Y', 'P120001M', 'P99999999999999999999999999999Y', `PT${'0'.repeat(29)}1M`,
    ];
    for (const text of refused) {
      expect([text, parsePeriod(text)]).toEqual([text, undefined]);
    }
  });
});

describe('parseDuration', () => {
  it('accepts what parsePeriod accepts, and also durations of a second up to a minute', () => {
    expect(parseDuration('PT1S')).toEqual({ years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 1 });
    expect(parseDuration('PT59S')?.seconds).toBe(59);
    expect(parseDuration('PT30S')?.seconds).toBe(30);
    expect(parseDuration('P1W')?.weeks).toBe(1);
    expect(parseDuration('P1Y2M10DT2H30M')).toEqual(parsePeriod('P1Y2M10DT2H30M'));
  });

  it('takes zero, and refuses what is malformed', () => {
    for (const zero of ['P0D', 'PT0S', 'P0W']) expect(parseDuration(zero)).toEqual({ years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 });
    for (const text of ['', 'P', 'PT', '-PT1S', 'PT0.5S', 'pt1s', 'PT1S ', 'P1D1W', 'P10001Y']) {
      expect([text, parseDuration(text)]).toEqual([text, undefined]);
    }
  });
});

describe('periodStart', () => {
  it('is the start itself for n = 0, whatever the period', () => {
    for (const period of ['PT1M', 'PT1H', 'P1D', 'P1W', 'P1M', 'P3M', 'P1Y', 'P1Y2M10DT2H30M']) {
      expect(startsOf('2026-01-31T10:00:00.250Z', period, NEW_YORK, [0])).toEqual(['2026-01-31T10:00:00.250Z']);
    }
  });

  it('steps by every example period of the SPEC', () => {
    const start = '2026-01-31T10:00:00.000Z';
    expect(startsOf(start, 'PT1M', 'UTC', [1, 2, 60])).toEqual(['2026-01-31T10:01:00.000Z', '2026-01-31T10:02:00.000Z', '2026-01-31T11:00:00.000Z']);
    expect(startsOf(start, 'PT90S', 'UTC', [1, 2])).toEqual(['2026-01-31T10:01:30.000Z', '2026-01-31T10:03:00.000Z']);
    expect(startsOf(start, 'PT1H', 'UTC', [1, 14, 24])).toEqual(['2026-01-31T11:00:00.000Z', '2026-02-01T00:00:00.000Z', '2026-02-01T10:00:00.000Z']);
    expect(startsOf(start, 'P1D', 'UTC', [1, 2, 29])).toEqual(['2026-02-01T10:00:00.000Z', '2026-02-02T10:00:00.000Z', '2026-03-01T10:00:00.000Z']);
    expect(startsOf(start, 'P1W', 'UTC', [1, 2, 4])).toEqual(['2026-02-07T10:00:00.000Z', '2026-02-14T10:00:00.000Z', '2026-02-28T10:00:00.000Z']);
    expect(startsOf(start, 'P1M', 'UTC', [1, 2, 11])).toEqual(['2026-02-28T10:00:00.000Z', '2026-03-31T10:00:00.000Z', '2026-12-31T10:00:00.000Z']);
    expect(startsOf(start, 'P3M', 'UTC', [1, 2, 3, 4])).toEqual([
      '2026-04-30T10:00:00.000Z',
      '2026-07-31T10:00:00.000Z',
      '2026-10-31T10:00:00.000Z',
      '2027-01-31T10:00:00.000Z',
    ]);
    expect(startsOf(start, 'P1Y', 'UTC', [1, 2])).toEqual(['2027-01-31T10:00:00.000Z', '2028-01-31T10:00:00.000Z']);
    // Years and months move the calendar first (clamped), then days, then the exact time.
    expect(startsOf(start, 'P1Y2M10DT2H30M', 'UTC', [1, 2])).toEqual(['2027-04-10T12:30:00.000Z', '2028-06-20T15:00:00.000Z']);
  });

  it('clamps monthly starts to the month end, computed from the start and never chained', () => {
    expect(startsOf('2026-01-31T10:00:00Z', 'P1M', 'UTC', [1, 2, 3, 4, 5])).toEqual([
      '2026-02-28T10:00:00.000Z',
      '2026-03-31T10:00:00.000Z',
      '2026-04-30T10:00:00.000Z',
      '2026-05-31T10:00:00.000Z',
      '2026-06-30T10:00:00.000Z',
    ]);
    expect(startsOf('2028-01-31T10:00:00Z', 'P1M', 'UTC', [1, 2, 13])).toEqual([
      '2028-02-29T10:00:00.000Z',
      '2028-03-31T10:00:00.000Z',
      '2029-02-28T10:00:00.000Z',
    ]);
    expect(startsOf('2028-02-29T10:00:00Z', 'P1Y', 'UTC', [1, 2, 3, 4, 8])).toEqual([
      '2029-02-28T10:00:00.000Z',
      '2030-02-28T10:00:00.000Z',
      '2031-02-28T10:00:00.000Z',
      '2032-02-29T10:00:00.000Z',
      '2036-02-29T10:00:00.000Z',
    ]);
    // Month ends of the zone's calendar, not of UTC: 31 Jan 22:00 in New York is 1 Feb in UTC.
    expect(startsOf('2026-02-01T03:00:00Z', 'P1M', NEW_YORK, [1, 2])).toEqual(['2026-03-01T03:00:00.000Z', '2026-04-01T02:00:00.000Z']);
  });

  it('keeps 09:30 in New York across both DST switches, daily and monthly', () => {
    // 2026: clocks go 02:00 EST → 03:00 EDT on 8 March, 02:00 EDT → 01:00 EST on 1 November.
    expect(startsOf('2026-03-06T14:30:00Z', 'P1D', NEW_YORK, [1, 2, 3])).toEqual([
      '2026-03-07T14:30:00.000Z',
      '2026-03-08T13:30:00.000Z',
      '2026-03-09T13:30:00.000Z',
    ]);
    expect(startsOf('2026-10-30T13:30:00Z', 'P1D', NEW_YORK, [1, 2, 3])).toEqual([
      '2026-10-31T13:30:00.000Z',
      '2026-11-01T14:30:00.000Z',
      '2026-11-02T14:30:00.000Z',
    ]);
    expect(startsOf('2026-01-15T14:30:00Z', 'P1M', NEW_YORK, [1, 2, 6, 9, 10, 12])).toEqual([
      '2026-02-15T14:30:00.000Z',
      '2026-03-15T13:30:00.000Z',
      '2026-07-15T13:30:00.000Z',
      '2026-10-15T13:30:00.000Z',
      '2026-11-15T14:30:00.000Z',
      '2027-01-15T14:30:00.000Z',
    ]);
    expect(startsOf('2026-03-02T14:30:00Z', 'P1W', NEW_YORK, [1, 2])).toEqual(['2026-03-09T13:30:00.000Z', '2026-03-16T13:30:00.000Z']);
  });

  it('counts hours, minutes and seconds as exact elapsed time across DST', () => {
    // 01:30 EST, then 03:30 EDT: the 02:00 → 03:00 jump is not an hour of the subscription.
    expect(startsOf('2026-03-08T06:30:00Z', 'PT1H', NEW_YORK, [1, 2])).toEqual(['2026-03-08T07:30:00.000Z', '2026-03-08T08:30:00.000Z']);
    // 01:30 EDT, then 01:30 EST: the repeated hour is an hour of the subscription.
    expect(startsOf('2026-11-01T05:30:00Z', 'PT1H', NEW_YORK, [1, 2])).toEqual(['2026-11-01T06:30:00.000Z', '2026-11-01T07:30:00.000Z']);
    expect(startsOf('2026-03-07T14:30:00Z', 'PT24H', NEW_YORK, [1])).toEqual(['2026-03-08T14:30:00.000Z']);
    // Mixed: the day keeps the wall clock, the hour is then exact.
    expect(startsOf('2026-03-07T14:30:00Z', 'P1DT1H', NEW_YORK, [1])).toEqual(['2026-03-08T14:30:00.000Z']);
  });

  it('moves a start that falls in the spring gap forward by the gap, and keeps the local time after it', () => {
    // Daily at 02:30 EST: 8 March 02:30 does not exist, so that period starts at 03:30 EDT.
    expect(startsOf('2026-03-07T07:30:00Z', 'P1D', NEW_YORK, [1, 2])).toEqual(['2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z']);
    expect(startsOf('2026-02-08T07:30:00Z', 'P1M', NEW_YORK, [1, 2])).toEqual(['2026-03-08T07:30:00.000Z', '2026-04-08T06:30:00.000Z']);
    // A subscription whose start was typed as "2026-03-08 02:30" starts at 03:30 EDT and stays at 03:30.
    expect(startsOf('2026-03-08T07:30:00Z', 'P1D', NEW_YORK, [0, 1])).toEqual(['2026-03-08T07:30:00.000Z', '2026-03-09T07:30:00.000Z']);
  });

  it('takes the first occurrence of a time in the autumn overlap, as input datetimes do', () => {
    // 1 November 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST).
    expect(startsOf('2026-10-31T05:30:00Z', 'P1D', NEW_YORK, [1, 2])).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
    // The same when the subscription started on winter time.
    expect(startsOf('2026-01-01T06:30:00Z', 'P1D', NEW_YORK, [304, 305])).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
    // A start at the second occurrence is still period 0 exactly.
    expect(startsOf('2026-11-01T06:30:00Z', 'P1D', NEW_YORK, [0, 1])).toEqual(['2026-11-01T06:30:00.000Z', '2026-11-02T06:30:00.000Z']);
  });

  it('gives a day the zone skipped a period of no length (Samoa skipped 30 December 2011)', () => {
    expect(startsOf('2011-12-28T20:00:00Z', 'P1D', 'Pacific/Apia', [1, 2, 3, 4])).toEqual([
      '2011-12-29T20:00:00.000Z',
      '2011-12-30T20:00:00.000Z',
      '2011-12-30T20:00:00.000Z',
      '2011-12-31T20:00:00.000Z',
    ]);
    expect(indexAt('2011-12-28T20:00:00Z', 'P1D', 'Pacific/Apia', '2011-12-30T20:00:00Z')).toBe(3);
  });

  it('refuses a negative or fractional index and an unknown zone', () => {
    const start = new Date('2026-01-31T10:00:00Z');
    expect(() => periodStart(start, duration('P1M'), -1, 'UTC')).toThrow(RangeError);
    expect(() => periodStart(start, duration('P1M'), 1.5, 'UTC')).toThrow(RangeError);
    expect(() => periodStart(start, duration('P1M'), 1, 'Mars/Olympus_Mons')).toThrow(RangeError);
  });
});

describe('plus', () => {
  it('adds a duration with the same rules as periods', () => {
    expect(plus(new Date('2026-01-31T10:00:00Z'), duration('P1M'), 'UTC').toISOString()).toBe('2026-02-28T10:00:00.000Z');
    expect(plus(new Date('2026-03-07T14:30:00Z'), duration('P1D'), NEW_YORK).toISOString()).toBe('2026-03-08T13:30:00.000Z');
    expect(plus(new Date('2026-03-08T06:30:00Z'), duration('PT1H'), NEW_YORK).toISOString()).toBe('2026-03-08T07:30:00.000Z');
    expect(plus(new Date('2026-01-31T10:00:00Z'), duration('PT1S'), NEW_YORK).toISOString()).toBe('2026-01-31T10:00:01.000Z');
    expect(plus(new Date('2026-01-31T10:00:00Z'), duration('P3DT12H'), 'UTC').toISOString()).toBe('2026-02-03T22:00:00.000Z');
  });
});

describe('periodIndexAt', () => {
  it('is n exactly at the start of period n, and n − 1 a millisecond before', () => {
    const cases: [string, string, string][] = [
      ['2026-01-31T10:00:00Z', 'P1M', NEW_YORK],
      ['2026-01-31T10:00:00Z', 'P1M', 'UTC'],
      ['2026-03-06T14:30:00Z', 'P1D', NEW_YORK],
      ['2026-03-08T06:30:00Z', 'PT1H', NEW_YORK],
      ['2028-02-29T10:00:00Z', 'P1Y', 'UTC'],
      ['2026-01-31T10:00:00Z', 'P1Y2M10DT2H30M', NEW_YORK],
      ['2026-01-31T10:00:00.999Z', 'PT1M', NEW_YORK],
      // Periods longer than the average so far, where the estimate overshoots and steps back:
      ['2026-01-01T10:00:00Z', 'P1M', 'UTC'], // 31 days
      ['2026-10-30T13:30:00Z', 'P1D', NEW_YORK], // 25 hours on 1 November
      ['2023-03-01T10:00:00Z', 'P1Y', 'UTC'], // 366 days
    ];
    for (const [start, period, zone] of cases) {
      for (const n of [1, 2, 3, 10, 25, 100]) {
        const boundary = periodStart(new Date(start), duration(period), n, zone).getTime();
        expect([start, period, n, indexAt(start, period, zone, boundary)]).toEqual([start, period, n, n]);
        expect([start, period, n, indexAt(start, period, zone, boundary - 1)]).toEqual([start, period, n, n - 1]);
      }
    }
  });

  it('names periods by hand-counted instants', () => {
    expect(indexAt('2026-01-31T10:00:00Z', 'P1M', 'UTC', '2026-02-28T09:59:59.999Z')).toBe(0);
    expect(indexAt('2026-01-31T10:00:00Z', 'P1M', 'UTC', '2026-02-28T10:00:00Z')).toBe(1);
    expect(indexAt('2026-01-31T10:00:00Z', 'P1M', 'UTC', '2026-03-30T23:00:00Z')).toBe(1);
    expect(indexAt('2026-01-31T10:00:00Z', 'P1M', 'UTC', '2026-03-31T10:00:00Z')).toBe(2);
    expect(indexAt('2026-03-06T14:30:00Z', 'P1D', NEW_YORK, '2026-03-08T13:29:59.999Z')).toBe(1);
    expect(indexAt('2026-03-06T14:30:00Z', 'P1D', NEW_YORK, '2026-03-08T13:30:00Z')).toBe(2);
  });

  it('is 0 at the start and −1 before it', () => {
    expect(indexAt('2026-01-31T10:00:00Z', 'P1M', NEW_YORK, '2026-01-31T10:00:00Z')).toBe(0);
    expect(indexAt('2026-01-31T10:00:00Z', 'P1M', NEW_YORK, '2026-01-31T09:59:59.999Z')).toBe(-1);
    expect(indexAt('2026-01-31T10:00:00Z', 'PT1M', NEW_YORK, '2020-01-01T00:00:00Z')).toBe(-1);
  });

  // "Now" is fixed; five years back from it the subscription started, one minute a period.
  const now = '2026-11-27T08:17:42.500Z';
  const fiveYearsAgo = '2021-11-27T08:17:42.500Z';

  it('counts a PT1M subscription started five years ago, at once', () => {
    // 1826 days (2024 is a leap year) of 1440 minutes.
    expect(indexAt(fiveYearsAgo, 'PT1M', NEW_YORK, now)).toBe(2_629_440);
    expect(indexAt(fiveYearsAgo, 'PT1M', NEW_YORK, Date.parse(now) - 1)).toBe(2_629_439);
    expect(indexAt(fiveYearsAgo, 'PT1M', NEW_YORK, Date.parse(now) + 59_999)).toBe(2_629_440);

    // Exact elapsed minutes, a thousand instants on (a loop from period 0 would walk 2.6 million periods a call).
    const instants = Array.from({ length: 1000 }, (_, i) => Date.parse(now) + i * 7_919);
    expect(instants.map((at) => indexAt(fiveYearsAgo, 'PT1M', NEW_YORK, at))).toEqual(
      instants.map((at) => Math.floor((at - Date.parse(fiveYearsAgo)) / 60_000)),
    );
  });

  it('agrees with a minute-by-minute walk on seeded random instants', () => {
    const random = seeded(20261127);
    const start = Date.parse(fiveYearsAgo);
    for (let i = 0; i < 8; i++) {
      const at = start + Math.floor(random() * (Date.parse(now) - start));
      let walked = 0;
      for (let next = start + 60_000; next <= at; next += 60_000) walked++;
      expect([at, indexAt(fiveYearsAgo, 'PT1M', NEW_YORK, at)]).toEqual([at, walked]);
    }
  });

  it('agrees with a search over every period start, for calendar periods in a DST zone', () => {
    const random = seeded(42);
    const end = Date.parse(now);
    for (const period of ['P1D', 'P1W', 'P1M', 'P3M', 'P1Y', 'P1DT1H', 'P1M15D']) {
      const starts: number[] = [];
      for (let n = 0; starts.at(-1) === undefined || starts.at(-1)! <= end; n++) {
        starts.push(periodStart(new Date(fiveYearsAgo), duration(period), n, NEW_YORK).getTime());
      }
      for (let i = 0; i < 25; i++) {
        const at = Date.parse(fiveYearsAgo) + Math.floor(random() * (end - Date.parse(fiveYearsAgo)));
        const searched = starts.findLastIndex((periodStartMs) => periodStartMs <= at);
        expect([period, at, indexAt(fiveYearsAgo, period, NEW_YORK, at)]).toEqual([period, at, searched]);
      }
    }
  });
});

describe('refundOf', () => {
  const from = new Date('2026-01-01T00:00:00Z');
  const till = new Date('2026-01-31T00:00:00Z'); // 30 days
  const refund = (fee: string, at: string | number, scale = 2) => refundOf(new Decimal(fee), from, till, new Date(at), scale).toString();

  it('refunds the unused share of the fee, rounded half to even', () => {
    // Stopped after 10 of 30 days: two thirds unused.
    expect(refund('9.99', '2026-01-11T00:00:00Z')).toBe('6.66');
    expect(refund('10.00', '2026-01-11T00:00:00Z')).toBe('6.67');
    expect(refund('10.00', '2026-01-21T00:00:00Z')).toBe('3.33');
    expect(refund('10.00', '2026-01-11T00:00:00Z', 8)).toBe('6.66666667');
    expect(refund('10', '2026-01-11T00:00:00Z', 0)).toBe('7');
  });

  it('rounds an exact tie to the even digit', () => {
    // Stopped after 22.5 of 30 days: a quarter unused.
    expect(refund('0.10', '2026-01-23T12:00:00Z')).toBe('0.02'); // 0.025
    expect(refund('0.30', '2026-01-23T12:00:00Z')).toBe('0.08'); // 0.075
    expect(refund('0.50', '2026-01-16T00:00:00Z')).toBe('0.25'); // not a tie: exact
    expect(refund('0.05', '2026-01-16T00:00:00Z')).toBe('0.02'); // 0.025
  });

  it('truncates the unused time to the whole second', () => {
    const dayFrom = new Date('2026-01-01T00:00:00Z');
    const dayTill = new Date('2026-01-02T00:00:00Z');
    // One unit a second: the refund counts the whole unused seconds.
    const perSecond = (at: number) => refundOf(new Decimal('86400'), dayFrom, dayTill, new Date(at), 2).toString();
    expect(perSecond(dayFrom.getTime() + 400)).toBe('86399');
    expect(perSecond(dayFrom.getTime() + 10_999)).toBe('86389');
    expect(perSecond(dayFrom.getTime() + 11_000)).toBe('86389');
    expect(perSecond(dayTill.getTime() - 999)).toBe('0');
    expect(perSecond(dayTill.getTime() - 1000)).toBe('1');
  });

  it('is the whole fee at or before the start, and zero at or after the end', () => {
    expect(refund('9.99', '2026-01-01T00:00:00Z')).toBe('9.99');
    expect(refund('9.99', '2025-12-31T00:00:00Z')).toBe('9.99');
    expect(refund('9.99', '2026-01-31T00:00:00Z')).toBe('0');
    expect(refund('9.99', '2026-02-15T00:00:00Z')).toBe('0');
    // Always at the given scale, even the whole fee.
    expect(refund('9.995', '2026-01-01T00:00:00Z')).toBe('10');
    expect(refund('9.985', '2026-01-01T00:00:00Z')).toBe('9.98');
  });

  it('refuses a period that ends before it starts', () => {
    expect(() => refundOf(new Decimal('1'), till, from, from, 2)).toThrow(RangeError);
  });
});
