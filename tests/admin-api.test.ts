import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import supertest from 'supertest';
import { loadCategories } from '../src/db/catalog';
import { attachLiveStreams, type LiveStreams } from '../src/http/live-streams';
import { ENGINES } from './helpers/db';
import { loginAs, seedPeople, startTestHub, submitReport, type TestHub } from './helpers/hub';
import { startFakeServer, type FakeServer } from './helpers/net';

/**
 * Administration through the API, on both engines: only admins write (supervisors read the audit),
 * staff accounts (role and agency rules, deactivation that ends sessions and live connections, the
 * last admin kept, password reset), categories (codes permanent, inactive ones not offered and not
 * classified into), agencies (deactivation refused while rules point to them) and the runtime
 * channel switch (webhooks 503 + Retry-After while off, replies held and sent when on again).
 */
const APP_SECRET = 'fb-admin-test-secret';
const PAGE_TOKEN = 'fb-admin-page-token';
const PAGE_ID = '104857600000777';

type Graph = { server: FakeServer; texts: string[] };

const sign = (raw: string) => `sha256=${crypto.createHmac('sha256', APP_SECRET).update(raw).digest('hex')}`;
let seq = 0;
function fbMessage(psid: string, text: string): string {
  seq += 1;
  const now = Date.now();
  return JSON.stringify({ object: 'page', entry: [{ id: PAGE_ID, time: now, messaging: [
    { sender: { id: psid }, recipient: { id: PAGE_ID }, timestamp: now, message: { mid: `m_admin_${seq}_${now}`, text } },
  ] }] });
}

