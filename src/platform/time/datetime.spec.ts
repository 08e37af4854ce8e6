import fc from 'fast-check';
import { DateTime } from 'luxon';
import { formatDate, formatDateTime, parseDateTime, yearIn } from './datetime';

const iso = (date: Date | undefined) => date?.toISOString();

describe('parseDateTime', () => {
  it('reads naive datetimes in the given zone, in both notations', () => {
    expect(iso(parseDateTime('2026-01-15 09:30:00', 'America/New_York'))).toBe('2026-01-15T14:30:00.000Z');
    expect(iso(parseDateTime('2026-07-15T09:30:00', 'America/New_York'))).toBe('2026-07-15T13:30:00.000Z');
    expect(iso(parseDateTime('2026-01-15 09:30', 'Asia/Kolkata'))).toBe('2026-01-15T04:00:00.000Z');
    expect(iso(parseDateTime('2026-01-15', 'Asia/Kolkata'))).toBe('2026-01-14T18:30:00.000Z');
    expect(iso(parseDateTime('2026-01-15 09:30:00.125', 'UTC'))).toBe('2026-01-15T09:30:00.125Z');
  });

  it('keeps an offset or Z as written, whatever the zone', () => {
    expect(iso(parseDateTime('2026-01-15T09:30:00Z', 'Asia/Kolkata'))).toBe('2026-01-15T09:30:00.000Z');
    expect(iso(parseDateTime('2026-01-15T09:30:00-05:00', 'Asia/Kolkata'))).toBe('2026-01-15T14:30:00.000Z');
    expect(iso(parseDateTime('2026-01-15 09:30:00+0530', 'America/New_York'))).toBe('2026-01-15T04:00:00.000Z');
  });

  it('moves a time in the spring gap forward by the gap', () => {
    // 2026-03-08 02:30 does not exist in New York: clocks jump from 02:00 EST to 03:00 EDT.
    expect(iso(parseDateTime('2026-03-08 02:30:00', 'America/New_York'))).toBe('2026-03-08T07:30:00.000Z');
    expect(formatDateTime(parseDateTime('2026-03-08 02:30:00', 'America/New_York')!, 'America/New_York')).toBe(
      '2026-03-08T03:30:00-04:00',
    );
  });

  it('takes the first occurrence of a time in the autumn overlap', () => {
    // 2026-11-01 01:30 happens twice in New York: at 05:30Z (EDT) and again at 06:30Z (EST).
    expect(iso(parseDateTime('2026-11-01 01:30:00', 'America/New_York'))).toBe('2026-11-01T05:30:00.000Z');
    expect(iso(parseDateTime('2026-11-01T01:30:00-05:00', 'America/New_York'))).toBe('2026-11-01T06:30:00.000Z');
  });

  it('refuses what is not a datetime', () => {
    for (const text of ['2026-02-30 10:00:00', '2026-13-01', 'yesterday', '2026-01-15 25:00:00', '15.01.2026', '', '2026-01-15T10:00:00+25:00', '2026-01-15T10:00:00+05:99']) {
      expect(parseDateTime(text, 'UTC')).toBeUndefined();
    }
  });
});

describe('formatDate and yearIn', () => {
  it('name the calendar date and year of the instant in the zone', () => {
    // 22:30Z on 31 October 2026 is already 1 November in Kyiv (UTC+2 after the autumn change).
    expect(formatDate(new Date('2026-10-31T22:30:00Z'), 'Europe/Kyiv')).toBe('2026-11-01');
    expect(formatDate(new Date('2026-10-31T21:59:59Z'), 'Europe/Kyiv')).toBe('2026-10-31');
    expect(formatDate(new Date('2026-01-01T03:00:00Z'), 'America/New_York')).toBe('2025-12-31');
    expect([yearIn(new Date('2026-01-01T03:00:00Z'), 'America/New_York'), yearIn(new Date('2026-01-01T03:00:00Z'), 'UTC')]).toEqual([2025, 2026]);
    expect(yearIn(new Date('2025-12-31T22:00:00Z'), 'Europe/Kyiv')).toBe(2026);
  });
});

describe('formatDateTime', () => {
  it('renders the offset in force at that instant', () => {
    expect(formatDateTime(new Date('2026-01-15T14:30:00Z'), 'America/New_York')).toBe('2026-01-15T09:30:00-05:00');
    expect(formatDateTime(new Date('2026-07-15T13:30:00Z'), 'America/New_York')).toBe('2026-07-15T09:30:00-04:00');
    expect(formatDateTime(new Date('2026-01-15T04:00:00Z'), 'Asia/Kolkata')).toBe('2026-01-15T09:30:00+05:30');
    expect(formatDateTime(new Date('2026-01-15T04:00:00Z'), 'UTC')).toBe('2026-01-15T04:00:00+00:00');
  });
});

describe('formatDateTime', () => {
  const zones = ['UTC', 'America/New_York', 'Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/St_Johns', 'Europe/Kyiv'];

  it('names the exact instant (to the second), for any instant from 1000 to 9998 in zones with odd, historic and DST offsets', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1000, 0, 2), max: Date.UTC(9998, 11, 30) }), fc.constantFrom(...zones), (ms, zone) => {
        const written = formatDateTime(new Date(ms), zone);
        expect(written).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
        expect(new Date(written).getTime()).toBe(Math.floor(ms / 1000) * 1000);
      }),
      { numRuns: 2000 },
    );
  });

  it('writes what luxon writes wherever offsets are whole minutes (since 1970 in these zones)', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2100, 0, 1) }), fc.constantFrom(...zones), (ms, zone) => {
        const instant = new Date(ms);
        expect(formatDateTime(instant, zone)).toBe(DateTime.fromJSDate(instant, { zone }).toFormat("yyyy-MM-dd'T'HH:mm:ssZZ"));
      }),
      { numRuns: 2000 },
    );
  });
});
