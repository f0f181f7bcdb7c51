import supertest from 'supertest';
import { ENGINES } from './helpers/db';
import { loginAs, seedPeople, startTestHub, submitReport, type TestHub } from './helpers/hub';

/**
 * Every workflow action driven through the staff HTTP API, with the database checked after each
 * step: the ticket row, exactly one event of the action's type, and nothing at all on a failure.
 */
type Agent = Awaited<ReturnType<typeof loginAs>>;
type People = Awaited<ReturnType<typeof seedPeople>>;
type Created = { code: string; token: string; id: number };
type TicketRow = {
  id: number; status: string; agency_id: number | null; assignee_id: number | null; category_code: string | null;
  priority: string; status_reason: string | null; resolution: string | null; merged_into_id: number | null;
  first_response_at: Date | null; resolved_at: Date | null; closed_at: Date | null; updated_at: Date; channel: string;
};
type EventRow = { from_status: string | null; to_status: string | null; actor_kind: string; actor_id: number | null; data: Record<string, unknown> };
type MessageRow = { id: number; direction: string; channel: string; visibility: string; body: string; delivery_status: string; author_staff_id: number | null };

describe.each(ENGINES)('workflow actions over HTTP on %s', (engine) => {
  let t: TestHub;
  let p: People;
  let op: Agent, sup: Agent, staffA: Agent, leadA: Agent, staffB: Agent;
  let category: string;
  let phoneSeq = 0;

  beforeAll(async () => {
    // Job workers run, the outbox relay does not: only settle() moves outbox rows, so a test knows
    // exactly when notices have gone out. (With the relay polling too, dispatchAll() can skip rows
    // the background loop has locked but not committed yet, and drain() then returns too early.)
    t = await startTestHub(engine, {}, { start: false });
    await t.hub.queue.startWorkers();
    p = await seedPeople(t.db);
    [op, sup, staffA, leadA, staffB] = await Promise.all([
      loginAs(t.app, 'op@test.vn'), loginAs(t.app, 'sup@test.vn'), loginAs(t.app, 'staff.a@test.vn'),
      loginAs(t.app, 'lead.a@test.vn'), loginAs(t.app, 'staff.b@test.vn'),
    ]);
    category = (await t.db.query<{ code: string }>(`SELECT code FROM categories WHERE code <> 'khac' ORDER BY sort_order LIMIT 1`))[0]!.code;
  });
  afterAll(async () => { await t?.close(); });

  // ---- helpers ---------------------------------------------------------------------------------

  async function newTicket(text = 'Ổ gà lớn trước số 10 đường Lê Lợi, xe máy dễ ngã'): Promise<Created> {
    // A distinct phone per ticket: one citizen per ticket, so merged-citizen notices are unambiguous.
    const phone = `09${String(10_000_000 + ++phoneSeq * 7919).padStart(8, '0')}`;
    const res = await submitReport(t.app, { text, contact: { phone } });
    expect(res.status).toBe(201);
    const id = (await t.db.query<{ id: number }>('SELECT id FROM tickets WHERE code = $1', [res.body.code]))[0]!.id;
    return { code: res.body.code, token: res.body.trackingToken, id };
  }

  const act = (who: Agent, code: string, action: string, body: unknown = {}) =>
    who.post(`/api/v1/tickets/${code}/actions/${action}`, body);

  /** Runs setup steps, each of which must succeed. */
  async function drive(code: string, steps: [Agent, string, unknown?][]): Promise<void> {
    for (const [who, action, body] of steps) {
      const res = await act(who, code, action, body ?? {});
      if (res.status !== 200) throw new Error(`setup ${action} on ${code}: ${res.status} ${JSON.stringify(res.body)}`);
    }
  }

  const row = async (code: string) =>
    (await t.db.query<TicketRow>('SELECT * FROM tickets WHERE code = $1', [code]))[0]!;

  const events = (code: string, type: string) =>
    t.db.query<EventRow>(
      `SELECT e.from_status, e.to_status, e.actor_kind, e.actor_id, e.data FROM ticket_events e
       JOIN tickets t ON t.id = e.ticket_id WHERE t.code = $1 AND e.type = $2 ORDER BY e.id`, [code, type]);

  async function expectOneEvent(code: string, type: string, from: string | null, to: string | null, actorId?: number): Promise<EventRow> {
    const rows = await events(code, type);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ from_status: from, to_status: to });
    if (actorId !== undefined) expect(rows[0]).toMatchObject({ actor_kind: 'staff', actor_id: actorId });
    return rows[0]!;
  }

  const messages = (ticketId: number) =>
    t.db.query<MessageRow>('SELECT * FROM messages WHERE ticket_id = $1 ORDER BY id', [ticketId]);

  /** Everything a failed request must leave untouched. */
  async function snapshot(code: string) {
    const ticket = await row(code);
    const ev = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ticket_events WHERE ticket_id = $1', [ticket.id]);
    const staffMsgs = await t.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM messages WHERE ticket_id = $1 AND author_staff_id IS NOT NULL', [ticket.id]);
    return JSON.parse(JSON.stringify({ ticket, events: ev[0]!.n, staffMessages: staffMsgs[0]!.n })) as unknown;
  }

  /** Outbox → jobs → handlers, until nothing is left (handlers may queue deliveries). */
  async function settle(): Promise<void> {
    await t.hub.relay.dispatchAll();
    await t.hub.queue.drain();
    expect(await t.hub.relay.pendingCount()).toBe(0);
  }

  // ---- each action ----------------------------------------------------------------------------

  test('triage (operator) sets category and priority: received → triaged', async () => {
    const tk = await newTicket();
    const res = await act(op, tk.code, 'triage', { category, priority: 'high', note: 'gọi lại xác minh' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ code: tk.code, status: 'triaged', from: 'received', categoryCode: category, priority: 'high' });
    expect(res.body.trackingToken).toBeUndefined();
    expect(res.body.allowedActions).toEqual(expect.arrayContaining(['assign', 'reject', 'merge']));
    const r = await row(tk.code);
    expect(r).toMatchObject({ status: 'triaged', category_code: category, priority: 'high' });
    const e = await expectOneEvent(tk.code, 'triage', 'received', 'triaged', p.ids.operator);
    expect(e.data).toMatchObject({ categoryCode: category, priority: 'high', note: 'gọi lại xác minh' });
  });

  test('assign (operator) to agency A, with and without an assignee of A; an assignee of B is refused', async () => {
    const plain = await newTicket();
    await drive(plain.code, [[op, 'triage', { category }]]);
    const res = await act(op, plain.code, 'assign', { agencyId: p.agencyA });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'assigned', from: 'triaged', agencyId: p.agencyA, assigneeId: null });
    expect(await row(plain.code)).toMatchObject({ status: 'assigned', agency_id: p.agencyA, assignee_id: null });
    const e = await expectOneEvent(plain.code, 'assign', 'triaged', 'assigned', p.ids.operator);
    expect(e.data).toMatchObject({ agencyId: p.agencyA, previousAgencyId: null });

    const withAssignee = await newTicket();
    const res2 = await act(op, withAssignee.code, 'assign', { agencyId: p.agencyA, assigneeId: p.ids.staffA2 });
    expect(res2.status).toBe(200);
    expect(await row(withAssignee.code)).toMatchObject({ status: 'assigned', agency_id: p.agencyA, assignee_id: p.ids.staffA2 });
    await expectOneEvent(withAssignee.code, 'assign', 'received', 'assigned');

    const wrong = await newTicket();
    const before = await snapshot(wrong.code);
    const bad = await act(op, wrong.code, 'assign', { agencyId: p.agencyA, assigneeId: p.ids.staffB });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('assignee_not_in_agency');
    expect(bad.body.error).toMatchObject({ message: expect.any(String), messageEn: expect.any(String) });
    const missing = await act(op, wrong.code, 'assign', { agencyId: 999_999 });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('unknown_agency');
    expect(await snapshot(wrong.code)).toEqual(before);
  });

  test('accept (agency A staff) sets first_response_at and takes the ticket: assigned → in_progress', async () => {
    const tk = await newTicket();
    await drive(tk.code, [[op, 'assign', { agencyId: p.agencyA }]]);
    expect((await row(tk.code)).first_response_at).toBeNull();
    const res = await act(staffA, tk.code, 'accept', { note: 'đã nhận' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'in_progress', from: 'assigned', assigneeId: p.ids.staffA });
    const r = await row(tk.code);
    expect(r).toMatchObject({ status: 'in_progress', assignee_id: p.ids.staffA, agency_id: p.agencyA });
    expect(r.first_response_at).not.toBeNull();
    await expectOneEvent(tk.code, 'accept', 'assigned', 'in_progress', p.ids.staffA);

    // An existing assignee is kept when someone else of the agency accepts.
    const pre = await newTicket();
    await drive(pre.code, [[op, 'assign', { agencyId: p.agencyA, assigneeId: p.ids.staffA2 }]]);
    expect((await act(leadA, pre.code, 'accept')).status).toBe(200);
    expect(await row(pre.code)).toMatchObject({ status: 'in_progress', assignee_id: p.ids.staffA2 });
  });

  test('assign_staff: the lead assigns a colleague; staff may only take it themselves', async () => {
    const tk = await newTicket();
    await drive(tk.code, [[op, 'assign', { agencyId: p.agencyA }], [staffA, 'accept']]);

    const before = await snapshot(tk.code);
    const byStaff = await act(staffA, tk.code, 'assign_staff', { assigneeId: p.ids.staffA2 });
    expect(byStaff.status).toBe(400);
    expect(byStaff.body.error.code).toBe('invalid_action_input');
    expect(byStaff.body.error).toMatchObject({ message: expect.any(String), messageEn: expect.any(String) });
    const outsider = await act(leadA, tk.code, 'assign_staff', { assigneeId: p.ids.staffB });
    expect(outsider.status).toBe(400);
    expect(outsider.body.error.code).toBe('assignee_not_in_agency');
    expect(await snapshot(tk.code)).toEqual(before);

    const res = await act(leadA, tk.code, 'assign_staff', { assigneeId: p.ids.staffA2 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'in_progress', from: 'in_progress', assigneeId: p.ids.staffA2 });
    expect(await row(tk.code)).toMatchObject({ status: 'in_progress', assignee_id: p.ids.staffA2 });
    const e = await expectOneEvent(tk.code, 'assign_staff', 'in_progress', 'in_progress', p.ids.leadA);
    expect(e.data).toMatchObject({ assigneeId: p.ids.staffA2, previousAssigneeId: p.ids.staffA });
  });

  test('request_info (agency) sends the question to the citizen: in_progress → waiting_for_citizen', async () => {
    const tk = await newTicket();
    await drive(tk.code, [[op, 'assign', { agencyId: p.agencyA }], [staffA, 'accept']]);
    const question = `Xin cho biết số nhà chính xác (${engine})`;
    const res = await act(staffA, tk.code, 'request_info', { message: question });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'waiting_for_citizen', from: 'in_progress' });
    expect((await row(tk.code)).status).toBe('waiting_for_citizen');
    await expectOneEvent(tk.code, 'request_info', 'in_progress', 'waiting_for_citizen', p.ids.staffA);
    const out = (await messages(tk.id)).filter((m) => m.body === question);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ direction: 'outbound', visibility: 'public', channel: 'web', author_staff_id: p.ids.staffA });
    await settle();
    expect((await messages(tk.id)).find((m) => m.body === question)!.delivery_status).toBe('delivered');
    const track = await supertest(t.app).get(`/api/v1/reports/${tk.code}?token=${tk.token}`);
    expect(track.body.replies.map((r: { body: string }) => r.body)).toContain(question);
  });

  test('citizen_reply is not a staff action (403) and changes nothing', async () => {
    const tk = await newTicket();
    await drive(tk.code, [[op, 'assign', { agencyId: p.agencyA }], [staffA, 'accept'], [staffA, 'request_info', { message: 'Ảnh chụp thêm?' }]]);
    const before = await snapshot(tk.code);
    for (const who of [staffA, leadA, op]) {
      const res = await act(who, tk.code, 'citizen_reply');
      expect(res.status).toBe(403);
      expect(res.body.error).toMatchObject({ message: expect.any(String), messageEn: expect.any(String) });
    }
    expect(await snapshot(tk.code)).toEqual(before);
    expect(await events(tk.code, 'citizen_reply')).toHaveLength(0);
  });

  test('resolve (agency) stores the resolution, sets resolved_at and tells the citizen', async () => {
    const tk = await newTicket();
    await drive(tk.code, [[op, 'assign', { agencyId: p.agencyA }], [staffA, 'accept']]);
    const resolution = `Đã vá ổ gà, thông xe (${engine})`;
    const res = await act(staffA, tk.code, 'resolve', { resolution });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'resolved', from: 'in_progress', resolution });
    const r = await row(tk.code);
    expect(r).toMatchObject({ status: 'resolved', resolution });
    expect(r.resolved_at).not.toBeNull();
    await expectOneEvent(tk.code, 'resolve', 'in_progress', 'resolved', p.ids.staffA);
    const out = (await messages(tk.id)).filter((m) => m.direction === 'outbound' && m.body.includes(resolution));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ visibility: 'public', author_staff_id: p.ids.staffA });
    await settle();
    const track = await supertest(t.app).get(`/api/v1/reports/${tk.code}?token=${tk.token}`);
    expect(track.body).toMatchObject({ status: 'resolved', resolution });
  });

  test('resolve straight from assigned also counts as the first response', async () => {
    const tk = await newTicket();
    await drive(tk.code, [[op, 'assign', { agencyId: p.agencyA }]]);
    expect((await act(leadA, tk.code, 'resolve', { resolution: 'Đã xử lý ngay' })).status).toBe(200);
    const r = await row(tk.code);
    expect(r.first_response_at).not.toBeNull();
    await expectOneEvent(tk.code, 'resolve', 'assigned', 'resolved', p.ids.leadA);
  });

  test('close (operator): resolved → closed, closed_at set', async () => {
    const tk = await newTicket();
    await drive(tk.code, [[op, 'assign', { agencyId: p.agencyA }], [staffA, 'accept'], [staffA, 'resolve', { resolution: 'Xong' }]]);
    const res = await act(op, tk.code, 'close', { note: 'công dân đồng ý' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'closed', from: 'resolved' });
    const r = await row(tk.code);
    expect(r.status).toBe('closed');
    expect(r.closed_at).not.toBeNull();
    await expectOneEvent(tk.code, 'close', 'resolved', 'closed', p.ids.operator);
  });

  test('reopen (operator): closed → reopened, resolved_at and closed_at cleared, reason kept', async () => {
    const tk = await newTicket();
    await drive(tk.code, [[op, 'assign', { agencyId: p.agencyA }], [staffA, 'accept'], [staffA, 'resolve', { resolution: 'Xong' }], [op, 'close']]);
    const res = await act(op, tk.code, 'reopen', { reason: 'Công dân báo ổ gà vẫn còn' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'reopened', from: 'closed', resolvedAt: null, closedAt: null });
    const r = await row(tk.code);
    expect(r).toMatchObject({ status: 'reopened', resolved_at: null, closed_at: null, status_reason: 'Công dân báo ổ gà vẫn còn', agency_id: p.agencyA });
    await expectOneEvent(tk.code, 'reopen', 'closed', 'reopened', p.ids.operator);
    // The agency can take it up again.
    expect((await act(staffA, tk.code, 'accept')).status).toBe(200);
  });

  test('transfer A → B with a reason: A loses the ticket (404), B sees and works it', async () => {
    const tk = await newTicket();
    await drive(tk.code, [[op, 'assign', { agencyId: p.agencyA }], [staffA, 'accept']]);
    const before = await snapshot(tk.code);
    const noReason = await act(staffA, tk.code, 'transfer', { agencyId: p.agencyB });
    expect(noReason.status).toBe(400);
    const self = await act(staffA, tk.code, 'transfer', { agencyId: p.agencyA, reason: 'nhầm' });
    expect(self.status).toBe(400);
    expect(self.body.error.code).toBe('invalid_action_input');
    const nowhere = await act(staffA, tk.code, 'transfer', { agencyId: 999_999, reason: 'nhầm' });
    expect(nowhere.status).toBe(400);
    expect(nowhere.body.error.code).toBe('unknown_agency');
    expect(await snapshot(tk.code)).toEqual(before);

    const res = await act(staffA, tk.code, 'transfer', { agencyId: p.agencyB, reason: 'Thuộc thẩm quyền đơn vị B' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'transferred', from: 'in_progress', agencyId: p.agencyB, assigneeId: null });
    expect(await row(tk.code)).toMatchObject({ status: 'transferred', agency_id: p.agencyB, assignee_id: null, status_reason: 'Thuộc thẩm quyền đơn vị B' });
    const e = await expectOneEvent(tk.code, 'transfer', 'in_progress', 'transferred', p.ids.staffA);
    expect(e.data).toMatchObject({ fromAgencyId: p.agencyA, toAgencyId: p.agencyB });

    expect((await staffA.get(`/api/v1/tickets/${tk.code}`)).status).toBe(404);
    expect((await leadA.get(`/api/v1/tickets/${tk.code}`)).status).toBe(404);
    const afterTransfer = await snapshot(tk.code);
    const again = await act(staffA, tk.code, 'resolve', { resolution: 'xong' });
    expect(again.status).toBe(404);
    expect(await snapshot(tk.code)).toEqual(afterTransfer);

    const seenByB = await staffB.get(`/api/v1/tickets/${tk.code}`);
    expect(seenByB.status).toBe(200);
    expect(seenByB.body.allowedActions).toContain('accept');
    expect((await act(staffB, tk.code, 'accept')).status).toBe(200);
    expect(await row(tk.code)).toMatchObject({ status: 'in_progress', agency_id: p.agencyB, assignee_id: p.ids.staffB });
  });

  test('return (agency): back to the call centre, agency and assignee cleared', async () => {
    const tk = await newTicket();
    await drive(tk.code, [[op, 'assign', { agencyId: p.agencyA, assigneeId: p.ids.staffA }]]);
    const res = await act(staffA, tk.code, 'return', { reason: 'Không thuộc thẩm quyền' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'returned', from: 'assigned', agencyId: null, assigneeId: null });
    expect(await row(tk.code)).toMatchObject({ status: 'returned', agency_id: null, assignee_id: null, status_reason: 'Không thuộc thẩm quyền' });
    const e = await expectOneEvent(tk.code, 'return', 'assigned', 'returned', p.ids.staffA);
    expect(e.data).toMatchObject({ fromAgencyId: p.agencyA });
    expect((await staffA.get(`/api/v1/tickets/${tk.code}`)).status).toBe(404);
    const seen = await op.get(`/api/v1/tickets/${tk.code}`);
    expect(seen.status).toBe(200);
    expect(seen.body.allowedActions).toEqual(expect.arrayContaining(['triage', 'assign', 'reject']));
  });

  test('reject (operator) needs a reason; the reason is stored and told to the citizen', async () => {
    const tk = await newTicket();
    const before = await snapshot(tk.code);
    for (const body of [{}, { reason: '   ' }, { reason: 42 }, { reason: 'x', extra: true }]) {
      const bad = await act(op, tk.code, 'reject', body);
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatchObject({ code: 'validation_failed', message: expect.any(String), messageEn: expect.any(String) });
    }
    expect(await snapshot(tk.code)).toEqual(before);

    const reason = `Nội dung không thuộc phạm vi 1022 (${engine})`;
    const res = await act(op, tk.code, 'reject', { reason });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'rejected', from: 'received', allowedActions: [] });
    expect(await row(tk.code)).toMatchObject({ status: 'rejected', status_reason: reason });
    await expectOneEvent(tk.code, 'reject', 'received', 'rejected', p.ids.operator);
    await settle();
    expect((await messages(tk.id)).some((m) => m.direction === 'outbound' && m.body.includes(reason))).toBe(true);
    // A rejected ticket takes no more public replies.
    const reply = await op.post(`/api/v1/tickets/${tk.code}/messages`, { body: 'Xin lỗi' });
    expect(reply.status).toBe(409);
    expect(reply.body.error.code).toBe('ticket_closed_for_replies');
  });

  test('merge (operator): the duplicate points at its target, whose resolution reaches both citizens', async () => {
    const dup = await newTicket('Ổ gà trước số 12 Lê Lợi (trùng)');
    const target = await newTicket('Ổ gà lớn đoạn số 10-12 Lê Lợi');
    const before = await snapshot(dup.code);
    const self = await act(op, dup.code, 'merge', { intoCode: dup.code });
    expect(self.status).toBe(400);
    expect(self.body.error.code).toBe('unknown_merge_target');
    const nowhere = await act(op, dup.code, 'merge', { intoCode: 'PA-0000-ZZZZZ' });
    expect(nowhere.status).toBe(400);
    expect(await snapshot(dup.code)).toEqual(before);
    expect(await events(target.code, 'merged_in')).toHaveLength(0);

    const res = await act(op, dup.code, 'merge', { intoCode: target.code });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'merged', from: 'received', mergedIntoId: target.id });
    expect(await row(dup.code)).toMatchObject({ status: 'merged', merged_into_id: target.id });
    const e = await expectOneEvent(dup.code, 'merge', 'received', 'merged', p.ids.operator);
    expect(e.data).toMatchObject({ intoCode: target.code });
    const mergedIn = await events(target.code, 'merged_in');
    expect(mergedIn).toHaveLength(1);
    expect(mergedIn[0]!.data).toMatchObject({ fromCode: dup.code });
    expect((await row(target.code)).status).toBe('received');

    const detail = await op.get(`/api/v1/tickets/${target.code}`);
    expect(detail.body.mergedCodes).toEqual([dup.code]);
    expect((await op.get(`/api/v1/tickets/${dup.code}`)).body.mergedIntoCode).toBe(target.code);

    const resolution = `Đã thảm lại mặt đường đoạn 10-12 Lê Lợi (${engine})`;
    await drive(target.code, [[op, 'assign', { agencyId: p.agencyA }], [staffA, 'accept'], [staffA, 'resolve', { resolution }]]);
    await settle();
    const toDup = (await messages(dup.id)).filter((m) => m.direction === 'outbound' && m.body.includes(resolution));
    expect(toDup).toHaveLength(1);
    expect(toDup[0]!.delivery_status).toBe('delivered');
    const track = await supertest(t.app).get(`/api/v1/reports/${dup.code}?token=${dup.token}`);
    expect(track.body.status).toBe('merged');
    expect(track.body.replies.some((r: { body: string }) => r.body.includes(resolution))).toBe(true);
  });

  test('merge into a rejected ticket is refused (409) and nothing changes', async () => {
    const dup = await newTicket();
    const rejected = await newTicket();
    await drive(rejected.code, [[op, 'reject', { reason: 'spam' }]]);
    const before = await snapshot(dup.code);
    const res = await act(sup, dup.code, 'merge', { intoCode: rejected.code });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('merge_target_closed');
    expect(await snapshot(dup.code)).toEqual(before);
    expect(await events(rejected.code, 'merged_in')).toHaveLength(0);
  });

  // ---- failures -------------------------------------------------------------------------------

  test.each([
    ['close on received (operator)', [], 'op', 'close', {}, 'received', ['triage', 'assign', 'reject', 'merge']],
    ['reopen on received (operator)', [], 'op', 'reopen', { reason: 'thử' }, 'received', ['triage', 'assign', 'reject', 'merge']],
    ['triage on assigned (operator)', ['assign'], 'op', 'triage', { priority: 'low' }, 'assigned', ['assign', 'merge']],
    ['merge on in_progress (operator)', ['assign', 'accept'], 'op', 'merge', { intoCode: 'PA-0000-ZZZZZ' }, 'in_progress', ['assign']],
    ['accept on in_progress (agency staff)', ['assign', 'accept'], 'staffA', 'accept', {}, 'in_progress', ['assign_staff', 'request_info', 'resolve', 'transfer', 'return']],
    ['request_info while waiting (agency staff)', ['assign', 'accept', 'request_info'], 'staffA', 'request_info', { message: 'lần 2' }, 'waiting_for_citizen', ['assign_staff', 'resolve', 'transfer', 'return']],
    ['resolve on resolved (agency staff)', ['assign', 'accept', 'resolve'], 'staffA', 'resolve', { resolution: 'lần 2' }, 'resolved', []],
  ] as [string, string[], 'op' | 'staffA', string, object, string, string[]][])(
    'invalid transition: %s → 409 with the allowed actions',
    async (_name, setup, whoName, action, body, status, allowed) => {
      const tk = await newTicket();
      const setupBodies: Record<string, unknown> = {
        assign: { agencyId: p.agencyA }, accept: {}, request_info: { message: 'Cần thêm ảnh' }, resolve: { resolution: 'Đã xử lý' },
      };
      await drive(tk.code, setup.map((a) => [a === 'assign' ? op : staffA, a, setupBodies[a]] as [Agent, string, unknown]));
      const before = await snapshot(tk.code);
      const res = await act(whoName === 'op' ? op : staffA, tk.code, action, body);
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('invalid_transition');
      expect(res.body.error).toMatchObject({ message: expect.any(String), messageEn: expect.any(String) });
      expect(res.body.error.details.status).toBe(status);
      expect(Array.isArray(res.body.error.details.allowedActions)).toBe(true);
      expect(res.body.error.details.allowedActions).toEqual(allowed);
      expect(await snapshot(tk.code)).toEqual(before);
    },
  );

  test('an action the role may not take → 403 with the allowed actions; nothing changes', async () => {
    const tk = await newTicket();
    await drive(tk.code, [[op, 'assign', { agencyId: p.agencyA }]]);
    const before = await snapshot(tk.code);
    const cases: [Agent, string, unknown][] = [
      [op, 'resolve', { resolution: 'xong' }],
      [op, 'accept', {}],
      [staffA, 'assign', { agencyId: p.agencyB }],
      [staffA, 'reject', { reason: 'không' }],
      [leadA, 'merge', { intoCode: 'PA-0000-ZZZZZ' }],
    ];
    for (const [who, action, body] of cases) {
      const res = await act(who, tk.code, action, body);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('action_not_allowed_for_role');
      expect(Array.isArray(res.body.error.details.allowedActions)).toBe(true);
    }
    expect(await snapshot(tk.code)).toEqual(before);
  });

  test('unknown actions → 404, including names of Object.prototype', async () => {
    const tk = await newTicket();
    const before = await snapshot(tk.code);
    for (const action of ['destroy', 'constructor', 'toString', '__proto__', 'hasOwnProperty', 'TRIAGE']) {
      const res = await act(op, tk.code, action, { reason: 'x' });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('unknown_action');
      expect(res.body.error).toMatchObject({ message: expect.any(String), messageEn: expect.any(String) });
    }
    expect(await snapshot(tk.code)).toEqual(before);
  });

  test('an action on an unknown ticket → 404', async () => {
    const res = await act(op, 'PA-0000-ZZZZZ', 'triage', { priority: 'low' });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('ticket_not_found');
  });

  const badBodies: [string, string, unknown][] = [
    ['assign without agencyId', 'assign', {}],
    ['assign with agencyId as a string', 'assign', { agencyId: 'A' }],
    ['assign with a fractional agencyId', 'assign', { agencyId: 1.5 }],
    ['assign with an unknown field', 'assign', { agencyId: 1, force: true }],
    ['triage with an unknown priority', 'triage', { priority: 'asap' }],
    ['triage with an unknown category', 'triage', { category: 'khong-ton-tai' }],
    ['triage with an unknown field', 'triage', { categoryCode: 'giao-thong' }],
    ['reject without a reason', 'reject', {}],
    ['reject with an empty reason', 'reject', { reason: '' }],
    ['merge without intoCode', 'merge', {}],
    ['merge with intoCode as a number', 'merge', { intoCode: 12345 }],
    ['reject with an array body', 'reject', []],
    ['reject with a string body', 'reject', '"spam"'],
  ];
  test.each(badBodies)('bad body (%s) → 400 with both messages; nothing changes', async (_what, action, body) => {
    const tk = await newTicket();
    const before = await snapshot(tk.code);
    const res = typeof body === 'string'
      ? await op.agent.post(`/api/v1/tickets/${tk.code}/actions/${action}`).set('x-csrf-token', await csrfOf(op)).set('content-type', 'application/json').send(body)
      : await act(op, tk.code, action, body);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toEqual(expect.any(String));
    expect(res.body.error.messageEn).toEqual(expect.any(String));
    expect(await snapshot(tk.code)).toEqual(before);
  });

  test('malformed JSON on an action → 400 malformed_json', async () => {
    const tk = await newTicket();
    const res = await op.agent.post(`/api/v1/tickets/${tk.code}/actions/reject`)
      .set('x-csrf-token', await csrfOf(op)).set('content-type', 'application/json').send('{"reason": "x"');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('malformed_json');
    expect((await row(tk.code)).status).toBe('received');
  });

  async function csrfOf(who: Agent): Promise<string> {
    const me = await who.get('/api/v1/auth/me');
    return me.body.csrfToken as string;
  }

  // ---- messages -------------------------------------------------------------------------------

  test('a public reply is queued, then delivered on the web channel, and shows on the tracking page', async () => {
    const tk = await newTicket();
    await drive(tk.code, [[op, 'assign', { agencyId: p.agencyA }]]);
    const text = `Chúng tôi sẽ kiểm tra trong hôm nay (${engine})`;
    const res = await staffA.post(`/api/v1/tickets/${tk.code}/messages`, { body: text });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ direction: 'outbound', visibility: 'public', channel: 'web', body: text, deliveryStatus: 'queued', authorStaffId: p.ids.staffA });
    const stored = (await messages(tk.id)).find((m) => m.id === res.body.id)!;
    expect(stored).toMatchObject({ visibility: 'public', body: text });
    const r = await row(tk.code);
    expect(r.first_response_at).not.toBeNull();
    expect(r.status).toBe('assigned');
    await expectOneEvent(tk.code, 'reply', null, null, p.ids.staffA);
    await settle();
    expect((await messages(tk.id)).find((m) => m.id === res.body.id)!.delivery_status).toBe('delivered');
    const track = await supertest(t.app).get(`/api/v1/reports/${tk.code}?token=${tk.token}`);
    expect(track.body.replies.map((m: { body: string }) => m.body)).toContain(text);
  });

  test('an internal note stays internal: not delivered, not on the tracking page', async () => {
    const tk = await newTicket();
    await drive(tk.code, [[op, 'assign', { agencyId: p.agencyA }]]);
    const note = `Ghi chú nội bộ: đã gọi đội duy tu (${engine})`;
    const res = await leadA.post(`/api/v1/tickets/${tk.code}/messages`, { body: note, visibility: 'internal' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ visibility: 'internal', deliveryStatus: 'internal', body: note });
    const stored = (await messages(tk.id)).find((m) => m.id === res.body.id)!;
    expect(stored).toMatchObject({ visibility: 'internal', delivery_status: 'internal', channel: 'internal' });
    expect((await row(tk.code)).first_response_at).toBeNull();
    await expectOneEvent(tk.code, 'note', null, null, p.ids.leadA);
    await settle();
    expect((await messages(tk.id)).find((m) => m.id === res.body.id)!.delivery_status).toBe('internal');
    const track = await supertest(t.app).get(`/api/v1/reports/${tk.code}?token=${tk.token}`);
    expect(track.status).toBe(200);
    expect(JSON.stringify(track.body)).not.toContain('đội duy tu');
    // Staff still see it in the ticket.
    const detail = await staffA.get(`/api/v1/tickets/${tk.code}`);
    expect(detail.body.messages.map((m: { body: string }) => m.body)).toContain(note);
  });

  test('bad message bodies → 400; nothing is stored', async () => {
    const tk = await newTicket();
    const before = await snapshot(tk.code);
    for (const body of [{}, { body: '' }, { body: '   ' }, { body: 5 }, { body: 'ok', visibility: 'secret' }, { body: 'ok', to: 'all' }]) {
      const res = await op.post(`/api/v1/tickets/${tk.code}/messages`, body);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ message: expect.any(String), messageEn: expect.any(String) });
    }
    expect(await snapshot(tk.code)).toEqual(before);
  });

  // ---- phone tickets --------------------------------------------------------------------------

  test('an operator logs a phone call as a ticket (201, channel phone)', async () => {
    const res = await op.post('/api/v1/tickets', {
      text: 'Công dân gọi báo đèn tín hiệu ngã tư Trần Phú hỏng', category, priority: 'urgent',
      contact: { name: 'Trần Văn Nam', phone: '0903 111 222' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ channel: 'phone', status: 'received', categoryCode: category, priority: 'urgent' });
    expect(res.body.code).toMatch(/^PA-\d{4}-[0-9A-Z]{5}$/);
    expect(res.body.trackingToken).toBeUndefined();
    const stored = await t.db.query<{ channel: string; phone: string; display_name: string; priority: string }>(
      `SELECT t.channel, t.priority, c.phone, c.display_name FROM tickets t JOIN citizens c ON c.id = t.citizen_id WHERE t.code = $1`, [res.body.code]);
    expect(stored[0]).toMatchObject({ channel: 'phone', priority: 'urgent', phone: '+84903111222', display_name: 'Trần Văn Nam' });
    await expectOneEvent(res.body.code, 'created', null, 'received');
  });

  test('agency staff cannot log phone tickets (403); bad phone tickets are 400; nothing is created', async () => {
    const count = async () => (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tickets'))[0]!.n;
    const before = await count();
    for (const who of [staffA, leadA]) {
      const res = await who.post('/api/v1/tickets', { text: 'Đèn đường hỏng ở ngõ 5' });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('role_not_allowed');
    }
    for (const body of [{ text: 'abc' }, { text: 'Đèn đường hỏng', channel: 'web' }, { text: 'Đèn đường hỏng', contact: { phone: 'gọi tôi' } }, { text: 'Đèn đường hỏng', category: 'khong-co' }]) {
      const res = await op.post('/api/v1/tickets', body);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ message: expect.any(String), messageEn: expect.any(String) });
    }
    expect(await count()).toBe(before);
  });
});
