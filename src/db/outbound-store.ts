import type { Database } from './database';
import type { DeliveryRecord, OutboundStore, TicketContext } from '../outbound/notifier';
import type { Interactive } from '../outbound/senders';

type ContextRow = {
  id: number; code: string; tracking_token: string; status: string; channel: string; category_code: string | null;
  priority: string; agency_id: number | null; agency_name: string | null; commune_code: string | null;
  status_reason: string | null; resolution: string | null; merged_into_code: string | null; created_at: Date;
  citizen_id: number; display_name: string | null; phone: string | null; email: string | null;
  identities: { kind: string; value: string }[] | null;
};

const CONTEXT_SQL = `
  SELECT t.id, t.code, t.tracking_token, t.status, t.channel, t.category_code, t.priority, t.agency_id,
         a.name_vi AS agency_name, t.commune_code, t.status_reason, t.resolution, m.code AS merged_into_code, t.created_at,
         c.id AS citizen_id, c.display_name, c.phone, c.email,
         (SELECT json_agg(json_build_object('kind', ci.kind, 'value', ci.value)) FROM citizen_identities ci WHERE ci.citizen_id = c.id) AS identities
  FROM tickets t
  JOIN citizens c ON c.id = t.citizen_id
  LEFT JOIN agencies a ON a.id = t.agency_id
  LEFT JOIN tickets m ON m.id = t.merged_into_id`;

const toContext = (r: ContextRow): TicketContext => ({
  id: r.id, code: r.code, trackingToken: r.tracking_token, status: r.status, channel: r.channel, categoryCode: r.category_code,
  priority: r.priority, agencyId: r.agency_id, agencyName: r.agency_name, communeCode: r.commune_code, statusReason: r.status_reason,
  resolution: r.resolution, mergedIntoCode: r.merged_into_code, createdAt: r.created_at,
  recipient: { citizenId: r.citizen_id, displayName: r.display_name, phone: r.phone, email: r.email, identities: r.identities ?? [] },
});

export class SqlOutboundStore implements OutboundStore {
  constructor(private readonly db: Database) {}

  async ticketContext(ref: { id: number } | { code: string }): Promise<TicketContext | null> {
    const rows = 'id' in ref
      ? await this.db.query<ContextRow>(`${CONTEXT_SQL} WHERE t.id = $1`, [ref.id])
      : await this.db.query<ContextRow>(`${CONTEXT_SQL} WHERE t.code = $1`, [ref.code]);
    return rows[0] ? toContext(rows[0]) : null;
  }

  async mergedInto(ticketId: number): Promise<TicketContext[]> {
    const rows = await this.db.query<ContextRow>(`${CONTEXT_SQL} WHERE t.merged_into_id = $1 ORDER BY t.id`, [ticketId]);
    return rows.map(toContext);
  }

  async notifyRoles(roles: string[], ticketId: number, kind: string, body: string, dedupeKey: string): Promise<number> {
    const rows = await this.db.query<{ id: number }>(
      `INSERT INTO staff_notifications (staff_id, ticket_id, kind, body, dedupe_key)
       SELECT id, $2, $3, $4, $5 FROM staff_users WHERE active AND role = ANY($1::text[])
       ON CONFLICT (staff_id, dedupe_key) DO NOTHING RETURNING id`, [roles, ticketId, kind, body, dedupeKey]);
    return rows.length;
  }

  async hasMessage(dedupeKey: string): Promise<boolean> {
    const rows = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM messages WHERE dedupe_key = $1', [dedupeKey]);
    return (rows[0]?.n ?? 0) > 0;
  }

