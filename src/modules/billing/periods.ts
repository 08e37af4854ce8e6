/**
 * ISO 8601 durations, as packages state their period and renew_due (SPEC §10):
 * P[nY][nM][nW][nD][T[nH][nM][nS]], whole numbers, at least one part.
 *
 * A minimal version written against the names and meaning of the full one (which adds the
 * arithmetic of periods); that one replaces this file when the branches meet.
 */
export interface Period {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** An ISO 8601 duration, or undefined when the text is not one (`P`, `PT`, fractions, signs, lower case). */
export function parseDuration(text: string): Period | undefined {
  const match = DURATION.exec(text);
  // `P` alone, and a `T` with nothing after it, name no part.
  if (!match || text === 'P' || text.endsWith('T')) return undefined;
  const parts = match.slice(1).map((part) => (part === undefined ? 0 : Number(part)));
  if (!parts.every(Number.isSafeInteger)) return undefined;
  const [years, months, weeks, days, hours, minutes, seconds] = parts;
  return { years, months, weeks, days, hours, minutes, seconds };
}

/** A duration a package may renew by: at least one minute in total. */
export function parsePeriod(text: string): Period | undefined {
  const period = parseDuration(text);
  if (!period) return undefined;
  const { years, months, weeks, days, hours, minutes, seconds } = period;
  const atLeastAMinute = years + months + weeks + days + hours + minutes > 0 || seconds >= 60;
  return atLeastAMinute ? period : undefined;
}
