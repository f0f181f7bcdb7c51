import net from 'node:net';
import { freePort } from './helpers/net';
import { ENGINES } from './helpers/db';
import { startTestHub, type TestHub } from './helpers/hub';

// hoodiecrow-imap: a scriptable in-memory IMAP server (no types); user "testuser" / "testpass".
type HoodieMessage = { raw: string; flags: string[]; uid: number };
type Hoodiecrow = {
  listen(port: number, host: string, cb: () => void): void;
  close(cb: () => void): void;
  getMailbox(path: string): { messages: HoodieMessage[] };
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const hoodiecrow = require('hoodiecrow-imap') as (opts: unknown) => Hoodiecrow;


async function startImap(port: number, raws: string[]): Promise<Hoodiecrow> {
  const server = hoodiecrow({ storage: { INBOX: { messages: raws.map((raw) => ({ raw })) }, '': {} } });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// 7-bit only (encoded-word subject, base64 body), as real servers deliver it; hoodiecrow keeps sources as JS strings.
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const mail = (h: { from: string; subject: string; id: string; text: string }) =>
  [`From: ${h.from}`, 'To: 1022@hub.test', `Subject: =?UTF-8?B?${b64(h.subject)}?=`, `Message-ID: ${h.id}`, 'Date: Mon, 1 Jan 2024 09:00:00 +0700',
    'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64', '', b64(h.text), ''].join('\r\n');

describe.each(ENGINES)('email IMAP polling on %s', (engine) => {
  let t: TestHub;
  let imap: Hoodiecrow;
  let imapPort: number;
  let code = '';
  let existingId = 0;
  const newId = `<imap-new.${engine}@citizen.example>`;
  const replyId = `<imap-reply.${engine}@citizen.example>`;

  const messageTicket = async (externalId: string) => (await t.db.query<{ ticket_id: number }>(
    `SELECT ticket_id FROM messages WHERE channel = 'email' AND external_id = $1`, [externalId]))[0];
  const emailMessageCount = async () => (await t.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM messages WHERE channel = 'email' AND direction = 'inbound'`))[0]!.n;

  beforeAll(async () => {
    imapPort = await freePort();
    t = await startTestHub(engine, { IMAP_URL: `imap://testuser:testpass@127.0.0.1:${imapPort}/INBOX`, IMAP_POLL_SECONDS: '1' }, { start: false });
    const { ticket } = await t.hub.intake.submit({ channel: 'web', text: 'Cây đổ chắn ngang đường Trần Phú', contact: { email: `reporter.${engine}@citizen.example` } });
    code = ticket.code;
    existingId = ticket.id;
    imap = await startImap(imapPort, [
      mail({ from: `=?UTF-8?B?${b64('Lê Thị Bình')}?= <binh.${engine}@citizen.example>`, subject: 'Đèn đường hỏng ở ngõ 5', id: newId, text: 'Đèn đường ở ngõ 5 phố Huế tắt ba hôm nay.' }),
      mail({ from: `reporter.${engine}@citizen.example`, subject: `Re: [${code}] Cây đổ`, id: replyId, text: 'Cây vẫn chưa được dọn, xin xử lý sớm.' }),
    ]);
    await t.hub.start();
  });
  afterAll(async () => {
    await t?.close();
    await new Promise<void>((resolve) => (imap ? imap.close(() => resolve()) : resolve()));
  });

  test('unseen mail becomes a new ticket and a reply on the existing one; both are marked \\Seen after storing', async () => {
    const fresh = await waitFor('the new mail', () => messageTicket(newId));
    const reply = await waitFor('the reply', () => messageTicket(replyId));
    await t.hub.settle();
    expect(fresh.ticket_id).not.toBe(existingId);
    expect(reply.ticket_id).toBe(existingId);
    const [tk] = await t.db.query<{ channel: string; description: string }>('SELECT channel, description FROM tickets WHERE id = $1', [fresh.ticket_id]);
    expect(tk!.description).toContain('Đèn đường');
    const events = await t.db.query<{ event_key: string; payload: { from: string; to: string[]; subject: string } }>(
      `SELECT event_key, payload FROM webhook_events WHERE channel = 'email' ORDER BY id`);
    expect(events.map((e) => e.event_key).sort()).toEqual([newId, replyId].sort());
    expect(events.find((e) => e.event_key === newId)!.payload).toMatchObject({ from: `binh.${engine}@citizen.example`, to: ['1022@hub.test'] });
    await waitFor('both messages \\Seen', async () => imap.getMailbox('INBOX').messages.every((m) => m.flags.includes('\\Seen')));
  });

  test('later polls create no duplicates, even when a stored mail is unseen again (crash before \\Seen)', async () => {
    const before = await emailMessageCount();
    expect(before).toBe(2);
    const msgs = imap.getMailbox('INBOX').messages;
    msgs[0]!.flags = msgs[0]!.flags.filter((f) => f !== '\\Seen');
    await waitFor('the re-read mail \\Seen again', async () => msgs[0]!.flags.includes('\\Seen'));
    await new Promise((r) => setTimeout(r, 2_500)); // two more rounds
    await t.hub.settle();
    expect(await emailMessageCount()).toBe(before);
    const [n] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_events WHERE channel = 'email'`);
    expect(n!.n).toBe(2);
  });

  test('a wrong password marks the email channel unhealthy and crashes nothing', async () => {
    const bad = await startTestHub(engine, { IMAP_URL: `imap://testuser:wrong@127.0.0.1:${imapPort}/INBOX`, IMAP_POLL_SECONDS: '1' });
    try {
      const h = await waitFor('an email health row', async () => (await bad.db.query<{ status: string; reason: string | null }>(
        `SELECT status, reason FROM channel_health WHERE channel = 'email'`))[0]);
      expect(h.status).not.toBe('healthy');
      expect(h.reason).toMatch(/IMAP/);
      await new Promise((r) => setTimeout(r, 1_500)); // another failing round: still running
      const status = (await bad.hub.channelStatus()).find((c) => c.channel === 'email');
      expect(status).toMatchObject({ enabled: true });
      expect(status!.status).not.toBe('healthy');
    } finally {
      await bad.close();
    }
  });
});
