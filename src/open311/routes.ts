import { createHash } from 'node:crypto';
import express, { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Hub } from '../hub';
import { clientHttpError, unstorableCharacter } from '../http/errors';
import { citizenContact } from '../http/report-input';
import { HubError } from '../shared/errors';
import { safeEqual } from '../shared/safe-equal';
import type { TicketStatus } from '../workflow/types';
import {
  MAX_REQUESTS, MAX_WINDOW_DAYS, dateWindow, jurisdictionMatches, parseW3cDate, statusesFor, toRequest, toService, toUpdate,
  withMediaUrl, type DateWindow,
} from './mapping';
import { Open311Store } from './store';
import { xmlDocument, xmlList, type XmlRecord } from './xml';

/**
 * Open311 GeoReport v2 under /open311/v2/ (see README.md for every decision). Returns the router
 * and an error handler that must follow it: errors raised before the router (the app's JSON body
 * parser) reach only error handlers, and Open311 clients must get the spec's error array too.
 */
export function open311Routes(hub: Hub): [Router, ErrorRequestHandler] {
  const r = Router();
  const store = new Open311Store(hub.db);
  const BASE = '/open311/v2';
  const both = (name: string) => [`${BASE}/${name}.json`, `${BASE}/${name}.xml`];

  r.get(both('services'), async (req, res) => {
    checkJurisdiction(req.query.jurisdiction_id, hub);
    const services = (await hub.catalog.categories()).filter((c) => c.active).map(toService);
    send(req, res, 200, 'services', 'service', services);
  });

  r.get(`${BASE}/services/:file`, async (req, res) => {
    const { id, format } = fileParam(req.params.file);
    checkJurisdiction(req.query.jurisdiction_id, hub);
    const category = (await hub.catalog.categories()).find((c) => c.active && c.code === id);
    if (!category) throw notFoundError('service_code', id);
    // metadata is false for every service: the definition exists but asks for nothing.
    const definition = { service_code: category.code, attributes: [] as XmlRecord[] };
    if (format === 'xml') res.status(200).type('text/xml; charset=utf-8').send(xmlDocument('service_definition', definition));
    else res.status(200).json(definition);
  });

  r.post(both('requests'), express.urlencoded({ extended: false, limit: '200kb' }), async (req, res) => {
    const body = requestBody(req);
    const apiKey = checkApiKey(body.api_key ?? req.query.api_key, hub.config.open311ApiKeys);
    if (req.is(['application/x-www-form-urlencoded', 'application/json']) === false || req.body === undefined) {
      throw invalid('unsupported_media', 'Hãy gửi dữ liệu dạng application/x-www-form-urlencoded (hoặc JSON).',
        'Send the request as application/x-www-form-urlencoded (or JSON).');
    }
    checkJurisdiction(body.jurisdiction_id, hub);
    if (blank(body.service_code) === undefined) {
      throw invalid('service_code_missing', 'Thiếu service_code (mã lĩnh vực).', 'service_code was not provided.');
    }
    // An unknown service is named first: it is the one error no other field can explain.
    const serviceCode = body.service_code;
    if (typeof serviceCode === 'string' && !hub.catalog.isCategory(serviceCode.trim())) throw notFoundError('service_code', serviceCode.trim());
    const input = parseInput(body);
    const hasPoint = input.lat !== undefined || input.long !== undefined;
    if (hasPoint && (input.lat === undefined || input.long === undefined)) {
      throw invalid('incomplete_location', 'lat và long phải được gửi cùng nhau.', 'lat and long must both be sent.');
    }
    if (!hasPoint && !input.address_string && !input.address_id) {
      throw invalid('location_missing', 'Thiếu vị trí: gửi lat và long, address_string hoặc address_id.',
        'A location is required: lat and long, address_string or address_id.');
    }
    // address_id is the commune code of the 2025 structure: the hub has no street-level address register.
    const commune = input.address_id ? await store.commune(input.address_id) : null;
    if (input.address_id && !commune) {
      throw invalid('unknown_address_id', `address_id "${input.address_id}" không phải mã xã/phường đang có hiệu lực.`,
        `address_id "${input.address_id}" is not a current commune code.`);
    }
    const name = [input.last_name, input.first_name].filter(Boolean).join(' ');
    const contact = citizenContact({ name: name || undefined, phone: input.phone, email: input.email });
    const { ticket, created } = await hub.intake.submit({
      channel: 'open311',
      // media_url is kept as text, not fetched: the download path has no guard against internal addresses.
      text: withMediaUrl(input.description, input.media_url),
      categoryCode: input.service_code,
      location: hasPoint ? { lat: input.lat!, lng: input.long!, address: input.address_string ?? null } : null,
      address: input.address_string ?? null,
      contact,
      idempotencyKey: idempotencyKey(apiKey, input.device_id, input.client_request_id),
      publishable: true,
      communeCode: commune?.code ?? null,
      provinceCode: commune?.provinceCode ?? null,
    });
    if (created) hub.afterCommit();
    const trackingUrl = hub.notifier.trackingUrl(ticket);
    send(req, res, created ? 201 : 200, 'service_requests', 'request', [{
      service_request_id: ticket.code,
      service_notice: `Phản ánh đã được tiếp nhận với mã ${ticket.code}; theo dõi tại ${trackingUrl} — Report received as ${ticket.code}; track it at ${trackingUrl}`,
      account_id: null,
    }]);
  });

  r.get(both('requests'), async (req, res) => {
    checkJurisdiction(req.query.jurisdiction_id, hub);
    const ids = listParam(req.query.service_request_id).map((s) => s.toUpperCase());
    if (ids.length > MAX_REQUESTS) throw invalid('too_many_ids', `Tối đa ${MAX_REQUESTS} service_request_id mỗi lần.`, `At most ${MAX_REQUESTS} service_request_id per query.`);
    let rows;
    if (ids.length) {
      rows = await store.requests({ codes: [...new Set(ids)] });
    } else {
      const statuses = listParam(req.query.status).map((s) => s.toLowerCase());
      const bad = statuses.find((s) => s !== 'open' && s !== 'closed');
      if (bad !== undefined) throw invalid('invalid_status', `status "${bad}" không hợp lệ (open|closed).`, `status "${bad}" is not open or closed.`);
      const wanted = new Set(statuses);
      const internal: TicketStatus[] = wanted.size === 1 ? statusesFor([...wanted][0] as 'open' | 'closed') : [];
      const { limit, offset } = paging(req);
      rows = await store.requests({ window: queryWindow(req), serviceCodes: listParam(req.query.service_code), statuses: internal, limit, offset });
    }
    send(req, res, 200, 'service_requests', 'request', rows.map(toRequest));
  });

  r.get(`${BASE}/requests/:file`, async (req, res) => {
    const { id, format } = fileParam(req.params.file);
    checkJurisdiction(req.query.jurisdiction_id, hub);
    const code = id.toUpperCase();
    const rows = code.length <= 30 ? await store.requests({ codes: [code] }) : [];
    if (!rows[0]) throw notFoundError('service_request_id', id);
    send(req, res, 200, 'service_requests', 'request', [toRequest(rows[0])], format);
  });

  r.get(`${BASE}/tokens/:file`, async (req, res) => {
    const { id: token, format } = fileParam(req.params.file);
    checkJurisdiction(req.query.jurisdiction_id, hub);
    // Tokens are the tracking tokens citizens receive with a report (the service type is realtime,
    // so POST never needs one); a code is no secret, the token stays with whoever already holds it.
    const code = /^[A-Za-z0-9_-]{10,100}$/.test(token) ? await store.codeByTrackingToken(token) : null;
    if (!code) throw notFoundError('token', token);
    send(req, res, 200, 'service_requests', 'request', [{ service_request_id: code, token }], format);
  });

  // mySociety's extension: public status changes, for clients that mirror requests.
  r.get(both('servicerequestupdates'), async (req, res) => {
    checkJurisdiction(req.query.jurisdiction_id, hub);
    const { limit, offset } = paging(req);
    const rows = await store.statusChanges(queryWindow(req), limit + offset);
    send(req, res, 200, 'service_request_updates', 'request_update', rows.slice(offset).map(toUpdate));
  });

  r.use('/open311', (req) => {
    throw new HubError('not_found', 'open311_route_not_found', `Không có tài nguyên Open311 ${req.method} ${req.path}.`,
      `No Open311 resource ${req.method} ${req.path}; the format suffix is .json or .xml.`);
  });

  const onError: ErrorRequestHandler = (err, req, res, next) => {
    if (!req.path.startsWith('/open311/') || res.headersSent) { next(err); return; }
    const e = describeError(unstorableCharacter(err) ?? clientHttpError(err) ?? err);
    if (e.status >= 500) hub.log.error({ err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err), path: req.path }, 'open311 error');
    send(req, res, e.status, 'errors', 'error', [{ code: e.status, description: e.description }]);
  };
  return [r, onError];
}

