import type { AcceptedEvent, StoredWebhookEvent } from '../channels/types';
import type { Channel } from '../workflow/types';
import type { Database } from './database';

export type ChannelHealth = { channel: string; status: 'healthy' | 'degraded' | 'down'; reason: string | null; consecutiveFailures: number; updatedAt: Date };

/** Platform payloads are a few levels deep (Messenger's deepest field is about 8); nothing reads below this. */
const MAX_PAYLOAD_DEPTH = 64;
// eslint-disable-next-line no-control-regex
const NUL = /\u0000/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text as PostgreSQL takes it: text and jsonb refuse NUL, jsonb refuses lone surrogates. */
export function storableText(s: string): string {
  return s.replace(NUL, '').replace(LONE_SURROGATE, '\ufffd');
}

/**
 * A signed webhook body is still untrusted: a NUL or a lone surrogate in any string (or key) made
 * the jsonb insert fail, and a body thousands of levels deep overflowed JSON.stringify. Both
 * answered 503, which the platform retries for hours. Strings are made storable and anything
 * deeper than MAX_PAYLOAD_DEPTH becomes null.
 */
export function storablePayload(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return storableText(v);
  if (v === null || typeof v !== 'object') return v;
  if (depth >= MAX_PAYLOAD_DEPTH) return null;
  if (Array.isArray(v)) return v.map((x) => storablePayload(x, depth + 1));
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return v; // Date and the like: JSON.stringify writes them
  // A null prototype keeps "__proto__" an ordinary key, as JSON.parse made it.
  const out = Object.create(null) as Record<string, unknown>;
  for (const [k, x] of Object.entries(v)) out[storableText(k)] = storablePayload(x, depth + 1);
  return out;
}

/** Raw webhook events and channel health. */
export class ChannelStore {
  constructor(private readonly db: Database) {}

  /** Stores new events and their outbox rows in one transaction; returns how many were new. */
  async acceptEvents(channel: Channel, events: AcceptedEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    return this.db.transaction(async (tx) => {
      let added = 0;
      for (const e of events) {
        const rows = await tx.query<{ id: number }>(
          `INSERT INTO webhook_events (channel, event_key, payload, sender) VALUES ($1, $2, $3, $4)
           ON CONFLICT (channel, event_key) DO NOTHING RETURNING id`, [channel, storableText(e.key.slice(0, 300)), JSON.stringify(storablePayload(e.payload)), e.sender != null ? storableText(e.sender.slice(0, 200)) : null]);
        if (!rows[0]) continue;
        added += 1;
        await tx.query(`INSERT INTO outbox (topic, payload) VALUES ('webhook.received', $1)`, [JSON.stringify({ eventId: rows[0].id, channel })]);
      }
      return added;
    });
  }

  /** An earlier event of the same sender on this channel that is not processed yet (it must go first). */
  async earlierPendingOfSender(channel: Channel, sender: string, id: number): Promise<number | null> {
    const rows = await this.db.query<{ id: number }>(
      `SELECT id FROM webhook_events WHERE channel = $1 AND sender = $2 AND id < $3 AND processed_at IS NULL ORDER BY id LIMIT 1`,
      [channel, sender, id]);
    return rows[0]?.id ?? null;
  }

  async event(id: number): Promise<(StoredWebhookEvent & { processedAt: Date | null; sender: string | null }) | null> {
    const rows = await this.db.query<{ id: number; channel: Channel; event_key: string; payload: unknown; received_at: Date; processed_at: Date | null; sender: string | null }>(
      'SELECT id, channel, event_key, payload, received_at, processed_at, sender FROM webhook_events WHERE id = $1', [id]);
    const r = rows[0];
    return r ? { id: r.id, channel: r.channel, eventKey: r.event_key, payload: r.payload, receivedAt: r.received_at, processedAt: r.processed_at, sender: r.sender } : null;
  }

  async markProcessed(id: number, outcome: 'ticket_created' | 'message_appended' | 'duplicate' | 'ignored' | 'failed' | 'receipt', ticketId: number | null, error?: string): Promise<void> {
    await this.db.query('UPDATE webhook_events SET processed_at = now(), outcome = $2, ticket_id = $3, error = $4 WHERE id = $1',
      [id, outcome, ticketId, error?.slice(0, 1000) ?? null]);
  }

  /**
   * Applies delivery receipts to our outbound messages on this channel. A late 'delivered' never
   * hides a failure the platform reported; a failure after 'delivered' is recorded.
   */
  async applyReceipts(channel: Channel, receipts: { externalId: string; status: 'delivered' | 'failed'; reason?: string | null }[]): Promise<number> {
    let n = 0;
    for (const r of receipts) {
      const rows = await this.db.query<{ id: number }>(
        `UPDATE messages SET delivery_status = $3, delivery_error = CASE WHEN $3 = 'failed' THEN $4 ELSE delivery_error END, updated_at = now()
         WHERE channel = $1 AND direction = 'outbound' AND external_id = $2
           AND delivery_status IN ('queued', 'sent', 'delivered') AND delivery_status <> $3 RETURNING id`,
        [channel, r.externalId, r.status, r.reason ?? null]);
      n += rows.length;
    }
    return n;
  }

  async reportHealth(channel: Channel, ok: boolean, reason?: string, severity: 'degraded' | 'down' = 'degraded'): Promise<void> {
    if (ok) {
      await this.db.query(
        `INSERT INTO channel_health (channel, status, reason, consecutive_failures, last_success_at, updated_at)
         VALUES ($1, 'healthy', NULL, 0, now(), now())
         ON CONFLICT (channel) DO UPDATE SET status = 'healthy', reason = NULL, consecutive_failures = 0, last_success_at = now(), updated_at = now()`,
        [channel]);
    } else {
      // A revoked token is down at once; other failures degrade, and repeated ones take it down.
      await this.db.query(
        `INSERT INTO channel_health (channel, status, reason, consecutive_failures, last_failure_at, updated_at)
         VALUES ($1, $3, $2, 1, now(), now())
         ON CONFLICT (channel) DO UPDATE SET consecutive_failures = channel_health.consecutive_failures + 1,
           status = CASE WHEN $3 = 'down' OR channel_health.consecutive_failures + 1 >= 5 THEN 'down' ELSE 'degraded' END,
           reason = $2, last_failure_at = now(), updated_at = now()`,
        [channel, reason ?? 'delivery failed', severity]);
    }
  }

  async health(): Promise<ChannelHealth[]> {
    const rows = await this.db.query<{ channel: string; status: ChannelHealth['status']; reason: string | null; consecutive_failures: number; updated_at: Date }>(
      'SELECT * FROM channel_health ORDER BY channel');
    return rows.map((r) => ({ channel: r.channel, status: r.status, reason: r.reason, consecutiveFailures: r.consecutive_failures, updatedAt: r.updated_at }));
  }
}
