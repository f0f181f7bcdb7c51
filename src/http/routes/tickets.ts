import { Router } from 'express';
import { canSeeTicket, presentCitizen, ticketScope } from '../../access/policy';
import type { Hub } from '../../hub';
import { HubError, notFound } from '../../shared/errors';
import { assertKnownCategory, citizenContact } from '../report-input';
import { WORKFLOW_ACTIONS, allowedActions, type WorkflowInput } from '../../workflow/ticket-workflow';
import type { Ticket } from '../../workflow/types';
import { parse } from '../errors';
import { actionSchemas, phoneTicketSchema, staffMessageSchema, ticketListQuerySchema, type StaffAction } from '../schemas';
import { currentStaff, requireStaff } from '../session';

const ticketJson = (t: Ticket) => {
  const { trackingToken: _hidden, ...rest } = t;
  return rest;
};

/** The staff API: what the console uses to list, read and work tickets. */
export function ticketRoutes(hub: Hub): Router {
  const r = Router();
  r.use('/api/v1/tickets', requireStaff());

  r.get('/api/v1/tickets', async (req, res) => {
    const user = currentStaff(res);
    const q = parse(ticketListQuerySchema, req.query);
    const filter = {
      status: q.status, categoryCode: q.category, priority: q.priority, channel: q.channel, agencyId: q.agency,
      assigneeId: q.assignee === 'me' ? user.id : q.assignee, unassigned: q.unassigned, communeCode: q.commune, q: q.q,
      queue: q.queue, needsReview: q.needsReview, reviewReason: q.reviewReason, due: q.due,
      createdFrom: q.from ? new Date(q.from) : undefined, createdTo: q.to ? new Date(q.to) : undefined,
    };
    const { items, total } = await hub.queries.list(ticketScope(user), filter, q.page, q.pageSize, q.sort);
    res.json({
      items: items.map((t) => ({ ...ticketJson(t), allowedActions: allowedActions(t.status, { kind: 'staff', user }) })),
      total, page: q.page, pageSize: q.pageSize,
    });
  });

  r.get('/api/v1/tickets/counts', async (req, res) => {
    const user = currentStaff(res);
    const q = parse(ticketListQuerySchema, req.query);
    const counts = await hub.queries.countsByStatus(ticketScope(user), {
      categoryCode: q.category, priority: q.priority, channel: q.channel, agencyId: q.agency, q: q.q,
      assigneeId: q.assignee === 'me' ? user.id : q.assignee, status: q.status, needsReview: q.needsReview, reviewReason: q.reviewReason, due: q.due, queue: q.queue,
    });
    res.json({ byStatus: counts, total: Object.values(counts).reduce((a, b) => a + b, 0) });
  });

  r.post('/api/v1/tickets', requireStaff('operator', 'supervisor', 'admin'), async (req, res) => {
    // An operator logs a call they took in person.
    const user = currentStaff(res);
    const body = parse(phoneTicketSchema, req.body);
    assertKnownCategory(hub.catalog, body.category);
    const contact = citizenContact(body.contact);
    const { ticket } = await hub.intake.submit({
      channel: 'phone', text: body.text, categoryCode: body.category ?? null, priority: body.priority,
      location: body.location ?? null, address: body.address ?? null,
      contact,
    });
    hub.afterCommit();
    hub.log.info({ ticket: ticket.code, by: user.id }, 'phone ticket logged by operator');
    res.status(201).json(ticketJson(ticket));
  });

  r.get('/api/v1/tickets/:code', async (req, res) => {
    const user = currentStaff(res);
    const ticket = await hub.queries.byCode(req.params.code.toUpperCase());
    if (!ticket || !canSeeTicket(user, ticket)) throw notFound();
    const d = await hub.queries.detail(ticket.id);
    res.json({
      ...ticketJson(ticket),
      citizen: presentCitizen(user, d.citizen),
      messages: d.messages,
      events: d.events,
      mergedCodes: d.mergedCodes,
      mergedIntoCode: d.mergedIntoCode,
      allowedActions: allowedActions(ticket.status, { kind: 'staff', user }),
    });
  });

  r.post('/api/v1/tickets/:code/actions/:action', async (req, res) => {
    const user = currentStaff(res);
    const action = req.params.action as StaffAction;
    if (!Object.hasOwn(actionSchemas, action)) {
      if ((WORKFLOW_ACTIONS as readonly string[]).includes(req.params.action)) {
        // A workflow action no staff role takes (citizen_reply): it exists, so forbidden, not unknown.
        throw new HubError('forbidden', 'action_not_allowed_for_role',
          `Vai trò của bạn không được thực hiện thao tác "${req.params.action}".`, `Your role may not take the action "${req.params.action}".`);
      }
      throw new HubError('not_found', 'unknown_action', `Không có thao tác "${req.params.action}".`, `No such action "${req.params.action}".`,
        { actions: Object.keys(actionSchemas) });
    }
    const body = parse(actionSchemas[action], req.body ?? {}) as Record<string, unknown>;
    if (action === 'triage' && typeof body.category === 'string') assertKnownCategory(hub.catalog, body.category);
    if (typeof body.intoCode === 'string') body.intoCode = body.intoCode.toUpperCase(); // codes are typed in any case
    const input = (action === 'triage' ? { action, categoryCode: body.category, priority: body.priority, note: body.note } : { action, ...body }) as WorkflowInput;
    const result = await hub.workflow.act(req.params.code.toUpperCase(), input, { kind: 'staff', user });
    hub.afterCommit();
    res.json({ ...ticketJson(result.ticket), from: result.from, allowedActions: allowedActions(result.ticket.status, { kind: 'staff', user }) });
  });

  r.post('/api/v1/tickets/:code/messages', async (req, res) => {
    const user = currentStaff(res);
    const body = parse(staffMessageSchema, req.body);
    const msg = await hub.workflow.addStaffMessage(req.params.code.toUpperCase(), body.body, body.visibility, { kind: 'staff', user });
    hub.afterCommit();
    res.status(201).json(msg);
  });

  return r;
}
