/**
 * Calendar-date arithmetic on "day numbers" (days since 1970-01-01 of a local calendar).
 * Everything goes through Date.UTC / getUTC* so results never depend on the process TZ.
 */

export const MS_PER_MINUTE = 60_000;
export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;

/** Viet Nam has used UTC+7 without DST since 1975 (and date-chinese uses +7 from 1968). */
export const VN_UTC_OFFSET_MINUTES = 420;

/** Days since 1970-01-01 for a proleptic-Gregorian calendar date (month 1–12). */
export function dayNumberFromYmd(year: number, month: number, day: number): number {
  return Math.round(Date.UTC(year, month - 1, day) / MS_PER_DAY);
}

/** 'YYYY-MM-DD' for a day number. */
export function isoFromDayNumber(dayNumber: number): string {
  return new Date(dayNumber * MS_PER_DAY).toISOString().slice(0, 10);
}

export function yearOfDayNumber(dayNumber: number): number {
  return new Date(dayNumber * MS_PER_DAY).getUTCFullYear();
}

/** 0 = Sunday … 6 = Saturday, like Date#getUTCDay. */
export function weekdayOfDayNumber(dayNumber: number): number {
  return new Date(dayNumber * MS_PER_DAY).getUTCDay();
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Strict 'YYYY-MM-DD' → day number, or null if malformed or not a real date (e.g. 2026-02-30). */
export function tryParseIsoDate(text: string): number | null {
  const m = ISO_DATE.exec(text);
  if (!m) return null;
  const n = dayNumberFromYmd(Number(m[1]), Number(m[2]), Number(m[3]));
  return isoFromDayNumber(n) === text ? n : null;
}

export function parseIsoDate(text: string): number {
  const n = tryParseIsoDate(text);
  if (n === null) throw new RangeError(`Invalid calendar date "${text}" (expected YYYY-MM-DD)`);
  return n;
}

/** Local day number of an instant in a fixed-offset zone. */
export function localDayNumber(instantMs: number, utcOffsetMinutes: number): number {
  return Math.floor((instantMs + utcOffsetMinutes * MS_PER_MINUTE) / MS_PER_DAY);
}

/** UTC epoch ms of local midnight starting the given day. */
export function localMidnightMs(dayNumber: number, utcOffsetMinutes: number): number {
  return dayNumber * MS_PER_DAY - utcOffsetMinutes * MS_PER_MINUTE;
}
