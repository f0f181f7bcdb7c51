import type { Database, Queryable } from './database';

export const AUDITED = ['staff_user', 'category', 'agency', 'channel'] as const;
export type AuditedEntity = (typeof AUDITED)[number];

export type AdminAuditEntry = {
  id: number; entity: AuditedEntity; key: string; action: 'created' | 'updated'; staffId: number | null; at: Date; before: unknown; after: unknown;
};

type AuditRow = { id: number; entity: AuditedEntity; entity_key: string; action: 'created' | 'updated'; staff_id: number | null; at: Date; before: unknown; after: unknown };

/** One audit row, written in the caller's transaction so the change and its record commit together. */
export async function writeAudit(q: Queryable, entity: AuditedEntity, key: string | number, action: AdminAuditEntry['action'],
  staffId: number, before: unknown, after: unknown): Promise<void> {
  await q.query('INSERT INTO admin_audit (entity, entity_key, action, staff_id, before, after) VALUES ($1,$2,$3,$4,$5,$6)',
    [entity, String(key), action, staffId, before == null ? null : JSON.stringify(before), after == null ? null : JSON.stringify(after)]);
}

/** The newest entries first, of one kind of record (and one record, when `key` is given). */
export async function auditTrail(db: Database, entity: AuditedEntity | null, key: string | null, limit = 200): Promise<AdminAuditEntry[]> {
  const rows = await db.query<AuditRow>(
    `SELECT * FROM admin_audit WHERE ($1::text IS NULL OR entity = $1) AND ($2::text IS NULL OR entity_key = $2)
     ORDER BY id DESC LIMIT $3`, [entity, key, limit]);
  return rows.map((r) => ({ id: r.id, entity: r.entity, key: r.entity_key, action: r.action, staffId: r.staff_id, at: r.at, before: r.before, after: r.after }));
}
