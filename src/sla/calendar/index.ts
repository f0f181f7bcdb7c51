/**
 * Business calendar for SLA deadlines: Vietnamese public holidays (lunar, UTC+7), announced
 * yearly adjustments (data/calendar/vn-YYYY.json) and working-time arithmetic.
 * Pure TypeScript: no DB, no HTTP.
 */
import { loadAdjustments, DEFAULT_CALENDAR_DATA_DIR } from './adjustments';
import { VN_GOVERNMENT_OFFICE_HOURS, type WeeklySchedule } from './schedule';
import { WorkCalendar } from './work-calendar';

export {
  adjustmentFileSchema,
  calendarAdjustmentListSchema,
  calendarAdjustmentSchema,
  DEFAULT_CALENDAR_DATA_DIR,
  loadAdjustmentFiles,
  loadAdjustments,
  parseAdjustmentFile,
  parseAdjustments,
  type AdjustmentFile,
  type CalendarAdjustment,
} from './adjustments';
export { VN_UTC_OFFSET_MINUTES } from './civil-date';
export {
  hungKingsDate,
  lunarNewYearDate,
  MAX_HOLIDAY_YEAR,
  MIN_HOLIDAY_YEAR,
  vietnamHolidays,
  type HolidayEntry,
} from './holidays';
export {
  ROUND_THE_CLOCK,
  VN_GOVERNMENT_OFFICE_HOURS,
  weeklyScheduleSchema,
  type TimeRange,
  type WeeklySchedule,
} from './schedule';
export { WorkCalendar, type WorkCalendarOptions, type WorkingInterval } from './work-calendar';

/** A calendar with the shipped announcements (data/calendar/vn-*.json) loaded. */
export function createVietnamWorkCalendar(
  schedule: WeeklySchedule = VN_GOVERNMENT_OFFICE_HOURS,
  dataDir: string = DEFAULT_CALENDAR_DATA_DIR,
): WorkCalendar {
  return new WorkCalendar({ schedule, adjustments: loadAdjustments(dataDir) });
}
