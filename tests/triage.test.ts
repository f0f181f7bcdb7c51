import supertest from 'supertest';
import path from 'node:path';
import { importProvince } from '../src/admin-units/import';
import type { LiveEvent } from '../src/shared/live-bus';
import { ENGINES } from './helpers/db';
import { loginAs, seedPeople, startTestHub, submitReport, type TestHub } from './helpers/hub';

/**
 * Automatic triage end to end: a report comes in, the hub classifies it, finds its commune, routes
 * it by the rules, spots duplicates and flags danger; operators correct it and merge duplicates.
 */
describe.each(ENGINES)('understanding reports on %s', (engine) => {
  let t: TestHub;
  let people: Awaited<ReturnType<typeof seedPeople>>;
  let admin: Awaited<ReturnType<typeof loginAs>>;
  let operator: Awaited<ReturnType<typeof loginAs>>;
  const live: LiveEvent[] = [];
  const IOC_KEY = 'ioc-test-key-7f3a';

  beforeAll(async () => {
    t = await startTestHub(engine, { IOC_API_KEYS: IOC_KEY });
    people = await seedPeople(t.db);
    await importProvince(t.db, '33', path.resolve(__dirname, '../data/vn-admin/hung-yen-communes.geojson'));
    t.hub.understanding.invalidateAreas();
    admin = await loginAs(t.app, 'admin@test.vn');
    operator = await loginAs(t.app, 'op@test.vn');
    // Traffic goes to A province-wide; waste in Phố Hiến to B; anything on a national road ("quốc lộ") to B.
    for (const rule of [
      { categoryCode: 'giao-thong', agencyId: people.agencyA },
      { categoryCode: 'moi-truong', communeCode: '11953', agencyId: people.agencyB },
      { categoryCode: 'giao-thong', keyword: 'quốc lộ', agencyId: people.agencyB },
      { categoryCode: 'dien-chieu-sang', agencyId: people.agencyA },
      { categoryCode: 'an-ninh-trat-tu', agencyId: people.agencyB },
    ]) expect((await admin.post('/api/v1/routing/rules', rule)).status).toBe(201);
    t.hub.live.subscribe((e) => live.push(e));
  });
  afterAll(() => t.close());

  const ticket = async (code: string) => (await operator.get(`/api/v1/tickets/${code}`)).body;
  const report = async (body: Record<string, unknown>) => {
    const res = await submitReport(t.app, body);
    expect(res.status).toBe(201);
    await t.hub.settle();
    return ticket(res.body.code);
  };

  test('a report no rule routes gets its SLA clocks with its understanding: deadlines, next timer and events in order', async () => {
    const res = await submitReport(t.app, { text: 'Xin hỏi thủ tục gì đó chưa rõ, mong được hướng dẫn' });
    expect(res.status).toBe(201);
    await t.hub.settle();
    const [row] = await t.db.query<{ agency_id: number | null; understood_at: Date | null; sla_response_due_at: Date | null; sla_resolution_due_at: Date | null;
      sla_next_timer_at: Date | null; sla_state: { response: { dueAt: string } } | null; updated_at: Date }>('SELECT * FROM tickets WHERE code = $1', [res.body.code]);
    expect(row!.agency_id).toBeNull();
    expect(row!.understood_at).not.toBeNull();
    expect(row!.sla_response_due_at).not.toBeNull();
    expect(row!.sla_resolution_due_at!.getTime()).toBeGreaterThan(row!.sla_response_due_at!.getTime());
    expect(row!.sla_next_timer_at).not.toBeNull();
    expect(new Date(row!.sla_state!.response.dueAt).getTime()).toBe(row!.sla_response_due_at!.getTime());
    const events = await t.db.query<{ type: string; data: { clock?: string; dueAt?: string } }>(
      'SELECT e.type, e.data FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.code = $1 ORDER BY e.id', [res.body.code]);
    expect(events.map((e) => e.type + (e.data.clock ? `:${e.data.clock}` : ''))).toEqual(['created', 'understood', 'sla.started:response', 'sla.started:resolution']);
    expect(new Date(events[2]!.data.dueAt!).getTime()).toBe(row!.sla_response_due_at!.getTime());
  });

  test('a clear report with a point is classified, located in its commune and assigned by the rule, with the reasons on the ticket', async () => {
    const tk = await report({ text: 'Mặt đường Nguyễn Văn Linh có nhiều ổ gà sâu, xe máy đi qua bị xóc, tối qua có người ngã xe', location: { lat: 20.665, lng: 106.055 } });
    expect(tk).toMatchObject({ status: 'assigned', categoryCode: 'giao-thong', agencyId: people.agencyA, communeCode: '11953', reviewReasons: [] });
    expect(tk.classification).toMatchObject({ category: 'giao-thong' });
    expect(tk.classification.confidence).toBeGreaterThan(0.55);
    expect(tk.classification.terms.length).toBeGreaterThan(0);
    expect(tk.routing).toMatchObject({ agencyId: people.agencyA, level: 6, areaVia: 'point' });
    expect(tk.routing.areaDetail).toMatch(/Phố Hiến/);
    const types = tk.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(['created', 'understood', 'assign']));
    const assign = tk.events.find((e: { type: string }) => e.type === 'assign');
    expect(assign).toMatchObject({ actorKind: 'system', toStatus: 'assigned' });
  });

  test('a citizen on a messaging channel gets one acknowledgement naming the agency, not two messages', async () => {
    const res = await operator.post('/api/v1/tickets', { text: 'Đèn tín hiệu giao thông ở ngã tư Nguyễn Văn Linh hỏng từ sáng, xe cộ đi lộn xộn rất dễ va chạm', contact: { phone: '0912 345 678' } });
    expect(res.status).toBe(201);
    await t.hub.settle();
    const tk = await ticket(res.body.code);
    expect(tk).toMatchObject({ status: 'assigned', agencyId: people.agencyA });
    const outbound = tk.messages.filter((m: { direction: string }) => m.direction === 'outbound');
    expect(outbound).toHaveLength(1);
    expect(outbound[0].body).toMatch(/đã tiếp nhận phản ánh của bạn và chuyển đến Đơn vị A/);
  });

  test('an address typed without diacritics, and an old pre-2025 commune name, find the new commune', async () => {
    const a = await report({ text: 'rac thai do ra ven duong boc mui hoi thoi, ko ai thu gom ca tuan nay', address: 'ngo 3 phuong Le Loi, tp Hung Yen' });
    expect(a).toMatchObject({ categoryCode: 'moi-truong', communeCode: '11953', agencyId: people.agencyB });
    expect(a.routing.areaVia).toBe('old_name');
    const b = await report({ text: 'Bãi rác tự phát bốc mùi ở đầu thôn, đề nghị xã thu dọn', address: 'thôn 2, phuong son nam' });
    expect(b.communeCode).toBe('11983');
    expect(b.routing.areaVia).toBe('address');
  });

  test('a place name an admin maps to a commune (an estate, a village) locates reports that use it', async () => {
    expect((await admin.post('/api/v1/area-aliases', { alias: 'Khu đô thị Ecopark', communeCode: '12103' })).status).toBe(201);
    expect((await admin.post('/api/v1/area-aliases', { alias: 'Thôn Đông', communeCode: '99999' })).status).toBe(400);
    expect((await operator.post('/api/v1/area-aliases', { alias: 'Thôn Đông', communeCode: '12103' })).status).toBe(403);
    const tk = await report({ text: 'Rác thải sinh hoạt đổ bừa ven hồ, bốc mùi cả tuần nay', address: 'toa nha B2, khu do thi ecopark' });
    expect(tk.communeCode).toBe('12103');
    expect(tk.routing.areaVia).toBe('alias');
  });

  test('a keyword rule beats the province-wide rule for its category', async () => {
    const tk = await report({ text: 'Quốc lộ 39 đoạn qua cầu Triều Dương bị sụt lún, ổ gà rất nguy hiểm cho xe tải' });
    expect(tk).toMatchObject({ categoryCode: 'giao-thong', agencyId: people.agencyB, status: 'assigned' });
    expect(tk.routing.level).toBe(2);
  });

  test('what the classifier cannot decide waits in the operators\u2019 queue; the operator\u2019s correction becomes training data', async () => {
    const vague = 'vấn đề ở đầu ngõ nhà tôi';
    // Precondition on the shipped model: this text really is one it cannot place.
    expect(t.hub.understanding.classify(vague).confidence).toBeLessThan(t.hub.config.classifyConfidenceThreshold);
    const tk = await report({ text: vague });
    expect(tk.status).toBe('received');
    expect(tk.categoryCode).toBeNull();
    expect(tk.reviewReasons).toContain('low_confidence');
    const queue = await operator.get('/api/v1/tickets?needsReview=true&pageSize=100');
    expect(queue.status).toBe(200);
    expect(queue.body.items.map((i: { code: string }) => i.code)).toContain(tk.code);
    // The low-confidence queue has it; the probable-duplicates queue does not, and counts agree.
    const unsure = await operator.get('/api/v1/tickets?reviewReason=low_confidence&pageSize=100');
    expect(unsure.body.items.map((i: { code: string }) => i.code)).toContain(tk.code);
    expect(unsure.body.items.every((i: { reviewReasons: string[] }) => i.reviewReasons.includes('low_confidence'))).toBe(true);
    expect((await operator.get('/api/v1/tickets/counts?reviewReason=low_confidence')).body.total).toBe(unsure.body.total);
    expect((await operator.get('/api/v1/tickets?reviewReason=probable_duplicate&pageSize=100')).body.items.map((i: { code: string }) => i.code)).not.toContain(tk.code);
    expect((await operator.get('/api/v1/tickets?reviewReason=whatever')).status).toBe(400);
    expect((await operator.post(`/api/v1/tickets/${tk.code}/actions/triage`, { category: 'khac', priority: 'low' })).status).toBe(200);
    const rows = await t.db.query<{ predicted_category: string; corrected_category: string; corrected_priority: string; text: string }>(
      'SELECT f.* FROM classification_feedback f JOIN tickets t ON t.id = f.ticket_id WHERE t.code = $1', [tk.code]);
    expect(rows).toEqual([expect.objectContaining({ corrected_category: 'khac', corrected_priority: 'low', text: vague, predicted_category: tk.classification.category })]);
    // The queue no longer offers it as needing a first look.
    const after = await operator.get('/api/v1/tickets?needsReview=true&pageSize=100');
    expect(after.body.items.map((i: { code: string }) => i.code)).not.toContain(tk.code);
  });

  test('a second report of the same problem nearby is flagged as a probable duplicate, merged in one action, and both citizens hear the outcome', async () => {
    const first = await report({ text: 'Đèn đường trước số 25 Điện Biên bị hỏng 3 bóng, tối om rất nguy hiểm', location: { lat: 20.6565, lng: 106.0567 }, contact: { email: 'a.citizen@example.vn' } });
    expect(first.status).toBe('assigned');
    const second = await report({ text: 'den duong truoc so 25 dien bien hong 3 bong toi om', location: { lat: 20.6567, lng: 106.0569 }, contact: { email: 'b.citizen@example.vn' } });
    expect(second.status).toBe('received');
    expect(second.reviewReasons).toContain('probable_duplicate');
    expect(second.duplicateOfId).toBe(first.id);
    expect(second.duplicateScore).toBeGreaterThan(0.5);
    const dupes = await operator.get('/api/v1/tickets?reviewReason=probable_duplicate&pageSize=100');
    expect(dupes.body.items.map((i: { code: string }) => i.code)).toEqual(expect.arrayContaining([second.code]));
    expect(dupes.body.items.map((i: { code: string }) => i.code)).not.toContain(first.code);
    expect((await operator.post(`/api/v1/tickets/${second.code}/actions/merge`, { intoCode: first.code })).status).toBe(200);
    const staff = await loginAs(t.app, 'staff.a@test.vn');
    expect((await staff.post(`/api/v1/tickets/${first.code}/actions/accept`)).status).toBe(200);
    expect((await staff.post(`/api/v1/tickets/${first.code}/actions/resolve`, { resolution: 'Đã thay 3 bóng đèn LED.' })).status).toBe(200);
    await t.hub.settle();
    const merged = await ticket(second.code);
    expect(merged.status).toBe('merged');
    const outcome = merged.messages.filter((m: { direction: string; body: string }) => m.direction === 'outbound' && /Đã thay 3 bóng đèn LED/.test(m.body));
    expect(outcome).toHaveLength(1);
  });

  test('danger now is urgent and flagged live to the operators at once', async () => {
    live.length = 0;
    const tk = await report({ text: 'Cháy lớn tại kho hàng cạnh chợ Phố Hiến, khói đen mù mịt, có người còn mắc kẹt bên trong!!!' });
    expect(tk.priority).toBe('urgent');
    const flagged = live.filter((e) => e.type === 'ticket.urgent');
    expect(flagged).toHaveLength(1);
    expect(flagged[0]!.ticket.code).toBe(tk.code);
    expect(flagged[0]!.signals!.length).toBeGreaterThan(0);
    expect(JSON.stringify(flagged[0])).not.toMatch(/@|\+84/);
    // Kept as a notice for every operator and supervisor, read and cleared through the API.
    const notices = await operator.get('/api/v1/notifications?unread=true');
    const mine = notices.body.items.filter((n: { ticketCode: string; kind: string }) => n.ticketCode === tk.code && n.kind === 'ticket.urgent');
    expect(mine).toHaveLength(1);
    expect((await operator.post(`/api/v1/notifications/${mine[0].id}/read`)).status).toBe(200);
    expect((await operator.post(`/api/v1/notifications/${mine[0].id}/read`)).status).toBe(404);
    const staff = await loginAs(t.app, 'staff.b@test.vn');
    expect((await staff.get('/api/v1/notifications')).body.items.filter((n: { ticketCode: string }) => n.ticketCode === tk.code)).toHaveLength(0);
  });

  test('a category the citizen chose is kept; automatic triage runs once even if the job runs again', async () => {
    const tk = await report({ text: 'Ổ gà lớn trước cổng trường', category: 'giao-thong' });
    expect(tk.categoryCode).toBe('giao-thong');
    expect(await t.hub.triage.understand(tk.code)).toBeNull();
    const understood = (await ticket(tk.code)).events.filter((e: { type: string }) => e.type === 'understood');
    expect(understood).toHaveLength(1);
  });

  describe('routing rules API', () => {
    test('admins create, change and delete rules; every change is in the audit trail with before and after', async () => {
      const created = await admin.post('/api/v1/routing/rules', { categoryCode: 'y-te', keyword: 'Ngộ độc', agencyId: people.agencyA, note: 'ngộ độc thực phẩm' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ categoryCode: 'y-te', keyword: 'ngo doc', agencyId: people.agencyA, precedence: 100, active: true });
      const id = created.body.id as number;
      const patched = await admin.patch(`/api/v1/routing/rules/${id}`, { agencyId: people.agencyB, precedence: 10 });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ agencyId: people.agencyB, precedence: 10, keyword: 'ngo doc' });
      const preview = await operator.post('/api/v1/routing/preview', { text: 'Cả lớp bị ngộ độc sau bữa trưa', categoryCode: 'y-te' });
      expect(preview.status).toBe(200);
      expect(preview.body.routing).toMatchObject({ agencyId: people.agencyB, ruleId: id });
      expect((await admin.del(`/api/v1/routing/rules/${id}`)).status).toBe(204);
      const audit = await admin.get(`/api/v1/routing/audit?ruleId=${id}`);
      expect(audit.body.entries.map((e: { action: string }) => e.action)).toEqual(['deleted', 'updated', 'created']);
      expect(audit.body.entries[1]).toMatchObject({ before: { agencyId: people.agencyA }, after: { agencyId: people.agencyB } });
      expect(audit.body.entries.every((e: { staffId: number }) => e.staffId === people.ids.admin)).toBe(true);
      expect((await admin.patch(`/api/v1/routing/rules/${id}`, { precedence: 1 })).status).toBe(404);
    });

    test('bad rules are refused with a clear message; only admins may edit, operators may read', async () => {
      const bad = [
        [{ categoryCode: 'khong-co', agencyId: people.agencyA }, 'unknown_category'],
        [{ communeCode: '99999', agencyId: people.agencyA }, 'unknown_commune'],
        [{ categoryCode: 'y-te', agencyId: 999999 }, 'unknown_agency'],
        [{ categoryCode: 'y-te' }, 'validation_failed'],
        [{ categoryCode: 'y-te', agencyId: people.agencyA, colour: 'red' }, 'validation_failed'],
      ] as const;
      for (const [body, code] of bad) {
        const res = await admin.post('/api/v1/routing/rules', body);
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe(code);
        expect(res.body.error.message).toBeTruthy();
        expect(res.body.error.messageEn).toBeTruthy();
      }
      expect((await operator.post('/api/v1/routing/rules', { categoryCode: 'y-te', agencyId: people.agencyA })).status).toBe(403);
      expect((await operator.get('/api/v1/routing/rules')).status).toBe(200);
      const staff = await loginAs(t.app, 'staff.a@test.vn');
      expect((await staff.get('/api/v1/routing/rules')).status).toBe(403);
    });
  });

  test('POST /api/v1/classify answers staff and the IOC key, and nobody else', async () => {
    const text = 'Nuoc may nha minh mat 3 ngay roi, goi cong ty nuoc ko ai nghe may';
    const byKey = await supertest(t.app).post('/api/v1/classify').set('authorization', `Bearer ${IOC_KEY}`).send({ text });
    expect(byKey.status).toBe(200);
    expect(byKey.body).toMatchObject({ category: 'cap-thoat-nuoc', priority: expect.any(String), explanation: { terms: expect.any(Array) } });
    expect(byKey.body.confidence).toBeGreaterThan(0);
    expect((await operator.post('/api/v1/classify', { text })).status).toBe(200);
    expect((await supertest(t.app).post('/api/v1/classify').send({ text })).status).toBe(401);
    expect((await supertest(t.app).post('/api/v1/classify').set('authorization', 'Bearer wrong').send({ text })).status).toBe(401);
    expect((await supertest(t.app).post('/api/v1/classify').set('authorization', `Bearer ${IOC_KEY}`).send({ text: '' })).status).toBe(400);
  });
});
