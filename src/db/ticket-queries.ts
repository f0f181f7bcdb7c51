import type { TicketScope } from '../access/policy';
import { foldVietnamese } from '../shared/text';
import type { Citizen, Message, Ticket, TicketEvent } from '../workflow/types';
import type { Database } from './database';
import { toCitizen, toEvent, toMessage, toTicket, type CitizenRow, type EventRow, type MessageRow, type TicketRow } from './rows';

export type TicketFilter = {
  status?: string[];
  categoryCode?: string;
  priority?: string;
  channel?: string;
  agencyId?: number;
  assigneeId?: number;
  unassigned?: boolean;
  communeCode?: string;
  queue?: 'triage';
  needsReview?: boolean;
  reviewReason?: string;
  due?: 'soon' | 'overdue';
  /** The moment 'due' is measured from (default: the database's now()). */
  now?: Date;
  q?: string;
  createdFrom?: Date;
  createdTo?: Date;
};

export type TicketListItem = Ticket & { agencyName: string | null; categoryName: string | null };

/**
 * Read side for staff. The access scope is applied in SQL to lists and counts alike, so what a
 * user cannot open never shows up in a list, a search result or a number.
 */
export class TicketQueries {
  constructor(private readonly db: Database) {}

  private where(scope: TicketScope, f: TicketFilter): { sql: string; params: unknown[] } {
    const conds: string[] = [];
    const params: unknown[] = [];
    const add = (cond: string, v: unknown) => { params.push(v); conds.push(cond.replace('?', `$${params.length}`)); };
    if (scope.kind === 'agency') add('t.agency_id = ?', scope.agencyId);
    if (f.status?.length) add('t.status = ANY(?::text[])', f.status);
    if (f.categoryCode) add('t.category_code = ?', f.categoryCode);
    if (f.priority) add('t.priority = ?', f.priority);
    if (f.channel) add('t.channel = ?', f.channel);
    if (f.agencyId !== undefined) add('t.agency_id = ?', f.agencyId);
    if (f.assigneeId !== undefined) add('t.assignee_id = ?', f.assigneeId);
    if (f.unassigned) conds.push('t.assignee_id IS NULL');
    if (f.communeCode) add('t.commune_code = ?', f.communeCode);
    if (f.queue === 'triage') conds.push("t.status IN ('received', 'triaged', 'returned')");
    if (f.needsReview) conds.push("cardinality(t.review_reasons) > 0 AND t.status IN ('received', 'returned')");
    if (f.reviewReason) {
      add('? = ANY(t.review_reasons)', f.reviewReason);
      conds.push("t.status IN ('received', 'returned')");
    }
    if (f.due) {
      // As the IOC counts them: the clock of a ticket waiting for the citizen is paused.
      conds.push("t.status NOT IN ('resolved', 'closed', 'rejected', 'merged', 'waiting_for_citizen')");
      const now = f.now ?? new Date();
      if (f.due === 'overdue') add('t.sla_resolution_due_at < ?', now);
      else {
        add('t.sla_resolution_due_at >= ?', now);
        add('t.sla_resolution_due_at < ?', new Date(now.getTime() + 24 * 3_600_000));
      }
    }
    if (f.createdFrom) add('t.created_at >= ?', f.createdFrom);
    if (f.createdTo) add('t.created_at < ?', f.createdTo);
    if (f.q) {
      // Citizens and staff type with or without diacritics: match on the folded text.
      const needle = foldVietnamese(f.q).replace(/[\\%_]/g, (c) => '\\' + c);
      add(`t.search_text LIKE ?`, `%${needle}%`);
    }
    return { sql: conds.length ? `WHERE ${conds.join(' AND ')}` : '', params };
  }

