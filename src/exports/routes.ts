import { Router, type Response } from 'express';
import { z } from 'zod';
import { presentCitizen, ticketScope, type CitizenView } from '../access/policy';
import { ExportStore, type ExportTicket } from '../db/export-store';
import type { Hub } from '../hub';
import { parse } from '../http/errors';
import { currentStaff, requireStaff } from '../http/session';
import { IocFeed } from '../ioc/feed';
import { resolvePeriod, type Period } from '../ioc/period';
import { MAX_DAYS } from '../ioc/routes';
import { IocStore } from '../ioc/store';
import type { IocSummary, KpiFigures } from '../ioc/summary';
import { HubError } from '../shared/errors';
import { TICKET_STATUSES, type StaffRole, type StaffUser } from '../workflow/types';
import { csvDocument, vnDate, writeCsv, type Cell } from './csv';

/** Exports are a lead's job: agency staff work tickets one by one and have no export. */
export const EXPORT_ROLES: readonly StaffRole[] = ['operator', 'supervisor', 'admin', 'agency_lead'];

export type Lang = 'en' | 'vi';

/** A column: a stable English snake_case name, its Vietnamese header (?lang=vi), and its cell. */
type Column<T> = { key: string; vi: string; cell: (row: T) => Cell };

const headerOf = <T>(columns: readonly Column<T>[], lang: Lang) => columns.map((c) => (lang === 'vi' ? c.vi : c.key));

export type TicketExportRow = { ticket: ExportTicket; citizen: CitizenView };

export const TICKET_COLUMNS: readonly Column<TicketExportRow>[] = [
  { key: 'code', vi: 'Mã phản ánh', cell: (r) => r.ticket.code },
  { key: 'received_at', vi: 'Thời điểm tiếp nhận', cell: (r) => r.ticket.receivedAt },
  { key: 'channel', vi: 'Kênh tiếp nhận', cell: (r) => r.ticket.channel },
  { key: 'status', vi: 'Trạng thái', cell: (r) => r.ticket.status },
  { key: 'category_code', vi: 'Mã lĩnh vực', cell: (r) => r.ticket.categoryCode },
  { key: 'category_name', vi: 'Lĩnh vực', cell: (r) => r.ticket.categoryName },
  { key: 'priority', vi: 'Mức ưu tiên', cell: (r) => r.ticket.priority },
  { key: 'commune_code', vi: 'Mã xã/phường', cell: (r) => r.ticket.communeCode },
  { key: 'commune_name', vi: 'Xã/phường', cell: (r) => r.ticket.communeName },
  { key: 'agency_code', vi: 'Mã đơn vị xử lý', cell: (r) => r.ticket.agencyCode },
  { key: 'agency_name', vi: 'Đơn vị xử lý', cell: (r) => r.ticket.agencyName },
  { key: 'assignee', vi: 'Cán bộ xử lý', cell: (r) => r.ticket.assigneeName },
  { key: 'sla_response_due_at', vi: 'Hạn phản hồi', cell: (r) => r.ticket.slaResponseDueAt },
  { key: 'sla_resolution_due_at', vi: 'Hạn giải quyết', cell: (r) => r.ticket.slaResolutionDueAt },
  { key: 'sla_outcome', vi: 'Kết quả thời hạn', cell: (r) => r.ticket.slaOutcome },
  { key: 'sla_breached_at', vi: 'Thời điểm quá hạn', cell: (r) => r.ticket.slaBreachedAt },
  { key: 'first_response_at', vi: 'Thời điểm phản hồi đầu tiên', cell: (r) => r.ticket.firstResponseAt },
  { key: 'resolved_at', vi: 'Thời điểm giải quyết', cell: (r) => r.ticket.resolvedAt },
  { key: 'closed_at', vi: 'Thời điểm đóng', cell: (r) => r.ticket.closedAt },
  { key: 'description', vi: 'Nội dung phản ánh', cell: (r) => r.ticket.description },
  { key: 'resolution', vi: 'Nội dung trả lời', cell: (r) => r.ticket.resolution },
  { key: 'satisfaction_satisfied', vi: 'Hài lòng', cell: (r) => r.ticket.satisfactionSatisfied },
  { key: 'satisfaction_score', vi: 'Điểm hài lòng (1–5)', cell: (r) => r.ticket.satisfactionScore },
  { key: 'satisfaction_answered_at', vi: 'Thời điểm đánh giá', cell: (r) => r.ticket.satisfactionAnsweredAt },
  { key: 'citizen_name', vi: 'Người phản ánh', cell: (r) => r.citizen.displayName },
  { key: 'citizen_phone', vi: 'Số điện thoại', cell: (r) => r.citizen.phone },
  { key: 'citizen_email', vi: 'Thư điện tử', cell: (r) => r.citizen.email },
  { key: 'citizen_contact_masked', vi: 'Liên hệ được che', cell: (r) => r.citizen.masked },
];

