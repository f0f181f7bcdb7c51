import net from 'node:net';
import { freePort } from './helpers/net';
import { simpleParser, type ParsedMail } from 'mailparser';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { emailChannel } from '../src/channels/email';
import { SmtpListener } from '../src/channels/email/listener';
import { parseEmailEvent, stripQuoted } from '../src/channels/email/mime';
import { EmailSender, emailIdentity, replySubject } from '../src/channels/email/sender';
import type { ChannelContext, StoredWebhookEvent } from '../src/channels/types';
import { loadConfig } from '../src/config';
import { SqlOutboundStore } from '../src/db/outbound-store';
import { PermanentDeliveryError } from '../src/outbound/senders';
import { silentLogger } from '../src/shared/logger';
import { ENGINES } from './helpers/db';
import { startTestHub, type TestHub } from './helpers/hub';

// ---------- helpers: a free port, a local SMTP sink for our replies, a raw SMTP client ----------


type SunkMail = { mailFrom: string; rcptTo: string[]; parsed: ParsedMail };

/** What the relay (SMTP_URL) receives; RCPT TO addresses starting with "reject" get 550 like a real MTA. */
async function startSink() {
  const mails: SunkMail[] = [];
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'], logger: false,
    onRcptTo(addr, _s, cb) {
      if (addr.address.startsWith('reject')) return cb(Object.assign(new Error('5.1.1 Mailbox unavailable'), { responseCode: 550 }));
      cb();
    },
    onData(stream, session, cb) {
      simpleParser(stream).then((parsed) => {
        mails.push({ mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', rcptTo: session.envelope.rcptTo.map((r) => r.address), parsed });
        cb();
      }, cb);
    },
  });
  server.on('error', () => undefined);
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.server.address() as net.AddressInfo).port)));
  return {
    port, mails,
    to: (addr: string) => mails.filter((m) => m.rcptTo.includes(addr)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A plain SMTP conversation, for what nodemailer will not send (null sender, undeclared huge DATA, garbage). */
class RawSmtp {
  private buf = '';
  private waiting: ((reply: string) => void) | null = null;
  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => { this.buf += d; this.check(); });
    socket.on('error', () => undefined);
  }
  static async open(port: number): Promise<{ c: RawSmtp; greeting: string }> {
    const socket = net.connect(port, '127.0.0.1');
    const c = new RawSmtp(socket);
    const greeting = await c.reply();
    return { c, greeting };
  }
  private check() {
    const m = /(^|\r\n)(\d{3}) [^\r\n]*\r\n/.exec(this.buf);
    if (m && this.waiting) {
      const end = m.index + m[0].length;
      const reply = this.buf.slice(0, end);
      this.buf = this.buf.slice(end);
      const w = this.waiting;
      this.waiting = null;
      w(reply);
    }
  }
  reply(): Promise<string> {
    return new Promise((resolve) => { this.waiting = resolve; this.check(); });
  }
  cmd(line: string): Promise<string> {
    this.socket.write(line + '\r\n');
    return this.reply();
  }
  async data(message: Buffer | string): Promise<string> {
    const r = await this.cmd('DATA');
    if (!r.startsWith('354')) return r;
    this.socket.write(message);
    this.socket.write('\r\n.\r\n');
    return this.reply();
  }
  async quit() {
    await this.cmd('QUIT').catch(() => '');
    this.socket.destroy();
  }
}

async function rawSend(port: number, mailFrom: string, rcpt: string, message: Buffer | string): Promise<string> {
  const { c } = await RawSmtp.open(port);
  await c.cmd('EHLO test.local');
  const mf = await c.cmd(`MAIL FROM:<${mailFrom}>`);
  if (!mf.startsWith('250')) { await c.quit(); return mf; }
  await c.cmd(`RCPT TO:<${rcpt}>`);
  const r = await c.data(message);
  await c.quit();
  return r;
}

const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n');

// ---------- the channel over real SMTP, on both engines ----------

