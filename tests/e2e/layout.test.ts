import path from 'node:path';
import type { Page } from 'playwright-core';
import { loginAs, submitReport, type TestHub } from '../helpers/hub';
import { SHOTS, startBrowserHub, type BrowserHub, type Viewport } from './harness';

/**
 * The console's polish in a real browser: the Overview in English with nothing open (empty map);
 * every main screen usable on a tablet (768×1024 and 1024×768: no sideways page scroll, the menu
 * reachable, wide tables scrolling inside their own box); queue rows updated in place by live
 * refreshes; agency staff seeing their colleagues by name. Screenshots: test-artifacts/console/.
 */
const TABLETS: { name: string; viewport: Viewport }[] = [
  { name: 'portrait', viewport: { width: 768, height: 1024 } },
  { name: 'landscape', viewport: { width: 1024, height: 768 } },
];

/** Width facts of the page, read in the browser (a string: this file is compiled without the DOM library). */
type Fit = { scrollWidth: number; innerWidth: number; navRight: number; logoutRight: number; overflowing: string[] };
const FIT = `(() => {
  const w = window.innerWidth;
  const right = (id) => { const e = document.querySelector('[data-testid=' + id + ']'); return e ? e.getBoundingClientRect().right : -1; };
  // Elements that stick out of the window although nothing should (tables scroll inside .table-box).
  const overflowing = [...document.querySelectorAll('main *')]
    .filter((e) => !e.closest('.table-box') && e.getBoundingClientRect().right > w + 1)
    .slice(0, 5).map((e) => e.tagName + '.' + e.className + '[' + (e.getAttribute('data-testid') || '') + ']');
  return { scrollWidth: document.scrollingElement.scrollWidth, innerWidth: w, navRight: right('nav-admin'), logoutRight: right('logout'), overflowing };
})()`;

