import { z } from 'zod';
import { actionSchemas, createStaffSchema, loginSchema, phoneTicketSchema, reportCreatedSchema, reportSchema, staffMessageSchema } from './schemas';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
const errorRef = { $ref: '#/components/schemas/Error' };
const json = (s: unknown) => ({ content: { 'application/json': { schema: s } } });
const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), { description: 'Error', ...json(errorRef) }]));

/** The OpenAPI 3.1 document, generated from the same zod schemas that validate requests. */
export function openApiDocument(publicBaseUrl: string) {
  const actions = Object.fromEntries(
    Object.entries(actionSchemas).map(([name, s]) => [`/api/v1/tickets/{code}/actions/${name}`, {
      post: {
        summary: `Workflow action "${name}"`, tags: ['staff'], parameters: [{ name: 'code', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: json(schema(s)), responses: { 200: { description: 'The updated ticket' }, ...errors(400, 401, 403, 404, 409) },
      },
    }]),
  );
  return {
    openapi: '3.1.0',
    info: { title: '1022 Hub API', version: '1', description: 'Citizen reports, staff workflow and reference data. Errors: {error:{code,message (vi),messageEn,details}}.' },
    servers: [{ url: publicBaseUrl }],
    components: {
      securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'hub_session', description: 'Writes also need header X-CSRF-Token from /api/v1/auth/login.' } },
      schemas: {
        Error: { type: 'object', properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, messageEn: { type: 'string' }, details: {} }, required: ['code', 'message', 'messageEn'] } } },
      },
    },
    paths: {
      '/healthz': { get: { summary: 'Liveness', responses: { 200: { description: 'ok' } } } },
      '/readyz': { get: { summary: 'Readiness (database, Redis)', responses: { 200: { description: 'ready' }, 503: { description: 'a dependency is down' } } } },
      '/api/v1/reports': { post: {
        summary: 'Submit a report (web portal, app)', tags: ['citizen'],
        description: 'JSON, or multipart/form-data with the same JSON object in the text field `report` and up to 5 files (≤ 10 MB each; '
          + 'photos JPEG/PNG/GIF/WEBP/HEIC, audio MP3/WAV/OGG/M4A/AMR, video MP4/3GP/MOV, PDF — judged by their bytes, not their name) in `attachments`. '
          + 'No other form fields are accepted. Too many or too large files → 413; a refused file type → 415 and no ticket. '
          + 'The app sends `X-Device-Id`: its idempotency key is then app:<deviceId>:<clientRef>.',
        parameters: [{ name: 'X-Device-Id', in: 'header', required: false, description: 'Channel "app" only: a stable id of the app installation (8–128 of A-Z a-z 0-9 . _ -). Scopes clientRef to the device.', schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{8,128}$' } }],
        requestBody: { content: {
          'application/json': { schema: schema(reportSchema) },
          'multipart/form-data': {
            schema: { type: 'object', required: ['report'], properties: {
              report: { type: 'string', contentMediaType: 'application/json', description: 'The report as JSON, exactly the application/json body.', contentSchema: schema(reportSchema) },
              attachments: { type: 'array', maxItems: 5, items: { type: 'string', format: 'binary', contentMediaType: 'application/octet-stream' } },
            } },
            encoding: { report: { contentType: 'application/json, text/plain' }, attachments: { contentType: 'image/*, audio/*, video/*, application/pdf' } },
          },
        } },
        responses: {
          201: { description: 'Created (multipart answers also list attachments: [{id, status}])', ...json(schema(reportCreatedSchema)) },
          200: { description: 'Same clientRef: the existing ticket', ...json(schema(reportCreatedSchema)) }, ...errors(400, 413, 415),
        } } },
      '/api/v1/attachments/{id}': { get: { summary: 'An attachment, for staff who may see its ticket', tags: ['staff'],
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { 200: { description: 'The file with its sniffed Content-Type, Content-Disposition and nosniff' }, ...errors(401, 404) } } },
      '/api/v1/reports/{code}': { get: { summary: 'Track a report', tags: ['citizen'], parameters: [
        { name: 'code', in: 'path', required: true, schema: { type: 'string' } }, { name: 'token', in: 'query', required: true, schema: { type: 'string' } }],
      responses: { 200: { description: 'Status, agency, public replies and timeline' }, ...errors(404) } } },
      '/api/v1/auth/login': { post: { summary: 'Staff login', tags: ['staff'], requestBody: json(schema(loginSchema)), responses: { 200: { description: 'Session cookie set; body has csrfToken' }, ...errors(400, 401) } } },
      '/api/v1/auth/me': { get: { summary: 'Current staff user', tags: ['staff'], responses: { 200: { description: 'user and csrfToken' }, ...errors(401) } } },
      '/api/v1/auth/logout': { post: { summary: 'Log out', tags: ['staff'], responses: { 204: { description: 'Logged out' } } } },
      '/api/v1/tickets': {
        get: { summary: 'List and search tickets (scoped by role)', tags: ['staff'], parameters: ['status', 'category', 'priority', 'channel', 'agency', 'assignee', 'unassigned', 'commune', 'q', 'from', 'to', 'page', 'pageSize', 'sort'].map((n) => ({ name: n, in: 'query', schema: { type: 'string' } })), responses: { 200: { description: '{items,total,page,pageSize}' }, ...errors(400, 401) } },
        post: { summary: 'Log a phone call as a ticket (operators)', tags: ['staff'], requestBody: json(schema(phoneTicketSchema)), responses: { 201: { description: 'Created' }, ...errors(400, 401, 403) } },
      },
      '/api/v1/tickets/counts': { get: { summary: 'Counts by status (scoped by role)', tags: ['staff'], responses: { 200: { description: '{byStatus,total}' } } } },
      '/api/v1/tickets/{code}': { get: { summary: 'One ticket with citizen (masked for agencies), messages, events and allowed actions', tags: ['staff'], parameters: [{ name: 'code', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: 'Ticket' }, ...errors(401, 404) } } },
      '/api/v1/tickets/{code}/messages': { post: { summary: 'Reply to the citizen or add an internal note', tags: ['staff'], parameters: [{ name: 'code', in: 'path', required: true, schema: { type: 'string' } }], requestBody: json(schema(staffMessageSchema)), responses: { 201: { description: 'Message' }, ...errors(400, 401, 404, 409) } } },
      ...actions,
      '/api/v1/categories': { get: { summary: 'Categories and priorities', tags: ['reference'], responses: { 200: { description: 'ok' } } } },
      '/api/v1/admin-units': { get: { summary: 'Provinces, or communes of ?parent=', tags: ['reference'], responses: { 200: { description: 'ok' } } } },
      '/api/v1/agencies': { get: { summary: 'Agencies', tags: ['reference'], responses: { 200: { description: 'ok' } } } },
      '/api/v1/staff-users': {
        get: { summary: 'Staff users (agency leads: their agency)', tags: ['admin'], responses: { 200: { description: 'ok' } } },
        post: { summary: 'Create a staff user (admin)', tags: ['admin'], requestBody: json(schema(createStaffSchema)), responses: { 201: { description: 'Created' }, ...errors(400, 401, 403, 409) } },
      },
    },
  };
}
