import net from 'node:net';
import fc from 'fast-check';
import supertest from 'supertest';
import { emailEvent, normaliseMessageId, parseEmailEvent, readEnvelopeHeaders, stripQuoted } from '../../src/channels/email/mime';
import type { StoredWebhookEvent } from '../../src/channels/types';
import { startTestHub, type TestHub } from '../helpers/hub';
import { freePort } from '../helpers/net';
import { anyValue, check, expectWellTyped, fuzzAsync, fuzz, hostileString, randomBytes, SPECIAL_STRINGS, Tally } from './support';

// A fuzz failure is a finding: it must not pass on a retry with another seed.
jest.retryTimes(0);
// Thousands of cases per test: on a loaded machine that can pass jest's default 30 s.
jest.setTimeout(120_000);

const tally = new Tally('email-mime');
afterAll(() => tally.write());

const OWN = '1022@hub.test';
const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n');

// Real mail shapes (tests/email.test.ts): plain, encoded words, multipart with a file, HTML only, a reply, a bounce.
const MAILS: string[] = [
  crlf(`From: "Nguyễn Văn A" <a@citizen.example>\nTo: ${OWN}\nSubject: Ổ gà trước số 10 Lê Lợi\nMessage-ID: <m1@citizen.example>\nDate: Mon, 06 Jan 2025 09:00:00 +0700\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nỔ gà lớn, xe máy dễ ngã.\n\nOn Mon, 6 Jan 2025, 1022 <${OWN}> wrote:\n> cũ\n`),
  crlf(`From: =?utf-8?B?Tmd1eeG7hW4gVsSDbiBC?= <b@citizen.example>\nTo: ${OWN}\nSubject: =?utf-8?Q?=C4=90=C3=A8n_=C4=91=C6=B0=E1=BB=9Dng_h=E1=BB=8Fng?=\nMessage-ID: <m2@citizen.example>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b1"\n\n--b1\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n=C4=90=C3=A8n h=E1=BB=8Fng c=E1=BA=A3 tu=E1=BA=A7n\n--b1\nContent-Type: image/jpeg; name="=?utf-8?Q?=E1=BA=A2nh.jpg?="\nContent-Disposition: attachment; filename="anh.jpg"\nContent-Transfer-Encoding: base64\n\n/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////2Q==\n--b1--\n`),
  crlf(`From: c@citizen.example\nTo: ${OWN}\nSubject: Re: [PA-2501-ABCDE] Phản ánh\nIn-Reply-To: <ack-1@hub.test>\nReferences: <ack-0@hub.test> <ack-1@hub.test>\nMessage-ID: <m3@citizen.example>\nContent-Type: text/html; charset=windows-1258\n\n<html><body><p>Vẫn chưa sửa</p><script>alert(1)</script></body></html>\n`),
  crlf(`From: Mail Delivery Subsystem <mailer-daemon@relay.example>\nTo: ${OWN}\nSubject: Delivery Status Notification (Failure)\nMessage-ID: <dsn1@relay.example>\nContent-Type: multipart/report; report-type=delivery-status; boundary="b2"\n\n--b2\nContent-Type: text/plain\n\nDelivery failed.\n--b2\nContent-Type: message/delivery-status\n\nStatus: 5.1.1\n--b2--\n`),
  crlf(`From: d@citizen.example\nSubject: Ngập\nAuto-Submitted: auto-replied\n\nTôi đang nghỉ phép.\n`),
];

const HEADER_NAMES = ['From', 'To', 'Cc', 'Subject', 'Message-ID', 'In-Reply-To', 'References', 'Date', 'Content-Type', 'Content-Transfer-Encoding',
  'Content-Disposition', 'MIME-Version', 'Precedence', 'Auto-Submitted', 'List-Id', 'X-Autoreply', 'Return-Path'];
const HEADER_VALUES = [
  'multipart/mixed; boundary=""', 'multipart/mixed', 'multipart/alternative; boundary="b1"', 'text/plain; charset=x-unknown', 'text/plain; charset=utf-16',
  'text/html; charset=koi8-r', 'base64', 'quoted-printable', 'x-uuencode', 'attachment; filename="../../etc/passwd"', 'attachment; filename*=UTF-8\'\'%00%2e%2e%2f',
  '=?utf-8?B?###?=', '=?bogus?Q?abc', '=?utf-8?Q?=00=FF?=', '<>', '<a@b> <c@d> <<e>>', 'Mon, 99 Foo 99999 99:99:99 +9999', 'Thu, 01 Jan 2099 00:00:00 +0000',
  '"\u0000" <\u0000@x>', 'undisclosed-recipients:;', 'group: a@b, c@d;', 'a@b'.repeat(2000), 'bulk', 'auto-replied', 'no',
];

