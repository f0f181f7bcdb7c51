import { z } from 'zod';
import type { StaffRole } from '../../workflow/types';

/** Building blocks of the OpenAPI 3.1 document: small helpers so each area module reads as a table. */

export type JsonSchema = Record<string, unknown>;

export type Parameter = {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  description?: string;
  schema: JsonSchema;
};

export type MediaType = { schema?: JsonSchema; example?: unknown; encoding?: Record<string, unknown> };
export type Response = { description: string; content?: Record<string, MediaType>; headers?: Record<string, { description: string; schema: JsonSchema }> };
export type RequestBody = { required?: boolean; description?: string; content: Record<string, MediaType> };

/** The areas of the API; every operation names at least one (declared with a description in TAGS). */
export type Tag =
  | 'health' | 'citizen' | 'surveys' | 'transparency' | 'reference' | 'auth' | 'tickets' | 'notifications'
  | 'sla' | 'routing' | 'admin' | 'exports' | 'ioc' | 'open311' | 'webhooks';

export const TAGS: readonly { name: Tag; description: string }[] = [
  { name: 'health', description: 'Liveness, readiness and this document.' },
  { name: 'citizen', description: 'Citizens: submit a report (web portal, app) and track it with its token.' },
  { name: 'surveys', description: 'Satisfaction surveys, reached by the single-use token sent to the citizen.' },
  { name: 'transparency', description: 'Public, anonymised resolved reports (no login).' },
  { name: 'reference', description: 'Categories, administrative units, agencies and channel status.' },
  { name: 'auth', description: 'Staff login and session.' },
  { name: 'tickets', description: 'The staff workflow: list, read and work tickets.' },
  { name: 'notifications', description: "The signed-in staff member's notices." },
  { name: 'sla', description: 'SLA policies, working calendar, statistics and deadline extensions.' },
  { name: 'routing', description: 'Routing rules, place-name aliases, routing preview and the classifier.' },
  { name: 'admin', description: 'Staff administration.' },
  { name: 'exports', description: 'CSV exports for leads and supervisors.' },
  { name: 'ioc', description: 'The IOC data feed (bearer key) and Prometheus metrics.' },
  { name: 'open311', description: 'Open311 GeoReport v2 (JSON and XML; errors as the spec\'s error array).' },
  { name: 'webhooks', description: 'Platform webhooks (Facebook, Zalo, Twilio), each verified by its platform signature.' },
];

/** A zod schema as JSON Schema, on the input side (what a client sends). */
export function schema(s: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

export const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
export const json = (s: JsonSchema): Record<string, MediaType> => ({ 'application/json': { schema: s } });

export function jsonBody(s: z.ZodType, opts: { required?: boolean; description?: string } = {}): RequestBody {
  return { required: opts.required ?? true, ...(opts.description ? { description: opts.description } : {}), content: json(schema(s)) };
}

export const pathParam = (name: string, description: string, s: JsonSchema = { type: 'string' }): Parameter =>
  ({ name, in: 'path', required: true, description, schema: s });

export const queryParam = (name: string, description: string, s: JsonSchema = { type: 'string' }, required = false): Parameter =>
  ({ name, in: 'query', required, description, schema: s });

export const headerParam = (name: string, description: string, s: JsonSchema = { type: 'string' }, required = true): Parameter =>
  ({ name, in: 'header', required, description, schema: s });

/**
 * The query parameters of a zod object schema, one per property, required as the schema says.
 * `notes` adds descriptions; a note for a property the schema lacks is a mistake and throws.
 */
export function queryParams(s: z.ZodType, notes: Record<string, string> = {}): Parameter[] {
  const js = schema(s) as { properties?: Record<string, JsonSchema>; required?: string[] };
  const props = js.properties ?? {};
  for (const k of Object.keys(notes)) if (!(k in props)) throw new Error(`openapi: query note for unknown parameter "${k}"`);
  return Object.entries(props).map(([name, p]) => ({
    name, in: 'query' as const, required: (js.required ?? []).includes(name), ...(notes[name] ? { description: notes[name] } : {}), schema: p,
  }));
}

export const ok = (description: string, s?: JsonSchema): Response => (s ? { description, content: json(s) } : { description });
export const noContent = (description = 'Done, no body'): Response => ({ description });
export const csv = (description: string): Response => ({
  description,
  content: { 'text/csv; charset=utf-8': { schema: { type: 'string' } } },
  headers: { 'Content-Disposition': { description: 'attachment; filename="…csv"', schema: { type: 'string' } } },
});

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input (validation_failed, malformed_json, …)',
  401: 'Not authenticated',
  403: 'Forbidden: role not allowed, or X-CSRF-Token missing or wrong on a write',
  404: 'Not found',
  409: 'Conflict with the current state',
  410: 'Gone (no longer possible)',
  413: 'Request body too large',
  415: 'Unsupported media type',
  429: 'Too many requests from this address (rate_limited): wait Retry-After seconds',
  503: 'A dependency is unavailable; retry later',
};

