import { DateTime, IANAZone } from 'luxon';
import Decimal from '../../platform/money/decimal';
import { toScale } from '../accounting/money';

/**
 * Periods of subscriptions (SPEC §10): ISO 8601 durations, period starts, the period holding an
 * instant, and the refund of a period stopped early. Pure: the clock and the zone are arguments.
 *
 * Local times that do not exist or exist twice are resolved as input datetimes are (SPEC §4,
 * platform/time/datetime.ts): a time in a gap moves forward by the gap (02:30 → 03:30 EDT), a
 * time in an overlap is its first occurrence (the earlier instant). A day a zone skipped whole
 * (Pacific/Apia, 30 Dec 2011) thus gives a daily subscription one period of no length.
 */

/** An ISO 8601 duration, parsed. All fields are non-negative integers. */
export interface Period {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
// The Gregorian calendar's average year: 400 years have 146,097 days.
const YEAR_MS = (146_097 / 400) * DAY_MS;
const MONTH_MS = YEAR_MS / 12;

// A duration fits the columns that hold it (varchar(32)) and lasts at most 10,000 years, so every
// sum and product below stays an exact integer of milliseconds.
const LONGEST_TEXT = 32;
const LONGEST_MS = 10_000 * YEAR_MS;

// PnYnMnWnDTnHnMnS with at least one part and, after T, at least one time part. Weeks may stand
// beside other units, as ISO 8601-2 and most libraries (luxon, Java's) allow.
const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/**
 * Parses an ISO 8601 duration such as P1M, P1W, P1D, PT1H, P3M, P1Y, P1Y2M10DT2H30M, PT90S, as
 * a package's `period`. Undefined when it is malformed (lower case, fractions, signs, spaces,
 * an empty `P` or `PT`, units out of order or repeated, more than 32 characters, longer than
 * 10,000 years) or shorter than PT1M.
 */
export function parsePeriod(text: string): Period | undefined {
  const period = parseDuration(text);
  if (period === undefined) return undefined;
  return hasCalendarPart(period) || exactMs(period) >= MINUTE_MS ? period : undefined;
}

/** The same, for durations that may be as short as one second (`renew_due`): zero too (a `renew_due` of P0D: no retry at all); undefined only when malformed. */
export function parseDuration(text: string): Period | undefined {
  if (typeof text !== 'string' || text.length > LONGEST_TEXT) return undefined;
  const [, years, months, weeks, days, hours, minutes, seconds] = DURATION.exec(text) ?? [];
  if ([years, months, weeks, days, hours, minutes, seconds].every((part) => part === undefined)) return undefined;
  const period: Period = {
    years: Number(years ?? 0),
    months: Number(months ?? 0),
    weeks: Number(weeks ?? 0),
    days: Number(days ?? 0),
    hours: Number(hours ?? 0),
    minutes: Number(minutes ?? 0),
    seconds: Number(seconds ?? 0),
  };
  const length = averageMs(period);
  return length <= LONGEST_MS ? period : undefined;
}

/**
 * Start of period n (n ≥ 0) of a subscription started at `start`: start + n × period, always
 * computed from start, in `zone`. Calendar units (years, months, weeks, days) move the local
 * wall clock, clamped to the month's end (31 Jan + P1M = 28/29 Feb), and keep its time across
 * DST; time units (hours, minutes, seconds) then add exact elapsed time. Period 0 is `start`
 * itself, even when `start` is the second occurrence of an overlapping local time.
 */
export function periodStart(start: Date, period: Period, n: number, zone: string): Date {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`A period index is a whole number ≥ 0, not ${n}`);
  return shift(start, period, n, zone);
}

/**
 * The index of the period that contains `at`: the largest n ≥ 0 with periodStart(n) ≤ at; -1
 * when at < start. Estimated from the average length of a period, then corrected by a step or
 * two (months differ from their average by days, days from theirs by a DST hour).
 */