  async createOutbound(ticketId: number, channel: string, body: string, dedupeKey: string, status: 'queued' | 'delivered' = 'queued', interactive: Interactive | null = null): Promise<{ id: number; created: boolean }> {
    const inserted = await this.db.query<{ id: number }>(
      `INSERT INTO messages (ticket_id, direction, channel, dedupe_key, visibility, body, delivery_status, interactive)
       VALUES ($1, 'outbound', $2, $3, 'public', $4, $5, $6) ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING RETURNING id`,
      [ticketId, channel, dedupeKey, body, status, interactive ? JSON.stringify(interactive) : null],
    );
    if (inserted[0]) return { id: inserted[0].id, created: true };
    const existing = await this.db.query<{ id: number }>('SELECT id FROM messages WHERE dedupe_key = $1', [dedupeKey]);
    return { id: existing[0]!.id, created: false };
  }

  async messageForDelivery(messageId: number): Promise<DeliveryRecord | null> {
    const rows = await this.db.query<{ id: number; ticket_id: number; channel: string; body: string; delivery_status: string; direction: string; interactive: Interactive | null }>(
      'SELECT id, ticket_id, channel, body, delivery_status, direction, interactive FROM messages WHERE id = $1', [messageId]);
    const r = rows[0];
    return r ? { id: r.id, ticketId: r.ticket_id, channel: r.channel, body: r.body, deliveryStatus: r.delivery_status, direction: r.direction, interactive: r.interactive } : null;
  }

  async heldMessages(channels: string[], limit: number): Promise<number[]> {
    if (channels.length === 0) return [];
    const rows = await this.db.query<{ id: number }>(
      `SELECT id FROM messages WHERE delivery_status = 'held' AND direction = 'outbound' AND channel = ANY($1::text[])
       ORDER BY created_at LIMIT $2`, [channels, limit]);
    return rows.map((r) => r.id);
  }

  async staleQueued(olderThanSeconds: number, limit: number): Promise<number[]> {
    const rows = await this.db.query<{ id: number }>(
      `SELECT id FROM messages WHERE delivery_status = 'queued' AND direction = 'outbound'
         AND updated_at < now() - make_interval(secs => $1) ORDER BY updated_at LIMIT $2`, [olderThanSeconds, limit]);
    return rows.map((r) => r.id);
  }

  async claimForSending(messageId: number): Promise<boolean> {
    const rows = await this.db.query<{ id: number }>(
      `UPDATE messages SET delivery_status = 'sending', updated_at = now()
       WHERE id = $1 AND direction = 'outbound' AND delivery_status IN ('queued', 'held') RETURNING id`, [messageId]);
    return rows.length === 1;
  }

  async recoverStaleSending(olderThanSeconds: number, limit: number, resendChannels: string[] = []): Promise<{ requeued: number[]; unconfirmed: number }> {
    const rows = await this.db.query<{ id: number; delivery_status: string }>(
      `UPDATE messages m SET delivery_status = CASE WHEN m.author_staff_id IS NULL AND m.channel <> ALL($3::text[]) THEN 'unconfirmed' ELSE 'queued' END,
              delivery_error = CASE WHEN m.author_staff_id IS NULL AND m.channel <> ALL($3::text[])
                THEN 'gửi bị gián đoạn, có thể đã đến / sending was interrupted; it may have arrived' ELSE m.delivery_error END,
              updated_at = now()
       FROM (SELECT id FROM messages WHERE delivery_status = 'sending' AND updated_at < now() - make_interval(secs => $1)
             ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED) s
       WHERE m.id = s.id RETURNING m.id, m.delivery_status`, [olderThanSeconds, limit, resendChannels]);
    return { requeued: rows.filter((r) => r.delivery_status === 'queued').map((r) => r.id), unconfirmed: rows.filter((r) => r.delivery_status === 'unconfirmed').length };
  }

  async setDelivery(messageId: number, status: 'queued' | 'sent' | 'delivered' | 'failed' | 'held', externalId: string | null, error: string | null): Promise<void> {
    await this.db.query(
      `UPDATE messages SET delivery_status = $2, external_id = COALESCE($3, external_id), delivery_error = $4, updated_at = now() WHERE id = $1`,
      [messageId, status, externalId, error],
    );
  }
}