describe('console layout, language and live polish (browser, pglite)', () => {
  let h: BrowserHub;
  let t: TestHub;
  let code: string;

  beforeAll(async () => {
    h = await startBrowserHub();
    t = h.t;
  }, 180_000);

  afterAll(async () => {
    await h?.close();
  }, 60_000);

  /** Errors the page itself raised, and console errors other than the browser's own favicon request. */
  function watchErrors(page: Page): string[] {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error' && !m.location().url.includes('favicon')) errors.push(`console: ${m.text()}`); });
    return errors;
  }

  test('the Overview in English with no open reports: every tile, an empty map, no errors', async () => {
    const page = await h.login('sup@test.vn');
    const errors = watchErrors(page);
    await page.getByTestId('lang-switch').click();
    await page.waitForFunction("document.documentElement.lang === 'en'");
    await page.getByTestId('nav-overview').click();
    await page.getByTestId('overview').waitFor();
    await expect(page.locator('[data-testid=overview] h2').textContent()).resolves.toBe('Overview');
    await expect(page.getByTestId('map-empty').textContent()).resolves.toContain('No administrative outlines');
    await expect(page.getByTestId('overview-map').getAttribute('data-points')).resolves.toBe('0');
    // This runs first, before any report exists (the API says so): zeros, rates not measured, empty charts.
    const sup = await loginAs(t.app, 'sup@test.vn');
    const totals = (await sup.get(`/api/v1/dashboard?from=${await page.getByTestId('overview').getAttribute('data-from')}`)).body.summary.totals as { open: number; received: number };
    await expect(page.locator('[data-testid=tile-open] [data-testid=tile-value]').textContent()).resolves.toBe(String(totals.open));
    if (totals.received === 0) {
      await expect(page.locator('[data-testid=tile-onTimeRate] [data-testid=tile-value]').textContent()).resolves.toBe('—');
      await expect(page.getByTestId('chart-channel-empty').textContent()).resolves.toBe('No figures for this period yet.');
      await expect(page.getByTestId('chart-agency-empty').textContent()).resolves.toBe('No figures for this period yet.');
    }
    await page.getByTestId('period-7').click();
    await page.locator('[data-testid=overview][data-days="7"]').waitFor();
    await page.screenshot({ path: path.join(SHOTS, '40-overview-en-empty.png'), fullPage: true });
    expect(errors).toEqual([]);
  }, 60_000);

  test('queue rows are updated in place by a live refresh: the row being looked at is the same element afterwards', async () => {
    const first = await submitReport(t.app, { text: 'Ổ gà lớn giữa đường liên xã, xe máy dễ ngã' });
    code = first.body.code as string;
    await t.hub.settle();
    const page = await h.login('op@test.vn');
    const row = page.locator(`[data-testid=ticket-row][data-code="${code}"]`);
    await row.waitFor();
    // A mark on the DOM node: a re-created row would not carry it.
    await page.evaluate(`document.querySelector('[data-testid=ticket-row][data-code="${code}"]').dataset.seen = 'yes'`);
    const second = await submitReport(t.app, { text: 'Rác thải tồn đọng nhiều ngày ở chợ, bốc mùi hôi thối' });
    await t.hub.settle();
    await page.locator(`[data-testid=ticket-row][data-code="${second.body.code as string}"]`).waitFor();
    await expect(row.getAttribute('data-seen')).resolves.toBe('yes');
    // And it still opens its ticket.
    await row.click();
    await page.locator(`[data-testid=ticket-view][data-code="${code}"]`).waitFor();
  }, 60_000);

  test('agency staff see colleagues and the 1022 centre by name in the timeline, never as numbers', async () => {
    const op = await loginAs(t.app, 'op@test.vn');
    const tk = (await op.get(`/api/v1/tickets/${code}`)).body as { status: string };
    if (tk.status === 'received') expect((await op.post(`/api/v1/tickets/${code}/actions/triage`, { category: 'giao-thong', priority: 'normal' })).status).toBe(200);
    expect((await op.post(`/api/v1/tickets/${code}/actions/assign`, { agencyId: h.people.agencyA })).status).toBe(200);
    const colleague = await loginAs(t.app, 'staff2.a@test.vn');
    expect((await colleague.post(`/api/v1/tickets/${code}/actions/accept`, {})).status).toBe(200);
    expect((await colleague.post(`/api/v1/tickets/${code}/messages`, { body: 'Đã cử tổ kiểm tra hiện trường.', visibility: 'internal' })).status).toBe(201);
    await t.hub.settle();

    const page = await h.login('staff.a@test.vn');
    await page.goto(`${h.base}/console/tickets/${code}`);
    const timeline = page.getByTestId('timeline');
    await timeline.waitFor();
    await expect(timeline.textContent()).resolves.toContain('staff2.a@test.vn');
    await expect(timeline.textContent()).resolves.toContain('op@test.vn');
    expect(await timeline.textContent()).not.toMatch(/Cán bộ #\d+/);
    await expect(page.getByTestId('ticket-assignee').textContent()).resolves.toBe('staff2.a@test.vn');
  }, 60_000);

  test('on a tablet, portrait and landscape, every main screen fits the width and the menu stays reachable', async () => {
    const screens: { name: string; url: string; ready: string }[] = [
      { name: 'queues', url: '/console/', ready: '[data-testid=ticket-table]' },
      { name: 'ticket', url: `/console/tickets/${code}`, ready: '[data-testid=timeline]' },
      { name: 'phone', url: '/console/phone', ready: '[data-testid=phone-form]' },
      { name: 'overview', url: '/console/overview', ready: '[data-testid=overview]' },
      { name: 'admin-users', url: '/console/admin/users', ready: '[data-testid=user-list]' },
      { name: 'admin-categories', url: '/console/admin/categories', ready: '[data-testid=category-list]' },
      { name: 'admin-agencies', url: '/console/admin/agencies', ready: '[data-testid=agency-list]' },
      { name: 'admin-routing', url: '/console/admin/routing', ready: '[data-testid=preview-form]' },
      { name: 'admin-aliases', url: '/console/admin/aliases', ready: '[data-testid=alias-form]' },
      { name: 'admin-sla', url: '/console/admin/sla', ready: '[data-testid=policy-defaults]' },
      { name: 'admin-calendar', url: '/console/admin/calendar', ready: '[data-testid=cal-grid]' },
      { name: 'admin-channels', url: '/console/admin/channels', ready: '[data-testid=channel-list]' },
    ];
    const problems: string[] = [];
    for (const { name, viewport } of TABLETS) {
      const page = await h.login('admin@test.vn', viewport);
      const errors = watchErrors(page);
      for (const s of screens) {
        await page.goto(`${h.base}${s.url}`);
        await page.locator(s.ready).first().waitFor();
        const fit = await page.evaluate<Fit>(FIT);
        const where = `${name} ${viewport.width}×${viewport.height} ${s.name}`;
        if (fit.scrollWidth > fit.innerWidth) problems.push(`${where}: page scrolls sideways (${fit.scrollWidth} > ${fit.innerWidth}) ${fit.overflowing.join(', ')}`);
        if (fit.navRight < 0 || fit.navRight > fit.innerWidth) problems.push(`${where}: the Administration link is off screen (${fit.navRight})`);
        if (fit.logoutRight < 0 || fit.logoutRight > fit.innerWidth) problems.push(`${where}: the logout button is off screen (${fit.logoutRight})`);
        await page.screenshot({ path: path.join(SHOTS, `50-tablet-${viewport.width}x${viewport.height}-${s.name}.png`), fullPage: true });
      }
      // The menu works by touch-sized taps too: from the last screen back to the queues.
      await page.getByTestId('nav-queues').click();
      await page.getByTestId('ticket-table').waitFor();
      expect(errors).toEqual([]);
    }
    expect(problems).toEqual([]);
  }, 180_000);
});
