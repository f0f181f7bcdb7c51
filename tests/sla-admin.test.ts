import supertest from 'supertest';
import { computeSlaState, type SlaHappening } from '../src/sla/clock';
import { DEFAULT_SLA_POLICIES } from '../src/sla/policy';
import { ENGINES } from './helpers/db';
import { loginAs, seedPeople, startTestHub, submitReport, type TestHub } from './helpers/hub';

/**
 * SLA administration end to end: policies with their audit trail and the effective table, the
 * working calendar with admins' days, and SLA statistics for staff and the IOC.
 */
const VN = (local: string) => new Date(`${local}+07:00`);
type Agent = Awaited<ReturnType<typeof loginAs>>;
type Effective = { categoryCode: string | null; priority: string; source: string; policyId: number | null; response: { amount: number; unit: string } };

describe.each(ENGINES)('SLA administration on %s', (engine) => {
  let t: TestHub;
  let people: Awaited<ReturnType<typeof seedPeople>>;
  let admin: Agent;
  let operator: Agent;
  let supervisor: Agent;
  let staffA: Agent;
  let leadA: Agent;
  const IOC_KEY = 'ioc-sla-key-51c2';

  beforeAll(async () => {
    // A long sweep interval: the statistics rows below carry hand-made states nobody should fold.
    t = await startTestHub(engine, { IOC_API_KEYS: IOC_KEY, SLA_SWEEP_SECONDS: '3600' });
    people = await seedPeople(t.db);
    [admin, operator, supervisor, staffA, leadA] = await Promise.all(
      ['admin@test.vn', 'op@test.vn', 'sup@test.vn', 'staff.a@test.vn', 'lead.a@test.vn'].map((e) => loginAs(t.app, e)));
  });
  afterAll(() => t.close());

  const effective = async (categoryCode: string | null, priority: string): Promise<Effective> => {
    const res = await operator.get('/api/v1/sla/policies');
    expect(res.status).toBe(200);
    const row = (res.body.effective as Effective[]).find((e) => e.categoryCode === categoryCode && e.priority === priority);
    if (!row) throw new Error(`no effective row for ${categoryCode} × ${priority}`);
    return row;
  };
  const expectError = (res: supertest.Response, status: number, code: string) => {
    expect(res.status).toBe(status);
    expect(res.body.error).toMatchObject({ code, message: expect.any(String), messageEn: expect.any(String) });
  };

  describe('policies', () => {
    test('with no stored policy the effective table is the built-in defaults for every category × priority', async () => {
      const res = await operator.get('/api/v1/sla/policies');
      expect(res.status).toBe(200);
      expect(res.body.policies).toEqual([]);
      const categories = (await t.hub.catalog.categories()).filter((c) => c.active);
      expect(res.body.effective).toHaveLength((categories.length + 1) * 4);
      expect(res.body.effective.every((e: Effective) => e.source === 'default' && e.policyId === null)).toBe(true);
      expect(await effective('giao-thong', 'normal')).toMatchObject({ response: { amount: 1, unit: 'working_days' }, resolution: { amount: 10, unit: 'working_days' } });
      expect(await effective(null, 'urgent')).toMatchObject({ response: { amount: 1, unit: 'working_hours' } });
      expect((await leadA.get('/api/v1/sla/policies')).status).toBe(200);
    });

    test('create, edit and delete change the effective table and the clocks\' settings at once, each with an audit row', async () => {
      const created = await admin.post('/api/v1/sla/policies', {
        categoryCode: 'giao-thong', priority: 'normal', response: { amount: 4, unit: 'working_hours' }, resolution: { amount: 5, unit: 'working_days' },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        id: expect.any(Number), categoryCode: 'giao-thong', priority: 'normal', warnAtFraction: 0.75, transfer: 'continue', updatedBy: people.ids.admin,
      });
      const id = created.body.id as number;
      expect(await effective('giao-thong', 'normal')).toMatchObject({ source: 'category', policyId: id, response: { amount: 4, unit: 'working_hours' } });
      expect(await effective('moi-truong', 'normal')).toMatchObject({ source: 'default', response: { amount: 1, unit: 'working_days' } });
      expect(t.hub.slaSettings.settings().policies).toEqual([expect.objectContaining({ id, categoryCode: 'giao-thong', response: { amount: 4, unit: 'working_hours' } })]);

      // An all-categories policy covers the categories without one of their own.
      const general = await admin.post('/api/v1/sla/policies', {
        categoryCode: null, priority: 'high', response: { amount: 2, unit: 'working_hours' }, resolution: { amount: 2, unit: 'working_days' }, warnAtFraction: 0.8, transfer: 'restart',
      });
      expect(general.status).toBe(201);
      expect(await effective('moi-truong', 'high')).toMatchObject({ source: 'all_categories', policyId: general.body.id, response: { amount: 2, unit: 'working_hours' } });
      expect(await effective(null, 'high')).toMatchObject({ source: 'all_categories', policyId: general.body.id });

      const patched = await admin.patch(`/api/v1/sla/policies/${id}`, { warnAtFraction: 0.5, resolution: { amount: 3, unit: 'working_days' } });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ id, warnAtFraction: 0.5, resolution: { amount: 3, unit: 'working_days' }, response: { amount: 4, unit: 'working_hours' } });
      expect(t.hub.slaSettings.settings().policies.find((p) => p.id === id)).toMatchObject({ warnAtFraction: 0.5 });

      expect((await admin.del(`/api/v1/sla/policies/${general.body.id}`)).status).toBe(204);
      expect(await effective('moi-truong', 'high')).toMatchObject({ source: 'default', policyId: null, response: { amount: 4, unit: 'working_hours' } });
      expect(t.hub.slaSettings.settings().policies.map((p) => p.id)).toEqual([id]);
      expectError(await admin.del(`/api/v1/sla/policies/${general.body.id}`), 404, 'sla_policy_not_found');
      expectError(await admin.patch('/api/v1/sla/policies/999999', { warnAtFraction: 0.6 }), 404, 'sla_policy_not_found');

      const audit = await supervisor.get('/api/v1/sla/policies/audit');
      expect(audit.status).toBe(200);
      const entries = audit.body.entries as { policyId: number; action: string; staffId: number; before: Record<string, unknown> | null; after: Record<string, unknown> | null }[];
      expect(entries.map((e) => [e.policyId, e.action])).toEqual([[general.body.id, 'deleted'], [id, 'updated'], [general.body.id, 'created'], [id, 'created']]);
      expect(entries.every((e) => e.staffId === people.ids.admin)).toBe(true);
      const update = entries[1]!;
      expect(update.before).toMatchObject({ id, warnAtFraction: 0.75, resolution: { amount: 5, unit: 'working_days' } });
      expect(update.after).toMatchObject({ id, warnAtFraction: 0.5, resolution: { amount: 3, unit: 'working_days' } });
      expect(entries[0]).toMatchObject({ before: { id: general.body.id, transfer: 'restart', categoryCode: null }, after: null });
      expect(entries[3]).toMatchObject({ before: null, after: { id, categoryCode: 'giao-thong' } });
      const one = await admin.get(`/api/v1/sla/policies/audit?policyId=${id}`);
      expect(one.body.entries.map((e: { action: string }) => e.action)).toEqual(['updated', 'created']);
    });

    test('invalid input is refused with a code and messages in both languages, and changes nothing', async () => {
      const before = await admin.get('/api/v1/sla/policies/audit');
      const base = { priority: 'low', response: { amount: 1, unit: 'working_days' }, resolution: { amount: 5, unit: 'working_days' } };
      expectError(await admin.post('/api/v1/sla/policies', { ...base, categoryCode: 'khong-co' }), 400, 'unknown_category');
      expectError(await admin.post('/api/v1/sla/policies', { ...base, priority: 'very-high' }), 400, 'validation_failed');
      expectError(await admin.post('/api/v1/sla/policies', { ...base, response: { amount: 6, unit: 'working_days' } }), 400, 'validation_failed');
      expectError(await admin.post('/api/v1/sla/policies', { ...base, resolution: { amount: 2.5, unit: 'working_days' } }), 400, 'validation_failed');
      expectError(await admin.post('/api/v1/sla/policies', { ...base, warnAtFraction: 1 }), 400, 'validation_failed');
      expectError(await admin.post('/api/v1/sla/policies', { ...base, extra: true }), 400, 'validation_failed');
      expectError(await admin.post('/api/v1/sla/policies', { ...base, id: 5 }), 400, 'id_not_allowed');
      // The giao-thong × normal policy from the test above: a second one is a conflict.
      const dup = await admin.post('/api/v1/sla/policies', { ...base, categoryCode: 'giao-thong', priority: 'normal' });
      expectError(dup, 409, 'duplicate_policy');
      expect(dup.body.error.message).toMatch(/giao-thong/);

      const [existing] = (await admin.get('/api/v1/sla/policies')).body.policies as { id: number }[];
      expectError(await admin.patch(`/api/v1/sla/policies/${existing!.id}`, {}), 400, 'validation_failed');
      // A patch is checked against the whole policy: 4 working hours of response now exceed a 2-hour resolution.
      expectError(await admin.patch(`/api/v1/sla/policies/${existing!.id}`, { resolution: { amount: 2, unit: 'working_hours' } }), 400, 'validation_failed');
      expectError(await admin.patch(`/api/v1/sla/policies/${existing!.id}`, { categoryCode: 'khong-co' }), 400, 'unknown_category');
      expectError(await admin.patch('/api/v1/sla/policies/abc', { warnAtFraction: 0.6 }), 400, 'validation_failed');

      expect((await admin.get('/api/v1/sla/policies/audit')).body.entries).toEqual(before.body.entries);
    });

    test('only admins change policies; agency staff see none of it; the audit is for supervisors and admins', async () => {
      const body = { categoryCode: 'moi-truong', priority: 'low', response: { amount: 1, unit: 'working_days' }, resolution: { amount: 5, unit: 'working_days' } };
      expectError(await staffA.get('/api/v1/sla/policies'), 403, 'role_not_allowed');
      expectError(await staffA.post('/api/v1/sla/policies', body), 403, 'role_not_allowed');
      expectError(await operator.post('/api/v1/sla/policies', body), 403, 'role_not_allowed');
      expectError(await supervisor.post('/api/v1/sla/policies', body), 403, 'role_not_allowed');
      expectError(await leadA.patch('/api/v1/sla/policies/1', { warnAtFraction: 0.6 }), 403, 'role_not_allowed');
      expectError(await operator.del('/api/v1/sla/policies/1'), 403, 'role_not_allowed');
      expectError(await operator.get('/api/v1/sla/policies/audit'), 403, 'role_not_allowed');
      expectError(await staffA.get('/api/v1/sla/policies/audit'), 403, 'role_not_allowed');
      expectError(await supertest(t.app).get('/api/v1/sla/policies'), 401, 'login_required');
    });
  });

  describe('calendar', () => {
    test('2026 shows Tết, the Hùng Kings substitute day and the make-up Saturday to any staff member', async () => {
      const res = await staffA.get('/api/v1/sla/calendar?year=2026');
      expect(res.status).toBe(200);
      expect(res.body.year).toBe(2026);
      const dates = (res.body.holidays as { date: string }[]).map((h) => h.date);
      expect(dates).toEqual(expect.arrayContaining(['2026-02-17', '2026-04-27', '2026-09-02']));
      expect(dates).not.toContain('2026-08-22');
      expect(res.body.makeUpWorkingDays).toEqual([expect.objectContaining({ date: '2026-08-22', kind: 'working_day' })]);
      expect(res.body.adminDays).toEqual([]);
      expectError(await staffA.get('/api/v1/sla/calendar?year=abc'), 400, 'validation_failed');
      expectError(await staffA.get('/api/v1/sla/calendar?year=1800'), 400, 'validation_failed');
      expectError(await supertest(t.app).get('/api/v1/sla/calendar?year=2026'), 401, 'login_required');
    });

    test('an admin-added day off shows in the calendar and stops the clocks\' working time; removing it restores the day', async () => {
      const day = '2026-12-24'; // a Thursday
      expect(t.hub.slaSettings.settings().office.isWorkingDay(day)).toBe(true);
      const added = await admin.post('/api/v1/sla/calendar/days', { date: day, kind: 'day_off', reason: 'Nghỉ thử nghiệm' });
      expect(added.status).toBe(201);
      expect(added.body).toMatchObject({ date: day, kind: 'day_off', reason: 'Nghỉ thử nghiệm', createdBy: people.ids.admin });
      expect(t.hub.slaSettings.settings().office.isWorkingDay(day)).toBe(false);
      let cal = (await operator.get('/api/v1/sla/calendar?year=2026')).body;
      expect(cal.holidays).toEqual(expect.arrayContaining([expect.objectContaining({ date: day, name_vi: 'Nghỉ thử nghiệm' })]));
      expect(cal.adminDays).toEqual([expect.objectContaining({ date: day, kind: 'day_off' })]);

      // The same date again replaces the entry (200), here with a make-up working Saturday elsewhere.
      const replaced = await admin.post('/api/v1/sla/calendar/days', { date: day, kind: 'day_off', reason: 'Nghỉ Giáng sinh thử' });
      expect(replaced.status).toBe(200);
      const saturday = await admin.post('/api/v1/sla/calendar/days', { date: '2026-12-26', kind: 'working_day', reason: 'Làm bù' });
      expect(saturday.status).toBe(201);
      expect(t.hub.slaSettings.settings().office.isWorkingDay('2026-12-26')).toBe(true);
      cal = (await operator.get('/api/v1/sla/calendar?year=2026')).body;
      expect(cal.holidays).toEqual(expect.arrayContaining([expect.objectContaining({ date: day, name_vi: 'Nghỉ Giáng sinh thử' })]));
      expect(cal.makeUpWorkingDays.map((d: { date: string }) => d.date)).toEqual(['2026-08-22', '2026-12-26']);
      expect((await operator.get('/api/v1/sla/calendar?year=2027')).body.adminDays).toEqual([]);

      expect((await admin.del(`/api/v1/sla/calendar/days/${day}`)).status).toBe(204);
      expect((await admin.del('/api/v1/sla/calendar/days/2026-12-26')).status).toBe(204);
      expect(t.hub.slaSettings.settings().office.isWorkingDay(day)).toBe(true);
      cal = (await operator.get('/api/v1/sla/calendar?year=2026')).body;
      expect(cal.holidays.map((h: { date: string }) => h.date)).not.toContain(day);
      expect(cal.adminDays).toEqual([]);
      expectError(await admin.del(`/api/v1/sla/calendar/days/${day}`), 404, 'calendar_day_not_found');
    });

    test('calendar input is validated and only admins change it', async () => {
      expectError(await admin.post('/api/v1/sla/calendar/days', { date: '2026-02-30', kind: 'day_off', reason: 'x' }), 400, 'validation_failed');
      expectError(await admin.post('/api/v1/sla/calendar/days', { date: '2026-12-24', kind: 'holiday', reason: 'x' }), 400, 'validation_failed');
      expectError(await admin.post('/api/v1/sla/calendar/days', { date: '2026-12-24', kind: 'day_off', reason: '  ' }), 400, 'validation_failed');
      expectError(await admin.del('/api/v1/sla/calendar/days/24-12-2026'), 400, 'validation_failed');
      expectError(await supervisor.post('/api/v1/sla/calendar/days', { date: '2026-12-24', kind: 'day_off', reason: 'x' }), 403, 'role_not_allowed');
      expectError(await staffA.del('/api/v1/sla/calendar/days/2026-12-24'), 403, 'role_not_allowed');
    });
  });

  describe('statistics', () => {
    // Four reports received on Monday 2026-06-01 at 08:00 (office hours, no holiday that month);
    // default policy "normal": respond within 1 working day, resolve within 10 (7.5 h each).
    const received = VN('2026-06-01T08:00:00');
    const period = 'from=2026-06-01&to=2026-07-01';
    let ids: number[] = [];

    beforeAll(async () => {
      const codes: string[] = [];
      for (const text of [
        'Ổ gà lớn trước số 10 đường Lê Lợi, xe máy dễ ngã',
        'Đèn đường ngõ 5 phố Bạch Đằng không sáng mấy hôm nay',
        'Rác thải đổ trộm ven kênh thôn Đông bốc mùi hôi thối',
        'Có người bán hàng lấn chiếm vỉa hè phố Điện Biên',
        'Cống thoát nước ngõ 12 bị tắc, nước tràn lên mặt đường',
        'Cây xanh gãy cành nguy hiểm trước cổng trường tiểu học',
      ]) {
        const res = await submitReport(t.app, { text });
        expect(res.status).toBe(201);
        codes.push(res.body.code);
      }
      await t.hub.settle();
      // The third ticket really goes through A and is transferred to B (the event the statistics read).
      expect((await operator.post(`/api/v1/tickets/${codes[2]}/actions/assign`, { agencyId: people.agencyA })).status).toBe(200);
      expect((await staffA.post(`/api/v1/tickets/${codes[2]}/actions/transfer`, { agencyId: people.agencyB, reason: 'Thuộc thẩm quyền đơn vị B' })).status).toBe(200);
      await t.hub.settle();
      ids = [];
      for (const code of codes) ids.push((await t.db.query<{ id: number }>('SELECT id FROM tickets WHERE code = $1', [code]))[0]!.id);

      // Hand-made clocks, so the figures do not depend on when the test runs.
      const office = t.hub.slaSettings.settings().office;
      const at = (local: string) => VN(local);
      const rows: { agencyId: number | null; category: string; status: string; happenings: SlaHappening[] }[] = [
        // on time: answered after 1 working hour, resolved next morning (8.5 working hours)
        { agencyId: people.agencyA, category: 'giao-thong', status: 'resolved', happenings: [
          { kind: 'first_response', at: at('2026-06-01T09:00:00') }, { kind: 'resolved', at: at('2026-06-02T09:00:00') }] },
        // late: answered after 2 working hours, resolved four weeks and a day later (157.5 working hours)
        { agencyId: people.agencyA, category: 'giao-thong', status: 'closed', happenings: [
          { kind: 'first_response', at: at('2026-06-01T10:00:00') }, { kind: 'resolved', at: at('2026-06-30T08:00:00') }] },
        // still open at B, long past its deadline; transferred away by A
        { agencyId: people.agencyB, category: 'moi-truong', status: 'in_progress', happenings: [
          { kind: 'transferred', at: at('2026-06-02T08:00:00'), fromAgencyId: people.agencyA, toAgencyId: people.agencyB }] },
        // rejected: excluded from every rate
        { agencyId: null, category: 'trat-tu-do-thi', status: 'rejected', happenings: [{ kind: 'closed', at: at('2026-06-01T09:00:00') }] },
      ];
      for (const [i, row] of rows.entries()) {
        const { state } = computeSlaState([{ kind: 'received', at: received, categoryCode: row.category, priority: 'normal' }, ...row.happenings],
          DEFAULT_SLA_POLICIES, office);
        await t.db.query(
          `UPDATE tickets SET sla_state = $2, sla_next_timer_at = NULL, created_at = $3, agency_id = $4, category_code = $5, status = $6, priority = 'normal'
           WHERE id = $1`, [ids[i], JSON.stringify(state), received, row.agencyId, row.category, row.status]);
      }
      // Two more of the period the figures cannot include: no clock, and a damaged state.
      await t.db.query('UPDATE tickets SET sla_state = NULL, sla_next_timer_at = NULL, created_at = $2 WHERE id = $1', [ids[4], received]);
      await t.db.query(`UPDATE tickets SET sla_state = '{"receivedAt": "not a date"}', sla_next_timer_at = NULL, created_at = $2 WHERE id = $1`, [ids[5], received]);
    });

    test('the figures of a period match a hand count', async () => {
      const res = await supervisor.get(`/api/v1/sla/stats?${period}`);
      expect(res.status).toBe(200);
      expect(res.body.period).toEqual({ from: VN('2026-06-01T00:00:00').toISOString(), to: VN('2026-07-01T00:00:00').toISOString() });
      expect(res.body.notCounted).toEqual({ withoutSla: 1, unreadable: 1 });
      expect(res.body.overall).toMatchObject({
        received: 4, excluded: 1, eligible: 3, processed: 2, open: 1, processedRate: 2 / 3,
        measured: 2, onTime: 1, late: 1, lateWithExtension: 0, onTimeRate: 0.5, lateRate: 0.5,
        breaches: 2, overdue: 1, dueSoon: 0, transfersOut: 1, extensionsApproved: 0,
      });
      // first response: 60 and 120 min; resolution: 510 and 9450 min (percentile_cont)
      expect(res.body.overall.firstResponse).toEqual({
        count: 2, medianMs: 90 * 60_000, p90Ms: 114 * 60_000, medianMinutes: 90, p90Minutes: 114, medianHours: 1.5, p90Hours: 1.9,
      });
      expect(res.body.overall.resolution).toMatchObject({ count: 2, medianMinutes: 4980, p90Minutes: 8556, medianHours: 83, p90Hours: 142.6 });

      const byAgency = Object.fromEntries((res.body.byAgency as { agencyId: number | null }[]).map((a) => [String(a.agencyId), a]));
      expect(byAgency[String(people.agencyA)]).toMatchObject({ received: 2, processed: 2, onTime: 1, late: 1, transfersOut: 1, overdue: 0 });
      expect(byAgency[String(people.agencyB)]).toMatchObject({ received: 1, processed: 0, overdue: 1, transfersOut: 0 });
      expect(byAgency.null).toMatchObject({ received: 1, excluded: 1, eligible: 0, processedRate: null });
      const byCategory = Object.fromEntries((res.body.byCategory as { categoryCode: string }[]).map((c) => [c.categoryCode, c]));
      expect(byCategory['giao-thong']).toMatchObject({ received: 2, processed: 2 });
      expect(byCategory['moi-truong']).toMatchObject({ received: 1, overdue: 1, transfersOut: 1 });

      // Another period sees none of them.
      const may = await supervisor.get('/api/v1/sla/stats?from=2026-05-01&to=2026-06-01');
      expect(may.body.overall).toMatchObject({ received: 0, processedRate: null });
    });

    test('filters by category and agency; an agency lead sees only their own agency', async () => {
      const cat = await operator.get(`/api/v1/sla/stats?${period}&category=moi-truong`);
      expect(cat.status).toBe(200);
      expect(cat.body.overall).toMatchObject({ received: 1, overdue: 1, transfersOut: 1 });

      const own = await leadA.get(`/api/v1/sla/stats?${period}`);
      expect(own.status).toBe(200);
      expect(own.body.filters).toEqual({ agencyId: people.agencyA, categoryCode: null });
      // A's own two tickets, plus the transfer it made of the one now at B
      expect(own.body.overall).toMatchObject({ received: 2, processed: 2, onTimeRate: 0.5, transfersOut: 1, overdue: 0 });
      expect(own.body.byAgency).toHaveLength(1);
      const ownByCategory = Object.fromEntries((own.body.byCategory as { categoryCode: string }[]).map((c) => [c.categoryCode, c]));
      expect(ownByCategory['giao-thong']).toMatchObject({ received: 2, transfersOut: 0 });
      expect(ownByCategory['moi-truong']).toMatchObject({ received: 0, transfersOut: 1 });

      const b = await supervisor.get(`/api/v1/sla/stats?${period}&agency=${people.agencyB}`);
      expect(b.body.overall).toMatchObject({ received: 1, overdue: 1, transfersOut: 0 });
      // A's transfer of the ticket B now holds is not B's transfer, in the category view either.
      expect(b.body.byCategory).toEqual([expect.objectContaining({ categoryCode: 'moi-truong', received: 1, transfersOut: 0 })]);
      expectError(await leadA.get(`/api/v1/sla/stats?${period}&agency=${people.agencyB}`), 403, 'other_agency');
      expectError(await staffA.get(`/api/v1/sla/stats?${period}`), 403, 'role_not_allowed');
      expectError(await operator.get(`/api/v1/sla/stats?${period}&category=khong-co`), 400, 'unknown_category');
    });

    test('the IOC reads them with its key; without a key or with a wrong one it gets 401', async () => {
      const ioc = await supertest(t.app).get(`/api/v1/sla/stats?${period}`).set('authorization', `Bearer ${IOC_KEY}`);
      expect(ioc.status).toBe(200);
      expect(ioc.body.overall).toMatchObject({ received: 4, processed: 2 });
      expectError(await supertest(t.app).get(`/api/v1/sla/stats?${period}`), 401, 'login_or_key_required');
      expectError(await supertest(t.app).get(`/api/v1/sla/stats?${period}`).set('authorization', 'Bearer wrong-key'), 401, 'login_or_key_required');
    });

    test('a bad or reversed period is a clear 400; no period means the last 30 days', async () => {
      const bad = await supervisor.get('/api/v1/sla/stats?from=yesterday');
      expectError(bad, 400, 'validation_failed');
      expect(bad.body.error.message).toMatch(/from phải là ngày ISO 8601/);
      expectError(await supervisor.get('/api/v1/sla/stats?from=2026-06-31'), 400, 'validation_failed');
      expectError(await supervisor.get('/api/v1/sla/stats?from=2026-06-01T08:00:00'), 400, 'validation_failed');
      expectError(await supervisor.get('/api/v1/sla/stats?from=2026-07-01&to=2026-06-01'), 400, 'invalid_period');
      expectError(await supervisor.get('/api/v1/sla/stats?from=2024-01-01&to=2026-01-01'), 400, 'period_too_long');

      const res = await supervisor.get('/api/v1/sla/stats');
      expect(res.status).toBe(200);
      const from = new Date(res.body.period.from).getTime();
      const to = new Date(res.body.period.to).getTime();
      expect(to - from).toBe(30 * 86_400_000);
      expect(Math.abs(to - Date.now())).toBeLessThan(60_000);
      // The June tickets are outside the last 30 days.
      expect(res.body.overall.received).toBe(0);
    });
  });
});