export function periodIndexAt(start: Date, period: Period, zone: string, at: Date): number {
  const elapsed = at.getTime() - start.getTime();
  if (elapsed < 0) return -1;
  const average = averageMs(period);
  if (!(average > 0)) throw new RangeError('A period of no length has no index');
  let n = Math.floor(elapsed / average);
  while (n > 0 && periodStart(start, period, n, zone).getTime() > at.getTime()) n--;
  while (periodStart(start, period, n + 1, zone).getTime() <= at.getTime()) n++;
  return n;
}

/** `at` plus a duration in the zone (same unit rules as periodStart), e.g. a period's start + renew_due. */
export function plus(at: Date, duration: Period, zone: string): Date {
  return shift(at, duration, 1, zone);
}

/**
 * The refund of the unused part of a period's fee when stopped at `at`:
 * fee × (whole seconds from `at` to `till`) / (seconds from `from` to `till`), rounded half to
 * even to `scale` places. The unused time is truncated to the second, so a refund never
 * exceeds the exact share. Zero when at ≥ till; the whole fee (rounded to `scale`) when at ≤ from.
 */
export function refundOf(fee: Decimal, from: Date, till: Date, at: Date, scale: number): Decimal {
  const periodMs = till.getTime() - from.getTime();
  if (!(periodMs >= 0)) throw new RangeError('A period ends after it starts');
  if (at.getTime() >= till.getTime()) return new Decimal(0);
  if (at.getTime() <= from.getTime()) return toScale(fee, { scale });
  const unusedSeconds = Math.floor((till.getTime() - at.getTime()) / SECOND_MS);
  // 64 significant digits: a quotient by a count of milliseconds cannot land near a tie by accident.
  return toScale(fee.times(unusedSeconds * SECOND_MS).div(periodMs), { scale });
}

/** `from` plus `times` × duration in `zone`: calendar units on the local wall clock, then exact time. */
function shift(from: Date, duration: Period, times: number, zoneName: string): Date {
  const zone = IANAZone.create(zoneName);
  if (!zone.isValid) throw new RangeError(`Unknown time zone ${zoneName}`);
  const origin = from.getTime();
  if (!Number.isFinite(origin)) throw new RangeError('Invalid date');
  const calendar = {
    years: duration.years * times,
    months: duration.months * times,
    weeks: duration.weeks * times,
    days: duration.days * times,
  };
  let instant = origin;
  if (hasCalendarPart(calendar)) {
    // The wall clock read as if it were UTC, where luxon does pure calendar arithmetic.
    const wallClock = origin + offsetMs(zone, origin);
    instant = localToInstant(DateTime.fromMillis(wallClock, { zone: 'utc' }).plus(calendar).toMillis(), zone);
  }
  const result = new Date(instant + exactMs(duration) * times);
  if (Number.isNaN(result.getTime())) throw new RangeError('A period start beyond the dates JavaScript can hold');
  return result;
}

/** The instant a wall-clock time (given as if it were UTC) names in `zone`: gaps forward, overlaps first. */
function localToInstant(wallClock: number, zone: IANAZone): number {
  const before = offsetMs(zone, wallClock - DAY_MS);
  const after = offsetMs(zone, wallClock + DAY_MS);
  const candidates = [wallClock - before, wallClock - after].filter((instant) => offsetMs(zone, instant) === wallClock - instant);
  if (candidates.length > 0) return Math.min(...candidates);
  // In a gap: read with the offset in force before it, which lands after the gap by its length.
  return wallClock - before;
}

// Historic offsets (local mean time) have seconds, which luxon gives as fractional minutes.
const offsetMs = (zone: IANAZone, at: number) => Math.round(zone.offset(at) * MINUTE_MS);

const hasCalendarPart = (period: Pick<Period, 'years' | 'months' | 'weeks' | 'days'>) =>
  period.years !== 0 || period.months !== 0 || period.weeks !== 0 || period.days !== 0;

const exactMs = (period: Period) => period.hours * HOUR_MS + period.minutes * MINUTE_MS + period.seconds * SECOND_MS;

const averageMs = (period: Period) =>
  period.years * YEAR_MS + period.months * MONTH_MS + (period.weeks * 7 + period.days) * DAY_MS + exactMs(period);
