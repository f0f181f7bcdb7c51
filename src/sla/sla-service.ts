import type { LiveBus } from '../shared/live-bus';
import type { Logger } from '../shared/logger';
import type { Clock, ExtensionRequest, SlaRecorder, StoreTx, TransactionRunner } from '../workflow/ports';
import type { StaffUser, Ticket } from '../workflow/types';
import { HubError, notFound } from '../shared/errors';
import { parseSlaState, type SlaClockEvent, type SlaHappening } from './clock';
import type { SlaEngine, SlaFold } from './sla-engine';

/** Schedules a timer check for a ticket at an instant (a delayed job); best effort, the sweep is the net. */
export type ScheduleTimer = (ticketId: number, at: Date) => Promise<void>;

type Notice = { ticket: Ticket; event: SlaClockEvent & { type: 'sla.warning' | 'sla.breached' }; emails: string[]; body: string };

/** Sends one mail to staff (nodemailer over SMTP_URL; logged when unset). */
export type MailStaff = (to: string[], subject: string, text: string) => Promise<void>;

const fmt = (d: Date) => d.toLocaleString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', hour12: false });
const CLOCK_VI = { response: 'tiếp nhận, phản hồi', resolution: 'giải quyết' } as const;

/**
 * SLA clocks in the ticket's transactions: each change folds its happenings into the stored state,
 * records every clock change as an event, and tells staff of warnings and breaches (breaches also
 * to supervisors: escalation). Timers are delayed jobs scheduled after commit; a sweep over the
 * deadline index catches whatever a lost job or a crash missed. Firing twice records nothing twice:
 * the state says what was already recorded, and notices carry dedupe keys.
 */
export class SlaService implements SlaRecorder {
  private pendingTimers: { ticketId: number; at: Date }[] = [];
  private pendingNotices: Notice[] = [];

  constructor(
    private readonly engine: SlaEngine,
    private readonly store: TransactionRunner,
    private readonly schedule: ScheduleTimer,
    private readonly live: LiveBus,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly mailStaff?: MailStaff,
  ) {}

  async record(tx: StoreTx, ticket: Ticket, happenings: SlaHappening[], at: Date): Promise<Ticket> {
    const fold = this.fold(ticket, happenings, at);
    const saved = await tx.saveSla(ticket.id, fold, at);
    await this.recorded(tx, saved, fold);
    return saved;
  }

  /**
   * The clocks of a ticket about to be written, for a caller that saves them with its own update
   * (triage does: one write of the ticket instead of two). It must then call `recorded`.
   */
  fold(ticket: Ticket, happenings: SlaHappening[], at: Date): SlaFold {
    return this.engine.fold(ticket, happenings, at);
  }

  /** After a fold was saved: its events (one statement), the notices it calls for and its next timer. */
  async recorded(tx: StoreTx, saved: Ticket, fold: SlaFold): Promise<void> {
    await tx.appendEvents(fold.events.map((e) => {
      const { type, at: when, ...data } = e;
      return { ticketId: saved.id, at: when, actorKind: 'system' as const, actorId: null, type, fromStatus: null, toStatus: null, data };
    }));
    for (const e of fold.events) {
      if (e.type === 'sla.warning' || e.type === 'sla.breached') await this.notify(tx, saved, e);
    }
    if (fold.nextTimerAt) this.pendingTimers.push({ ticketId: saved.id, at: fold.nextTimerAt });
  }

  private async notify(tx: StoreTx, ticket: Ticket, event: Notice['event']): Promise<void> {
    const breach = event.type === 'sla.breached';
    const recipients = await tx.slaRecipients(ticket, breach);
    const body = breach
      ? `Phản ánh ${ticket.code} đã quá hạn ${CLOCK_VI[event.clock]} (hạn ${fmt(event.dueAt)}). / Ticket ${ticket.code} missed its ${event.clock} deadline.`
      : `Phản ánh ${ticket.code} sắp đến hạn ${CLOCK_VI[event.clock]} (hạn ${fmt(event.dueAt)}). / Ticket ${ticket.code} is close to its ${event.clock} deadline.`;
    await tx.notifyStaff(recipients.map((r) => ({
      staffId: r.id, ticketId: ticket.id, kind: event.type, body, dedupeKey: `${event.type}:${ticket.id}:${event.clock}:${event.dueAt.toISOString()}`,
    })));
    this.pendingNotices.push({ ticket, event, emails: recipients.map((r) => r.email), body });
  }

