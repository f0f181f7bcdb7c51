import { z } from 'zod';
import { PRIORITIES, type Priority } from '../workflow/types';
import type { WorkCalendar } from './calendar';

/**
 * SLA policies: per category × priority, a first-response target (the agency acknowledges the
 * ticket) and a resolution target, in working hours or working days of the agency's calendar.
 * Pure data and lookup; no I/O.
 */

export const SLA_TARGET_UNITS = ['working_hours', 'working_days'] as const;
export type SlaTargetUnit = (typeof SLA_TARGET_UNITS)[number];

export type SlaTarget = { amount: number; unit: SlaTargetUnit };

export const SLA_TRANSFER_MODES = ['continue', 'restart'] as const;
/**
 * What a transfer to another agency does to the clocks:
 * - continue (default): the deadline stays where it is; the working time already spent is charged
 *   to the agency that transferred (it is reported in the `sla.transferred` event);
 * - restart: the receiving agency gets fresh clocks from the transfer instant.
 */
export type SlaTransferMode = (typeof SLA_TRANSFER_MODES)[number];

export type SlaPolicy = {
  id?: number | string;
  /** null: applies to every category of this priority unless a category-specific policy exists. */
  categoryCode: string | null;
  priority: Priority;
  response: SlaTarget;
  resolution: SlaTarget;
  /** Warn when this fraction of the target's working time is used (0.75 = 75 %). */
  warnAtFraction: number;
  transfer: SlaTransferMode;
};

const hours = (amount: number): SlaTarget => ({ amount, unit: 'working_hours' });
const days = (amount: number): SlaTarget => ({ amount, unit: 'working_days' });

/**
 * Defaults in the spirit of provincial 1022 rules: urgent matters are acknowledged within the hour
 * and settled by the end of the next working day; ordinary reports get a day to be acknowledged and
 * two working weeks to be settled.
 */
export const DEFAULT_SLA_POLICIES: readonly SlaPolicy[] = Object.freeze(
  (
    [
      { priority: 'urgent', response: hours(1), resolution: days(1) },
      { priority: 'high', response: hours(4), resolution: days(3) },
      { priority: 'normal', response: days(1), resolution: days(10) },
      { priority: 'low', response: days(2), resolution: days(15) },
    ] as const
  ).map((p) => Object.freeze({ id: `default-${p.priority}`, categoryCode: null, warnAtFraction: 0.75, transfer: 'continue' as const, ...p })),
);

/**
 * The policy for a ticket: a policy of its category and priority wins over the all-categories
 * policy of that priority; when the list has neither, the built-in default of the priority applies,
 * so every ticket always has a clock. Ties (two policies for the same pair, which
 * slaPolicyListSchema rejects) go to the first in the list.
 */
export function choosePolicy(policies: readonly SlaPolicy[], categoryCode: string | null, priority: Priority): SlaPolicy {
  if (categoryCode !== null) {
    const specific = policies.find((p) => p.priority === priority && p.categoryCode === categoryCode);
    if (specific) return specific;
  }
  const general = policies.find((p) => p.priority === priority && p.categoryCode === null);
  if (general) return general;
  const fallback = DEFAULT_SLA_POLICIES.find((p) => p.priority === priority);
  if (!fallback) throw new RangeError(`Unknown priority "${priority}"`);
  return fallback;
}

/** The deadline a target gives from `start` (WorkCalendar semantics, see work-calendar.ts). */
export function deadlineFor(calendar: WorkCalendar, start: Date, target: SlaTarget): Date {
  return target.unit === 'working_hours' ? calendar.addWorkingHours(start, target.amount) : calendar.addWorkingDays(start, target.amount);
}

// ---- admin input ------------------------------------------------------------------------------

/** Whole minutes only: fractions of a minute in a target are typing mistakes, not policy. */
const isWholeMinutes = (amount: number): boolean => Math.abs(Math.round(amount * 60) - amount * 60) < 1e-9;

export const slaTargetSchema = z
  .strictObject({
    amount: z.number().positive(),
    unit: z.enum(SLA_TARGET_UNITS),
  })
  .superRefine((t, ctx) => {
    if (t.unit === 'working_days') {
      // addWorkingDays counts whole days (Civil Code Art. 147–148); a year of working days is the cap.
      if (!Number.isInteger(t.amount) || t.amount > 260) {
        ctx.addIssue({ code: 'custom', path: ['amount'], message: 'Số ngày làm việc phải là số nguyên từ 1 đến 260 / working days must be an integer from 1 to 260' });
      }
    } else if (!isWholeMinutes(t.amount) || t.amount > 2000) {
      ctx.addIssue({ code: 'custom', path: ['amount'], message: 'Số giờ làm việc phải là số phút nguyên, tối đa 2000 giờ / working hours must be whole minutes, at most 2000 h' });
    }
  });

/** Admin input for one policy; omitted fields take the defaults (75 %, continue on transfer). */
export const slaPolicyInputSchema = z
  .strictObject({
    id: z.union([z.number().int(), z.string().min(1)]).optional(),
    categoryCode: z.string().trim().min(1).max(64).nullable().default(null),
    priority: z.enum(PRIORITIES),
    response: slaTargetSchema,
    resolution: slaTargetSchema,
    warnAtFraction: z.number().gt(0).lt(1).default(0.75),
    transfer: z.enum(SLA_TRANSFER_MODES).default('continue'),
  })
  .superRefine((p, ctx) => {
    // Comparable only in the same unit: a working day is 7.5 h at an office but 24 h at a 24/7 desk.
    if (p.response.unit === p.resolution.unit && p.response.amount > p.resolution.amount) {
      ctx.addIssue({ code: 'custom', path: ['response'], message: 'Thời hạn phản hồi không được dài hơn thời hạn giải quyết / the response target cannot exceed the resolution target' });
    }
  });

export type SlaPolicyInput = z.input<typeof slaPolicyInputSchema>;

/** A whole policy table: at most one policy per category × priority pair. */
export const slaPolicyListSchema = z.array(slaPolicyInputSchema).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((p, i) => {
    const key = `${p.categoryCode ?? '*'}|${p.priority}`;
    if (seen.has(key)) {
      ctx.addIssue({ code: 'custom', path: [i], message: `Trùng chính sách cho ${p.categoryCode ?? 'mọi lĩnh vực'} × ${p.priority} / duplicate policy for this category × priority` });
    }
    seen.add(key);
  });
});

/** Validates admin input and returns a policy with defaults filled in. Throws ZodError. */
export function parseSlaPolicy(input: unknown): SlaPolicy {
  return slaPolicyInputSchema.parse(input);
}