type Format = 'json' | 'xml';

const formatOf = (req: Request): Format => (/\.xml$/i.test(req.path) ? 'xml' : 'json');

function send(req: Request, res: Response, status: number, root: string, item: string, records: object[], format = formatOf(req)): void {
  if (format === 'xml') res.status(status).type('text/xml; charset=utf-8').send(xmlList(root, item, records as XmlRecord[]));
  else res.status(status).json(records);
}

/** `PA-2025-ABCDE.json` → id and format; any other suffix is an unknown resource. */
function fileParam(file: string): { id: string; format: Format } {
  const m = /^(.+)\.(json|xml)$/i.exec(file);
  if (!m) {
    throw new HubError('not_found', 'open311_format_unknown', 'Tài nguyên Open311 phải kết thúc bằng .json hoặc .xml.',
      'An Open311 resource ends in .json or .xml.');
  }
  return { id: m[1]!, format: m[2]!.toLowerCase() as Format };
}

const invalid = (code: string, vi: string, en: string) => new HubError('invalid', code, vi, en);

const notFoundError = (what: string, value: string) =>
  new HubError('not_found', `${what}_not_found`, `Không tìm thấy ${what} "${value.slice(0, 100)}".`, `${what} "${value.slice(0, 100)}" was not found.`);

function checkJurisdiction(value: unknown, hub: Hub): void {
  const given = typeof value === 'string' ? value : Array.isArray(value) ? String(value[0] ?? '') : undefined;
  if (!jurisdictionMatches(given, hub.config.publicBaseUrl)) {
    throw new HubError('not_found', 'jurisdiction_not_found', `jurisdiction_id "${String(given).slice(0, 100)}" không thuộc máy chủ này.`,
      `jurisdiction_id "${String(given).slice(0, 100)}" is not served here.`);
  }
}

