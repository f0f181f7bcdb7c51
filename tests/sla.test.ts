import type { BullMqJobQueue } from '../src/jobs/bullmq-driver';
import type { LiveEvent } from '../src/shared/live-bus';
import { TEST_REDIS_URL } from './helpers/env';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { SqlStoreTx } from '../src/db/ticket-store';
import { ENGINES } from './helpers/db';
import { loginAs, seedPeople, startTestHub, type TestHub } from './helpers/hub';

/**
 * SLA clocks end to end with a controlled clock: deadlines in Vietnamese office hours, warnings and
 * breaches recorded exactly once (also when timers fire together or were lost), staff notified and
 * supervisors escalated to, pauses, and extensions.
 */
const VN = (local: string) => new Date(`${local}+07:00`);

describe.each(ENGINES)('SLA clocks on %s', (engine) => {
  let t: TestHub;
  let people: Awaited<ReturnType<typeof seedPeople>>;
  let operator: Awaited<ReturnType<typeof loginAs>>;
  let staffA: Awaited<ReturnType<typeof loginAs>>;
  let supervisor: Awaited<ReturnType<typeof loginAs>>;
  let now = VN('2026-11-16T08:00:00'); // a Monday
  const live: LiveEvent[] = [];

  beforeAll(async () => {
    t = await startTestHub(engine, { SLA_SWEEP_SECONDS: '3600' }, { clock: { now: () => now } });
    people = await seedPeople(t.db);
    await t.db.query(`INSERT INTO routing_rules (category_code, agency_id) VALUES ('giao-thong', $1)`, [people.agencyA]);
    operator = await loginAs(t.app, 'op@test.vn');
    staffA = await loginAs(t.app, 'staff.a@test.vn');
    supervisor = await loginAs(t.app, 'sup@test.vn');
    t.hub.live.subscribe((e) => live.push(e));
  });
  afterAll(() => t.close());

  const ticket = async (code: string) => (await operator.get(`/api/v1/tickets/${code}`)).body;
  const urgentCall = async (text = 'Cột đèn tín hiệu ngã tư đổ nghiêng ra giữa đường, xe tránh rất nguy hiểm') => {
    const res = await operator.post('/api/v1/tickets', { text, category: 'giao-thong', priority: 'urgent', contact: { phone: '0912000111' } });
    expect(res.status).toBe(201);
    await t.hub.settle();
    return ticket(res.body.code);
  };
  const sweep = () => t.hub.sla.sweep((at, limit) => t.hub.slaSettings.due(at, limit));
  const events = async (code: string, type: string) => (await ticket(code)).events.filter((e: { type: string }) => e.type === type);

  test('deadlines follow office hours from receipt; warning at 75 % and breach at the deadline are recorded once, staff told, supervisors escalated to', async () => {
    now = VN('2026-11-16T08:00:00');
    const tk = await urgentCall();
    expect(tk).toMatchObject({ status: 'assigned', agencyId: people.agencyA, priority: 'urgent' });
    // urgent: answer within 1 working hour, settle by the end of the next working day
    expect(new Date(tk.slaResponseDueAt)).toEqual(VN('2026-11-16T09:00:00'));
    expect(new Date(tk.slaResolutionDueAt)).toEqual(VN('2026-11-17T17:00:00'));
    expect(new Date(tk.slaNextTimerAt)).toEqual(VN('2026-11-16T08:45:00'));
    expect(await events(tk.code, 'sla.started')).toHaveLength(2);

    now = VN('2026-11-16T08:50:00');
    await sweep();
    expect(await events(tk.code, 'sla.warning')).toEqual([expect.objectContaining({ data: expect.objectContaining({ clock: 'response' }) })]);

    now = VN('2026-11-16T13:40:00'); // noticed hours late: the breach is still dated at the deadline
    await Promise.all([sweep(), t.hub.sla.fire(tk.id), t.hub.sla.fire(tk.id)]); // timers racing the sweep
    await sweep();
    const breaches = await events(tk.code, 'sla.breached');
    expect(breaches).toHaveLength(1);
    expect(breaches[0]).toMatchObject({ at: VN('2026-11-16T09:00:00').toISOString(), data: { clock: 'response' } });
    expect(new Date((await ticket(tk.code)).slaBreachedAt)).toEqual(VN('2026-11-16T09:00:00'));
    const notices = await t.db.query<{ staff_id: number; kind: string }>(
      'SELECT staff_id, kind FROM staff_notifications WHERE ticket_id = $1 ORDER BY kind, staff_id', [tk.id]);
    const who = (kind: string) => notices.filter((n) => n.kind === kind).map((n) => n.staff_id).sort();
    // No assignee yet: the agency's staff and its lead hear of both; the breach also goes to supervisors.
    expect(who('sla.warning')).toEqual([people.ids.staffA, people.ids.leadA, people.ids.staffA2].sort());
    expect(who('sla.breached')).toEqual([people.ids.staffA, people.ids.leadA, people.ids.staffA2, people.ids.supervisor].sort());
    expect(live.filter((e) => e.type === 'sla.breached' && e.ticket.code === tk.code)).toHaveLength(1);
  });

  test('a timer lost with the queue still fires: the sweep reads the deadline index', async () => {
    now = VN('2026-11-16T08:00:00');
    const tk = await urgentCall('Dây điện đứt võng sát mặt đường Nguyễn Văn Linh');
    await t.db.query(`DELETE FROM jobs WHERE name = 'sla.timer'`); // as if the queue lost them
    now = VN('2026-11-16T09:30:00');
    expect(await sweep()).toBeGreaterThan(0);
    expect(await events(tk.code, 'sla.breached')).toHaveLength(1);
    expect(await sweep()).toBe(0); // nothing due any more: the next check is the resolution warning
  });

  test('a worker that dies in the middle of firing leaves nothing half-recorded; the next run records the breach once', async () => {
    now = VN('2026-11-16T08:00:00');
    const tk = await urgentCall('Nắp cống giữa đường bị vỡ, xe máy sập bánh');
    now = VN('2026-11-16T09:10:00');
    // The first run dies after writing the breach event but before its notices (inside the transaction).
    const crash = jest.spyOn(SqlStoreTx.prototype, 'notifyStaff').mockRejectedValueOnce(new Error('worker killed'));
    await expect(t.hub.sla.fire(tk.id)).rejects.toThrow('worker killed');
    crash.mockRestore();
    expect(await events(tk.code, 'sla.breached')).toHaveLength(0); // rolled back with it
    await sweep();
    await sweep();
    expect(await events(tk.code, 'sla.breached')).toHaveLength(1);
    const notices = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM staff_notifications WHERE ticket_id = $1 AND kind = 'sla.breached'`, [tk.id]);
    expect(notices[0]!.n).toBe(4); // agency staff ×2, lead, supervisor — once each
  });

  test('waiting for the citizen pauses the clocks; their answer resumes them and moves the deadline by the paused working time', async () => {
    now = VN('2026-11-16T08:00:00');
    const tk = await urgentCall('Ổ gà sâu giữa cầu, xe máy sụp bánh liên tục');
    now = VN('2026-11-16T08:10:00');
    expect((await staffA.post(`/api/v1/tickets/${tk.code}/actions/accept`)).status).toBe(200);
    now = VN('2026-11-16T08:20:00');
    expect((await staffA.post(`/api/v1/tickets/${tk.code}/actions/request_info`, { message: 'Anh/chị cho biết chính xác vị trí cầu nào?' })).status).toBe(200);
    now = VN('2026-11-16T10:20:00');
    await t.hub.workflow.act(tk.code, { action: 'citizen_reply' }, { kind: 'citizen', citizenId: tk.citizenId });
    await t.hub.settle();
    const after = await ticket(tk.code);
    expect((await events(tk.code, 'sla.completed'))[0]).toMatchObject({ data: expect.objectContaining({ clock: 'response', outcome: 'on_time' }) });
    expect(await events(tk.code, 'sla.paused')).not.toHaveLength(0);
    expect(await events(tk.code, 'sla.resumed')).not.toHaveLength(0);
    // 2 working hours paused: Tue 17:00 becomes Wed 09:30 (07:30 + 2 h)
    expect(new Date(after.slaResolutionDueAt)).toEqual(VN('2026-11-18T09:30:00'));
  });

  test('an approved extension moves the deadline, and settling after the original one counts as late with extension; a refusal keeps it', async () => {
    now = VN('2026-11-16T08:00:00');
    const tk = await urgentCall('Biển báo cấm rẽ bị gió quật đổ ra đường');
    const ask = await staffA.post(`/api/v1/tickets/${tk.code}/extension-requests`, { newDueAt: VN('2026-11-20T17:00:00').toISOString(), reason: 'Cần đặt hàng biển báo mới từ nhà cung cấp' });
    expect(ask.status).toBe(201);
    expect((await staffA.post(`/api/v1/tickets/${tk.code}/extension-requests`, { newDueAt: VN('2026-11-21T17:00:00').toISOString(), reason: 'Đề nghị lần hai' })).status).toBe(409);
    expect((await staffA.post(`/api/v1/tickets/${tk.code}/extension-requests`, { newDueAt: 'mai', reason: 'x' })).status).toBe(400);
    const pending = await supervisor.get('/api/v1/sla/extension-requests');
    expect(pending.body.items.map((i: { id: number }) => i.id)).toContain(ask.body.id);
    expect((await staffA.post(`/api/v1/sla/extension-requests/${ask.body.id}/approve`)).status).toBe(403);
    expect((await supervisor.post(`/api/v1/sla/extension-requests/${ask.body.id}/approve`, { note: 'Đồng ý' })).status).toBe(200);
    expect((await supervisor.post(`/api/v1/sla/extension-requests/${ask.body.id}/refuse`)).status).toBe(409);
    expect(new Date((await ticket(tk.code)).slaResolutionDueAt)).toEqual(VN('2026-11-20T17:00:00'));
    now = VN('2026-11-16T08:30:00');
    expect((await staffA.post(`/api/v1/tickets/${tk.code}/actions/accept`)).status).toBe(200);
    now = VN('2026-11-19T10:00:00'); // after Tue 17:00, before the extended Fri 17:00
    await sweep();
    expect((await staffA.post(`/api/v1/tickets/${tk.code}/actions/resolve`, { resolution: 'Đã dựng lại biển báo mới.' })).status).toBe(200);
    const done = await ticket(tk.code);
    expect(done.slaOutcome).toBe('late_with_extension');
    expect(await events(tk.code, 'sla.breached')).toHaveLength(0);

    now = VN('2026-11-16T08:00:00');
    const other = await urgentCall('Đèn tín hiệu ngã tư chợ chỉ sáng đèn vàng');
    const ask2 = await staffA.post(`/api/v1/tickets/${other.code}/extension-requests`, { newDueAt: VN('2026-11-20T17:00:00').toISOString(), reason: 'Chờ linh kiện thay thế' });
    expect((await supervisor.post(`/api/v1/sla/extension-requests/${ask2.body.id}/refuse`, { note: 'Việc khẩn cấp, không gia hạn' })).status).toBe(200);
    expect(new Date((await ticket(other.code)).slaResolutionDueAt)).toEqual(VN('2026-11-17T17:00:00'));
  });
});

describe('SLA timers on BullMQ, notices by mail', () => {
  let t: TestHub;
  let now = VN('2026-11-16T08:00:00');
  const mails: { to: string[]; data: string }[] = [];
  const sink = new SMTPServer({
    authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'], logger: false,
    onData(stream, session, cb) {
      let data = '';
      stream.on('data', (c: Buffer) => { data += c.toString('utf8'); });
      stream.on('end', () => { mails.push({ to: session.envelope.rcptTo.map((r) => r.address), data }); cb(); });
    },
  });

  beforeAll(async () => {
    const port = await new Promise<number>((resolve) => sink.listen(0, '127.0.0.1', () => resolve((sink.server.address() as AddressInfo).port)));
    t = await startTestHub('postgres', { SLA_SWEEP_SECONDS: '3600', REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: `sla-test-${process.pid}`, SMTP_URL: `smtp://127.0.0.1:${port}` },
      { clock: { now: () => now } });
    const people = await seedPeople(t.db);
    await t.db.query(`INSERT INTO routing_rules (category_code, agency_id) VALUES ('giao-thong', $1)`, [people.agencyA]);
  });
  afterAll(async () => {
    await (t.hub.queue as BullMqJobQueue).obliterate();
    await t.close();
    await new Promise<void>((resolve) => sink.close(() => resolve()));
  });

  test('Redis flushed with the timers in it: the sweep still records the breach, once', async () => {
    const operator = await loginAs(t.app, 'op@test.vn');
    const res = await operator.post('/api/v1/tickets', { text: 'Cột đèn tín hiệu đổ chắn ngang đường', category: 'giao-thong', priority: 'urgent' });
    await t.hub.settle();
    await (t.hub.queue as BullMqJobQueue).obliterate(); // every scheduled timer gone
    now = VN('2026-11-16T09:05:00');
    await t.hub.sla.sweep((at, limit) => t.hub.slaSettings.due(at, limit));
    await t.hub.sla.sweep((at, limit) => t.hub.slaSettings.due(at, limit));
    const tk = (await operator.get(`/api/v1/tickets/${res.body.code}`)).body;
    expect(tk.events.filter((e: { type: string }) => e.type === 'sla.breached')).toHaveLength(1);
    expect(new Date(tk.slaBreachedAt)).toEqual(VN('2026-11-16T09:00:00'));
    // The agency's staff and lead, and the supervisor, got the breach by mail, once.
    const breachMails = mails.filter((m) => m.data.includes(res.body.code) && /Subject: .*(Qu=C3=A1 h=E1=BA=A1n|Quá hạn|=\?UTF-8)/i.test(m.data));
    const recipients = breachMails.flatMap((m) => m.to).sort();
    expect(recipients).toEqual(['lead.a@test.vn', 'staff.a@test.vn', 'staff2.a@test.vn', 'sup@test.vn']);
  });
});
