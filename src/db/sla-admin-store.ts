import type { SlaPolicy, SlaTargetUnit, SlaTransferMode } from '../sla/policy';
import { HubError } from '../shared/errors';
import type { Priority, TicketStatus } from '../workflow/types';
import { sqlState, UNIQUE_VIOLATION, type Database, type Queryable } from './database';

type PolicyRow = {
  id: number; category_code: string | null; priority: Priority; response_amount: number; response_unit: SlaTargetUnit;
  resolution_amount: number; resolution_unit: SlaTargetUnit; warn_at_fraction: number; transfer_mode: SlaTransferMode;
  updated_by: number | null; updated_at: Date;
};

/** A policy as stored: numeric id, who changed it last and when. */
export type StoredSlaPolicy = SlaPolicy & { id: number; updatedBy: number | null; updatedAt: Date };
/** A validated policy (slaPolicyInputSchema output) without its id. */
export type SlaPolicyFields = Omit<SlaPolicy, 'id'>;
export type SlaPolicyAuditEntry = {
  id: number; policyId: number; action: 'created' | 'updated' | 'deleted'; staffId: number | null; at: Date; before: unknown; after: unknown;
};

export type CalendarDayKind = 'day_off' | 'working_day';
export type StoredCalendarDay = { date: string; kind: CalendarDayKind; reason: string; createdBy: number | null; createdAt: Date };

/** What the statistics need of one ticket; `slaState` is the stored JSON, parsed by the caller. */
export type SlaTicketRow = {
  id: number; agencyId: number | null; categoryCode: string | null; status: TicketStatus; slaState: unknown; createdAt: Date;
  /** Agencies that transferred the ticket away, in order, one entry per transfer. */
  transferredFromAgencyIds: number[];
};

const toPolicy = (r: PolicyRow): StoredSlaPolicy => ({
  id: r.id, categoryCode: r.category_code, priority: r.priority,
  response: { amount: r.response_amount, unit: r.response_unit }, resolution: { amount: r.resolution_amount, unit: r.resolution_unit },
  warnAtFraction: r.warn_at_fraction, transfer: r.transfer_mode, updatedBy: r.updated_by, updatedAt: r.updated_at,
});

const duplicatePolicy = (p: SlaPolicyFields) => new HubError('conflict', 'duplicate_policy',
  `Đã có chính sách SLA cho ${p.categoryCode ?? 'mọi lĩnh vực'} × mức ưu tiên ${p.priority}; hãy sửa chính sách đó.`,
  `An SLA policy for ${p.categoryCode ?? 'all categories'} × priority ${p.priority} already exists; edit that one instead.`);

/** Converts the unique-index violation a concurrent insert can still hit into the same 409. */
async function mapDuplicate<T>(p: () => Promise<T>, fields: () => SlaPolicyFields | null): Promise<T> {
  try {
    return await p();
  } catch (err) {
    const f = fields();
    if (sqlState(err) === UNIQUE_VIOLATION && f) throw duplicatePolicy(f);
    throw err;
  }
}

/**
 * Admin side of the SLA settings: policies with their audit trail (each change and its audit row
 * commit together), admins' calendar days, and the rows the statistics read. The caller refreshes
 * SlaSettingsStore after a change so the clocks use it at once.
 */
export class SlaAdminStore {
  constructor(private readonly db: Database) {}

  // ---- policies ------------------------------------------------------------------------------

  async listPolicies(): Promise<StoredSlaPolicy[]> {
    return (await this.db.query<PolicyRow>('SELECT * FROM sla_policies ORDER BY id')).map(toPolicy);
  }

  private async checkPolicy(q: Queryable, p: SlaPolicyFields, exceptId: number | null): Promise<void> {
    const [row] = await q.query<{ category: boolean; duplicate: boolean }>(
      `SELECT ($1::text IS NULL OR EXISTS (SELECT 1 FROM categories WHERE code = $1)) AS category,
              EXISTS (SELECT 1 FROM sla_policies WHERE coalesce(category_code, '') = coalesce($1::text, '') AND priority = $2
                      AND ($3::bigint IS NULL OR id <> $3)) AS duplicate`,
      [p.categoryCode, p.priority, exceptId]);
    if (!row?.category) throw new HubError('invalid', 'unknown_category', `Lĩnh vực "${p.categoryCode}" không tồn tại.`, `Unknown category "${p.categoryCode}".`);
    if (row.duplicate) throw duplicatePolicy(p);
  }