function checkApiKey(value: unknown, keys: string[]): string {
  if (!keys.length) {
    throw new HubError('forbidden', 'open311_read_only', 'Open311 ở chế độ chỉ đọc: máy chủ chưa cấu hình api_key nào.',
      'Open311 is read-only here: no api_key is configured (OPEN311_API_KEYS).');
  }
  const given = typeof value === 'string' ? value.trim() : '';
  if (!given) throw new HubError('forbidden', 'api_key_missing', 'Thiếu api_key.', 'api_key is missing.');
  // Every key is compared, so the answer time does not tell how many keys matched in part.
  let ok = false;
  for (const k of keys) ok = safeEqual(given, k) || ok;
  if (!ok) throw new HubError('forbidden', 'api_key_invalid', 'api_key không hợp lệ.', 'Invalid api_key received -- cannot create the request.');
  return given;
}

function requestBody(req: Request): Record<string, unknown> {
  const b: unknown = req.body;
  if (b === undefined) return {};
  if (b === null || typeof b !== 'object' || Array.isArray(b)) {
    throw invalid('invalid_body', 'Nội dung yêu cầu phải là một đối tượng (các trường và giá trị).', 'The request body must be an object of fields.');
  }
  return b as Record<string, unknown>;
}

/** The spec: an empty parameter is the same as one not sent. */
const blank = (v: unknown) => (v === '' || v === null || (typeof v === 'string' && v.trim() === '') ? undefined : v);
const optText = (max: number) => z.preprocess(blank, z.string().trim().max(max).optional());
const coordinate = (min: number, max: number) => z.preprocess(blank, z.coerce.number().min(min).max(max).optional());

export const postSchema = z.object({
  service_code: z.string().trim().min(1).max(50),
  lat: coordinate(-90, 90),
  long: coordinate(-180, 180),
  address_string: optText(500),
  address_id: optText(20),
  email: z.preprocess(blank, z.email().max(254).optional()),
  device_id: optText(128),
  account_id: optText(128),
  first_name: optText(100),
  last_name: optText(100),
  phone: optText(30),
  // Required here although the spec makes it optional: a report without words cannot be handled.
  description: z.preprocess(blank, z.string('bắt buộc / required').trim()
    .min(5, 'phải có ít nhất 5 ký tự / at least 5 characters').max(4000, 'tối đa 4000 ký tự / at most 4000 characters')),
  media_url: z.preprocess(blank, z.url({ protocol: /^https?$/, error: 'phải là URL http(s) / must be an http(s) URL' }).max(2000).optional()),
  // Extension: the same api_key + device_id + client_request_id again is the same request.
  client_request_id: optText(100),
});

