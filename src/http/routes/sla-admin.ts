import { Router } from 'express';
import { z } from 'zod';
import { SlaAdminStore, type SlaPolicyFields, type SlaTicketRow, type StoredSlaPolicy } from '../../db/sla-admin-store';
import type { Hub } from '../../hub';
import type { Logger } from '../../shared/logger';
import { HubError, notFound } from '../../shared/errors';
import { calendarAdjustmentSchema, MAX_HOLIDAY_YEAR, MIN_HOLIDAY_YEAR } from '../../sla/calendar';
import { parseSlaState } from '../../sla/clock';
import {
  choosePolicy, DEFAULT_SLA_POLICIES, SLA_TRANSFER_MODES, slaPolicyInputSchema, slaTargetSchema, type SlaPolicy,
} from '../../sla/policy';
import { slaFactsFromState, slaStatistics, type SlaMetrics, type SlaStatistics, type SlaTicketFacts, type WorkingDurationStats } from '../../sla/stats';
import { PRIORITIES, type StaffRole } from '../../workflow/types';
import { parse } from '../errors';
import { currentStaff, requireStaff, requireStaffOrIocKey } from '../session';

const idParam = z.coerce.number().int().positive();

export const policyPatchSchema = z.strictObject({
  categoryCode: z.string().trim().min(1).max(64).nullable().optional(),
  priority: z.enum(PRIORITIES).optional(),
  response: slaTargetSchema.optional(),
  resolution: slaTargetSchema.optional(),
  warnAtFraction: z.number().gt(0).lt(1).optional(),
  transfer: z.enum(SLA_TRANSFER_MODES).optional(),
}).refine((v) => Object.keys(v).length > 0, { message: 'không có gì để sửa / nothing to change' });

const fieldsOf = (p: SlaPolicy): SlaPolicyFields => ({
  categoryCode: p.categoryCode, priority: p.priority, response: p.response, resolution: p.resolution, warnAtFraction: p.warnAtFraction, transfer: p.transfer,
});

const VN_OFFSET_MS = 7 * 3_600_000;
const DAY_MS = 86_400_000;
const currentVnYear = (): number => new Date(Date.now() + VN_OFFSET_MS).getUTCFullYear();

const yearSchema = z.coerce.number().int()
  .min(MIN_HOLIDAY_YEAR, `năm phải từ ${MIN_HOLIDAY_YEAR} đến ${MAX_HOLIDAY_YEAR} / year must be ${MIN_HOLIDAY_YEAR}–${MAX_HOLIDAY_YEAR}`)
  .max(MAX_HOLIDAY_YEAR, `năm phải từ ${MIN_HOLIDAY_YEAR} đến ${MAX_HOLIDAY_YEAR} / year must be ${MIN_HOLIDAY_YEAR}–${MAX_HOLIDAY_YEAR}`);
export const calendarQuerySchema = z.object({ year: yearSchema.optional() });
const dateSchema = calendarAdjustmentSchema.shape.date.refine((d) => {
  const y = Number(d.slice(0, 4));
  return y >= MIN_HOLIDAY_YEAR && y <= MAX_HOLIDAY_YEAR;
}, `năm phải từ ${MIN_HOLIDAY_YEAR} đến ${MAX_HOLIDAY_YEAR} / year must be ${MIN_HOLIDAY_YEAR}–${MAX_HOLIDAY_YEAR}`);
// The table has no English reason: the admin's Vietnamese text is shown to everyone.
export const calendarDaySchema = z.strictObject({ date: dateSchema, kind: calendarAdjustmentSchema.shape.kind, reason: calendarAdjustmentSchema.shape.reason });

