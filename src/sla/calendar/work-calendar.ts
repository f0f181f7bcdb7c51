import { parseAdjustments, type CalendarAdjustment } from './adjustments';
import {
  localDayNumber,
  localMidnightMs,
  MS_PER_HOUR,
  parseIsoDate,
  weekdayOfDayNumber,
  yearOfDayNumber,
} from './civil-date';
import { vietnamHolidays, type HolidayEntry } from './holidays';
import {
  compileRanges,
  VN_GOVERNMENT_OFFICE_HOURS,
  weeklyScheduleSchema,
  type CompiledDay,
  type WeeklySchedule,
} from './schedule';

export interface WorkCalendarOptions {
  /** Default: Vietnamese government office hours. */
  schedule?: WeeklySchedule;
  /** Announced days off / make-up working days; override everything computed for their date. */
  adjustments?: readonly CalendarAdjustment[];
  /** Statutory days off per year; default: Vietnamese holidays with Art. 111(3) substitutes. */
  statutoryHolidays?: (year: number) => readonly HolidayEntry[];
}

export interface WorkingInterval {
  start: Date;
  end: Date;
}

const NO_HOURS: CompiledDay = [];

function instantMs(d: Date, what: string): number {
  const t = d.getTime();
  if (!Number.isFinite(t)) throw new RangeError(`${what} is an invalid Date`);
  return t;
}

/**
 * Working time for SLA deadlines. All arithmetic is on epoch milliseconds and local day numbers in
 * the schedule's fixed UTC offset, so the process TZ never matters. Loops step one local day at a
 * time (a year is ~365 iterations), never minute by minute.
 */
export class WorkCalendar {
  readonly schedule: WeeklySchedule;
  private readonly offsetMinutes: number;
  private readonly week: CompiledDay[];
  private readonly makeUpHours: CompiledDay;
  private readonly adjustmentByDay = new Map<number, CalendarAdjustment>();
  private readonly statutory: (year: number) => readonly HolidayEntry[];
  private readonly holidayDaysByYear = new Map<number, ReadonlySet<number>>();

  constructor(options: WorkCalendarOptions = {}) {
    const schedule = options.schedule ?? VN_GOVERNMENT_OFFICE_HOURS;
    weeklyScheduleSchema.parse(schedule);
    this.schedule = schedule;
    this.offsetMinutes = schedule.utcOffsetMinutes;
    this.week = schedule.week.map(compileRanges);
    const firstWorkday = this.week.find((d, i) => i >= 1 && i <= 5 && d.length > 0) ?? this.week.find((d) => d.length > 0);
    this.makeUpHours = schedule.makeUpDayHours ? compileRanges(schedule.makeUpDayHours) : (firstWorkday ?? NO_HOURS);
    for (const a of parseAdjustments(options.adjustments ?? [])) this.adjustmentByDay.set(parseIsoDate(a.date), a);
    this.statutory = options.statutoryHolidays ?? vietnamHolidays;
  }

  // ---- day level -------------------------------------------------------------------------

  private holidayDays(year: number): ReadonlySet<number> {
    let set = this.holidayDaysByYear.get(year);
    if (!set) {
      set = new Set(this.statutory(year).map((h) => parseIsoDate(h.date)));
      this.holidayDaysByYear.set(year, set);
    }
    return set;
  }

  /** Working ranges of a local day as offsets from local midnight. */
  private hoursOfDay(day: number): CompiledDay {
    const weekly = this.week[weekdayOfDayNumber(day)];
    if (!this.schedule.observesHolidays) return weekly;
    const adj = this.adjustmentByDay.get(day);
    if (adj?.kind === 'day_off') return NO_HOURS;
    if (adj?.kind === 'working_day') return weekly.length > 0 ? weekly : this.makeUpHours;
    if (this.holidayDays(yearOfDayNumber(day)).has(day)) return NO_HOURS;
    return weekly;
  }

  private dayNumberOf(date: Date | string): number {
    return typeof date === 'string' ? parseIsoDate(date) : localDayNumber(instantMs(date, 'date'), this.offsetMinutes);
  }

  /** `date` is a local 'YYYY-MM-DD' or an instant (its local date in the schedule's zone is used). */
  isWorkingDay(date: Date | string): boolean {
    return this.hoursOfDay(this.dayNumberOf(date)).length > 0;
  }

  workingIntervals(date: Date | string): WorkingInterval[] {
    const day = this.dayNumberOf(date);
    const base = localMidnightMs(day, this.offsetMinutes);
    return this.hoursOfDay(day).map(([s, e]) => ({ start: new Date(base + s), end: new Date(base + e) }));
  }

  // ---- instant level ---------------------------------------------------------------------

  /** Ranges are [start, end): 07:30 and 13:30 are working time, 11:30 and 17:00 are not. */
  isWorkingTime(instant: Date): boolean {
    const t = instantMs(instant, 'instant');
    const day = localDayNumber(t, this.offsetMinutes);
    const offset = t - localMidnightMs(day, this.offsetMinutes);
    return this.hoursOfDay(day).some(([s, e]) => offset >= s && offset < e);
  }

