import type { InboundMessage } from '../channels/types';
import type { InboundStore } from '../intake/inbound-service';
import type { TransitionPlan } from '../workflow/ticket-workflow';
import type { Attachment, Ticket } from '../workflow/types';
import type { Database } from './database';
import { toTicket, type TicketRow } from './rows';

export class SqlInboundStore implements InboundStore {
  constructor(private readonly db: Database) {}

  async findInboundMessage(channel: string, externalId: string): Promise<{ ticket: Ticket; messageId: number } | null> {
    const rows = await this.db.query<TicketRow & { message_id: number }>(
      `SELECT t.*, m.id AS message_id FROM messages m JOIN tickets t ON t.id = m.ticket_id
       WHERE m.channel = $1 AND m.direction = 'inbound' AND m.external_id = $2`, [channel, externalId]);
    return rows[0] ? { ticket: toTicket(rows[0]), messageId: rows[0].message_id } : null;
  }

  async ticketByCode(code: string): Promise<Ticket | null> {
    const rows = await this.db.query<TicketRow>('SELECT * FROM tickets WHERE code = $1', [code]);
    return rows[0] ? toTicket(rows[0]) : null;
  }

  async ticketById(id: number): Promise<Ticket | null> {
    const rows = await this.db.query<TicketRow>('SELECT * FROM tickets WHERE id = $1', [id]);
    return rows[0] ? toTicket(rows[0]) : null;
  }

  async ticketByMessageExternalIds(ids: string[]): Promise<Ticket | null> {
    const rows = await this.db.query<TicketRow>(
      `SELECT t.* FROM messages m JOIN tickets t ON t.id = m.ticket_id
       WHERE m.external_id = ANY($1::text[]) ORDER BY m.created_at DESC LIMIT 1`, [ids]);
    return rows[0] ? toTicket(rows[0]) : null;
  }

  async latestTicketOf(identity: { kind: string; value: string }, channel: string): Promise<Ticket | null> {
    const rows = await this.db.query<TicketRow>(
      `SELECT t.* FROM citizen_identities ci JOIN tickets t ON t.citizen_id = ci.citizen_id
       WHERE ci.kind = $1 AND ci.value = $2 AND t.channel = $3 ORDER BY t.updated_at DESC LIMIT 1`,
      [identity.kind, identity.value, channel]);
    return rows[0] ? toTicket(rows[0]) : null;
  }

  async appendCitizenMessage(ticket: Ticket, msg: InboundMessage, attachments: Attachment[], at: Date, resume: TransitionPlan | null): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const locked = await tx.query<TicketRow>('SELECT * FROM tickets WHERE id = $1 FOR UPDATE', [ticket.id]);
      const current = locked[0]!;
      const inserted = await tx.query<{ id: number }>(
        `INSERT INTO messages (ticket_id, direction, channel, external_id, citizen_id, visibility, body, attachments, delivery_status, created_at, updated_at)
         VALUES ($1, 'inbound', $2, $3, $4, 'public', $5, $6, 'received', $7, $7) ON CONFLICT DO NOTHING RETURNING id`,
        [ticket.id, msg.channel, msg.externalId, current.citizen_id, msg.text, JSON.stringify(attachments), at]);
      if (!inserted[0]) return false;
      // Apply the plan only if the ticket is still in the status it was planned from (it is locked now).
      const resumes = resume !== null && current.status === resume.from;
      await tx.query(
        `UPDATE tickets SET updated_at = $2, status = COALESCE($3, status),
           status_changed_at = CASE WHEN $3::text IS NOT NULL THEN $2 ELSE status_changed_at END WHERE id = $1`,
        [ticket.id, at, resumes ? resume.to : null]);
      await tx.query(
        `INSERT INTO ticket_events (ticket_id, at, actor_kind, actor_id, type, from_status, to_status, data)
         VALUES ($1, $2, 'citizen', $3, $4, $5, $6, $7)`,
        [ticket.id, at, current.citizen_id, resumes ? resume.action : 'citizen_message', resumes ? resume.from : null,
          resumes ? resume.to : null, JSON.stringify({ messageId: inserted[0].id, channel: msg.channel })]);
      await tx.query(`INSERT INTO outbox (topic, payload, created_at) VALUES ('ticket.transitioned', $1, $2)`,
        [JSON.stringify({ ticketId: ticket.id, code: current.code, action: resumes ? resume.action : 'citizen_message', from: current.status, to: resumes ? resume.to : current.status, at: at.toISOString() }), at]);
      return true;
    });
  }
}
