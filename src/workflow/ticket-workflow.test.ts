import { WORKFLOW, WORKFLOW_ACTIONS, allowedActions, planTransition, type WorkflowInput } from './ticket-workflow';
import { TICKET_STATUSES, type Actor, type StaffRole, type TicketStatus } from './types';

const staff = (role: StaffRole, agencyId: number | null = role.startsWith('agency') ? 1 : null, id = 7): Actor =>
  ({ kind: 'staff', user: { id, email: 'x@y.vn', displayName: 'x', role, agencyId, active: true } });

const inputFor: Record<string, WorkflowInput> = {
  triage: { action: 'triage', categoryCode: 'giao-thong', priority: 'high' },
  assign: { action: 'assign', agencyId: 2 },
  accept: { action: 'accept' },
  assign_staff: { action: 'assign_staff', assigneeId: 7 },
  request_info: { action: 'request_info', message: 'Xin địa chỉ cụ thể' },
  citizen_reply: { action: 'citizen_reply' },
  resolve: { action: 'resolve', resolution: 'Đã sửa' },
  close: { action: 'close' },
  reopen: { action: 'reopen', reason: 'Chưa sửa xong' },
  transfer: { action: 'transfer', agencyId: 3, reason: 'Không thuộc thẩm quyền' },
  return: { action: 'return', reason: 'Sai đơn vị' },
  reject: { action: 'reject', reason: 'Spam' },
  merge: { action: 'merge', intoCode: 'PA-2611-AAAAA' },
};

const ticket = (status: TicketStatus) => ({ status, agencyId: 1, assigneeId: null, firstResponseAt: null, categoryCode: null });

/** Someone who may take the action, so the test isolates the state rule. */
function actorFor(action: keyof typeof WORKFLOW): Actor {
  const rule = WORKFLOW[action];
  if (rule.roles.length) return staff(rule.roles.includes('admin') ? 'admin' : rule.roles[0]!);
  return rule.system ? { kind: 'system' } : { kind: 'citizen', citizenId: 1 };
}

describe('ticket workflow', () => {
  const cases = TICKET_STATUSES.flatMap((s) => WORKFLOW_ACTIONS.map((a) => [s, a] as const));
  test.each(cases)('from %s, %s is allowed exactly when the table says so', (status, action) => {
    const r = planTransition(ticket(status), inputFor[action]!, actorFor(action));
    const expected = WORKFLOW[action].from.includes(status);
    expect(r.ok).toBe(expected);
    if (r.ok) {
      const to = WORKFLOW[action].to;
      expect(r.plan.to).toBe(to === 'same' ? status : to);
      expect(r.plan.from).toBe(status);
    } else {
      expect(r.rejection.kind).toBe('invalid_transition');
      if (r.rejection.kind === 'invalid_transition') expect(r.rejection.allowed).not.toContain(action);
    }
  });

  test('the happy path reaches closed and every step is allowed', () => {
    const path: [TicketStatus, keyof typeof inputFor, Actor][] = [
      ['received', 'triage', staff('operator')], ['triaged', 'assign', staff('operator')], ['assigned', 'accept', staff('agency_staff')],
      ['in_progress', 'request_info', staff('agency_staff')], ['waiting_for_citizen', 'citizen_reply', { kind: 'citizen', citizenId: 1 }],
      ['in_progress', 'resolve', staff('agency_staff')], ['resolved', 'close', { kind: 'system' }],
    ];
    for (const [from, action, actor] of path) {
      const r = planTransition(ticket(from), inputFor[action]!, actor);
      expect(r.ok).toBe(true);
    }
  });

  test('roles: agency staff cannot triage, operators cannot resolve, supervisors can reassign', () => {
    expect(planTransition(ticket('received'), inputFor.triage!, staff('agency_staff'))).toMatchObject({ ok: false, rejection: { kind: 'forbidden' } });
    expect(planTransition(ticket('in_progress'), inputFor.resolve!, staff('operator'))).toMatchObject({ ok: false, rejection: { kind: 'forbidden' } });
    expect(planTransition(ticket('in_progress'), inputFor.assign!, staff('supervisor')).ok).toBe(true);
    expect(allowedActions('received', staff('agency_staff'))).toEqual([]);
    expect(allowedActions('received', staff('operator')).sort()).toEqual(['assign', 'merge', 'reject', 'triage']);
  });

  test('agency staff may take a ticket themselves but not assign it to a colleague', () => {
    expect(planTransition(ticket('assigned'), { action: 'assign_staff', assigneeId: 7 }, staff('agency_staff')).ok).toBe(true);
    expect(planTransition(ticket('assigned'), { action: 'assign_staff', assigneeId: 8 }, staff('agency_staff'))).toMatchObject({ ok: false, rejection: { kind: 'invalid_input' } });
    expect(planTransition(ticket('assigned'), { action: 'assign_staff', assigneeId: 8 }, staff('agency_lead')).ok).toBe(true);
  });

  test('transfer to the same agency is refused; transfer clears the assignee and records both agencies', () => {
    expect(planTransition(ticket('in_progress'), { action: 'transfer', agencyId: 1, reason: 'x' }, staff('agency_staff')).ok).toBe(false);
    const r = planTransition(ticket('in_progress'), { action: 'transfer', agencyId: 3, reason: 'x' }, staff('agency_staff'));
    expect(r.ok && r.plan.changes).toMatchObject({ agencyId: 3, assigneeId: null });
    expect(r.ok && r.plan.eventData).toMatchObject({ fromAgencyId: 1, toAgencyId: 3, reason: 'x' });
  });

  test('the first agency action sets the first response; return hands the ticket back without an agency', () => {
    const r = planTransition(ticket('assigned'), { action: 'accept' }, staff('agency_staff'));
    expect(r.ok && r.plan.changes.firstResponse).toBe(true);
    const back = planTransition(ticket('in_progress'), { action: 'return', reason: 'sai' }, staff('agency_lead'));
    expect(back.ok && back.plan.changes).toMatchObject({ status: 'returned', agencyId: null, assigneeId: null });
  });
});
