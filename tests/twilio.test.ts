import http from 'node:http';
import type { AddressInfo } from 'node:net';
import supertest from 'supertest';
import twilio from 'twilio';
import { spellCode } from '../src/channels/twilio/prompts';
import { parseSms } from '../src/channels/twilio/sms';
import { parseVoice } from '../src/channels/twilio/voice';
import { ENGINES } from './helpers/db';
import { startTestHub, type TestHub } from './helpers/hub';

const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'twilio-auth-token-for-tests';
const FROM_NUMBER = '+18335550100';
const PUBLIC_BASE = 'http://hub.test'; // PUBLIC_BASE_URL of startTestHub

// ---------------------------------------------------------------------------------------------
// A fake Twilio REST API on 127.0.0.1: Messages.json checked like Twilio would (basic auth, the
// account in the path, form body), recordings and MMS media served behind the same basic auth.
// Error bodies as twilio.com/docs/api/errors documents them: {code, message, more_info, status}.
type Mode = 'ok' | 'auth' | 'ratelimit';
type SmsCall = { to: string; from: string; body: string; statusCallback: string | null; auth: string | undefined; contentType: string | undefined };
const fake = { mode: 'ok' as Mode, calls: [] as SmsCall[], downloads: [] as string[], invalidNumbers: new Set<string>(), server: null as http.Server | null, url: '', sent: 0 };
const MP3 = Buffer.concat([Buffer.from('ID3'), Buffer.from([3, 0, 0, 0, 0, 0, 0]), Buffer.alloc(64, 0x55)]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 0x11), Buffer.from([0xff, 0xd9])]);
const basic = `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`;
const twilioError = (status: number, code: number, message: string) =>
  ({ status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } });

function answer(method: string, path: string, call: SmsCall | null): { status: number; body: unknown; type?: string } {
  const account = `/2010-04-01/Accounts/${ACCOUNT_SID}`;
  if (call?.auth !== basic || fake.mode === 'auth') return twilioError(401, 20003, 'Authenticate');
  if (method === 'GET' && path.startsWith(`${account}/Recordings/`) && path.endsWith('.mp3')) return { status: 200, body: MP3, type: 'audio/mpeg' };
  if (method === 'GET' && path.startsWith(`${account}/Messages/`) && path.includes('/Media/')) return { status: 200, body: JPEG, type: 'image/jpeg' };
  if (method !== 'POST' || path !== `${account}/Messages.json`) return twilioError(404, 20404, 'The requested resource was not found');
  if (!call.contentType?.startsWith('application/x-www-form-urlencoded')) return twilioError(400, 21620, 'Invalid content type');
  if (!call.to) return twilioError(400, 21604, "A 'To' phone number is required.");
  if (call.from !== FROM_NUMBER) return twilioError(400, 21606, "The 'From' phone number provided is not a valid message-capable Twilio phone number for this destination/account");
  if (!call.body) return twilioError(400, 21602, 'Message body is required.');
  if (fake.invalidNumbers.has(call.to)) return twilioError(400, 21211, `The 'To' number ${call.to} is not a valid phone number.`);
  if (fake.mode === 'ratelimit') return twilioError(429, 20429, 'Too Many Requests');
  fake.sent += 1;
  const sid = `SM${String(fake.sent).padStart(32, '0')}`;
  return { status: 201, body: { sid, account_sid: ACCOUNT_SID, to: call.to, from: call.from, body: call.body, status: 'queued', num_segments: '1' } };
}

beforeAll(async () => {
  fake.server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const call: SmsCall = { to: form.get('To') ?? '', from: form.get('From') ?? '', body: form.get('Body') ?? '', statusCallback: form.get('StatusCallback'), auth: req.headers.authorization, contentType: req.headers['content-type'] };
      if (req.method === 'POST') fake.calls.push(call);
      else fake.downloads.push(path);
      const a = answer(req.method ?? '', path, call);
      if (Buffer.isBuffer(a.body)) { res.writeHead(a.status, { 'content-type': a.type ?? 'application/octet-stream' }); res.end(a.body); return; }
      res.writeHead(a.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(a.body));
    });
  });
  await new Promise<void>((r) => fake.server!.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${(fake.server!.address() as AddressInfo).port}`;
});
afterAll(async () => { await new Promise((r) => fake.server?.close(r)); });

const TWILIO_ENV = () => ({ TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_FROM_NUMBER: FROM_NUMBER, TWILIO_API_URL: fake.url });
const smsTo = (phone: string) => fake.calls.filter((c) => c.to === phone);

// ---------------------------------------------------------------------------------------------
// Requests signed the way Twilio signs them, with the twilio package's own function.
const sign = (url: string, params: Record<string, string>, token = AUTH_TOKEN) => twilio.getExpectedTwilioSignature(token, url, params);
const unescapeXml = (s: string) => s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
const attr = (xml: string, verb: string, name: string): string => {
  const m = new RegExp(`<${verb}\\b[^>]*\\s${name}="([^"]*)"`).exec(xml);
  if (!m) throw new Error(`no ${verb}@${name} in ${xml}`);
  return unescapeXml(m[1]!);
};
/** Path (+ query) of an absolute callback URL the hub put in its TwiML. */
const pathOf = (url: string) => { expect(url.startsWith(PUBLIC_BASE + '/webhooks/twilio/')).toBe(true); return url.slice(PUBLIC_BASE.length); };

