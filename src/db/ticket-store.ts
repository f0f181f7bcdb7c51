import type { Database, Queryable } from './database';
import { UNIQUE_VIOLATION, sqlState } from './database';
import { toMessage, toTicket, type MessageRow, type TicketRow } from './rows';
import type { ExtensionRequest, ClassificationFeedback, DuplicateQuery, IntakeWriter, NewEvent, NewIntake, NewMessage, StoreTx, TransactionRunner } from '../workflow/ports';
import type { DuplicateCandidate } from '../triage/duplicates';
import type { UnderstandingPlan } from '../triage/understanding';
import type { SlaFold } from '../sla/sla-engine';
import type { TicketChanges } from '../workflow/ticket-workflow';
import type { Message, Ticket } from '../workflow/types';

type ExtensionRow = {
  id: number; ticket_id: number; requested_by: number; requested_at: Date; requested_due_at: Date; reason: string;
  status: ExtensionRequest['status']; decided_by: number | null; decided_at: Date | null; decision_note: string | null;
};
export const toExtension = (r: ExtensionRow): ExtensionRequest => ({
  id: r.id, ticketId: r.ticket_id, requestedBy: r.requested_by, requestedAt: r.requested_at, requestedDueAt: r.requested_due_at, reason: r.reason,
  status: r.status, decidedBy: r.decided_by, decidedAt: r.decided_at, decisionNote: r.decision_note,
});

/** The earlier of the two clocks' breaches, if any: what `sla_breached_at` keeps. */
const firstBreachOf = (sla: SlaFold): Date | null =>
  [sla.state.response.breachedAt, sla.state.resolution.breachedAt].filter((d): d is Date => d !== null).sort((a, b) => a.getTime() - b.getTime())[0] ?? null;

/** The SQL side of the domain's storage port. */
export class SqlStoreTx implements StoreTx {
  constructor(private readonly q: Queryable) {}

