import { answerSchema } from '../../satisfaction/routes';
import { listQuery as publicListQuery, MAX_PAGE_SIZE } from '../../transparency/routes';
import { reportCreatedSchema, reportSchema } from '../schemas';
import {
  get, jsonBody, ok, pathParam, post, PUBLIC, queryParam, queryParams, schema, STAFF, type JsonSchema, type Paths,
} from './common';

/** Health, the citizen API (reports, surveys), the public transparency API and reference data. */

const codeParam = pathParam('code', 'Ticket code, e.g. PA-2611-4K7QZ (any case)');
const surveyToken = pathParam('token', 'The survey token from the link sent to the citizen', { type: 'string', pattern: '^[A-Za-z0-9_-]{16,64}$' });

const surveyView: JsonSchema = {
  type: 'object',
  description: 'The survey as the token holder sees it: no personal data.',
  properties: {
    code: { type: 'string' }, status: { type: 'string' }, ticketStatus: { type: 'string' }, category: { type: ['string', 'null'] },
    agency: { type: ['string', 'null'] }, resolution: { type: ['string', 'null'] }, resolvedAt: { type: ['string', 'null'], format: 'date-time' },
    expiresAt: { type: 'string', format: 'date-time' },
    scores: { type: 'array', items: { type: 'object', properties: { score: { type: 'integer' }, label: { type: 'string' } } } },
    answer: { type: ['object', 'null'], properties: { satisfied: { type: ['boolean', 'null'] }, score: { type: ['integer', 'null'] }, comment: { type: ['string', 'null'] }, answeredAt: { type: ['string', 'null'] } } },
    reopenAllowed: { type: 'boolean' }, reopenRequested: { type: 'boolean' }, reopenPossible: { type: 'boolean' },
  },
};

const surveyErrors = {
  404: 'No such survey (survey_unknown)',
  409: 'Already answered, cancelled, or reopening not possible (survey_already_answered, survey_satisfied, survey_limit_reached, …)',
  410: 'The survey is closed for answers (survey_expired)',
};

const publicReport: JsonSchema = {
  type: 'object',
  properties: {
    code: { type: 'string' },
    category: { type: ['object', 'null'], properties: { code: { type: 'string' }, name: { type: 'string' } } },
    commune: { type: ['object', 'null'], properties: { code: { type: 'string' }, name: { type: 'string' } } },
    agency: { type: ['string', 'null'] }, receivedAt: { type: 'string', format: 'date-time' }, resolvedAt: { type: 'string', format: 'date-time' },
    description: { type: 'string', description: 'Anonymised' }, answer: { type: 'string', description: 'The official answer, anonymised' }, channel: { type: 'string' },
  },
};
const countList = (key: string): JsonSchema => ({ type: 'array', items: { type: 'object', properties: { [key]: { type: 'string' }, ...(key === 'code' ? { name: { type: 'string' } } : {}), count: { type: 'integer' } } } });

