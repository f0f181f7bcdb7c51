import crypto from 'node:crypto';
import type http from 'node:http';
import net from 'node:net';
import { Writable } from 'node:stream';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import supertest from 'supertest';
import twilio from 'twilio';
import { zaloSignature } from '../src/channels/zalo/signature';
import { createLogger, scrubText } from '../src/shared/logger';
import { freePort, startFakeServer, type FakeServer } from './helpers/net';
import { seedPeople, startTestHub, type TestHub } from './helpers/hub';

/**
 * Secrets and personal data never reach the logs (issue #8): one full run through a hub whose
 * logger writes every line, at the most verbose level, to a buffer — citizens reporting on every
 * channel with names, phones, emails, CCCD numbers and addresses; webhooks with their signatures;
 * platform APIs that fail (and, like Twilio, repeat the phone number in their error); staff
 * logging in (and failing to); the IOC and Open311 with their keys; tracking and survey tokens.
 * Then every line is searched for every one of those values.
 */

// ---- what must never be logged -------------------------------------------------------------------

const CITIZEN = {
  name: 'Phạm Thị Logtestnhi',
  phones: ['0912 345 678', '0912345678', '+84912345678', '84912345678', '0912.345.678', '(+84) 912-345-678'],
  email: 'nhi.logtest@example.vn',
  cccd: '001203004567',
  address: 'Số 77 ngõ Logtestpho, phố Hàng Bạc',
};
const SMS_PHONE = '+84987650321';
const ZALO_USER = '8309393969812345678';
const FB_PSID = '24681357900012345';
const FB_EMAIL = 'fb.logtest@example.vn';
const MAIL_FROM = 'mail.logtest@example.vn';
const OPEN311_EMAIL = 'o311.logtest@example.vn';
const OPEN311_PHONE = '0977001122';

const SECRETS = {
  ZALO_APP_ID: '4455667788990011223',
  ZALO_OA_SECRET: 'zalo-oa-secret-logtest',
  ZALO_APP_SECRET: 'zalo-app-secret-logtest',
  ZALO_OA_ACCESS_TOKEN: 'zalo-access-token-logtest-expired',
  ZALO_REFRESH_TOKEN: 'zalo-refresh-token-logtest',
  FACEBOOK_APP_SECRET: 'facebook-app-secret-logtest',
  FACEBOOK_VERIFY_TOKEN: 'facebook-verify-token-logtest',
  FACEBOOK_PAGE_TOKEN: 'EAAGfacebookPageTokenLogtest',
  TWILIO_AUTH_TOKEN: 'twilio-auth-token-logtest',
  IOC_API_KEYS: 'ioc-key-logtest-0123456789',
  OPEN311_API_KEYS: 'open311-key-logtest-0123456789',
};
const SMTP_PASSWORD = 'smtp-password-logtest';
const IMAP_PASSWORD = 'imap-password-logtest';
const STAFF_PASSWORD = 'correct horse battery';
const WRONG_PASSWORD = 'wrong-password-logtest';
const NEW_STAFF_PASSWORD = 'new-staff-password-logtest';
const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const FROM_NUMBER = '+18335550100';
const PUBLIC_BASE = 'http://hub.test';