  async lockTicketByCode(code: string): Promise<Ticket | null> {
    const rows = await this.q.query<TicketRow>('SELECT * FROM tickets WHERE code = $1 FOR UPDATE', [code]);
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

  async appendEvents(events: NewEvent[]): Promise<void> {
    if (events.length === 0) return;
    if (events.length === 1) return this.appendEvent(events[0]!);
    await this.q.query(
      `INSERT INTO ticket_events (ticket_id, at, actor_kind, actor_id, type, from_status, to_status, data)
       SELECT e.ticket_id, e.at, e.actor_kind, e.actor_id, e.type, e.from_status, e.to_status, e.data::jsonb
       FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[])
         WITH ORDINALITY AS e(ticket_id, at, actor_kind, actor_id, type, from_status, to_status, data, n)
       ORDER BY e.n`,
      [events.map((e) => e.ticketId), events.map((e) => e.at), events.map((e) => e.actorKind), events.map((e) => e.actorId), events.map((e) => e.type),
        events.map((e) => e.fromStatus), events.map((e) => e.toStatus), events.map((e) => JSON.stringify(e.data))],
    );
  }

  async enqueueOutbox(topic: string, payload: Record<string, unknown>, at: Date): Promise<void> {
    await this.q.query('INSERT INTO outbox (topic, payload, created_at) VALUES ($1, $2, $3)', [topic, JSON.stringify(payload), at]);
  }

  async agencyIsActive(agencyId: number): Promise<boolean> {
    const rows = await this.q.query('SELECT 1 FROM agencies WHERE id = $1 AND active', [agencyId]);
    return rows.length > 0;
  }

  async duplicateCandidates(q: DuplicateQuery): Promise<DuplicateCandidate[]> {
    const place = q.box
      ? 'AND t.location_lat BETWEEN $4 AND $5 AND t.location_lng BETWEEN $6 AND $7'
      : 'AND t.commune_code = $4';
    const params: unknown[] = [q.categoryCode, q.since, q.excludeId];
    if (q.box) params.push(q.box.minLat, q.box.maxLat, q.box.minLng, q.box.maxLng);
    else params.push(q.communeCode);
    params.push(q.limit);
    // Served by the partial index on open tickets by category; the place narrows the newest ones.
    const rows = await this.q.query<{ id: number; code: string; category_code: string | null; commune_code: string | null;
      location_lat: number | null; location_lng: number | null; description: string; created_at: Date }>(
      `SELECT t.id, t.code, t.category_code, t.commune_code, t.location_lat, t.location_lng, t.description, t.created_at
       FROM tickets t
       WHERE t.category_code = $1 AND t.created_at >= $2 AND t.id <> $3
         AND t.status NOT IN ('resolved', 'closed', 'rejected', 'merged') ${place}
       ORDER BY t.created_at DESC LIMIT $${params.length}`, params);
    return rows.map((r) => ({ id: r.id, code: r.code, categoryCode: r.category_code, communeCode: r.commune_code,
      lat: r.location_lat, lng: r.location_lng, text: r.description, createdAt: r.created_at }));
  }

  async lockTicketById(id: number): Promise<Ticket | null> {
    const rows = await this.q.query<TicketRow>('SELECT * FROM tickets WHERE id = $1 FOR UPDATE', [id]);
    return rows[0] ? toTicket(rows[0]) : null;
  }

  async saveSla(ticketId: number, sla: SlaFold, at: Date): Promise<Ticket> {
    const s = sla.state;
    const firstBreach = firstBreachOf(sla);
    const rows = await this.q.query<TicketRow>(
      `UPDATE tickets SET sla_state = $2, sla_response_due_at = $3, sla_resolution_due_at = $4, sla_next_timer_at = $5,
         sla_breached_at = COALESCE(sla_breached_at, $6), sla_outcome = $7, updated_at = GREATEST(updated_at, $8)
       WHERE id = $1 RETURNING *`,
      [ticketId, JSON.stringify(s), s.response.dueAt, s.resolution.dueAt, sla.nextTimerAt, firstBreach, s.resolution.outcome, at]);
    return toTicket(rows[0]!);
  }

  async slaRecipients(ticket: Ticket, escalate: boolean): Promise<{ id: number; email: string }[]> {
    return this.q.query<{ id: number; email: string }>(
      `SELECT id, email FROM staff_users WHERE active AND (
         id = $1
         OR ($2::bigint IS NOT NULL AND agency_id = $2 AND (role = 'agency_lead' OR ($1::bigint IS NULL AND role = 'agency_staff')))
         OR ($3 AND role = 'supervisor'))
       ORDER BY id`, [ticket.assigneeId, ticket.agencyId, escalate]);
  }

  async notifyStaff(rows: { staffId: number; ticketId: number; kind: string; body: string; dedupeKey: string }[]): Promise<number> {
    if (rows.length === 0) return 0;
    const inserted = await this.q.query<{ id: number }>(
      `INSERT INTO staff_notifications (staff_id, ticket_id, kind, body, dedupe_key)
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[])
       ON CONFLICT (staff_id, dedupe_key) DO NOTHING RETURNING id`,
      [rows.map((r) => r.staffId), rows.map((r) => r.ticketId), rows.map((r) => r.kind), rows.map((r) => r.body), rows.map((r) => r.dedupeKey)]);
    return inserted.length;
  }

  async insertExtensionRequest(r: { ticketId: number; staffId: number; at: Date; requestedDueAt: Date; reason: string }): Promise<ExtensionRequest | null> {
    const rows = await this.q.query<ExtensionRow>(
      `INSERT INTO sla_extensions (ticket_id, requested_by, requested_at, requested_due_at, reason) VALUES ($1,$2,$3,$4,$5)
       ON CONFLICT (ticket_id) WHERE status = 'requested' DO NOTHING RETURNING *`,
      [r.ticketId, r.staffId, r.at, r.requestedDueAt, r.reason]);
    return rows[0] ? toExtension(rows[0]) : null;
  }

  async lockExtensionRequest(id: number): Promise<ExtensionRequest | null> {
    const rows = await this.q.query<ExtensionRow>('SELECT * FROM sla_extensions WHERE id = $1 FOR UPDATE', [id]);
    return rows[0] ? toExtension(rows[0]) : null;
  }

  async decideExtensionRequest(id: number, d: { status: 'approved' | 'refused'; staffId: number; at: Date; note: string | null }): Promise<ExtensionRequest> {
    const rows = await this.q.query<ExtensionRow>(
      `UPDATE sla_extensions SET status = $2, decided_by = $3, decided_at = $4, decision_note = $5 WHERE id = $1 RETURNING *`,
      [id, d.status, d.staffId, d.at, d.note]);
    return toExtension(rows[0]!);
  }

  async citizenLastCommune(citizenId: number, excludeTicketId: number): Promise<string | null> {
    const rows = await this.q.query<{ commune_code: string }>(
      `SELECT commune_code FROM tickets WHERE citizen_id = $1 AND id <> $2 AND commune_code IS NOT NULL
       ORDER BY created_at DESC LIMIT 1`, [citizenId, excludeTicketId]);
    return rows[0]?.commune_code ?? null;
  }

  async recordUnderstanding(ticket: Ticket, p: UnderstandingPlan, at: Date, sla?: SlaFold | null): Promise<Ticket> {
    const params: unknown[] = [ticket.id, p.categoryCode, p.priority, p.communeCode, p.provinceCode, JSON.stringify(p.classification), JSON.stringify(p.routing),
      p.reviewReasons, p.duplicate?.id ?? null, p.duplicate?.score ?? null, at];
    let slaSets = '';
    if (sla) {
      const s = sla.state;
      params.push(JSON.stringify(s), s.response.dueAt, s.resolution.dueAt, sla.nextTimerAt, firstBreachOf(sla), s.resolution.outcome);
      slaSets = `, sla_state = $12, sla_response_due_at = $13, sla_resolution_due_at = $14, sla_next_timer_at = $15,
         sla_breached_at = COALESCE(sla_breached_at, $16), sla_outcome = $17`;
    }
    const rows = await this.q.query<TicketRow>(
      `UPDATE tickets SET category_code = $2, priority = $3, commune_code = $4, province_code = $5,
         classification = $6, routing = $7, review_reasons = $8::text[], duplicate_of_id = $9, duplicate_score = $10,
         understood_at = $11, updated_at = $11${slaSets}
       WHERE id = $1 RETURNING *`, params);
    await this.appendEvent({
      ticketId: ticket.id, at, actorKind: 'system', actorId: null, type: 'understood', fromStatus: null, toStatus: null,
      data: {
        categoryCode: p.categoryCode, confidence: p.classification.confidence, priority: p.priority, communeCode: p.communeCode,
        areaVia: p.routing.areaVia, agencyId: p.routing.agencyId, ruleId: p.routing.ruleId, reviewReasons: p.reviewReasons,
        ...(p.duplicate ? { duplicateOf: p.duplicate.code, duplicateScore: p.duplicate.score } : {}),
      },
    });
    return toTicket(rows[0]!);
  }

  async recordClassificationFeedback(f: ClassificationFeedback): Promise<void> {
    // One correction per ticket: the latest operator decision is the label.
    await this.q.query(
      `INSERT INTO classification_feedback (ticket_id, text, predicted_category, predicted_priority, corrected_category, corrected_priority, staff_id, created_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
       ON CONFLICT (ticket_id) DO UPDATE SET corrected_category = EXCLUDED.corrected_category,
         corrected_priority = EXCLUDED.corrected_priority, staff_id = EXCLUDED.staff_id, created_at = EXCLUDED.created_at, trained_at = NULL`,
      [f.ticketId, f.text, f.predictedCategory, f.predictedPriority, f.correctedCategory, f.correctedPriority, f.staffId, f.at]);
  }

  async staffBelongsToAgency(userId: number, agencyId: number): Promise<boolean> {
    const rows = await this.q.query('SELECT 1 FROM staff_users WHERE id = $1 AND agency_id = $2 AND active', [userId, agencyId]);
    return rows.length > 0;
  }
}

/**
 * The whole intake as one statement: data-modifying CTEs find or create the citizen, link its
 * identities, insert the ticket, its first message, its event and its outbox row. One statement
 * is one implicit transaction and one round trip, which is what intake throughput is bound by.
 *
 * The identity lookup is a LATERAL probe per identity, not a join: the statement is prepared once
 * per connection and its generic plan is made while the tables are still small. As a join, that
 * plan hashed a sequential scan of citizen_identities and kept doing so as the table grew
 * (measured: 27 million rows read for 7,400 reports). A probe per identity has only the unique
 * index to use, at any table size.
 */
const INTAKE_SQL = `
WITH want AS (SELECT * FROM unnest($1::text[], $2::text[]) AS w(kind, value)),
found AS (
  SELECT ci.citizen_id FROM want
  CROSS JOIN LATERAL (SELECT citizen_id, created_at FROM citizen_identities WHERE kind = want.kind AND value = want.value LIMIT 1) ci
  ORDER BY ci.created_at LIMIT 1),
new_citizen AS (
  INSERT INTO citizens (display_name, phone, email, contact_consent)
  SELECT $3, $4, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM found) RETURNING id),
citizen AS (SELECT citizen_id AS id FROM found UNION ALL SELECT id FROM new_citizen),
touched AS (
  UPDATE citizens SET display_name = COALESCE($3, display_name), phone = COALESCE(phone, $4),
    email = COALESCE(email, $5), contact_consent = contact_consent OR $6
  WHERE id = (SELECT citizen_id FROM found)
    AND (($3::text IS NOT NULL AND display_name IS DISTINCT FROM $3) OR (phone IS NULL AND $4::text IS NOT NULL)
      OR (email IS NULL AND $5::text IS NOT NULL) OR (NOT contact_consent AND $6))),
linked AS (
  INSERT INTO citizen_identities (kind, value, citizen_id)
  SELECT kind, value, (SELECT id FROM citizen) FROM want ON CONFLICT (kind, value) DO NOTHING),
t AS (
  INSERT INTO tickets (code, tracking_token, status, channel, citizen_id, category_code, priority, description,
    search_text, location_lat, location_lng, address, province_code, commune_code, idempotency_key, publishable,
    created_at, updated_at, status_changed_at)
  SELECT $7, $8, 'received', $9, (SELECT id FROM citizen), $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $21, $21
  ON CONFLICT (code) DO NOTHING RETURNING *),
msg AS (
  INSERT INTO messages (ticket_id, direction, channel, external_id, citizen_id, visibility, body, attachments, delivery_status, created_at, updated_at)
  SELECT t.id, $22, $23, $24, t.citizen_id, $25, $26, $27, $28, $21, $21 FROM t),
ev AS (
  INSERT INTO ticket_events (ticket_id, at, actor_kind, actor_id, type, from_status, to_status, data)
  SELECT t.id, $21, $29, t.citizen_id, $30, $31, $32, $33 FROM t),
ob AS (INSERT INTO outbox (topic, payload, created_at) SELECT $34, $35, $21 FROM t),
ack AS (
  INSERT INTO messages (ticket_id, direction, channel, dedupe_key, visibility, body, delivery_status, created_at, updated_at)
  SELECT t.id, 'outbound', $23, $37, 'public', $36, 'delivered', $21, $21 FROM t WHERE $36::text IS NOT NULL)
SELECT * FROM t`;

/**
 * Many reports' intake as one statement (the group commit of src/db/intake-batcher.ts): the same
 * rows as INTAKE_SQL, set-based over arrays, so a batch costs one round trip, one plan and one
 * commit instead of one of each per report. Reports in one batch must not share an identity, a
 * ticket code or an idempotency key (the batcher keeps them apart): each new citizen gets an id
 * drawn from the sequence up front, so its ticket and identities can refer to it in the same
 * statement. A ticket code already taken leaves that report out (the caller draws another).
 */
const INTAKE_BATCH_SQL = `
WITH r AS (
  SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
    $9::float8[], $10::float8[], $11::text[], $12::text[], $13::text[], $14::text[], $15::boolean[], $16::timestamptz[],
    $17::text[], $18::text[], $19::text[], $20::boolean[],
    $21::text[], $22::text[], $23::text[], $24::text[], $25::text[], $26::text[], $27::text[],
    $28::text[], $29::text[], $30::text[], $31::text[], $32::text[], $33::text[], $34::text[], $35::text[], $36::text[])
  AS r(ord, code, tracking_token, channel, category_code, priority, description, search_text,
    lat, lng, address, province_code, commune_code, idempotency_key, publishable, at,
    display_name, phone, email, consent,
    msg_direction, msg_channel, msg_external_id, msg_visibility, msg_body, msg_attachments, msg_delivery_status,
    ev_actor_kind, ev_type, ev_from, ev_to, ev_data, ob_topic, ob_payload, ack_body, ack_dedupe)),
want AS (SELECT * FROM unnest($37::int[], $38::text[], $39::text[]) AS w(ord, kind, value)),
found AS (
  SELECT DISTINCT ON (want.ord) want.ord, ci.citizen_id FROM want
  CROSS JOIN LATERAL (SELECT citizen_id, created_at FROM citizen_identities WHERE kind = want.kind AND value = want.value LIMIT 1) ci
  ORDER BY want.ord, ci.created_at),
fresh AS MATERIALIZED (
  SELECT r.ord, nextval(pg_get_serial_sequence('citizens', 'id')) AS id FROM r
  WHERE NOT EXISTS (SELECT 1 FROM found WHERE found.ord = r.ord)),
new_citizen AS (
  INSERT INTO citizens (id, display_name, phone, email, contact_consent) OVERRIDING SYSTEM VALUE
  SELECT fresh.id, r.display_name, r.phone, r.email, r.consent FROM fresh JOIN r USING (ord)),
citizen AS (SELECT ord, citizen_id AS id FROM found UNION ALL SELECT ord, id FROM fresh),
touched AS (
  UPDATE citizens c SET display_name = COALESCE(r.display_name, c.display_name), phone = COALESCE(c.phone, r.phone),
    email = COALESCE(c.email, r.email), contact_consent = c.contact_consent OR r.consent
  FROM found JOIN r USING (ord)
  WHERE c.id = found.citizen_id
    AND ((r.display_name IS NOT NULL AND c.display_name IS DISTINCT FROM r.display_name) OR (c.phone IS NULL AND r.phone IS NOT NULL)
      OR (c.email IS NULL AND r.email IS NOT NULL) OR (NOT c.contact_consent AND r.consent))),
linked AS (
  INSERT INTO citizen_identities (kind, value, citizen_id)
  SELECT want.kind, want.value, citizen.id FROM want JOIN citizen USING (ord) ON CONFLICT (kind, value) DO NOTHING),
t AS (
  INSERT INTO tickets (code, tracking_token, status, channel, citizen_id, category_code, priority, description,
    search_text, location_lat, location_lng, address, province_code, commune_code, idempotency_key, publishable,
    created_at, updated_at, status_changed_at)
  SELECT r.code, r.tracking_token, 'received', r.channel, citizen.id, r.category_code, r.priority, r.description, r.search_text,
    r.lat, r.lng, r.address, r.province_code, r.commune_code, r.idempotency_key, r.publishable, r.at, r.at, r.at
  FROM r JOIN citizen USING (ord) ORDER BY r.ord
  ON CONFLICT (code) DO NOTHING RETURNING *),
tr AS (SELECT r.*, t.id AS ticket_id, t.citizen_id AS ticket_citizen_id FROM t JOIN r ON r.code = t.code),
msg AS (
  INSERT INTO messages (ticket_id, direction, channel, external_id, citizen_id, visibility, body, attachments, delivery_status, created_at, updated_at)
  SELECT ticket_id, msg_direction, msg_channel, msg_external_id, ticket_citizen_id, msg_visibility, msg_body, msg_attachments::jsonb,
    msg_delivery_status, at, at FROM tr),
ev AS (
  INSERT INTO ticket_events (ticket_id, at, actor_kind, actor_id, type, from_status, to_status, data)
  SELECT ticket_id, at, ev_actor_kind, ticket_citizen_id, ev_type, ev_from, ev_to, ev_data::jsonb FROM tr),
ob AS (INSERT INTO outbox (topic, payload, created_at) SELECT ob_topic, ob_payload::jsonb, at FROM tr ORDER BY ord),
ack AS (
  INSERT INTO messages (ticket_id, direction, channel, dedupe_key, visibility, body, delivery_status, created_at, updated_at)
  SELECT ticket_id, 'outbound', msg_channel, ack_dedupe, 'public', ack_body, 'delivered', at, at FROM tr WHERE ack_body IS NOT NULL)
SELECT * FROM t`;

export class SqlIntakeWriter implements IntakeWriter {
  constructor(private readonly q: Queryable) {}