/** The KPI columns, in the summary's `kpi` order; a key the summary drops or renames fails to compile here. */
const KPI_COLUMNS = [
  ['received', 'Tiếp nhận'],
  ['excluded', 'Loại trừ (từ chối, gộp)'],
  ['eligible', 'Thuộc diện xử lý'],
  ['processed', 'Đã xử lý'],
  ['processedRate', 'Tỷ lệ đã xử lý'],
  ['measured', 'Có kết quả thời hạn'],
  ['onTime', 'Đúng hạn'],
  ['onTimeRate', 'Tỷ lệ đúng hạn'],
  ['lateWithExtension', 'Trễ hạn có gia hạn'],
  ['lateWithExtensionRate', 'Tỷ lệ trễ hạn có gia hạn'],
  ['late', 'Trễ hạn'],
  ['lateRate', 'Tỷ lệ trễ hạn'],
  ['satisfiedRate', 'Tỷ lệ hài lòng'],
  ['notSatisfiedRate', 'Tỷ lệ không hài lòng'],
] as const satisfies readonly (readonly [keyof KpiFigures, string])[];

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export const STATS_BY = ['agency', 'category', 'commune'] as const;
export type StatsBy = (typeof STATS_BY)[number];

type StatsRow = { code: string | null; name: string | null; kpi: KpiFigures };

const NO_GROUP: Record<StatsBy, { en: string; vi: string }> = {
  agency: { en: '(not routed)', vi: '(chưa chuyển đơn vị)' },
  category: { en: '(unclassified)', vi: '(chưa phân loại)' },
  commune: { en: '(no commune)', vi: '(chưa xác định xã/phường)' },
};
const GROUP_HEADERS: Record<StatsBy, { code: string; name: string; codeVi: string; nameVi: string }> = {
  agency: { code: 'agency_code', name: 'agency_name', codeVi: 'Mã đơn vị', nameVi: 'Đơn vị' },
  category: { code: 'category_code', name: 'category_name', codeVi: 'Mã lĩnh vực', nameVi: 'Lĩnh vực' },
  commune: { code: 'commune_code', name: 'commune_name', codeVi: 'Mã xã/phường', nameVi: 'Xã/phường' },
};

/**
 * The stats table from an IOC summary (no figure is recomputed): one row per group, then the
 * "overall" / "Tổng" row. KPI fields the summary gains later (e.g. satisfaction counts) are added
 * after the known ones, so the export follows the summary.
 */
export function statsTable(summary: IocSummary, by: StatsBy, lang: Lang, opts: {
  categoryNames: ReadonlyMap<string, string>; onlyAgencyId?: number; overall: boolean;
}): { header: string[]; rows: Cell[][] } {
  const groups: StatsRow[] = by === 'agency'
    ? summary.kpi.byAgency
      .filter((g) => opts.onlyAgencyId === undefined || g.agencyId === opts.onlyAgencyId)
      .map((g) => ({ code: g.agency, name: g.name, kpi: g }))
    : by === 'category'
      ? summary.kpi.byCategory.map((g) => ({ code: g.category, name: g.category === null ? null : (opts.categoryNames.get(g.category) ?? null), kpi: g }))
      : summary.kpi.byCommune.map((g) => ({ code: g.commune, name: g.name, kpi: g }));
  const known = new Set<string>(KPI_COLUMNS.map(([k]) => k));
  const extra = Object.keys(summary.kpi.overall).filter((k) => !known.has(k));
  const keys: string[] = [...KPI_COLUMNS.map(([k]) => k), ...extra];
  const viOf = new Map<string, string>(KPI_COLUMNS);
  const h = GROUP_HEADERS[by];
  const header = lang === 'vi'
    ? [h.codeVi, h.nameVi, ...keys.map((k) => viOf.get(k) ?? snake(k))]
    : [h.code, h.name, ...keys.map(snake)];
  const figures = (kpi: KpiFigures): Cell[] => {
    const values: Record<string, unknown> = kpi;
    return keys.map((k) => {
      const v = values[k];
      return typeof v === 'number' ? v : null;
    });
  };
  const rows: Cell[][] = groups.map((g) => [g.code ?? '', g.code === null ? NO_GROUP[by][lang] : g.name, ...figures(g.kpi)]);
  if (opts.overall) rows.push([lang === 'vi' ? 'Tổng' : 'overall', lang === 'vi' ? 'Tổng cộng' : 'Overall', ...figures(summary.kpi.overall)]);
  return { header, rows };
}

