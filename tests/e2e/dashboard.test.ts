import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { DATA_DIR, importProvince } from '../../src/admin-units/import';
import { loginAs, type TestHub } from '../helpers/hub';
import { SHOTS, startBrowserHub, type BrowserHub } from './harness';

/**
 * The supervisors' Overview (and wall screen) in a real browser: Hưng Yên's communes are imported so
 * the map has outlines; reports with coordinates come in over several channels; the tiles must show
 * the API's numbers, the map one point per open located report, and agency roles must not get in.
 */
const PROVINCE = '33';
const BOUNDARIES = path.join(DATA_DIR, 'vn-admin/hung-yen-communes.geojson');

type Feature = { properties: { code: string }; bbox: [number, number, number, number] };

describe('overview dashboard (browser, pglite)', () => {
  let h: BrowserHub;
  let t: TestHub;

  beforeAll(async () => {
    h = await startBrowserHub();
    t = h.t;
    await importProvince(t.db, PROVINCE, BOUNDARIES);
  }, 180_000);

  afterAll(async () => {
    await h?.close();
  }, 60_000);

  /** The centre of a commune's bounding box: inside the province, usually inside the commune. */
  function centreOf(index: number): { lat: number; lng: number } {
    const features = (JSON.parse(fs.readFileSync(BOUNDARIES, 'utf8')) as { features: Feature[] }).features;
    const [w, s, e, n] = features[index % features.length]!.bbox;
    return { lat: (s + n) / 2, lng: (w + e) / 2 };
  }

  const tile = (page: Page, key: string) => page.getByTestId(`tile-${key}`);

  test('a supervisor sees the API figures, the channel chart, the map and opens a ticket from it; wall mode fills the screen', async () => {
    const reports = [
      { channel: 'zalo' as const, text: 'Đèn đường hỏng cả tuần nay ở đầu thôn, buổi tối rất tối', identities: [{ kind: 'zalo' as const, value: '7000000000000001' }] },
      { channel: 'web' as const, text: 'Rác thải tồn đọng nhiều ngày ở chợ, bốc mùi hôi thối', contact: { phone: '0912000201' } },
      { channel: 'web' as const, text: 'Ổ gà lớn giữa đường liên xã, xe máy dễ ngã', contact: { phone: '0912000202' } },
      { channel: 'sms' as const, text: 'Cống thoát nước bị tắc, nước tràn lên đường mỗi khi mưa', contact: { phone: '0912000203' } },
      { channel: 'phone' as const, text: 'Cây xanh đổ chắn ngang vỉa hè sau trận mưa lớn', contact: { phone: '0912000204' } },
    ];
    const codes: string[] = [];
    for (const [i, r] of reports.entries()) {
      const { ticket } = await t.hub.intake.submit({ ...r, location: centreOf(i * 17) });
      codes.push(ticket.code);
    }
    // One without coordinates: counted in the tiles, not on the map.
    const { ticket: unlocated } = await t.hub.intake.submit({ channel: 'email', text: 'Tiếng ồn từ xưởng gỗ kéo dài đến nửa đêm', contact: { email: 'dan@example.vn' } });
    await t.hub.settle();

    // One located report is worked to resolution: it leaves the map and gives the rates something to count.
    const op = await loginAs(t.app, 'op@test.vn');
    const staffA = await loginAs(t.app, 'staff.a@test.vn');
    const done = codes[0]!;
    expect((await op.post(`/api/v1/tickets/${done}/actions/assign`, { agencyId: h.people.agencyA })).status).toBe(200);
    expect((await staffA.post(`/api/v1/tickets/${done}/actions/accept`, {})).status).toBe(200);
    expect((await staffA.post(`/api/v1/tickets/${done}/actions/resolve`, { resolution: 'Đã thay bóng đèn đường ở đầu thôn.' })).status).toBe(200);
    await t.hub.settle();
    const openLocated = codes.slice(1);
    // One open report past its deadline (set directly: SLA calendars are not what this test is about).
    const late = openLocated[0]!;
    await t.db.query(`UPDATE tickets SET sla_resolution_due_at = now() - interval '2 hours' WHERE code = $1`, [late]);

    const page = await h.login('sup@test.vn');
    await page.getByTestId('nav-overview').click();
    const overview = page.getByTestId('overview');
    await overview.waitFor();
    const from = await overview.getAttribute('data-from');
    expect(from).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    const sup = await loginAs(t.app, 'sup@test.vn');
    const res = await sup.get(`/api/v1/dashboard?from=${from}`);
    expect(res.status).toBe(200);
    const summary = res.body.summary as {
      totals: { received: number; open: number; overdue: number }; byChannel: Record<string, number>;
      sla: { onTimeRate: number | null }; kpi: { overall: { processedRate: number | null } };
      satisfaction: { satisfiedRate: number | null; averageScore: number | null };
    };
    expect(summary.totals.received).toBe(reports.length + 1);
    expect(summary.totals.open).toBe(reports.length);
    expect(summary.totals.overdue).toBe(1);

    // Tiles: the same numbers as the API; counts as plain numbers, rates as % or "—".
    const counts = { received: summary.totals.received, open: summary.totals.open, overdue: summary.totals.overdue };
    for (const [key, n] of Object.entries(counts)) {
      await expect(tile(page, key).getAttribute('data-value')).resolves.toBe(String(n));
      await expect(tile(page, key).getByTestId('tile-value').textContent()).resolves.toBe(String(n));
    }
    const rates = {
      onTimeRate: summary.sla.onTimeRate, processedRate: summary.kpi.overall.processedRate,
      satisfiedRate: summary.satisfaction.satisfiedRate, averageScore: summary.satisfaction.averageScore,
    };
    for (const [key, r] of Object.entries(rates)) {
      await expect(tile(page, key).getAttribute('data-value')).resolves.toBe(r === null ? '' : String(r));
      const text = await tile(page, key).getByTestId('tile-value').textContent();
      if (r === null) expect(text).toBe('—');
      else if (key === 'averageScore') expect(text).toMatch(/^\d/);
      else expect(text).toMatch(/^\d+([.,]\d)?\s?%$/);
    }
    // The resolved report makes the processed rate a real percentage: 1 of 6.
    expect(summary.kpi.overall.processedRate).toBeCloseTo(1 / 6, 5);

    // Channel chart: one bar per channel that has reports, with the API's count.
    const withReports = Object.entries(summary.byChannel).filter(([, n]) => n > 0);
    expect(withReports.map(([c]) => c).sort()).toEqual(['email', 'phone', 'sms', 'web', 'zalo']);
    const bars = page.locator('[data-testid=chart-channel] [data-testid=chart-channel-bar]');
    await expect(bars.count()).resolves.toBe(withReports.length);
    for (const [channel, n] of withReports) {
      await expect(page.locator(`[data-testid=chart-channel-bar][data-key=${channel}]`).getAttribute('data-value')).resolves.toBe(String(n));
    }
    await expect(page.locator('[data-testid=chart-daily-line][data-key=received]').getAttribute('data-total')).resolves.toBe(String(reports.length + 1));
    expect(await page.locator('[data-testid=chart-channel] title').first().textContent()).toBeTruthy();
    expect(await page.locator('[data-testid=chart-channel] desc').textContent()).toContain('Zalo: 1');

    // Map: every commune ring drawn, one point per open located report (not the resolved one, not the unlocated one).
    const map = (await sup.get('/api/v1/dashboard/map')).body as { communes: { rings: unknown[] }[]; open: { code: string }[] };
    const rings = map.communes.reduce((n, c) => n + c.rings.length, 0);
    expect(map.communes.length).toBeGreaterThan(100);
    await expect(page.getByTestId('map-ring').count()).resolves.toBe(rings);
    const points = page.getByTestId('map-point');
    await expect(points.count()).resolves.toBe(openLocated.length);
    expect((await points.evaluateAll((els) => els.map((e) => e.getAttribute('data-code')))).sort()).toEqual([...openLocated].sort());
    expect(map.open.map((p) => p.code).sort()).toEqual([...openLocated].sort());
    expect(await page.locator(`[data-testid=map-point][data-code="${done}"]`).count()).toBe(0);
    expect(await page.locator(`[data-testid=map-point][data-code="${unlocated.code}"]`).count()).toBe(0);
    const latePoint = page.locator(`[data-testid=map-point][data-code="${late}"]`);
    await expect(latePoint.getAttribute('data-overdue')).resolves.toBe('true');
    await expect(latePoint.getAttribute('class')).resolves.toContain('overdue-point');
    await expect(latePoint.locator('title').textContent()).resolves.toContain(late);
    expect(await page.locator('[data-testid=map-point][data-overdue=true]').count()).toBe(1);
    await page.getByTestId('map-legend').waitFor();
    await h.shot(page, '10-overview');

    // A new report arrives live: the wall refreshes without a reload.
    await t.hub.intake.submit({ channel: 'zalo', text: 'Nước sinh hoạt bị mất từ sáng đến giờ chưa có lại', identities: [{ kind: 'zalo', value: '7000000000000009' }], location: centreOf(3) });
    await t.hub.settle();
    await page.locator(`[data-testid=tile-received][data-value="${reports.length + 2}"]`).waitFor({ timeout: 15_000 });
    await expect(page.getByTestId('map-point').count()).resolves.toBe(openLocated.length + 1);

    // Wall mode: the overview covers the whole window, header included; Escape leaves it.
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.getByTestId('wall-toggle').click();
    await page.locator('[data-testid=overview][data-wall=on]').waitFor();
    const box = await overview.boundingBox();
    expect(box).toEqual({ x: 0, y: 0, width: 1920, height: 1080 });
    // Evaluated in the page (a string: this file is compiled without the DOM library).
    const onTop = await page.evaluate<boolean>("document.elementFromPoint(10, 10)?.closest('[data-testid=overview]') !== null");
    expect(onTop).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, '11-wall-mode.png') });
    await page.keyboard.press('Escape');
    await page.locator('[data-testid=overview][data-wall=off]').waitFor();

    // A point opens its ticket.
    const target = openLocated[1]!;
    await page.locator(`[data-testid=map-point][data-code="${target}"]`).click();
    await page.locator(`[data-testid=ticket-view][data-code="${target}"]`).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/console/tickets/${target}`);
    // The ticket view draws the report's point, inside its commune's outline when the commune is known.
    await page.getByTestId('location-point').waitFor();
    const commune = (await t.db.query<{ c: string | null }>('SELECT commune_code AS c FROM tickets WHERE code = $1', [target]))[0]!.c;
    if (commune) await page.locator('[data-testid=location-map]:not([data-rings="0"])').waitFor();
    await page.screenshot({ path: path.join(SHOTS, '12-ticket-location.png') });
  }, 180_000);

  test('the period selector asks for 7 days from 6 days ago (Viet Nam dates)', async () => {
    const page = await h.login('admin@test.vn');
    await page.goto(`${h.base}/console/overview`);
    await page.locator('[data-testid=overview][data-days="30"]').waitFor();
    const asked = page.waitForRequest((r) => r.url().includes('/api/v1/dashboard?from='));
    await page.getByTestId('period-7').click();
    const url = new URL((await asked).url());
    const expected = new Date(Date.now() - 6 * 86_400_000).toLocaleDateString('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' });
    expect(url.searchParams.get('from')).toBe(expected);
    await page.locator(`[data-testid=overview][data-days="7"][data-from="${expected}"]`).waitFor();
    await expect(page.getByTestId('period-7').getAttribute('aria-pressed')).resolves.toBe('true');
  }, 60_000);

  test('agency staff have no Overview link and get the 403 message at its URL', async () => {
    const page = await h.login('staff.a@test.vn');
    await page.getByTestId('nav-queues').waitFor();
    expect(await page.getByTestId('nav-overview').count()).toBe(0);
    await page.goto(`${h.base}/console/overview`);
    const err = page.locator('[data-testid=overview-error][data-status="403"]');
    await err.waitFor();
    await expect(err.textContent()).resolves.toContain('không có quyền');
    expect(await page.getByTestId('overview').count()).toBe(0);
  }, 60_000);
});