  /** `d` itself if it is working time, otherwise the start of the next working range. */
  nextWorkingInstant(d: Date): Date {
    const t = instantMs(d, 'instant');
    for (let day = localDayNumber(t, this.offsetMinutes); ; day++) {
      const base = localMidnightMs(day, this.offsetMinutes);
      for (const [s, e] of this.hoursOfDay(day)) {
        if (base + e > t) return new Date(Math.max(base + s, t));
      }
    }
  }

  /**
   * Earliest instant T with workingMillisBetween(start, T) = hours. When the budget runs out exactly
   * at a closing time the result is that closing time (start 07:30 + 4 h = 11:30 the same day), not
   * the next opening. Fractional hours are allowed (rounded to the millisecond); 0 returns `start`.
   */
  addWorkingHours(start: Date, hours: number): Date {
    if (!Number.isFinite(hours) || hours < 0) throw new RangeError(`hours must be a finite number ≥ 0, got ${hours}`);
    const t = instantMs(start, 'start');
    let remaining = Math.round(hours * MS_PER_HOUR);
    if (remaining === 0) return new Date(t);
    for (let day = localDayNumber(t, this.offsetMinutes); ; day++) {
      const base = localMidnightMs(day, this.offsetMinutes);
      for (const [s, e] of this.hoursOfDay(day)) {
        const from = Math.max(base + s, t);
        const to = base + e;
        if (from >= to) continue;
        if (remaining <= to - from) return new Date(from + remaining);
        remaining -= to - from;
      }
    }
  }

  /**
   * Deadline for "trong thời hạn N ngày làm việc" (N ≥ 1, integer), following Civil Code 2015:
   * - Art. 147(2): the day of the triggering event (receipt of the request) is not counted; day 1 is
   *   the first working day after the local date of `start`, whatever the time of receipt.
   * - Art. 148(1): the term ends at the end of the N-th working day. We use the close of that day's
   *   working hours (17:00 for office hours) rather than 24:00 of Art. 148(6): no working time exists
   *   in between, so workingMillisBetween is unaffected, and staff see a deadline they can act on.
   *   For a 24/7 schedule this is 24:00 (next local midnight), exactly as in Art. 148(6).
   * - Art. 148(5) (last day on a rest day → next working day) is implied by counting only working
   *   days.
   */
  addWorkingDays(start: Date, days: number): Date {
    if (!Number.isInteger(days) || days < 1) throw new RangeError(`days must be an integer ≥ 1, got ${days}`);
    let day = localDayNumber(instantMs(start, 'start'), this.offsetMinutes);
    let hours: CompiledDay = NO_HOURS;
    for (let counted = 0; counted < days; ) {
      day++;
      hours = this.hoursOfDay(day);
      if (hours.length > 0) counted++;
    }
    return new Date(localMidnightMs(day, this.offsetMinutes) + hours[hours.length - 1][1]);
  }

  /** Working milliseconds in [a, b); negative when b is before a (e.g. "overdue by"). */
  workingMillisBetween(a: Date, b: Date): number {
    const ta = instantMs(a, 'a');
    const tb = instantMs(b, 'b');
    if (tb < ta) return -this.workingMillisBetween(b, a);
    let total = 0;
    const lastDay = localDayNumber(tb, this.offsetMinutes);
    for (let day = localDayNumber(ta, this.offsetMinutes); day <= lastDay; day++) {
      const base = localMidnightMs(day, this.offsetMinutes);
      for (const [s, e] of this.hoursOfDay(day)) {
        const from = Math.max(base + s, ta);
        const to = Math.min(base + e, tb);
        if (to > from) total += to - from;
      }
    }
    return total;
  }

  // ---- display -----------------------------------------------------------------------------

  /**
   * Days off of a year for display: statutory holidays and substitutes, minus dates announced as
   * working days, plus announced extra days off (named by their `reason`). Independent of the
   * schedule's observesHolidays flag, since a 24/7 desk still shows the public calendar.
   */
  holidays(year: number): HolidayEntry[] {
    const byDate = new Map<string, HolidayEntry>();
    for (const h of this.statutory(year)) byDate.set(h.date, { ...h });
    for (const [day, adj] of this.adjustmentByDay) {
      if (yearOfDayNumber(day) !== year) continue;
      if (adj.kind === 'working_day') byDate.delete(adj.date);
      else if (!byDate.has(adj.date)) byDate.set(adj.date, { date: adj.date, name_vi: adj.reason, name_en: adj.reason_en ?? adj.reason });
    }
    return [...byDate.values()].sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : 0));
  }

  /** Announced make-up working days (làm bù) of a year, for display. */
  makeUpWorkingDays(year: number): CalendarAdjustment[] {
    return [...this.adjustmentByDay.entries()]
      .filter(([day, a]) => a.kind === 'working_day' && yearOfDayNumber(day) === year && this.week[weekdayOfDayNumber(day)].length === 0)
      .map(([, a]) => ({ ...a }))
      .sort((x, y) => (x.date < y.date ? -1 : 1));
  }
}