  async findTicketByIdempotencyKey(key: string): Promise<Ticket | null> {
    const rows = await this.q.query<TicketRow>('SELECT * FROM tickets WHERE idempotency_key = $1', [key]);
    return rows[0] ? toTicket(rows[0]) : null;
  }

  async recordIntake(i: NewIntake): Promise<Ticket | null> {
    const t = i.ticket;
    const rows = await this.q.query<TicketRow>(INTAKE_SQL, [
      i.identities.map((x) => x.kind), i.identities.map((x) => x.value),
      i.citizen.displayName, i.citizen.phone, i.citizen.email, i.citizen.contactConsent,
      t.code, t.trackingToken, t.channel, t.categoryCode, t.priority, t.description, t.searchText, t.locationLat,
      t.locationLng, t.address, t.provinceCode, t.communeCode, t.idempotencyKey, t.publishable, t.at,
      i.message.direction, i.message.channel, i.message.externalId ?? null, i.message.visibility, i.message.body,
      JSON.stringify(i.message.attachments ?? []), i.message.deliveryStatus,
      i.event.actorKind, i.event.type, i.event.fromStatus, i.event.toStatus, JSON.stringify(i.event.data),
      i.outbox.topic, JSON.stringify(i.outbox.payload),
      i.acknowledgement?.body ?? null, i.acknowledgement?.dedupeKey ?? null,
    ]);
    return rows[0] ? toTicket(rows[0]) : null;
  }

