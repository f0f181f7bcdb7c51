import type { TicketScope } from '../access/policy';
import type { Database } from './database';

export type OpenPoint = {
  code: string; lat: number; lng: number; priority: string; status: string; overdue: boolean;
  categoryCode: string | null; communeCode: string | null;
};

const OPEN = `t.status NOT IN ('resolved', 'closed', 'rejected', 'merged')`;

/** What the wall map reads: commune boundaries and the open tickets, scoped like every staff list. */
export class DashboardStore {
  constructor(private readonly db: Database) {}

  /** One commune's boundary (null when unknown or without a map). */
  async communeBoundary(code: string): Promise<{ code: string; name: string; boundary: unknown } | null> {
    const rows = await this.db.query<{ code: string; name: string; boundary: unknown }>(
      `SELECT code, name, boundary FROM admin_units WHERE structure = '2025' AND level = 'commune' AND code = $1 AND boundary IS NOT NULL`, [code]);
    return rows[0] ?? null;
  }

  /** Open tickets with coordinates, the most urgent and oldest first, at most `limit`. */
  async openPoints(scope: TicketScope, now: Date, limit: number): Promise<OpenPoint[]> {
    const agency = scope.kind === 'agency' ? scope.agencyId : null;
    return this.db.query<OpenPoint>(
      `SELECT t.code, t.location_lat AS lat, t.location_lng AS lng, t.priority, t.status, t.category_code AS "categoryCode",
         t.commune_code AS "communeCode",
         (t.status <> 'waiting_for_citizen' AND t.sla_resolution_due_at IS NOT NULL AND t.sla_resolution_due_at < $1) AS overdue
       FROM tickets t JOIN priorities p ON p.code = t.priority
       WHERE ${OPEN} AND t.location_lat IS NOT NULL AND t.location_lng IS NOT NULL AND ($2::bigint IS NULL OR t.agency_id = $2)
       ORDER BY p.rank, t.created_at LIMIT $3`, [now, agency, limit]);
  }

  /** Open tickets per commune (with or without coordinates), for shading. */
  async openByCommune(scope: TicketScope): Promise<Record<string, number>> {
    const agency = scope.kind === 'agency' ? scope.agencyId : null;
    const rows = await this.db.query<{ code: string; n: number }>(
      `SELECT t.commune_code AS code, count(*)::int AS n FROM tickets t
       WHERE ${OPEN} AND t.commune_code IS NOT NULL AND ($1::bigint IS NULL OR t.agency_id = $1) GROUP BY 1`, [agency]);
    return Object.fromEntries(rows.map((r) => [r.code, r.n]));
  }
}