let sidCounter = 0;
const sid = (prefix: string) => `${prefix}${(Date.now().toString(16) + String(++sidCounter).padStart(8, '0')).padStart(32, '0').slice(-32)}`;

const smsParams = (messageSid: string, from: string, body: string, extra: Record<string, string> = {}) => ({
  ToCountry: 'US', ToState: 'CA', SmsMessageSid: messageSid, NumMedia: '0', ToCity: '', FromZip: '', SmsSid: messageSid,
  FromState: '', SmsStatus: 'received', FromCity: '', Body: body, FromCountry: 'VN', To: FROM_NUMBER, ToZip: '',
  NumSegments: '1', MessageSid: messageSid, AccountSid: ACCOUNT_SID, From: from, ApiVersion: '2010-04-01', ...extra,
});
/** A delivery status callback as Twilio posts it for one of our outbound SMS. */
const statusParams = (messageSid: string, to: string, status: string, extra: Record<string, string> = {}) => ({
  SmsSid: messageSid, SmsStatus: status, MessageStatus: status, To: to, MessageSid: messageSid, AccountSid: ACCOUNT_SID,
  From: FROM_NUMBER, ApiVersion: '2010-04-01', ...extra,
});
const callParams = (callSid: string, from: string, extra: Record<string, string> = {}) => ({
  AccountSid: ACCOUNT_SID, ApiVersion: '2010-04-01', CallSid: callSid, CallStatus: 'in-progress', Called: FROM_NUMBER,
  Caller: from, Direction: 'inbound', From: from, FromCountry: 'VN', To: FROM_NUMBER, ToCountry: 'US', ...extra,
});

