import { canSeeTicket } from '../access/policy';
import { HubError, notFound } from '../shared/errors';
import { happeningsOf } from '../sla/sla-engine';
import type { Clock, SlaRecorder, StoreTx, TransactionRunner } from './ports';
import { planTransition, type WorkflowInput } from './ticket-workflow';
import type { Actor, Message, Ticket } from './types';

export type TransitionResult = { ticket: Ticket; from: Ticket['status']; to: Ticket['status'] };

const actorOf = (actor: Actor) =>
  actor.kind === 'staff'
    ? { actorKind: 'staff' as const, actorId: actor.user.id }
    : actor.kind === 'citizen'
      ? { actorKind: 'citizen' as const, actorId: actor.citizenId }
      : { actorKind: 'system' as const, actorId: null };

/**
 * Applies workflow actions and staff messages. Each call is one transaction: the ticket row is
 * locked, the change, its event and its outbox row commit together or not at all.
 */
export class WorkflowService {
  constructor(
    private readonly store: TransactionRunner,
    private readonly clock: Clock,
    /** SLA clocks, folded in the same transaction as each change (absent: no clocks, e.g. tools). */
    private readonly sla?: SlaRecorder,
  ) {}

  private async lockVisible(tx: StoreTx, code: string, actor: Actor): Promise<Ticket> {
    const ticket = await tx.lockTicketByCode(code);
    // Another agency's ticket answers exactly like a missing one: its existence is not revealed.
    if (!ticket || (actor.kind === 'staff' && !canSeeTicket(actor.user, ticket))) throw notFound();
    return ticket;
  }

  async act(code: string, input: WorkflowInput, actor: Actor): Promise<TransitionResult> {
    const at = this.clock.now();
    return this.store.transaction(async (tx) => this.actIn(tx, await this.lockVisible(tx, code, actor), input, actor, at));
  }

  /**
   * The same, inside a transaction the caller holds, on a ticket it has locked (automatic triage
   * assigns in the transaction that records why).
   */
  async actIn(tx: StoreTx, ticket: Ticket, input: WorkflowInput, actor: Actor, at: Date, opts: { citizenAlreadyTold?: boolean } = {}): Promise<TransitionResult> {
    const result = planTransition(ticket, input, actor);
    if (!result.ok) {
      const r = result.rejection;
      if (r.kind === 'invalid_input') throw new HubError('invalid', 'invalid_action_input', r.message, r.messageEn);
      if (r.kind === 'forbidden') {
        throw new HubError('forbidden', 'action_not_allowed_for_role',
          `Vai trò của bạn không được thực hiện thao tác "${r.action}".`,
          `Your role may not take the action "${r.action}".`, { allowedActions: r.allowed });
      }
      throw new HubError('conflict', 'invalid_transition',
        `Không thể thực hiện "${r.action}" khi phản ánh đang ở trạng thái "${r.from}".`,
        `Action "${r.action}" is not possible while the ticket is "${r.from}".`,
        { status: r.from, allowedActions: r.allowed });
    }
    const { plan } = result;
    await this.checkReferences(tx, ticket, input, plan.changes);
    let updated = await tx.updateTicket(ticket.id, plan.changes, at);
    await tx.appendEvent({
      ticketId: ticket.id, at, ...actorOf(actor), type: plan.action,
      fromStatus: plan.from, toStatus: plan.to, data: plan.eventData,
    });
    if (input.action === 'triage' && actor.kind === 'staff') await this.learnFromTriage(tx, ticket, updated, actor.user.id, at);
    if (this.sla) updated = await this.sla.record(tx, updated, happeningsOf(input, ticket, updated, at), at);
    if (input.action === 'request_info') await this.queueReply(tx, updated, input.message, actor, at);
    if (input.action === 'resolve') await this.queueReply(tx, updated, input.resolution, actor, at);
    await tx.enqueueOutbox('ticket.transitioned', {
      ticketId: ticket.id, code: ticket.code, action: plan.action, from: plan.from, to: plan.to,
      ...(opts.citizenAlreadyTold ? { quiet: true } : {}),
    }, at);
    return { ticket: updated, from: plan.from, to: plan.to };
  }

