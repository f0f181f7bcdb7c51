import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { tryParseIsoDate } from './civil-date';

/**
 * Annual announcements (Ministry of Home Affairs notices for the civil service) as data, so an
 * admin can enter next year's Tết arrangement or a make-up Saturday without a code change.
 * An adjustment overrides everything computed for that date (statutory holiday, substitute day,
 * weekend).
 */

const isoDate = z
  .string()
  .refine((s) => tryParseIsoDate(s) !== null, { message: 'Ngày không hợp lệ (YYYY-MM-DD) / invalid date' });

export const calendarAdjustmentSchema = z.strictObject({
  date: isoDate,
  kind: z.enum(['day_off', 'working_day']),
  /** Vietnamese first: shown to staff and citizens. */
  reason: z.string().trim().min(1).max(500),
  /** Optional English label for display; falls back to `reason`. */
  reason_en: z.string().trim().min(1).max(500).optional(),
});

export type CalendarAdjustment = z.infer<typeof calendarAdjustmentSchema>;

function refineNoDuplicates(list: readonly CalendarAdjustment[], ctx: z.RefinementCtx, pathPrefix: (string | number)[]): void {
  const seen = new Set<string>();
  list.forEach((a, i) => {
    if (seen.has(a.date)) {
      ctx.addIssue({ code: 'custom', message: `Trùng ngày ${a.date} / duplicate date`, path: [...pathPrefix, i, 'date'] });
    }
    seen.add(a.date);
  });
}

export const calendarAdjustmentListSchema = z
  .array(calendarAdjustmentSchema)
  .superRefine((list, ctx) => refineNoDuplicates(list, ctx, []));

/** One file per year: data/calendar/vn-YYYY.json. */
export const adjustmentFileSchema = z
  .strictObject({
    country: z.literal('VN'),
    year: z.number().int().min(1968).max(2099),
    /** Legal source, e.g. "Thông báo 9441/TB-BNV ngày 16/10/2025". */
    source: z.string().trim().min(1),
    adjustments: z.array(calendarAdjustmentSchema),
  })
  .superRefine((file, ctx) => {
    file.adjustments.forEach((a, i) => {
      if (!a.date.startsWith(`${file.year}-`)) {
        ctx.addIssue({ code: 'custom', message: `${a.date} không thuộc năm ${file.year}`, path: ['adjustments', i, 'date'] });
      }
    });
    refineNoDuplicates(file.adjustments, ctx, ['adjustments']);
  });

export type AdjustmentFile = z.infer<typeof adjustmentFileSchema>;

export function parseAdjustmentFile(input: unknown): AdjustmentFile {
  return adjustmentFileSchema.parse(input);
}

export function parseAdjustments(input: unknown): CalendarAdjustment[] {
  return calendarAdjustmentListSchema.parse(input);
}

/** Works from src/ (ts-jest, tsx) and dist/ alike: both sit two levels below the repo root. */
export const DEFAULT_CALENDAR_DATA_DIR = path.resolve(__dirname, '../../../data/calendar');

const FILE_NAME = /^vn-(\d{4})\.json$/;

/** Reads and validates every vn-YYYY.json in `dir`; a missing dir means no announcements. */
export function loadAdjustmentFiles(dir: string = DEFAULT_CALENDAR_DATA_DIR): AdjustmentFile[] {
  if (!fs.existsSync(dir)) return [];
  const files: AdjustmentFile[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const m = FILE_NAME.exec(name);
    if (!m) continue;
    const full = path.join(dir, name);
    let file: AdjustmentFile;
    try {
      file = parseAdjustmentFile(JSON.parse(fs.readFileSync(full, 'utf8')));
    } catch (err) {
      throw new Error(`Invalid calendar file ${full}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (String(file.year) !== m[1]) throw new Error(`Invalid calendar file ${full}: "year" is ${file.year}`);
    files.push(file);
  }
  return files;
}

/** All adjustments from the data dir, flattened. */
export function loadAdjustments(dir: string = DEFAULT_CALENDAR_DATA_DIR): CalendarAdjustment[] {
  return loadAdjustmentFiles(dir).flatMap((f) => f.adjustments);
}
