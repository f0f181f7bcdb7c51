import { MAX_REQUESTS, MAX_WINDOW_DAYS } from '../../open311/mapping';
import { postSchema } from '../../open311/routes';
import { get, pathParam, post, PUBLIC, queryParam, ref, schema, type JsonSchema, type MediaType, type Parameter, type PathItem, type Paths, type Response } from './common';

/** Open311 GeoReport v2 under /open311/v2/ (src/open311/README.md), in JSON and XML. */

type Format = 'json' | 'xml';
const BASE = '/open311/v2';

// The spec's XML type is text/xml (not application/xml), as the hub sends it.
const body = (format: Format, s: JsonSchema): Record<string, MediaType> =>
  format === 'json' ? { 'application/json': { schema: s } } : { 'text/xml; charset=utf-8': { schema: { type: 'string', description: 'The same records as XML' } } };
const answer = (format: Format, description: string, s: JsonSchema): Response => ({ description, content: body(format, s) });

/** Errors are the spec's array [{code, description}] in the format of the path's suffix. */
const fail = (format: Format, description: string): Response => answer(format, description, ref('Open311Errors'));
const failures = (format: Format, codes: Record<number, string>): Record<number, Response> =>
  Object.fromEntries(Object.entries(codes).map(([c, d]) => [Number(c), fail(format, d)]));

const jurisdiction = queryParam('jurisdiction_id', 'Optional: the host of this hub or a parent domain of it; anything else → 404');
const NOT_FOUND = { 404: 'Unknown jurisdiction_id or resource (…_not_found)' };

/** A resource with a .json and a .xml path. */
function both(name: string, item: (format: Format) => PathItem): Paths {
  return { [`${BASE}/${name}.json`]: item('json'), [`${BASE}/${name}.xml`]: item('xml') };
}

/** `{id}.json` or `{id}.xml` in one path segment, as the route reads it. */
const fileParam = (what: string): Parameter => pathParam('file', `${what} followed by .json or .xml, e.g. ROAD.json; the suffix picks the format`, { type: 'string', pattern: '^.+\\.(json|xml)$' });
/** One path for both formats: the answer's type follows the suffix. */
const eitherFormat = (description: string, s: JsonSchema): Response =>
  ({ description, content: { ...body('json', s), ...body('xml', s) } });
const eitherFail = (codes: Record<number, string>): Record<number, Response> =>
  Object.fromEntries(Object.entries(codes).map(([c, d]) => [Number(c), eitherFormat(d, ref('Open311Errors'))]));

const dateWindow: Parameter[] = [
  queryParam('start_date', `W3C date-time; without a zone read as +07:00. Default: ${MAX_WINDOW_DAYS} days before end_date`, { type: 'string' }),
  queryParam('end_date', `W3C date-time; at most ${MAX_WINDOW_DAYS} days after start_date. Default: now`, { type: 'string' }),
];
const paging: Parameter[] = [
  queryParam('page_size', `Extension: 1–${MAX_REQUESTS} (default ${MAX_REQUESTS})`, { type: 'integer', minimum: 1, maximum: MAX_REQUESTS }),
  queryParam('page', 'Extension: page number from 1', { type: 'integer', minimum: 1 }),
];