/** A header line or a body line from the hostile lists. */
const headerLine = fc.tuple(fc.constantFrom(...HEADER_NAMES), fc.oneof(fc.constantFrom(...HEADER_VALUES), hostileString.filter((s) => s.length < 5_000)))
  .map(([n, v]) => `${n}: ${v}`);

type MimeOp = { at: number; op: 'delete' | 'duplicate' | 'insertHeader' | 'insertLine' | 'truncate' | 'nul' | 'replaceValue' | 'foldForever'; line: string };

/** Structure-aware mutations of a raw mail: by line, so headers, boundaries and bodies are all hit. */
const mutatedMime: fc.Arbitrary<Buffer> = fc.tuple(
  fc.nat({ max: MAILS.length - 1 }),
  fc.array(fc.record({
    at: fc.nat(), op: fc.constantFrom('delete', 'duplicate', 'insertHeader', 'insertLine', 'truncate', 'nul', 'replaceValue', 'foldForever') as fc.Arbitrary<MimeOp['op']>,
    line: fc.oneof(headerLine, hostileString.filter((s) => s.length < 5_000), fc.constantFrom('--b1', '--b1--', '--b2', '', '.', '..', '\t folded', 'begin 644 x.bin')),
  }), { minLength: 1, maxLength: 5 }),
).map(([i, ops]) => {
  let lines = MAILS[i]!.split('\r\n');
  for (const { at, op, line } of ops) {
    const n = at % Math.max(1, lines.length);
    if (op === 'delete') lines.splice(n, 1);
    else if (op === 'duplicate') lines.splice(n, 0, lines[n] ?? '');
    else if (op === 'insertHeader') lines.splice(Math.min(n, 3), 0, line);
    else if (op === 'insertLine') lines.splice(n, 0, line);
    else if (op === 'truncate') lines = lines.slice(0, n);
    else if (op === 'nul') lines[n] = `${lines[n] ?? ''}\u0000${line}`;
    else if (op === 'replaceValue') lines[n] = (lines[n] ?? '').replace(/:.*$/, `: ${line}`);
    else lines.splice(n, 0, ...Array(200).fill(` ${line.slice(0, 50)}`));
  }
  return Buffer.from(lines.join('\r\n'), 'utf8');
});

/** Multipart nesting many levels deep, and a header block with thousands of lines. */
const structural: fc.Arbitrary<Buffer> = fc.oneof(
  fc.integer({ min: 10, max: 300 }).map((depth) => {
    let body = 'Content-Type: text/plain\r\n\r\nđáy\r\n';
    for (let d = 0; d < depth; d++) body = `Content-Type: multipart/mixed; boundary="n${d}"\r\n\r\n--n${d}\r\n${body}--n${d}--\r\n`;
    return Buffer.from(`From: deep@citizen.example\r\nSubject: sâu\r\n${body}`);
  }),
  fc.integer({ min: 100, max: 5_000 }).map((n) => Buffer.from(`From: many@citizen.example\r\n${'X-Junk: 1\r\n'.repeat(n)}Subject: nhiều\r\n\r\nthân\r\n`)),
  fc.integer({ min: 10, max: 200 }).map((n) => Buffer.from(`From: refs@citizen.example\r\nReferences: ${Array.from({ length: n }, (_, i) => `<r${i}@x>`).join(' ')}\r\nSubject: s\r\n\r\nb\r\n`)),
);

// Regression cases: address fields folded over thousands of lines, at the top and inside a part.
const FOLD = ' Subject: mac=\u{1B38A}\u{C39FD}\u{5579C}\r\n'.repeat(6_400);
const FOLDED_FROM = Buffer.from(`From: c@citizen.example\r\n${FOLD}Subject: s\r\n\r\nb\r\n`);
const FOLDED_PART_FROM = Buffer.from(`From: c@citizen.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\nReply-To: x\r\n${FOLD}\r\nhello\r\n--b--\r\n`);

