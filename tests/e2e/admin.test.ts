import crypto from 'node:crypto';
import type { Page } from 'playwright-core';
import supertest from 'supertest';
import { loginAs, type TestHub } from '../helpers/hub';
import { startBrowserHub, type BrowserHub } from './harness';

/**
 * The Quản trị / Administration screens in a real browser against the real API: staff accounts
 * (created, edited in place), categories, agencies, routing rules with preview and audit, place
 * names, SLA policies, the working calendar and the channels with their runtime switch;
 * supervisors read, agency roles are refused by the API.
 */
const FB_SECRET = 'fb-e2e-admin-secret';

describe('administration screens (browser, pglite)', () => {
  let h: BrowserHub;
  let t: TestHub;

  beforeAll(async () => {
    // Facebook configured (nothing is sent: no Facebook ticket exists), so its switch can be used.
    h = await startBrowserHub({
      FACEBOOK_APP_SECRET: FB_SECRET, FACEBOOK_VERIFY_TOKEN: 'verify', FACEBOOK_PAGE_TOKEN: 'page-token', FACEBOOK_GRAPH_URL: 'http://127.0.0.1:9/v21.0',
    });
    t = h.t;
  }, 180_000);

  afterAll(async () => {
    await h?.close();
  }, 60_000);

  /** Logs in as the admin with confirm() dialogs accepted (deleting asks first). */
  async function adminPage(): Promise<Page> {
    const page = await h.login('admin@test.vn');
    page.on('dialog', (d) => { void d.accept(); });
    return page;
  }

  test('an admin creates a staff user for agency A, after an API error, and that user can log in', async () => {
    const page = await adminPage();
    await page.getByTestId('nav-admin').click();
    await page.locator('[data-testid=admin][data-tab=users]').waitFor();
    await page.locator('[data-testid=user-row][data-email="staff.a@test.vn"]').waitFor();

    await page.getByTestId('user-email').fill('moi.a@test.vn');
    await page.getByTestId('user-name').fill('Cán bộ Mới A');
    await page.getByTestId('user-role').selectOption('agency_staff');
    await page.getByTestId('user-agency').selectOption(String(h.people.agencyA));
    // Too short: the API's validation message is shown and nothing is created.
    await page.getByTestId('user-password').fill('ngan');
    await page.getByTestId('user-submit').click();
    await expect(page.getByTestId('user-form-error').textContent()).resolves.toContain('10');
    expect(await page.locator('[data-testid=user-row][data-email="moi.a@test.vn"]').count()).toBe(0);

    await page.getByTestId('user-password').fill(h.people.password);
    await page.getByTestId('user-submit').click();
    await page.getByTestId('user-created').waitFor();
    await page.locator('[data-testid=user-row][data-email="moi.a@test.vn"]').waitFor();
    await h.shot(page, '20-admin-users');

    // The same email again: the API's conflict message.
    await page.getByTestId('user-email').fill('moi.a@test.vn');
    await page.getByTestId('user-name').fill('Trùng');
    await page.getByTestId('user-password').fill(h.people.password);
    await page.getByTestId('user-submit').click();
    await expect(page.getByTestId('user-form-error').textContent()).resolves.toContain('Email này đã được dùng');

    const stored = await t.db.query<{ role: string; agency_id: number }>(`SELECT role, agency_id FROM staff_users WHERE email = 'moi.a@test.vn'`);
    expect(stored).toEqual([{ role: 'agency_staff', agency_id: h.people.agencyA }]);
    const newcomer = await h.login('moi.a@test.vn');
    await expect(newcomer.getByTestId('current-user').textContent()).resolves.toContain('Cán bộ Mới A');
    expect(await newcomer.getByTestId('nav-admin').count()).toBe(0);
  }, 120_000);

  test('an admin creates a routing rule, the preview routes to it, edits and deletes it, all in the audit', async () => {
    const page = await adminPage();
    await page.goto(`${h.base}/console/admin/routing`);
    await page.locator('[data-testid=admin][data-tab=routing]').waitFor();
    await page.getByTestId('preview-form').waitFor();

    await page.getByTestId('rule-new').click();
    await page.getByTestId('rule-category').selectOption('cay-xanh');
    await page.getByTestId('rule-agency').selectOption(String(h.people.agencyB));
    await page.getByTestId('rule-note').fill('Cây xanh do đơn vị B xử lý');
    await page.getByTestId('rule-save').click();
    const row = page.locator(`[data-testid=rule-row][data-category=cay-xanh][data-agency-id="${h.people.agencyB}"]`);
    await row.waitFor();
    const ruleId = Number(await row.getAttribute('data-rule-id'));
    expect(ruleId).toBeGreaterThan(0);
    const stored = await t.db.query<{ category_code: string; agency_id: number; precedence: number }>(
      'SELECT category_code, agency_id, precedence FROM routing_rules WHERE id = $1', [ruleId]);
    expect(stored).toEqual([{ category_code: 'cay-xanh', agency_id: h.people.agencyB, precedence: 100 }]);

    await page.getByTestId('preview-text').fill('Cây xanh đổ chắn ngang vỉa hè sau trận mưa lớn');
    await page.getByTestId('preview-category').selectOption('cay-xanh');
    await page.getByTestId('preview-submit').click();
    const result = page.locator(`[data-testid=preview-result][data-agency-id="${h.people.agencyB}"][data-rule-id="${ruleId}"]`);
    await result.waitFor();
    await page.locator(`[data-testid=rule-audit-row][data-subject="${ruleId}"][data-action=created]`).waitFor();
    await h.shot(page, '21-admin-routing');

    // A bad edit shows the API's message; a good one lands in the audit.
    await row.getByTestId('rule-edit').click();
    await page.getByTestId('rule-keyword').fill('x');
    await page.getByTestId('rule-save').click();
    await page.getByTestId('rule-form-error').waitFor();
    await page.getByTestId('rule-keyword').fill('');
    await page.getByTestId('rule-precedence').fill('50');
    await page.getByTestId('rule-save').click();
    const updated = page.locator(`[data-testid=rule-audit-row][data-subject="${ruleId}"][data-action=updated]`);
    await updated.waitFor();
    await expect(updated.textContent()).resolves.toContain('precedence: 100 → 50');

    await row.getByTestId('rule-delete').click();
    await page.locator(`[data-testid=rule-audit-row][data-subject="${ruleId}"][data-action=deleted]`).waitFor();
    expect(await page.locator(`[data-testid=rule-row][data-rule-id="${ruleId}"]`).count()).toBe(0);
    expect(await t.db.query('SELECT id FROM routing_rules WHERE id = $1', [ruleId])).toEqual([]);

    // Supervisors read the rules and the audit, without the editing controls.
    const sup = await h.login('sup@test.vn');
    await sup.getByTestId('nav-admin').click();
    await sup.getByTestId('admin-tab-routing').click();
    await sup.locator(`[data-testid=rule-audit-row][data-subject="${ruleId}"][data-action=deleted]`).waitFor();
    await sup.getByTestId('admin-read-only').waitFor();
    expect(await sup.getByTestId('rule-new').count()).toBe(0);
  }, 120_000);

  test('an admin changes an SLA policy\'s resolution target: kept after reload and in the audit', async () => {
    const api = await loginAs(t.app, 'admin@test.vn');
    const res = await api.post('/api/v1/sla/policies', {
      categoryCode: 'cay-xanh', priority: 'normal', response: { amount: 1, unit: 'working_days' }, resolution: { amount: 10, unit: 'working_days' },
    });
    expect(res.status).toBe(201);
    const policyId = (res.body as { id: number }).id;

    const page = await adminPage();
    await page.goto(`${h.base}/console/admin/sla`);
    const row = page.locator(`[data-testid=policy-list-row][data-policy-id="${policyId}"]`);
    await expect(row.getAttribute('data-resolution')).resolves.toBe('10 working_days');
    await page.getByTestId('policy-defaults').waitFor();

    // Response longer than resolution: the API refuses with its message.
    await row.getByTestId('policy-edit').click();
    await page.getByTestId('policy-resolution-amount').fill('0.5');
    await page.getByTestId('policy-save').click();
    await page.getByTestId('policy-form-error').waitFor();
    await page.getByTestId('policy-resolution-amount').fill('7');
    await page.getByTestId('policy-save').click();
    await page.locator(`[data-testid=policy-list-row][data-policy-id="${policyId}"][data-resolution="7 working_days"]`).waitFor();

    await page.reload();
    await page.locator(`[data-testid=policy-list-row][data-policy-id="${policyId}"][data-resolution="7 working_days"]`).waitFor();
    const audit = page.locator(`[data-testid=policy-audit-row][data-subject="${policyId}"][data-action=updated]`);
    await expect(audit.textContent()).resolves.toContain('resolution: 10 working_days → 7 working_days');
    await h.shot(page, '22-admin-sla');
    const stored = await api.get('/api/v1/sla/policies');
    expect((stored.body as { policies: { id: number; resolution: unknown }[] }).policies.find((p) => p.id === policyId)?.resolution)
      .toEqual({ amount: 7, unit: 'working_days' });
  }, 120_000);

  test('an admin adds a holiday to the year view and removes it', async () => {
    const page = await adminPage();
    await page.goto(`${h.base}/console/admin/calendar`);
    const year = Number(await page.getByTestId('admin-calendar').getAttribute('data-year'));
    await page.getByTestId('cal-grid').waitFor();
    // The statutory calendar is there: Quốc khánh, 2 September.
    await page.locator(`[data-testid=cal-holidays] li[data-date="${year}-09-02"]`).waitFor();

    const date = `${year}-10-14`;
    await page.getByTestId('cal-date').fill(date);
    await page.getByTestId('cal-kind').selectOption('day_off');
    await page.getByTestId('cal-reason').fill('Nghỉ do bão');
    await page.getByTestId('cal-submit').click();
    const added = page.locator(`[data-testid=cal-admin-day][data-date="${date}"]`);
    await added.waitFor();
    await page.locator(`[data-testid=cal-holidays] li[data-date="${date}"]`).waitFor();
    await expect(page.locator(`[data-testid=cal-grid] [data-date="${date}"]`).getAttribute('class')).resolves.toContain('day-off');
    await h.shot(page, '23-admin-calendar');

    await added.getByTestId('cal-remove').click();
    await page.getByTestId('cal-admin-empty').waitFor();
    expect(await page.locator(`[data-testid=cal-holidays] li[data-date="${date}"]`).count()).toBe(0);
    const api = await loginAs(t.app, 'admin@test.vn');
    const cal = await api.get(`/api/v1/sla/calendar?year=${year}`);
    expect((cal.body as { adminDays: unknown[] }).adminDays).toEqual([]);
  }, 120_000);

  test('an admin edits a user in place: the API\'s refusal first, then a new role; a deactivation asks first and is audited', async () => {
    const page = await adminPage();
    await page.goto(`${h.base}/console/admin/users`);
    const row = page.locator('[data-testid=user-row][data-email="staff2.a@test.vn"]');
    await expect(row.getAttribute('data-role')).resolves.toBe('agency_staff');
    await row.getByTestId('user-edit').click();
    const form = page.getByTestId('user-edit-form');
    // An agency role without an agency: the API's own message, nothing changed.
    await form.getByTestId('user-edit-agency').selectOption('');
    await form.getByTestId('user-edit-save').click();
    await expect(form.getByTestId('user-edit-error').textContent()).resolves.toContain('Cán bộ đơn vị cần có đơn vị');
    await form.getByTestId('user-edit-role').selectOption('agency_lead');
    await form.getByTestId('user-edit-agency').selectOption(String(h.people.agencyA));
    await form.getByTestId('user-edit-name').fill('Trưởng nhóm A2');
    await form.getByTestId('user-edit-save').click();
    await page.locator('[data-testid=user-row][data-email="staff2.a@test.vn"][data-role=agency_lead]').waitFor();
    expect(await page.getByTestId('user-edit-form').count()).toBe(0);
    const stored = await t.db.query<{ role: string; agency_id: number; display_name: string }>(
      `SELECT role, agency_id, display_name FROM staff_users WHERE email = 'staff2.a@test.vn'`);
    expect(stored).toEqual([{ role: 'agency_lead', agency_id: h.people.agencyA, display_name: 'Trưởng nhóm A2' }]);
    const audit = page.locator(`[data-testid=user-audit-row][data-subject="${h.people.ids.staffA2}"][data-action=updated]`).first();
    await expect(audit.textContent()).resolves.toContain('role: agency_staff → agency_lead');
    await h.shot(page, '26-admin-user-edit');

    // Deactivated (the confirmation is accepted): the row says so and the person is signed out.
    const victim = await loginAs(t.app, 'staff.b@test.vn');
    await page.locator('[data-testid=user-row][data-email="staff.b@test.vn"]').getByTestId('user-edit').click();
    await page.getByTestId('user-edit-active').uncheck();
    await page.getByTestId('user-edit-save').click();
    await page.locator('[data-testid=user-row][data-email="staff.b@test.vn"][data-active=no]').waitFor();
    expect((await victim.get('/api/v1/auth/me')).status).toBe(401);
    // Back on, for the other tests.
    await page.locator('[data-testid=user-row][data-email="staff.b@test.vn"]').getByTestId('user-edit').click();
    await page.getByTestId('user-edit-active').check();
    await page.getByTestId('user-edit-save').click();
    await page.locator('[data-testid=user-row][data-email="staff.b@test.vn"][data-active=yes]').waitFor();
  }, 120_000);

  test('an admin adds a category: listed, offered on the phone form at once, in the audit; a duplicate code gets the API\'s message', async () => {
    const page = await adminPage();
    await page.goto(`${h.base}/console/admin/categories`);
    await page.locator('[data-testid=category-row][data-code=cay-xanh]').waitFor();
    await page.getByTestId('category-code').fill('ve-sinh-thuc-pham');
    await page.getByTestId('category-name-vi').fill('Vệ sinh an toàn thực phẩm');
    await page.getByTestId('category-name-en').fill('Food safety');
    await page.getByTestId('category-priority').selectOption('high');
    await page.getByTestId('category-submit').click();
    await page.getByTestId('category-added').waitFor();
    await page.locator('[data-testid=category-row][data-code=ve-sinh-thuc-pham][data-active=yes]').waitFor();
    await page.locator('[data-testid=category-audit-row][data-subject=ve-sinh-thuc-pham][data-action=created]').waitFor();
    const stored = await t.db.query<{ name_vi: string; default_priority: string; active: boolean }>(
      `SELECT name_vi, default_priority, active FROM categories WHERE code = 've-sinh-thuc-pham'`);
    expect(stored).toEqual([{ name_vi: 'Vệ sinh an toàn thực phẩm', default_priority: 'high', active: true }]);
    await h.shot(page, '27-admin-categories');

    await page.getByTestId('category-code').fill('cay-xanh');
    await page.getByTestId('category-name-vi').fill('Trùng');
    await page.getByTestId('category-name-en').fill('Duplicate');
    await page.getByTestId('category-submit').click();
    await expect(page.getByTestId('category-form-error').textContent()).resolves.toContain('đã có');

    // Switched off in place: no longer offered for new reports, still listed.
    const row = page.locator('[data-testid=category-row][data-code=ve-sinh-thuc-pham]');
    await page.getByTestId('nav-phone').click();
    await page.locator('option[value=ve-sinh-thuc-pham]').waitFor({ state: 'attached' });
    await page.goBack();
    await row.getByTestId('category-edit').click();
    await page.getByTestId('category-edit-form').getByTestId('category-active').uncheck();
    await page.getByTestId('category-save').click();
    await page.locator('[data-testid=category-row][data-code=ve-sinh-thuc-pham][data-active=no]').waitFor();
    await page.getByTestId('nav-phone').click();
    await page.getByTestId('phone-form').waitFor();
    expect(await page.locator('option[value=ve-sinh-thuc-pham]').count()).toBe(0);
  }, 120_000);

  test('an admin switches a channel off and on: confirmed, its webhook answers 503 meanwhile, audited; supervisors only read', async () => {
    const page = await adminPage();
    await page.goto(`${h.base}/console/admin/channels`);
    const fb = page.locator('[data-testid=channel-row][data-channel=facebook]');
    await expect(fb.getAttribute('data-switched')).resolves.toBe('on');
    const dialogs: string[] = [];
    page.on('dialog', (d) => { dialogs.push(d.message()); });
    await fb.getByTestId('channel-toggle').click();
    await page.locator('[data-testid=channel-row][data-channel=facebook][data-switched=off][data-status=switched_off]').waitFor();
    expect(dialogs.at(-1)).toContain('Tắt kênh');
    const raw = JSON.stringify({ object: 'page', entry: [] });
    const sig = `sha256=${crypto.createHmac('sha256', FB_SECRET).update(raw).digest('hex')}`;
    const webhook = () => supertest(t.app).post('/webhooks/facebook').set('content-type', 'application/json').set('x-hub-signature-256', sig).send(raw);
    const refused = await webhook();
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBeDefined();
    await page.locator('[data-testid=channel-audit-row][data-subject=facebook]').first().waitFor();
    await h.shot(page, '28-admin-channel-off');

    const sup = await h.login('sup@test.vn');
    await sup.goto(`${h.base}/console/admin/channels`);
    await sup.locator('[data-testid=channel-row][data-channel=facebook][data-switched=off]').waitFor();
    expect(await sup.getByTestId('channel-toggle').count()).toBe(0);

    await fb.getByTestId('channel-toggle').click();
    await page.locator('[data-testid=channel-row][data-channel=facebook][data-switched=on]').waitFor();
    await page.getByTestId('channel-released').waitFor();
    expect(dialogs.at(-1)).toContain('Bật lại kênh');
    expect((await webhook()).status).toBe(200);
    await expect(page.locator('[data-testid=channel-audit-row][data-subject=facebook]').count()).resolves.toBe(2);
    const audit = await t.db.query<{ after: { enabled: boolean } }>(`SELECT after FROM admin_audit WHERE entity = 'channel' ORDER BY id`);
    expect(audit.map((a) => a.after.enabled)).toEqual([false, true]);
  }, 120_000);

  test('an admin adds an agency and a place name; deactivating an agency a rule uses shows the API\'s refusal', async () => {
    const page = await adminPage();
    await page.goto(`${h.base}/console/admin/agencies`);
    await page.getByTestId('agency-new').click();
    await page.getByTestId('agency-code').fill('ban-qlda');
    await page.getByTestId('agency-name-vi').fill('Ban Quản lý dự án');
    await page.getByTestId('agency-name-en').fill('Project Management Board');
    await page.getByTestId('agency-short').fill('BQLDA');
    await page.getByTestId('agency-email').fill('bqlda@hungyen.gov.vn');
    await page.getByTestId('agency-save').click();
    const row = page.locator('[data-testid=agency-row][data-code=ban-qlda]');
    await row.waitFor();
    const id = Number(await row.getAttribute('data-agency-id'));
    const api = await loginAs(t.app, 'admin@test.vn');
    const rule = await api.post('/api/v1/routing/rules', { categoryCode: 'giao-duc', agencyId: id });
    expect(rule.status).toBe(201);
    await row.getByTestId('agency-edit').click();
    await page.getByTestId('agency-form').getByTestId('agency-active').uncheck();
    await page.getByTestId('agency-save').click();
    await expect(page.getByTestId('agency-form-error').textContent()).resolves.toContain(`#${rule.body.id}`);
    await h.shot(page, '29-admin-agencies');

    // One province with one commune is enough for the place-name screen (the picker chooses the only province).
    await t.db.query(`INSERT INTO admin_units (code, level, parent_code, name, full_name, unit_type, name_folded) VALUES
      ('33', 'province', NULL, 'Hưng Yên', 'Tỉnh Hưng Yên', 'tinh', 'hung yen'),
      ('11953', 'commune', '33', 'Phố Hiến', 'Phường Phố Hiến', 'phuong', 'pho hien') ON CONFLICT DO NOTHING`);
    await page.goto(`${h.base}/console/admin/aliases`);
    await page.getByTestId('alias-list-empty').waitFor();
    expect(await page.getByTestId('alias-submit').isDisabled()).toBe(true);
    await page.getByTestId('alias-name').fill('Chợ Gạo');
    await page.locator('[data-testid=alias-commune] option[value="11953"]').waitFor({ state: 'attached' });
    await page.getByTestId('alias-commune').selectOption('11953');
    await page.getByTestId('alias-submit').click();
    await page.getByTestId('alias-added').waitFor();
    const alias = page.locator('[data-testid=alias-row][data-alias="Chợ Gạo"][data-code="11953"]');
    await expect(alias.textContent()).resolves.toContain('Phường Phố Hiến');
    expect(await t.db.query('SELECT alias, commune_code FROM area_aliases')).toEqual([{ alias: 'Chợ Gạo', commune_code: '11953' }]);
  }, 120_000);

  test('the channels screen shows each channel\'s state from the API', async () => {
    const page = await adminPage();
    await page.getByTestId('nav-admin').click();
    await page.getByTestId('admin-tab-channels').click();
    await page.getByTestId('channel-list').waitFor();
    const api = await loginAs(t.app, 'admin@test.vn');
    const channels = (await api.get('/api/v1/channels')).body as { channels: { channel: string; enabled: boolean; status: string }[] };
    expect(channels.channels.length).toBeGreaterThan(0);
    for (const c of channels.channels) {
      await page.locator(`[data-testid=channel-row][data-channel="${c.channel}"][data-enabled="${c.enabled ? 'on' : 'off'}"][data-status="${c.status}"]`).waitFor();
    }
    // Only a configured channel has a switch.
    for (const c of channels.channels.filter((x) => !x.enabled)) {
      expect(await page.locator(`[data-testid=channel-row][data-channel="${c.channel}"] [data-testid=channel-toggle]`).count()).toBe(0);
    }
    await expect(page.getByTestId('channels-env-note').textContent()).resolves.toContain('biến môi trường');
    await h.shot(page, '24-admin-channels');
  }, 60_000);

  test('agency staff have no admin link and get the API\'s 403 message at an admin URL', async () => {
    const page = await h.login('staff.a@test.vn');
    await page.getByTestId('nav-queues').waitFor();
    expect(await page.getByTestId('nav-admin').count()).toBe(0);
    await page.goto(`${h.base}/console/admin/users`);
    const err = page.locator('[data-testid=admin-error][data-status="403"]');
    await err.waitFor();
    await expect(err.textContent()).resolves.toContain('không có quyền');
    expect(await page.getByTestId('user-list').count()).toBe(0);
    await page.goto(`${h.base}/console/admin/routing`);
    await page.locator('[data-testid=admin-error][data-status="403"]').waitFor();
    await h.shot(page, '25-admin-forbidden');
  }, 60_000);
});
