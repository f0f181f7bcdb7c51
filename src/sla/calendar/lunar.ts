import { CalendarVietnamese } from 'date-chinese';
import { dayNumberFromYmd } from './civil-date';

/**
 * Vietnamese lunar calendar via date-chinese's CalendarVietnamese, which computes new moons and
 * solar terms astronomically for the UTC+7 meridian from 1968 (Chinese libraries use UTC+8 and
 * differ for Tết 1985/2007/2030/2053). Only JDE arithmetic is used (newYear/toGregorian), never
 * toDate/fromDate, which go through the process-local timezone.
 */

export const MIN_LUNAR_YEAR = 1968;
export const MAX_LUNAR_YEAR = 2099;

// One shared instance: it memoises new years and solar terms internally (single-threaded, and
// every call sets the lunar date it converts first).
const calendar = new CalendarVietnamese();

function assertYear(year: number): void {
  if (!Number.isInteger(year) || year < MIN_LUNAR_YEAR || year > MAX_LUNAR_YEAR) {
    throw new RangeError(`Vietnamese lunar calendar supported for ${MIN_LUNAR_YEAR}–${MAX_LUNAR_YEAR}, got ${year}`);
  }
}

/** Day number of lunar (month, day) in the lunar year that starts in `gregorianYear`. */
export function lunarToDayNumber(gregorianYear: number, month: number, day: number, leap = false): number {
  assertYear(gregorianYear);
  // cycle/year are ignored when toGregorian is given the Gregorian year explicitly.
  calendar.set(0, 0, month, leap ? 1 : 0, day);
  const g = calendar.toGregorian(gregorianYear);
  return dayNumberFromYmd(g.year, g.month, g.day);
}

/**
 * Length (29 or 30 days) of the last lunar month before Tết of `gregorianYear`, i.e. the lunar
 * day-of-month of New Year's Eve ("29 Tết" or "30 Tết").
 */
export function lastLunarMonthLength(gregorianYear: number): number {
  assertYear(gregorianYear);
  const newYear = calendar.newYear(gregorianYear); // JDE of local midnight
  return Math.round(newYear - calendar.previousNewMoon(newYear - 1));
}
