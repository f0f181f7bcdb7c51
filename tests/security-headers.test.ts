import fs from 'node:fs';
import path from 'node:path';
import supertest from 'supertest';
import type { Page } from 'playwright-core';
import { CONSOLE_DIR } from '../src/http/console';
import { PORTAL_DIR } from '../src/http/app';
import { seedPeople, startTestHub, submitReport, type TestHub } from './helpers/hub';
import { ensureConsoleBuilt, startBrowserHub, type BrowserHub } from './e2e/harness';

/**
 * Security headers on every kind of response, the session cookie's attributes, and the pages
 * actually working under the Content-Security-Policy in a real browser (no violation reported).
 */

function directives(csp: string | undefined): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const part of (csp ?? '').split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) m.set(name.toLowerCase(), values);
  }
  return m;
}

function expectSecurityHeaders(res: supertest.Response, what: string, https = false): void {
  const h = res.headers;
  const csp = directives(h['content-security-policy']);
  const context = `${what} (${res.status})`;
  expect({ context, csp: h['content-security-policy'] !== undefined }).toEqual({ context, csp: true });
  expect({ context, script: csp.get('script-src') }).toEqual({ context, script: ["'self'"] });
  expect({ context, scriptAttr: csp.get('script-src-attr') }).toEqual({ context, scriptAttr: ["'none'"] });
  expect({ context, style: csp.get('style-src') }).toEqual({ context, style: ["'self'"] });
  expect({ context, def: csp.get('default-src') }).toEqual({ context, def: ["'self'"] });
  expect({ context, frames: csp.get('frame-ancestors') }).toEqual({ context, frames: ["'none'"] });
  expect({ context, object: csp.get('object-src') }).toEqual({ context, object: ["'none'"] });
  expect({ context, base: csp.get('base-uri') }).toEqual({ context, base: ["'self'"] });
  expect({ context, upgrade: csp.has('upgrade-insecure-requests') }).toEqual({ context, upgrade: https });
  expect({ context, hsts: h['strict-transport-security'] !== undefined }).toEqual({ context, hsts: https });
  expect({ context, v: h['x-content-type-options'] }).toEqual({ context, v: 'nosniff' });
  expect({ context, v: h['x-frame-options'] }).toEqual({ context, v: 'DENY' });
  expect({ context, v: h['referrer-policy'] }).toEqual({ context, v: 'no-referrer' });
  expect({ context, v: h['cross-origin-opener-policy'] }).toEqual({ context, v: 'same-origin' });
  expect({ context, v: h['permissions-policy'] }).toEqual({ context, v: expect.stringContaining('camera=()') });
  expect({ context, v: h['x-powered-by'] }).toEqual({ context, v: undefined });
}