const rawMail = fc.oneof({ weight: 4, arbitrary: mutatedMime }, { weight: 2, arbitrary: randomBytes }, { weight: 1, arbitrary: structural });

const stored = (payload: unknown, key = 'k'): StoredWebhookEvent => ({ id: 1, channel: 'email', eventKey: key, payload, receivedAt: new Date('2025-01-01T00:00:00Z') });
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f]/;

describe('email MIME parser layer (pure, async)', () => {
  test('readEnvelopeHeaders and emailEvent: any bytes give a key, clean header fields and the bytes back', async () => {
    await fuzzAsync(tally, 'pure: envelope headers', fc.tuple(rawMail, hostileString), async ([raw, envFrom]) => {
      const h = await readEnvelopeHeaders(raw);
      check(/^(<[^<>\s]+>|sha256:[0-9a-f]{64})$/.test(h.key) && h.key.length <= 300, 'event key', h.key);
      check(h.messageId === null || (h.messageId === h.key && normaliseMessageId(h.messageId) === h.messageId), 'messageId', h.messageId);
      check(h.subject === null || (!CONTROLS.test(h.subject) && h.subject.length <= 500), 'subject', h.subject);
      check(h.sender === null || !CONTROLS.test(h.sender), 'sender', h.sender);
      check(h.references.length <= 50 && h.references.every((r) => normaliseMessageId(r) === r), 'references', h.references.join(' '));
      const e = await emailEvent(raw, { from: envFrom, to: [envFrom, 'a@b'] });
      check(Buffer.from(e.payload.raw, 'base64').equals(raw), 'raw bytes changed');
      check(!CONTROLS.test(e.payload.from) && e.payload.to.every((t) => !CONTROLS.test(t)), 'envelope with controls');
    }, {
      numRuns: 1_000, hangMs: 5_000,
      // Found here: a From folded over a few thousand lines took mailparser's address parser seconds of CPU.
      examples: [[FOLDED_FROM, 'a@citizen.example'], [FOLDED_PART_FROM, 'a@citizen.example']],
    });
  });

  test('parseEmailEvent: any stored mail is a well-typed message or an explained "ignored", never a throw', async () => {
    await fuzzAsync(tally, 'pure: parseEmailEvent', fc.tuple(rawMail, fc.oneof(fc.constant('a@citizen.example'), fc.constant(''), hostileString)), async ([raw, envFrom]) => {
      // As the listener and the IMAP poller store it: emailEvent first, then the job's parse.
      const e = await emailEvent(raw, { from: envFrom, to: [OWN] });
      const out = await parseEmailEvent(stored(e.payload, e.key), OWN);
      check(Array.isArray(out.messages) && out.messages.length <= 1, 'messages');
      if (out.ignored !== undefined) check(typeof out.ignored === 'string' && out.ignored.length > 0 && out.messages.length === 0, 'ignored', out.ignored);
      expectWellTyped(out.messages, 'email');
      for (const m of out.messages) {
        check(m.text.length <= 20_000 + 4, 'text longer than the cap', m.text.length);
        check(!m.text.includes('\u0000'), 'NUL in text');
        check(m.attachments.every((a) => Buffer.isBuffer(a.data) && a.data.length > 0 && !a.fileName.includes('\u0000')), 'attachment');
        check(m.identity === null || !CONTROLS.test(m.identity.value), 'identity', m.identity?.value);
      }
    }, { numRuns: 1_000, hangMs: 5_000, examples: [[FOLDED_FROM, 'a@citizen.example'], [FOLDED_PART_FROM, '']] });
  });

  test('parseEmailEvent: a payload of any shape is ignored with a reason', async () => {
    await fuzzAsync(tally, 'pure: random payloads', fc.oneof(anyValue, fc.record({ raw: hostileString, from: anyValue })), async (p) => {
      const out = await parseEmailEvent(stored(p), OWN);
      expectWellTyped(out.messages, 'email');
    }, { numRuns: 1_000, hangMs: 5_000 });
  });

  test('stripQuoted: any text gives clean text, never a throw', () => {
    const text = fc.oneof(hostileString, fc.array(fc.oneof(hostileString, fc.constantFrom(...SPECIAL_STRINGS, '> trích', 'On Mon, 6 Jan 2025 <a@b> wrote:',
      'Vào 6/1/2025, 1022 đã viết:', '-- ', '-----Original Message-----', 'From: x', 'Sent: y', 'Gửi từ iPhone')), { maxLength: 30 }).map((l) => l.join('\n')));
    fuzz(tally, 'pure: stripQuoted', text, (t) => {
      const out = stripQuoted(t);
      check(typeof out === 'string' && !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(out), 'controls left', out);
      check(!/\n{3,}/.test(out) && out === out.trim(), 'not tidy', out);
    }, { numRuns: 2_000 });
  });
});