/** Zalo, Facebook's Graph API and Twilio's REST API on one local server, each failing the way the real one can. */
function platforms() {
  const state = { zaloAccessToken: 'zalo-access-token-logtest-current', refreshed: [] as string[], sent: 0 };
  const json = (res: http.ServerResponse, status: number, body: unknown) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
  const handle = (req: http.IncomingMessage, raw: string, res: http.ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname === '/v3.0/oa/message/cs') {
      // The configured token has expired: the hub must refresh it, and log neither.
      if (req.headers['access_token'] !== state.zaloAccessToken) return json(res, 200, { error: -216, message: 'Access token is invalid' });
      state.sent++;
      return json(res, 200, { error: 0, message: 'Success', data: { message_id: crypto.randomBytes(8).toString('hex') } });
    }
    if (u.pathname === '/v4/oa/access_token') {
      const params = new URLSearchParams(raw);
      if (req.headers['secret_key'] !== SECRETS.ZALO_APP_SECRET || params.get('refresh_token') !== SECRETS.ZALO_REFRESH_TOKEN) {
        return json(res, 200, { error: -14014, error_name: 'Invalid refresh token', error_description: 'Refresh token is invalid or expired' });
      }
      state.zaloAccessToken = `zalo-access-token-logtest-new-${crypto.randomBytes(4).toString('hex')}`;
      const refresh = `zalo-refresh-token-logtest-new-${crypto.randomBytes(4).toString('hex')}`;
      state.refreshed.push(state.zaloAccessToken, refresh);
      return json(res, 200, { access_token: state.zaloAccessToken, refresh_token: refresh, expires_in: '90000' });
    }
    if (u.pathname === '/v21.0/me/messages') {
      return json(res, 400, { error: { message: 'Error validating access token: Session has expired.', type: 'OAuthException', code: 190, error_subcode: 463, fbtrace_id: 'AbC' } });
    }
    if (u.pathname.endsWith('/Messages.json') || u.pathname.endsWith('/Calls.json')) {
      // Twilio names the number it refuses in its message.
      const to = new URLSearchParams(raw).get('To') ?? '';
      return json(res, 400, { code: 21211, message: `The 'To' number ${to} is not a valid phone number.`, more_info: 'https://www.twilio.com/docs/errors/21211', status: 400 });
    }
    json(res, 404, { error: 'not found' });
  };
  return { state, handle };
}

/** The relay behind SMTP_URL, with a password. */
async function smtpSink() {
  const server = new SMTPServer({
    authOptional: false, allowInsecureAuth: true, disabledCommands: ['STARTTLS'], logger: false,
    onAuth(auth, _session, cb) { cb(null, auth.password === SMTP_PASSWORD ? { user: auth.username } : undefined); },
    onData(stream, _s, cb) { stream.resume(); stream.on('end', () => cb()); },
  });
  server.on('error', () => undefined);
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.server.address() as net.AddressInfo).port)));
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('the logger scrubs free text', () => {
  test.each([
    ["Twilio 400 (21211): The 'To' number +84987650321 is not a valid phone number.", "Twilio 400 (21211): The 'To' number [number] is not a valid phone number."],
    ['gọi 0912 345 678, 0912.345.678, (+84) 912-345-678 hoặc 84912345678', 'gọi [number], [number], [number] hoặc [number]'],
    ['CCCD 001203004567, CMND 123456789', 'CCCD [number], CMND [number]'],
    ['to: nhi.logtest@example.vn,staff@so-xay-dung.hungyen.gov.vn', 'to: [email],[email]'],
  ])('%s', (text, scrubbed) => { expect(scrubText(text)).toBe(scrubbed); });

  test.each(['PA-2611-4K7QZ', '2026-11-23T04:51:43.174Z', 'sla:123:1795410096052', '127.0.0.1:2525', 'SM0123456789abcdef0123456789abcdef', 'ticket 12, message 4567, 400 (21211)'])(
    'keeps what is no personal data: %s', (text) => { expect(scrubText(text)).toBe(text); });

  test('fields, nested objects, errors and the message itself are scrubbed; sensitive keys are redacted', () => {
    const out: string[] = [];
    const log = createLogger('info', 'scrub-test', new Writable({ write(c: Buffer, _e, cb) { out.push(c.toString('utf8')); cb(); } }));
    log.warn({ reason: 'số +84912345678', nested: { list: ['a@b.vn'] }, err: new Error('user 0912345678 unknown'), password: 'pw-123456', token: 'tok', ticket: 'PA-2611-4K7QZ' }, 'sent to %s', 'x@y.vn');
    const line = JSON.parse(out.join('')) as Record<string, unknown>;
    expect(line).toMatchObject({ reason: 'số [number]', nested: { list: ['[email]'] }, password: '[redacted]', token: '[redacted]', ticket: 'PA-2611-4K7QZ', msg: 'sent to [email]' });
    expect(JSON.stringify(line.err)).toContain('user [number] unknown');
    expect(out.join('')).not.toMatch(/912345678|a@b\.vn|x@y\.vn|pw-123456/);
  });
});