describe.each(ENGINES)('administration API (%s)', (engine) => {
  let t: TestHub;
  let people: Awaited<ReturnType<typeof seedPeople>>;
  let graph: Graph;

  beforeAll(async () => {
    const texts: string[] = [];
    const server = await startFakeServer((req, raw, res) => {
      const body = JSON.parse(raw || '{}') as { message?: { text?: string } };
      if (req.method === 'POST' && req.url?.startsWith('/v21.0/me/messages')) texts.push(body.message?.text ?? '');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ recipient_id: 'x', message_id: `m_out_${texts.length}` }));
    });
    graph = { server, texts };
    t = await startTestHub(engine, {
      FACEBOOK_APP_SECRET: APP_SECRET, FACEBOOK_VERIFY_TOKEN: 'verify', FACEBOOK_PAGE_TOKEN: PAGE_TOKEN, FACEBOOK_GRAPH_URL: `${server.url}/v21.0`,
    });
    people = await seedPeople(t.db);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await graph?.server.stop();
  });

  const audit = async (entity: string, key: string | number) =>
    (await t.db.query<{ action: string; staff_id: number; before: Record<string, unknown> | null; after: Record<string, unknown> | null }>(
      'SELECT action, staff_id, before, after FROM admin_audit WHERE entity = $1 AND entity_key = $2 ORDER BY id', [entity, String(key)]));

  test('only admins write; supervisors read the audit; agency roles and operators are refused', async () => {
    const writes: [string, string, unknown][] = [
      ['patch', `/api/v1/staff-users/${people.ids.staffA}`, { displayName: 'X' }],
      ['post', '/api/v1/staff-users', { email: 'x@test.vn', displayName: 'X', role: 'operator', password: people.password }],
      ['post', '/api/v1/categories', { code: 'thu-nghiem', nameVi: 'Thử', nameEn: 'Try' }],
      ['patch', '/api/v1/categories/cay-xanh', { nameEn: 'Trees' }],
      ['post', '/api/v1/agencies', { code: 'don-vi-x', nameVi: 'X', nameEn: 'X' }],
      ['patch', `/api/v1/agencies/${people.agencyA}`, { shortName: 'A' }],
      ['patch', '/api/v1/channels/facebook', { enabled: false }],
    ];
    for (const email of ['sup@test.vn', 'op@test.vn', 'lead.a@test.vn', 'staff.a@test.vn']) {
      const who = await loginAs(t.app, email);
      for (const [method, url, body] of writes) {
        const res = method === 'post' ? await who.post(url, body) : await who.patch(url, body);
        expect([email, method, url, res.status, res.body.error?.code]).toEqual([email, method, url, 403, 'role_not_allowed']);
      }
    }
    for (const [method, url, body] of writes) {
      const res = method === 'post' ? await supertest(t.app).post(url).send(body as object) : await supertest(t.app).patch(url).send(body as object);
      expect(res.status).toBe(401);
    }
    expect((await (await loginAs(t.app, 'sup@test.vn')).get('/api/v1/admin/audit')).status).toBe(200);
    expect((await (await loginAs(t.app, 'op@test.vn')).get('/api/v1/admin/audit')).status).toBe(403);
    expect((await (await loginAs(t.app, 'lead.a@test.vn')).get('/api/v1/admin/audit')).status).toBe(403);
    // Nothing changed.
    expect(await t.db.query(`SELECT 1 FROM categories WHERE code = 'thu-nghiem'`)).toEqual([]);
    expect(await t.db.query('SELECT 1 FROM admin_audit')).toEqual([]);
  });

  test('staff accounts: role and agency rules, validation, audit of who changed what', async () => {
    const admin = await loginAs(t.app, 'admin@test.vn');
    const created = await admin.post('/api/v1/staff-users', { email: 'Moi.A@test.vn', displayName: 'Cán bộ Mới', role: 'agency_staff', agencyId: people.agencyA, password: people.password });
    expect(created.status).toBe(201);
    const id = created.body.id as number;
    expect((await audit('staff_user', id)).map((a) => [a.action, a.staff_id, a.after?.email])).toEqual([['created', people.ids.admin, 'moi.a@test.vn']]);

    const bad: [unknown, number, string][] = [
      [{}, 400, 'validation_failed'],
      [{ role: 'boss' }, 400, 'validation_failed'],
      [{ password: 'short' }, 400, 'validation_failed'],
      [{ email: 'other@test.vn' }, 400, 'validation_failed'],
      [{ agencyId: null }, 400, 'agency_role_mismatch'],
      [{ role: 'operator', agencyId: people.agencyA }, 400, 'agency_role_mismatch'],
      [{ agencyId: 999999 }, 400, 'unknown_agency'],
    ];
    for (const [body, status, code] of bad) {
      const res = await admin.patch(`/api/v1/staff-users/${id}`, body);
      expect([body, res.status, res.body.error?.code]).toEqual([body, status, code]);
    }
    expect((await admin.patch('/api/v1/staff-users/999999', { displayName: 'X' })).status).toBe(404);

    // To agency B as its lead, renamed.
    const moved = await admin.patch(`/api/v1/staff-users/${id}`, { role: 'agency_lead', agencyId: people.agencyB, displayName: 'Trưởng nhóm B' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ id, role: 'agency_lead', agencyId: people.agencyB, displayName: 'Trưởng nhóm B', active: true });
    // Leaving the agency roles drops the agency.
    const op = await admin.patch(`/api/v1/staff-users/${id}`, { role: 'operator' });
    expect(op.body).toMatchObject({ role: 'operator', agencyId: null });
    // Back to an agency role needs an agency.
    expect((await admin.patch(`/api/v1/staff-users/${id}`, { role: 'agency_staff' })).body.error.code).toBe('agency_role_mismatch');

    const trail = await audit('staff_user', id);
    expect(trail.map((a) => a.action)).toEqual(['created', 'updated', 'updated']);
    expect(trail[1]!.before).toMatchObject({ role: 'agency_staff', agencyId: people.agencyA, displayName: 'Cán bộ Mới' });
    expect(trail[1]!.after).toMatchObject({ role: 'agency_lead', agencyId: people.agencyB, displayName: 'Trưởng nhóm B' });
    for (const a of trail) expect(JSON.stringify(a)).not.toMatch(/scrypt|password_hash|passwordHash/);
    const sup = await loginAs(t.app, 'sup@test.vn');
    const listed = (await sup.get(`/api/v1/admin/audit?entity=staff_user&key=${id}`)).body.entries as { action: string; staffId: number }[];
    expect(listed.map((e) => e.action)).toEqual(['updated', 'updated', 'created']);
    expect(listed.every((e) => e.staffId === people.ids.admin)).toBe(true);
    expect((await sup.get('/api/v1/admin/audit?entity=nothing')).status).toBe(400);
  });

  test('a deactivated user loses their session and live connection at once and cannot log in; reactivated, they can', async () => {
    const server = http.createServer(t.app);
    const streams: LiveStreams = attachLiveStreams(server, t.hub);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    let socket: Socket | null = null;
    try {
      const staffB = await loginAs(t.app, 'staff.b@test.vn');
      expect((await staffB.get('/api/v1/auth/me')).status).toBe(200);
      const login = await supertest(t.app).post('/api/v1/auth/login').send({ email: 'staff.b@test.vn', password: people.password });
      const cookie = (login.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ');
      const s = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}/staff`, { transports: ['websocket'], extraHeaders: { cookie }, reconnection: false });
      socket = s;
      await new Promise<void>((resolve, reject) => { s.on('connect', () => resolve()); s.on('connect_error', reject); });
      const dropped = new Promise<string>((resolve) => s.on('disconnect', (reason) => resolve(reason)));

      const admin = await loginAs(t.app, 'admin@test.vn');
      const off = await admin.patch(`/api/v1/staff-users/${people.ids.staffB}`, { active: false });
      expect(off.status).toBe(200);
      expect(off.body).toMatchObject({ active: false });
      expect(off.body.sessionsEnded).toBeGreaterThanOrEqual(2);
      expect(await dropped).toBe('io server disconnect');
      expect((await staffB.get('/api/v1/auth/me')).status).toBe(401);
      expect((await staffB.get('/api/v1/tickets')).status).toBe(401);
      expect(await t.db.query('SELECT 1 FROM staff_sessions WHERE user_id = $1', [people.ids.staffB])).toEqual([]);
      const again = await supertest(t.app).post('/api/v1/auth/login').send({ email: 'staff.b@test.vn', password: people.password });
      expect(again.status).toBe(401);
      expect(again.body.error.code).toBe('invalid_credentials');
      // The cookie of the ended session does not open the live stream either.
      const refused = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}/staff`, { transports: ['websocket'], extraHeaders: { cookie }, reconnection: false });
      await expect(new Promise<void>((resolve, reject) => { refused.on('connect', () => resolve()); refused.on('connect_error', reject); })).rejects.toThrow('login_required');
      refused.close();

      expect((await admin.patch(`/api/v1/staff-users/${people.ids.staffB}`, { active: true })).status).toBe(200);
      expect((await supertest(t.app).post('/api/v1/auth/login').send({ email: 'staff.b@test.vn', password: people.password })).status).toBe(200);
      expect((await audit('staff_user', people.ids.staffB)).map((a) => a.after?.active)).toEqual([false, true]);
    } finally {
      socket?.close();
      await streams.close();
    }
  });

  test('a password reset: the new password works, the old one not, and the account\'s other sessions end', async () => {
    const admin = await loginAs(t.app, 'admin@test.vn');
    const lead = await loginAs(t.app, 'lead.a@test.vn');
    const res = await admin.patch(`/api/v1/staff-users/${people.ids.leadA}`, { password: 'a new long password' });
    expect(res.status).toBe(200);
    expect((await lead.get('/api/v1/auth/me')).status).toBe(401);
    expect((await supertest(t.app).post('/api/v1/auth/login').send({ email: 'lead.a@test.vn', password: people.password })).status).toBe(401);
    expect((await supertest(t.app).post('/api/v1/auth/login').send({ email: 'lead.a@test.vn', password: 'a new long password' })).status).toBe(200);
    expect((await audit('staff_user', people.ids.leadA)).at(-1)!.after).toMatchObject({ passwordReset: true });
    // An admin resetting their own password keeps the session they are using.
    expect((await admin.patch(`/api/v1/staff-users/${people.ids.admin}`, { password: people.password })).status).toBe(200);
    expect((await admin.get('/api/v1/auth/me')).status).toBe(200);
  });

  test('the last active admin can be neither demoted nor deactivated, also when two admins try at once', async () => {
    const admin = await loginAs(t.app, 'admin@test.vn');
    for (const body of [{ active: false }, { role: 'supervisor' }]) {
      const res = await admin.patch(`/api/v1/staff-users/${people.ids.admin}`, body);
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('last_admin');
    }
    const second = await admin.post('/api/v1/staff-users', { email: 'admin2@test.vn', displayName: 'Quản trị 2', role: 'admin', password: people.password });
    expect(second.status).toBe(201);
    const admin2 = await loginAs(t.app, 'admin2@test.vn');
    // Each deactivates the other at the same moment: exactly one wins.
    const [a, b] = await Promise.all([
      admin.patch(`/api/v1/staff-users/${second.body.id}`, { active: false }),
      admin2.patch(`/api/v1/staff-users/${people.ids.admin}`, { active: false }),
    ]);
    const statuses = [a.status, b.status].sort();
    // The loser either hit the last-admin rule or, its own session ended by the winner, is no longer signed in.
    expect(statuses[0]).toBe(200);
    expect([401, 409]).toContain(statuses[1]);
    const active = await t.db.query<{ id: number }>(`SELECT id FROM staff_users WHERE role = 'admin' AND active`);
    expect(active).toHaveLength(1);
    // Whoever is left restores the original admin for the tests after this one.
    if (active[0]!.id !== people.ids.admin) {
      const survivor = await loginAs(t.app, 'admin2@test.vn');
      expect((await survivor.patch(`/api/v1/staff-users/${people.ids.admin}`, { active: true })).status).toBe(200);
    }
  });

  test('categories: codes validated and permanent, names kept across restarts, inactive ones not offered or classified into', async () => {
    const admin = await loginAs(t.app, 'admin@test.vn');
    for (const code of ['Cây', 'UPPER', 'a--b', '-a', 'a', 'x'.repeat(41)]) {
      const res = await admin.post('/api/v1/categories', { code, nameVi: 'Thử', nameEn: 'Try' });
      expect([code, res.status]).toEqual([code, 400]);
    }
    const created = await admin.post('/api/v1/categories', { code: 've-sinh-thuc-pham', nameVi: 'Vệ sinh thực phẩm', nameEn: 'Food hygiene', defaultPriority: 'high' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ code: 've-sinh-thuc-pham', active: true, defaultPriority: 'high' });
    expect((await admin.post('/api/v1/categories', { code: 've-sinh-thuc-pham', nameVi: 'X', nameEn: 'X' })).body.error.code).toBe('category_exists');
    const listed = (await supertest(t.app).get('/api/v1/categories')).body.categories as { code: string }[];
    expect(listed.at(-1)!.code).toBe('ve-sinh-thuc-pham');
    // Offered at once: a citizen may file under it.
    expect((await submitReport(t.app, { category: 've-sinh-thuc-pham', text: 'Quán ăn dùng dầu mỡ bẩn, nhiều người bị đau bụng' })).status).toBe(201);

    // Renamed: the shipped file does not undo it at the next start.
    expect((await admin.patch('/api/v1/categories/cay-xanh', { nameEn: 'Trees, parks and gardens' })).status).toBe(200);
    await loadCategories(t.db);
    const trees = ((await supertest(t.app).get('/api/v1/categories')).body.categories as { code: string; nameEn: string; editedAt: string | null }[])
      .find((c) => c.code === 'cay-xanh')!;
    expect(trees.nameEn).toBe('Trees, parks and gardens');
    expect(trees.editedAt).not.toBeNull();
    expect((await admin.patch('/api/v1/categories/khong-co', { nameEn: 'X' })).status).toBe(404);
    expect((await admin.patch('/api/v1/categories/cay-xanh', {})).status).toBe(400);
    expect((await admin.patch('/api/v1/categories/khac', { active: false })).body.error.code).toBe('fallback_category');

    // A ticket filed under cay-xanh before it is switched off keeps it.
    const before = await submitReport(t.app, { category: 'cay-xanh', text: 'Cành cây gãy treo lơ lửng trên vỉa hè' });
    expect(before.status).toBe(201);
    const ops = await loginAs(t.app, 'op@test.vn');
    const text = 'Cây xanh trong công viên cần cắt tỉa cành';
    expect((await ops.post('/api/v1/classify', { text })).body).toMatchObject({ category: 'cay-xanh', priority: 'normal' });
    // Its default priority replaces the classifier's "normal".
    expect((await admin.patch('/api/v1/categories/cay-xanh', { defaultPriority: 'low' })).status).toBe(200);
    expect((await ops.post('/api/v1/classify', { text })).body).toMatchObject({ category: 'cay-xanh', priority: 'low' });

    expect((await admin.patch('/api/v1/categories/cay-xanh', { active: false })).body).toMatchObject({ active: false });
    const refused = await submitReport(t.app, { category: 'cay-xanh', text: 'Cây đổ chắn lối đi vào trường học' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('unknown_category');
    const classified = (await ops.post('/api/v1/classify', { text })).body as { category: string; confidence: number; alternatives: { category: string }[] };
    expect(classified.category).not.toBe('cay-xanh');
    expect(classified.alternatives.map((a) => a.category)).not.toContain('cay-xanh');
    // Filed by triage: not under the inactive category; with no active alternative it is left to the operators.
    const after = await submitReport(t.app, { text });
    await t.hub.settle();
    const [row] = await t.db.query<{ category_code: string | null; review_reasons: string[] }>('SELECT category_code, review_reasons FROM tickets WHERE code = $1', [after.body.code]);
    expect(row).toEqual({ category_code: null, review_reasons: expect.arrayContaining(['low_confidence']) });
    const kept = await t.db.query<{ category_code: string }>('SELECT category_code FROM tickets WHERE code = $1', [before.body.code]);
    expect(kept).toEqual([{ category_code: 'cay-xanh' }]);
    const services = (await supertest(t.app).get('/open311/v2/services.json')).body as { service_code: string }[];
    expect(services.map((s) => s.service_code)).not.toContain('cay-xanh');
    expect(services.map((s) => s.service_code)).toContain('ve-sinh-thuc-pham');

    expect((await admin.patch('/api/v1/categories/cay-xanh', { active: true, defaultPriority: null })).status).toBe(200);
    expect((await ops.post('/api/v1/classify', { text })).body).toMatchObject({ category: 'cay-xanh', priority: 'normal' });
    expect((await audit('category', 'cay-xanh')).map((a) => [a.before?.active, a.after?.active, a.after?.defaultPriority]))
      .toEqual([[true, true, null], [true, true, 'low'], [true, false, 'low'], [false, true, null]]);
    expect((await audit('category', 've-sinh-thuc-pham')).map((a) => a.action)).toEqual(['created']);
  });

  test('agencies: added and edited with validation; deactivation refused while routing rules point to them', async () => {
    const admin = await loginAs(t.app, 'admin@test.vn');
    const bad: [unknown, string][] = [
      [{ code: 'X Y', nameVi: 'X', nameEn: 'X' }, 'validation_failed'],
      [{ code: 'don-vi-c', nameVi: 'X', nameEn: 'X', email: 'not-mail' }, 'validation_failed'],
      [{ code: 'don-vi-c', nameVi: 'X', nameEn: 'X', kind: 'army' }, 'validation_failed'],
      [{ code: 'don-vi-c', nameVi: 'X', nameEn: 'X', communeCode: '99999' }, 'unknown_commune'],
    ];
    for (const [body, code] of bad) {
      const res = await admin.post('/api/v1/agencies', body);
      expect([body, res.status, res.body.error?.code]).toEqual([body, 400, code]);
    }
    const created = await admin.post('/api/v1/agencies', {
      code: 'don-vi-c', nameVi: 'Ban Quản lý C', nameEn: 'Management Board C', shortName: 'BQL C', email: 'bql.c@hungyen.gov.vn', phone: '0221 3862 000', alwaysOn: true,
    });
    expect(created.status).toBe(201);
    const id = created.body.id as number;
    expect(created.body).toMatchObject({ code: 'don-vi-c', shortName: 'BQL C', email: 'bql.c@hungyen.gov.vn', kind: 'department', alwaysOn: true, active: true });
    expect((await admin.post('/api/v1/agencies', { code: 'don-vi-c', nameVi: 'X', nameEn: 'X' })).body.error.code).toBe('agency_code_taken');
    expect(t.hub.slaSettings.settings().alwaysOnAgencies.has(id)).toBe(true);

    const rule = await admin.post('/api/v1/routing/rules', { categoryCode: 'y-te', agencyId: id });
    expect(rule.status).toBe(201);
    const refused = await admin.patch(`/api/v1/agencies/${id}`, { active: false });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('agency_in_use');
    expect(refused.body.error.message).toContain(`#${rule.body.id}`);
    expect(refused.body.error.messageEn).toContain(`#${rule.body.id}`);
    expect(refused.body.error.details).toEqual({ ruleIds: [rule.body.id] });

    expect((await admin.patch(`/api/v1/routing/rules/${rule.body.id}`, { active: false })).status).toBe(200);
    const off = await admin.patch(`/api/v1/agencies/${id}`, { active: false, nameEn: 'Board C', alwaysOn: false });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ active: false, nameEn: 'Board C', nameVi: 'Ban Quản lý C', alwaysOn: false });
    expect(t.hub.slaSettings.settings().alwaysOnAgencies.has(id)).toBe(false);
    // An inactive agency takes no new staff.
    const staff = await admin.post('/api/v1/staff-users', { email: 'c@test.vn', displayName: 'C', role: 'agency_staff', agencyId: id, password: people.password });
    expect(staff.body.error.code).toBe('unknown_agency');
    expect((await admin.patch('/api/v1/agencies/999999', { nameEn: 'X' })).status).toBe(404);
    const listed = ((await admin.get('/api/v1/agencies')).body.agencies as { id: number; active: boolean; email: string | null }[]).find((a) => a.id === id);
    expect(listed).toMatchObject({ active: false, email: 'bql.c@hungyen.gov.vn' });
    expect((await audit('agency', id)).map((a) => [a.action, a.after?.active])).toEqual([['created', true], ['updated', false]]);
  });

  test('staff names: agency roles see their own agency and the centre, never another agency', async () => {
    const names = async (email: string) => ((await (await loginAs(t.app, email)).get('/api/v1/staff-users/directory')).body.users as { id: number; displayName: string }[]).map((u) => u.id);
    const a = await names('staff.a@test.vn');
    expect(a).toEqual(expect.arrayContaining([people.ids.staffA, people.ids.staffA2, people.ids.leadA, people.ids.operator, people.ids.admin]));
    expect(a).not.toContain(people.ids.staffB);
    const b = await names('staff.b@test.vn');
    expect(b).not.toContain(people.ids.staffA);
    expect(await names('op@test.vn')).toEqual(expect.arrayContaining([people.ids.staffA, people.ids.staffB]));
    const entry = ((await (await loginAs(t.app, 'staff.a@test.vn')).get('/api/v1/staff-users/directory')).body.users as Record<string, unknown>[])[0]!;
    expect(Object.keys(entry).sort()).toEqual(['active', 'agencyId', 'displayName', 'id', 'role']);
  });

  test('a channel switched off: webhooks 503 with Retry-After, replies held; switched on, the held reply goes out', async () => {
    const admin = await loginAs(t.app, 'admin@test.vn');
    const post = (raw: string) => supertest(t.app).post('/webhooks/facebook').set('content-type', 'application/json').set('x-hub-signature-256', sign(raw)).send(raw);
    const state = async () => ((await admin.get('/api/v1/channels')).body.channels as { channel: string; switchedOn: boolean; status: string; enabled: boolean }[]);

    expect((await state()).find((c) => c.channel === 'facebook')).toMatchObject({ enabled: true, switchedOn: true });
    expect((await admin.patch('/api/v1/channels/sms', { enabled: false })).body.error.code).toBe('channel_not_configured');
    expect((await admin.patch('/api/v1/channels/web', { enabled: false })).body.error.code).toBe('channel_not_switchable');
    expect((await admin.patch('/api/v1/channels/telegram', { enabled: false })).status).toBe(400);
    expect((await admin.patch('/api/v1/channels/facebook', { enabled: 'no' })).status).toBe(400);

    // A citizen writes while the channel is on: a ticket, acknowledged on Messenger.
    expect((await post(fbMessage('psid-admin-1', 'Cống thoát nước bị tắc, nước tràn lên đường mỗi khi mưa'))).status).toBe(200);
    await t.hub.settle();
    const [ticket] = await t.db.query<{ code: string }>(`SELECT code FROM tickets WHERE channel = 'facebook' ORDER BY id DESC LIMIT 1`);
    expect(ticket).toBeDefined();
    const sentBefore = graph.texts.length;
    expect(sentBefore).toBeGreaterThanOrEqual(1);

    const off = await admin.patch('/api/v1/channels/facebook', { enabled: false });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ channel: 'facebook', enabled: true, switchedOn: false, status: 'switched_off', changedBy: people.ids.admin });
    const events = (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_events WHERE channel = 'facebook'`))[0]!.n;
    const refused = await post(fbMessage('psid-admin-2', 'Đèn đường hỏng cả tuần nay ở đầu thôn'));
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('120');
    expect(refused.body.error.code).toBe('channel_switched_off');
    expect((await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_events WHERE channel = 'facebook'`))[0]!.n).toBe(events);
    // Meta's subscription handshake still answers.
    expect((await supertest(t.app).get('/webhooks/facebook?hub.mode=subscribe&hub.verify_token=verify&hub.challenge=42')).text).toBe('42');

    const ops = await loginAs(t.app, 'op@test.vn');
    const reply = 'Tổng đài 1022 đã chuyển phản ánh về cống thoát nước tới đơn vị phụ trách.';
    expect((await ops.post(`/api/v1/tickets/${ticket!.code}/messages`, { body: reply, visibility: 'public' })).status).toBe(201);
    await t.hub.settle();
    const held = await t.db.query<{ delivery_status: string; delivery_error: string }>(
      `SELECT delivery_status, delivery_error FROM messages WHERE body = $1`, [reply]);
    expect(held).toEqual([{ delivery_status: 'held', delivery_error: expect.stringContaining('facebook') }]);
    expect(graph.texts).not.toContain(reply);
    expect(graph.texts.length).toBe(sentBefore);

    const on = await admin.patch('/api/v1/channels/facebook', { enabled: true });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ switchedOn: true, releasedReplies: 1 });
    expect(on.body.status).not.toBe('switched_off');
    await t.hub.settle();
    expect(graph.texts).toContain(reply);
    expect((await t.db.query<{ delivery_status: string }>('SELECT delivery_status FROM messages WHERE body = $1', [reply]))[0]!.delivery_status).toBe('sent');
    expect((await post(fbMessage('psid-admin-2', 'Đèn đường hỏng cả tuần nay ở đầu thôn'))).status).toBe(200);

    expect((await audit('channel', 'facebook')).map((a) => [a.staff_id, a.before?.enabled, a.after?.enabled]))
      .toEqual([[people.ids.admin, true, false], [people.ids.admin, false, true]]);
  });
});
