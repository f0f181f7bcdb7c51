import type { ChannelFactory, InboundMessage } from '../src/channels/types';
import type { ChannelSender, OutboundMessage } from '../src/outbound/senders';
import { ENGINES } from './helpers/db';
import { startTestHub, type TestHub } from './helpers/hub';

/**
 * A delivery is claimed before it is sent: two attempts at once (a stalled job picked up by a
 * second worker, a recovery sweep racing the first try) send it once. A claim left by a process
 * that died mid-send is recovered: an automatic notice becomes 'unconfirmed' and is not sent
 * again; a staff reply is queued again and goes out.
 */
const sent: OutboundMessage[] = [];
let gate: Promise<void> | null = null;
const slowSender: ChannelSender = {
  channel: 'sms',
  async send(m) {
    sent.push(m);
    if (gate) await gate;
    return { status: 'sent', externalId: `SM-${m.messageId}-${sent.length}` };
  },
};
/** Like SMTP: a send killed mid-conversation most likely never arrived, so it is sent again. */
const mailSender: ChannelSender = {
  channel: 'email', resendWhenInterrupted: true,
  async send(m) { sent.push(m); return { status: 'sent', externalId: `<m-${m.messageId}@hub>` }; },
};
const mailChannel: ChannelFactory = () => ({ channel: 'email', enabled: true, sender: mailSender, parse: () => [] });
/** Like the Messenger sender: looks the citizen up first, claims right before the request. */
const network: OutboundMessage[] = [];
let lookup: Promise<void> | null = null;
const lateSender: ChannelSender = {
  channel: 'facebook', claimsLate: true,
  async send(m) {
    if (lookup) await lookup;
    await m.claim!();
    network.push(m);
    return { status: 'sent', externalId: `m_${m.messageId}_${network.length}` };
  },
};
const lateChannel: ChannelFactory = () => ({ channel: 'facebook', enabled: true, sender: lateSender, parse: () => [] });
const smsChannel: ChannelFactory = () => ({
  channel: 'sms', enabled: true, sender: slowSender,
  parse: (e) => [{ ...(e.payload as Omit<InboundMessage, 'sentAt'>), sentAt: new Date() }],
});