describe.each(ENGINES)('email channel on %s', (engine) => {
  let t: TestHub;
  let sink: Awaited<ReturnType<typeof startSink>>;
  let port: number;
  let client: ReturnType<typeof nodemailer.createTransport>;
  const addr = (local: string) => `${local}.${engine}@citizen.example`;

  beforeAll(async () => {
    sink = await startSink();
    port = await freePort();
    t = await startTestHub(engine, { SMTP_INBOUND_PORT: String(port), SMTP_URL: `smtp://127.0.0.1:${sink.port}` });
    client = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  });
  afterAll(async () => {
    client?.close();
    await t?.close();
    await sink?.close();
  });

  // The started hub's own relay loop may hold an outbox row (SKIP LOCKED) while dispatchAll() runs, so
  // one dispatchAll + drain can return before the job exists: repeat until nothing is pending.
  const pump = async () => {
    for (let i = 0; i < 200; i++) {
      await t.hub.relay.dispatchAll();
      await t.hub.queue.drain();
      const [p] = await t.db.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM outbox WHERE dispatched_at IS NULL)::int
              + (SELECT count(*) FROM jobs WHERE status = 'running' OR (status = 'pending' AND run_at <= now()))::int AS n`);
      if (p!.n === 0) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('pipeline did not settle');
  };
  const send = (mail: Parameters<typeof client.sendMail>[0]) => client.sendMail({ to: '1022@hub.test', ...mail });
  const ticketByMessage = async (externalId: string) => (await t.db.query<{ id: number; code: string; description: string; updated_at: Date }>(
    `SELECT t.id, t.code, t.description, t.updated_at FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.channel = 'email' AND m.external_id = $1`, [externalId]))[0];
  const ticketsOf = (email: string) => t.db.query<{ code: string }>(
    `SELECT t.code FROM tickets t JOIN citizen_identities ci ON ci.citizen_id = t.citizen_id WHERE ci.kind = 'email' AND ci.value = $1`, [email]);
  const inboundOf = (ticketId: number) => t.db.query<{ external_id: string; body: string; attachments: { fileName: string; contentType: string }[] }>(
    `SELECT external_id, body, attachments FROM messages WHERE ticket_id = $1 AND direction = 'inbound' ORDER BY id`, [ticketId]);
  const eventOf = async (key: string) => (await t.db.query<{ id: number; outcome: string | null; error: string | null }>(
    `SELECT id, outcome, error FROM webhook_events WHERE channel = 'email' AND event_key = $1`, [key]))[0];

  const citizen = addr('an.nguyen');
  const firstId = `<first.${engine}@citizen.example>`;
  let code = '';
  let ackId = '';

  test('a new mail opens a ticket with its subject and text; the acknowledgement answers in the same thread', async () => {
    await send({
      from: `"Nguyễn Văn An" <${citizen.replace('an.nguyen', 'An.Nguyen')}>`,
      subject: 'Ổ gà trên đường Lê Lợi',
      text: 'Ổ gà rất sâu trước số 10, xe máy dễ ngã.\n\nOn Mon, 1 Jan 2024 at 09:00, Ai đó <x@y.vn> wrote:\n> thư cũ không liên quan\n',
      messageId: firstId,
    });
    await pump();
    const tk = await ticketByMessage(firstId);
    expect(tk).toBeDefined();
    code = tk!.code;
    expect(tk!.description).toBe('Ổ gà trên đường Lê Lợi\n\nỔ gà rất sâu trước số 10, xe máy dễ ngã.');
    expect((await ticketsOf(citizen)).map((r) => r.code)).toEqual([code]);
    const who = await t.db.query<{ display_name: string | null; email: string | null }>(
      `SELECT c.display_name, c.email FROM citizens c JOIN tickets t ON t.citizen_id = c.id WHERE t.code = $1`, [code]);
    expect(who[0]).toEqual({ display_name: 'Nguyễn Văn An', email: citizen });
    expect((await eventOf(firstId))!.outcome).toBe('ticket_created');

    const acks = sink.to(citizen);
    expect(acks).toHaveLength(1);
    const ack = acks[0]!.parsed;
    expect(ack.subject).toBe(`Re: [${code}] Ổ gà trên đường Lê Lợi`);
    expect(ack.inReplyTo).toBe(firstId);
    expect([ack.references].flat()).toEqual([firstId]);
    expect(ack.messageId).toMatch(new RegExp(`^<${code}\\.\\d+@hub\\.test>$`));
    expect(ack.text).toContain(code);
    expect(ack.headers.get('x-hub-ticket')).toBe(code);
    ackId = ack.messageId!;
    const out = await t.db.query<{ delivery_status: string; external_id: string }>(
      `SELECT m.delivery_status, m.external_id FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE t.code = $1 AND m.direction = 'outbound'`, [code]);
    expect(out).toEqual([{ delivery_status: 'sent', external_id: ackId }]);
  });

  test('a reply whose In-Reply-To is our acknowledgement joins the ticket (no ticket code, outside the time window)', async () => {
    const tk = await ticketByMessage(firstId);
    await t.db.query(`UPDATE tickets SET updated_at = now() - interval '10 days' WHERE id = $1`, [tk!.id]);
    const replyId = `<reply.${engine}@citizen.example>`;
    await send({
      from: citizen, subject: 'Re: Ổ gà', messageId: replyId, inReplyTo: ackId, references: [firstId, ackId],
      text: 'Đến giờ vẫn chưa sửa.\n\nVào 10:00 ngày 1/1/2025, Tổng đài 1022 <1022@hub.test> đã viết:\n> Tổng đài 1022 đã tiếp nhận phản ánh của bạn\n',
    });
    await pump();
    expect((await ticketByMessage(replyId))?.code).toBe(code);
    expect(await ticketsOf(citizen)).toHaveLength(1);
    expect((await inboundOf(tk!.id)).map((m) => m.body)).toEqual([
      'Ổ gà trên đường Lê Lợi\n\nỔ gà rất sâu trước số 10, xe máy dễ ngã.',
      'Đến giờ vẫn chưa sửa.',
    ]);
    expect((await eventOf(replyId))!.outcome).toBe('message_appended');
  });

  test('a mail with the ticket code in its subject joins that ticket, whoever sends it', async () => {
    const other = addr('hang.xom');
    const id = `<bycode.${engine}@citizen.example>`;
    await send({ from: other, subject: `Bổ sung cho phản ánh [${code.toLowerCase()}]`, text: 'Tôi cũng thấy ổ gà này.', messageId: id });
    await pump();
    expect((await ticketByMessage(id))?.code).toBe(code);
    expect(await ticketsOf(other)).toHaveLength(0);
    expect(sink.to(other)).toHaveLength(0);
  });

  test("a staff reply goes to the citizen, threaded on the citizen's latest mail", async () => {
    const tk = await ticketByMessage(firstId);
    const store = new SqlOutboundStore(t.db);
    const { id } = await store.createOutbound(tk!.id, 'email', 'Đơn vị đã cử người đến kiểm tra.', `test-reply-${engine}`);
    await t.hub.notifier.deliver(id, 1, 1);
    const replies = sink.to(citizen).filter((m) => m.parsed.text?.includes('cử người'));
    expect(replies).toHaveLength(1);
    const r = replies[0]!.parsed;
    const replyId = `<reply.${engine}@citizen.example>`;
    expect(r.inReplyTo).toBe(replyId);
    expect([r.references].flat()).toEqual([firstId, ackId, replyId]);
    expect(r.subject).toBe(`Re: [${code}] Ổ gà`);
    const row = await t.db.query<{ external_id: string; delivery_status: string }>('SELECT external_id, delivery_status FROM messages WHERE id = $1', [id]);
    expect(row[0]).toEqual({ external_id: r.messageId, delivery_status: 'sent' });
  });

  test('the same Message-ID twice is one message and one acknowledgement', async () => {
    const from = addr('lap.lai');
    const id = `<dup.${engine}@citizen.example>`;
    const mail = { from, subject: 'Đèn đường hỏng', text: 'Đèn đường ngõ 5 hỏng một tuần.', messageId: id };
    const a = await send(mail);
    const b = await send(mail);
    expect(a.response).toMatch(/^250/);
    expect(b.response).toMatch(/^250/);
    await pump();
    expect(await t.db.query(`SELECT id FROM webhook_events WHERE channel = 'email' AND event_key = $1`, [id])).toHaveLength(1);
    expect(await t.db.query(`SELECT id FROM messages WHERE channel = 'email' AND external_id = $1`, [id])).toHaveLength(1);
    expect(await ticketsOf(from)).toHaveLength(1);
    expect(sink.to(from)).toHaveLength(1);
  });

  test('attachments are kept: bytes in the parsed message, metadata on the stored message', async () => {
    const from = addr('anh.chup');
    const id = `<att.${engine}@citizen.example>`;
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(64, 1)]);
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n');
    await send({
      from, subject: 'Rác thải', text: 'Ảnh và đơn đính kèm.', messageId: id,
      attachments: [{ filename: 'hien-truong.png', content: png, contentType: 'image/png' }, { filename: 'don-phan-anh.pdf', content: pdf, contentType: 'application/pdf' }],
    });
    await pump();
    const tk = await ticketByMessage(id);
    expect(tk).toBeDefined();
    const ev = await t.hub.channelStore.event((await eventOf(id))!.id);
    const email = t.hub.channels.find((c) => c.channel === 'email')!;
    const [parsed] = await email.parse!(ev!);
    expect(parsed!.attachments.map((a) => [a.fileName, a.declaredType, a.kind])).toEqual([
      ['hien-truong.png', 'image/png', 'image'], ['don-phan-anh.pdf', 'application/pdf', 'file'],
    ]);
    expect(parsed!.attachments[0]!.data!.equals(png)).toBe(true);
    expect(parsed!.attachments[1]!.data!.equals(pdf)).toBe(true);
    const [msg] = await inboundOf(tk!.id);
    expect(msg!.attachments.map((a) => a.fileName).sort()).toEqual(['don-phan-anh.pdf', 'hien-truong.png']);
  });

  test('bounces, delivery reports and auto-replies never open tickets nor get answers', async () => {
    const dsnFrom = addr('relay');
    const dsn = crlf(`From: Delivery Subsystem <${dsnFrom}>
To: 1022@hub.test
Subject: Delivery Status Notification (Failure)
Message-ID: <dsn.${engine}@relay.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

Delivery to the following recipient failed permanently: someone@nowhere.example
--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; relay.example
Final-Recipient: rfc822; someone@nowhere.example
Action: failed
Status: 5.1.1
--b1--
`);
    expect(await rawSend(port, dsnFrom, '1022@hub.test', dsn)).toMatch(/^250/);

    const away = addr('vang.mat');
    await send({ from: away, subject: 'Trả lời tự động: Ổ gà', text: 'Tôi đang nghỉ phép.', messageId: `<away.${engine}@citizen.example>`, headers: { 'Auto-Submitted': 'auto-replied' } });
    const list = addr('ban.tin');
    await send({ from: list, subject: 'Bản tin tuần', text: 'Tin tức.', messageId: `<list.${engine}@citizen.example>`, headers: { Precedence: 'bulk', 'List-Id': '<tin.example>' } });

    const nullSender = addr('null.sender');
    const bounce = crlf(`From: ${nullSender}\nTo: 1022@hub.test\nSubject: Undeliverable\nMessage-ID: <null.${engine}@relay.example>\n\nYour message could not be delivered.\n`);
    expect(await rawSend(port, '', '1022@hub.test', bounce)).toMatch(/^250/);

    const daemon = `MAILER-DAEMON@${engine}.relay.example`;
    await send({ from: daemon, subject: 'Returned mail', text: 'User unknown', messageId: `<daemon.${engine}@relay.example>` });
    await pump();

    for (const key of [`<dsn.${engine}@relay.example>`, `<away.${engine}@citizen.example>`, `<list.${engine}@citizen.example>`, `<null.${engine}@relay.example>`, `<daemon.${engine}@relay.example>`]) {
      expect({ key, outcome: (await eventOf(key))?.outcome }).toEqual({ key, outcome: 'ignored' });
    }
    for (const who of [dsnFrom, away, list, nullSender, daemon.toLowerCase()]) {
      expect(await ticketsOf(who)).toHaveLength(0);
      expect(sink.to(who)).toHaveLength(0);
    }
  });

  test('a mail that is too large is refused with 552, declared or not, and nothing is stored', async () => {
    const { c } = await RawSmtp.open(port);
    expect(await c.cmd('EHLO test.local')).toMatch(/SIZE 26214400/);
    expect(await c.cmd(`MAIL FROM:<${addr('to.qua')}> SIZE=30000000`)).toMatch(/^552/);
    expect(await c.cmd(`MAIL FROM:<${addr('to.qua')}>`)).toMatch(/^250/);
    expect(await c.cmd('RCPT TO:<1022@hub.test>')).toMatch(/^250/);
    const line = 'x'.repeat(998) + '\r\n';
    const big = Buffer.from(crlf(`From: ${addr('to.qua')}\nSubject: big\nMessage-ID: <big.${engine}@citizen.example>\n\n`) + line.repeat(Math.ceil((26 * 1024 * 1024) / line.length)));
    expect(await c.data(big)).toMatch(/^552/);
    // The connection stays usable after the refusal.
    expect(await c.cmd('RSET')).toMatch(/^250/);
    await c.quit();
    expect(await eventOf(`<big.${engine}@citizen.example>`)).toBeUndefined();
  });

  test('malformed MIME and garbage never crash the listener or the inbound job', async () => {
    const junkFrom = addr('rac');
    const broken = [
      // a multipart whose boundary never closes, with invalid base64 and an invalid encoded word
      crlf(`From: =?utf-8?B?###?= <${junkFrom}>\nSubject: =?bogus?Q?abc\nMessage-ID: <broken1.${engine}@citizen.example>\nContent-Type: multipart/mixed; boundary="zz"\n\n--zz\nContent-Type: text/plain; charset=nope\nContent-Transfer-Encoding: base64\n\n!!!%%%not base64\n--zz\nContent-Type: image/png\nContent-Disposition: attachment; filename="a.png"\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--z`),
      // no headers at all, binary bytes
      Buffer.concat([Buffer.from([0, 1, 2, 0xff, 0xfe, 0x0d, 0x0a]), Buffer.from('random\r\n')]),
      // headers only
      crlf(`From: ${junkFrom}\nMessage-ID: <broken3.${engine}@citizen.example>\nContent-Type: multipart/alternative`),
      // NUL bytes (PostgreSQL text and jsonb refuse them) in the subject, the name, the Message-ID and the body
      crlf(`From: "Tên\u0000lạ" <${junkFrom}>\nSubject: Ổ gà\u0000 ở ngõ 3\nMessage-ID: <nul\u0000.${engine}@citizen.example>\n\nNội\u0000 dung\n`),
    ];
    for (const m of broken) expect(await rawSend(port, junkFrom, '1022@hub.test', m)).toMatch(/^250/);
    const { c } = await RawSmtp.open(port);
    expect(await c.cmd('HELLO?')).toMatch(/^5\d\d/);
    expect(await c.cmd('DATA')).toMatch(/^5\d\d/);
    await c.quit();
    await pump();
    const events = await t.db.query<{ outcome: string | null; error: string | null }>(
      `SELECT outcome, error FROM webhook_events WHERE channel = 'email' AND payload->>'from' = $1`, [junkFrom]);
    expect(events).toHaveLength(4);
    for (const e of events) expect(['ticket_created', 'message_appended', 'ignored']).toContain(e.outcome);
    // Still serving.
    const id = `<after.${engine}@citizen.example>`;
    await send({ from: addr('sau.rac'), subject: 'Cây đổ', text: 'Cây đổ chắn đường.', messageId: id });
    await pump();
    expect(await ticketByMessage(id)).toBeDefined();
  });

  test('an address the relay refuses (550) leaves the reply failed with the reason', async () => {
    const from = addr('reject.me');
    const id = `<rej.${engine}@citizen.example>`;
    await send({ from, subject: 'Nước bẩn', text: 'Nước máy có màu vàng.', messageId: id });
    await pump();
    const tk = await ticketByMessage(id);
    const out = await t.db.query<{ delivery_status: string; delivery_error: string | null }>(
      `SELECT delivery_status, delivery_error FROM messages WHERE ticket_id = $1 AND direction = 'outbound'`, [tk!.id]);
    expect(out).toHaveLength(1);
    expect(out[0]!.delivery_status).toBe('failed');
    expect(out[0]!.delivery_error).toMatch(/550/);
  });

  test('an HTML-only mail becomes text', async () => {
    const id = `<html.${engine}@citizen.example>`;
    await send({ from: addr('html'), subject: 'Ngập nước', html: '<p>Đường <b>Trần Phú</b> ngập sâu 40cm.</p><blockquote>cũ</blockquote>', messageId: id });
    await pump();
    const tk = await ticketByMessage(id);
    expect(tk!.description).toMatch(/^Ngập nước\n\nĐường Trần Phú ngập sâu 40cm\./);
  });
});

