import type { ChannelFactory, InboundMessage } from '../src/channels/types';
import { ENGINES } from './helpers/db';
import { startTestHub, type TestHub } from './helpers/hub';

/** A minimal channel whose raw events are already normalised messages: it exercises the pipeline. */
const fakeChannel: ChannelFactory = () => ({
  channel: 'sms',
  enabled: true,
  parse: (e) => {
    const p = e.payload as Omit<InboundMessage, 'sentAt'> & { sentAt: string };
    return [{ ...p, sentAt: new Date(p.sentAt) }];
  },
});

const msg = (id: string, from: string, text: string, extra: Partial<InboundMessage> = {}) => ({
  channel: 'sms', externalId: id, identity: { kind: 'phone', value: from }, text, attachments: [],
  sentAt: new Date().toISOString(), kind: 'message', ...extra,
});

describe.each(ENGINES)('inbound pipeline and threading on %s', (engine) => {
  let t: TestHub;
  beforeAll(async () => { t = await startTestHub(engine, {}, { channelFactories: [fakeChannel] }); });
  afterAll(async () => { await t.close(); });

  const deliver = async (payload: ReturnType<typeof msg>) => {
    await t.hub.channels[0]!.channel; // the fake channel is registered
    await t.hub.channelStore.acceptEvents('sms', [{ key: payload.externalId, payload }]);
    await t.hub.settle();
  };
  const ticketsOf = (phone: string) => t.db.query<{ code: string; status: string; n: number }>(
    `SELECT t.code, t.status, (SELECT count(*)::int FROM messages m WHERE m.ticket_id = t.id AND m.direction = 'inbound') AS n
     FROM tickets t JOIN citizen_identities ci ON ci.citizen_id = t.citizen_id WHERE ci.kind = 'phone' AND ci.value = $1 ORDER BY t.id`, [phone]);

  test("one sender's messages are handled in arrival order, even when stored in one burst: one ticket each, first message first", async () => {
    // 12 citizens each send three messages at once (as a platform delivers a burst); the job runner
    // claims them together. Without ordering, a follow-up could be threaded before the first message
    // had made its ticket, and open a second one.
    const senders = Array.from({ length: 12 }, (_, i) => `+8491200${engine === 'postgres' ? 1 : 2}${String(i).padStart(3, '0')}`);
    await t.hub.channelStore.acceptEvents('sms', senders.flatMap((from, i) => [1, 2, 3].map((k) => {
      const payload = msg(`${engine}-burst-${i}-${k}`, from, k === 1 ? `Cây đổ chắn đường số ${i}` : `Bổ sung lần ${k}`);
      return { key: payload.externalId, payload, sender: from };
    })));
    await t.hub.settle(60_000);
    for (const from of senders) {
      const rows = await ticketsOf(from);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.n).toBe(3);
      const bodies = await t.db.query<{ body: string }>(`SELECT m.body FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE t.code = $1 AND m.direction = 'inbound' ORDER BY m.id`, [rows[0]!.code]);
      expect(bodies.map((b) => b.body)).toEqual([expect.stringMatching(/^Cây đổ/), 'Bổ sung lần 2', 'Bổ sung lần 3']);
    }
  });

  test('a first message opens a ticket; a follow-up within the window joins it; a retry is one message', async () => {
    await deliver(msg(`${engine}-m1`, '+84911000001', 'Nước máy khu phố 3 mất từ sáng'));
    await deliver(msg(`${engine}-m2`, '+84911000001', 'Đến giờ vẫn chưa có nước'));
    await t.hub.channelStore.acceptEvents('sms', [{ key: `${engine}-m2-retry`, payload: msg(`${engine}-m2`, '+84911000001', 'Đến giờ vẫn chưa có nước') }]);
    await t.hub.settle();
    const rows = await ticketsOf('+84911000001');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.n).toBe(2);
    const events = await t.db.query<{ outcome: string }>(`SELECT outcome FROM webhook_events WHERE event_key LIKE $1 ORDER BY id`, [`${engine}-m%`]);
    expect(events.map((e) => e.outcome)).toEqual(['ticket_created', 'message_appended', 'duplicate']);
  });

  test('the same platform event twice is stored once', async () => {
    const p = msg(`${engine}-dup`, '+84911000002', 'Đèn đường hỏng');
    expect(await t.hub.channelStore.acceptEvents('sms', [{ key: p.externalId, payload: p }])).toBe(1);
    expect(await t.hub.channelStore.acceptEvents('sms', [{ key: p.externalId, payload: p }])).toBe(0);
  });

  test('a message quoting a ticket code joins that ticket, whoever sends it', async () => {
    await deliver(msg(`${engine}-c1`, '+84911000003', 'Cây đổ chắn đường'));
    const [first] = await ticketsOf('+84911000003');
    await deliver(msg(`${engine}-c2`, '+84911000004', `Bổ sung cho phản ánh ${first!.code.toLowerCase()}: cây rất to`));
    expect(await ticketsOf('+84911000004')).toHaveLength(0);
    expect((await ticketsOf('+84911000003'))[0]!.n).toBe(2);
  });

  test('a reply to a ticket waiting for the citizen resumes it', async () => {
    await deliver(msg(`${engine}-w1`, '+84911000005', 'Ổ gà trước cổng trường'));
    const [tk] = await ticketsOf('+84911000005');
    await t.db.query(`UPDATE tickets SET status = 'waiting_for_citizen' WHERE code = $1`, [tk!.code]);
    await deliver(msg(`${engine}-w2`, '+84911000005', 'Địa chỉ: số 20 Lê Lợi'));
    const [after] = await ticketsOf('+84911000005');
    expect(after!.status).toBe('in_progress');
    const ev = await t.db.query<{ type: string }>(`SELECT e.type FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.code = $1 ORDER BY e.id`, [tk!.code]);
    expect(ev.map((e) => e.type)).toContain('citizen_reply');
  });

  test('after the window, or once closed, a new message opens a new ticket', async () => {
    await deliver(msg(`${engine}-o1`, '+84911000006', 'Rác chưa thu gom'));
    const [tk] = await ticketsOf('+84911000006');
    await t.db.query(`UPDATE tickets SET status = 'closed' WHERE code = $1`, [tk!.code]);
    await deliver(msg(`${engine}-o2`, '+84911000006', 'Lại có rác ở đầu ngõ'));
    expect(await ticketsOf('+84911000006')).toHaveLength(2);
    await t.db.query(`UPDATE tickets SET status = 'in_progress', updated_at = now() - interval '5 days' WHERE citizen_id = (SELECT citizen_id FROM citizen_identities WHERE value = '+84911000006')`);
    await deliver(msg(`${engine}-o3`, '+84911000006', 'Chuyện khác: đèn đường hỏng'));
    expect(await ticketsOf('+84911000006')).toHaveLength(3);
  });
});
