import type { Database } from './database';

export type StaffNotification = { id: number; ticketId: number | null; ticketCode: string | null; kind: string; body: string; createdAt: Date; readAt: Date | null };

/** A staff member's notices (SLA warnings and breaches, urgent reports): listed and marked read. */
export class NotificationStore {
  constructor(private readonly db: Database) {}

  async list(staffId: number, unreadOnly: boolean, limit = 100): Promise<{ items: StaffNotification[]; unread: number }> {
    const rows = await this.db.query<{ id: number; ticket_id: number | null; code: string | null; kind: string; body: string; created_at: Date; read_at: Date | null }>(
      `SELECT n.id, n.ticket_id, t.code, n.kind, n.body, n.created_at, n.read_at
       FROM staff_notifications n LEFT JOIN tickets t ON t.id = n.ticket_id
       WHERE n.staff_id = $1 AND ($2 = false OR n.read_at IS NULL) ORDER BY n.created_at DESC, n.id DESC LIMIT $3`, [staffId, unreadOnly, limit]);
    const unread = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM staff_notifications WHERE staff_id = $1 AND read_at IS NULL', [staffId]);
    return {
      items: rows.map((r) => ({ id: r.id, ticketId: r.ticket_id, ticketCode: r.code, kind: r.kind, body: r.body, createdAt: r.created_at, readAt: r.read_at })),
      unread: unread[0]?.n ?? 0,
    };
  }

  /** Marks one (or, with id null, every) unread notice of this staff member read; returns how many. */
  async markRead(staffId: number, id: number | null): Promise<number> {
    const rows = await this.db.query<{ id: number }>(
      `UPDATE staff_notifications SET read_at = now() WHERE staff_id = $1 AND read_at IS NULL AND ($2::bigint IS NULL OR id = $2) RETURNING id`, [staffId, id]);
    return rows.length;
  }
}
