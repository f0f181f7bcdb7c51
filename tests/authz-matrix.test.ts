import supertest from 'supertest';
import { WORKFLOW, type WorkflowAction } from '../src/workflow/ticket-workflow';
import { PRIORITIES, STAFF_ROLES, type StaffRole } from '../src/workflow/types';
import type { Engine } from './helpers/db';
import { seedPeople, startTestHub, submitReport, type TestHub } from './helpers/hub';
import { ALL_CHANNELS_ENV, isPage, key, routeTable, toTemplate, type Entry } from './helpers/route-table';

/**
 * Authorisation and CSRF matrices, generated from the express route table and the OpenAPI
 * document (issue #8).
 *
 * Every route has a rule: a staff operation in the document (a session in its `security`, its
 * roles in `x-roles`, per action in `x-action-roles`), or an entry in NOT_STAFF below saying why it
 * is open or guarded by something else (a token, a key, a platform signature). A route with
 * neither fails. Then every staff operation is called for real, by every role and anonymously, on
 * an object of the caller's agency and on one of another agency, and every cookie-authenticated
 * write is sent without its CSRF token and from another site.
 */

type Caller = 'anonymous' | StaffRole;
type Side = 'own' | 'other' | 'any';
type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';

type DocParameter = { name: string; in: string; schema?: { enum?: string[] } };
type DocOperation = {
  security?: Record<string, string[]>[];
  'x-roles'?: StaffRole[];
  'x-action-roles'?: Record<string, StaffRole[]>;
  parameters?: DocParameter[];
};
type Doc = { paths: Record<string, Record<string, DocOperation | undefined>> };

const CALLERS: readonly Caller[] = ['anonymous', ...STAFF_ROLES];
const AGENCY_ROLES: ReadonlySet<Caller> = new Set<Caller>(['agency_staff', 'agency_lead']);
/** Agency roles log in as agency A's people: agency A is "own", agency B "other". */
const EMAIL: Record<StaffRole, string> = {
  operator: 'op@test.vn', agency_staff: 'staff.a@test.vn', agency_lead: 'lead.a@test.vn', supervisor: 'sup@test.vn', admin: 'admin@test.vn',
};
const PASSWORD = 'correct horse battery';
const IOC_KEY = ALL_CHANNELS_ENV.IOC_API_KEYS!;
const PUBLIC_BASE = 'http://hub.test'; // PUBLIC_BASE_URL of startTestHub

/** Words, names and numbers that occur only in agency B's data: an agency A user must never see one. */
const WORD_A = 'Alphavuon';
const WORD_B = 'Betaxquyz';
const B_NAME = 'Trịnh Betaxquyz Hạnh';
const B_PHONE = '0912777313';
const B_EMAIL = 'staff.b@test.vn';
const LOCATION = { own: { lat: 20.6511, lng: 106.0511 }, other: { lat: 20.7733, lng: 106.1733 } };
const COMMUNE = '99901';

// A 1×1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

// ---- the rule of every route ----------------------------------------------------------------

type NotStaffKind = 'public' | 'ioc' | 'open311' | 'webhook' | 'page';

/**
 * Routes that are not staff operations, with why. Each entry is checked against the document
 * (its security must say the same), and its guard is tried (IOC key, webhook signature).
 */
const NOT_STAFF: readonly { method: string; path: string; kind: NotStaffKind; why: string }[] = [
  { method: 'get', path: '/healthz', kind: 'public', why: 'liveness probe; says "ok" and nothing else' },
  { method: 'get', path: '/readyz', kind: 'public', why: 'readiness probe; the state of the database, Redis and channels, no data' },
  { method: 'get', path: '/metrics', kind: 'public', why: 'Prometheus aggregates without personal data; the hub listens on HOST' },
  { method: 'get', path: '/api/docs', kind: 'public', why: 'the OpenAPI document' },
  { method: 'post', path: '/api/v1/auth/login', kind: 'public', why: 'how a staff member gets a session (rate-limited and throttled)' },
  { method: 'post', path: '/api/v1/reports', kind: 'public', why: 'citizens report without an account (contracts.md)' },
  { method: 'get', path: '/api/v1/reports/:code', kind: 'public', why: 'tracking: the 128-bit tracking token is the credential; wrong token = 404' },
  { method: 'get', path: '/api/v1/surveys/:token', kind: 'public', why: 'satisfaction survey: the single-use token sent to the citizen is the credential' },
  { method: 'post', path: '/api/v1/surveys/:token', kind: 'public', why: 'answering a survey: the token is the credential' },
  { method: 'post', path: '/api/v1/surveys/:token/reopen', kind: 'public', why: 'asking to reopen from a survey: the token is the credential' },
  { method: 'post', path: '/api/v1/surveys/:token/opt-out', kind: 'public', why: 'stopping surveys: the token is the credential' },
  { method: 'get', path: '/api/v1/public/reports', kind: 'public', why: 'transparency: published, anonymised resolved reports' },
  { method: 'get', path: '/api/v1/public/reports/:code', kind: 'public', why: 'transparency: one published, anonymised report' },
  { method: 'get', path: '/api/v1/public/filters', kind: 'public', why: 'transparency: counts of published reports' },
  { method: 'get', path: '/api/v1/categories', kind: 'public', why: 'reference data the portal needs to report' },
  { method: 'get', path: '/api/v1/admin-units', kind: 'public', why: 'reference data: provinces and communes' },
  { method: 'get', path: '/api/v1/admin-units/:code/outline', kind: 'public', why: 'public map data: a commune\'s outline' },
  { method: 'get', path: '/api/v1/ioc/summary', kind: 'ioc', why: 'IOC feed: bearer key from IOC_API_KEYS (contracts.md), not a session' },
  { method: 'get', path: '/api/v1/ioc/timeseries', kind: 'ioc', why: 'IOC feed: bearer key from IOC_API_KEYS (contracts.md), not a session' },
  ...['services.json', 'services.xml', 'services/:file', 'requests.json', 'requests.xml', 'requests/:file', 'tokens/:file',
    'servicerequestupdates.json', 'servicerequestupdates.xml'].map((p) => ({
    method: 'get', path: `/open311/v2/${p}`, kind: 'public' as const, why: 'Open311 GeoReport v2 reads are public by the spec; no personal data',
  })),
  { method: 'post', path: '/open311/v2/requests.json', kind: 'open311', why: 'Open311 POST: api_key from OPEN311_API_KEYS' },
  { method: 'post', path: '/open311/v2/requests.xml', kind: 'open311', why: 'Open311 POST: api_key from OPEN311_API_KEYS' },
  { method: 'get', path: '/webhooks/facebook', kind: 'public', why: 'Meta\'s subscription check: echoes the challenge only for FACEBOOK_VERIFY_TOKEN' },
  { method: 'post', path: '/webhooks/facebook', kind: 'webhook', why: 'Messenger events, signed with FACEBOOK_APP_SECRET' },
  { method: 'post', path: '/webhooks/zalo', kind: 'webhook', why: 'Zalo OA events, signed with ZALO_OA_SECRET' },
  ...['sms', 'sms/status', 'voice', 'voice/menu', 'voice/speech', 'voice/recorded', 'voice/recording', 'survey', 'survey/answer', 'survey/reopen'].map((p) => ({
    method: 'post', path: `/webhooks/twilio/${p}`, kind: 'webhook' as const, why: 'Twilio callback, signed with TWILIO_AUTH_TOKEN',
  })),
  { method: 'get', path: '/track/:code', kind: 'page', why: 'the portal page a tracking link opens (data comes from the token-guarded API)' },
  { method: 'get', path: '/danh-gia/:token', kind: 'page', why: 'the survey page (data comes from the token-guarded API)' },
  { method: 'get', path: '/cong-khai', kind: 'page', why: 'the transparency page' },
  { method: 'get', path: '/public-reports', kind: 'page', why: 'redirect to the transparency page' },
  { method: 'get', path: '/console', kind: 'page', why: 'the console\'s page; its data comes from the staff API' },
  { method: 'get', path: '/console/{*rest}', kind: 'page', why: 'the console\'s client-side routes' },
];

