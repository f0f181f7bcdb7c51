import type { Database } from '../db/database';
import type { TicketStatus } from '../workflow/types';
import type { DateWindow, Open311TicketRow, StatusEventRow } from './mapping';

type Row = {
  code: string; status: TicketStatus; channel: string; category_code: string | null; category_name: string | null;
  description: string; publishable: boolean; location_lat: number | null; location_lng: number | null;
  commune_code: string | null; commune_name: string | null; province_name: string | null; agency_name: string | null;
  resolution: string | null; status_reason: string | null; merged_into_code: string | null;
  created_at: Date; updated_at: Date; status_changed_at: Date; resolved_at: Date | null; closed_at: Date | null;
  sla_resolution_due_at: Date | null;
  citizen_name: string | null; citizen_phone: string | null; citizen_email: string | null;
};

// Citizen columns are read only to mask them inside free text; mapping never returns them.
const SELECT = `SELECT t.code, t.status, t.channel, t.category_code, c.name_vi AS category_name, t.description, t.publishable,
    t.location_lat, t.location_lng, t.commune_code, cu.full_name AS commune_name, pu.full_name AS province_name,
    a.name_vi AS agency_name, t.resolution, t.status_reason, m.code AS merged_into_code,
    t.created_at, t.updated_at, t.status_changed_at, t.resolved_at, t.closed_at, t.sla_resolution_due_at,
    ci.display_name AS citizen_name, ci.phone AS citizen_phone, ci.email AS citizen_email
  FROM tickets t
  LEFT JOIN categories c ON c.code = t.category_code
  LEFT JOIN agencies a ON a.id = t.agency_id
  LEFT JOIN admin_units cu ON cu.structure = '2025' AND cu.code = t.commune_code
  LEFT JOIN admin_units pu ON pu.structure = '2025' AND pu.code = COALESCE(t.province_code, cu.parent_code)
  LEFT JOIN tickets m ON m.id = t.merged_into_id
  LEFT JOIN citizens ci ON ci.id = t.citizen_id`;

const toRow = (r: Row): Open311TicketRow => ({
  code: r.code, status: r.status, channel: r.channel, categoryCode: r.category_code, categoryName: r.category_name,
  description: r.description, publishable: r.publishable, lat: r.location_lat, lng: r.location_lng,
  communeCode: r.commune_code, communeName: r.commune_name, provinceName: r.province_name, agencyName: r.agency_name,
  resolution: r.resolution, statusReason: r.status_reason, mergedIntoCode: r.merged_into_code,
  createdAt: r.created_at, updatedAt: r.updated_at, statusChangedAt: r.status_changed_at, resolvedAt: r.resolved_at, closedAt: r.closed_at,
  expectedAt: r.sla_resolution_due_at,
  citizen: { name: r.citizen_name, phone: r.citizen_phone, email: r.citizen_email },
});

export type RequestQuery =
  | { codes: string[] }
  | { window: DateWindow; serviceCodes?: string[]; statuses?: TicketStatus[]; limit: number; offset: number };

/** Read side of the Open311 endpoints. */
export class Open311Store {
  constructor(private readonly db: Database) {}

  /** By ids (the spec: ids override every other filter), or by window and filters, newest first. */
  async requests(q: RequestQuery): Promise<Open311TicketRow[]> {
    if ('codes' in q) {
      if (!q.codes.length) return [];
      const rows = await this.db.query<Row>(`${SELECT} WHERE t.code = ANY($1::text[]) ORDER BY t.created_at DESC, t.id DESC`, [q.codes]);
      return rows.map(toRow);
    }
    const params: unknown[] = [q.window.from, q.window.to];
    const conds = ['t.created_at >= $1', 't.created_at <= $2'];
    if (q.serviceCodes?.length) { params.push(q.serviceCodes); conds.push(`t.category_code = ANY($${params.length}::text[])`); }
    if (q.statuses?.length) { params.push(q.statuses); conds.push(`t.status = ANY($${params.length}::text[])`); }
    params.push(q.limit, q.offset);
    const rows = await this.db.query<Row>(
      `${SELECT} WHERE ${conds.join(' AND ')} ORDER BY t.created_at DESC, t.id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`, params);
    return rows.map(toRow);
  }

  /** The tracking token a citizen received with their report → the ticket's code. */
  async codeByTrackingToken(token: string): Promise<string | null> {
    const rows = await this.db.query<{ code: string }>('SELECT code FROM tickets WHERE tracking_token = $1', [token]);
    return rows[0]?.code ?? null;
  }

  /** A commune of the 2025 structure (address_id), with its province. */
  async commune(code: string): Promise<{ code: string; provinceCode: string | null } | null> {
    const rows = await this.db.query<{ code: string; parent_code: string | null }>(
      `SELECT code, parent_code FROM admin_units WHERE structure = '2025' AND level = 'commune' AND code = $1`, [code]);
    return rows[0] ? { code: rows[0].code, provinceCode: rows[0].parent_code } : null;
  }

  /** Status changes after creation, oldest first (clients poll forward from their last date). */
  async statusChanges(window: DateWindow, limit: number): Promise<StatusEventRow[]> {
    const rows = await this.db.query<{ id: number; code: string; to_status: TicketStatus; at: Date }>(
      `SELECT e.id, t.code, e.to_status, e.at FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
       WHERE e.to_status IS NOT NULL AND e.type <> 'created' AND e.at >= $1 AND e.at <= $2
       ORDER BY e.at, e.id LIMIT $3`, [window.from, window.to, limit]);
    return rows.map((r) => ({ id: Number(r.id), code: r.code, toStatus: r.to_status, at: r.at }));
  }
}