/** A plain SMTP conversation (nodemailer will not send garbage). Answers are the reply codes. */
async function smtpSend(port: number, mailFrom: string, message: Buffer): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  let buf = '';
  const waiters: ((line: string) => void)[] = [];
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => {
    buf += d;
    for (;;) {
      const m = /(^|\r\n)(\d{3}) [^\r\n]*\r\n/.exec(buf);
      if (!m || !waiters.length) break;
      const end = m.index + m[0].length;
      const reply = buf.slice(0, end);
      buf = buf.slice(end);
      waiters.shift()!(reply.trim().split('\r\n').pop()!);
    }
  });
  const reply = () => new Promise<string>((r) => waiters.push(r));
  const cmd = (line: string) => { socket.write(line + '\r\n'); return reply(); };
  try {
    await reply();
    await cmd('EHLO fuzz.local');
    const mf = await cmd(`MAIL FROM:<${mailFrom}>`);
    if (!mf.startsWith('250')) return mf;
    await cmd(`RCPT TO:<${OWN}>`);
    const d = await cmd('DATA');
    if (!d.startsWith('354')) return d;
    // Dot-stuffing, as any MTA does: a line of "." must not end the DATA early.
    socket.write(Buffer.from(message.toString('latin1').replace(/(^|\r\n)\./g, '$1..'), 'latin1'));
    socket.write('\r\n.\r\n');
    return await reply();
  } finally {
    socket.end('QUIT\r\n');
    socket.destroy();
  }
}

describe('email through the real SMTP listener and the inbound job (postgres)', () => {
  let t: TestHub;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    // Started: mail carries its files as bytes (no URL is fetched), so the whole inbound path runs.
    t = await startTestHub('postgres', { SMTP_INBOUND_PORT: String(port) });
  });
  afterAll(async () => { await t?.close(); });

  test('hostile mail is taken (250) and every stored mail is processed without a failure', async () => {
    const input = fc.tuple(rawMail, fc.constantFrom('a@citizen.example', '', 'mailer-daemon@x.example', 'x@[127.0.0.1]', `${OWN}`));
    await fuzzAsync(tally, 'smtp: hostile mail', input, async ([raw, from]) => {
      const answer = await smtpSend(port, from, raw);
      // 250: stored. 451 would mean the store failed on content: the MTA would retry for days.
      check(answer.startsWith('250'), 'SMTP answer', answer);
    }, { numRuns: 80, budgetMs: 5_000, hangMs: 10_000 });
    await t.hub.settle(60_000);
    const rows = await t.db.query<{ outcome: string | null; error: string | null; n: number }>(
      `SELECT outcome, error, count(*)::int AS n FROM webhook_events WHERE channel = 'email' GROUP BY outcome, error`);
    const failed = rows.filter((r) => r.outcome === 'failed' || r.outcome === null);
    expect(failed).toEqual([]);
    expect(rows.reduce((a, r) => a + r.n, 0)).toBeGreaterThan(20);
    expect((await supertest(t.app).get('/healthz')).status).toBe(200);
    // And a real mail still makes a ticket.
    const id = `<after.${Date.now()}@citizen.example>`;
    expect(await smtpSend(port, 'after@citizen.example', Buffer.from(crlf(`From: after@citizen.example\nTo: ${OWN}\nSubject: Cây đổ\nMessage-ID: ${id}\n\nCây đổ chắn đường Quang Trung\n`)))).toMatch(/^250/);
    await t.hub.settle(30_000);
    const [ev] = await t.db.query<{ outcome: string }>(`SELECT outcome FROM webhook_events WHERE channel = 'email' AND event_key = $1`, [id]);
    expect(ev!.outcome).toBe('ticket_created');
  });
});