export function citizenPaths(): Paths {
  return {
    '/healthz': { get: get(PUBLIC, { summary: 'Liveness', tags: ['health'], responses: { 200: ok('The process serves', { type: 'object', properties: { status: { const: 'ok' } } }) } }) },
    '/readyz': { get: get(PUBLIC, {
      summary: 'Readiness (database, Redis)', tags: ['health'],
      responses: { 200: ok('Ready: {status, checks, channels}'), 503: ok('A dependency is down; `checks` names it') },
    }) },
    '/api/docs': { get: get(PUBLIC, { summary: 'This OpenAPI document', tags: ['health'], responses: { 200: ok('OpenAPI 3.1 document') } }) },

    '/api/v1/reports': { post: post(PUBLIC, {
      summary: 'Submit a report (web portal, app)', tags: ['citizen'],
      description: 'JSON, or multipart/form-data with the same JSON object in the text field `report` and up to 5 files (≤ 10 MB each; '
        + 'photos JPEG/PNG/GIF/WEBP/HEIC, audio MP3/WAV/OGG/M4A/AMR, video MP4/3GP/MOV, PDF — judged by their bytes, not their name) in `attachments`. '
        + 'No other form fields are accepted. Too many or too large files → 413; a refused file type → 415 and no ticket. '
        + 'The app sends `X-Device-Id`: its idempotency key is then app:<deviceId>:<clientRef>.',
      parameters: [{ name: 'X-Device-Id', in: 'header', required: false, description: 'Channel "app" only: a stable id of the app installation (8–128 of A-Z a-z 0-9 . _ -). Scopes clientRef to the device.', schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{8,128}$' } }],
      requestBody: { required: true, content: {
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
        201: ok('Created (multipart answers also list attachments: [{id, status}])', schema(reportCreatedSchema)),
        200: ok('Same clientRef: the existing ticket', schema(reportCreatedSchema)),
      },
      errors: [415, 429],
      errorText: { 400: 'Invalid report, unknown category or invalid X-Device-Id', 413: 'Body, file count or file size too large', 415: 'Neither JSON nor multipart, or a refused file type' },
    }) },
    '/api/v1/reports/{code}': { get: get(PUBLIC, {
      summary: 'Track a report', tags: ['citizen'],
      parameters: [codeParam, queryParam('token', 'The trackingToken returned on submission', { type: 'string' }, true)],
      responses: { 200: ok('Status, category, agency, public replies and timeline') },
      errors: [404, 429], errorText: { 404: 'Unknown code or wrong/missing token (the two are not told apart)' },
    }) },

    // ---- satisfaction surveys ------------------------------------------------------------------
    '/api/v1/surveys/{token}': {
      get: get(PUBLIC, { summary: 'Read a satisfaction survey', tags: ['surveys'], parameters: [surveyToken], responses: { 200: ok('The survey (Cache-Control: no-store)', surveyView) }, errors: [404], errorText: surveyErrors }),
      post: post(PUBLIC, {
        summary: 'Answer a satisfaction survey', tags: ['surveys'], parameters: [surveyToken],
        description: 'A score 1–5 and/or satisfied yes/no, an optional comment; `reopen: true` with a "not satisfied" answer asks to handle the report again. Single use.',
        requestBody: jsonBody(answerSchema),
        responses: { 200: ok('The survey with `reopened` and `reopenAllowed`', { allOf: [surveyView, { type: 'object', properties: { reopened: { type: 'boolean' } } }] }) },
        errors: [404, 409, 410], errorText: { ...surveyErrors, 400: 'Invalid answer, or neither a score nor satisfied given (survey_answer_empty)' },
      }),
    },
    '/api/v1/surveys/{token}/reopen': { post: post(PUBLIC, {
      summary: 'Ask to reopen the report after a "not satisfied" answer', tags: ['surveys'], parameters: [surveyToken],
      responses: { 200: ok('The survey after the request', surveyView) }, errors: [404, 409, 410], errorText: surveyErrors,
    }) },
    '/api/v1/surveys/{token}/opt-out': { post: post(PUBLIC, {
      summary: 'Stop receiving surveys', tags: ['surveys'], parameters: [surveyToken],
      responses: { 200: ok('Opted out', { type: 'object', properties: { optedOut: { const: true } } }) }, errors: [404], errorText: surveyErrors,
    }) },

    // ---- transparency --------------------------------------------------------------------------
    '/api/v1/public/reports': { get: get(PUBLIC, {
      summary: 'Published resolved reports, anonymised', tags: ['transparency'],
      description: 'Newest answer first; Cache-Control: public, max-age=60. Unknown category or commune give an empty list.',
      parameters: queryParams(publicListQuery, {
        category: 'Category code', commune: 'Commune code', month: 'Local month of resolvedAt, YYYY-MM',
        q: 'Words that must all occur (any case, with or without diacritics; the code too)', pageSize: `1–${MAX_PAGE_SIZE}`,
      }),
      responses: { 200: ok('{items, page, pageSize, total}', { type: 'object', properties: { items: { type: 'array', items: publicReport }, page: { type: 'integer' }, pageSize: { type: 'integer' }, total: { type: 'integer' } } }) },
      errors: [400], errorText: { 400: 'Malformed month, page or pageSize (validation_failed)' },
    }) },
    '/api/v1/public/reports/{code}': { get: get(PUBLIC, {
      summary: 'One published report', tags: ['transparency'], parameters: [codeParam],
      responses: { 200: ok('The report', publicReport) }, errors: [404], errorText: { 404: 'Not public, or no such report' },
    }) },
    '/api/v1/public/filters': { get: get(PUBLIC, {
      summary: 'Filter values that have published reports', tags: ['transparency'],
      responses: { 200: ok('{categories, communes, months} with counts', { type: 'object', properties: { categories: countList('code'), communes: countList('code'), months: countList('month') } }) },
    }) },

    // ---- reference data ------------------------------------------------------------------------
    '/api/v1/categories': { get: get(PUBLIC, { summary: 'Categories and priorities', tags: ['reference'], responses: { 200: ok('{categories, priorities}') } }) },
    '/api/v1/admin-units': { get: get(PUBLIC, {
      summary: 'Provinces, or the communes of a province', tags: ['reference'],
      parameters: [queryParam('parent', 'Province code (1–6 digits); anything else lists provinces', { type: 'string', pattern: '^\\d{1,6}$' })],
      responses: { 200: ok('{units}') },
    }) },
    '/api/v1/admin-units/{code}/outline': { get: get(PUBLIC, {
      summary: "A commune's outline for maps: simplified (~30 m) outer rings, [lng, lat] rounded to 4 decimals", tags: ['reference'],
      parameters: [pathParam('code', 'Commune code (1–6 digits)', { type: 'string', pattern: '^\\d{1,6}$' })],
      responses: { 200: ok('{code, name, rings}') }, errors: [400, 404],
      errorText: { 400: 'Not a unit code (invalid_unit_code)', 404: 'No such commune, or it has no boundary' },
    }) },
    '/api/v1/agencies': { get: get(STAFF, { summary: 'Agencies', tags: ['reference'], responses: { 200: ok('{agencies}') } }) },
    '/api/v1/channels': { get: get(STAFF, { summary: 'Channels: on or off, and whether replies can be sent', tags: ['reference'], responses: { 200: ok('{channels}') } }) },
  };
}