/** 'YYYY-MM-DD' is a Vietnamese calendar day (midnight UTC+7); otherwise a date-time with a zone. */
const instant = (name: string) => z.string().transform((s, ctx) => {
  const isDate = /^\d{4}-\d{2}-\d{2}$/.test(s);
  const d = new Date(isDate ? `${s}T00:00:00+07:00` : s);
  // The date round trip rejects 2026-02-30, which Date would roll over into March.
  const ok = isDate ? Number.isFinite(d.getTime()) && new Date(d.getTime() + VN_OFFSET_MS).toISOString().slice(0, 10) === s
    : z.iso.datetime({ offset: true }).safeParse(s).success && Number.isFinite(d.getTime());
  if (!ok) {
    ctx.addIssue({ code: 'custom', message: `${name} phải là ngày ISO 8601 (2026-06-01 hoặc 2026-06-01T08:00:00+07:00) / ${name} must be an ISO 8601 date or a date-time with a zone` });
    return z.NEVER;
  }
  return d;
});
/** A year and a day: enough for yearly reports, and bounds the rows one request reads. */
const MAX_PERIOD_DAYS = 367;
export const statsQuerySchema = z.object({
  from: instant('from').optional(),
  to: instant('to').optional(),
  agency: idParam.optional(),
  category: z.string().trim().min(1).max(64).optional(),
});

const STATS_ROLES: readonly StaffRole[] = ['operator', 'supervisor', 'admin', 'agency_lead'];

type EffectiveSource = 'category' | 'all_categories' | 'default';

/** Which policy every category × priority gets, and from where (choosePolicy, as the clocks do). */
function effectiveTable(policies: readonly StoredSlaPolicy[], categoryCodes: readonly string[]) {
  return [...categoryCodes, null].flatMap((categoryCode) => PRIORITIES.map((priority) => {
    const p = choosePolicy(policies, categoryCode, priority);
    const source: EffectiveSource = typeof p.id === 'number' ? (p.categoryCode === null ? 'all_categories' : 'category') : 'default';
    return {
      categoryCode, priority, source, policyId: source === 'default' ? null : p.id,
      response: p.response, resolution: p.resolution, warnAtFraction: p.warnAtFraction, transfer: p.transfer,
    };
  }));
}

// ---- statistics --------------------------------------------------------------------------------

const round = (x: number | null, digits: number): number | null => (x === null ? null : Number(x.toFixed(digits)));
const readableDurations = (d: WorkingDurationStats) => ({
  ...d,
  medianMinutes: round(d.medianMs === null ? null : d.medianMs / 60_000, 1), p90Minutes: round(d.p90Ms === null ? null : d.p90Ms / 60_000, 1),
  medianHours: round(d.medianMs === null ? null : d.medianMs / 3_600_000, 2), p90Hours: round(d.p90Ms === null ? null : d.p90Ms / 3_600_000, 2),
});
const readable = <M extends SlaMetrics>(m: M) => ({ ...m, firstResponse: readableDurations(m.firstResponse), resolution: readableDurations(m.resolution) });

/**
 * Statistics of one agency: its own metrics (tickets it holds, plus the transfers it made of
 * tickets now elsewhere), by category on the same terms, so the categories add up to the total.
 */
function agencyStatistics(facts: readonly SlaTicketFacts[], agencyId: number, period: { from: Date; to: Date }, now: Date): SlaStatistics {
  // Other agencies' transfers are not this agency's business.
  const onlyOwn = (t: SlaTicketFacts): SlaTicketFacts => ({ ...t, transferredFromAgencyIds: (t.transferredFromAgencyIds ?? []).filter((a) => a === agencyId) });
  const held = facts.filter((t) => t.agencyId === agencyId).map(onlyOwn);
  const away = facts.filter((t) => t.agencyId !== agencyId && (t.transferredFromAgencyIds ?? []).includes(agencyId)).map(onlyOwn);
  const all = slaStatistics([...held, ...away], period, now);
  const empty = slaStatistics([], period, now).overall;
  const entry = all.byAgency.find((a) => a.agencyId === agencyId) ?? { agencyId, ...empty };
  const { agencyId: _ignored, ...overall } = entry;
  const heldByCategory = slaStatistics(held, period, now).byCategory;
  const awayByCategory = slaStatistics(away, period, now).byCategory;
  const codes = [...new Set([...heldByCategory, ...awayByCategory].map((c) => c.categoryCode))]
    .sort((a, b) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1));
  const byCategory = codes.map((categoryCode) => {
    const h = heldByCategory.find((c) => c.categoryCode === categoryCode) ?? { categoryCode, ...empty };
    const transfersAway = awayByCategory.find((c) => c.categoryCode === categoryCode)?.transfersOut ?? 0;
    return { ...h, transfersOut: h.transfersOut + transfersAway };
  });
  return { period: all.period, asOf: all.asOf, overall, byAgency: [entry], byCategory };
}