  /**
   * An operator's triage is the label the classifier should have given: kept when it differs from
   * the classifier's reading, or confirms one it was unsure of, for the next `npm run train`.
   */
  private async learnFromTriage(tx: StoreTx, before: Ticket, after: Ticket, staffId: number, at: Date): Promise<void> {
    const c = before.classification;
    if (!c || !after.categoryCode) return;
    const differs = c.category !== after.categoryCode || c.priority !== after.priority;
    if (!differs && !before.reviewReasons.includes('low_confidence')) return;
    await tx.recordClassificationFeedback({
      ticketId: before.id, text: before.description, predictedCategory: c.category, predictedPriority: c.priority,
      correctedCategory: after.categoryCode, correctedPriority: after.priority, staffId, at,
    });
  }

  private async checkReferences(tx: StoreTx, ticket: Ticket, input: WorkflowInput, changes: { mergedIntoId?: number | null }): Promise<void> {
    if ((input.action === 'assign' || input.action === 'transfer') && !(await tx.agencyIsActive(input.agencyId))) {
      throw new HubError('invalid', 'unknown_agency', 'Đơn vị tiếp nhận không tồn tại hoặc đã ngừng hoạt động.', 'The target agency does not exist or is inactive.');
    }
    const assigneeId = input.action === 'assign' ? input.assigneeId : input.action === 'assign_staff' ? input.assigneeId : null;
    const agencyId = input.action === 'assign' ? input.agencyId : ticket.agencyId;
    if (assigneeId && (agencyId === null || !(await tx.staffBelongsToAgency(assigneeId, agencyId)))) {
      throw new HubError('invalid', 'assignee_not_in_agency', 'Cán bộ được phân công không thuộc đơn vị xử lý.', 'The assignee does not belong to the responsible agency.');
    }
    if (input.action === 'merge') {
      const target = await tx.lockTicketByCode(input.intoCode);
      if (!target || target.id === ticket.id) {
        throw new HubError('invalid', 'unknown_merge_target', 'Phản ánh gộp vào không tồn tại.', 'The ticket to merge into does not exist.');
      }
      if (['merged', 'rejected'].includes(target.status)) {
        throw new HubError('conflict', 'merge_target_closed', 'Không thể gộp vào phản ánh đã bị gộp hoặc từ chối.', 'Cannot merge into a ticket that is itself merged or rejected.');
      }
      changes.mergedIntoId = target.id;
      await tx.appendEvent({
        ticketId: target.id, at: this.clock.now(), actorKind: 'system', actorId: null, type: 'merged_in',
        fromStatus: null, toStatus: null, data: { fromCode: ticket.code },
      });
    }
  }

  private async queueReply(tx: StoreTx, ticket: Ticket, body: string, actor: Actor, at: Date): Promise<Message | null> {
    const msg = await tx.insertMessage({
      ticketId: ticket.id, direction: 'outbound', channel: ticket.channel,
      authorStaffId: actor.kind === 'staff' ? actor.user.id : null, visibility: 'public', body,
      deliveryStatus: 'queued', at,
    });
    if (msg) await tx.enqueueOutbox('message.deliver', { messageId: msg.id, ticketId: ticket.id }, at);
    return msg;
  }

  /** A staff reply to the citizen (goes out on their channel) or an internal note. */
  async addStaffMessage(code: string, body: string, visibility: 'public' | 'internal', actor: Actor & { kind: 'staff' }): Promise<Message> {
    const at = this.clock.now();
    return this.store.transaction(async (tx) => {
      const ticket = await this.lockVisible(tx, code, actor);
      if (['merged', 'rejected'].includes(ticket.status) && visibility === 'public') {
        throw new HubError('conflict', 'ticket_closed_for_replies', 'Phản ánh đã bị gộp hoặc từ chối, không thể trả lời công dân.', 'The ticket is merged or rejected; replies to the citizen are closed.');
      }
      let msg: Message | null;
      if (visibility === 'public') {
        msg = await this.queueReply(tx, ticket, body, actor, at);
        if (actor.user.agencyId !== null && !ticket.firstResponseAt) {
          const answered = await tx.updateTicket(ticket.id, { firstResponse: true }, at);
          if (this.sla) await this.sla.record(tx, answered, [{ kind: 'first_response', at }], at);
        }
      } else {
        msg = await tx.insertMessage({
          ticketId: ticket.id, direction: 'outbound', channel: 'internal', authorStaffId: actor.user.id,
          visibility: 'internal', body, deliveryStatus: 'internal', at,
        });
      }
      await tx.appendEvent({
        ticketId: ticket.id, at, actorKind: 'staff', actorId: actor.user.id,
        type: visibility === 'public' ? 'reply' : 'note', fromStatus: null, toStatus: null, data: { messageId: msg?.id },
      });
      return msg!;
    });
  }
}