  /**
   * Several reports in one statement (see INTAKE_BATCH_SQL for what the batch must not share).
   * Answers in the order given; null where the drawn ticket code was taken.
   */
  async recordIntakeBatch(batch: readonly NewIntake[]): Promise<(Ticket | null)[]> {
    const col = <T>(f: (i: NewIntake, ord: number) => T) => batch.map(f);
    const want = batch.flatMap((i, ord) => i.identities.map((x) => ({ ord, ...x })));
    const rows = await this.q.query<TicketRow>(INTAKE_BATCH_SQL, [
      col((_, ord) => ord), col((i) => i.ticket.code), col((i) => i.ticket.trackingToken), col((i) => i.ticket.channel),
      col((i) => i.ticket.categoryCode), col((i) => i.ticket.priority), col((i) => i.ticket.description), col((i) => i.ticket.searchText),
      col((i) => i.ticket.locationLat), col((i) => i.ticket.locationLng), col((i) => i.ticket.address), col((i) => i.ticket.provinceCode),
      col((i) => i.ticket.communeCode), col((i) => i.ticket.idempotencyKey), col((i) => i.ticket.publishable), col((i) => i.ticket.at),
      col((i) => i.citizen.displayName), col((i) => i.citizen.phone), col((i) => i.citizen.email), col((i) => i.citizen.contactConsent),
      col((i) => i.message.direction), col((i) => i.message.channel), col((i) => i.message.externalId ?? null), col((i) => i.message.visibility),
      col((i) => i.message.body), col((i) => JSON.stringify(i.message.attachments ?? [])), col((i) => i.message.deliveryStatus),
      col((i) => i.event.actorKind), col((i) => i.event.type), col((i) => i.event.fromStatus), col((i) => i.event.toStatus),
      col((i) => JSON.stringify(i.event.data)), col((i) => i.outbox.topic), col((i) => JSON.stringify(i.outbox.payload)),
      col((i) => i.acknowledgement?.body ?? null), col((i) => i.acknowledgement?.dedupeKey ?? null),
      want.map((w) => w.ord), want.map((w) => w.kind), want.map((w) => w.value),
    ]);
    const byCode = new Map(rows.map((r) => [r.code, r]));
    return batch.map((i) => {
      const row = byCode.get(i.ticket.code);
      return row ? toTicket(row) : null;
    });
  }
}

export function sqlTransactionRunner(db: Database): TransactionRunner {
  return {
    intake: new SqlIntakeWriter(db),
    transaction: (fn) => db.transaction((q) => fn(new SqlStoreTx(q))),
    isUniqueViolation: (err) => sqlState(err) === UNIQUE_VIOLATION,
  };
}