/** Error responses with the hub's JSON error body; `text` overrides the generic description per status. */
export function errors(codes: readonly number[], text: Record<number, string> = {}): Record<string, Response> {
  return Object.fromEntries(codes.map((c) => [String(c), { description: text[c] ?? ERROR_TEXT[c] ?? 'Error', content: json(ref('Error')) }]));
}

/** Who may call an operation. */
export type Access =
  | { kind: 'public' }
  | { kind: 'staff'; roles?: readonly StaffRole[] }
  /** A staff session (of `roles`, when given) or, without a session, an IOC bearer key. */
  | { kind: 'staffOrIoc'; roles?: readonly StaffRole[] }
  | { kind: 'ioc' }
  | { kind: 'open311' }
  /** A platform webhook: its security scheme, and the signature header described on the operation. */
  | { kind: 'webhook'; scheme: string; header: Parameter };

export const PUBLIC: Access = { kind: 'public' };
export const STAFF: Access = { kind: 'staff' };
export const staffRoles = (...roles: StaffRole[]): Access => ({ kind: 'staff', roles });

export type OperationSpec = {
  summary: string;
  description?: string;
  tags: Tag[];
  parameters?: Parameter[];
  requestBody?: RequestBody;
  responses: Record<number, Response>;
  /** Error statuses beyond the ones the access and the body imply. */
  errors?: number[];
  errorText?: Record<number, string>;
};

export type Operation = Record<string, unknown>;
export type PathItem = Partial<Record<'get' | 'post' | 'patch' | 'put' | 'delete', Operation>>;
export type Paths = Record<string, PathItem>;

const byStatus = (a: [string, unknown], b: [string, unknown]) => Number(a[0]) - Number(b[0]);

function build(write: boolean, access: Access, o: OperationSpec): Operation {
  const implied: number[] = [];
  let security: Record<string, string[]>[] = [];
  let who: string | null = null;
  const sessionReq: Record<string, string[]> = write ? { session: [], csrf: [] } : { session: [] };
  const roles = access.kind === 'staff' || access.kind === 'staffOrIoc' ? access.roles : undefined;
  switch (access.kind) {
    case 'public': break;
    case 'staff':
      security = [sessionReq];
      implied.push(401);
      if (roles?.length || write) implied.push(403);
      who = roles?.length ? `Roles: ${roles.join(', ')}.` : 'Any signed-in staff member.';
      break;
    case 'staffOrIoc':
      security = [sessionReq, { iocKey: [] }];
      implied.push(401);
      if (roles?.length || write) implied.push(403);
      who = `${roles?.length ? `Staff roles: ${roles.join(', ')}` : 'Any signed-in staff member'}, or the IOC with its bearer key (without a session).`;
      break;
    case 'ioc':
      security = [{ iocKey: [] }];
      implied.push(401);
      break;
    case 'open311':
      security = [{ open311ApiKey: [] }];
      break;
    case 'webhook':
      security = [{ [access.scheme]: [] }];
      break;
  }
  // The hub's JSON parser answers bad or oversized JSON with its Error body; Open311 and the
  // webhooks answer in their own formats, which their operations state themselves.
  const ownErrorFormat = access.kind === 'open311' || access.kind === 'webhook';
  if (o.requestBody?.content['application/json'] && !ownErrorFormat) implied.push(400, 413);
  const codes = [...new Set([...implied, ...(o.errors ?? [])])];
  const parameters = [...(access.kind === 'webhook' ? [access.header] : []), ...(o.parameters ?? [])];
  const responses = Object.fromEntries([
    ...Object.entries(o.responses).map(([k, v]) => [k, v] as [string, unknown]),
    ...Object.entries(errors(codes.filter((c) => !(c in o.responses)), o.errorText)),
  ].sort(byStatus));
  const description = [o.description, who].filter(Boolean).join('\n\n');
  return {
    summary: o.summary,
    ...(description ? { description } : {}),
    tags: o.tags,
    ...(roles?.length ? { 'x-roles': roles } : {}),
    security,
    ...(parameters.length ? { parameters } : {}),
    ...(o.requestBody ? { requestBody: o.requestBody } : {}),
    responses,
  };
}

export const get = (access: Access, o: OperationSpec) => build(false, access, o);
export const post = (access: Access, o: OperationSpec) => build(true, access, o);
export const patch = (access: Access, o: OperationSpec) => build(true, access, o);
export const del = (access: Access, o: OperationSpec) => build(true, access, o);

/** Paths of several modules; the same path twice would silently drop operations, so it throws. */
export function mergePaths(...parts: Paths[]): Paths {
  const out: Paths = {};
  for (const part of parts) {
    for (const [path, item] of Object.entries(part)) {
      const existing = out[path] ?? {};
      for (const m of Object.keys(item) as (keyof PathItem)[]) {
        if (existing[m]) throw new Error(`openapi: ${m.toUpperCase()} ${path} is documented twice`);
      }
      out[path] = { ...existing, ...item };
    }
  }
  return out;
}