describe.each(ENGINES)('Twilio SMS and voice on %s', (engine) => {
  let t: TestHub;
  // Numbers unique per engine: both engines share the fake server.
  const digit = engine === 'postgres' ? '1' : '2';
  const phone = (n: number) => `+849${digit}${String(n).padStart(7, '0')}`;

  beforeAll(async () => { t = await startTestHub(engine, TWILIO_ENV()); });
  afterAll(async () => { await t.close(); });
  beforeEach(() => { fake.mode = 'ok'; });

  const post = (path: string, params: Record<string, string>, opts: { signature?: string | null } = {}) => {
    const req = supertest(t.app).post(path).set('content-type', 'application/x-www-form-urlencoded');
    const signature = opts.signature === undefined ? sign(PUBLIC_BASE + path, params) : opts.signature;
    if (signature !== null) req.set('x-twilio-signature', signature);
    return req.send(new URLSearchParams(params).toString());
  };
  const settle = () => t.hub.settle();
  const ticketsOf = (value: string) => t.db.query<{ id: number; code: string; channel: string; description: string; status: string }>(
    `SELECT t.id, t.code, t.channel, t.description, t.status FROM tickets t JOIN citizen_identities ci ON ci.citizen_id = t.citizen_id
     WHERE ci.kind = 'phone' AND ci.value = $1 ORDER BY t.id`, [value]);
  const messagesOf = (ticketId: number, direction: 'inbound' | 'outbound') => t.db.query<{ id: number; channel: string; body: string; delivery_status: string; delivery_error: string | null; external_id: string | null }>(
    `SELECT id, channel, body, delivery_status, delivery_error, external_id FROM messages WHERE ticket_id = $1 AND direction = $2 ORDER BY id`, [ticketId, direction]);
  const attachmentsOf = (ticketId: number) => t.db.query<{ file_name: string; content_type: string; source_url: string | null }>(
    'SELECT file_name, content_type, source_url FROM attachments WHERE ticket_id = $1 ORDER BY id', [ticketId]);
  const eventsLike = (channel: string, key: string) => t.db.query<{ event_key: string; outcome: string | null }>(
    'SELECT event_key, outcome FROM webhook_events WHERE channel = $1 AND event_key LIKE $2 ORDER BY id', [channel, key]);
  const health = async (channel: string) => (await t.hub.channelStore.health()).find((h) => h.channel === channel);

  describe('SMS', () => {
    test('an SMS opens a ticket and the citizen gets exactly one acknowledgement with the code', async () => {
      const from = phone(1);
      const ms = sid('SM');
      const res = await post('/webhooks/twilio/sms', smsParams(ms, from, 'Đèn đường ngõ 5 phố Lê Lợi bị hỏng 3 hôm nay'));
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/xml/);
      expect(res.text).toMatch(/<Response\s*\/>/);
      await settle();
      const [tk, ...more] = await ticketsOf(from);
      expect(more).toHaveLength(0);
      expect(tk!.channel).toBe('sms');
      expect(tk!.description).toContain('Đèn đường ngõ 5');
      const inbound = await messagesOf(tk!.id, 'inbound');
      expect(inbound.map((m) => m.external_id)).toEqual([ms]);
      const sent = smsTo(from);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.from).toBe(FROM_NUMBER);
      expect(sent[0]!.body).toContain(tk!.code);
      const out = await messagesOf(tk!.id, 'outbound');
      expect(out).toHaveLength(1);
      expect(out[0]!.delivery_status).toBe('sent');
      expect(out[0]!.external_id).toMatch(/^SM/);
      expect((await health('sms'))?.status).toBe('healthy');
    });

    test('the same MessageSid twice is one message and one acknowledgement', async () => {
      const from = phone(2);
      const ms = sid('SM');
      const params = smsParams(ms, from, 'Nước sinh hoạt có mùi lạ');
      expect((await post('/webhooks/twilio/sms', params)).status).toBe(200);
      await settle();
      expect((await post('/webhooks/twilio/sms', params)).status).toBe(200);
      await settle();
      const tickets = await ticketsOf(from);
      expect(tickets).toHaveLength(1);
      expect(await messagesOf(tickets[0]!.id, 'inbound')).toHaveLength(1);
      expect(await eventsLike('sms', ms)).toHaveLength(1);
      expect(smsTo(from)).toHaveLength(1);
    });

    test('a follow-up SMS joins the open ticket without a second acknowledgement', async () => {
      const from = phone(3);
      await post('/webhooks/twilio/sms', smsParams(sid('SM'), from, 'Cây đổ chắn ngang đường Trần Phú'));
      await settle();
      await post('/webhooks/twilio/sms', smsParams(sid('SM'), from, 'Bổ sung: gần trường tiểu học'));
      await settle();
      const tickets = await ticketsOf(from);
      expect(tickets).toHaveLength(1);
      expect(await messagesOf(tickets[0]!.id, 'inbound')).toHaveLength(2);
      expect(smsTo(from)).toHaveLength(1);
    });

    test('MMS media become attachments (URL → downloaded with the account credentials)', async () => {
      const from = phone(4);
      const ms = sid('MM');
      const mediaUrl = `${fake.url}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${ms}/Media/${sid('ME')}`;
      const params = smsParams(ms, from, 'Ảnh ổ gà trước cổng chợ', { NumMedia: '1', MediaUrl0: mediaUrl, MediaContentType0: 'image/jpeg' });
      expect((await post('/webhooks/twilio/sms', params)).status).toBe(200);
      await settle();
      const [tk] = await ticketsOf(from);
      const files = await attachmentsOf(tk!.id);
      expect(files).toHaveLength(1);
      expect(files[0]!.content_type).toBe('image/jpeg');
      expect(files[0]!.source_url).toBe(mediaUrl);
      expect(fake.downloads).toContain(new URL(mediaUrl).pathname);
      // What parse() hands the hub for that stored event:
      const [ev] = await t.db.query<{ id: number }>('SELECT id FROM webhook_events WHERE channel = $1 AND event_key = $2', ['sms', ms]);
      const stored = (await t.hub.channelStore.event(ev!.id))!;
      const [msg] = parseSms(stored);
      expect(msg!.identity).toEqual({ kind: 'phone', value: from });
      expect(msg!.attachments).toEqual([{ fileName: `mms-${ms}-1.jpg`, declaredType: 'image/jpeg', url: mediaUrl, kind: 'image' }]);
    });

    test('senders that are not phone numbers, and STOP keywords, are stored but open nothing', async () => {
      const ms = sid('SM');
      expect((await post('/webhooks/twilio/sms', smsParams(ms, 'VIETTEL', 'Khuyến mãi 50%'))).status).toBe(200);
      await settle();
      expect((await eventsLike('sms', ms))[0]!.outcome).toBe('ignored');
      const stop = sid('SM');
      expect((await post('/webhooks/twilio/sms', smsParams(stop, phone(5), 'STOP', { OptOutType: 'STOP' }))).status).toBe(200);
      await settle();
      expect((await eventsLike('sms', stop))[0]!.outcome).toBe('ignored');
      expect(await ticketsOf(phone(5))).toHaveLength(0);
    });
  });

  describe('voice IVR', () => {
    test('the greeting is Vietnamese TwiML with a one-digit menu', async () => {
      const res = await post('/webhooks/twilio/voice', callParams(sid('CA'), phone(10)));
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/xml/);
      expect(res.text).toContain('Tổng đài 1022');
      expect(res.text).toContain('xin kính chào');
      expect(res.text).toMatch(/<Say[^>]*language="vi-VN"/);
      expect(attr(res.text, 'Gather', 'numDigits')).toBe('1');
      expect(attr(res.text, 'Gather', 'action')).toBe(`${PUBLIC_BASE}/webhooks/twilio/voice/menu`);
      expect(res.text).toMatch(/phím 1[\s\S]*phím 2/);
    });

    test('one call: digit 1 → speech → recording; the action and the status callback make ONE ticket with transcript and audio', async () => {
      const caller = phone(11);
      const callSid = sid('CA');
      const menu = await post('/webhooks/twilio/voice/menu', callParams(callSid, caller, { Digits: '1' }));
      expect(menu.status).toBe(200);
      expect(attr(menu.text, 'Gather', 'input')).toBe('speech');
      expect(attr(menu.text, 'Gather', 'language')).toBe('vi-VN');
      expect(attr(menu.text, 'Gather', 'speechTimeout')).toBe('auto');
      const speechPath = pathOf(attr(menu.text, 'Gather', 'action'));
      expect(speechPath).toBe('/webhooks/twilio/voice/speech');

      const transcript = 'Cống thoát nước bị tắc ở số 12 đường Nguyễn Trãi';
      const speech = await post(speechPath, callParams(callSid, caller, { SpeechResult: transcript, Confidence: '0.87' }));
      expect(speech.status).toBe(200);
      expect(attr(speech.text, 'Record', 'maxLength')).toBe('120');
      expect(attr(speech.text, 'Record', 'playBeep')).toBe('true');
      expect(speech.text).not.toContain('transcribe');
      const recordedPath = pathOf(attr(speech.text, 'Record', 'action'));
      const statusPath = pathOf(attr(speech.text, 'Record', 'recordingStatusCallback'));
      expect(recordedPath.startsWith('/webhooks/twilio/voice/recorded?')).toBe(true);
      expect(statusPath.startsWith('/webhooks/twilio/voice/recording?')).toBe(true);
      expect(new URLSearchParams(recordedPath.split('?')[1]).get('speech')).toBe(transcript);

      const recSid = sid('RE');
      const recordingUrl = `${fake.url}/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/${recSid}`;
      const recorded = await post(recordedPath, callParams(callSid, caller, { RecordingUrl: recordingUrl, RecordingSid: recSid, RecordingDuration: '23', Digits: '#' }));
      expect(recorded.status).toBe(200);
      expect(recorded.text).toContain('<Hangup/>');
      expect(recorded.text).toContain('đã được ghi nhận');
      // Twilio retries the action on a timeout: the same step is stored once.
      expect((await post(recordedPath, callParams(callSid, caller, { RecordingUrl: recordingUrl, RecordingSid: recSid, RecordingDuration: '23', Digits: '#' }))).status).toBe(200);
      await settle();
      // The status callback arrives later (no From in it: the caller comes from the signed query).
      const status = await post(statusPath, {
        AccountSid: ACCOUNT_SID, CallSid: callSid, RecordingSid: recSid, RecordingUrl: recordingUrl, RecordingStatus: 'completed',
        RecordingDuration: '23', RecordingChannels: '1', RecordingSource: 'RecordVerb', RecordingStartTime: new Date().toUTCString(),
      });
      expect(status.status).toBe(200);
      await settle();

      const tickets = await ticketsOf(caller);
      expect(tickets).toHaveLength(1);
      const tk = tickets[0]!;
      expect(tk.channel).toBe('phone');
      expect(tk.description).toBe(transcript);
      const inbound = await messagesOf(tk.id, 'inbound');
      expect(inbound.map((m) => m.external_id)).toEqual([callSid]);
      const files = await attachmentsOf(tk.id);
      expect(files).toHaveLength(1);
      expect(files[0]!.content_type).toBe('audio/mpeg');
      expect(files[0]!.source_url).toBe(`${recordingUrl}.mp3`);
      const events = await eventsLike('phone', `${callSid}:%`);
      expect(events.map((e) => [e.event_key, e.outcome])).toEqual([[`${callSid}:recorded`, 'ticket_created'], [`${callSid}:recording`, 'duplicate']]);
      // The caller's acknowledgement goes out by SMS, once.
      const sent = smsTo(caller);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.body).toContain(tk.code);
      expect((await messagesOf(tk.id, 'outbound'))[0]!.channel).toBe('phone');
    });

    test('a caller who hangs up mid-recording: the status callback alone makes the report', async () => {
      const caller = phone(12);
      const callSid = sid('CA');
      const speech = await post('/webhooks/twilio/voice/speech', callParams(callSid, caller, { SpeechResult: 'Rác thải đổ trộm bên bờ sông', Confidence: '0.7' }));
      const statusPath = pathOf(attr(speech.text, 'Record', 'recordingStatusCallback'));
      const recSid = sid('RE');
      const recordingUrl = `${fake.url}/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/${recSid}`;
      expect((await post(statusPath, { AccountSid: ACCOUNT_SID, CallSid: callSid, RecordingSid: recSid, RecordingUrl: recordingUrl, RecordingStatus: 'completed', RecordingDuration: '9' })).status).toBe(200);
      await settle();
      const [tk, ...more] = await ticketsOf(caller);
      expect(more).toHaveLength(0);
      expect(tk!.description).toBe('Rác thải đổ trộm bên bờ sông');
      expect(await attachmentsOf(tk!.id)).toHaveLength(1);
    });

    test('an empty recording: the transcript alone is the report; nothing at all is stored as nothing', async () => {
      const caller = phone(13);
      const callSid = sid('CA');
      const speech = await post('/webhooks/twilio/voice/speech', callParams(callSid, caller, { SpeechResult: 'Mất điện cả khu phố 4' }));
      const redirect = pathOf(unescapeXml(/<Redirect[^>]*>([^<]+)<\/Redirect>/.exec(speech.text)![1]!));
      const res = await post(redirect, callParams(callSid, caller));
      expect(res.text).toContain('<Hangup/>');
      await settle();
      const [tk] = await ticketsOf(caller);
      expect(tk!.description).toBe('Mất điện cả khu phố 4');
      expect(await attachmentsOf(tk!.id)).toHaveLength(0);

      const silent = phone(14);
      const silentSid = sid('CA');
      const quiet = await post('/webhooks/twilio/voice/speech', callParams(silentSid, silent));
      const quietRedirect = pathOf(unescapeXml(/<Redirect[^>]*>([^<]+)<\/Redirect>/.exec(quiet.text)![1]!));
      const bye = await post(quietRedirect, callParams(silentSid, silent));
      expect(bye.text).toContain('chưa nghe được');
      await settle();
      expect(await ticketsOf(silent)).toHaveLength(0);
      expect(await eventsLike('phone', `${silentSid}:%`)).toHaveLength(0);
    });

    test('the recording alone (nothing recognised) is a report whose audio carries the message', async () => {
      const caller = phone(15);
      const callSid = sid('CA');
      const speech = await post('/webhooks/twilio/voice/speech', callParams(callSid, caller, { SpeechResult: '' }));
      const recordedPath = pathOf(attr(speech.text, 'Record', 'action'));
      const recSid = sid('RE');
      await post(recordedPath, callParams(callSid, caller, { RecordingUrl: `${fake.url}/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/${recSid}`, RecordingSid: recSid, RecordingDuration: '40' }));
      await settle();
      const [tk] = await ticketsOf(caller);
      expect(tk!.description).toMatch(/ghi âm/);
      expect(await attachmentsOf(tk!.id)).toHaveLength(1);
      const [ev] = await t.db.query<{ id: number }>('SELECT id FROM webhook_events WHERE event_key = $1', [`${callSid}:recorded`]);
      const [msg] = parseVoice((await t.hub.channelStore.event(ev!.id))!);
      expect(msg).toMatchObject({ channel: 'phone', externalId: callSid, kind: 'call', identity: { kind: 'phone', value: caller } });
      expect(msg!.attachments[0]).toMatchObject({ kind: 'audio', declaredType: 'audio/mpeg', fileName: `ghi-am-${recSid}.mp3` });
    });

    test('digit 2 reads out the status of the caller\'s latest ticket in Vietnamese', async () => {
      const caller = phone(16);
      await post('/webhooks/twilio/sms', smsParams(sid('SM'), caller, 'Biển báo giao thông bị đổ'));
      await settle();
      const [tk] = await ticketsOf(caller);
      const res = await post('/webhooks/twilio/voice/menu', callParams(sid('CA'), caller, { Digits: '2' }));
      expect(res.status).toBe(200);
      expect(res.text).toContain(spellCode(tk!.code));
      expect(res.text).toContain('đã được tiếp nhận');
      expect(res.text).toMatch(/<Say[^>]*language="vi-VN"/);
      expect(res.text).toContain('<Hangup/>');

      const unknown = await post('/webhooks/twilio/voice/menu', callParams(sid('CA'), phone(17), { Digits: '2' }));
      expect(unknown.text).toContain('chưa tìm thấy phản ánh');
      const hidden = await post('/webhooks/twilio/voice/menu', callParams(sid('CA'), '+266696687', { Digits: '2' }));
      expect(hidden.text).toContain('bị ẩn');
    });

    test('a wrong key repeats the menu once, then the call ends politely', async () => {
      const callSid = sid('CA');
      const first = await post('/webhooks/twilio/voice/menu', callParams(callSid, phone(18), { Digits: '9' }));
      expect(first.text).toContain('chưa đúng');
      const again = pathOf(attr(first.text, 'Gather', 'action'));
      expect(again).toBe('/webhooks/twilio/voice/menu?attempt=1');
      const second = await post(again, callParams(callSid, phone(18), { Digits: '7' }));
      expect(second.text).not.toContain('<Gather');
      expect(second.text).toContain('Xin cảm ơn');
      expect(second.text).toContain('<Hangup/>');
      // No key at all (Twilio falls through to the <Redirect>) counts the same way.
      const silent = await post('/webhooks/twilio/voice/menu', callParams(sid('CA'), phone(18)));
      expect(silent.text).toContain('chưa nhận được lựa chọn');
      expect(silent.text).toContain('<Gather');
    });
  });

  describe('delivery receipts', () => {
    const STATUS = '/webhooks/twilio/sms/status';
    /** An SMS report → its ticket and the acknowledgement (sent, external_id known). */
    const smsAck = async (from: string) => {
      await post('/webhooks/twilio/sms', smsParams(sid('SM'), from, 'Biển báo giao thông bị đổ'));
      await settle();
      let [tk] = await ticketsOf(from);
      let [ack] = tk ? await messagesOf(tk.id, 'outbound') : [];
      // Bounded wait: under heavy parallel load the acknowledgement can land after settle() returns.
      for (let i = 0; i < 100 && (!ack || ack.delivery_status === 'queued'); i++) {
        await new Promise((r) => setTimeout(r, 100));
        await settle();
        [tk] = await ticketsOf(from);
        [ack] = tk ? await messagesOf(tk.id, 'outbound') : [];
      }
      expect(ack!.delivery_status).toBe('sent');
      expect(ack!.external_id).toMatch(/^SM[0-9]{32}$/);
      return { tk: tk!, ack: ack! };
    };

    test('the sender asks for status callbacks; intermediate statuses store nothing; delivered marks the reply, once', async () => {
      const to = phone(50);
      const { tk, ack } = await smsAck(to);
      expect(smsTo(to)[0]!.statusCallback).toBe(PUBLIC_BASE + STATUS);
      for (const s of ['queued', 'sending', 'sent']) {
        expect((await post(STATUS, statusParams(ack.external_id!, to, s))).status).toBe(204);
      }
      await settle();
      expect(await eventsLike('sms', `status:${ack.external_id}:%`)).toHaveLength(0);
      const delivered = statusParams(ack.external_id!, to, 'delivered');
      const res = await post(STATUS, delivered);
      expect(res.status).toBe(204);
      await settle();
      expect((await messagesOf(tk.id, 'outbound'))[0]!.delivery_status).toBe('delivered');
      expect((await eventsLike('sms', `status:${ack.external_id}:%`)).map((e) => [e.event_key, e.outcome]))
        .toEqual([[`status:${ack.external_id}:delivered`, 'receipt']]);
      // Twilio retries: the same receipt twice is one event and changes nothing.
      expect((await post(STATUS, delivered)).status).toBe(204);
      await settle();
      expect(await eventsLike('sms', `status:${ack.external_id}:%`)).toHaveLength(1);
      const [after] = await messagesOf(tk.id, 'outbound');
      expect([after!.delivery_status, after!.delivery_error]).toEqual(['delivered', null]);
    });

    test('undelivered and failed mark the reply failed with Twilio\'s reason', async () => {
      const a = await smsAck(phone(51));
      expect((await post(STATUS, statusParams(a.ack.external_id!, phone(51), 'undelivered', { ErrorCode: '30003' }))).status).toBe(204);
      const b = await smsAck(phone(52));
      expect((await post(STATUS, statusParams(b.ack.external_id!, phone(52), 'failed', { ErrorCode: '30006', ErrorMessage: 'Landline or unreachable carrier' }))).status).toBe(204);
      await settle();
      const [ua] = await messagesOf(a.tk.id, 'outbound');
      expect([ua!.delivery_status, ua!.delivery_error]).toEqual(['failed', 'Twilio 30003: Unreachable destination handset']);
      const [ub] = await messagesOf(b.tk.id, 'outbound');
      expect([ub!.delivery_status, ub!.delivery_error]).toEqual(['failed', 'Twilio 30006: Landline or unreachable carrier']);
      expect((await eventsLike('sms', `status:${a.ack.external_id}:undelivered`))[0]!.outcome).toBe('receipt');
      // A late 'delivered' does not hide the failure.
      await post(STATUS, statusParams(a.ack.external_id!, phone(51), 'delivered'));
      await settle();
      expect((await messagesOf(a.tk.id, 'outbound'))[0]!.delivery_status).toBe('failed');
    });

    test('a receipt for an unknown id changes nothing', async () => {
      const { tk } = await smsAck(phone(53));
      const unknown = sid('SM');
      expect((await post(STATUS, statusParams(unknown, phone(53), 'delivered'))).status).toBe(204);
      await settle();
      expect((await eventsLike('sms', `status:${unknown}:delivered`))[0]!.outcome).toBe('receipt');
      expect((await messagesOf(tk.id, 'outbound'))[0]!.delivery_status).toBe('sent');
      const n = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE external_id = $1`, [unknown]);
      expect(Number(n[0]!.n)).toBe(0);
    });

    test('the phone channel\'s SMS reply: its callback URL names the channel and the receipt lands on it', async () => {
      const caller = phone(54);
      const callSid = sid('CA');
      const speech = await post('/webhooks/twilio/voice/speech', callParams(callSid, caller, { SpeechResult: 'Hố ga mất nắp trước nhà số 8' }));
      const statusPath = pathOf(attr(speech.text, 'Record', 'recordingStatusCallback'));
      const recSid = sid('RE');
      await post(statusPath, { AccountSid: ACCOUNT_SID, CallSid: callSid, RecordingSid: recSid,
        RecordingUrl: `${fake.url}/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/${recSid}`, RecordingStatus: 'completed', RecordingDuration: '5' });
      await settle();
      const [tk] = await ticketsOf(caller);
      const [ack] = await messagesOf(tk!.id, 'outbound');
      expect([ack!.channel, ack!.delivery_status]).toEqual(['phone', 'sent']);
      const callback = smsTo(caller)[0]!.statusCallback!;
      expect(callback).toBe(`${PUBLIC_BASE}${STATUS}?ch=phone`);
      const path = pathOf(callback);
      const params = statusParams(ack!.external_id!, caller, 'delivered');
      // The channel is part of the signed URL: moving the receipt to another channel breaks the signature.
      expect((await post(STATUS, params, { signature: sign(PUBLIC_BASE + path, params) })).status).toBe(403);
      expect((await post(path, params)).status).toBe(204);
      await settle();
      expect((await messagesOf(tk!.id, 'outbound'))[0]!.delivery_status).toBe('delivered');
      expect((await eventsLike('phone', `status:${ack!.external_id}:delivered`))[0]!.outcome).toBe('receipt');
      expect(await eventsLike('sms', `status:${ack!.external_id}:%`)).toHaveLength(0);
    });

    test('a bad signature is 403, a bad channel or missing fields 400; nothing is stored', async () => {
      const ms = sid('SM');
      const params = statusParams(ms, phone(55), 'delivered');
      expect((await post(STATUS, params, { signature: null })).status).toBe(403);
      expect((await post(STATUS, params, { signature: sign(PUBLIC_BASE + STATUS, { ...params, MessageStatus: 'failed' }) })).status).toBe(403);
      expect((await post(`${STATUS}?ch=email`, params)).status).toBe(400);
      expect((await post(STATUS, { AccountSid: ACCOUNT_SID, MessageStatus: 'delivered' })).status).toBe(400);
      expect(await eventsLike('sms', `status:${ms}:%`)).toHaveLength(0);
      expect(await eventsLike('email', `status:${ms}:%`)).toHaveLength(0);
    });
  });

  describe('bad input', () => {
    test('a missing, wrong or foreign signature is 403 and stores nothing', async () => {
      const ms = sid('SM');
      const params = smsParams(ms, phone(30), 'giả mạo');
      expect((await post('/webhooks/twilio/sms', params, { signature: null })).status).toBe(403);
      expect((await post('/webhooks/twilio/sms', params, { signature: 'bm90LWEtc2lnbmF0dXJl' })).status).toBe(403);
      expect((await post('/webhooks/twilio/sms', params, { signature: sign(PUBLIC_BASE + '/webhooks/twilio/sms', params, 'another-token') })).status).toBe(403);
      expect((await post('/webhooks/twilio/sms', params, { signature: sign(PUBLIC_BASE + '/webhooks/twilio/voice', params) })).status).toBe(403);
      expect((await post('/webhooks/twilio/sms', params, { signature: sign(PUBLIC_BASE + '/webhooks/twilio/sms', { ...params, Body: 'khác' }) })).status).toBe(403);
      expect((await post('/webhooks/twilio/voice', callParams(sid('CA'), phone(30)), { signature: null })).status).toBe(403);
      expect(await eventsLike('sms', ms)).toHaveLength(0);
    });

    test('the transcript carried in a callback URL cannot be altered', async () => {
      const callSid = sid('CA');
      const speech = await post('/webhooks/twilio/voice/speech', callParams(callSid, phone(31), { SpeechResult: 'Nội dung thật' }));
      const recordedPath = pathOf(attr(speech.text, 'Record', 'action'));
      const params = callParams(callSid, phone(31), { RecordingUrl: `${fake.url}/x`, RecordingSid: sid('RE') });
      const forged = recordedPath.replace(/speech=[^&]*/, 'speech=gi%E1%BA%A3+m%E1%BA%A1o');
      expect((await post(forged, params, { signature: sign(PUBLIC_BASE + recordedPath, params) })).status).toBe(403);
      expect(await eventsLike('phone', `${callSid}:%`)).toHaveLength(0);
    });

    test('wrong content type, huge bodies, garbage and missing fields are 4xx or a polite TwiML, never 5xx', async () => {
      const json = await supertest(t.app).post('/webhooks/twilio/sms').set('content-type', 'application/json').set('x-twilio-signature', 'x').send('{"MessageSid":"SM1"}');
      expect(json.status).toBe(415);
      const huge = 'Body=' + 'a'.repeat(200_000);
      const big = await supertest(t.app).post('/webhooks/twilio/sms').set('content-type', 'application/x-www-form-urlencoded').set('x-twilio-signature', 'x').send(huge);
      expect(big.status).toBe(413);
      // Garbage that Twilio could have signed (so it passes the signature): no MessageSid → 400.
      const raw = '%%%&&==&Body=%E0%A4%A&From';
      const garbage = Object.fromEntries(new URLSearchParams(raw));
      const g = await supertest(t.app).post('/webhooks/twilio/sms').set('content-type', 'application/x-www-form-urlencoded')
        .set('x-twilio-signature', sign(PUBLIC_BASE + '/webhooks/twilio/sms', garbage)).send(raw);
      expect(g.status).toBe(400);
      const noFrom = smsParams(sid('SM'), '', 'x');
      expect((await post('/webhooks/twilio/sms', noFrom)).status).toBe(400);
      // A call request without CallSid: the caller still hears something polite.
      const v = await post('/webhooks/twilio/voice', { AccountSid: ACCOUNT_SID, From: phone(32) });
      expect(v.status).toBe(200);
      expect(v.text).toContain('<Hangup/>');
      const rec = await post('/webhooks/twilio/voice/recording', { AccountSid: ACCOUNT_SID, RecordingStatus: 'completed' });
      expect(rec.status).toBe(400);
      const truncated = await supertest(t.app).post('/webhooks/twilio/voice/menu').set('content-type', 'application/x-www-form-urlencoded; charset=klingon').send('Digits=1');
      expect(truncated.status).toBeGreaterThanOrEqual(400);
      expect(truncated.status).toBeLessThan(500);
      // An SMS status callback sent to the inbound URL is acknowledged and ignored.
      const cb = { MessageSid: sid('SM'), MessageStatus: 'delivered', AccountSid: ACCOUNT_SID, From: FROM_NUMBER, To: phone(33) };
      expect((await post('/webhooks/twilio/sms', cb)).status).toBe(200);
      expect(await eventsLike('sms', cb.MessageSid)).toHaveLength(0);
    });
  });

  describe('sending SMS', () => {
    test('an invalid number (21211) fails the reply for good; the channel stays healthy', async () => {
      const from = phone(40);
      fake.invalidNumbers.add(from);
      await post('/webhooks/twilio/sms', smsParams(sid('SM'), from, 'Đường ngập nước sau mưa'));
      await settle();
      const [tk] = await ticketsOf(from);
      const [out] = await messagesOf(tk!.id, 'outbound');
      expect(out!.delivery_status).toBe('failed');
      expect(out!.delivery_error).toContain('21211');
      expect(smsTo(from)).toHaveLength(1); // not retried
      expect((await health('sms'))?.status).toBe('healthy');
    });

    test('a rejected auth token (401/20003) fails the reply and marks the channel unhealthy; success heals it', async () => {
      fake.mode = 'auth';
      const from = phone(41);
      await post('/webhooks/twilio/sms', smsParams(sid('SM'), from, 'Vỉa hè bị lấn chiếm'));
      await settle();
      const [tk] = await ticketsOf(from);
      let [out] = await messagesOf(tk!.id, 'outbound');
      // Bounded wait for the final status: under heavy parallel load the send can land after settle().
      for (let i = 0; i < 100 && (!out || out.delivery_status === 'queued'); i++) {
        await new Promise((r) => setTimeout(r, 100));
        await settle();
        [out] = await messagesOf(tk!.id, 'outbound');
      }
      expect(out!.delivery_status).toBe('failed');
      expect(out!.delivery_error).toContain('20003');
      const h = await health('sms');
      expect(h?.status).not.toBe('healthy');
      expect(h?.reason).toMatch(/authentication/);
      fake.mode = 'ok';
      await post('/webhooks/twilio/sms', smsParams(sid('SM'), phone(42), 'Cột điện nghiêng'));
      await settle();
      // Bounded wait, as above: under heavy parallel load the acknowledgement can go out after settle().
      const [tk42] = await ticketsOf(phone(42));
      for (let i = 0; i < 100 && (await messagesOf(tk42!.id, 'outbound'))[0]?.delivery_status !== 'sent'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        await settle();
      }
      expect((await messagesOf(tk42!.id, 'outbound'))[0]?.delivery_status).toBe('sent');
      expect((await health('sms'))?.status).toBe('healthy');
    });

    test('a rate limit (429/20429) is transient: the reply stays queued, then goes out', async () => {
      fake.mode = 'ratelimit';
      const from = phone(43);
      await post('/webhooks/twilio/sms', smsParams(sid('SM'), from, 'Tiếng ồn công trình ban đêm'));
      await settle();
      const [tk] = await ticketsOf(from);
      const [out] = await messagesOf(tk!.id, 'outbound');
      expect(out!.delivery_status).toBe('queued');
      expect((await health('sms'))?.status).not.toBe('healthy');
      fake.mode = 'ok';
      await t.hub.notifier.deliver(out!.id, 2, 5);
      const [after] = await messagesOf(tk!.id, 'outbound');
      expect(after!.delivery_status).toBe('sent');
      expect(smsTo(from).length).toBeGreaterThanOrEqual(2);
      expect(smsTo(from).every((c) => c.auth === basic && c.from === FROM_NUMBER)).toBe(true);
    });
  });
});

describe('Twilio switched off or half-configured', () => {
  test('without TWILIO_AUTH_TOKEN the webhooks answer 404', async () => {
    const t = await startTestHub('pglite', { TWILIO_ACCOUNT_SID: ACCOUNT_SID });
    try {
      const params = smsParams('SMoff', '+84911999001', 'x');
      for (const path of ['/webhooks/twilio/sms', '/webhooks/twilio/voice']) {
        const res = await supertest(t.app).post(path).set('content-type', 'application/x-www-form-urlencoded')
          .set('x-twilio-signature', sign(PUBLIC_BASE + path, params)).send(new URLSearchParams(params).toString());
        expect(res.status).toBe(404);
      }
    } finally {
      await t.close();
    }
  });

  test('without TWILIO_FROM_NUMBER messages are received and replies are held, not lost', async () => {
    const t = await startTestHub('pglite', { TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_API_URL: fake.url });
    try {
      const params = smsParams('SMheld0000000000000000000000000001', '+84911999002', 'Cầu dân sinh xuống cấp');
      const res = await supertest(t.app).post('/webhooks/twilio/sms').set('content-type', 'application/x-www-form-urlencoded')
        .set('x-twilio-signature', sign(PUBLIC_BASE + '/webhooks/twilio/sms', params)).send(new URLSearchParams(params).toString());
      expect(res.status).toBe(200);
      await t.hub.settle();
      const rows = await t.db.query<{ delivery_status: string }>(
        `SELECT m.delivery_status FROM messages m JOIN tickets tk ON tk.id = m.ticket_id WHERE m.direction = 'outbound' AND tk.channel = 'sms'`);
      expect(rows.map((r) => r.delivery_status)).toEqual(['held']);
      expect(smsTo('+84911999002')).toHaveLength(0);
    } finally {
      await t.close();
    }
  });
});
