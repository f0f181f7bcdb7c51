import { EXPORT_ROLES, STATS_BY, TICKET_COLUMNS } from '../../exports/routes';
import { MAX_DAYS } from '../../ioc/routes';
import { dashboardQuery } from '../../dashboard/routes';
import { decisionSchema as extensionDecisionSchema, requestSchema as extensionRequestSchema } from '../routes/sla-extensions';
import { WORKFLOW } from '../../workflow/ticket-workflow';
import { TICKET_STATUSES } from '../../workflow/types';
import { actionSchemas, loginSchema, phoneTicketSchema, staffMessageSchema, ticketListQuerySchema } from '../schemas';
import {
  csv, get, jsonBody, noContent, ok, pathParam, post, PUBLIC, queryParam, queryParams, ref, schema, STAFF, staffRoles,
  type Access, type JsonSchema, type Paths,
} from './common';

/** The staff API: session, tickets and their workflow, attachments, notices, CSV exports. */

const codeParam = pathParam('code', 'Ticket code, e.g. PA-2611-4K7QZ (any case)');
const idParam = (what: string) => pathParam('id', what, { type: 'integer', minimum: 1 });

const listNotes = {
  status: `Comma-separated statuses: ${TICKET_STATUSES.join(', ')}`,
  agency: 'Agency id', assignee: '"me" or a staff user id', unassigned: 'Only tickets without an assignee',
  commune: 'Commune code', queue: '"triage": tickets no agency holds yet (the operators\' queue)',
  needsReview: 'Only tickets automatic triage left for a person',
  reviewReason: 'Only tickets left for a person for this reason: low_confidence, other_category, no_rule, probable_duplicate, no_area', q: 'Free text (code, description)',
  from: 'Created at or after (ISO 8601 with a zone)', to: 'Created before (ISO 8601 with a zone)',
};

const actionNames = Object.keys(actionSchemas) as (keyof typeof actionSchemas)[];
/** The roles that may take each action (the workflow's rule), for clients and the authorisation matrix test. */
const actionRoles = Object.fromEntries(actionNames.map((a) => [a, WORKFLOW[a].roles]));
const actionBody: JsonSchema = {
  oneOf: Object.entries(actionSchemas).map(([name, s]) => ({ title: name, ...schema(s) })),
  description: 'The body of the action named in the path: '
    + Object.entries(actionSchemas).map(([name, s]) => `${name} ${JSON.stringify(Object.keys((schema(s).properties as object | undefined) ?? {}))}`).join('; '),
};

const periodNotes = {
  from: 'ISO 8601 instant with a zone, or YYYY-MM-DD (local midnight, Asia/Ho_Chi_Minh); default 30 days before `to`',
  to: `Exclusive end, same forms as \`from\`; default now. At most ${MAX_DAYS} days.`,
};
const exportAccess: Access = { kind: 'staff', roles: EXPORT_ROLES };

