import path from 'node:path';
import supertest from 'supertest';
import { DATA_DIR, importProvince } from '../src/admin-units/import';
import { loginAs, seedPeople, startTestHub, submitReport, type TestHub } from './helpers/hub';

/** The supervisors' dashboard data: the IOC numbers for staff sessions, and the map, scoped by role. */
describe('dashboard API', () => {
  let t: TestHub;
  let people: Awaited<ReturnType<typeof seedPeople>>;
  beforeAll(async () => {
    t = await startTestHub('pglite', { IOC_API_KEYS: 'dash-key' });
    people = await seedPeople(t.db);
  });
  afterAll(async () => { await t.close(); });

  test('supervisors get the same summary as the IOC feed, with daily series; agency roles and strangers do not', async () => {
    await submitReport(t.app, { text: 'Đèn tín hiệu giao thông ngã tư hỏng', location: { lat: 20.65, lng: 106.05 } });
    await t.hub.settle();
    const sup = await loginAs(t.app, 'sup@test.vn');
    const mine = await sup.get('/api/v1/dashboard?from=2026-10-01&to=2026-12-01');
    expect(mine.status).toBe(200);
    const ioc = await supertest(t.app).get(`/api/v1/ioc/summary?from=${mine.body.summary.from}&to=${mine.body.summary.to}`).set('Authorization', 'Bearer dash-key');
    const strip = (s: Record<string, unknown>) => ({ ...s, asOf: null });
    expect(strip(mine.body.summary)).toEqual(strip(ioc.body));
    expect(mine.body.series.received).toHaveLength(61);
    expect(mine.body.series.received.reduce((n: number, p: { value: number }) => n + p.value, 0)).toBe(mine.body.summary.totals.received);
    expect((await (await loginAs(t.app, 'staff.a@test.vn')).get('/api/v1/dashboard')).status).toBe(403);
    expect((await (await loginAs(t.app, 'lead.a@test.vn')).get('/api/v1/dashboard')).status).toBe(403);
    expect((await supertest(t.app).get('/api/v1/dashboard')).status).toBe(401);
    expect((await sup.get('/api/v1/dashboard?from=garbage')).status).toBe(400);
  });

  test('the map shows open reports with coordinates; an agency lead sees their agency only; no personal data', async () => {
    const sub = await submitReport(t.app, { text: 'Cây đổ trên đường Nguyễn Văn Linh', location: { lat: 20.66, lng: 106.06 }, contact: { name: 'Lê Văn Bản Đồ', phone: '0913777888' } });
    await t.hub.settle();
    const op = await loginAs(t.app, 'op@test.vn');
    const map = (await op.get('/api/v1/dashboard/map')).body;
    expect(map.open.some((p: { code: string; lat: number }) => p.code === sub.body.code && p.lat === 20.66)).toBe(true);
    expect(JSON.stringify(map)).not.toMatch(/Bản Đồ|0913777888|Nguyễn Văn Linh/);
    const lead = await loginAs(t.app, 'lead.a@test.vn');
    expect((await lead.get('/api/v1/dashboard/map')).body.open.some((p: { code: string }) => p.code === sub.body.code)).toBe(false);
    const tk = (await op.get(`/api/v1/tickets/${sub.body.code}`)).body;
    if (tk.status === 'received') expect((await op.post(`/api/v1/tickets/${sub.body.code}/actions/triage`, { category: 'cay-xanh', priority: 'normal' })).status).toBe(200);
    expect((await op.post(`/api/v1/tickets/${sub.body.code}/actions/assign`, { agencyId: people.agencyA })).status).toBe(200);
    expect((await lead.get('/api/v1/dashboard/map')).body.open.map((p: { code: string }) => p.code)).toContain(sub.body.code);
    expect((await (await loginAs(t.app, 'staff.a@test.vn')).get('/api/v1/dashboard/map')).status).toBe(403);
  });

  test("a commune's outline for the ticket view's map: public, simplified, 400/404 on bad or unknown codes", async () => {
    expect((await supertest(t.app).get('/api/v1/admin-units/abc/outline')).status).toBe(400);
    expect((await supertest(t.app).get('/api/v1/admin-units/11983/outline')).status).toBe(404);
    await importProvince(t.db, '33', path.join(DATA_DIR, 'vn-admin/hung-yen-communes.geojson'));
    const res = await supertest(t.app).get('/api/v1/admin-units/11983/outline');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ code: '11983', name: expect.stringContaining('Sơn Nam') });
    const points = (res.body.rings as number[][][]).flat();
    expect(points.length).toBeGreaterThan(10);
    // Hưng Yên lies around 20.5–21 N, 105.9–106.6 E.
    for (const [lng, lat] of points) expect(lng! > 105.5 && lng! < 107 && lat! > 20 && lat! < 21.5).toBe(true);
    expect(JSON.stringify(res.body).length).toBeLessThan(20_000);
  });
});
