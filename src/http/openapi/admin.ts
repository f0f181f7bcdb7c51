import { slaPolicyInputSchema } from '../../sla/policy';
import { aliasSchema, classifySchema, createRuleSchema, previewSchema, updateRuleSchema } from '../routes/routing';
import { calendarDaySchema, calendarQuerySchema, policyPatchSchema, statsQuerySchema } from '../routes/sla-admin';
import { createStaffSchema } from '../schemas';
import { auditQuerySchema, updateStaffSchema } from '../routes/admin-staff';
import { createAgencySchema, createCategorySchema, updateAgencySchema, updateCategorySchema } from '../routes/admin-catalog';
import { channelSwitchSchema, RETRY_AFTER_SECONDS } from '../routes/admin-channels';
import { CHANNELS } from '../../workflow/types';
import {
  del, get, jsonBody, noContent, ok, patch, pathParam, post, queryParam, queryParams, STAFF, staffRoles, type Access, type Paths,
} from './common';

/**
 * Administration: staff users, categories, agencies, channel switches and their audit; routing
 * (rules, aliases, preview, classifier), SLA policies, calendar and statistics.
 */

const idParam = (what: string) => pathParam('id', what, { type: 'integer', minimum: 1 });
const ADMIN = staffRoles('admin');
const DESK = staffRoles('operator', 'supervisor', 'admin');
const AUDITORS = staffRoles('supervisor', 'admin');

const STATS_ACCESS: Access = { kind: 'staffOrIoc', roles: ['operator', 'supervisor', 'admin', 'agency_lead'] };

