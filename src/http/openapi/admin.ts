import { slaPolicyInputSchema } from '../../sla/policy';
import { aliasSchema, classifySchema, createRuleSchema, previewSchema, updateRuleSchema } from '../routes/routing';
import { calendarDaySchema, calendarQuerySchema, policyPatchSchema, statsQuerySchema } from '../routes/sla-admin';
import { createStaffSchema } from '../schemas';
import {
  del, get, jsonBody, noContent, ok, patch, pathParam, post, queryParam, queryParams, staffRoles, type Access, type Paths,
} from './common';

/** Administration: staff users, routing (rules, aliases, preview, classifier), SLA policies, calendar and statistics. */

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
        errorText: { 400: 'Invalid input, or an agency role without agencyId / another role with one (agency_role_mismatch)', 409: 'Email already in use (email_taken)' },
      }),
    },

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
