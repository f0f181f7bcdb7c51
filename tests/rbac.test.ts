import { createHash } from 'node:crypto';
import supertest from 'supertest';
import { ENGINES } from './helpers/db';
import { loginAs, seedPeople, startTestHub, submitReport, type TestHub } from './helpers/hub';

/**
 * Who may see and do what: agency scoping of lists, searches, counts, reads, actions and
 * messages; contact masking; sessions, CSRF and logout; staff administration.
 */
type Agent = Awaited<ReturnType<typeof loginAs>>;
type People = Awaited<ReturnType<typeof seedPeople>>;

const DRAIN_TEXT = 'Cống thoát nước bị tắc, nước tràn lên mặt đường';

describe.each(ENGINES)('access rules on %s', (engine) => {
  let t: TestHub;
  let p: People;
  let op: Agent, sup: Agent, admin: Agent, staffA: Agent, leadA: Agent, staffB: Agent;
  const codes = { a: [] as string[], b: [] as string[], none: [] as string[], aDrain: '', bDrain: '', noneDrain: '' };
  let seq = 0;

  async function report(text: string, contact: Record<string, unknown> = {}): Promise<string> {
    const res = await submitReport(t.app, { text, contact: { phone: `0977${String(100_000 + ++seq).padStart(6, '0')}`, ...contact } });
    expect(res.status).toBe(201);
    return res.body.code as string;
  }

  async function assign(code: string, agencyId: number): Promise<void> {
    const res = await op.post(`/api/v1/tickets/${code}/actions/assign`, { agencyId });
    if (res.status !== 200) throw new Error(`assign ${code}: ${res.status} ${JSON.stringify(res.body)}`);
  }

  const count = async (sql: string, params: unknown[] = []) => (await t.db.query<{ n: number }>(sql, params))[0]!.n;

  async function snapshot(code: string) {
    const ticket = (await t.db.query<{ id: number }>('SELECT * FROM tickets WHERE code = $1', [code]))[0]!;
    return JSON.parse(JSON.stringify({
      ticket,
      events: await count('SELECT count(*)::int AS n FROM ticket_events WHERE ticket_id = $1', [ticket.id]),
      staffMessages: await count('SELECT count(*)::int AS n FROM messages WHERE ticket_id = $1 AND author_staff_id IS NOT NULL', [ticket.id]),
    })) as unknown;
  }

  async function csrfOf(who: Agent): Promise<string> {
    return (await who.get('/api/v1/auth/me')).body.csrfToken as string;
  }

  beforeAll(async () => {
    t = await startTestHub(engine);
    p = await seedPeople(t.db);
    [op, sup, admin, staffA, leadA, staffB] = await Promise.all([
      loginAs(t.app, 'op@test.vn'), loginAs(t.app, 'sup@test.vn'), loginAs(t.app, 'admin@test.vn'),
      loginAs(t.app, 'staff.a@test.vn'), loginAs(t.app, 'lead.a@test.vn'), loginAs(t.app, 'staff.b@test.vn'),
    ]);
    codes.aDrain = await report(DRAIN_TEXT + ' ở phường A');
    codes.a.push(codes.aDrain, await report('Đèn đường hỏng ngõ 3 phố Hàng Bông'), await report('Rác thải ùn ứ trước chợ Lớn'));
    codes.bDrain = await report(DRAIN_TEXT + ' ở phường B');
    codes.b.push(codes.bDrain, await report('Cây đổ chắn ngang đường Trần Hưng Đạo'));
    codes.noneDrain = await report(DRAIN_TEXT + ' chưa phân công');
    codes.none.push(codes.noneDrain);
    for (const c of codes.a) await assign(c, p.agencyA);
    for (const c of codes.b) await assign(c, p.agencyB);
    // One of A's tickets in progress, so counts have more than one status.
    expect((await staffA.post(`/api/v1/tickets/${codes.a[1]}/actions/accept`)).status).toBe(200);
  });
  afterAll(async () => { await t?.close(); });

  // ---- agency scoping -------------------------------------------------------------------------

  const aCodesInDb = async () =>
    (await t.db.query<{ code: string }>('SELECT code FROM tickets WHERE agency_id = $1 ORDER BY code', [p.agencyA])).map((r) => r.code);

  test.each([['staff', () => staffA], ['lead', () => leadA]])('agency A %s lists only A\'s tickets', async (_who, who) => {
    const res = await who().get('/api/v1/tickets?pageSize=100');
    expect(res.status).toBe(200);
    const inDb = await aCodesInDb();
    expect(inDb).toEqual([...codes.a].sort());
    expect(res.body.items.map((i: { code: string }) => i.code).sort()).toEqual(inDb);
    expect(res.body.total).toBe(inDb.length);
    for (const item of res.body.items) expect(item.agencyId).toBe(p.agencyA);
    const json = JSON.stringify(res.body);
    for (const c of [...codes.b, ...codes.none]) expect(json).not.toContain(c);
  });

  test('agency search (?q=) only finds the agency\'s tickets, with or without diacritics', async () => {
    for (const q of ['cống thoát nước', 'cong thoat nuoc', 'CỐNG THOÁT']) {
      const a = await staffA.get(`/api/v1/tickets?q=${encodeURIComponent(q)}`);
      expect(a.status).toBe(200);
      expect(a.body.items.map((i: { code: string }) => i.code)).toEqual([codes.aDrain]);
      expect(a.body.total).toBe(1);
      const all = await op.get(`/api/v1/tickets?q=${encodeURIComponent(q)}`);
      expect(all.body.items.map((i: { code: string }) => i.code).sort()).toEqual([codes.aDrain, codes.bDrain, codes.noneDrain].sort());
      expect(all.body.total).toBe(3);
    }
    // Searching for another agency's ticket code finds nothing, and says so in the total.
    const byCode = await leadA.get(`/api/v1/tickets?q=${codes.bDrain}`);
    expect(byCode.body).toMatchObject({ items: [], total: 0 });
    expect((await op.get(`/api/v1/tickets?q=${codes.bDrain}`)).body.total).toBe(1);
  });

  test('?agency=<B> does not widen an agency user\'s scope', async () => {
    for (const who of [staffA, leadA]) {
      const res = await who.get(`/api/v1/tickets?agency=${p.agencyB}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ items: [], total: 0 });
      const counts = await who.get(`/api/v1/tickets/counts?agency=${p.agencyB}`);
      expect(counts.body).toEqual({ byStatus: {}, total: 0 });
    }
    const seenByOp = await op.get(`/api/v1/tickets?agency=${p.agencyB}`);
    expect(seenByOp.body.items.map((i: { code: string }) => i.code).sort()).toEqual([...codes.b].sort());
    expect(seenByOp.body.total).toBe(codes.b.length);
  });

  test('pagination totals count only the agency\'s tickets', async () => {
    const pages = [];
    for (const page of [1, 2, 3]) {
      const res = await staffA.get(`/api/v1/tickets?pageSize=2&page=${page}&sort=oldest`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ total: codes.a.length, page, pageSize: 2 });
      pages.push(res.body.items.map((i: { code: string }) => i.code) as string[]);
    }
    expect(pages.map((x) => x.length)).toEqual([2, 1, 0]);
    expect(pages.flat().sort()).toEqual([...codes.a].sort());
  });

  test('counts are scoped: A counts only A\'s tickets, operators count all', async () => {
    const expected = Object.fromEntries((await t.db.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM tickets WHERE agency_id = $1 GROUP BY status', [p.agencyA])).map((r) => [r.status, r.n]));
    expect(expected).toEqual({ assigned: 2, in_progress: 1 });
    for (const who of [staffA, leadA]) {
      const res = await who.get('/api/v1/tickets/counts');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ byStatus: expected, total: 3 });
      expect((await who.get('/api/v1/tickets/counts?q=cong%20thoat')).body.total).toBe(1);
    }
    const all = await count('SELECT count(*)::int AS n FROM tickets');
    for (const who of [op, sup, admin]) {
      const res = await who.get('/api/v1/tickets/counts');
      expect(res.body.total).toBe(all);
    }
    expect((await op.get('/api/v1/tickets/counts?q=cong%20thoat')).body.total).toBe(3);
  });

  test('another agency\'s ticket reads exactly like an unknown one (404)', async () => {
    for (const who of [staffA, leadA]) {
      const unknown = await who.get('/api/v1/tickets/PA-0000-ZZZZZ');
      expect(unknown.status).toBe(404);
      for (const code of [codes.bDrain, codes.bDrain.toLowerCase(), codes.noneDrain]) {
        const res = await who.get(`/api/v1/tickets/${code}`);
        expect(res.status).toBe(404);
        expect(res.body).toEqual(unknown.body);
      }
    }
    // And the other way round.
    expect((await staffB.get(`/api/v1/tickets/${codes.aDrain}`)).status).toBe(404);
    expect((await staffB.get(`/api/v1/tickets/${codes.bDrain}`)).status).toBe(200);
    expect((await staffA.get(`/api/v1/tickets/${codes.aDrain}`)).status).toBe(200);
  });

  test('actions and messages on another agency\'s ticket → 404, never 403, and change nothing', async () => {
    const target = codes.b[1]!;
    const before = await snapshot(target);
    const unknownAction = await staffA.post('/api/v1/tickets/PA-0000-ZZZZZ/actions/accept', {});
    expect(unknownAction.status).toBe(404);
    const attempts: [string, unknown][] = [
      ['accept', {}], ['resolve', { resolution: 'xong' }], ['request_info', { message: 'Cần ảnh' }],
      ['transfer', { agencyId: p.agencyA, reason: 'lấy về' }], ['return', { reason: 'trả' }],
      ['assign_staff', { assigneeId: p.ids.staffA }],
      // Actions the role may never take answer 404 as well: a 403 would reveal that the ticket exists.
      ['assign', { agencyId: p.agencyA }], ['reject', { reason: 'không' }], ['close', {}],
    ];
    for (const who of [staffA, leadA]) {
      for (const [action, body] of attempts) {
        const res = await who.post(`/api/v1/tickets/${target}/actions/${action}`, body);
        expect([action, res.status]).toEqual([action, 404]);
        expect(res.body).toEqual(unknownAction.body);
      }
      for (const visibility of ['public', 'internal']) {
        const res = await who.post(`/api/v1/tickets/${target}/messages`, { body: 'Chúng tôi sẽ xử lý', visibility });
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('ticket_not_found');
      }
    }
    expect(await snapshot(target)).toEqual(before);
  });

  test('operators, supervisors and admins see every ticket', async () => {
    const all = (await t.db.query<{ code: string }>('SELECT code FROM tickets ORDER BY code')).map((r) => r.code);
    for (const who of [op, sup, admin]) {
      const res = await who.get('/api/v1/tickets?pageSize=100');
      expect(res.status).toBe(200);
      expect(res.body.items.map((i: { code: string }) => i.code).sort()).toEqual(all);
      expect(res.body.total).toBe(all.length);
      for (const code of [codes.aDrain, codes.bDrain, codes.noneDrain]) expect((await who.get(`/api/v1/tickets/${code}`)).status).toBe(200);
    }
  });

  // ---- contact masking ------------------------------------------------------------------------

  test('without consent agency users see masked contact details; operators see them in full', async () => {
    const code = await report('Nước sinh hoạt có mùi lạ ở khu tập thể', { name: 'Nguyễn Văn Bình', phone: '0912 345 678', email: 'binh.nguyen@example.vn', shareWithAgency: false });
    await assign(code, p.agencyA);
    for (const who of [staffA, leadA]) {
      const res = await who.get(`/api/v1/tickets/${code}`);
      expect(res.status).toBe(200);
      expect(res.body.citizen).toMatchObject({ masked: true, displayName: 'N. V. B.', phone: '+8491*****78', email: 'b***@example.vn' });
      const json = JSON.stringify(res.body);
      for (const secret of ['912345678', '0912345678', '+84912345678', 'binh.nguyen', 'Bình', 'Nguyễn Văn']) expect(json).not.toContain(secret);
      const list = JSON.stringify((await who.get('/api/v1/tickets?pageSize=100')).body);
      expect(list).toContain(code);
      for (const secret of ['912345678', 'binh.nguyen', 'Bình']) expect(list).not.toContain(secret);
    }
    for (const who of [op, sup, admin]) {
      const res = await who.get(`/api/v1/tickets/${code}`);
      expect(res.body.citizen).toMatchObject({ masked: false, displayName: 'Nguyễn Văn Bình', phone: '+84912345678', email: 'binh.nguyen@example.vn' });
    }
  });

  test('with consent (shareWithAgency) agency users see the contact details', async () => {
    const code = await report('Trụ điện nghiêng sắp đổ trước nhà', { name: 'Lê Thị Hoa', phone: '0987 654 321', email: 'hoa.le@example.vn', shareWithAgency: true });
    await assign(code, p.agencyA);
    const res = await staffA.get(`/api/v1/tickets/${code}`);
    expect(res.status).toBe(200);
    expect(res.body.citizen).toMatchObject({ masked: false, displayName: 'Lê Thị Hoa', phone: '+84987654321', email: 'hoa.le@example.vn' });
    expect((await t.db.query<{ contact_consent: boolean }>(
      'SELECT c.contact_consent FROM citizens c JOIN tickets t ON t.citizen_id = c.id WHERE t.code = $1', [code]))[0]!.contact_consent).toBe(true);
  });

  // ---- authentication -------------------------------------------------------------------------

  test('no session → 401 on the staff API; a garbage session cookie is just no session', async () => {
    for (const url of ['/api/v1/tickets', '/api/v1/tickets/counts', `/api/v1/tickets/${codes.aDrain}`, '/api/v1/staff-users', '/api/v1/auth/me']) {
      const res = await supertest(t.app).get(url);
      expect([url, res.status]).toEqual([url, 401]);
      expect(res.body.error.code).toBe('login_required');
    }
    const post = await supertest(t.app).post(`/api/v1/tickets/${codes.aDrain}/actions/accept`).send({});
    expect(post.status).toBe(401);
    for (const cookie of ['hub_session=not-a-session', 'hub_session=%E0%A4%A', `hub_session=${'x'.repeat(500)}`, 'hub_session=']) {
      const res = await supertest(t.app).get('/api/v1/tickets').set('Cookie', cookie);
      expect([cookie, res.status]).toEqual([cookie, 401]);
      // Public endpoints keep working for a citizen with a stale or broken cookie.
      const pub = await supertest(t.app).get('/api/v1/categories').set('Cookie', cookie);
      expect([cookie, pub.status]).toEqual([cookie, 200]);
    }
  });

  test('a wrong password and an unknown email get the same 401 invalid_credentials', async () => {
    const wrong = await supertest(t.app).post('/api/v1/auth/login').send({ email: 'op@test.vn', password: 'not the password' });
    const unknown = await supertest(t.app).post('/api/v1/auth/login').send({ email: 'nobody@test.vn', password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_credentials');
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    expect(unknown.headers['set-cookie']).toBeUndefined();
    const ok = await supertest(t.app).post('/api/v1/auth/login').send({ email: ' OP@Test.vn ', password: p.password });
    expect(ok.status).toBe(200);
    expect(ok.body.user).toMatchObject({ id: p.ids.operator, role: 'operator' });
    expect(JSON.stringify(ok.body)).not.toMatch(/password|scrypt|hash/i);
  });

  test('cookie-authenticated writes without the right X-CSRF-Token → 403 csrf_token_invalid; nothing happens', async () => {
    const tickets = () => count('SELECT count(*)::int AS n FROM tickets');
    const n = await tickets();
    const target = codes.a[2]!;
    const before = await snapshot(target);
    const opCsrf = await csrfOf(op);
    const otherCsrf = await csrfOf(staffA);
    const badTokens: (string | null)[] = [null, '', 'wrong', opCsrf.slice(0, -1) + (opCsrf.endsWith('A') ? 'B' : 'A'), otherCsrf,
      // Same length in characters as the real token but not in bytes (once as UTF-8, once as Latin-1 on the wire).
      'é'.repeat(opCsrf.length / 2), 'é'.repeat(opCsrf.length)];
    for (const token of badTokens) {
      const send = (req: supertest.Test) => (token === null ? req : req.set('x-csrf-token', token));
      const create = await send(op.agent.post('/api/v1/tickets')).send({ text: 'Cuộc gọi giả mạo từ trang khác' });
      expect([token, create.status]).toEqual([token, 403]);
      expect(create.body.error.code).toBe('csrf_token_invalid');
      const action = await send(leadA.agent.post(`/api/v1/tickets/${target}/actions/accept`)).send({});
      expect([token, action.status]).toEqual([token, 403]);
      expect(action.body.error.code).toBe('csrf_token_invalid');
    }
    expect(await tickets()).toBe(n);
    expect(await snapshot(target)).toEqual(before);
    // Logout is a write too: refused without the token, and the session survives.
    expect((await op.agent.post('/api/v1/auth/logout')).status).toBe(403);
    expect((await op.get('/api/v1/tickets')).status).toBe(200);
  });

  test('logout ends the session on the server, not only in the browser', async () => {
    const login = await supertest(t.app).post('/api/v1/auth/login').send({ email: 'sup@test.vn', password: p.password });
    expect(login.status).toBe(200);
    const cookie = (login.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('hub_session='))!.split(';')[0]!;
    expect(login.headers['set-cookie']![0]).toMatch(/HttpOnly/i);
    const token = decodeURIComponent(cookie.slice('hub_session='.length));
    const sessionId = createHash('sha256').update(token).digest('hex');
    expect(await count('SELECT count(*)::int AS n FROM staff_sessions WHERE id = $1', [sessionId])).toBe(1);
    expect((await supertest(t.app).get('/api/v1/tickets').set('Cookie', cookie)).status).toBe(200);
    const out = await supertest(t.app).post('/api/v1/auth/logout').set('Cookie', cookie).set('x-csrf-token', login.body.csrfToken);
    expect(out.status).toBe(204);
    expect(await count('SELECT count(*)::int AS n FROM staff_sessions WHERE id = $1', [sessionId])).toBe(0);
    const after = await supertest(t.app).get('/api/v1/tickets').set('Cookie', cookie);
    expect(after.status).toBe(401);
    const write = await supertest(t.app).post('/api/v1/tickets').set('Cookie', cookie).set('x-csrf-token', login.body.csrfToken).send({ text: 'Sau khi đăng xuất' });
    expect(write.status).toBe(401);
    // Other sessions of the same user are unaffected.
    expect((await sup.get('/api/v1/tickets')).status).toBe(200);
  });

  test('a deactivated user can neither log in nor keep using an open session', async () => {
    const created = await admin.post('/api/v1/staff-users', { email: `temp.${engine}@test.vn`, displayName: 'Tạm', role: 'operator', password: 'a long enough password' });
    expect(created.status).toBe(201);
    const temp = await loginAs(t.app, `temp.${engine}@test.vn`, 'a long enough password');
    expect((await temp.get('/api/v1/tickets')).status).toBe(200);
    await t.db.query('UPDATE staff_users SET active = false WHERE id = $1', [created.body.id]);
    expect((await temp.get('/api/v1/tickets')).status).toBe(401);
    const again = await supertest(t.app).post('/api/v1/auth/login').send({ email: `temp.${engine}@test.vn`, password: 'a long enough password' });
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe('invalid_credentials');
  });

  // ---- staff administration -------------------------------------------------------------------

  const staffRows = () => count('SELECT count(*)::int AS n FROM staff_users');

  test('an admin creates a staff user (201) who can then log in with the agency\'s scope', async () => {
    const res = await admin.post('/api/v1/staff-users', {
      email: 'New.Staff.A@Test.vn', displayName: 'Phạm Minh Đức', role: 'agency_staff', agencyId: p.agencyA, password: 'mật khẩu đủ dài 123',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: expect.any(Number), email: 'new.staff.a@test.vn', role: 'agency_staff', agencyId: p.agencyA, active: true });
    expect(JSON.stringify(res.body)).not.toMatch(/password|hash/i);
    const stored = await t.db.query<{ password_hash: string; role: string }>('SELECT password_hash, role FROM staff_users WHERE id = $1', [res.body.id]);
    expect(stored[0]!.role).toBe('agency_staff');
    expect(stored[0]!.password_hash).not.toContain('mật khẩu');
    const fresh = await loginAs(t.app, 'new.staff.a@test.vn', 'mật khẩu đủ dài 123');
    const list = await fresh.get('/api/v1/tickets?pageSize=100');
    expect(list.body.total).toBe((await aCodesInDb()).length);
    expect(list.body.items.every((i: { agencyId: number }) => i.agencyId === p.agencyA)).toBe(true);
  });

  test('only admins create staff users (403 for others); nothing is created', async () => {
    const n = await staffRows();
    for (const who of [op, sup, leadA, staffA]) {
      const res = await who.post('/api/v1/staff-users', { email: 'sneaky@test.vn', displayName: 'X', role: 'admin', password: 'a long enough password' });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('role_not_allowed');
    }
    expect(await staffRows()).toBe(n);
  });

  test('a duplicate email → 409, whatever its case, even when two requests race', async () => {
    const n = await staffRows();
    for (const email of ['op@test.vn', 'OP@TEST.VN']) {
      const res = await admin.post('/api/v1/staff-users', { email, displayName: 'Trùng', role: 'operator', password: 'a long enough password' });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('email_taken');
    }
    expect(await staffRows()).toBe(n);
    const body = { email: `race.${engine}@test.vn`, displayName: 'Đua', role: 'supervisor', password: 'a long enough password' };
    const [x, y] = await Promise.all([admin.post('/api/v1/staff-users', body), admin.post('/api/v1/staff-users', body)]);
    expect([x.status, y.status].sort()).toEqual([201, 409]);
    expect(await count('SELECT count(*)::int AS n FROM staff_users WHERE lower(email) = $1', [body.email])).toBe(1);
  });

  const badStaff: [string, Record<string, unknown>][] = [
    ['agency role without agencyId', { role: 'agency_staff' }],
    ['agency lead with a null agencyId', { role: 'agency_lead', agencyId: null }],
    ['operator with an agencyId', { role: 'operator', agencyId: 1 }],
    ['unknown agencyId', { role: 'agency_staff', agencyId: 999_999 }],
    ['unknown role', { role: 'superuser' }],
    ['short password', { role: 'operator', password: 'short' }],
    ['invalid email', { role: 'operator', email: 'not-an-email' }],
    ['agencyId as a string', { role: 'agency_staff', agencyId: '1' }],
    ['unknown field', { role: 'operator', isRoot: true }],
  ];
  test.each(badStaff)('creating a staff user with %s → 400, not 500; nothing is created', async (_what, patch) => {
    const n = await staffRows();
    const res = await admin.post('/api/v1/staff-users', {
      email: `bad.${engine}.${seq++}@test.vn`, displayName: 'Sai', password: 'a long enough password', ...patch,
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String), messageEn: expect.any(String) });
    expect(await staffRows()).toBe(n);
  });

  test('the staff list: a lead sees only their agency, staff may not list, operators see everyone', async () => {
    const lead = await leadA.get('/api/v1/staff-users');
    expect(lead.status).toBe(200);
    const ids = lead.body.users.map((u: { id: number }) => u.id);
    expect(ids).toEqual(expect.arrayContaining([p.ids.staffA, p.ids.leadA, p.ids.staffA2]));
    for (const other of [p.ids.staffB, p.ids.operator, p.ids.admin, p.ids.supervisor]) expect(ids).not.toContain(other);
    for (const u of lead.body.users) expect(u.agencyId).toBe(p.agencyA);
    expect(lead.body.users).toHaveLength(await count('SELECT count(*)::int AS n FROM staff_users WHERE agency_id = $1', [p.agencyA]));
    expect(JSON.stringify(lead.body)).not.toMatch(/password|hash/i);

    for (const who of [staffA, staffB]) {
      const res = await who.get('/api/v1/staff-users');
      expect(res.status).toBe(403);
    }
    const all = await op.get('/api/v1/staff-users');
    expect(all.status).toBe(200);
    expect(all.body.users).toHaveLength(await staffRows());
  });
});
