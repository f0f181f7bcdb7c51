import path from 'node:path';
import { DATA_DIR, importProvince } from '../admin-units/import';
import type { Database } from '../db/database';
import { sqlTransactionRunner } from '../db/ticket-store';
import { IntakeService } from '../intake/intake-service';
import { hashPassword } from '../staff/password';
import type { Clock, SlaRecorder } from '../workflow/ports';
import type { WorkflowInput } from '../workflow/ticket-workflow';
import type { Actor, Channel, StaffRole, StaffUser } from '../workflow/types';
import { WorkflowService } from '../workflow/workflow-service';
import { sqlSurveyRunner } from '../db/survey-store';
import { SurveyService } from '../satisfaction/survey-service';
import { DEFAULT_SURVEY_SETTINGS } from '../satisfaction/survey';
import { silentLogger } from '../shared/logger';
import { normaliseKeyword } from '../routing/rules';
import { seededRandom } from '../shared/random';
import { COMMUNE_CATEGORIES, DEMO_AGENCIES, DEMO_PROVINCE } from './agencies';
import { DEMO_REPORTS, FAMILY_NAMES, GIVEN_NAMES, RESOLUTIONS, STREETS } from './reports';

export const DEMO_PASSWORD = 'demo-1022-hungyen';

class SteppingClock implements Clock {
  constructor(public t: Date) {}
  now() { return new Date(this.t); }
  advanceHours(h: number) { this.t = new Date(this.t.getTime() + h * 3600_000); }
}

export type DemoLogin = { role: StaffRole; email: string; agency?: string };

const SCORES: (readonly [number, number])[] = [[5, 38], [4, 32], [3, 14], [2, 10], [1, 6]];

export async function isEmpty(db: Database): Promise<boolean> {
  const rows = await db.query<{ n: number }>('SELECT (SELECT count(*) FROM agencies) + (SELECT count(*) FROM tickets) AS n');
  return Number(rows[0]?.n ?? 0) === 0;
}

/**
 * Loads Hưng Yên (2025 boundaries), its agencies and routing, demo staff for every role and a few
 * hundred tickets that went through the real intake and workflow services (so events, messages
 * and timestamps are consistent), spread over the past weeks.
 */
/**
 * `sla`: the hub's SLA recorder, so demo tickets carry clocks as real ones do; `agenciesLoaded`
 * runs once agencies exist (the hub reloads which of them work 24/7).
 */