describe('security headers on every kind of response (http)', () => {
  let t: TestHub;
  let tracked: { code: string; trackingToken: string };
  beforeAll(async () => {
    ensureConsoleBuilt();
    t = await startTestHub('pglite', { OPEN311_API_KEYS: 'o311-key', RATE_LIMIT_TRACKING_PER_MINUTE: '1' }, { start: false });
    tracked = (await submitReport(t.app)).body;
  }, 180_000);
  afterAll(async () => { await t.close(); });

  const asset = () => {
    const file = fs.readdirSync(path.join(CONSOLE_DIR, 'assets')).find((f) => f.endsWith('.js'));
    return `/console/assets/${file}`;
  };

  test.each([
    ['portal', (a: supertest.Agent) => a.get('/'), 200],
    ['tracking page', (a: supertest.Agent) => a.get('/track/PA-2611-4K7QZ'), 200],
    ['console page', (a: supertest.Agent) => a.get('/console/'), 200],
    ['console deep link', (a: supertest.Agent) => a.get('/console/overview'), 200],
    ['console redirect', (a: supertest.Agent) => a.get('/console'), 301],
    ['transparency page', (a: supertest.Agent) => a.get('/cong-khai'), 200],
    ['survey page', (a: supertest.Agent) => a.get('/danh-gia/abcdefghijklmnopqrst'), 200],
    ['API docs', (a: supertest.Agent) => a.get('/api/docs'), 200],
    ['API 404', (a: supertest.Agent) => a.get('/api/v1/no-such-thing'), 404],
    ['API 400', (a: supertest.Agent) => a.post('/api/v1/reports').send({ channel: 'fax' }), 400],
    ['API 400 (broken JSON)', (a: supertest.Agent) => a.post('/api/v1/reports').set('content-type', 'application/json').send('{"channel":'), 400],
    ['API 401', (a: supertest.Agent) => a.get('/api/v1/tickets'), 401],
    ['API 413', (a: supertest.Agent) => a.post('/api/v1/reports').send({ channel: 'web', text: 'a'.repeat(1_100_000) }), 413],
    ['Open311 XML error', (a: supertest.Agent) => a.get('/open311/v2/requests/PA-0000-XXXXX.xml'), 404],
    ['static file', (a: supertest.Agent) => a.get('/portal.css'), 200],
    ['static script', (a: supertest.Agent) => a.get('/portal.js'), 200],
    ['console asset', (a: supertest.Agent) => a.get(asset()), 200],
    ['console asset 404', (a: supertest.Agent) => a.get('/console/assets/old-build.js'), 404],
    ['health', (a: supertest.Agent) => a.get('/healthz'), 200],
  ])('%s', async (what, call, status) => {
    const res = await call(supertest.agent(t.app));
    expect(res.status).toBe(status);
    expectSecurityHeaders(res, what);
  });

  test('a 500 and a 429 carry them too', async () => {
    const ok = await supertest(t.app).get(`/api/v1/reports/${tracked.code}?token=${tracked.trackingToken}`).set('x-forwarded-for', '198.51.100.50');
    expect(ok.status).toBe(200);
    const limited = await supertest(t.app).get(`/api/v1/reports/${tracked.code}?token=${tracked.trackingToken}`).set('x-forwarded-for', '198.51.100.50');
    expect(limited.status).toBe(429);
    expectSecurityHeaders(limited, '429');
    const spy = jest.spyOn(t.hub.queries, 'publicView').mockRejectedValueOnce(new Error('database went away'));
    try {
      const failed = await supertest(t.app).get(`/api/v1/reports/${tracked.code}?token=${tracked.trackingToken}`).set('x-forwarded-for', '198.51.100.51');
      expect(failed.status).toBe(500);
      expect(failed.body.error.code).toBe('internal_error');
      expectSecurityHeaders(failed, '500');
    } finally {
      spy.mockRestore();
    }
  });

  test('the pages hold no inline script, style or event handler (the policy allows none)', async () => {
    const pages = ['/', '/cong-khai', '/danh-gia/abcdefghijklmnopqrst', '/console/'];
    for (const p of pages) {
      const html = (await supertest(t.app).get(p)).text;
      expect({ p, inlineScript: /<script(?![^>]*\bsrc=)[^>]*>/i.test(html) }).toEqual({ p, inlineScript: false });
      expect({ p, styleElement: /<style\b/i.test(html) }).toEqual({ p, styleElement: false });
      expect({ p, styleAttribute: /\sstyle\s*=/i.test(html) }).toEqual({ p, styleAttribute: false });
      expect({ p, handler: /\son[a-z]+\s*=/i.test(html) }).toEqual({ p, handler: false });
      expect({ p, javascriptUrl: /javascript:/i.test(html) }).toEqual({ p, javascriptUrl: false });
    }
    // And the portal's own files (the pages above are served from them).
    for (const f of fs.readdirSync(PORTAL_DIR).filter((x) => x.endsWith('.js'))) {
      const js = fs.readFileSync(path.join(PORTAL_DIR, f), 'utf8');
      expect({ f, styleAttr: /setAttribute\(\s*['"]style|\.cssText|eval\(|new Function\(/.test(js) }).toEqual({ f, styleAttr: false });
    }
  });
});

describe('session cookie', () => {
  test.each([
    ['http', 'http://hub.test', false],
    ['https', 'https://1022.example.gov.vn', true],
  ])('on %s: HttpOnly, SameSite=Lax, Path=/, Secure only on https; headers follow the scheme', async (_name, base, secure) => {
    const t = await startTestHub('pglite', { PUBLIC_BASE_URL: base }, { start: false });
    try {
      await seedPeople(t.db);
      const res = await supertest(t.app).post('/api/v1/auth/login').send({ email: 'op@test.vn', password: 'correct horse battery' });
      expect(res.status).toBe(200);
      expectSecurityHeaders(res, `login on ${base}`, secure);
      const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('hub_session='))!;
      const attrs = cookie.split(';').map((s) => s.trim().toLowerCase());
      expect(attrs).toContain('httponly');
      expect(attrs).toContain('samesite=lax');
      expect(attrs).toContain('path=/');
      expect(attrs.includes('secure')).toBe(secure);
      expect(attrs.some((a) => a.startsWith('expires='))).toBe(true);
      // The CSRF token travels in the body, never in a cookie a script could read.
      expect((res.headers['set-cookie'] as unknown as string[]).join(';')).not.toContain(res.body.csrfToken);
    } finally {
      await t.close();
    }
  });
});

describe('the pages work under the policy (chromium)', () => {
  let h: BrowserHub;
  beforeAll(async () => { h = await startBrowserHub(); }, 180_000);
  afterAll(async () => { await h?.close(); }, 60_000);

  const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

  /** Every CSP violation the page reports, from the DOM event and from the console. */
  async function watched(page: Page): Promise<() => Promise<string[]>> {
    const fromConsole: string[] = [];
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) fromConsole.push(m.text()); });
    // Strings, not functions: the tests compile without the DOM library.
    await page.addInitScript({ content: `window.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => { window.__csp.push(e.violatedDirective + ' ' + e.blockedURI); });` });
    return async () => [...fromConsole, ...((await page.evaluate('window.__csp')) as string[])];
  }

  test('portal (report and track), transparency and survey pages', async () => {
    const page = await h.newPage();
    const violations = await watched(page);
    await page.goto(`${h.base}/`);
    await page.locator('#report-form').waitFor();
    // The category list arrives by fetch: the script ran and connect-src allowed it.
    await page.waitForFunction("document.querySelectorAll('#category option').length > 1");
    // A report with a photo: its preview is a blob: image, the upload a multipart fetch.
    await page.locator('#text').fill('Đèn đường trước số 12 Nguyễn Văn Linh hỏng 3 hôm nay, tối rất tối.');
    await page.locator('#photo-pick').setInputFiles({ name: 'den.png', mimeType: 'image/png', buffer: PNG });
    await page.waitForFunction("document.querySelector('#photo-list img')?.complete === true");
    await page.locator('#report-form button[type=submit]').click();
    await page.locator('#report-result.ok strong').first().waitFor();
    const [code, trackingToken] = await page.locator('#report-result.ok strong').allInnerTexts();
    const report = { code: code!, trackingToken: trackingToken! };
    await page.goto(`${h.base}/track/${report.code}?token=${report.trackingToken}`);
    await page.waitForFunction(`document.body.innerText.includes(${JSON.stringify(report.code)})`);
    await page.goto(`${h.base}/cong-khai`);
    await page.waitForLoadState('networkidle');
    await page.goto(`${h.base}/danh-gia/abcdefghijklmnopqrst`);
    await page.waitForLoadState('networkidle');
    expect(await violations()).toEqual([]);
  }, 60_000);

  test('console: login, live stream (websocket), queues, a ticket and the overview', async () => {
    const report = (await submitReport(h.t.app)).body as { code: string };
    const page = await h.newPage();
    const violations = await watched(page);
    await page.goto(`${h.base}/console/`);
    await page.getByTestId('login-email').fill('sup@test.vn');
    await page.getByTestId('login-password').fill(h.people.password);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('current-user').waitFor();
    await page.locator('[data-testid=live-indicator][data-live=on]').waitFor();
    await page.goto(`${h.base}/console/tickets/${report.code}`);
    await page.getByTestId('ticket-view').waitFor();
    await page.getByTestId('nav-overview').click();
    await page.getByTestId('overview').waitFor();
    await page.waitForLoadState('networkidle');
    expect(await violations()).toEqual([]);
  }, 90_000);
});