describe('logs of a full run hold no secret and no personal data (postgres)', () => {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, cb) { lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)); cb(); } });
  const fake = platforms();
  let api: FakeServer;
  let smtp: Awaited<ReturnType<typeof smtpSink>>;
  let t: TestHub;
  let inboundPort = 0;
  /** Values the run produces: tokens, cookies, signatures. */
  const produced: string[] = [];

  beforeAll(async () => {
    api = await startFakeServer(fake.handle);
    smtp = await smtpSink();
    inboundPort = await freePort();
    const deadImap = await freePort();
    const log = createLogger('trace', '1022-hub', sink);
    t = await startTestHub('postgres', {
      ...SECRETS,
      ZALO_API_URL: api.url, ZALO_OAUTH_URL: api.url, FACEBOOK_GRAPH_URL: `${api.url}/v21.0`,
      TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_FROM_NUMBER: FROM_NUMBER, TWILIO_API_URL: api.url,
      SMTP_INBOUND_PORT: String(inboundPort), SMTP_URL: `smtp://relay-user:${SMTP_PASSWORD}@127.0.0.1:${smtp.port}`,
      IMAP_URL: `imap://imap-user:${IMAP_PASSWORD}@127.0.0.1:${deadImap}/INBOX`, IMAP_POLL_SECONDS: '1',
      LOG_LEVEL: 'trace',
    }, { log });
    await seedPeople(t.db);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await api?.stop();
    await smtp?.close();
  });

  test('a full run: every channel, staff, IOC, Open311, tracking and surveys', async () => {
    const app = () => supertest(t.app);

    // -- the web portal: JSON and multipart, the text full of personal data
    const text = `Tôi là ${CITIZEN.name}, CCCD ${CITIZEN.cccd}, SĐT ${CITIZEN.phones[4]}, ở ${CITIZEN.address}: cống thoát nước bị vỡ, nước bẩn tràn ra đường`;
    const web = await app().post('/api/v1/reports').send({
      channel: 'web', text, address: CITIZEN.address, location: { lat: 20.65, lng: 106.05 },
      contact: { name: CITIZEN.name, phone: CITIZEN.phones[0], email: CITIZEN.email, shareWithAgency: false },
    });
    expect(web.status).toBe(201);
    produced.push(web.body.trackingToken);
    const multipart = await app().post('/api/v1/reports')
      .field('report', JSON.stringify({ channel: 'app', text: `${text} (ảnh kèm)`, contact: { name: CITIZEN.name, phone: CITIZEN.phones[5], email: CITIZEN.email } }))
      .attach('attachments', Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64'),
        { filename: `${CITIZEN.name} ${CITIZEN.cccd}.png`, contentType: 'image/png' })
      .attach('attachments', Buffer.from('#!/bin/sh\necho not an image\n'), { filename: `cccd-${CITIZEN.cccd}.exe`, contentType: 'application/octet-stream' });
    expect([201, 415]).toContain(multipart.status);
    // Invalid input (each phone format once) is answered, not logged.
    for (const phone of CITIZEN.phones) {
      await app().post('/api/v1/reports').send({ channel: 'web', text: 'x', contact: { phone, email: `not-an-email ${CITIZEN.email}` } });
    }
    // Tracking, with the token and with a wrong one.
    expect((await app().get(`/api/v1/reports/${web.body.code}?token=${web.body.trackingToken}`)).status).toBe(200);
    expect((await app().get(`/api/v1/reports/${web.body.code}?token=${web.body.trackingToken.slice(0, -2)}xx`)).status).toBe(404);

    // -- Zalo: a signed event; the reply needs a token refresh
    const zaloEvent = {
      app_id: SECRETS.ZALO_APP_ID, user_id_by_app: '7300442764876318465', event_name: 'user_send_text', timestamp: String(Date.now()),
      sender: { id: ZALO_USER }, recipient: { id: '1423847451268726170' },
      message: { text: `Đèn đường hỏng trước nhà ${CITIZEN.address}, gọi ${CITIZEN.phones[1]}, CCCD ${CITIZEN.cccd}`, msg_id: crypto.randomBytes(10).toString('hex') },
    };
    const zaloRaw = JSON.stringify(zaloEvent);
    const zaloSig = zaloSignature(SECRETS.ZALO_APP_ID, zaloRaw, zaloEvent.timestamp, SECRETS.ZALO_OA_SECRET);
    produced.push(zaloSig);
    expect((await app().post('/webhooks/zalo').set('content-type', 'application/json').set('X-ZEvent-Signature', zaloSig).send(zaloRaw)).status).toBe(200);
    // And a forged one.
    expect((await app().post('/webhooks/zalo').set('content-type', 'application/json').set('X-ZEvent-Signature', `mac=${'0'.repeat(64)}`).send(zaloRaw)).status).toBe(403);

    // -- Facebook: the verification handshake, a signed message; Graph refuses the page token
    expect((await app().get('/webhooks/facebook').query({ 'hub.mode': 'subscribe', 'hub.verify_token': SECRETS.FACEBOOK_VERIFY_TOKEN, 'hub.challenge': '1158201444' })).status).toBe(200);
    expect((await app().get('/webhooks/facebook').query({ 'hub.mode': 'subscribe', 'hub.verify_token': `${SECRETS.FACEBOOK_VERIFY_TOKEN}-wrong`, 'hub.challenge': '1' })).status).toBe(403);
    const fbRaw = JSON.stringify({ object: 'page', entry: [{ id: '104857600000001', time: Date.now(), messaging: [{
      sender: { id: FB_PSID }, recipient: { id: '104857600000001' }, timestamp: Date.now(),
      message: { mid: `m_${crypto.randomBytes(8).toString('hex')}`, text: `Rác ùn ứ ở ${CITIZEN.address}. Email ${FB_EMAIL}, SĐT ${CITIZEN.phones[2]}` },
    }] }] });
    const fbSig = `sha256=${crypto.createHmac('sha256', SECRETS.FACEBOOK_APP_SECRET).update(fbRaw).digest('hex')}`;
    produced.push(fbSig);
    expect((await app().post('/webhooks/facebook').set('content-type', 'application/json').set('x-hub-signature-256', fbSig).send(fbRaw)).status).toBe(200);
    expect((await app().post('/webhooks/facebook').set('content-type', 'application/json').set('x-hub-signature-256', `sha256=${'1'.repeat(64)}`).send(fbRaw)).status).toBe(403);

    // -- Twilio: a signed SMS; sending the acknowledgement fails with the number in Twilio's error
    const sms = {
      MessageSid: `SM${crypto.randomBytes(16).toString('hex')}`, AccountSid: ACCOUNT_SID, From: SMS_PHONE, To: FROM_NUMBER,
      Body: `Cây đổ chắn đường, tôi ${CITIZEN.name} CCCD ${CITIZEN.cccd}`, NumMedia: '0',
    };
    const smsSig = twilio.getExpectedTwilioSignature(SECRETS.TWILIO_AUTH_TOKEN, `${PUBLIC_BASE}/webhooks/twilio/sms`, sms);
    produced.push(smsSig);
    const postForm = (path: string, params: Record<string, string>, sig: string) =>
      app().post(path).set('content-type', 'application/x-www-form-urlencoded').set('x-twilio-signature', sig).send(new URLSearchParams(params).toString());
    expect((await postForm('/webhooks/twilio/sms', sms, smsSig)).status).toBe(200);
    expect((await postForm('/webhooks/twilio/sms', sms, 'bm90IGEgc2lnbmF0dXJl')).status).toBe(403);
    const call = { CallSid: `CA${crypto.randomBytes(16).toString('hex')}`, AccountSid: ACCOUNT_SID, From: SMS_PHONE, To: FROM_NUMBER, CallStatus: 'ringing' };
    const callSig = twilio.getExpectedTwilioSignature(SECRETS.TWILIO_AUTH_TOKEN, `${PUBLIC_BASE}/webhooks/twilio/voice`, call);
    produced.push(callSig);
    expect((await postForm('/webhooks/twilio/voice', call, callSig)).status).toBe(200);

    // -- email: a mail to the hub's SMTP listener; the reply goes through the relay with its password
    const mailer = nodemailer.createTransport({ host: '127.0.0.1', port: inboundPort, secure: false, ignoreTLS: true });
    await mailer.sendMail({
      from: `"${CITIZEN.name}" <${MAIL_FROM}>`, to: '1022@hub.test', subject: `Phản ánh của ${CITIZEN.name}`,
      text: `Xin chào, tôi ở ${CITIZEN.address}, CCCD ${CITIZEN.cccd}, điện thoại ${CITIZEN.phones[3]}. Vỉa hè bị lấn chiếm.`,
    });

    // -- Open311 with its api_key, and with a wrong one
    const o311 = new URLSearchParams({
      api_key: SECRETS.OPEN311_API_KEYS, service_code: 'giao-thong', description: `Ổ gà lớn, liên hệ ${OPEN311_PHONE}`, lat: '20.65', long: '106.05',
      address_string: CITIZEN.address, email: OPEN311_EMAIL, phone: OPEN311_PHONE, first_name: 'Logtestten', last_name: 'Phạm',
    });
    const created = await app().post('/open311/v2/requests.json').type('form').send(o311.toString());
    expect(created.status).toBe(201);
    o311.set('api_key', `${SECRETS.OPEN311_API_KEYS}-wrong`);
    expect((await app().post('/open311/v2/requests.json').type('form').send(o311.toString())).status).toBe(403);
    expect((await app().get(`/open311/v2/requests.json?api_key=${SECRETS.OPEN311_API_KEYS}`)).status).toBe(200);

    // -- the IOC, with its key and with a wrong one
    expect((await app().get('/api/v1/ioc/summary').set('authorization', `Bearer ${SECRETS.IOC_API_KEYS}`)).status).toBe(200);
    expect((await app().get('/api/v1/ioc/summary').set('authorization', `Bearer ${SECRETS.IOC_API_KEYS}x`)).status).toBe(401);

    // -- staff: a failed login, logins, a new colleague, the ticket worked to its answer
    expect((await app().post('/api/v1/auth/login').send({ email: 'op@test.vn', password: WRONG_PASSWORD })).status).toBe(401);
    const login = async (email: string) => {
      const agent = supertest.agent(t.app);
      const res = await agent.post('/api/v1/auth/login').send({ email, password: STAFF_PASSWORD });
      expect(res.status).toBe(200);
      const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('hub_session='))!;
      produced.push(decodeURIComponent(cookie.split(';')[0]!.slice('hub_session='.length)), res.body.csrfToken);
      const csrf = res.body.csrfToken as string;
      return { get: (u: string) => agent.get(u), post: (u: string, b: object = {}) => agent.post(u).set('x-csrf-token', csrf).send(b) };
    };
    const [op, admin, staffA] = [await login('op@test.vn'), await login('admin@test.vn'), await login('staff.a@test.vn')];
    expect((await admin.post('/api/v1/staff-users', { email: 'new.logtest@test.vn', displayName: 'Logtest Mới', role: 'operator', password: NEW_STAFF_PASSWORD })).status).toBe(201);
    expect((await op.post('/api/v1/tickets', { text: `Cuộc gọi của ${CITIZEN.name}, ${CITIZEN.phones[1]}`, contact: { name: CITIZEN.name, phone: CITIZEN.phones[1], email: CITIZEN.email } })).status).toBe(201);
    await t.hub.settle();
    const agencyA = (await t.db.query<{ id: number }>(`SELECT id FROM agencies WHERE code = 'agency-a'`))[0]!.id;
    const codes = (await t.db.query<{ code: string; channel: string }>('SELECT code, channel FROM tickets ORDER BY id')).map((r) => r.code);
    expect(codes.length).toBeGreaterThanOrEqual(6);
    for (const code of codes) {
      const tk = (await op.get(`/api/v1/tickets/${code}`)).body;
      if (['received', 'triaged', 'returned'].includes(tk.status)) expect((await op.post(`/api/v1/tickets/${code}/actions/assign`, { agencyId: agencyA })).status).toBe(200);
      else if (tk.agencyId !== agencyA) expect((await op.post(`/api/v1/tickets/${code}/actions/assign`, { agencyId: agencyA })).status).toBe(200);
      expect((await staffA.post(`/api/v1/tickets/${code}/actions/accept`)).status).toBe(200);
      expect((await staffA.post(`/api/v1/tickets/${code}/messages`, { body: `Chúng tôi đã liên hệ số ${CITIZEN.phones[0]}`, visibility: 'internal' })).status).toBe(201);
      expect((await staffA.post(`/api/v1/tickets/${code}/actions/resolve`, { resolution: 'Đã sửa xong, cảm ơn anh/chị.' })).status).toBe(200);
    }
    await t.hub.settle();
    expect((await op.get(`/api/v1/tickets?q=${encodeURIComponent(CITIZEN.cccd)}`)).status).toBe(200);
    expect((await op.get('/api/v1/exports/tickets.csv')).status).toBe(200);

    // -- the surveys the answers sent: read, answered with a comment, a wrong token
    const surveys = await t.db.query<{ token: string }>('SELECT token FROM satisfaction_surveys ORDER BY id');
    expect(surveys.length).toBeGreaterThan(0);
    for (const s of surveys) {
      produced.push(s.token);
      expect((await app().get(`/api/v1/surveys/${s.token}`)).status).toBe(200);
      await app().post(`/api/v1/surveys/${s.token}`).send({ score: 2, comment: `Chưa xong, gọi lại ${CITIZEN.phones[0]}`, reopen: true });
    }
    expect((await app().get(`/api/v1/surveys/${surveys[0]!.token.slice(0, -3)}abc`)).status).toBe(404);
    await t.hub.settle();
    // The IMAP poller has had its seconds to fail against the dead port.
    await new Promise((r) => setTimeout(r, 1500));
    expect(fake.state.refreshed.length).toBeGreaterThan(0);
    produced.push(...fake.state.refreshed);
  }, 120_000);

  test('no log line holds any of those values', () => {
    expect(lines.length).toBeGreaterThan(20);
    // The run went through the verbose and the failure paths (debug lines; platform and signature failures).
    const levels = lines.map((l) => (JSON.parse(l) as { level: number }).level);
    expect(levels.filter((l) => l <= 20).length).toBeGreaterThan(0);
    expect(levels.filter((l) => l >= 40).length).toBeGreaterThan(5);
    const forbidden: [string, string][] = [
      ...Object.entries(SECRETS),
      ['SMTP password', SMTP_PASSWORD], ['IMAP password', IMAP_PASSWORD],
      ['staff password', STAFF_PASSWORD], ['a wrong password', WRONG_PASSWORD], ['a new user\'s password', NEW_STAFF_PASSWORD],
      ['citizen name', CITIZEN.name], ['citizen name (part)', 'Logtestnhi'], ['citizen email', CITIZEN.email], ['CCCD', CITIZEN.cccd],
      ['address', 'Logtestpho'], ...CITIZEN.phones.map((p): [string, string] => ['phone as typed', p]), ['phone digits', '912345678'],
      ['SMS phone', SMS_PHONE], ['SMS phone digits', '987650321'], ['Zalo user id', ZALO_USER], ['Facebook PSID', FB_PSID],
      ['Facebook email', FB_EMAIL], ['mail sender', MAIL_FROM], ['Open311 email', OPEN311_EMAIL], ['Open311 phone digits', OPEN311_PHONE.slice(1)],
      ['Open311 name', 'Logtestten'],
      ...produced.map((v, i): [string, string] => [`produced value #${i} (token, cookie, signature)`, v]),
    ];
    for (const [, v] of forbidden) expect(v.length).toBeGreaterThanOrEqual(8);
    const leaks = lines.flatMap((line) => forbidden.filter(([, v]) => line.includes(v)).map(([what]) => `${what}: ${line.slice(0, 400)}`));
    expect(leaks).toEqual([]);
    // Each line is one JSON object (nothing printed around the logger).
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });
});
