import { DateTime, IANAZone } from 'luxon';

/** A datetime parseDateTime reads, unanchored (the API documents build their pattern from it). */
export const DATETIME_BODY = String.raw`(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?([Zz]|[+-](?:0\d|1[0-4]):?[0-5]\d)?`;

const DATETIME = new RegExp(`^${DATETIME_BODY}$`);

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

// A zone's offset comes from Intl (~25 µs a call); rows of one page share a few quarter hours.
const QUARTER_HOUR_MS = 15 * 60_000;
const offsets = new Map<string, number>();

/** The zone's UTC offset in minutes at that instant. */
function offsetAt(zone: string, ms: number): number {
  if (zone === 'UTC') return 0;
  const quarter = Math.floor(ms / QUARTER_HOUR_MS);
  const key = `${zone} ${quarter}`;
  const cached = offsets.get(key);
  if (cached !== undefined) return cached;
  const iana = IANAZone.create(zone);
  const first = iana.offset(quarter * QUARTER_HOUR_MS);
  // Kept only when the whole quarter hour has one offset (no change of offset inside it).
  if (first !== iana.offset((quarter + 1) * QUARTER_HOUR_MS - 1)) return iana.offset(ms);
  if (offsets.size >= 100_000) offsets.clear();
  offsets.set(key, first);
  return first;
}

/**
 * ISO 8601 with the zone's offset at that instant, e.g. 2026-11-25T09:30:00-05:00. Written by
 * hand from the offset (luxon's formatting costs ~50 µs a call, and a page holds thousands).
 */
export function formatDateTime(instant: Date, zone: string): string {
  // ISO 8601 offsets have no seconds (historic LMT ones do): the time is written for the offset as written.
  const offset = Math.trunc(offsetAt(zone, instant.getTime()));
  const local = new Date(instant.getTime() + offset * 60_000);
  const sign = offset < 0 ? '-' : '+';
  return (
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
    `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`
  );
}

/** The calendar date of that instant in the zone, e.g. 2026-11-25 (as formatDateTime writes it, without the time). */
export function formatDate(instant: Date, zone: string): string {
  return formatDateTime(instant, zone).slice(0, 10);
}

/** The calendar year of that instant in the zone. */
export function yearIn(instant: Date, zone: string): number {
  return Number(formatDateTime(instant, zone).slice(0, 4));
}

/**
 * Reads `2026-11-25 09:30:00`, `2026-11-25T09:30:00`, a date alone (midnight), with optional
 * fractions; with an offset or Z it is kept as written, without one it is read in `zone`.
 * Local times that do not exist or exist twice around DST changes are resolved as documented:
 * a time in the spring gap moves forward by the gap (02:30 → 03:30), a time in the autumn
 * overlap is its first occurrence (the earlier instant, still on summer time).
 * Answers undefined for anything else, including impossible dates and instants outside the
 * years 1000 to 9998.
 */
export function parseDateTime(text: string, zone: string): Date | undefined {
  const match = DATETIME.exec(text.trim());
  if (!match) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '0', offset] = match;
  const fields = {
    year: Number(year),
    month: Number(month),
    day: Number(day),
    hour: Number(hour),
    minute: Number(minute),
    second: Number(second),
    millisecond: Math.floor(Number(`0.${fraction}`) * 1000),
  };
  const asUtc = DateTime.fromObject(fields, { zone: 'UTC' });
  if (!asUtc.isValid || asUtc.hour !== fields.hour || asUtc.day !== fields.day) return undefined;
  const instant = offset
    ? asUtc.toMillis() - (offset.toUpperCase() === 'Z' ? 0 : offsetMinutes(offset)) * 60_000
    : localToInstant(asUtc.toMillis(), IANAZone.create(zone));
  return instant >= EARLIEST && instant < LATEST ? new Date(instant) : undefined;
}

// Instants every zone (±14 h) writes with a four-digit year, and both databases store as such.
const EARLIEST = Date.UTC(1000, 0, 2);
const LATEST = Date.UTC(9998, 11, 31);

function offsetMinutes(offset: string): number {
  const digits = offset.replace(':', '');
  const sign = digits.startsWith('-') ? -1 : 1;
  return sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
}

/** The instant a wall-clock time (given as if it were UTC) names in `zone`, with the DST rules above. */
function localToInstant(wallClock: number, zone: IANAZone): number {
  const offsets = [...new Set([zone.offset(wallClock - 86_400_000), zone.offset(wallClock + 86_400_000)])];
  const candidates = offsets
    .map((offset) => wallClock - offset * 60_000)
    .filter((instant) => zone.offset(instant) * 60_000 === wallClock - instant)
    .sort((a, b) => a - b);
  if (candidates.length > 0) return candidates[0];
  // In a gap: read with the offset in force before it, which lands after the gap by its length.
  return wallClock - zone.offset(wallClock - 86_400_000) * 60_000;
}