export function adminPaths(): Paths {
  return {
    '/api/v1/staff-users': {
      get: get(staffRoles('agency_lead', 'operator', 'supervisor', 'admin'), {
        summary: 'Staff users (agency leads: their agency)', tags: ['admin'], responses: { 200: ok('{users}') },
      }),
      post: post(ADMIN, {
        summary: 'Create a staff user', tags: ['admin'], requestBody: jsonBody(createStaffSchema), responses: { 201: ok('The user') }, errors: [409],
        description: 'Audited (GET /api/v1/admin/audit?entity=staff_user).',
        errorText: {
          400: 'Invalid input, an agency role without agencyId / another role with one (agency_role_mismatch), or an unknown or inactive agency (unknown_agency)',
          409: 'Email already in use (email_taken)',
        },
      }),
    },
    '/api/v1/staff-users/{id}': { patch: patch(ADMIN, {
      summary: 'Change a staff user: name, role, agency, active, password', tags: ['admin'], parameters: [idParam('Staff user id')],
      requestBody: jsonBody(updateStaffSchema),
      description: 'Deactivating ends the account\'s sessions and live connections at once (it can no longer log in); a new password '
        + 'ends its other sessions. Leaving the agency roles drops the agency. The hub always keeps one active admin. Audited.',
      responses: { 200: ok('The user, with sessionsEnded') }, errors: [404, 409],
      errorText: {
        400: 'Invalid input, nothing to change, agency_role_mismatch, or an unknown or inactive agency (unknown_agency)',
        409: 'It would leave no active admin (last_admin)',
      },
    }) },
    '/api/v1/staff-users/directory': { get: get(STAFF, {
      summary: 'Colleagues\' names for display', tags: ['admin'],
      description: 'id, displayName, role, agencyId, active. Agency roles get their own agency\'s staff and the 1022 centre\'s (operators, supervisors, admins), never another agency\'s; the other roles get everyone. No emails.',
      responses: { 200: ok('{users}') },
    }) },
    '/api/v1/admin/audit': { get: get(AUDITORS, {
      summary: 'Audit trail of staff accounts, categories, agencies and channel switches', tags: ['admin'],
      parameters: queryParams(auditQuerySchema, { entity: 'Only this kind of record', key: 'Only this record (staff or agency id, category code, channel)' }),
      responses: { 200: ok('{entries: [{id, entity, key, action, staffId, at, before, after}]}, newest first') }, errors: [400],
    }) },
    '/api/v1/categories': { post: post(ADMIN, {
      summary: 'Add a category', tags: ['admin', 'reference'], requestBody: jsonBody(createCategorySchema),
      description: 'Codes are permanent (tickets, rules, SLA policies and the IOC feed refer to them): never renamed or deleted. Audited.',
      responses: { 201: ok('The category') }, errors: [409], errorText: { 409: 'The code exists already (category_exists)' },
    }) },
    '/api/v1/categories/{code}': { patch: patch(ADMIN, {
      summary: 'Change a category: names, what it covers, default priority, active', tags: ['admin', 'reference'],
      parameters: [pathParam('code', 'Category code', { type: 'string' })], requestBody: jsonBody(updateCategorySchema),
      description: 'An inactive category is not offered for new reports, Open311 or the classifier (which falls back to the best active alternative); '
        + 'tickets that have it keep it. The default priority replaces the classifier\'s "normal". Audited.',
      responses: { 200: ok('The category') }, errors: [404, 409],
      errorText: { 409: 'The fallback category "khac" cannot be switched off (fallback_category)' },
    }) },
    '/api/v1/agencies': { post: post(ADMIN, {
      summary: 'Add an agency', tags: ['admin', 'reference'], requestBody: jsonBody(createAgencySchema),
      description: 'Audited.', responses: { 201: ok('The agency') }, errors: [409],
      errorText: { 400: 'Invalid input, or an unknown province or commune', 409: 'The code is in use (agency_code_taken)' },
    }) },
    '/api/v1/agencies/{id}': { patch: patch(ADMIN, {
      summary: 'Change an agency: names, short name, kind, administrative unit, contacts, 24/7, active', tags: ['admin', 'reference'],
      parameters: [idParam('Agency id')], requestBody: jsonBody(updateAgencySchema), description: 'Audited.',
      responses: { 200: ok('The agency') }, errors: [404, 409],
      errorText: { 409: 'Deactivation refused while active routing rules point to it; details.ruleIds names them (agency_in_use)' },
    }) },
    '/api/v1/channels/{channel}': { patch: patch(ADMIN, {
      summary: 'Switch a configured channel off or on', tags: ['admin', 'reference'],
      parameters: [pathParam('channel', 'Channel', { type: 'string', enum: [...CHANNELS] })], requestBody: jsonBody(channelSwitchSchema),
      description: `Stored in the database; every process follows within 5 s. While off, the channel's intake webhooks answer 503 with `
        + `Retry-After: ${RETRY_AFTER_SECONDS} (the platform retries; nothing acknowledged is lost), inbound mail gets a temporary SMTP failure, `
        + 'and replies are held; switched on, the held replies are queued at once. Audited.',
      responses: { 200: ok('The channel\'s state, with releasedReplies') }, errors: [409],
      errorText: { 409: 'Not configured (its secrets are unset: channel_not_configured), or not switchable (web, app, open311: channel_not_switchable)' },
    }) },

    // ---- routing -------------------------------------------------------------------------------
    '/api/v1/classify': { post: post({ kind: 'staffOrIoc' }, {
      summary: 'Classify a text: category, priority, confidence and why', tags: ['routing'],
      requestBody: jsonBody(classifySchema),
      responses: { 200: ok('{category, confidence, priority, priorityConfidence, alternatives, explanation: {terms, urgentSignals}}') },
    }) },
    '/api/v1/routing/rules': {
      get: get(DESK, { summary: 'Routing rules and the levels they apply in', tags: ['routing'], responses: { 200: ok('{rules, levels}') } }),
      post: post(ADMIN, {
        summary: 'Create a routing rule', tags: ['routing'], requestBody: jsonBody(createRuleSchema), responses: { 201: ok('The rule') }, errors: [409],
        errorText: { 400: 'Invalid input, or unknown agency, category or commune', 409: 'The same rule exists already (already_exists)' },
      }),
    },
    '/api/v1/routing/rules/{id}': {
      patch: patch(ADMIN, {
        summary: 'Change a routing rule', tags: ['routing'], parameters: [idParam('Rule id')], requestBody: jsonBody(updateRuleSchema),
        responses: { 200: ok('The rule') }, errors: [404, 409],
        errorText: { 400: 'Invalid input, nothing to change, or unknown agency, category or commune', 409: 'The same rule exists already (already_exists)' },
      }),
      delete: del(ADMIN, { summary: 'Delete a routing rule', tags: ['routing'], parameters: [idParam('Rule id')], responses: { 204: noContent('Deleted') }, errors: [400, 404] }),
    },
    '/api/v1/routing/audit': { get: get(AUDITORS, {
      summary: 'Audit trail of routing rule changes', tags: ['routing'],
      parameters: [queryParam('ruleId', 'Only this rule', { type: 'integer', minimum: 1 })], responses: { 200: ok('{entries}') }, errors: [400],
    }) },
    '/api/v1/routing/preview': { post: post(DESK, {
      summary: 'Dry run of understanding and routing for a text', tags: ['routing'],
      description: 'What automatic triage would do with this report (category, place, agency, and why); nothing is stored.',
      requestBody: jsonBody(previewSchema), responses: { 200: ok('The preview') },
    }) },
    '/api/v1/area-aliases': {
      get: get(DESK, { summary: 'Place-name aliases of communes', tags: ['routing'], responses: { 200: ok('{aliases}') } }),
      post: post(ADMIN, {
        summary: 'Map a place name to a commune', tags: ['routing'], requestBody: jsonBody(aliasSchema), responses: { 201: ok('{alias, code}') },
        errorText: { 400: 'Invalid input or unknown commune (unknown_commune)' },
      }),
    },

    // ---- SLA policies, calendar, statistics ----------------------------------------------------
    '/api/v1/sla/policies': {
      get: get(staffRoles('operator', 'supervisor', 'admin', 'agency_lead'), {
        summary: 'SLA policies, the defaults, and the policy in force per category × priority', tags: ['sla'],
        responses: { 200: ok('{policies, defaults, effective}') },
      }),
      post: post(ADMIN, {
        summary: 'Create an SLA policy', tags: ['sla'], requestBody: jsonBody(slaPolicyInputSchema), responses: { 201: ok('The policy') }, errors: [409],
        errorText: { 400: 'Invalid targets, unknown category, or an id sent (id_not_allowed)', 409: 'A policy for this category × priority exists (duplicate_policy)' },
      }),
    },
    '/api/v1/sla/policies/{id}': {
      patch: patch(ADMIN, {
        summary: 'Change an SLA policy', tags: ['sla'], parameters: [idParam('Policy id')], requestBody: jsonBody(policyPatchSchema),
        description: 'The merged policy is validated as a whole (a response target must still fit the resolution target).',
        responses: { 200: ok('The policy') }, errors: [404, 409],
        errorText: { 409: 'A policy for this category × priority exists (duplicate_policy)' },
      }),
      delete: del(ADMIN, { summary: 'Delete an SLA policy', tags: ['sla'], parameters: [idParam('Policy id')], responses: { 204: noContent('Deleted') }, errors: [400, 404] }),
    },
    '/api/v1/sla/policies/audit': { get: get(AUDITORS, {
      summary: 'Audit trail of SLA policy changes', tags: ['sla'],
      parameters: [queryParam('policyId', 'Only this policy', { type: 'integer', minimum: 1 })], responses: { 200: ok('{entries}') }, errors: [400],
    }) },
    '/api/v1/sla/calendar': { get: get({ kind: 'staff' }, {
      summary: 'Working calendar of a year: schedule, holidays, make-up days, announced days', tags: ['sla'],
      parameters: queryParams(calendarQuerySchema, { year: 'Default: the current year in Viet Nam' }),
      responses: { 200: ok('{year, schedule, holidays, makeUpWorkingDays, adminDays}') }, errors: [400],
    }) },
    '/api/v1/sla/calendar/days': { post: post(ADMIN, {
      summary: 'Announce a day off or a make-up working day', tags: ['sla'], requestBody: jsonBody(calendarDaySchema),
      responses: { 201: ok('The day (new)'), 200: ok('The day (replaced the one of that date)') },
    }) },
    '/api/v1/sla/calendar/days/{date}': { delete: del(ADMIN, {
      summary: 'Remove an announced day', tags: ['sla'], parameters: [pathParam('date', 'YYYY-MM-DD', { type: 'string', format: 'date' })],
      responses: { 204: noContent('Removed') }, errors: [400, 404],
    }) },
    '/api/v1/sla/stats': { get: get(STATS_ACCESS, {
      summary: 'SLA statistics of a period: overall, by agency, by category', tags: ['sla', 'ioc'],
      description: 'Agency leads get their own agency only. At most 367 days; default the 30 days before `to`.',
      parameters: queryParams(statsQuerySchema, {
        from: 'YYYY-MM-DD (local midnight) or ISO 8601 date-time with a zone', to: 'Same forms as from; default now',
        agency: 'Agency id', category: 'Category code',
      }),
      responses: { 200: ok('{period, asOf, filters, overall, byAgency, byCategory, notCounted}') }, errors: [400],
      errorText: {
        400: 'Invalid date, from after to, period too long, or unknown category',
        403: 'Role not allowed, or an agency lead asking for another agency (other_agency)',
      },
    }) },
  };
}