function parseInput(body: Record<string, unknown>): z.infer<typeof postSchema> {
  const r = postSchema.safeParse(body);
  if (r.success) return r.data;
  const summary = r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
  throw invalid('validation_failed', `Dữ liệu không hợp lệ — ${summary}`, `The request is invalid — ${summary}`);
}

function idempotencyKey(apiKey: string, deviceId: string | undefined, clientRequestId: string | undefined): string | null {
  if (!clientRequestId) return null;
  // The key itself is not stored; its hash keeps two clients' ids apart.
  const keyTag = createHash('sha256').update(apiKey).digest('hex').slice(0, 12);
  // A JSON body can carry a lone surrogate, on which encodeURIComponent throws: written as U+FFFD, as UTF-8 would.
  return ['open311', keyTag, deviceId ?? '', clientRequestId].map((s) => encodeURIComponent(s.replace(LONE_SURROGATE, '\ufffd'))).join(':');
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A comma list, possibly repeated (`status=open&status=closed`). */
function listParam(v: unknown): string[] {
  const raw = Array.isArray(v) ? v.join(',') : typeof v === 'string' ? v : '';
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

function single(req: Request, name: string): string | undefined {
  const v = req.query[name];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' && s.trim() !== '' ? s : undefined;
}

function queryWindow(req: Request): DateWindow {
  const date = (name: string) => {
    const raw = single(req, name);
    if (raw === undefined) return null;
    const d = parseW3cDate(raw);
    if (!d) throw invalid('invalid_date', `${name} không phải ngày giờ W3C (vd. 2025-07-01T00:00:00+07:00).`, `${name} is not a W3C date-time (e.g. 2025-07-01T00:00:00Z).`);
    return d;
  };
  const w = dateWindow(date('start_date'), date('end_date'), new Date());
  if (!w.ok) {
    throw w.reason === 'order'
      ? invalid('invalid_date_range', 'start_date phải trước end_date.', 'start_date must not be after end_date.')
      : invalid('date_range_too_long', `Khoảng thời gian tối đa ${MAX_WINDOW_DAYS} ngày.`, `The date range may not span more than ${MAX_WINDOW_DAYS} days.`);
  }
  return w.window;
}

/** The page/page_size extension (Chicago, Boston…); by default the spec's first 1000. */
function paging(req: Request): { limit: number; offset: number } {
  const int = (name: string, fallback: number, max: number) => {
    const raw = single(req, name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > max) throw invalid(`invalid_${name}`, `${name} phải là số nguyên từ 1 đến ${max}.`, `${name} must be an integer from 1 to ${max}.`);
    return n;
  };
  const pageSize = int('page_size', MAX_REQUESTS, MAX_REQUESTS);
  const page = int('page', 1, 1_000_000);
  return { limit: pageSize, offset: (page - 1) * pageSize };
}

const BODY_ERRORS: Record<string, [string, string]> = {
  'entity.too.large': ['Nội dung gửi lên quá lớn.', 'The request body is too large.'],
  'entity.parse.failed': ['Nội dung JSON bị lỗi cú pháp.', 'The request body is not valid JSON.'],
  'encoding.unsupported': ['Bảng mã không được hỗ trợ (dùng UTF-8).', 'Unsupported encoding; use UTF-8.'],
  'charset.unsupported': ['Bảng mã không được hỗ trợ (dùng UTF-8).', 'Unsupported charset; use UTF-8.'],
  'parameters.too.many': ['Quá nhiều tham số.', 'Too many parameters.'],
};

/**
 * The spec's statuses: 404 for what does not exist, 403 for a missing or wrong api_key, 400 for
 * everything else the client can fix; a fault on our side stays a 500 so that clients retry.
 */
function describeError(err: unknown): { status: number; description: string } {
  const text = (vi: string, en: string) => `${vi} — ${en}`;
  if (err instanceof HubError) {
    const status = err.kind === 'not_found' ? 404 : err.kind === 'forbidden' || err.kind === 'unauthenticated' ? 403
      : err.kind === 'unavailable' ? 503 : err.kind === 'rate_limited' ? 429 : 400;
    return { status, description: text(err.messageVi, err.messageEn) };
  }
  if (err && typeof err === 'object' && 'type' in err && typeof (err as { type: unknown }).type === 'string') {
    const [vi, en] = BODY_ERRORS[(err as { type: string }).type] ?? ['Yêu cầu không hợp lệ.', 'Bad request.'];
    return { status: 400, description: text(vi, en) };
  }
  return { status: 500, description: text('Hệ thống đang gặp sự cố, vui lòng thử lại.', 'Something went wrong on our side; please retry.') };
}