  private async audit(q: Queryable, policyId: number, action: SlaPolicyAuditEntry['action'], staffId: number, before: unknown, after: unknown): Promise<void> {
    await q.query('INSERT INTO sla_policy_audit (policy_id, action, staff_id, before, after) VALUES ($1,$2,$3,$4,$5)',
      [policyId, action, staffId, before === null ? null : JSON.stringify(before), after === null ? null : JSON.stringify(after)]);
  }

  async createPolicy(p: SlaPolicyFields, staffId: number): Promise<StoredSlaPolicy> {
    return mapDuplicate(() => this.db.transaction(async (tx) => {
      await this.checkPolicy(tx, p, null);
      const rows = await tx.query<PolicyRow>(
        `INSERT INTO sla_policies (category_code, priority, response_amount, response_unit, resolution_amount, resolution_unit,
           warn_at_fraction, transfer_mode, updated_by) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING *`,
        [p.categoryCode, p.priority, p.response.amount, p.response.unit, p.resolution.amount, p.resolution.unit, p.warnAtFraction, p.transfer, staffId]);
      const created = toPolicy(rows[0]!);
      await this.audit(tx, created.id, 'created', staffId, null, created);
      return created;
    }), () => p);
  }

  /**
   * Replaces a policy with `next(current)` (the caller merges and validates the patch against the
   * row it read under lock). null: no such policy.
   */
  async updatePolicy(id: number, next: (current: StoredSlaPolicy) => SlaPolicyFields, staffId: number): Promise<StoredSlaPolicy | null> {
    let fields: SlaPolicyFields | null = null;
    return mapDuplicate(() => this.db.transaction(async (tx) => {
      const rows = await tx.query<PolicyRow>('SELECT * FROM sla_policies WHERE id = $1 FOR UPDATE', [id]);
      if (!rows[0]) return null;
      const before = toPolicy(rows[0]);
      const p = next(before);
      fields = p;
      await this.checkPolicy(tx, p, id);
      const updated = await tx.query<PolicyRow>(
        `UPDATE sla_policies SET category_code = $2, priority = $3, response_amount = $4, response_unit = $5, resolution_amount = $6,
           resolution_unit = $7, warn_at_fraction = $8, transfer_mode = $9, updated_by = $10, updated_at = now() WHERE id = $1 RETURNING *`,
        [id, p.categoryCode, p.priority, p.response.amount, p.response.unit, p.resolution.amount, p.resolution.unit, p.warnAtFraction, p.transfer, staffId]);
      const after = toPolicy(updated[0]!);
      await this.audit(tx, id, 'updated', staffId, before, after);
      return after;
    }), () => fields);
  }