// ---------- units: no database ----------

describe('email parsing and replies', () => {
  const build = async (mail: Parameters<ReturnType<typeof nodemailer.createTransport>['sendMail']>[0]) => {
    const tr = nodemailer.createTransport({ streamTransport: true, buffer: true });
    const info = await tr.sendMail({ to: '1022@hub.test', ...mail });
    return info.message as unknown as Buffer;
  };
  const event = (raw: Buffer, from: string, key = 'k'): StoredWebhookEvent => ({
    id: 1, channel: 'email', eventKey: key, receivedAt: new Date(), payload: { raw: raw.toString('base64'), from, to: ['1022@hub.test'] },
  });

  test('quoted history and signatures are cut', () => {
    expect(stripQuoted('Nội dung chính.\n\nOn Tue, 2 Jan 2024 at 10:00, A B <a@b.vn>\nwrote:\n> cũ')).toBe('Nội dung chính.');
    expect(stripQuoted('Nội dung.\nVào Th 3, 2 thg 1, 2024 lúc 10:00 Tổng đài <1022@x.vn> đã viết:\n> cũ')).toBe('Nội dung.');
    expect(stripQuoted('Một\nHai\n-- \nNguyễn Văn An\n0912 345 678')).toBe('Một\nHai');
    expect(stripQuoted('Trả lời.\n\nFrom: Tổng đài 1022\nSent: Monday\nTo: a@b\nSubject: x\n\ncũ')).toBe('Trả lời.');
    expect(stripQuoted('Chỉ có dòng này')).toBe('Chỉ có dòng này');
    expect(stripQuoted('> toàn bộ là trích dẫn')).toBe('> toàn bộ là trích dẫn');
  });

  test('reply subjects keep "Re:" and carry the ticket code once', () => {
    expect(replySubject('PA-2611-4K7QZ', null)).toBe('[PA-2611-4K7QZ] Phản hồi từ Tổng đài 1022');
    expect(replySubject('PA-2611-4K7QZ', 'Ổ gà')).toBe('Re: [PA-2611-4K7QZ] Ổ gà');
    expect(replySubject('PA-2611-4K7QZ', 'RE: Fwd: Re: [PA-2611-4K7QZ] Ổ gà')).toBe('Re: [PA-2611-4K7QZ] Ổ gà');
  });

  test('a reply carries its thread ids and ticket code, and no subject in its text', async () => {
    const raw = await build({ from: 'A <a@b.vn>', subject: 'Re: [pa-2611-4k7qz] Ổ gà', text: 'Thêm', inReplyTo: '<x@hub>', references: ['<w@b.vn>', '<x@hub>'] });
    const { messages } = await parseEmailEvent(event(raw, 'a@b.vn'), '1022@hub.test');
    expect(messages[0]!.text).toBe('Thêm');
    expect(messages[0]!.replyTo).toEqual({ ticketCode: 'PA-2611-4K7QZ', externalIds: ['<x@hub>', '<w@b.vn>'] });
  });

  test('Auto-Submitted: no is a person; our own address coming back is ignored', async () => {
    const person = await build({ from: 'a@b.vn', subject: 'x', text: 'y', headers: { 'Auto-Submitted': 'no' } });
    expect((await parseEmailEvent(event(person, 'a@b.vn'), '1022@hub.test')).messages).toHaveLength(1);
    const loop = await build({ from: '1022@hub.test', subject: 'x', text: 'y' });
    expect((await parseEmailEvent(event(loop, '1022@hub.test'), '1022@hub.test')).messages).toHaveLength(0);
  });

  const fakeCtx = (env: Record<string, string>, health: unknown[][] = []): ChannelContext => ({
    config: loadConfig({ DATA_DIR: '/tmp/hub-test-unused', PUBLIC_BASE_URL: 'http://hub.test', ...env }),
    log: silentLogger,
    db: { query: async () => [] } as unknown as ChannelContext['db'],
    acceptEvents: async () => 0,
    ticketStatus: async () => null,
    reportHealth: async (...args) => { health.push(args); },
  });

  test('on when the listener or the relay is configured; port 0 opens no listener', async () => {
    expect(emailChannel(fakeCtx({ SMTP_INBOUND_PORT: '0' })).enabled).toBe(false);
    const relayOnly = emailChannel(fakeCtx({ SMTP_INBOUND_PORT: '0', SMTP_URL: 'smtp://127.0.0.1:1' }));
    expect(relayOnly.enabled).toBe(true);
    expect(relayOnly.sender?.channel).toBe('email');
    await relayOnly.start!();
    await relayOnly.stop!();
    expect(emailChannel(fakeCtx({})).enabled).toBe(true); // default port 2525
  });

  test('the relay being down is a transient failure that degrades health; no address is permanent', async () => {
    const deadPort = await freePort();
    const health: unknown[][] = [];
    const ctx = fakeCtx({ SMTP_URL: `smtp://127.0.0.1:${deadPort}` }, health);
    const sender = new EmailSender({ db: ctx.db, log: silentLogger, smtpUrl: ctx.config.smtpUrl, identity: emailIdentity(ctx.config.smtpUrl, 'http://hub.test'), reportHealth: ctx.reportHealth });
    const msg = (email: string | null) => ({
      messageId: 1, ticketCode: 'PA-2611-4K7QZ', channel: 'email', body: 'x',
      recipient: { citizenId: 1, displayName: null, phone: null, email, identities: email ? [{ kind: 'email', value: email }] : [] },
    });
    const err = await sender.send(msg('a@b.vn')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(PermanentDeliveryError);
    expect(health).toEqual([['email', false, expect.stringMatching(/ECONNECTION|ECONNREFUSED|ESOCKET/)]]);
    await expect(sender.send(msg(null))).rejects.toBeInstanceOf(PermanentDeliveryError);
    sender.close();
  });

  test('the listener answers 451 when the mail cannot be stored (the sender retries), 250 once it is', async () => {
    let fail = true;
    const stored: string[] = [];
    const listener = new SmtpListener(async (key) => {
      if (fail) throw new Error('database is down');
      stored.push(key);
    }, silentLogger);
    const port = await listener.listen(0, '127.0.0.1');
    const mail = crlf('From: a@b.vn\nSubject: x\nMessage-ID: <retry@b.vn>\n\ny\n');
    expect(await rawSend(port, 'a@b.vn', '1022@hub.test', mail)).toMatch(/^451/);
    fail = false;
    expect(await rawSend(port, 'a@b.vn', '1022@hub.test', mail)).toMatch(/^250/);
    expect(stored).toEqual(['<retry@b.vn>']);
    // Without a Message-ID the key is the content hash.
    await rawSend(port, 'a@b.vn', '1022@hub.test', crlf('From: a@b.vn\nSubject: x\n\ny\n'));
    expect(stored[1]).toMatch(/^sha256:[0-9a-f]{64}$/);
    await listener.close();
  });

  test('a port already taken leaves the hub running without a listener', async () => {
    const blocker = net.createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as net.AddressInfo).port)));
    const mod = emailChannel(fakeCtx({ SMTP_INBOUND_PORT: String(port) }));
    await expect(mod.start!()).resolves.toBeUndefined();
    await mod.stop!();
    await new Promise((r) => blocker.close(r));
  });

  test('the From address is the relay account when it is one, else 1022@<public host>', () => {
    expect(emailIdentity('smtps://phananh%40hungyen.gov.vn:pw@smtp.example:465', 'https://1022.hungyen.gov.vn').address).toBe('phananh@hungyen.gov.vn');
    expect(emailIdentity(undefined, 'https://1022.hungyen.gov.vn').from).toBe('"Tổng đài 1022" <1022@1022.hungyen.gov.vn>');
  });
});