  async list(scope: TicketScope, f: TicketFilter, page: number, pageSize: number, sort: 'newest' | 'oldest' | 'priority' | 'due'):
    Promise<{ items: TicketListItem[]; total: number }> {
    const { sql, params } = this.where(scope, f);
    const order = sort === 'oldest' ? 't.created_at ASC, t.id ASC'
      : sort === 'priority' ? 'p.rank ASC, t.created_at ASC'
        : sort === 'due' ? 't.sla_resolution_due_at ASC NULLS LAST, t.id ASC' : 't.created_at DESC, t.id DESC';
    const rows = await this.db.query<TicketRow & { agency_name: string | null; category_name: string | null }>(
      `SELECT t.*, a.name_vi AS agency_name, c.name_vi AS category_name
       FROM tickets t
       LEFT JOIN agencies a ON a.id = t.agency_id
       LEFT JOIN categories c ON c.code = t.category_code
       JOIN priorities p ON p.code = t.priority
       ${sql} ORDER BY ${order} LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, pageSize, (page - 1) * pageSize],
    );
    const total = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM tickets t ${sql}`, params);
    return {
      items: rows.map((r) => ({ ...toTicket(r), agencyName: r.agency_name, categoryName: r.category_name })),
      total: total[0]?.n ?? 0,
    };
  }

  async countsByStatus(scope: TicketScope, f: TicketFilter): Promise<Record<string, number>> {
    const { sql, params } = this.where(scope, f);
    const rows = await this.db.query<{ status: string; n: number }>(
      `SELECT t.status, count(*)::int AS n FROM tickets t ${sql} GROUP BY t.status`, params);
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  async byCode(code: string): Promise<Ticket | null> {
    const rows = await this.db.query<TicketRow>('SELECT * FROM tickets WHERE code = $1', [code]);
    return rows[0] ? toTicket(rows[0]) : null;
  }

  async detail(ticketId: number): Promise<{ citizen: Citizen; messages: Message[]; events: TicketEvent[]; mergedCodes: string[]; mergedIntoCode: string | null }> {
    const [citizen] = await this.db.query<CitizenRow>(
      'SELECT c.* FROM citizens c JOIN tickets t ON t.citizen_id = c.id WHERE t.id = $1', [ticketId]);
    const messages = await this.db.query<MessageRow>('SELECT * FROM messages WHERE ticket_id = $1 ORDER BY created_at, id', [ticketId]);
    const events = await this.db.query<EventRow>('SELECT * FROM ticket_events WHERE ticket_id = $1 ORDER BY id', [ticketId]);
    const merged = await this.db.query<{ code: string }>('SELECT code FROM tickets WHERE merged_into_id = $1 ORDER BY id', [ticketId]);
    const into = await this.db.query<{ code: string }>(
      'SELECT m.code FROM tickets t JOIN tickets m ON m.id = t.merged_into_id WHERE t.id = $1', [ticketId]);
    return {
      citizen: toCitizen(citizen!),
      messages: messages.map(toMessage),
      events: events.map(toEvent),
      mergedCodes: merged.map((m) => m.code),
      mergedIntoCode: into[0]?.code ?? null,
    };
  }

  /** The citizen's view: public replies and the status timeline, nothing internal. */
  async publicView(code: string): Promise<null | {
    ticket: Ticket; agencyName: string | null; categoryName: string | null;
    replies: { body: string; at: Date; direction: string }[]; timeline: { status: string | null; at: Date; type: string }[];
  }> {
    const rows = await this.db.query<TicketRow & { agency_name: string | null; category_name: string | null }>(
      `SELECT t.*, a.name_vi AS agency_name, c.name_vi AS category_name FROM tickets t
       LEFT JOIN agencies a ON a.id = t.agency_id LEFT JOIN categories c ON c.code = t.category_code WHERE t.code = $1`, [code]);
    const r = rows[0];
    if (!r) return null;
    const replies = await this.db.query<{ body: string; created_at: Date; direction: string }>(
      `SELECT body, created_at, direction FROM messages WHERE ticket_id = $1 AND visibility = 'public' ORDER BY created_at, id`, [r.id]);
    const events = await this.db.query<{ to_status: string | null; at: Date; type: string }>(
      `SELECT to_status, at, type FROM ticket_events WHERE ticket_id = $1 AND to_status IS NOT NULL ORDER BY id`, [r.id]);
    return {
      ticket: toTicket(r), agencyName: r.agency_name, categoryName: r.category_name,
      replies: replies.map((m) => ({ body: m.body, at: m.created_at, direction: m.direction })),
      timeline: events.map((e) => ({ status: e.to_status, at: e.at, type: e.type })),
    };
  }
}