type StaffOp = {
  method: Method;
  /** OpenAPI template, e.g. /api/v1/tickets/{code}. */
  path: string;
  roles: readonly StaffRole[];
  /** Also open to the IOC with its bearer key, without a session. */
  ioc: boolean;
  /** Roles per value of {action}, for the workflow action route. */
  actionRoles?: Record<string, StaffRole[]>;
  queryNames: string[];
};

const isSession = (sec: DocOperation['security']) => (sec ?? []).some((s) => 'session' in s);
const securityKeys = (sec: DocOperation['security']) => (sec ?? []).map((s) => Object.keys(s).sort().join('+'));

/** The rule of every route: staff operations from the document, the rest from NOT_STAFF; and what is wrong. */
function rules(doc: Doc, routes: readonly Entry[], notStaff = NOT_STAFF): { staff: StaffOp[]; open: typeof NOT_STAFF; problems: string[] } {
  const staff: StaffOp[] = [];
  const open: (typeof NOT_STAFF)[number][] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const r of routes) {
    if (seen.has(key(r))) continue;
    seen.add(key(r));
    const template = toTemplate(r.path);
    const op = doc.paths[template]?.[r.method];
    const listed = notStaff.find((e) => e.method === r.method && e.path === r.path);
    if (listed) {
      open.push(listed);
      const sec = securityKeys(op?.security);
      const agrees = {
        public: op !== undefined && sec.length === 0,
        ioc: sec.length === 1 && sec[0] === 'iocKey',
        open311: sec.length === 1 && sec[0] === 'open311ApiKey',
        webhook: sec.length === 1 && /Signature$/.test(sec[0]!),
        page: op === undefined && isPage(r),
      }[listed.kind];
      if (isSession(op?.security)) problems.push(`${key(r)}: listed as ${listed.kind} but documented as a staff operation`);
      else if (!agrees) problems.push(`${key(r)}: listed as ${listed.kind} but the document's security is ${JSON.stringify(op?.security ?? 'undocumented')}`);
      continue;
    }
    if (!op || !isSession(op.security)) {
      problems.push(`${key(r)}: new endpoint without a rule (document it as a staff operation with x-roles, or list it in NOT_STAFF with the reason)`);
      continue;
    }
    if (!['get', 'post', 'patch', 'put', 'delete'].includes(r.method)) { problems.push(`${key(r)}: method not covered by the matrix`); continue; }
    const actionEnum = op.parameters?.find((p) => p.in === 'path' && p.name === 'action')?.schema?.enum;
    if (template.includes('{action}') && (!actionEnum?.length || !op['x-action-roles'])) problems.push(`${key(r)}: {action} without an enum and x-action-roles`);
    for (const a of actionEnum ?? []) if (!op['x-action-roles']?.[a]) problems.push(`${key(r)}: action ${a} has no x-action-roles entry`);
    staff.push({
      method: r.method as Method, path: template,
      roles: op['x-roles'] ?? STAFF_ROLES,
      ioc: securityKeys(op.security).includes('iocKey'),
      ...(op['x-action-roles'] ? { actionRoles: op['x-action-roles'] } : {}),
      queryNames: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
    });
  }
  for (const e of notStaff) if (!seen.has(key(e))) problems.push(`${key(e)}: listed in NOT_STAFF but no such route`);
  return { staff, open, problems };
}

// ---- expectations -----------------------------------------------------------------------------

type Scope = 'agency' | 'owner' | 'none';
/** `statuses` null: any answer but 401, 403 and 5xx (a route the matrix has no fixture or body for yet). */
type Expected = { allowed: boolean; statuses: number[] | null };

function expected(op: StaffOp, action: string | null, caller: Caller, side: Side, scope: Scope | null, known = true): Expected {
  if (caller === 'anonymous') return { allowed: false, statuses: [401] };
  const roles = action ? op.actionRoles![action]! : op.roles;
  // Another agency's object is out of sight of agency roles; another user's notice of everyone's.
  const visible = side !== 'other' || (scope === 'agency' && !AGENCY_ROLES.has(caller));
  if (!roles.includes(caller)) return { allowed: false, statuses: visible ? [403] : [403, 404] };
  if (!visible) return { allowed: false, statuses: [403, 404] };
  // Every ticket fixture is "assigned": an allowed action that cannot start there is a 409, never a 403.
  if (action) return { allowed: true, statuses: (WORKFLOW[action as WorkflowAction].from as readonly string[]).includes('assigned') ? [200] : [409] };
  if (!known) return { allowed: true, statuses: null };
  return { allowed: true, statuses: op.method === 'get' ? [200] : [200, 201, 204] };
}