/** Facts of the rows that have a readable SLA state; `counts` says which of the others to report. */
function factsOf(rows: readonly SlaTicketRow[], counts: (r: SlaTicketRow) => boolean, log: Logger) {
  const facts: SlaTicketFacts[] = [];
  let withoutSla = 0;
  let unreadable = 0;
  for (const r of rows) {
    if (r.slaState === null || r.slaState === undefined) {
      if (counts(r)) withoutSla++;
      continue;
    }
    let state;
    try {
      state = parseSlaState(r.slaState);
    } catch (err) {
      // One damaged row must not take the dashboard down; it is counted and logged instead.
      if (counts(r)) unreadable++;
      log.warn({ ticketId: r.id, err: String(err) }, 'unreadable sla_state skipped in SLA statistics');
      continue;
    }
    facts.push(slaFactsFromState(state, { agencyId: r.agencyId, status: r.status, transferredFromAgencyIds: r.transferredFromAgencyIds }));
  }
  return { facts, notCounted: { withoutSla, unreadable } };
}

/**
 * SLA administration: policies (admins edit, with an audit trail), the working calendar (admins
 * add announced days), and SLA statistics for supervisors, agency leads and the IOC.
 */
export function slaAdminRoutes(hub: Hub): Router {
  const r = Router();
  const store = new SlaAdminStore(hub.db);

  // ---- policies ------------------------------------------------------------------------------

  r.get('/api/v1/sla/policies', requireStaff('operator', 'supervisor', 'admin', 'agency_lead'), async (_req, res) => {
    const [policies, categories] = await Promise.all([store.listPolicies(), hub.catalog.categories()]);
    res.json({
      policies,
      defaults: DEFAULT_SLA_POLICIES,
      effective: effectiveTable(policies, categories.filter((c) => c.active).map((c) => c.code)),
    });
  });

  r.post('/api/v1/sla/policies', requireStaff('admin'), async (req, res) => {
    const input = parse(slaPolicyInputSchema, req.body);
    if (input.id !== undefined) {
      throw new HubError('invalid', 'id_not_allowed', 'Không gửi id khi tạo chính sách; hệ thống tự cấp.', 'Do not send an id when creating a policy; the hub assigns it.');
    }
    const policy = await store.createPolicy(fieldsOf(input), currentStaff(res).id);
    await hub.slaSettings.refresh();
    res.status(201).json(policy);
  });

  r.patch('/api/v1/sla/policies/:id', requireStaff('admin'), async (req, res) => {
    const id = parse(idParam, req.params.id);
    const patch = parse(policyPatchSchema, req.body);
    // The merged policy is validated as a whole (a new response target must still fit the resolution one).
    const policy = await store.updatePolicy(id, (current) => fieldsOf(parse(slaPolicyInputSchema, { ...fieldsOf(current), ...patch })), currentStaff(res).id);
    if (!policy) throw notFound('sla_policy');
    await hub.slaSettings.refresh();
    res.json(policy);
  });

  r.delete('/api/v1/sla/policies/:id', requireStaff('admin'), async (req, res) => {
    const id = parse(idParam, req.params.id);
    if (!(await store.removePolicy(id, currentStaff(res).id))) throw notFound('sla_policy');
    await hub.slaSettings.refresh();
    res.status(204).end();
  });

  r.get('/api/v1/sla/policies/audit', requireStaff('supervisor', 'admin'), async (req, res) => {
    const policyId = req.query.policyId === undefined ? null : parse(idParam, req.query.policyId);
    res.json({ entries: await store.auditTrail(policyId) });
  });

  // ---- calendar ------------------------------------------------------------------------------

  r.get('/api/v1/sla/calendar', requireStaff(), async (req, res) => {
    const year = parse(calendarQuerySchema, req.query).year ?? currentVnYear();
    const { office } = hub.slaSettings.settings();
    res.json({
      year,
      schedule: { id: office.schedule.id, nameVi: office.schedule.name_vi, nameEn: office.schedule.name_en },
      holidays: office.holidays(year),
      makeUpWorkingDays: office.makeUpWorkingDays(year),
      adminDays: await store.calendarDays(year),
    });
  });

  r.post('/api/v1/sla/calendar/days', requireStaff('admin'), async (req, res) => {
    const day = parse(calendarDaySchema, req.body);
    const { day: saved, created } = await store.upsertCalendarDay(day, currentStaff(res).id);
    await hub.slaSettings.refresh();
    res.status(created ? 201 : 200).json(saved);
  });

  r.delete('/api/v1/sla/calendar/days/:date', requireStaff('admin'), async (req, res) => {
    const date = parse(dateSchema, req.params.date);
    if (!(await store.removeCalendarDay(date))) throw notFound('calendar_day');
    await hub.slaSettings.refresh();
    res.status(204).end();
  });

  // ---- statistics ----------------------------------------------------------------------------

  r.get('/api/v1/sla/stats', requireStaffOrIocKey(hub.config.iocApiKeys, ...STATS_ROLES), async (req, res) => {
    const q = parse(statsQuerySchema, req.query);
    const now = new Date();
    const to = q.to ?? (q.from ? new Date(Math.max(now.getTime(), q.from.getTime())) : now);
    const from = q.from ?? new Date(to.getTime() - 30 * DAY_MS);
    if (from.getTime() > to.getTime()) {
      throw new HubError('invalid', 'invalid_period', '"from" phải trước hoặc bằng "to".', '"from" must not be after "to".');
    }
    if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * DAY_MS) {
      throw new HubError('invalid', 'period_too_long', `Khoảng thời gian tối đa ${MAX_PERIOD_DAYS} ngày.`, `The period may span at most ${MAX_PERIOD_DAYS} days.`);
    }

    let agencyId = q.agency ?? null;
    const user = res.locals.staff;
    if (user?.role === 'agency_lead') {
      if (user.agencyId === null || (agencyId !== null && agencyId !== user.agencyId)) {
        throw new HubError('forbidden', 'other_agency', 'Bạn chỉ xem được số liệu của đơn vị mình.', 'You may only see your own agency\'s figures.');
      }
      agencyId = user.agencyId;
    }
    if (q.category !== undefined && !(await hub.catalog.categories()).some((c) => c.code === q.category)) {
      throw new HubError('invalid', 'unknown_category', `Lĩnh vực "${q.category}" không tồn tại.`, `Unknown category "${q.category}".`);
    }

    // Rows by created_at with a day's margin each side; the cohort itself is cut by the SLA
    // receipt instant (slaStatistics), which is the definition the figures use.
    const rows = await store.slaTickets({ from: new Date(from.getTime() - DAY_MS), to: new Date(to.getTime() + DAY_MS) }, q.category ?? null);
    // Tickets of the period the figures cannot include (no clock yet, or a damaged state) are
    // reported, so a gap in the wiring shows instead of silently shrinking the numbers.
    const inScope = (row: SlaTicketRow) => row.createdAt.getTime() >= from.getTime() && row.createdAt.getTime() < to.getTime()
      && (agencyId === null || row.agencyId === agencyId);
    const { facts, notCounted } = factsOf(rows, inScope, hub.log);
    const period = { from, to };
    const stats = agencyId === null ? slaStatistics(facts, period, now) : agencyStatistics(facts, agencyId, period, now);
    res.json({
      period: stats.period,
      asOf: stats.asOf,
      filters: { agencyId, categoryCode: q.category ?? null },
      overall: readable(stats.overall),
      byAgency: stats.byAgency.map(readable),
      byCategory: stats.byCategory.map(readable),
      notCounted,
    });
  });

  return r;
}
