import type { InboundMessage } from '../channels/types';
import { findTicketCode } from '../workflow/ticket-code';
import { planTransition, type TransitionPlan } from '../workflow/ticket-workflow';
import type { Clock } from '../workflow/ports';
import type { Attachment, Ticket } from '../workflow/types';
import type { IntakeService } from './intake-service';

/** Survey answers arriving as messages (src/satisfaction/survey-service.ts). */
export interface SurveyInbox {
  /** Records a survey answer carried by this message; the ticket it belongs to, or null when it is not one. */
  handleInbound(msg: InboundMessage): Promise<{ ticketId: number } | null>;
}

/** Storage the threading decision needs; SQL in src/db/inbound-store.ts. */
export interface InboundStore {
  /** The ticket and message id of an inbound message with this platform id, if it was stored. */
  findInboundMessage(channel: string, externalId: string): Promise<{ ticket: Ticket; messageId: number } | null>;
  ticketByCode(code: string): Promise<Ticket | null>;
  ticketById(id: number): Promise<Ticket | null>;
  /** The ticket of an earlier message with one of these platform ids (email In-Reply-To/References). */
  ticketByMessageExternalIds(ids: string[]): Promise<Ticket | null>;
  /** The citizen's most recently updated ticket on this channel. */
  latestTicketOf(identity: { kind: string; value: string }, channel: string): Promise<Ticket | null>;
  /**
   * Adds the citizen's message to the ticket with its event, applying `resume` (the workflow's
   * citizen_reply plan) when given. Returns false when the message was already stored.
   */
  appendCitizenMessage(ticket: Ticket, msg: InboundMessage, attachments: Attachment[], at: Date, resume: TransitionPlan | null): Promise<boolean>;
}

/** messageId is the stored inbound message (attachments are added to it afterwards). */
export type InboundOutcome = { outcome: 'ticket_created' | 'message_appended' | 'duplicate'; ticket: Ticket; messageId: number };

// Statuses in which a new message from the citizen belongs to the ticket rather than opening one.
const JOINABLE = new Set(['received', 'triaged', 'assigned', 'in_progress', 'waiting_for_citizen', 'reopened', 'transferred', 'returned', 'resolved']);

/**
 * Threading: a message quoting a ticket code, or answering an earlier message (email headers), joins
 * that ticket; a message from a citizen with an open ticket on the same channel within the window
 * joins it; anything else opens a new ticket. The platform's message id makes retries harmless.
 */
export class InboundService {
  constructor(
    private readonly store: InboundStore,
    private readonly intake: IntakeService,
    private readonly clock: Clock,
    private readonly threadWindowHours: number,
    private readonly surveys?: SurveyInbox,
  ) {}

  async decideTicket(msg: InboundMessage): Promise<Ticket | null> {
    const code = msg.replyTo?.ticketCode ?? findTicketCode(msg.text);
    if (code) {
      const t = await this.followMerge(await this.store.ticketByCode(code));
      if (t && JOINABLE.has(t.status)) return t;
    }
    if (msg.replyTo?.externalIds?.length) {
      const t = await this.followMerge(await this.store.ticketByMessageExternalIds(msg.replyTo.externalIds));
      if (t && JOINABLE.has(t.status)) return t;
    }
    if (msg.identity) {
      const t = await this.followMerge(await this.store.latestTicketOf(msg.identity, msg.channel));
      const windowMs = this.threadWindowHours * 3600_000;
      if (t && JOINABLE.has(t.status) && t.status !== 'resolved' && this.clock.now().getTime() - t.updatedAt.getTime() <= windowMs) return t;
    }
    return null;
  }

  private async followMerge(t: Ticket | null): Promise<Ticket | null> {
    // A merged duplicate's conversation continues on the ticket it was merged into.
    for (let hops = 0; t && t.status === 'merged' && t.mergedIntoId && hops < 5; hops++) {
      t = await this.store.ticketById(t.mergedIntoId);
    }
    return t;
  }

  async receive(msg: InboundMessage, attachments: Attachment[] = []): Promise<InboundOutcome> {
    const seen = await this.store.findInboundMessage(msg.channel, msg.externalId);
    if (seen) return { outcome: 'duplicate', ...seen };
    // "5", a button's payload, "MO LAI": an answer to a survey joins that ticket's conversation
    // without reopening it (reopening is the survey's decision) or opening a new one.
    const answered = await this.surveys?.handleInbound(msg);
    const answeredTicket = answered ? await this.store.ticketById(answered.ticketId) : null;
    if (answeredTicket) {
      const added = await this.store.appendCitizenMessage(answeredTicket, msg, attachments, this.clock.now(), null);
      const stored = await this.store.findInboundMessage(msg.channel, msg.externalId);
      return { outcome: added ? 'message_appended' : 'duplicate', ticket: stored?.ticket ?? answeredTicket, messageId: stored!.messageId };
    }
    const target = await this.decideTicket(msg);
    if (target) {
      // The state machine decides whether this message resumes the ticket (waiting_for_citizen).
      const plan = planTransition(target, { action: 'citizen_reply' }, { kind: 'citizen', citizenId: target.citizenId });
      const added = await this.store.appendCitizenMessage(target, msg, attachments, this.clock.now(), plan.ok ? plan.plan : null);
      const stored = await this.store.findInboundMessage(msg.channel, msg.externalId);
      return { outcome: added ? 'message_appended' : 'duplicate', ticket: stored?.ticket ?? target, messageId: stored!.messageId };
    }
    const { ticket, created } = await this.intake.submit({
      channel: msg.channel,
      text: msg.text || '(không có nội dung / no text)',
      location: msg.location ?? null,
      contact: { name: msg.profile?.name ?? null, phone: msg.profile?.phone ?? null, email: msg.profile?.email ?? null },
      identities: msg.identity ? [msg.identity] : [],
      idempotencyKey: `${msg.channel}:${msg.externalId}`,
      externalMessageId: msg.externalId,
      attachments,
    });
    const stored = await this.store.findInboundMessage(msg.channel, msg.externalId);
    return { outcome: created ? 'ticket_created' : 'duplicate', ticket, messageId: stored!.messageId };
  }
}