  async removePolicy(id: number, staffId: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<PolicyRow>('DELETE FROM sla_policies WHERE id = $1 RETURNING *', [id]);
      if (!rows[0]) return false;
      await this.audit(tx, id, 'deleted', staffId, toPolicy(rows[0]), null);
      return true;
    });
  }

  async auditTrail(policyId: number | null, limit = 200): Promise<SlaPolicyAuditEntry[]> {
    const rows = await this.db.query<{ id: number; policy_id: number; action: SlaPolicyAuditEntry['action']; staff_id: number | null; at: Date; before: unknown; after: unknown }>(
      'SELECT * FROM sla_policy_audit WHERE ($1::bigint IS NULL OR policy_id = $1) ORDER BY id DESC LIMIT $2', [policyId, limit]);
    return rows.map((r) => ({ id: r.id, policyId: r.policy_id, action: r.action, staffId: r.staff_id, at: r.at, before: r.before, after: r.after }));
  }

  // ---- calendar ------------------------------------------------------------------------------

  /** Admins' days of one year (the shipped announcements are not in the table). */
  async calendarDays(year: number): Promise<StoredCalendarDay[]> {
    const rows = await this.db.query<{ date: string; kind: CalendarDayKind; reason: string; created_by: number | null; created_at: Date }>(
      `SELECT to_char(date, 'YYYY-MM-DD') AS date, kind, reason, created_by, created_at FROM calendar_adjustments
       WHERE date >= make_date($1, 1, 1) AND date < make_date($1 + 1, 1, 1) ORDER BY date`, [year]);
    return rows.map((r) => ({ date: r.date, kind: r.kind, reason: r.reason, createdBy: r.created_by, createdAt: r.created_at }));
  }

  /** Adds or replaces the admins' entry for a date; `created` tells which. */
  async upsertCalendarDay(day: { date: string; kind: CalendarDayKind; reason: string }, staffId: number): Promise<{ day: StoredCalendarDay; created: boolean }> {
    return this.db.transaction(async (tx) => {
      const existing = await tx.query('SELECT 1 FROM calendar_adjustments WHERE date = $1::date FOR UPDATE', [day.date]);
      const [r] = await tx.query<{ date: string; kind: CalendarDayKind; reason: string; created_by: number | null; created_at: Date }>(
        `INSERT INTO calendar_adjustments (date, kind, reason, created_by) VALUES ($1::date, $2, $3, $4)
         ON CONFLICT (date) DO UPDATE SET kind = EXCLUDED.kind, reason = EXCLUDED.reason, created_by = EXCLUDED.created_by, created_at = now()
         RETURNING to_char(date, 'YYYY-MM-DD') AS date, kind, reason, created_by, created_at`,
        [day.date, day.kind, day.reason, staffId]);
      return { day: { date: r!.date, kind: r!.kind, reason: r!.reason, createdBy: r!.created_by, createdAt: r!.created_at }, created: existing.length === 0 };
    });
  }

  async removeCalendarDay(date: string): Promise<boolean> {
    const rows = await this.db.query('DELETE FROM calendar_adjustments WHERE date = $1::date RETURNING date', [date]);
    return rows.length > 0;
  }

  // ---- statistics ----------------------------------------------------------------------------

  /**
   * Tickets created in [from, to) (optionally of one category), with their SLA state (null when no
   * clock was started) and the agencies that transferred each away (ticket_events 'transfer').
   */
  async slaTickets(period: { from: Date; to: Date }, categoryCode: string | null): Promise<SlaTicketRow[]> {
    const params = [period.from, period.to, categoryCode];
    const where = 't.created_at >= $1 AND t.created_at < $2 AND ($3::text IS NULL OR t.category_code = $3)';
    const [rows, transfers] = await Promise.all([
      this.db.query<{ id: number; agency_id: number | null; category_code: string | null; status: TicketStatus; sla_state: unknown; created_at: Date }>(
        `SELECT t.id, t.agency_id, t.category_code, t.status, t.sla_state, t.created_at FROM tickets t WHERE ${where} ORDER BY t.id`, params),
      this.db.query<{ ticket_id: number; from_agency_id: string | null }>(
        `SELECT e.ticket_id, e.data->>'fromAgencyId' AS from_agency_id FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
         WHERE e.type = 'transfer' AND ${where} ORDER BY e.id`, params),
    ]);
    const byTicket = new Map<number, number[]>();
    for (const e of transfers) {
      const agency = e.from_agency_id === null ? NaN : Number(e.from_agency_id);
      if (!Number.isSafeInteger(agency)) continue; // a transfer from "no agency" is nobody's transfer out
      const list = byTicket.get(e.ticket_id);
      if (list) list.push(agency);
      else byTicket.set(e.ticket_id, [agency]);
    }
    return rows.map((r) => ({
      id: r.id, agencyId: r.agency_id, categoryCode: r.category_code, status: r.status, slaState: r.sla_state, createdAt: r.created_at,
      transferredFromAgencyIds: byTicket.get(r.id) ?? [],
    }));
  }
}