const refusedOrBroken = (status: number) => status === 401 || status === 403 || status >= 500;
const matches = (e: Expected, status: number) => (e.statuses ? e.statuses.includes(status) : !refusedOrBroken(status));
const describeExpected = (e: Expected) => (e.statuses ? e.statuses.join('/') : 'not 401/403/5xx');

// ---- the test hub, people and fixtures ----------------------------------------------------------

type Session = { agent: ReturnType<typeof supertest.agent>; csrf: string };
type ObjectDef = { prefix: string; scope: Scope; placeholder?: boolean; make: (side: Side, caller: StaffRole | null) => Promise<string> };

async function login(t: TestHub, email: string): Promise<Session> {
  const agent = supertest.agent(t.app);
  const res = await agent.post('/api/v1/auth/login').send({ email, password: PASSWORD });
  if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${res.text}`);
  return { agent, csrf: res.body.csrfToken as string };
}

/** The rate limits of the public endpoints would refuse a matrix this size from one address. */
const NO_LIMITS = {
  RATE_LIMIT_REPORTS_PER_MINUTE: '0', RATE_LIMIT_TRACKING_PER_MINUTE: '0', RATE_LIMIT_OPEN311_PER_MINUTE: '0',
  RATE_LIMIT_PUBLIC_PER_MINUTE: '0', RATE_LIMIT_LOGIN_PER_MINUTE: '0',
};

class World {
  t!: TestHub;
  doc!: Doc;
  p!: Awaited<ReturnType<typeof seedPeople>>;
  agencyC = 0;
  sessions = {} as Record<StaffRole, Session>;
  staffB!: Session;
  /** Codes of every ticket created in agency B: none may reach an agency A user. */
  bCodes = new Set<string>();
  categories: string[] = [];
  private n = 0;
  private shared = new Map<string, Promise<string>>();

  async start(engine: Engine) {
    this.t = await startTestHub(engine, { ...ALL_CHANNELS_ENV, ...NO_LIMITS });
    this.p = await seedPeople(this.t.db);
    this.agencyC = (await this.t.db.query<{ id: number }>(`INSERT INTO agencies (code, name_vi, name_en, kind) VALUES ('agency-c','Đơn vị C','Agency C','department') RETURNING id`))[0]!.id;
    await this.t.db.query(`INSERT INTO admin_units (structure, code, level, parent_code, name, full_name, unit_type, name_folded)
      VALUES ('2025', $1, 'commune', NULL, 'Phường Thử', 'Phường Thử', 'ward', 'phuong thu') ON CONFLICT DO NOTHING`, [COMMUNE]);
    this.doc = (await supertest(this.t.app).get('/api/docs')).body as Doc;
    for (const role of STAFF_ROLES) this.sessions[role] = await login(this.t, EMAIL[role]);
    this.staffB = await login(this.t, B_EMAIL);
    this.categories = ((await this.sessions.admin.agent.get('/api/v1/categories')).body.categories as { code: string }[]).map((c) => c.code);
  }

  next() { return ++this.n; }
  agencyOf(side: Side) { return side === 'other' ? this.p.agencyB : this.p.agencyA; }

  request(caller: Caller, method: Method, url: string, opts: { session?: Session; csrf?: string | null; headers?: Record<string, string> } = {}) {
    const s = opts.session ?? (caller === 'anonymous' ? null : this.sessions[caller]);
    let req = s ? s.agent[method](url) : supertest(this.t.app)[method](url);
    const csrf = opts.csrf === undefined ? s?.csrf : opts.csrf;
    if (method !== 'get' && csrf !== null && csrf !== undefined) req = req.set('x-csrf-token', csrf);
    for (const [k, v] of Object.entries(opts.headers ?? {})) req = req.set(k, v);
    return req;
  }

  async must(caller: StaffRole, method: Method, url: string, body: unknown, session?: Session): Promise<supertest.Response> {
    const res = await this.request(caller, method, url, session ? { session } : {}).send(body as object);
    if (res.status >= 300) throw new Error(`fixture ${method.toUpperCase()} ${url}: ${res.status} ${res.text}`);
    return res;
  }

  /** A report of the side's agency, assigned to it: status "assigned". */
  async ticket(side: Side, attach = false): Promise<{ code: string; attachmentId: string | null }> {
    const n = this.next();
    const other = side === 'other';
    const report = {
      channel: 'web', text: `${other ? WORD_B : WORD_A} ổ gà sâu trước nhà số ${n} đường Lê Lợi`, location: other ? LOCATION.other : LOCATION.own,
      contact: other ? { name: B_NAME, phone: B_PHONE } : { name: 'Nguyễn Văn An', phone: '0912000111' },
    };
    const res = attach
      ? await supertest(this.t.app).post('/api/v1/reports').field('report', JSON.stringify(report))
        .attach('attachments', PNG, { filename: `${other ? WORD_B : WORD_A}-hien-truong.png`, contentType: 'image/png' })
      : await submitReport(this.t.app, report);
    if (res.status !== 201) throw new Error(`report: ${res.status} ${res.text}`);
    const code = res.body.code as string;
    if (other) this.bCodes.add(code);
    await this.must('operator', 'post', `/api/v1/tickets/${code}/actions/assign`, { agencyId: this.agencyOf(side) });
    return { code, attachmentId: attach ? (res.body.attachments as { id: string }[])[0]!.id : null };
  }

  async extensionRequest(side: Side): Promise<string> {
    const { code } = await this.ticket(side);
    const res = await this.must('agency_staff', 'post', `/api/v1/tickets/${code}/extension-requests`,
      { newDueAt: new Date(Date.now() + 90 * 86_400_000).toISOString(), reason: 'Cần thêm thời gian khảo sát hiện trường' },
      side === 'other' ? this.staffB : undefined);
    return String(res.body.id);
  }

  async notice(staffId: number, side: Side): Promise<string> {
    const { code } = await this.ticket(side === 'other' ? 'other' : 'own');
    const ticketId = (await this.t.db.query<{ id: number }>('SELECT id FROM tickets WHERE code = $1', [code]))[0]!.id;
    const rows = await this.t.db.query<{ id: number }>(
      `INSERT INTO staff_notifications (staff_id, ticket_id, kind, body, dedupe_key) VALUES ($1, $2, 'sla_warning', $3, $4) RETURNING id`,
      [staffId, ticketId, `Sắp quá hạn: ${side === 'other' ? WORD_B : WORD_A} ${code}`, `matrix-${this.next()}`]);
    return String(rows[0]!.id);
  }

  async rule(): Promise<string> {
    return String((await this.must('admin', 'post', '/api/v1/routing/rules', { agencyId: this.agencyC, keyword: `qqzx${this.next()}`, note: 'quy tắc thử' })).body.id);
  }

  /** A category × priority no policy has been created for yet (there may be one policy per pair). */
  policyBody() {
    const used = this.policyPairs;
    const pair = this.categories.flatMap((c) => PRIORITIES.map((p) => [c, p] as const)).find(([c, p]) => !used.has(`${c}|${p}`));
    if (!pair) throw new Error('no category × priority left for another SLA policy');
    used.add(`${pair[0]}|${pair[1]}`);
    return { categoryCode: pair[0], priority: pair[1], response: { amount: 2, unit: 'working_hours' }, resolution: { amount: 3, unit: 'working_days' } };
  }

  private policyPairs = new Set<string>();

  async policy(): Promise<string> {
    for (;;) {
      const res = await this.request('admin', 'post', '/api/v1/sla/policies').send(this.policyBody());
      if (res.status === 201) return String(res.body.id);
      if (res.status !== 409) throw new Error(`policy: ${res.status} ${res.text}`);
    }
  }

  dayBody() {
    const d = new Date(Date.UTC(2031, 0, 1) + this.next() * 86_400_000).toISOString().slice(0, 10);
    return { date: d, kind: 'day_off', reason: 'Nghỉ bù thử nghiệm' };
  }

  async calendarDay(): Promise<string> {
    return (await this.must('admin', 'post', '/api/v1/sla/calendar/days', this.dayBody())).body.date as string;
  }

  /** The objects path parameters name, by the path they start. `fresh` for a write that may change or consume it. */
  readonly objects: ObjectDef[] = [
    { prefix: '/api/v1/tickets/{code}', scope: 'agency', make: async (side) => (await this.ticket(side)).code },
    { prefix: '/api/v1/attachments/{id}', scope: 'agency', make: async (side) => (await this.ticket(side, true)).attachmentId! },
    { prefix: '/api/v1/sla/extension-requests/{id}', scope: 'agency', make: (side) => this.extensionRequest(side) },
    {
      prefix: '/api/v1/notifications/{id}', scope: 'owner',
      // Own: the caller's notice; other: agency B's staff member's, which nobody else may touch.
      make: (side, caller) => this.notice(side === 'other' || caller === null ? this.p.ids.staffB : this.userId(caller), side),
    },
    { prefix: '/api/v1/routing/rules/{id}', scope: 'none', make: () => this.rule() },
    { prefix: '/api/v1/sla/policies/{id}', scope: 'none', make: () => this.policy() },
    { prefix: '/api/v1/sla/calendar/days/{date}', scope: 'none', make: () => this.calendarDay() },
    { prefix: '/api/v1/surveys/{token}', scope: 'none', make: async () => `unknownsurveytoken${this.next()}xx` },
    { prefix: '/api/v1/staff-users/{id}', scope: 'none', make: async () => String((await this.must('admin', 'post', '/api/v1/staff-users', {
      email: `fixture.${this.next()}@test.vn`, displayName: 'Cán bộ cố định', role: 'operator', password: 'a long enough password' })).body.id) },
    { prefix: '/api/v1/categories/{code}', scope: 'none', make: async () => (await this.must('admin', 'post', '/api/v1/categories', this.categoryBody())).body.code as string },
    { prefix: '/api/v1/agencies/{id}', scope: 'none', make: async () => String((await this.must('admin', 'post', '/api/v1/agencies', this.agencyBody())).body.id) },
    // A configured channel, switched "on" again: allowed calls change nothing that later tests need.
    { prefix: '/api/v1/channels/{channel}', scope: 'none', make: async () => 'zalo' },
  ];

  categoryBody() { return { code: `thu-nghiem-${this.next()}`, nameVi: 'Lĩnh vực thử nghiệm', nameEn: 'Test category' }; }
  agencyBody() { return { code: `don-vi-thu-${this.next()}`, nameVi: 'Cơ quan thử nghiệm', nameEn: 'Test agency' }; }

  userId(role: StaffRole): number {
    const ids = this.p.ids;
    return { operator: ids.operator, supervisor: ids.supervisor, admin: ids.admin, agency_staff: ids.staffA, agency_lead: ids.leadA }[role];
  }

  /**
   * The object a path names. A path the list does not know yet gets a placeholder that names
   * nothing: its role rule is still checked, its agency scope is not (see `unknown`).
   */
  objectFor(path: string): ObjectDef | null {
    const params = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!).filter((p) => p !== 'action');
    if (params.length === 0) return null;
    const def = params.length === 1 ? this.objects.find((o) => path.startsWith(o.prefix)) : undefined;
    if (def) return def;
    this.unknown.add(`${path}: no fixture for its path parameters`);
    return { prefix: path, scope: 'none', placeholder: true, make: async () => '999999' };
  }

  /** Routes checked with a placeholder object or an empty body (printed, so they get a fixture). */
  unknown = new Set<string>();

  /** The shared object (reads and refused writes, which must change nothing) or a fresh one. */
  async object(path: string, side: Side, caller: StaffRole | null, fresh: boolean): Promise<string | null> {
    const def = this.objectFor(path);
    if (!def) return null;
    if (fresh) return def.make(side, caller);
    const k = `${def.prefix}|${side}|${def.scope === 'owner' && side !== 'other' ? caller : ''}`;
    if (!this.shared.has(k)) this.shared.set(k, def.make(side, caller));
    return this.shared.get(k)!;
  }

  sharedValues(): Map<string, Promise<string>> { return this.shared; }

  async mergeTarget(side: Side): Promise<string> {
    const k = `merge-target|${side}`;
    if (!this.shared.has(k)) this.shared.set(k, this.ticket(side).then((x) => x.code));
    return this.shared.get(k)!;
  }

  /** A valid body for each write, so an allowed call succeeds and a refused one is refused for who calls, not for what. */
  async body(op: { method: Method; path: string }, action: string | null, caller: Caller, side: Side): Promise<unknown> {
    const role = caller === 'anonymous' ? 'admin' : caller;
    if (action) {
      const agencyId = this.agencyOf(side);
      const bodies: Record<WorkflowAction, () => Promise<unknown> | unknown> = {
        triage: () => ({}),
        assign: () => ({ agencyId }),
        accept: () => ({}),
        assign_staff: () => ({ assigneeId: role === 'agency_staff' ? this.p.ids.staffA : side === 'other' ? this.p.ids.staffB : this.p.ids.staffA2 }),
        request_info: () => ({ message: 'Đề nghị gửi thêm ảnh hiện trường' }),
        citizen_reply: () => ({}),
        resolve: () => ({ resolution: 'Đã vá ổ gà' }),
        close: () => ({}),
        reopen: () => ({ reason: 'Người dân báo chưa xong' }),
        // To a third agency: B's data never lands in A and the other way round.
        transfer: () => ({ agencyId: this.agencyC, reason: 'Không thuộc thẩm quyền' }),
        return: () => ({ reason: 'Trả về tổng đài' }),
        reject: () => ({ reason: 'Không đủ thông tin' }),
        merge: async () => ({ intoCode: await this.mergeTarget(side) }),
      };
      return bodies[action as WorkflowAction]();
    }
    const bodies: Record<string, () => unknown> = {
      'POST /api/v1/auth/login': () => ({ email: EMAIL.operator, password: PASSWORD }),
      'POST /api/v1/auth/logout': () => ({}),
      'POST /api/v1/reports': () => ({ channel: 'web', text: `${WORD_A} rác thải chưa được thu gom ${this.next()}` }),
      'POST /api/v1/surveys/{token}': () => ({ score: 5 }),
      'POST /api/v1/surveys/{token}/reopen': () => ({}),
      'POST /api/v1/surveys/{token}/opt-out': () => ({}),
      'POST /api/v1/tickets': () => ({ text: `${WORD_A} cuộc gọi báo đèn đường hỏng ${this.next()}` }),
      'POST /api/v1/tickets/{code}/messages': () => ({ body: 'Ghi chú nội bộ', visibility: 'internal' }),
      'POST /api/v1/tickets/{code}/extension-requests': () => ({
        newDueAt: new Date(Date.now() + 90 * 86_400_000).toISOString(), reason: 'Cần thêm thời gian khảo sát',
      }),
      'POST /api/v1/sla/extension-requests/{id}/approve': () => ({ note: 'Đồng ý' }),
      'POST /api/v1/sla/extension-requests/{id}/refuse': () => ({ note: 'Không đồng ý' }),
      'POST /api/v1/notifications/read-all': () => ({}),
      'POST /api/v1/notifications/{id}/read': () => ({}),
      'POST /api/v1/staff-users': () => ({ email: `matrix.${role}.${this.next()}@test.vn`, displayName: 'Cán bộ thử', role: 'operator', password: 'a long enough password' }),
      'POST /api/v1/classify': () => ({ text: 'Đèn đường hỏng' }),
      'POST /api/v1/routing/rules': () => ({ agencyId: this.agencyC, keyword: `qqzx${this.next()}` }),
      'PATCH /api/v1/routing/rules/{id}': () => ({ note: 'đã sửa' }),
      'DELETE /api/v1/routing/rules/{id}': () => undefined,
      'POST /api/v1/area-aliases': () => ({ alias: `Xóm Thử ${this.next()}`, communeCode: COMMUNE }),
      'POST /api/v1/routing/preview': () => ({ text: 'Cống thoát nước bị tắc' }),
      'POST /api/v1/sla/policies': () => this.policyBody(),
      'PATCH /api/v1/sla/policies/{id}': () => ({ warnAtFraction: 0.6 }),
      'DELETE /api/v1/sla/policies/{id}': () => undefined,
      'POST /api/v1/sla/calendar/days': () => this.dayBody(),
      'DELETE /api/v1/sla/calendar/days/{date}': () => undefined,
      'PATCH /api/v1/staff-users/{id}': () => ({ displayName: 'Tên đã sửa' }),
      'POST /api/v1/categories': () => this.categoryBody(),
      'PATCH /api/v1/categories/{code}': () => ({ covers: 'Mô tả đã sửa' }),
      'POST /api/v1/agencies': () => this.agencyBody(),
      'PATCH /api/v1/agencies/{id}': () => ({ shortName: 'CQTN' }),
      'PATCH /api/v1/channels/{channel}': () => ({ enabled: true }),
    };
    if (op.method === 'get') return undefined;
    const make = bodies[`${op.method.toUpperCase()} ${op.path}`];
    if (!make) {
      this.unknown.add(`${op.method.toUpperCase()} ${op.path}: no request body`);
      return {};
    }
    return make();
  }

  /** Whether the matrix has a fixture and a body for this operation, so an allowed call must succeed. */
  knows(op: { method: Method; path: string }): boolean {
    const def = this.objectFor(op.path);
    return !def?.placeholder && !this.unknown.has(`${op.method.toUpperCase()} ${op.path}: no request body`);
  }

  /** The path with its object and action filled in. */
  url(path: string, object: string | null, action: string | null): string {
    let url = path.replace('{action}', action ?? '');
    if (object !== null) url = url.replace(/\{(?!action)[^}]+\}/, encodeURIComponent(object));
    return url;
  }

  /** What must not change when only refused calls touched the shared objects. */
  async snapshot(): Promise<unknown> {
    const codes = await Promise.all([...this.shared.entries()].filter(([k]) => k.startsWith('/api/v1/tickets/{code}|')).map(([, v]) => v));
    const tickets = await this.t.db.query(
      `SELECT t.code, t.status, t.agency_id, t.assignee_id,
              (SELECT count(*)::int FROM ticket_events e WHERE e.ticket_id = t.id) AS events,
              (SELECT count(*)::int FROM messages m WHERE m.ticket_id = t.id) AS messages
       FROM tickets t WHERE t.code = ANY($1::text[]) ORDER BY t.code`, [codes]);
    const ids = async (prefix: string) => Promise.all([...this.shared.entries()].filter(([k]) => k.startsWith(prefix)).map(([, v]) => v));
    return JSON.parse(JSON.stringify({
      tickets,
      rules: await this.t.db.query('SELECT * FROM routing_rules WHERE id = ANY($1::bigint[]) ORDER BY id', [await ids('/api/v1/routing/rules/{id}|')]),
      policies: await this.t.db.query('SELECT * FROM sla_policies WHERE id = ANY($1::bigint[]) ORDER BY id', [await ids('/api/v1/sla/policies/{id}|')]),
      requests: await this.t.db.query('SELECT id, status FROM sla_extensions WHERE id = ANY($1::bigint[]) ORDER BY id', [await ids('/api/v1/sla/extension-requests/{id}|')]),
      otherNotices: await this.t.db.query('SELECT id, read_at FROM staff_notifications WHERE staff_id = $1 ORDER BY id', [this.p.ids.staffB]),
      // Only admins may create staff users: anything else the matrix tried must not exist.
      refusedStaffUsers: await this.t.db.query("SELECT email FROM staff_users WHERE email LIKE 'matrix.%' AND email NOT LIKE 'matrix.admin.%'"),
      days: await ids('/api/v1/sla/calendar/days/{date}|'),
      staff: await this.t.db.query('SELECT id, display_name, role, agency_id, active FROM staff_users WHERE id = ANY($1::bigint[]) ORDER BY id', [await ids('/api/v1/staff-users/{id}|')]),
      categories: await this.t.db.query('SELECT * FROM categories WHERE code = ANY($1::text[]) ORDER BY code', [await ids('/api/v1/categories/{code}|')]),
      agencies: await this.t.db.query('SELECT * FROM agencies WHERE id = ANY($1::bigint[]) ORDER BY id', [await ids('/api/v1/agencies/{id}|')]),
    })) as unknown;
  }

  /** Agency B's data in a response an agency A user got. */
  leaks(text: string, allowAgencyName = false): string[] {
    const markers = [WORD_B, B_NAME, B_PHONE, B_PHONE.slice(1), B_EMAIL, ...this.bCodes, ...(allowAgencyName ? [] : ['agency-b', 'Đơn vị B'])];
    return markers.filter((m) => text.includes(m));
  }

  async close() { await this.t?.close(); }
}

const bodyText = (res: supertest.Response) => (typeof res.text === 'string' ? res.text : '') + (Buffer.isBuffer(res.body) ? res.body.toString('latin1') : '');

// ---- the matrix -------------------------------------------------------------------------------

type Combo = { op: StaffOp; action: string | null; caller: Caller; side: Side };

function combos(w: World, ops: readonly StaffOp[], sample: boolean): Combo[] {
  const out: Combo[] = [];
  for (const op of ops) {
    const actions = op.actionRoles ? Object.keys(op.actionRoles) : [null];
    const def = w.objectFor(op.path);
    const sides: Side[] = def && def.scope !== 'none' ? ['own', 'other'] : ['any'];
    for (const action of sample ? actions.slice(0, 1) : actions) {
      for (const caller of sample ? (['anonymous', 'agency_staff', 'admin'] as Caller[]) : CALLERS) {
        for (const side of sides) out.push({ op, action, caller, side });
      }
    }
  }
  return out;
}

async function runMatrix(w: World, list: readonly Combo[]): Promise<{ failures: string[]; counts: Record<string, number> }> {
  const failures: string[] = [];
  const counts = { requests: 0, allowed: 0, refused: 0 };
  for (const c of list) {
    const { op, action, caller, side } = c;
    const def = w.objectFor(op.path);
    // Allowed writes get their own object and a session of their own for logout: the shared ones stay as they were.
    const fresh = op.method !== 'get' && expected(op, action, caller, side, def?.scope ?? null).allowed;
    const object = await w.object(op.path, side, caller === 'anonymous' ? null : caller, fresh);
    const url = w.url(op.path, object, action);
    const body = await w.body(op, action, caller, side);
    const exp = expected(op, action, caller, side, def?.scope ?? null, w.knows(op));
    const session = fresh && op.path === '/api/v1/auth/logout' && caller !== 'anonymous' ? await login(w.t, EMAIL[caller]) : undefined;
    const res = await w.request(caller, op.method, url, session ? { session } : {}).send(body as object);
    counts.requests++;
    counts[exp.allowed ? 'allowed' : 'refused']++;
    const where = `${caller} ${op.method.toUpperCase()} ${op.path}${action ? ` [${action}]` : ''} (${side})`;
    if (!matches(exp, res.status)) failures.push(`${where}: ${res.status}, expected ${describeExpected(exp)} — ${res.text?.slice(0, 200)}`);
    if (res.status >= 500) failures.push(`${where}: server error ${res.status}`);
    if (AGENCY_ROLES.has(caller)) {
      const leaked = w.leaks(bodyText(res), op.path === '/api/v1/agencies');
      if (leaked.length) failures.push(`${where}: agency B's data in the answer: ${leaked.join(', ')}`);
    }
    if (op.ioc) {
      // The IOC's key: enough without a session; nothing more for a session whose role is refused.
      const withKey = await w.request(caller, op.method, url, { headers: { authorization: `Bearer ${IOC_KEY}` } }).send(body as object);
      counts.requests++;
      const want: Expected = caller === 'anonymous' ? { ...expected(op, action, 'admin', side, def?.scope ?? null, w.knows(op)) } : exp;
      if (!matches(want, withKey.status)) failures.push(`${where} with the IOC key: ${withKey.status}, expected ${describeExpected(want)}`);
    }
  }
  return { failures, counts };
}

