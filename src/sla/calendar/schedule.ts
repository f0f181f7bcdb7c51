import { z } from 'zod';
import { MS_PER_MINUTE, VN_UTC_OFFSET_MINUTES } from './civil-date';

/** Local wall-clock range, 'HH:MM'–'HH:MM', end exclusive; '24:00' allowed as an end. */
export interface TimeRange {
  start: string;
  end: string;
}

export interface WeeklySchedule {
  id: string;
  name_vi: string;
  name_en: string;
  /** Fixed offset from UTC; Asia/Ho_Chi_Minh is +420 with no DST, so no tz database is needed. */
  utcOffsetMinutes: number;
  /** Exactly 7 entries indexed by weekday: 0 = Sunday … 6 = Saturday. */
  week: readonly (readonly TimeRange[])[];
  /** Hours on a Saturday/Sunday announced as a working day (làm bù); default: Monday's hours. */
  makeUpDayHours?: readonly TimeRange[];
  /** false for 24/7 services (police, utilities): holidays and announcements are ignored. */
  observesHolidays: boolean;
}

const HHMM = /^(\d{2}):(\d{2})$/;

export function minutesOfHhmm(text: string): number {
  const m = HHMM.exec(text);
  if (!m) throw new RangeError(`Invalid time "${text}" (expected HH:MM)`);
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && min !== 0)) throw new RangeError(`Invalid time "${text}"`);
  return h * 60 + min;
}

const timeRangeSchema = z.strictObject({ start: z.string().regex(HHMM), end: z.string().regex(HHMM) });

function rangesValid(ranges: readonly TimeRange[]): string | null {
  let prevEnd = -1;
  for (const r of ranges) {
    let s: number;
    let e: number;
    try {
      s = minutesOfHhmm(r.start);
      e = minutesOfHhmm(r.end);
    } catch (err) {
      return (err as Error).message;
    }
    if (s >= 24 * 60) return `start ${r.start} must be before 24:00`;
    if (e <= s) return `range ${r.start}–${r.end} is empty or reversed`;
    if (s < prevEnd) return `ranges must be sorted and not overlap (${r.start})`;
    prevEnd = e;
  }
  return null;
}

export const weeklyScheduleSchema = z
  .strictObject({
    id: z.string().min(1),
    name_vi: z.string().min(1),
    name_en: z.string().min(1),
    utcOffsetMinutes: z.number().int().min(-14 * 60).max(14 * 60),
    week: z.array(z.array(timeRangeSchema)).length(7),
    makeUpDayHours: z.array(timeRangeSchema).optional(),
    observesHolidays: z.boolean(),
  })
  .superRefine((s, ctx) => {
    s.week.forEach((day, i) => {
      const problem = rangesValid(day);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['week', i] });
    });
    if (s.makeUpDayHours) {
      const problem = rangesValid(s.makeUpDayHours);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['makeUpDayHours'] });
    }
    // Without any hours every "add working time" would search forever.
    if (s.week.every((d) => d.length === 0)) ctx.addIssue({ code: 'custom', message: 'schedule has no working hours', path: ['week'] });
  });

const OFFICE_DAY: readonly TimeRange[] = [
  { start: '07:30', end: '11:30' },
  { start: '13:30', end: '17:00' },
];

/** Giờ hành chính: Mon–Fri 07:30–11:30 and 13:30–17:00 (7.5 h/day), UTC+7. */
export const VN_GOVERNMENT_OFFICE_HOURS: WeeklySchedule = Object.freeze({
  id: 'vn-office',
  name_vi: 'Giờ hành chính (thứ Hai–thứ Sáu)',
  name_en: 'Government office hours (Mon–Fri)',
  utcOffsetMinutes: VN_UTC_OFFSET_MINUTES,
  week: [[], OFFICE_DAY, OFFICE_DAY, OFFICE_DAY, OFFICE_DAY, OFFICE_DAY, []],
  observesHolidays: true,
});

const WHOLE_DAY: readonly TimeRange[] = [{ start: '00:00', end: '24:00' }];

/** 24/7 services (police 113, fire 114, power/water outages): every minute counts, holidays too. */
export const ROUND_THE_CLOCK: WeeklySchedule = Object.freeze({
  id: '24x7',
  name_vi: 'Trực 24/7',
  name_en: '24/7',
  utcOffsetMinutes: VN_UTC_OFFSET_MINUTES,
  week: [WHOLE_DAY, WHOLE_DAY, WHOLE_DAY, WHOLE_DAY, WHOLE_DAY, WHOLE_DAY, WHOLE_DAY],
  observesHolidays: false,
});

/** Ranges as [startMs, endMs) offsets from local midnight. */
export type CompiledDay = readonly (readonly [number, number])[];

export function compileRanges(ranges: readonly TimeRange[]): CompiledDay {
  return ranges.map((r) => [minutesOfHhmm(r.start) * MS_PER_MINUTE, minutesOfHhmm(r.end) * MS_PER_MINUTE] as const);
}