describe.each(ENGINES)('claimed deliveries on %s', (engine) => {
  let t: TestHub;
  beforeAll(async () => { sent.length = 0; network.length = 0; t = await startTestHub(engine, {}, { channelFactories: [smsChannel, mailChannel, lateChannel] }); });
  afterAll(async () => { await t.close(); });

  async function ticketWithAck(phone: string): Promise<{ ticketId: number; ackId: number }> {
    const msg = { channel: 'sms', externalId: `${engine}-${phone}`, identity: { kind: 'phone', value: phone }, text: 'Nắp cống bị mất trước cổng trường', attachments: [], kind: 'message' };
    await t.hub.channelStore.acceptEvents('sms', [{ key: msg.externalId, payload: msg }]);
    await t.hub.settle();
    const [row] = await t.db.query<{ ticket_id: number; id: number }>(
      `SELECT m.ticket_id, m.id FROM messages m JOIN tickets t ON t.id = m.ticket_id JOIN citizen_identities ci ON ci.citizen_id = t.citizen_id
       WHERE ci.value = $1 AND m.direction = 'outbound' AND m.dedupe_key LIKE 'ack-%'`, [phone]);
    return { ticketId: row!.ticket_id, ackId: row!.id };
  }
  const status = async (id: number) => (await t.db.query<{ delivery_status: string }>('SELECT delivery_status FROM messages WHERE id = $1', [id]))[0]!.delivery_status;

  test('two deliveries of one message at the same moment send it once', async () => {
    const { ackId } = await ticketWithAck('+84912000101');
    expect(sent.filter((m) => m.messageId === ackId)).toHaveLength(1);
    // Make it due again, then race three attempts while the platform is slow to answer.
    await t.db.query(`UPDATE messages SET delivery_status = 'queued' WHERE id = $1`, [ackId]);
    let open!: () => void;
    gate = new Promise<void>((r) => { open = r; });
    const racing = Promise.all([1, 2, 3].map((a) => t.hub.notifier.deliver(ackId, a, 5)));
    await new Promise((r) => setTimeout(r, 100));
    expect(await status(ackId)).toBe('sending');
    open();
    await racing;
    gate = null;
    expect(sent.filter((m) => m.messageId === ackId)).toHaveLength(2); // the first send, then exactly one of the three
    expect(await status(ackId)).toBe('sent');
  });

  test('a claim left by a killed process: the acknowledgement is marked unconfirmed, a staff reply goes out again', async () => {
    const { ticketId, ackId } = await ticketWithAck('+84912000102');
    const before = sent.length;
    // As if the process died after claiming: both stay 'sending', long ago.
    const [reply] = await t.db.query<{ id: number }>(
      `INSERT INTO messages (ticket_id, direction, channel, author_staff_id, body, delivery_status, updated_at)
       VALUES ($1, 'outbound', 'sms', NULL, 'Trả lời', 'sending', now() - interval '10 minutes') RETURNING id`, [ticketId]);
    const staff = await t.db.query<{ id: number }>(`INSERT INTO staff_users (email, display_name, role, password_hash) VALUES ($1, 'Cán bộ', 'operator', 'x') RETURNING id`, [`claim-${engine}@test.vn`]);
    await t.db.query(`UPDATE messages SET author_staff_id = $2 WHERE id = $1`, [reply!.id, staff[0]!.id]);
    await t.db.query(`UPDATE messages SET delivery_status = 'sending', updated_at = now() - interval '10 minutes' WHERE id = $1`, [ackId]);
    // A claim younger than the threshold is left alone (its sender may still be waiting for the platform).
    expect(await t.hub.notifier.recoverStaleDeliveries(3600)).toBe(0);
    expect(await status(ackId)).toBe('sending');
    await t.hub.notifier.recoverStaleDeliveries(120);
    await t.hub.settle();
    expect(await status(ackId)).toBe('unconfirmed');
    expect(await status(reply!.id)).toBe('sent');
    expect(sent.slice(before).map((m) => m.messageId)).toEqual([reply!.id]);
  });

  test('a sender that claims late: racing attempts make one request; one that dies in its lookup leaves the message queued', async () => {
    const { ticketId } = await ticketWithAck('+84912000104');
    const [msg] = await t.db.query<{ id: number }>(
      `INSERT INTO messages (ticket_id, direction, channel, dedupe_key, body, delivery_status) VALUES ($1, 'outbound', 'facebook', $2, 'Thông báo', 'queued') RETURNING id`,
      [ticketId, `late-${engine}`]);
    let open!: () => void;
    lookup = new Promise<void>((r) => { open = r; });
    const racing = Promise.all([1, 2, 3].map((a) => t.hub.notifier.deliver(msg!.id, a, 5)));
    await new Promise((r) => setTimeout(r, 100));
    // Still looking things up: nothing has left, so nothing is in doubt.
    expect(await status(msg!.id)).toBe('queued');
    open();
    await racing;
    lookup = null;
    expect(network.filter((m) => m.messageId === msg!.id)).toHaveLength(1);
    expect(await status(msg!.id)).toBe('sent');
  });

  test('an interrupted mail (an SMTP conversation) is sent again, not left unconfirmed', async () => {
    const { ticketId } = await ticketWithAck('+84912000103');
    const [mail] = await t.db.query<{ id: number }>(
      `INSERT INTO messages (ticket_id, direction, channel, dedupe_key, body, delivery_status, updated_at)
       VALUES ($1, 'outbound', 'email', $2, 'Thông báo', 'sending', now() - interval '10 minutes') RETURNING id`, [ticketId, `claim-mail-${engine}`]);
    const before = sent.length;
    await t.hub.notifier.recoverStaleDeliveries(120);
    await t.hub.settle();
    expect(await status(mail!.id)).toBe('sent');
    expect(sent.slice(before).map((m) => m.messageId)).toEqual([mail!.id]);
  });
});
