import type { Database, Queryable } from './database';
import { UNIQUE_VIOLATION, sqlState } from './database';
import { toMessage, toTicket, type MessageRow, type TicketRow } from './rows';
import type { CitizenProfile, NewEvent, NewMessage, NewTicket, StoreTx, TransactionRunner } from '../workflow/ports';
import type { TicketChanges } from '../workflow/ticket-workflow';
import type { IdentityKind, Message, Ticket } from '../workflow/types';

/** The SQL side of the domain's storage port. */
export class SqlStoreTx implements StoreTx {
  constructor(private readonly q: Queryable) {}

  async findTicketByIdempotencyKey(key: string): Promise<Ticket | null> {
    const rows = await this.q.query<TicketRow>('SELECT * FROM tickets WHERE idempotency_key = $1', [key]);
    return rows[0] ? toTicket(rows[0]) : null;
  }

  async lockTicketByCode(code: string): Promise<Ticket | null> {
    const rows = await this.q.query<TicketRow>('SELECT * FROM tickets WHERE code = $1 FOR UPDATE', [code]);
    return rows[0] ? toTicket(rows[0]) : null;
  }

  async insertTicket(t: NewTicket): Promise<Ticket | null> {
    // ON CONFLICT on the code only: an idempotency-key conflict must still raise (checked before).
    const rows = await this.q.query<TicketRow>(
      `INSERT INTO tickets (code, tracking_token, status, channel, citizen_id, category_code, priority, description,
         search_text, location_lat, location_lng, address, province_code, commune_code, idempotency_key, publishable,
         created_at, updated_at, status_changed_at)
       VALUES ($1,$2,'received',$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$16,$16)
       ON CONFLICT (code) DO NOTHING RETURNING *`,
      [t.code, t.trackingToken, t.channel, t.citizenId, t.categoryCode, t.priority, t.description, t.searchText,
        t.locationLat, t.locationLng, t.address, t.provinceCode, t.communeCode, t.idempotencyKey, t.publishable, t.at],
    );
    return rows[0] ? toTicket(rows[0]) : null;
  }

  async updateTicket(id: number, c: TicketChanges, at: Date): Promise<Ticket> {
    const sets: string[] = ['updated_at = $2'];
    const params: unknown[] = [id, at];
    const set = (col: string, v: unknown) => { params.push(v); sets.push(`${col} = $${params.length}`); };
    if (c.status !== undefined) { set('status', c.status); sets.push(`status_changed_at = CASE WHEN status <> $${params.length} THEN $2 ELSE status_changed_at END`); }
    if (c.categoryCode !== undefined) set('category_code', c.categoryCode);
    if (c.priority !== undefined) set('priority', c.priority);
    if (c.agencyId !== undefined) set('agency_id', c.agencyId);
    if (c.assigneeId !== undefined) set('assignee_id', c.assigneeId);
    if (c.statusReason !== undefined) set('status_reason', c.statusReason);
    if (c.resolution !== undefined) set('resolution', c.resolution);
    if (c.mergedIntoId !== undefined) set('merged_into_id', c.mergedIntoId);
    if (c.firstResponse) sets.push('first_response_at = COALESCE(first_response_at, $2)');
    if (c.resolvedNow) sets.push('resolved_at = $2');
    if (c.closedNow) sets.push('closed_at = $2');
    if (c.clearResolved) sets.push('resolved_at = NULL, closed_at = NULL');
    // Right-hand sides see the old row, so status_changed_at compares against the old status.
    const rows = await this.q.query<TicketRow>(`UPDATE tickets SET ${sets.join(', ')} WHERE id = $1 RETURNING *`, params);
    return toTicket(rows[0]!);
  }

