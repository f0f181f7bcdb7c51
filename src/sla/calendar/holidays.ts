import {
  dayNumberFromYmd,
  isoFromDayNumber,
  weekdayOfDayNumber,
  yearOfDayNumber,
} from './civil-date';
import { lastLunarMonthLength, lunarToDayNumber, MAX_LUNAR_YEAR, MIN_LUNAR_YEAR } from './lunar';

/**
 * Statutory public holidays of Viet Nam (Labour Code 2019, Art. 112(1)) with the Art. 111(3)
 * substitution rule, computed for any year 1968–2099 when no annual notice is loaded.
 *
 * Defaults where the law leaves the choice to the Prime Minister (Art. 112(3)):
 * - Tết Âm lịch (5 days): the last day of the lunar year (30 Chạp, or 29 Chạp in a short year)
 *   plus mùng 1–4. This is the pattern of recent notices (e.g. 2025: 28/1–1/2, 2026: 16–20/2).
 * - Quốc khánh (2 days: 2/9 plus one adjacent day "before or after"): default 2/9 + 3/9 (the day
 *   after). Recent notices chose 1/9 (2025, 2026); those years are corrected by announcement data
 *   (data/calendar/vn-YYYY.json) rather than by guessing the Prime Minister's choice here.
 * The pending Vietnam Culture Day (24/11, Resolution 80-NQ/TW) is not law yet, so it is not
 * hard-coded; add it as a `day_off` adjustment once enacted.
 */

export interface HolidayEntry {
  /** Local (UTC+7) calendar date, YYYY-MM-DD. */
  date: string;
  name_vi: string;
  name_en: string;
  /** For an Art. 111(3) compensatory day: the date of the holiday that fell on a weekend. */
  substituteFor?: string;
}

export const MIN_HOLIDAY_YEAR = MIN_LUNAR_YEAR;
export const MAX_HOLIDAY_YEAR = MAX_LUNAR_YEAR;

export function lunarNewYearDate(year: number): string {
  return isoFromDayNumber(lunarToDayNumber(year, 1, 1));
}

/** Giỗ Tổ Hùng Vương: 10th day of the (non-leap) 3rd lunar month. */
export function hungKingsDate(year: number): string {
  return isoFromDayNumber(lunarToDayNumber(year, 3, 10));
}

interface RawHoliday {
  day: number;
  name_vi: string;
  name_en: string;
}

/** Statutory days only, before substitution. */
function statutoryDays(year: number): RawHoliday[] {
  const tet = lunarToDayNumber(year, 1, 1);
  const eve = tet - 1;
  const eveLunarDay = lastLunarMonthLength(year);
  const days: RawHoliday[] = [
    { day: dayNumberFromYmd(year, 1, 1), name_vi: 'Tết Dương lịch', name_en: "New Year's Day" },
    {
      day: eve,
      name_vi: `Tết Nguyên đán (${eveLunarDay} tháng Chạp)`,
      name_en: "Lunar New Year (Tết) – lunar New Year's Eve",
    },
  ];
  for (let k = 1; k <= 4; k++) {
    days.push({ day: tet + k - 1, name_vi: `Tết Nguyên đán (mùng ${k})`, name_en: `Lunar New Year (Tết) – day ${k}` });
  }
  days.push(
    { day: lunarToDayNumber(year, 3, 10), name_vi: 'Giỗ Tổ Hùng Vương (10/3 âm lịch)', name_en: "Hùng Kings' Commemoration Day" },
    {
      day: dayNumberFromYmd(year, 4, 30),
      name_vi: 'Ngày Chiến thắng (Giải phóng miền Nam, thống nhất đất nước)',
      name_en: 'Reunification Day',
    },
    { day: dayNumberFromYmd(year, 5, 1), name_vi: 'Ngày Quốc tế Lao động', name_en: 'International Labour Day' },
    { day: dayNumberFromYmd(year, 9, 2), name_vi: 'Quốc khánh', name_en: 'National Day' },
    { day: dayNumberFromYmd(year, 9, 3), name_vi: 'Quốc khánh (ngày liền kề)', name_en: 'National Day (adjacent day)' },
  );
  return days.sort((a, b) => a.day - b.day);
}

function isWeeklyRest(day: number): boolean {
  const wd = weekdayOfDayNumber(day);
  return wd === 0 || wd === 6;
}

/**
 * Uncached computation; exported so tests can prove it does not depend on the process TZ.
 * Art. 111(3): a holiday on the weekly rest day (Sat/Sun for the civil service) is compensated on
 * the next working day, i.e. the next weekday that is neither a holiday nor already a substitute.
 */
export function computeVietnamHolidays(year: number): HolidayEntry[] {
  if (!Number.isInteger(year) || year < MIN_HOLIDAY_YEAR || year > MAX_HOLIDAY_YEAR) {
    throw new RangeError(`Holidays are computed for ${MIN_HOLIDAY_YEAR}–${MAX_HOLIDAY_YEAR}, got ${year}`);
  }
  const raw = statutoryDays(year);
  const taken = new Set(raw.map((h) => h.day));
  const out: { day: number; entry: HolidayEntry }[] = raw.map((h) => ({
    day: h.day,
    entry: { date: isoFromDayNumber(h.day), name_vi: h.name_vi, name_en: h.name_en },
  }));
  for (const h of raw) {
    if (!isWeeklyRest(h.day)) continue;
    let sub = h.day + 1;
    while (isWeeklyRest(sub) || taken.has(sub)) sub++;
    taken.add(sub);
    out.push({
      day: sub,
      entry: {
        date: isoFromDayNumber(sub),
        name_vi: `Nghỉ bù ${h.name_vi}`,
        name_en: `${h.name_en} (substitute day)`,
        substituteFor: isoFromDayNumber(h.day),
      },
    });
  }
  // Holidays never spill into the next year (latest is 3/9 + substitutes), but keep the guarantee explicit.
  return out
    .filter((h) => yearOfDayNumber(h.day) === year)
    .sort((a, b) => a.day - b.day)
    .map((h) => h.entry);
}

const cache = new Map<number, readonly HolidayEntry[]>();

/** Statutory holidays + Art. 111(3) substitute days of a year, sorted by date (cached). */
export function vietnamHolidays(year: number): HolidayEntry[] {
  let list = cache.get(year);
  if (!list) {
    list = Object.freeze(computeVietnamHolidays(year).map((h) => Object.freeze(h)));
    cache.set(year, list);
  }
  return list.map((h) => ({ ...h }));
}
