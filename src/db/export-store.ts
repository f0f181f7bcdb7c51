import type { TicketScope } from '../access/policy';
import type { Citizen } from '../workflow/types';
import type { Queryable } from './database';

export type ExportTicketFilter = {
  from: Date;
  to: Date;
  status?: string[];
  categoryCode?: string;
  agencyId?: number;
  communeCode?: string;
};

/** One ticket as the export writes it: its own columns with the names it refers to, and its citizen. */
export type ExportTicket = {
  id: number; code: string; receivedAt: Date; channel: string; status: string;
  categoryCode: string | null; categoryName: string | null; priority: string;
  communeCode: string | null; communeName: string | null;
  agencyCode: string | null; agencyName: string | null; assigneeName: string | null;
  slaResponseDueAt: Date | null; slaResolutionDueAt: Date | null; slaOutcome: string | null; slaBreachedAt: Date | null;
  firstResponseAt: Date | null; resolvedAt: Date | null; closedAt: Date | null;
  description: string; resolution: string | null;
  /** The citizen's latest survey answer (migrations/0009_satisfaction.sql); null when not answered. */
  satisfactionSatisfied: boolean | null; satisfactionScore: number | null; satisfactionAnsweredAt: Date | null;
  citizen: Citizen;
};

type Row = {
  id: number; code: string; created_at: Date; cursor_us: string; channel: string; status: string;
  category_code: string | null; category_name: string | null; priority: string;
  commune_code: string | null; commune_name: string | null;
  agency_code: string | null; agency_name: string | null; assignee_name: string | null;
  sla_response_due_at: Date | null; sla_resolution_due_at: Date | null; sla_outcome: string | null; sla_breached_at: Date | null;
  first_response_at: Date | null; resolved_at: Date | null; closed_at: Date | null;
  description: string; resolution: string | null;
  satisfaction_satisfied: boolean | null; satisfaction_score: number | null; satisfaction_answered_at: Date | null;
  citizen_id: number; citizen_name: string | null; citizen_phone: string | null; citizen_email: string | null; contact_consent: boolean;
};

const toExportTicket = (r: Row): ExportTicket => ({
  id: Number(r.id), code: r.code, receivedAt: new Date(r.created_at), channel: r.channel, status: r.status,
  categoryCode: r.category_code, categoryName: r.category_name, priority: r.priority,
  communeCode: r.commune_code, communeName: r.commune_name,
  agencyCode: r.agency_code, agencyName: r.agency_name, assigneeName: r.assignee_name,
  slaResponseDueAt: r.sla_response_due_at, slaResolutionDueAt: r.sla_resolution_due_at, slaOutcome: r.sla_outcome,
  slaBreachedAt: r.sla_breached_at, firstResponseAt: r.first_response_at, resolvedAt: r.resolved_at, closedAt: r.closed_at,
  description: r.description, resolution: r.resolution,
  satisfactionSatisfied: r.satisfaction_satisfied, satisfactionScore: r.satisfaction_score === null ? null : Number(r.satisfaction_score),
  satisfactionAnsweredAt: r.satisfaction_answered_at,
  citizen: {
    id: Number(r.citizen_id), displayName: r.citizen_name, phone: r.citizen_phone, email: r.citizen_email, contactConsent: r.contact_consent,
  },
});

export const EXPORT_PAGE_SIZE = 1000;

/**
 * Reads for the CSV exports. Tickets come in pages in the order they were received (created_at,
 * then id), continuing after the last row of the previous page (keyset, not OFFSET), so a page
 * costs the same at the start and at the end of a million tickets. Each page is its own statement:
 * no transaction is held while the client downloads (PGlite is one connection).
 */
export class ExportStore {
  constructor(private readonly db: Queryable) {}

  /**
   * The tickets received in [from, to) that `scope` may see, with the same conditions the staff
   * ticket list applies (src/db/ticket-queries.ts). The cursor is created_at in whole microseconds
   * since the epoch, as text: a JS Date keeps milliseconds only, and a rounded cursor would repeat
   * or skip tickets received within the same millisecond.
   */
  async *ticketPages(scope: TicketScope, f: ExportTicketFilter, pageSize = EXPORT_PAGE_SIZE): AsyncGenerator<ExportTicket[]> {
    const conds: string[] = [];
    const params: unknown[] = [];
    const add = (cond: string, v: unknown) => { params.push(v); conds.push(cond.replace('?', `$${params.length}`)); };
    if (scope.kind === 'agency') add('t.agency_id = ?', scope.agencyId);
    if (f.status?.length) add('t.status = ANY(?::text[])', f.status);
    if (f.categoryCode) add('t.category_code = ?', f.categoryCode);
    if (f.agencyId !== undefined) add('t.agency_id = ?', f.agencyId);
    if (f.communeCode) add('t.commune_code = ?', f.communeCode);
    add('t.created_at >= ?', f.from);
    add('t.created_at < ?', f.to);
    const base = conds.join(' AND ');
    const n = params.length;
    const select = (after: boolean) => `
      SELECT t.id, t.code, t.created_at, (extract(epoch FROM t.created_at) * 1000000)::bigint::text AS cursor_us,
             t.channel, t.status, t.category_code, c.name_vi AS category_name, t.priority,
             t.commune_code, au.name AS commune_name, a.code AS agency_code, a.name_vi AS agency_name,
             s.display_name AS assignee_name,
             t.sla_response_due_at, t.sla_resolution_due_at, t.sla_outcome, t.sla_breached_at,
             t.first_response_at, t.resolved_at, t.closed_at, t.description, t.resolution,
             t.satisfaction_satisfied, t.satisfaction_score, t.satisfaction_answered_at,
             ci.id AS citizen_id, ci.display_name AS citizen_name, ci.phone AS citizen_phone, ci.email AS citizen_email,
             ci.contact_consent
      FROM tickets t
      JOIN citizens ci ON ci.id = t.citizen_id
      LEFT JOIN categories c ON c.code = t.category_code
      LEFT JOIN agencies a ON a.id = t.agency_id
      LEFT JOIN staff_users s ON s.id = t.assignee_id
      LEFT JOIN admin_units au ON au.structure = '2025' AND au.level = 'commune' AND au.code = t.commune_code
      WHERE ${base}
        ${after ? `AND (t.created_at, t.id) > (timestamptz 'epoch' + $${n + 2}::bigint * interval '1 microsecond', $${n + 3}::bigint)` : ''}
      ORDER BY t.created_at, t.id
      LIMIT $${n + 1}`;
    let cursor: { us: string; id: number } | null = null;
    for (;;) {
      const rows: Row[] = cursor
        ? await this.db.query<Row>(select(true), [...params, pageSize, cursor.us, cursor.id])
        : await this.db.query<Row>(select(false), [...params, pageSize]);
      if (rows.length === 0) return;
      yield rows.map(toExportTicket);
      if (rows.length < pageSize) return;
      const last = rows[rows.length - 1]!;
      cursor = { us: last.cursor_us, id: Number(last.id) };
    }
  }
}