// ---- CSRF ---------------------------------------------------------------------------------------

const WRITE_METHODS = new Set(['post', 'put', 'patch', 'delete']);

/** A role the rule allows for this write (staff), or any session (public writes: the session makes them cookie-authenticated). */
function writerFor(op: StaffOp | null, action: string | null): StaffRole {
  const roles = op ? (action ? op.actionRoles![action]! : op.roles) : STAFF_ROLES;
  return (['admin', 'supervisor', 'operator', 'agency_lead', 'agency_staff'] as const).find((r) => roles.includes(r))!;
}

async function runCsrf(w: World, routes: readonly Entry[], staffOps: readonly StaffOp[]): Promise<{ failures: string[]; writes: number }> {
  const failures: string[] = [];
  let writes = 0;
  const seen = new Set<string>();
  // A second session per role: its token is "a wrong token" for the first.
  const second = new Map<StaffRole, Session>();
  for (const r of routes) {
    if (!WRITE_METHODS.has(r.method) || !r.path.startsWith('/api/v1/') || seen.has(key(r))) continue;
    seen.add(key(r));
    const path = toTemplate(r.path);
    const method = r.method as Method;
    const op = staffOps.find((o) => o.method === method && o.path === path) ?? null;
    for (const action of op?.actionRoles ? Object.keys(op.actionRoles) : [null]) {
      writes++;
      const role = writerFor(op, action);
      const def = w.objectFor(path);
      const side: Side = def && def.scope !== 'none' ? 'own' : 'any';
      const where = `${role} ${method.toUpperCase()} ${path}${action ? ` [${action}]` : ''}`;
      if (!second.has(role)) second.set(role, await login(w.t, EMAIL[role]));
      const session = second.get(role)!;
      const refused: [string, { csrf: string | null; headers?: Record<string, string> }, string][] = [
        ['no X-CSRF-Token', { csrf: null }, 'csrf_token_invalid'],
        ['a wrong X-CSRF-Token', { csrf: w.sessions[role].csrf }, 'csrf_token_invalid'],
        ['a cross-origin Origin', { csrf: session.csrf, headers: { origin: 'https://evil.example' } }, 'cross_origin_write'],
        ['Origin "null"', { csrf: session.csrf, headers: { origin: 'null' } }, 'cross_origin_write'],
        ['an Origin of the same host on another port', { csrf: session.csrf, headers: { origin: 'http://hub.test:8080' } }, 'cross_origin_write'],
      ];
      for (const [what, opts, code] of refused) {
        const object = await w.object(path, side, role, false);
        const res = await w.request(role, method, w.url(path, object, action), { session, ...opts }).send(await w.body({ method, path }, action, role, side) as object);
        if (res.status !== 403 || res.body?.error?.code !== code) failures.push(`${where} with ${what}: ${res.status} ${res.body?.error?.code ?? ''}, expected 403 ${code}`);
      }
      // With the token, from the hub's own origin (PUBLIC_BASE_URL's, or the Host the browser used): not refused.
      const accepted: [string, Record<string, string>][] = [
        ['the public origin', { origin: PUBLIC_BASE }],
        ['the origin of the Host header', { origin: 'http://console.example:3000', host: 'console.example:3000' }],
      ];
      for (const [what, headers] of accepted) {
        const fresh = op !== null; // public writes here only meet unknown tokens or create harmless reports
        const object = await w.object(path, side, role, fresh);
        // Logging out or in again replaces the session: each of those gets a session of its own.
        const own = path === '/api/v1/auth/logout' || path === '/api/v1/auth/login' ? await login(w.t, EMAIL[role]) : session;
        const res = await w.request(role, method, w.url(path, object, action), { session: own, headers }).send(await w.body({ method, path }, action, role, side) as object);
        const want: Expected = op ? expected(op, action, role, side, def?.scope ?? null, w.knows({ method, path })) : { allowed: true, statuses: null };
        if (!matches(want, res.status)) failures.push(`${where} with the token from ${what}: ${res.status}, expected ${describeExpected(want)} — ${res.text?.slice(0, 200)}`);
      }
    }
  }
  return { failures, writes };
}