const periodFields = { from: z.string().max(40).optional(), to: z.string().max(40).optional(), lang: z.enum(['en', 'vi']).default('en') };
const statuses = z.string().max(500)
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
  .pipe(z.array(z.enum(TICKET_STATUSES)));

const ticketsQuery = z.strictObject({
  ...periodFields,
  status: statuses.optional(),
  category: z.string().trim().min(1).max(50).optional(),
  agency: z.coerce.number().int().positive().optional(),
  commune: z.string().trim().regex(/^\d{2,6}$/, 'mã xã/phường là chữ số / commune codes are digits').optional(),
});
const statsQuery = z.strictObject({ ...periodFields, by: z.enum(STATS_BY).default('agency') });

/** The same periods as the IOC feed: its rules, its 400-day limit, its default of 30 days. */
const exportPeriod = (q: { from?: string; to?: string }): Period =>
  resolvePeriod(q, new Date(), { align: 'hour', maxDays: MAX_DAYS, defaultDays: 30 });

/** tickets-2026-11-01-2026-11-30.csv: the first and the last local day the period covers. */
export const exportFileName = (prefix: string, p: Period) =>
  `${prefix}-${vnDate(p.from)}-${vnDate(new Date(p.to.getTime() - 1))}.csv`;

function csvHeaders(res: Response, fileName: string): void {
  res.status(200)
    .set('Content-Type', 'text/csv; charset=utf-8')
    .set('Content-Disposition', `attachment; filename="${fileName}"`)
    // Personal data: never kept by a shared cache or the browser's.
    .set('Cache-Control', 'no-store');
}

function agencyOf(user: StaffUser): number {
  // The schema guarantees an agency for agency roles; a missing one sees nothing, as in ticketScope.
  return user.agencyId ?? -1;
}

/** CSV exports for staff (issue #6): the tickets of a period, and the IOC KPIs of a period. */
export function exportRoutes(hub: Hub): Router {
  const r = Router();
  const store = new ExportStore(hub.db);
  const feed = new IocFeed(new IocStore(hub.readDb));
  r.use('/api/v1/exports', requireStaff(...EXPORT_ROLES));

  r.get('/api/v1/exports/tickets.csv', async (req, res) => {
    const user = currentStaff(res);
    const q = parse(ticketsQuery, req.query);
    const period = exportPeriod(q);
    const pages = store.ticketPages(ticketScope(user), {
      from: period.from, to: period.to, status: q.status, categoryCode: q.category, agencyId: q.agency, communeCode: q.commune,
    });
    // The first page is read before the headers go out: a failure there is still a JSON error.
    const first = await pages.next();
    const toCells = (t: ExportTicket): Cell[] => {
      const row = { ticket: t, citizen: presentCitizen(user, t.citizen) };
      return TICKET_COLUMNS.map((c) => c.cell(row));
    };
    async function* batches() {
      if (first.done) return;
      yield first.value.map(toCells);
      for await (const page of pages) yield page.map(toCells);
    }
    csvHeaders(res, exportFileName('tickets', period));
    try {
      if (await writeCsv(res, headerOf(TICKET_COLUMNS, q.lang), batches())) res.end();
    } catch (err) {
      // Headers are sent: a JSON error is impossible, and a file that merely stops would look
      // complete. Cutting the connection makes the download fail visibly.
      hub.log.error({ err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err) }, 'tickets export failed mid-stream');
      res.destroy();
    }
  });

  r.get('/api/v1/exports/stats.csv', async (req, res) => {
    const user = currentStaff(res);
    const q = parse(statsQuery, req.query);
    const lead = user.role === 'agency_lead';
    if (lead && q.by !== 'agency') {
      throw new HubError('forbidden', 'export_by_agency_only',
        'Lãnh đạo đơn vị chỉ xuất được thống kê theo đơn vị (by=agency), gồm dòng của đơn vị mình.',
        'Agency leads may export statistics by agency only (by=agency): their own agency\u2019s row.');
    }
    const period = exportPeriod(q);
    const [summary, categories] = await Promise.all([feed.summary(period), hub.catalog.categories()]);
    const { header, rows } = statsTable(summary, q.by, q.lang, {
      categoryNames: new Map(categories.map((c) => [c.code, c.nameVi])),
      // A lead sees their agency's figures only: the province-wide total is not theirs to export.
      onlyAgencyId: lead ? agencyOf(user) : undefined,
      overall: !lead,
    });
    csvHeaders(res, exportFileName(`stats-${q.by}`, period));
    res.send(csvDocument(header, rows));
  });

  return r;
}
