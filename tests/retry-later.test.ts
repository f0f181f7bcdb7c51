import type { ChannelFactory, InboundMessage } from '../src/channels/types';
import { RetryLaterError, type ChannelSender } from '../src/outbound/senders';
import { ENGINES } from './helpers/db';
import { startTestHub, type TestHub } from './helpers/hub';

/**
 * A platform that says "not now, at this time" (Zalo's night-time block): the reply stays queued,
 * with the reason visible, as a delivery job delayed to that time; it is not failed.
 */
const retryAt = new Date(Date.now() + 6 * 3600_000);
const nightSender: ChannelSender = {
  channel: 'sms',
  async send() { throw new RetryLaterError('blocked at night, will send at 06:00', retryAt); },
};
const nightChannel: ChannelFactory = () => ({
  channel: 'sms', enabled: true, sender: nightSender,
  parse: (e) => {
    const p = e.payload as Omit<InboundMessage, 'sentAt'>;
    return [{ ...p, sentAt: new Date() }];
  },
});

describe.each(ENGINES)('a sender that asks to retry later, on %s', (engine) => {
  let t: TestHub;
  beforeAll(async () => { t = await startTestHub(engine, {}, { channelFactories: [nightChannel] }); });
  afterAll(async () => { await t.close(); });

  test('the acknowledgement stays queued with the reason and is scheduled for the given time', async () => {
    const msg = { channel: 'sms', externalId: `${engine}-night-1`, identity: { kind: 'phone', value: '+84911222333' }, text: 'Đèn đường tắt cả khu', attachments: [], kind: 'message' };
    await t.hub.channelStore.acceptEvents('sms', [{ key: msg.externalId, payload: msg }]);
    await t.hub.settle();
    const [ack] = await t.db.query<{ id: number; delivery_status: string; delivery_error: string | null }>(
      `SELECT m.id, m.delivery_status, m.delivery_error FROM messages m JOIN tickets t ON t.id = m.ticket_id
       JOIN citizen_identities ci ON ci.citizen_id = t.citizen_id WHERE ci.value = '+84911222333' AND m.direction = 'outbound'`);
    expect(ack).toBeDefined();
    expect(ack!.delivery_status).toBe('queued');
    expect(ack!.delivery_error).toMatch(/06:00/);
    const jobs = await t.db.query<{ run_at: Date; status: string }>(`SELECT run_at, status FROM jobs WHERE dedupe_key = $1`, [`deliver-${ack!.id}-at-${retryAt.getTime()}`]);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.status).toBe('pending');
    expect(Math.abs(jobs[0]!.run_at.getTime() - retryAt.getTime())).toBeLessThan(10_000);
  });
});