export async function seedDemo(db: Database, opts: { tickets?: number; now?: Date; codePrefix?: string; sla?: SlaRecorder; agenciesLoaded?: () => Promise<unknown> } = {}): Promise<{ logins: DemoLogin[]; tickets: number }> {
  const now = opts.now ?? new Date();
  await importProvince(db, DEMO_PROVINCE, path.join(DATA_DIR, 'vn-admin/hung-yen-communes.geojson'));

  const agencyIds = new Map<string, number>();
  for (const a of DEMO_AGENCIES) {
    const rows = await db.query<{ id: number }>(
      `INSERT INTO agencies (code, name_vi, name_en, kind, province_code, commune_code, always_on)
       VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (code) DO UPDATE SET name_vi = EXCLUDED.name_vi RETURNING id`,
      [a.code, a.nameVi, a.nameEn, a.kind, DEMO_PROVINCE, a.communeCode ?? null, a.alwaysOn ?? false]);
    agencyIds.set(a.code, rows[0]!.id);
  }
  // Routing: category → department province-wide; commune committees for local categories in their
  // commune; public street lighting (a keyword inside electricity) to the construction department,
  // which runs it, rather than the power company; anything else to the provincial office.
  for (const keyword of ['đèn đường', 'đèn chiếu sáng', 'chiếu sáng công cộng']) {
    await db.query(`INSERT INTO routing_rules (category_code, keyword, agency_id, note) VALUES ('dien-chieu-sang', $1, $2, $3)`,
      [normaliseKeyword(keyword), agencyIds.get('so-xay-dung'), 'Chiếu sáng công cộng do Sở Xây dựng quản lý / public lighting']);
  }
  await db.query(`INSERT INTO routing_rules (agency_id, precedence, note) VALUES ($1, 1000, $2)`,
    [agencyIds.get('van-phong-ubnd-tinh'), 'Mặc định: Văn phòng UBND tỉnh chuyển tiếp / fallback']);
  for (const a of DEMO_AGENCIES) {
    for (const c of a.categories ?? []) {
      await db.query('INSERT INTO routing_rules (category_code, agency_id, precedence) VALUES ($1,$2,100)', [c, agencyIds.get(a.code)]);
    }
    if (a.communeCode) {
      for (const c of COMMUNE_CATEGORIES) {
        await db.query('INSERT INTO routing_rules (category_code, commune_code, agency_id, precedence) VALUES ($1,$2,$3,50)', [c, a.communeCode, agencyIds.get(a.code)]);
      }
    }
  }

  // Staff: one password for the demo, hashed once.
  const hash = await hashPassword(DEMO_PASSWORD);
  const logins: DemoLogin[] = [];
  const staffByAgency = new Map<number, StaffUser[]>();
  const makeStaff = async (email: string, name: string, role: StaffRole, agencyCode?: string): Promise<StaffUser> => {
    const agencyId = agencyCode ? agencyIds.get(agencyCode)! : null;
    const rows = await db.query<{ id: number }>(
      `INSERT INTO staff_users (email, display_name, role, agency_id, password_hash) VALUES ($1,$2,$3,$4,$5) RETURNING id`,
      [email, name, role, agencyId, hash]);
    const user: StaffUser = { id: rows[0]!.id, email, displayName: name, role, agencyId, active: true };
    if (agencyId) staffByAgency.set(agencyId, [...(staffByAgency.get(agencyId) ?? []), user]);
    return user;
  };
  const admin = await makeStaff('admin@1022.demo', 'Quản trị hệ thống', 'admin');
  const operators = [await makeStaff('tongdai1@1022.demo', 'Nguyễn Thu Hà (tổng đài viên)', 'operator'), await makeStaff('tongdai2@1022.demo', 'Trần Minh Đức (tổng đài viên)', 'operator')];
  await makeStaff('giamsat@1022.demo', 'Phạm Văn Long (giám sát IOC)', 'supervisor');
  logins.push({ role: 'admin', email: admin.email }, { role: 'operator', email: operators[0]!.email }, { role: 'supervisor', email: 'giamsat@1022.demo' });
  for (const a of DEMO_AGENCIES) {
    await makeStaff(`lanhdao.${a.code}@1022.demo`, `Lãnh đạo ${a.nameVi}`, 'agency_lead', a.code);
    await makeStaff(`canbo.${a.code}@1022.demo`, `Cán bộ ${a.nameVi}`, 'agency_staff', a.code);
  }
  logins.push(
    { role: 'agency_lead', email: 'lanhdao.so-xay-dung@1022.demo', agency: 'Sở Xây dựng' },
    { role: 'agency_staff', email: 'canbo.so-xay-dung@1022.demo', agency: 'Sở Xây dựng' },
    { role: 'agency_staff', email: 'canbo.cong-an-tinh@1022.demo', agency: 'Công an tỉnh Hưng Yên' },
  );

  const communes = await db.query<{ code: string; full_name: string; bbox: number[] | null }>(
    `SELECT code, full_name, bbox FROM admin_units WHERE structure = '2025' AND parent_code = $1`, [DEMO_PROVINCE]);
  const communeAgency = new Map(DEMO_AGENCIES.filter((a) => a.communeCode).map((a) => [a.communeCode!, agencyIds.get(a.code)!]));
  const categoryAgency = new Map<string, number>();
  for (const a of DEMO_AGENCIES) for (const c of a.categories ?? []) categoryAgency.set(c, agencyIds.get(a.code)!);
  const focus = communes.filter((c) => communeAgency.has(c.code));

  const r = seededRandom(1022); // the same demo every time
  const clock = new SteppingClock(now);
  const store = sqlTransactionRunner(db);
  const intake = new IntakeService(store, clock, opts.codePrefix ?? 'PA');
  await opts.agenciesLoaded?.();
  const workflow = new WorkflowService(store, clock, opts.sla);
  // The demo's history already happened: surveys are recorded, not sent.
  const surveys = new SurveyService(sqlSurveyRunner(db), workflow, { tell: async () => true }, clock,
    () => DEFAULT_SURVEY_SETTINGS, 'http://localhost', silentLogger);
  const total = opts.tickets ?? 320;
  const categories = Object.keys(DEMO_REPORTS);
  const channels: (readonly [Channel, number])[] = [['zalo', 30], ['phone', 20], ['facebook', 15], ['web', 14], ['app', 10], ['email', 6], ['sms', 5]];
  const outcomes = [
    ['received', 8], ['triaged', 4], ['assigned', 12], ['in_progress', 14], ['waiting_for_citizen', 4], ['resolved', 18],
    ['closed', 28], ['rejected', 4], ['returned', 3], ['transferred', 3], ['merged', 2],
  ] as const;
  const citizens: { name: string; phone: string }[] = Array.from({ length: 180 }, (_, i) => ({
    name: `${r.pick(FAMILY_NAMES)} ${r.pick(GIVEN_NAMES)}`, phone: `+8491${String(2000000 + i * 37).padStart(7, '0')}`,
  }));
  let previousCode: string | null = null;

  for (let i = 0; i < total; i++) {
    const category = r.pick(categories);
    const commune = r.next() < 0.6 ? r.pick(focus) : r.pick(communes);
    const text = r.pick(DEMO_REPORTS[category]!)
      .replace('{street}', r.pick(STREETS)).replace('{n}', String(r.int(2, 250))).replace('{commune}', commune.full_name);
    const channel = r.weighted(channels);
    const citizen = r.pick(citizens);
    // Older tickets are more likely to be finished; spread over 45 days, in daytime hours.
    const outcome = r.weighted(outcomes);
    const ageDays = ['closed', 'resolved'].includes(outcome) ? r.int(3, 45) : r.int(0, 12);
    const created = new Date(now.getTime() - ageDays * 86400_000 - r.int(0, 10) * 3600_000);
    clock.t = created;
    const bbox = commune.bbox;
    const location = bbox && r.next() < 0.7
      ? { lat: (bbox[1]! + bbox[3]!) / 2 + (r.next() - 0.5) * (bbox[3]! - bbox[1]!) * 0.3, lng: (bbox[0]! + bbox[2]!) / 2 + (r.next() - 0.5) * (bbox[2]! - bbox[0]!) * 0.3, address: commune.full_name }
      : null;
    const identities = channel === 'zalo' ? [{ kind: 'zalo' as const, value: `demo-zalo-${citizen.phone.slice(-5)}` }]
      : channel === 'facebook' ? [{ kind: 'facebook' as const, value: `demo-psid-${citizen.phone.slice(-5)}` }] : [];
    const { ticket } = await intake.submit({
      channel, text, categoryCode: channel === 'web' || channel === 'app' ? (r.next() < 0.5 ? category : null) : null,
      priority: r.next() < 0.06 ? 'urgent' : r.next() < 0.15 ? 'high' : 'normal',
      location, address: location ? null : commune.full_name,
      contact: { name: citizen.name, phone: channel === 'email' ? null : citizen.phone, email: channel === 'email' ? `congdan${citizen.phone.slice(-4)}@example.vn` : null, shareWithAgency: r.next() < 0.3 },
      identities, provinceCode: DEMO_PROVINCE, communeCode: commune.code,
      publishable: r.next() < 0.85,
    });

    const operator: Actor = { kind: 'staff', user: r.pick(operators) };
    const agencyId = COMMUNE_CATEGORIES.includes(category) && communeAgency.has(commune.code) ? communeAgency.get(commune.code)! : categoryAgency.get(category)!;
    const staffOf = (id: number): Actor => ({ kind: 'staff', user: r.pick(staffByAgency.get(id)!) });
    const step = async (input: WorkflowInput, actor: Actor, hours: number) => {
      clock.advanceHours(hours);
      if (clock.t > now) clock.t = new Date(now.getTime() - r.int(1, 60) * 60_000); // never in the future
      await workflow.act(ticket.code, input, actor);
    };
    if (outcome === 'received') continue;
    if (outcome === 'merged' && previousCode) { await step({ action: 'merge', intoCode: previousCode }, operator, r.next() * 3); continue; }
    await step({ action: 'triage', categoryCode: category }, operator, 0.2 + r.next());
    if (outcome === 'triaged') continue;
    if (outcome === 'rejected') { await step({ action: 'reject', reason: 'Nội dung không thuộc phạm vi tiếp nhận của Tổng đài 1022.' }, operator, 0.5); continue; }
    await step({ action: 'assign', agencyId }, operator, 0.2 + r.next());
    if (outcome === 'assigned') continue;
    if (outcome === 'returned') { await step({ action: 'return', reason: 'Không thuộc thẩm quyền của đơn vị, đề nghị Tổng đài chuyển đơn vị khác.' }, staffOf(agencyId), r.int(2, 20)); continue; }
    if (outcome === 'transferred') {
      const other = [...agencyIds.values()].find((id) => id !== agencyId)!;
      await step({ action: 'transfer', agencyId: other, reason: 'Nội dung thuộc thẩm quyền đơn vị khác.' }, staffOf(agencyId), r.int(2, 20));
      continue;
    }
    await step({ action: 'accept' }, staffOf(agencyId), r.int(1, 20));
    if (outcome === 'in_progress') continue;
    if (outcome === 'waiting_for_citizen') { await step({ action: 'request_info', message: 'Đề nghị công dân cung cấp thêm địa chỉ cụ thể và hình ảnh hiện trường.' }, staffOf(agencyId), r.int(1, 24)); continue; }
    await step({ action: 'resolve', resolution: RESOLUTIONS[category]! }, staffOf(agencyId), r.int(4, 60));
    // Most citizens answer the survey (Huế publishes ~90 % satisfied); the dashboard has ratings to show.
    const survey = await surveys.onResolved(ticket.id);
    if (survey && r.next() < 0.65) {
      clock.advanceHours(r.int(1, 30));
      if (clock.t > now) clock.t = new Date(now.getTime() - r.int(1, 60) * 60_000);
      const score = r.weighted(SCORES);
      await surveys.answer(survey.token, { score, comment: score <= 2 ? 'Chưa khắc phục triệt để.' : null }, { channel, ref: `demo-${ticket.code}` });
    }
    if (outcome === 'closed') await step({ action: 'close' }, { kind: 'system', reason: 'demo' }, r.int(12, 24));
    previousCode = ticket.code;
  }
  // The demo's history already happened: its notices are not sent to anybody. Finished too, not
  // only dispatched: the relay's sweep re-enqueues dispatched rows that never completed.
  await db.query('UPDATE outbox SET dispatched_at = now(), completed_at = now() WHERE dispatched_at IS NULL');
  await db.query(`INSERT INTO settings (key, value) VALUES ('demo', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
    [JSON.stringify({ province: DEMO_PROVINCE, tickets: total, loadedAt: now.toISOString() })]);
  return { logins, tickets: total };
}