  async resolveCitizen(identities: { kind: IdentityKind; value: string }[], p: CitizenProfile): Promise<number> {
    if (identities.length === 0) {
      const rows = await this.q.query<{ id: number }>(
        'INSERT INTO citizens (display_name, phone, email, contact_consent) VALUES ($1,$2,$3,$4) RETURNING id',
        [p.displayName, p.phone, p.email, p.contactConsent],
      );
      return rows[0]!.id;
    }
    const kinds = identities.map((i) => i.kind);
    const values = identities.map((i) => i.value);
    const found = await this.q.query<{ citizen_id: number }>(
      `SELECT ci.citizen_id FROM citizen_identities ci
       JOIN unnest($1::text[], $2::text[]) AS want(kind, value) ON ci.kind = want.kind AND ci.value = want.value
       ORDER BY ci.created_at LIMIT 1`,
      [kinds, values],
    );
    let citizenId = found[0]?.citizen_id;
    if (citizenId === undefined) {
      const rows = await this.q.query<{ id: number }>(
        'INSERT INTO citizens (display_name, phone, email, contact_consent) VALUES ($1,$2,$3,$4) RETURNING id',
        [p.displayName, p.phone, p.email, p.contactConsent],
      );
      citizenId = rows[0]!.id;
    } else {
      // Keep what we knew; fill gaps with what the citizen told us now.
      await this.q.query(
        `UPDATE citizens SET display_name = COALESCE($2, display_name), phone = COALESCE(phone, $3),
           email = COALESCE(email, $4), contact_consent = contact_consent OR $5 WHERE id = $1`,
        [citizenId, p.displayName, p.phone, p.email, p.contactConsent],
      );
    }
    // Concurrent first contacts with the same identity: the loser's link is dropped, its
    // citizen row stays (harmless); the identity keeps pointing at one citizen.
    await this.q.query(
      `INSERT INTO citizen_identities (kind, value, citizen_id)
       SELECT kind, value, $3 FROM unnest($1::text[], $2::text[]) AS t(kind, value)
       ON CONFLICT (kind, value) DO NOTHING`,
      [kinds, values, citizenId],
    );
    return citizenId;
  }

  async insertMessage(m: NewMessage): Promise<Message | null> {
    try {
      const rows = await this.q.query<MessageRow>(
        `INSERT INTO messages (ticket_id, direction, channel, external_id, dedupe_key, author_staff_id, citizen_id,
           visibility, body, attachments, delivery_status, created_at, updated_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$12)
         ON CONFLICT DO NOTHING RETURNING *`,
        [m.ticketId, m.direction, m.channel, m.externalId ?? null, m.dedupeKey ?? null, m.authorStaffId ?? null,
          m.citizenId ?? null, m.visibility, m.body, JSON.stringify(m.attachments ?? []), m.deliveryStatus, m.at],
      );
      return rows[0] ? toMessage(rows[0]) : null;
    } catch (err) {
      if (sqlState(err) === UNIQUE_VIOLATION) return null;
      throw err;
    }
  }

  async appendEvent(e: NewEvent): Promise<void> {
    await this.q.query(
      `INSERT INTO ticket_events (ticket_id, at, actor_kind, actor_id, type, from_status, to_status, data)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
      [e.ticketId, e.at, e.actorKind, e.actorId, e.type, e.fromStatus, e.toStatus, JSON.stringify(e.data)],
    );
  }

  async enqueueOutbox(topic: string, payload: Record<string, unknown>, at: Date): Promise<void> {
    await this.q.query('INSERT INTO outbox (topic, payload, created_at) VALUES ($1, $2, $3)', [topic, JSON.stringify(payload), at]);
  }

  async agencyIsActive(agencyId: number): Promise<boolean> {
    const rows = await this.q.query('SELECT 1 FROM agencies WHERE id = $1 AND active', [agencyId]);
    return rows.length > 0;
  }

  async staffBelongsToAgency(userId: number, agencyId: number): Promise<boolean> {
    const rows = await this.q.query('SELECT 1 FROM staff_users WHERE id = $1 AND agency_id = $2 AND active', [userId, agencyId]);
    return rows.length > 0;
  }
}

export function sqlTransactionRunner(db: Database): TransactionRunner {
  return {
    transaction: (fn) => db.transaction((q) => fn(new SqlStoreTx(q))),
    isUniqueViolation: (err) => sqlState(err) === UNIQUE_VIOLATION,
  };
}