export function staffPaths(): Paths {
  return {
    // ---- session -------------------------------------------------------------------------------
    '/api/v1/auth/login': { post: post(PUBLIC, {
      summary: 'Staff login', tags: ['auth'],
      description: 'Sets the httpOnly session cookie `hub_session`; the body carries the `csrfToken` every later write sends as X-CSRF-Token.',
      requestBody: jsonBody(loginSchema), responses: { 200: ok('{user, csrfToken}') }, errors: [401, 403, 429],
      errorText: { 401: 'Wrong email or password (invalid_credentials)', 403: 'A session cookie was sent without its X-CSRF-Token',
        429: 'Too many logins from this address (rate_limited), or the account or address is locked after failed logins (login_locked); Retry-After says for how long' },
    }) },
    '/api/v1/auth/me': { get: get(STAFF, { summary: 'Current staff user', tags: ['auth'], responses: { 200: ok('{user, csrfToken}') } }) },
    '/api/v1/auth/logout': { post: post(STAFF, { summary: 'Log out', tags: ['auth'], responses: { 204: noContent('Logged out; cookie cleared') } }) },

    // ---- tickets -------------------------------------------------------------------------------
    '/api/v1/tickets': {
      get: get(STAFF, {
        summary: 'List and search tickets (scoped by role)', tags: ['tickets'],
        description: 'Agency staff and leads see their agency\'s tickets only.',
        parameters: queryParams(ticketListQuerySchema, listNotes),
        responses: { 200: ok('{items, total, page, pageSize}; each item with allowedActions') }, errors: [400],
      }),
      post: post(staffRoles('operator', 'supervisor', 'admin'), {
        summary: 'Log a phone call as a ticket', tags: ['tickets'],
        requestBody: jsonBody(phoneTicketSchema), responses: { 201: ok('The created ticket') },
      }),
    },
    '/api/v1/tickets/counts': { get: get(STAFF, {
      summary: 'Counts by status (scoped by role)', tags: ['tickets'],
      description: 'Takes the list filters; status, paging and sort are ignored.',
      parameters: queryParams(ticketListQuerySchema, listNotes),
      responses: { 200: ok('{byStatus, total}') }, errors: [400],
    }) },
    '/api/v1/tickets/{code}': { get: get(STAFF, {
      summary: 'One ticket with citizen (masked for agencies), messages, events and allowed actions', tags: ['tickets'],
      parameters: [codeParam], responses: { 200: ok('The ticket') }, errors: [404],
    }) },
    '/api/v1/tickets/{code}/actions/{action}': { post: { ...post(STAFF, {
      summary: 'Take a workflow action on a ticket', tags: ['tickets'],
      description: 'Which role may take which action, and from which status, is the workflow\'s rule; the ticket\'s `allowedActions` lists them, '
        + 'and `x-action-roles` gives the roles of each action.',
      parameters: [codeParam, pathParam('action', 'The workflow action', { type: 'string', enum: actionNames })],
      requestBody: { required: false, content: { 'application/json': { schema: actionBody } } },
      responses: { 200: ok('The updated ticket with `from` (the previous status) and allowedActions') },
      errors: [403, 404, 409],
      errorText: {
        400: 'Invalid body, unknown category, agency or merge target (validation_failed, invalid_action_input, unknown_agency, …)',
        403: 'The role may not take this action (action_not_allowed_for_role), or X-CSRF-Token missing',
        404: 'No such ticket, or no such action (unknown_action)',
        409: 'Not allowed from the ticket\'s status (invalid_transition)',
      },
    }), 'x-action-roles': actionRoles } },
    '/api/v1/tickets/{code}/messages': { post: post(STAFF, {
      summary: 'Reply to the citizen or add an internal note', tags: ['tickets'],
      parameters: [codeParam], requestBody: jsonBody(staffMessageSchema), responses: { 201: ok('The message') }, errors: [404, 409],
      errorText: { 409: 'The ticket is merged or rejected: no more replies (ticket_closed_for_replies)' },
    }) },
    '/api/v1/tickets/{code}/extension-requests': { post: post(staffRoles('agency_staff', 'agency_lead'), {
      summary: 'Ask for a later resolution deadline', tags: ['sla', 'tickets'],
      description: 'The agency holding the ticket asks; a 1022 supervisor decides.',
      parameters: [codeParam], requestBody: jsonBody(extensionRequestSchema),
      responses: { 201: ok('The extension request') }, errors: [404, 409],
      errorText: {
        400: 'Invalid input, or the new deadline is not after the current one (extension_not_later)',
        404: 'No such ticket in the caller\'s agency',
        409: 'No running resolution deadline, or a request is already waiting (no_running_deadline, extension_pending)',
      },
    }) },
    '/api/v1/sla/extension-requests': { get: get(staffRoles('supervisor', 'admin'), {
      summary: 'Extension requests by status', tags: ['sla'],
      parameters: [queryParam('status', 'Default requested', { type: 'string', enum: ['requested', 'approved', 'refused'], default: 'requested' })],
      responses: { 200: ok('{items}') }, errors: [400],
    }) },
    ...Object.fromEntries((['approve', 'refuse'] as const).map((verb) => [`/api/v1/sla/extension-requests/{id}/${verb}`, { post: post(staffRoles('supervisor', 'admin'), {
      summary: `${verb === 'approve' ? 'Approve' : 'Refuse'} an extension request`, tags: ['sla'],
      parameters: [idParam('Extension request id')], requestBody: jsonBody(extensionDecisionSchema, { required: false }),
      responses: { 200: ok('The decided request') }, errors: [404, 409],
      errorText: { 409: 'Already decided (extension_already_decided)' },
    }) }])),

    // ---- attachments and notices ---------------------------------------------------------------
    '/api/v1/attachments/{id}': { get: get(STAFF, {
      summary: 'An attachment, for staff who may see its ticket', tags: ['tickets'],
      parameters: [pathParam('id', 'Attachment id')],
      responses: { 200: { description: 'The file with its sniffed Content-Type, Content-Disposition and nosniff', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } } },
      errors: [404], errorText: { 404: 'No such attachment, or another agency\'s' },
    }) },
    '/api/v1/notifications': { get: get(STAFF, {
      summary: 'My notices (SLA warnings and breaches, urgent reports)', tags: ['notifications'],
      parameters: [queryParam('unread', 'Only unread notices', { type: 'string', enum: ['true', 'false'], default: 'false' })],
      responses: { 200: ok('{items: [{id, ticketId, ticketCode, kind, body, createdAt, readAt}], unread}') }, errors: [400],
    }) },
    '/api/v1/notifications/read-all': { post: post(STAFF, {
      summary: 'Mark all my notices read', tags: ['notifications'],
      responses: { 200: ok('{marked}', { type: 'object', properties: { marked: { type: 'integer' } } }) },
    }) },
    '/api/v1/notifications/{id}/read': { post: post(STAFF, {
      summary: 'Mark one notice read', tags: ['notifications'], parameters: [idParam('Notice id')],
      responses: { 200: ok('{marked}', { type: 'object', properties: { marked: { type: 'integer' } } }) }, errors: [400, 404],
      errorText: { 404: 'Not my notice, or already read' },
    }) },

    // ---- Supervisors' dashboard -----------------------------------------------------------------
    '/api/v1/dashboard': { get: get(staffRoles('supervisor', 'admin', 'operator'), {
      summary: 'The IOC summary and daily series for staff sessions (the supervisors\' dashboard)', tags: ['ioc'],
      description: 'Same numbers as GET /api/v1/ioc/summary and /timeseries (interval=day; metrics received, resolved, breached, satisfiedRate), '
        + 'for a logged-in supervisor, admin or operator. Period rules as the IOC feed; whole local days.',
      parameters: queryParams(dashboardQuery, { from: 'ISO 8601 instant or YYYY-MM-DD (local); default 30 days ago', to: 'Exclusive end; default now' }),
      responses: { 200: ok('{summary, series: {received, resolved, breached, satisfiedRate: [{t, value}]}}', {
        type: 'object', required: ['summary', 'series'], properties: { summary: ref('IocSummary'), series: { type: 'object' } } }) },
      errors: [400], errorText: { 400: 'Invalid period (invalid_period, validation_failed)' },
    }) },
    '/api/v1/dashboard/map': { get: get(staffRoles('supervisor', 'admin', 'operator', 'agency_lead'), {
      summary: 'Map of open reports: simplified commune outlines, open tickets with coordinates, open count per commune', tags: ['ioc'],
      description: 'Agency leads get their agency\'s tickets only. Outlines are Douglas–Peucker simplified (~150 m) and rounded to 4 decimals; '
        + 'at most 5,000 points, most urgent and oldest first (truncated says when more exist). No personal data.',
      responses: { 200: ok('{communes: [{code, name, rings}], open: [{code, lat, lng, priority, status, overdue, categoryCode, communeCode}], openByCommune, truncated}') },
    }) },

    // ---- CSV exports ---------------------------------------------------------------------------
    '/api/v1/exports/tickets.csv': { get: get(exportAccess, {
      summary: 'Tickets of a period as CSV', tags: ['exports'],
      description: 'UTF-8 CSV, one row per ticket received in the period, scoped like the ticket list; citizen contact masked as on screen. '
        + `Headers are English snake_case names, or Vietnamese with lang=vi: ${TICKET_COLUMNS.map((c) => c.key).join(', ')}. Cache-Control: no-store.`,
      parameters: [
        queryParam('from', periodNotes.from), queryParam('to', periodNotes.to),
        queryParam('lang', 'Header language', { type: 'string', enum: ['en', 'vi'], default: 'en' }),
        queryParam('status', `Comma-separated statuses: ${TICKET_STATUSES.join(', ')}`),
        queryParam('category', 'Category code', { type: 'string', minLength: 1, maxLength: 50 }),
        queryParam('agency', 'Agency id', { type: 'integer', minimum: 1 }),
        queryParam('commune', 'Commune code', { type: 'string', pattern: '^\\d{2,6}$' }),
      ],
      responses: { 200: csv('tickets-<first day>-<last day>.csv') }, errors: [400],
      errorText: { 400: 'Invalid filter or period (validation_failed, invalid_period)' },
    }) },
    '/api/v1/exports/stats.csv': { get: get(exportAccess, {
      summary: 'KPIs of a period as CSV, by agency, category or commune', tags: ['exports'],
      description: 'The IOC summary\'s KPIs, one row per group and an overall row. Agency leads: by=agency only, their own row, no overall.',
      parameters: [
        queryParam('from', periodNotes.from), queryParam('to', periodNotes.to),
        queryParam('lang', 'Header language', { type: 'string', enum: ['en', 'vi'], default: 'en' }),
        queryParam('by', 'Grouping', { type: 'string', enum: [...STATS_BY], default: 'agency' }),
      ],
      responses: { 200: csv('stats-<by>-<first day>-<last day>.csv') }, errors: [400],
      errorText: { 400: 'Invalid parameter or period', 403: 'Role not allowed, or an agency lead asking for by≠agency (export_by_agency_only)' },
    }) },
  };
}