// ---- the tests ----------------------------------------------------------------------------------

const suites: { engine: Engine; sample: boolean }[] = [{ engine: 'postgres', sample: false }, { engine: 'pglite', sample: true }];

describe.each(suites)('authorisation matrix on $engine (sample: $sample)', ({ engine, sample }) => {
  const w = new World();
  let table: ReturnType<typeof routeTable>;
  let staffOps: StaffOp[];

  beforeAll(async () => {
    await w.start(engine);
    table = routeTable(w.t.app);
    const r = rules(w.doc, table.routes);
    staffOps = r.staff;
  }, 60_000);
  afterAll(async () => { await w.close(); });

  test('every route has a rule: a staff operation with its roles in the document, or a listed public route with its reason', () => {
    expect(table.problems).toEqual([]);
    const { staff, open, problems } = rules(w.doc, table.routes);
    expect(problems).toEqual([]);
    expect(staff.length).toBeGreaterThan(40);
    expect(open.length + staff.length).toBe(new Set(table.routes.map(key)).size);
    // The rule check fails for a route nobody gave a rule to, and for one whose public listing was dropped.
    const extra = rules(w.doc, [...table.routes, { method: 'get', path: '/api/v1/new-thing/:id' }]).problems;
    expect(extra).toEqual(['GET /api/v1/new-thing/:id: new endpoint without a rule (document it as a staff operation with x-roles, or list it in NOT_STAFF with the reason)']);
    const unlisted = rules(w.doc, table.routes, NOT_STAFF.filter((e) => e.path !== '/api/v1/categories')).problems;
    expect(unlisted).toEqual([expect.stringMatching(/^GET \/api\/v1\/categories: new endpoint without a rule/)]);
    const staffAsPublic = rules(w.doc, table.routes, [...NOT_STAFF, { method: 'get', path: '/api/v1/tickets', kind: 'public', why: 'wrong' }]).problems;
    expect(staffAsPublic).toEqual(['GET /api/v1/tickets: listed as public but documented as a staff operation']);
  });

  test('routes guarded by something other than a session refuse a caller without it', async () => {
    const faults: string[] = [];
    for (const e of rules(w.doc, table.routes).open) {
      const url = e.path.replace(/:[A-Za-z_]+|\{\*rest\}/g, 'x1');
      if (e.kind === 'ioc') {
        const res = await supertest(w.t.app).get(url);
        if (res.status !== 401) faults.push(`${key(e)} without a key: ${res.status}`);
        // A staff session is not an IOC key (contracts.md).
        const staff = await w.request('admin', 'get', url);
        if (staff.status !== 401) faults.push(`${key(e)} with an admin session: ${staff.status}`);
        const withKey = await supertest(w.t.app).get(url).set('authorization', `Bearer ${IOC_KEY}`);
        if (refusedOrBroken(withKey.status)) faults.push(`${key(e)} with the key: ${withKey.status}`);
      } else if (e.kind === 'webhook') {
        const res = url.startsWith('/webhooks/twilio/')
          ? await supertest(w.t.app).post(url).type('form').send('From=%2B84912345678&Body=test')
          : await supertest(w.t.app).post(url).set('content-type', 'application/json').send('{"object":"page","entry":[]}');
        if (res.status !== 403) faults.push(`${key(e)} unsigned: ${res.status}`);
      } else if (e.kind === 'open311') {
        const res = await supertest(w.t.app).post(url).type('form').send('service_code=x&description=test&lat=20.6&long=106.0');
        if (res.status < 400 || res.status >= 500 || res.status === 404) faults.push(`${key(e)} without api_key: ${res.status}`);
      }
    }
    expect(faults).toEqual([]);
  });

  test('an agency user\'s lists, counts, exports, map, statistics and notices hold nothing of another agency', async () => {
    // Agency B's data, seen by the ones who may see it, so the absence below means something.
    await w.ticket('other', true);
    await w.ticket('own', true);
    await w.notice(w.p.ids.staffB, 'other');
    for (const role of ['agency_staff', 'agency_lead'] as const) await w.notice(w.userId(role), 'own');
    await w.t.hub.settle();
    const admin = (url: string) => w.request('admin', 'get', url);
    expect((await admin(`/api/v1/tickets?q=${WORD_B}`)).body.total).toBeGreaterThan(0);
    expect((await admin(`/api/v1/tickets/counts?q=${WORD_B}`)).body.total).toBeGreaterThan(0);
    expect((await admin('/api/v1/exports/tickets.csv')).text).toContain(WORD_B);
    expect((await admin('/api/v1/exports/stats.csv')).text).toContain('agency-b');
    expect(w.leaks((await admin('/api/v1/dashboard/map')).text)).not.toEqual([]);
    expect((await admin('/api/v1/staff-users')).text).toContain(B_EMAIL);
    expect((await w.staffB.agent.get('/api/v1/notifications')).text).toContain(WORD_B);

    const faults: string[] = [];
    const lists = staffOps.filter((op) => op.method === 'get' && !op.path.includes('{'));
    let checked = 0;
    for (const op of lists) {
      for (const role of ['agency_staff', 'agency_lead'] as const) {
        if (!op.roles.includes(role)) continue;
        const queries = [''];
        if (op.queryNames.includes('q')) queries.push(`q=${WORD_B}`);
        if (op.queryNames.includes('agency')) queries.push(`agency=${w.p.agencyB}`);
        if (op.queryNames.includes('pageSize')) queries.push('pageSize=100');
        if (op.queryNames.includes('by')) queries.push('by=category', 'by=commune');
        if (op.queryNames.includes('unread')) queries.push('unread=true');
        for (const q of queries) {
          const url = q ? `${op.path}?${q}` : op.path;
          const res = await w.request(role, 'get', url);
          checked++;
          // Asking for another agency may be refused (403) or answered empty; never with its data.
          if (res.status !== 200 && !(res.status === 403 && /agency=|by=/.test(q))) faults.push(`${role} GET ${url}: ${res.status} ${res.text.slice(0, 200)}`);
          const leaked = w.leaks(bodyText(res), op.path === '/api/v1/agencies');
          if (leaked.length) faults.push(`${role} GET ${url}: agency B's data: ${leaked.join(', ')}`);
        }
      }
    }
    expect(faults).toEqual([]);
    expect(checked).toBeGreaterThan(15);
    // Figures without words: counts and statistics of A only.
    for (const role of ['agency_staff', 'agency_lead'] as const) {
      const counts = await w.request(role, 'get', `/api/v1/tickets/counts?q=${WORD_B}`);
      expect(counts.body.total).toBe(0);
      expect((await w.request(role, 'get', `/api/v1/tickets/counts?q=${WORD_A}`)).body.total).toBeGreaterThan(0);
    }
    const stats = await w.request('agency_lead', 'get', '/api/v1/sla/stats');
    expect(stats.status).toBe(200);
    expect(stats.body.filters.agencyId).toBe(w.p.agencyA);
    for (const a of stats.body.byAgency as { agencyId: number | null }[]) expect(a.agencyId).toBe(w.p.agencyA);
    expect((await w.request('agency_lead', 'get', `/api/v1/sla/stats?agency=${w.p.agencyB}`)).status).toBe(403);
  });

  test(`every staff operation × every role × own and other agency${sample ? ' (a sample)' : ''}`, async () => {
    const list = combos(w, staffOps, sample);
    // Shared objects first, so the snapshot covers them before any call.
    for (const c of list) {
      const def = w.objectFor(c.op.path);
      if (def) await w.object(c.op.path, c.side, c.caller === 'anonymous' ? null : c.caller, false);
      if (c.action === 'merge') await w.mergeTarget(c.side);
    }
    await w.t.hub.settle();
    const before = await w.snapshot();
    const started = Date.now();
    const { failures, counts } = await runMatrix(w, list);
    process.stdout.write(`authz matrix on ${engine}: ${counts.requests} requests (${counts.allowed} allowed, ${counts.refused} refused) in ${Date.now() - started} ms\n`
      + (w.unknown.size ? `  checked for roles only (add a fixture or body to World): ${[...w.unknown].join('; ')}\n` : ''));
    expect(failures).toEqual([]);
    expect(counts.allowed).toBeGreaterThan(sample ? 15 : 100);
    // The matrix notices a rule the code does not keep: a role the code refuses, an agency role the code lets in.
    const op = (m: Method, path: string) => staffOps.find((o) => o.method === m && o.path === path)!;
    const wrong = await runMatrix(w, [
      { op: { ...op('get', '/api/v1/routing/rules'), roles: ['operator', 'supervisor', 'admin', 'agency_staff'] }, action: null, caller: 'agency_staff', side: 'any' },
      { op: { ...op('get', '/api/v1/dashboard'), roles: ['supervisor'] }, action: null, caller: 'admin', side: 'any' },
    ]);
    expect(wrong.failures).toEqual([expect.stringMatching(/^agency_staff GET \/api\/v1\/routing\/rules \(any\): 403, expected 200/), expect.stringMatching(/^admin GET \/api\/v1\/dashboard \(any\): 200, expected 403/)]);
    // Refused calls changed nothing.
    expect(await w.snapshot()).toEqual(before);
  }, 180_000);

  (sample ? test.skip : test)('every cookie-authenticated write: refused without the CSRF token or from another origin, accepted with both', async () => {
    const before = await w.snapshot();
    const started = Date.now();
    const { failures, writes } = await runCsrf(w, table.routes, staffOps);
    process.stdout.write(`csrf matrix on ${engine}: ${writes} writes in ${Date.now() - started} ms\n`);
    expect(failures).toEqual([]);
    expect(writes).toBeGreaterThan(30);
    expect(await w.snapshot()).toEqual(before);
  }, 180_000);
});
