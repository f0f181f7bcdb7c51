import type { Actor, Priority, StaffRole, Ticket, TicketStatus } from './types';

/**
 * The ticket state machine: which action moves a ticket from which states to which, and who may
 * take it. Pure: no I/O. The service applies the plan inside one transaction with its event.
 */
export type WorkflowInput =
  | { action: 'triage'; categoryCode?: string; priority?: Priority; note?: string }
  | { action: 'assign'; agencyId: number; assigneeId?: number | null; note?: string }
  | { action: 'accept'; note?: string }
  | { action: 'assign_staff'; assigneeId: number | null }
  | { action: 'request_info'; message: string }
  | { action: 'citizen_reply' }
  | { action: 'resolve'; resolution: string }
  | { action: 'close'; note?: string }
  | { action: 'reopen'; reason: string }
  | { action: 'transfer'; agencyId: number; reason: string }
  | { action: 'return'; reason: string }
  | { action: 'reject'; reason: string }
  | { action: 'merge'; intoCode: string };

export type WorkflowAction = WorkflowInput['action'];

type Rule = {
  from: readonly TicketStatus[];
  /** 'same' keeps the status (e.g. a change of assignee). */
  to: TicketStatus | 'same';
  roles: readonly StaffRole[];
  citizen?: boolean;
  system?: boolean;
};

const AGENCY: readonly StaffRole[] = ['agency_staff', 'agency_lead', 'admin'];
const WITH_AGENCY: readonly TicketStatus[] = ['assigned', 'in_progress', 'waiting_for_citizen', 'transferred', 'reopened'];

export const WORKFLOW: Record<WorkflowAction, Rule> = {
  triage: { from: ['received', 'returned'], to: 'triaged', roles: ['operator', 'supervisor', 'admin'] },
  assign: {
    from: ['received', 'triaged', 'returned', ...WITH_AGENCY],
    to: 'assigned',
    roles: ['operator', 'supervisor', 'admin'],
    system: true,
  },
  accept: { from: ['assigned', 'transferred', 'reopened'], to: 'in_progress', roles: AGENCY },
  assign_staff: { from: WITH_AGENCY, to: 'same', roles: ['agency_staff', 'agency_lead', 'supervisor', 'admin'] },
  request_info: { from: ['assigned', 'in_progress', 'transferred', 'reopened'], to: 'waiting_for_citizen', roles: AGENCY },
  citizen_reply: { from: ['waiting_for_citizen'], to: 'in_progress', roles: [], citizen: true, system: true },
  resolve: { from: ['assigned', 'in_progress', 'waiting_for_citizen', 'reopened'], to: 'resolved', roles: AGENCY },
  close: { from: ['resolved'], to: 'closed', roles: ['operator', 'supervisor', 'admin'], system: true, citizen: true },
  reopen: { from: ['resolved', 'closed'], to: 'reopened', roles: ['operator', 'supervisor', 'admin'], citizen: true },
  transfer: { from: ['assigned', 'in_progress', 'waiting_for_citizen', 'reopened'], to: 'transferred', roles: AGENCY },
  return: { from: WITH_AGENCY, to: 'returned', roles: AGENCY },
  reject: { from: ['received', 'triaged', 'returned'], to: 'rejected', roles: ['operator', 'supervisor', 'admin'] },
  merge: { from: ['received', 'triaged', 'returned', 'assigned'], to: 'merged', roles: ['operator', 'supervisor', 'admin'] },
};

export const WORKFLOW_ACTIONS = Object.keys(WORKFLOW) as WorkflowAction[];

function actorMayTake(rule: Rule, actor: Actor): boolean {
  if (actor.kind === 'system') return !!rule.system;
  if (actor.kind === 'citizen') return !!rule.citizen;
  return rule.roles.includes(actor.user.role);
}

/** Actions this actor may take on a ticket in this status. */
export function allowedActions(status: TicketStatus, actor: Actor): WorkflowAction[] {
  return WORKFLOW_ACTIONS.filter((a) => WORKFLOW[a].from.includes(status) && actorMayTake(WORKFLOW[a], actor));
}

export type TicketChanges = Partial<
  Pick<Ticket, 'status' | 'categoryCode' | 'priority' | 'agencyId' | 'assigneeId' | 'statusReason' | 'resolution' | 'mergedIntoId'>
> & { firstResponse?: boolean; resolvedNow?: boolean; closedNow?: boolean; clearResolved?: boolean };

export type TransitionPlan = {
  action: WorkflowAction;
  from: TicketStatus;
  to: TicketStatus;
  changes: TicketChanges;
  /** What the event log records beside from/to. */
  eventData: Record<string, unknown>;
};

export type WorkflowRejection =
  | { kind: 'forbidden'; action: WorkflowAction; allowed: WorkflowAction[] }
  | { kind: 'invalid_transition'; action: WorkflowAction; from: TicketStatus; allowed: WorkflowAction[] }
  | { kind: 'invalid_input'; message: string; messageEn: string };