const postBody: JsonSchema = (() => {
  const s = schema(postSchema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return {
    ...s,
    properties: {
      api_key: { type: 'string', description: 'One of OPEN311_API_KEYS (also accepted in the query string)' },
      jurisdiction_id: { type: 'string' },
      ...s.properties,
    },
    description: 'The spec\'s fields (description is required here, 5–4000 characters). A location is required: lat and long, address_string, or '
      + 'address_id (a commune code of the 2025 structure). media_url is kept as text, not fetched. client_request_id (extension) makes a retry answer 200 with the first id.',
  };
})();

export const open311Schemas: Record<string, JsonSchema> = {
  Open311Errors: { type: 'array', items: { type: 'object', required: ['code', 'description'], properties: { code: { type: 'integer', description: 'HTTP status' }, description: { type: 'string', description: 'Tiếng Việt — English' } } } },
  Open311Service: { type: 'object', properties: {
    service_code: { type: 'string', description: 'Category code' }, service_name: { type: 'string' }, description: { type: 'string' },
    metadata: { type: 'boolean' }, type: { type: 'string', enum: ['realtime', 'batch', 'blackbox'] }, keywords: { type: 'string' }, group: { type: 'string' },
  } },
  Open311Request: { type: 'object', description: 'No personal data: description only for publishable tickets (masked), place as commune and province, rounded coordinates.', properties: {
    service_request_id: { type: 'string', description: 'Ticket code' }, status: { type: 'string', enum: ['open', 'closed'] }, status_notes: { type: ['string', 'null'] },
    service_name: { type: ['string', 'null'] }, service_code: { type: ['string', 'null'] }, description: { type: ['string', 'null'] },
    agency_responsible: { type: ['string', 'null'] }, service_notice: { type: ['string', 'null'] },
    requested_datetime: { type: 'string' }, updated_datetime: { type: 'string' }, expected_datetime: { type: ['string', 'null'] },
    address: { type: ['string', 'null'] }, address_id: { type: ['string', 'null'] }, zipcode: { type: ['string', 'null'] },
    lat: { type: ['number', 'null'] }, long: { type: ['number', 'null'] }, media_url: { type: ['string', 'null'] },
  } },
  Open311Update: { type: 'object', properties: {
    update_id: { type: 'string' }, service_request_id: { type: 'string' }, status: { type: 'string', description: 'mySociety extended status (FIXED, IN_PROGRESS, …)' },
    updated_datetime: { type: 'string' }, description: { type: 'string' }, media_url: { type: ['string', 'null'] }, external_status_code: { type: 'string', description: 'The internal status' },
  } },
};

const list = (name: string): JsonSchema => ({ type: 'array', items: ref(name) });

export function open311Paths(): Paths {
  return {
    ...both('services', (f) => ({ get: get(PUBLIC, {
      summary: `Services (active categories), ${f.toUpperCase()}`, tags: ['open311'], parameters: [jurisdiction],
      responses: { 200: answer(f, 'Every active category as a service', list('Open311Service')), ...failures(f, NOT_FOUND) },
    }) })),
    [`${BASE}/services/{file}`]: { get: get(PUBLIC, {
      summary: 'Service definition', tags: ['open311'], parameters: [fileParam('The service_code'), jurisdiction],
      responses: {
        200: eitherFormat('{service_code, attributes: []}: no service asks for extra fields', { type: 'object', properties: { service_code: { type: 'string' }, attributes: { type: 'array', maxItems: 0 } } }),
        ...eitherFail({ 404: 'Unknown service_code or jurisdiction, or a suffix other than .json/.xml' }),
      },
    }) },
    ...both('requests', (f) => ({
      post: post({ kind: 'open311' }, {
        summary: `Create a service request (a ticket on channel open311), ${f.toUpperCase()}`, tags: ['open311'],
        description: 'Checks in order: api_key (403), jurisdiction_id (404), service_code present (400), service_code known (404), fields (400), location (400), address_id (400). '
          + 'With no OPEN311_API_KEYS configured Open311 is read-only: every POST → 403.',
        requestBody: { required: true, content: { 'application/x-www-form-urlencoded': { schema: postBody }, 'application/json': { schema: postBody } } },
        responses: {
          201: answer(f, '[{service_request_id, service_notice, account_id: null}]; service_notice carries the tracking link', { type: 'array', items: { type: 'object', properties: { service_request_id: { type: 'string' }, service_notice: { type: 'string' }, account_id: { type: 'null' } } } }),
          200: answer(f, 'Same api_key + device_id + client_request_id again: the first request\'s id', { type: 'array' }),
          ...failures(f, {
            400: 'Missing service_code, invalid field, no location, unknown address_id, unreadable or too large body, or neither form nor JSON',
            403: 'api_key missing or wrong, or Open311 is read-only here',
            404: 'Unknown jurisdiction_id or service_code',
          }),
        },
      }),
      get: get(PUBLIC, {
        summary: `Query service requests, newest first, ${f.toUpperCase()}`, tags: ['open311'],
        parameters: [
          queryParam('service_request_id', `Comma list of ticket codes (≤ ${MAX_REQUESTS}); overrides every other filter`),
          queryParam('service_code', 'Comma list of category codes'),
          queryParam('status', 'open or closed (comma list)'),
          ...dateWindow, ...paging, jurisdiction,
        ],
        responses: { 200: answer(f, 'The requests', list('Open311Request')), ...failures(f, { 400: 'Bad status, date, range, paging or too many ids', ...NOT_FOUND }) },
      }),
    })),
    [`${BASE}/requests/{file}`]: { get: get(PUBLIC, {
      summary: 'One service request', tags: ['open311'], parameters: [fileParam('The service_request_id (ticket code, any case)'), jurisdiction],
      responses: { 200: eitherFormat('An array of one request', list('Open311Request')), ...eitherFail({ 404: 'Unknown request or jurisdiction, or a suffix other than .json/.xml' }) },
    }) },
    [`${BASE}/tokens/{file}`]: { get: get(PUBLIC, {
      summary: 'Service request id of a token', tags: ['open311'], parameters: [fileParam('A citizen\'s tracking token'), jurisdiction],
      responses: {
        200: eitherFormat('[{service_request_id, token}]', { type: 'array', items: { type: 'object', properties: { service_request_id: { type: 'string' }, token: { type: 'string' } } } }),
        ...eitherFail({ 404: 'Unknown token or jurisdiction, or a suffix other than .json/.xml' }),
      },
    }) },
    ...both('servicerequestupdates', (f) => ({ get: get(PUBLIC, {
      summary: `Status changes of requests (mySociety extension), ${f.toUpperCase()}`, tags: ['open311'],
      parameters: [...dateWindow, ...paging, jurisdiction],
      responses: { 200: answer(f, 'The updates', list('Open311Update')), ...failures(f, { 400: 'Bad date, range or paging', ...NOT_FOUND }) },
    }) })),
  };
}