  /** After a commit: schedule the timers the transaction computed and announce its notices. */
  async flush(): Promise<void> {
    const timers = this.pendingTimers.splice(0);
    const notices = this.pendingNotices.splice(0);
    for (const n of notices) {
      if (this.mailStaff && n.emails.length) {
        const subject = `[1022] ${n.event.type === 'sla.breached' ? 'Quá hạn' : 'Sắp đến hạn'}: ${n.ticket.code}`;
        await this.mailStaff(n.emails, subject, n.body).catch((err) => this.log.warn({ ticket: n.ticket.code, err: String(err) }, 'SLA mail to staff failed'));
      }
      this.live.publish({
        type: n.event.type === 'sla.breached' ? 'sla.breached' : 'sla.warning',
        ticket: {
          code: n.ticket.code, status: n.ticket.status, channel: n.ticket.channel, categoryCode: n.ticket.categoryCode, priority: n.ticket.priority,
          agencyId: n.ticket.agencyId, communeCode: n.ticket.communeCode, createdAt: n.ticket.createdAt.toISOString(),
        },
        sla: { clock: n.event.clock, dueAt: n.event.dueAt.toISOString() },
      });
    }
    // One check per ticket and instant is enough.
    const unique = new Map(timers.map((t) => [`${t.ticketId}:${t.at.getTime()}`, t]));
    for (const t of unique.values()) {
      await this.schedule(t.ticketId, t.at).catch((err) => this.log.warn({ ticketId: t.ticketId, err: String(err) }, 'SLA timer not scheduled; the sweep will catch it'));
    }
  }

  /** A timer (or the sweep) for one ticket: records what is due now, exactly once. */
  async fire(ticketId: number): Promise<void> {
    const now = this.clock.now();
    await this.store.transaction(async (tx) => {
      const ticket = await tx.lockTicketById(ticketId);
      if (!ticket || !ticket.slaNextTimerAt || ticket.slaNextTimerAt.getTime() > now.getTime()) return;
      await this.record(tx, ticket, [], now);
    });
    await this.flush();
  }

  /** The citizen answered a ticket waiting for them (recorded in the inbound path): clocks resume then. */
  async resume(code: string, at: Date): Promise<void> {
    await this.store.transaction(async (tx) => {
      const ticket = await tx.lockTicketByCode(code);
      if (!ticket?.slaState) return;
      await this.record(tx, ticket, [{ kind: 'resumed', at }], this.clock.now());
    });
    await this.flush();
  }

  /**
   * "Xin gia hạn": the agency holding the ticket asks for a later resolution deadline, with a
   * reason. One undecided request per ticket.
   */
  async requestExtension(code: string, staff: StaffUser, requestedDueAt: Date, reason: string): Promise<ExtensionRequest> {
    const at = this.clock.now();
    const request = await this.store.transaction(async (tx) => {
      const ticket = await tx.lockTicketByCode(code);
      if (!ticket || staff.agencyId === null || ticket.agencyId !== staff.agencyId) throw notFound();
      const state = ticket.slaState ? parseSlaState(ticket.slaState) : null;
      if (!state || state.resolution.endedAt !== null) {
        throw new HubError('conflict', 'no_running_deadline', 'Phản ánh không có hạn giải quyết đang chạy để gia hạn.', 'The ticket has no running resolution deadline to extend.');
      }
      if (requestedDueAt.getTime() <= state.resolution.dueAt.getTime()) {
        throw new HubError('invalid', 'extension_not_later', `Hạn mới phải sau hạn hiện tại (${fmt(state.resolution.dueAt)}).`,
          `The new deadline must be after the current one (${state.resolution.dueAt.toISOString()}).`);
      }
      const created = await tx.insertExtensionRequest({ ticketId: ticket.id, staffId: staff.id, at, requestedDueAt, reason });
      if (!created) throw new HubError('conflict', 'extension_pending', 'Đã có một đề nghị gia hạn đang chờ duyệt.', 'An extension request is already waiting for a decision.');
      await this.record(tx, ticket, [{ kind: 'extension_requested', at, requestedDueAt, reason }], at);
      return created;
    });
    await this.flush();
    return request;
  }

  /** A 1022 supervisor approves (the deadline moves; late by it is "late with approved extension") or refuses. */
  async decideExtension(requestId: number, supervisor: StaffUser, approve: boolean, note: string | null): Promise<ExtensionRequest> {
    const at = this.clock.now();
    const decided = await this.store.transaction(async (tx) => {
      const request = await tx.lockExtensionRequest(requestId);
      if (!request) throw notFound();
      if (request.status !== 'requested') {
        throw new HubError('conflict', 'extension_already_decided', 'Đề nghị gia hạn này đã được quyết định.', 'This extension request was already decided.');
      }
      const ticket = await tx.lockTicketById(request.ticketId);
      if (!ticket) throw notFound();
      const result = await tx.decideExtensionRequest(requestId, { status: approve ? 'approved' : 'refused', staffId: supervisor.id, at, note });
      await this.record(tx, ticket, [approve
        ? { kind: 'extension_approved', at, newDeadline: request.requestedDueAt, reason: note ?? request.reason }
        : { kind: 'extension_refused', at, reason: note ?? undefined }], at);
      return result;
    });
    await this.flush();
    return decided;
  }

  /** The safety net: every ticket whose next timer is due, read from the deadline index. */
  async sweep(due: (now: Date, limit: number) => Promise<number[]>, limit = 500): Promise<number> {
    const ids = await due(this.clock.now(), limit);
    for (const id of ids) await this.fire(id);
    return ids.length;
  }
}