export type PlanResult = { ok: true; plan: TransitionPlan } | { ok: false; rejection: WorkflowRejection };

/**
 * Decides what an action does to a ticket. References (agency exists, merge target) are checked by
 * the service, which knows the database; everything that depends only on the ticket is here.
 */
export function planTransition(ticket: Pick<Ticket, 'status' | 'agencyId' | 'assigneeId' | 'firstResponseAt' | 'categoryCode'>, input: WorkflowInput, actor: Actor): PlanResult {
  const rule = WORKFLOW[input.action];
  const allowed = allowedActions(ticket.status, actor);
  if (!actorMayTake(rule, actor)) return { ok: false, rejection: { kind: 'forbidden', action: input.action, allowed } };
  if (!rule.from.includes(ticket.status)) {
    return { ok: false, rejection: { kind: 'invalid_transition', action: input.action, from: ticket.status, allowed } };
  }
  const to = rule.to === 'same' ? ticket.status : rule.to;
  const changes: TicketChanges = { status: to };
  const eventData: Record<string, unknown> = {};
  const firstResponseIfAgency = () => {
    if (!ticket.firstResponseAt && actor.kind === 'staff' && actor.user.agencyId !== null) changes.firstResponse = true;
  };
  switch (input.action) {
    case 'triage':
      if (input.categoryCode !== undefined) { changes.categoryCode = input.categoryCode; eventData.categoryCode = input.categoryCode; }
      if (input.priority !== undefined) { changes.priority = input.priority; eventData.priority = input.priority; }
      if (input.note) eventData.note = input.note;
      break;
    case 'assign':
      changes.agencyId = input.agencyId;
      changes.assigneeId = input.assigneeId ?? null;
      eventData.agencyId = input.agencyId;
      eventData.previousAgencyId = ticket.agencyId;
      if (input.assigneeId) eventData.assigneeId = input.assigneeId;
      if (input.note) eventData.note = input.note;
      break;
    case 'accept':
      firstResponseIfAgency();
      if (ticket.assigneeId === null && actor.kind === 'staff') changes.assigneeId = actor.user.id;
      if (input.note) eventData.note = input.note;
      break;
    case 'assign_staff':
      if (actor.kind === 'staff' && actor.user.role === 'agency_staff' && input.assigneeId !== actor.user.id) {
        return { ok: false, rejection: { kind: 'invalid_input', message: 'Cán bộ chỉ có thể tự nhận phản ánh; phân công người khác cần lãnh đạo đơn vị.', messageEn: 'Agency staff can only assign a ticket to themselves; assigning others needs an agency lead.' } };
      }
      changes.assigneeId = input.assigneeId;
      eventData.assigneeId = input.assigneeId;
      eventData.previousAssigneeId = ticket.assigneeId;
      break;
    case 'request_info':
      firstResponseIfAgency();
      eventData.message = input.message;
      break;
    case 'citizen_reply':
      break;
    case 'resolve':
      firstResponseIfAgency();
      changes.resolution = input.resolution;
      changes.resolvedNow = true;
      eventData.resolution = input.resolution;
      break;
    case 'close':
      changes.closedNow = true;
      if (input.note) eventData.note = input.note;
      break;
    case 'reopen':
      changes.statusReason = input.reason;
      changes.clearResolved = true;
      eventData.reason = input.reason;
      break;
    case 'transfer':
      if (input.agencyId === ticket.agencyId) {
        return { ok: false, rejection: { kind: 'invalid_input', message: 'Không thể chuyển phản ánh cho chính đơn vị đang xử lý.', messageEn: 'A ticket cannot be transferred to the agency that already holds it.' } };
      }
      changes.agencyId = input.agencyId;
      changes.assigneeId = null;
      changes.statusReason = input.reason;
      eventData.fromAgencyId = ticket.agencyId;
      eventData.toAgencyId = input.agencyId;
      eventData.reason = input.reason;
      break;
    case 'return':
      changes.agencyId = null;
      changes.assigneeId = null;
      changes.statusReason = input.reason;
      eventData.fromAgencyId = ticket.agencyId;
      eventData.reason = input.reason;
      break;
    case 'reject':
      changes.statusReason = input.reason;
      eventData.reason = input.reason;
      break;
    case 'merge':
      eventData.intoCode = input.intoCode;
      break;
  }
  return { ok: true, plan: { action: input.action, from: ticket.status, to, changes, eventData } };
}

/** Statuses in which a ticket is still being worked (counted as open). */
export const OPEN_STATUSES: readonly TicketStatus[] = [
  'received', 'triaged', 'assigned', 'in_progress', 'waiting_for_citizen', 'reopened', 'transferred', 'returned',
];
export const TERMINAL_STATUSES: readonly TicketStatus[] = ['closed', 'rejected', 'merged'];
