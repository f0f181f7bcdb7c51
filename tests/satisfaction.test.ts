import crypto from 'node:crypto';
import http from 'node:http';
import supertest from 'supertest';
import twilio from 'twilio';
import { zaloSignature } from '../src/channels/zalo/signature';
import { parseSurveyReply } from '../src/satisfaction/survey';
import { ENGINES } from './helpers/db';
import { startFakeServer, type FakeServer } from './helpers/net';
import { loginAs, seedPeople, startTestHub, submitReport, type TestHub } from './helpers/hub';

/**
 * Satisfaction surveys end to end: asked on each channel when a ticket is resolved (through local
 * fakes of Zalo, Messenger and Twilio that check requests the way the platforms do), answered once,
 * reminded once, "not satisfied" reopening the ticket once and flagging it to the agency's lead,
 * and the answers counted by the IOC feed.
 */

const ZALO_APP_ID = '102719276611582260';
const ZALO_OA_SECRET = 'oa-secret-satisfaction';
const FB_SECRET = 'fb-app-secret-satisfaction';
const FB_PAGE_TOKEN = 'page-token-satisfaction';
const TW_SID = 'AC00000000000000000000000000000042';
const TW_TOKEN = 'twilio-token-satisfaction';
const TW_FROM = '+18335550142';
const IOC_KEY = 'ioc-key-satisfaction';
const PUBLIC_BASE = 'http://hub.test';

type Sent = { platform: 'zalo' | 'facebook' | 'sms' | 'call'; to: string; text: string; choices: { title: string; payload: string }[]; url?: string };

/** One fake for the three platforms; each endpoint validates what its platform would. */
class FakePlatforms {
  url = '';
  sent: Sent[] = [];
  private n = 0;
  private server: FakeServer | null = null;
  async start() {
    this.server = await startFakeServer((req, raw, res) => this.handle(req, raw, res));
    this.url = this.server.url;
  }
  stop() { return this.server!.stop(); }
  to(who: string) { return this.sent.filter((s) => s.to === who); }

  private reply(res: http.ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private handle(req: http.IncomingMessage, raw: string, res: http.ServerResponse) {
    const u = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'POST' && u.pathname === '/v3.0/oa/message/cs') {
      if (req.headers['access_token'] !== 'AT-sat') return this.reply(res, 200, { error: -216, message: 'Access token is invalid' });
      const b = JSON.parse(raw) as { recipient?: { user_id?: unknown }; message?: { text?: unknown; attachment?: { type?: string; payload?: { buttons?: unknown[] } } } };
      const text = b.message?.text;
      if (typeof b.recipient?.user_id !== 'string' || typeof text !== 'string' || !text) return this.reply(res, 200, { error: -201, message: 'Parameters are invalid' });
      const buttons = b.message?.attachment?.payload?.buttons ?? [];
      if (b.message?.attachment && (b.message.attachment.type !== 'template' || buttons.length === 0 || buttons.length > 5)) return this.reply(res, 200, { error: -201, message: 'template is invalid' });
      const choices = buttons.map((x) => x as { title?: unknown; type?: unknown; payload?: unknown });
      if (choices.some((c) => c.type !== 'oa.query.hide' || typeof c.payload !== 'string' || typeof c.title !== 'string')) return this.reply(res, 200, { error: -201, message: 'button is invalid' });
      this.sent.push({ platform: 'zalo', to: b.recipient.user_id, text, choices: choices as { title: string; payload: string }[] });
      return this.reply(res, 200, { error: 0, message: 'Success', data: { message_id: `z${++this.n}`, user_id: b.recipient.user_id } });
    }
    if (req.method === 'POST' && u.pathname === '/v21.0/me/messages') {
      if (u.searchParams.get('access_token') !== FB_PAGE_TOKEN) return this.reply(res, 400, { error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190 } });
      const b = JSON.parse(raw) as { recipient?: { id?: string }; messaging_type?: string; message?: { text?: string; quick_replies?: { content_type?: string; title?: string; payload?: string }[] } };
      const qr = b.message?.quick_replies ?? [];
      if (!b.recipient?.id || b.messaging_type !== 'RESPONSE' || !b.message?.text) return this.reply(res, 400, { error: { message: 'Invalid parameter', code: 100 } });
      if (qr.length > 13 || qr.some((q) => q.content_type !== 'text' || !q.title || q.title.length > 20 || !q.payload || q.payload.length > 1000)) {
        return this.reply(res, 400, { error: { message: '(#100) Invalid quick_replies', code: 100 } });
      }
      this.sent.push({ platform: 'facebook', to: b.recipient.id, text: b.message.text, choices: qr.map((q) => ({ title: q.title!, payload: q.payload! })) });
      return this.reply(res, 200, { recipient_id: b.recipient.id, message_id: `m_${++this.n}` });
    }
    const account = `/2010-04-01/Accounts/${TW_SID}`;
    if (req.method === 'POST' && (u.pathname === `${account}/Messages.json` || u.pathname === `${account}/Calls.json`)) {
      if (req.headers.authorization !== `Basic ${Buffer.from(`${TW_SID}:${TW_TOKEN}`).toString('base64')}`) return this.reply(res, 401, { code: 20003, message: 'Authenticate', status: 401 });
      const f = new URLSearchParams(raw);
      if (f.get('From') !== TW_FROM || !f.get('To')) return this.reply(res, 400, { code: 21606, message: 'bad From/To', status: 400 });
      if (u.pathname.endsWith('Calls.json')) {
        // Calls need the TwiML URL (or Twiml); Twilio fetches it when the callee answers.
        if (!f.get('Url')?.startsWith('http')) return this.reply(res, 400, { code: 21205, message: 'Url parameter is required', status: 400 });
        this.sent.push({ platform: 'call', to: f.get('To')!, text: '', choices: [], url: f.get('Url')! });
        return this.reply(res, 201, { sid: `CA${String(++this.n).padStart(32, '0')}`, status: 'queued' });
      }
      if (!f.get('Body')) return this.reply(res, 400, { code: 21602, message: 'Message body is required.', status: 400 });
      this.sent.push({ platform: 'sms', to: f.get('To')!, text: f.get('Body')!, choices: [] });
      return this.reply(res, 201, { sid: `SM${String(++this.n).padStart(32, '0')}`, status: 'queued' });
    }
    this.reply(res, 404, { error: 'not found' });
  }
}

describe('survey replies are read from buttons, digits and Vietnamese words', () => {
  const token = 'AbCdEfGhIjKlMnOpQrStUv';
  test.each([
    [`#KS ${token} 4`, null, { kind: 'rating', token, score: 4, satisfied: true }],
    ['5 - Rất hài lòng', `#KS ${token} 5`, { kind: 'rating', token, score: 5 }],
    [`#KS ${token} MO-LAI`, null, { kind: 'reopen', token }],
    ['2 van chua sua xong', null, { kind: 'rating', token: null, score: 2, satisfied: false, comment: 'van chua sua xong' }],
    ['4 sao', null, { kind: 'rating', score: 4, satisfied: true, comment: null }],
    ['Không hài lòng', null, { kind: 'rating', score: null, satisfied: false }],
    ['hai long', null, { kind: 'rating', score: null, satisfied: true }],
    ['MO LAI', null, { kind: 'reopen', token: null }],
    ['Từ chối', null, { kind: 'opt_out' }],
  ])('%s', (text, payload, expected) => {
    expect(parseSurveyReply(text, payload)).toMatchObject(expected);
  });
  test.each(['12 cây xanh bị đổ', '6', '1.5', 'Đèn đường hỏng', `#KS bad 4`, `#KS ${token} 9`])('not an answer: %s', (text) => {
    expect(parseSurveyReply(text)).toBeNull();
  });
});

describe.each(ENGINES)('satisfaction surveys on %s', (engine) => {
  let t: TestHub;
  let people: Awaited<ReturnType<typeof seedPeople>>;
  const fake = new FakePlatforms();
  const uniq = engine === 'postgres' ? '1' : '2';

  beforeAll(async () => {
    await fake.start();
    t = await startTestHub(engine, {
      IOC_API_KEYS: IOC_KEY,
      ZALO_APP_ID, ZALO_OA_SECRET, ZALO_APP_SECRET: 'app-secret', ZALO_OA_ACCESS_TOKEN: 'AT-sat', ZALO_API_URL: fake.url, ZALO_OAUTH_URL: fake.url,
      FACEBOOK_APP_SECRET: FB_SECRET, FACEBOOK_VERIFY_TOKEN: 'verify', FACEBOOK_PAGE_TOKEN: FB_PAGE_TOKEN, FACEBOOK_GRAPH_URL: `${fake.url}/v21.0`,
      TWILIO_ACCOUNT_SID: TW_SID, TWILIO_AUTH_TOKEN: TW_TOKEN, TWILIO_FROM_NUMBER: TW_FROM, TWILIO_API_URL: fake.url,
    });
    people = await seedPeople(t.db);
  });
  afterAll(async () => {
    await t.close();
    await fake.stop();
  });
  // Every job the surveys caused succeeded the first time (a failing one would only show as retries).
  afterEach(async () => {
    expect(await t.db.query(`SELECT name, left(last_error, 200) AS error FROM jobs WHERE last_error IS NOT NULL`)).toEqual([]);
  });

  /** Routes the ticket to agency A and resolves it there with an official answer. */
  async function resolve(code: string, answer = 'Đã sửa xong, mặt đường đã được vá.') {
    await t.hub.settle();
    const op = await loginAs(t.app, 'op@test.vn');
    const staff = await loginAs(t.app, 'staff.a@test.vn');
    const tk = (await op.get(`/api/v1/tickets/${code}`)).body;
    if (tk.status === 'received' || tk.status === 'returned') expect((await op.post(`/api/v1/tickets/${code}/actions/triage`, { category: 'giao-thong', priority: 'normal' })).status).toBe(200);
    const now = (await op.get(`/api/v1/tickets/${code}`)).body;
    if (now.agency?.id !== people.agencyA && !['reopened', 'in_progress', 'assigned'].includes(now.status)) {
      expect((await op.post(`/api/v1/tickets/${code}/actions/assign`, { agencyId: people.agencyA })).status).toBe(200);
    } else if (now.agency?.id !== people.agencyA) {
      expect((await op.post(`/api/v1/tickets/${code}/actions/assign`, { agencyId: people.agencyA })).status).toBe(200);
    }
    const cur = (await op.get(`/api/v1/tickets/${code}`)).body;
    if (cur.status !== 'in_progress') expect((await staff.post(`/api/v1/tickets/${code}/actions/accept`)).status).toBe(200);
    const r = await staff.post(`/api/v1/tickets/${code}/actions/resolve`, { resolution: answer });
    expect(r.status).toBe(200);
    await t.hub.settle();
  }

  async function surveyOf(code: string) {
    const rows = await t.db.query<{ token: string; status: string; round: number; satisfied: boolean | null; score: number | null; reminded_at: Date | null }>(
      `SELECT s.token, s.status, s.round, s.satisfied, s.score, s.reminded_at FROM satisfaction_surveys s JOIN tickets t ON t.id = s.ticket_id
       WHERE t.code = $1 ORDER BY s.round DESC`, [code]);
    return rows;
  }
  const ticketRow = async (code: string) => (await t.db.query<{ status: string; satisfaction_satisfied: boolean | null; satisfaction_score: number | null; survey_reopens: number }>(
    'SELECT status, satisfaction_satisfied, satisfaction_score, survey_reopens FROM tickets WHERE code = $1', [code]))[0]!;

  test('web: the survey page link is in the tracking replies; not satisfied reopens once and tells the lead; single use', async () => {
    const sub = await submitReport(t.app, { text: 'Ổ gà lớn trước số 20 đường Nguyễn Trãi', contact: { name: 'Trần Văn Khảo', phone: `0913${uniq}00001` } });
    expect(sub.status).toBe(201);
    const code = sub.body.code as string;
    await resolve(code);
    const [survey] = await surveyOf(code);
    expect(survey).toMatchObject({ status: 'sent', round: 1 });
    const track = await supertest(t.app).get(`/api/v1/reports/${code}?token=${sub.body.trackingToken}`);
    expect(JSON.stringify(track.body)).toContain(`/danh-gia/${survey!.token}`);

    const page = await supertest(t.app).get(`/danh-gia/${survey!.token}`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/html/);
    const view = await supertest(t.app).get(`/api/v1/surveys/${survey!.token}`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ code, status: 'sent', resolution: 'Đã sửa xong, mặt đường đã được vá.', answer: null, reopenPossible: true });
    expect(JSON.stringify(view.body)).not.toMatch(/Khảo|0913/); // no personal data on the token's page

    // Bad input: clear 4xx, nothing recorded.
    for (const body of [{ score: 7 }, { score: '5' }, { satisfied: 'yes' }, {}, { score: 4, extra: 1 }]) {
      const bad = await supertest(t.app).post(`/api/v1/surveys/${survey!.token}`).send(body);
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toBeTruthy();
    }
    expect((await supertest(t.app).get('/api/v1/surveys/short')).status).toBe(404);
    expect((await supertest(t.app).get(`/api/v1/surveys/${'x'.repeat(22)}`)).status).toBe(404);

    const answer = await supertest(t.app).post(`/api/v1/surveys/${survey!.token}`).send({ score: 2, comment: 'Vá rồi nhưng lại bong', reopen: true });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'answered', reopened: true, answer: { satisfied: false, score: 2, comment: 'Vá rồi nhưng lại bong' } });
    expect(await ticketRow(code)).toMatchObject({ status: 'reopened', satisfaction_satisfied: false, satisfaction_score: 2, survey_reopens: 1 });
    const again = await supertest(t.app).post(`/api/v1/surveys/${survey!.token}`).send({ score: 5 });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('survey_already_answered');

    const lead = await loginAs(t.app, 'lead.a@test.vn');
    const notes = (await lead.get('/api/v1/notifications')).body.items as { kind: string; ticketCode: string }[];
    expect(notes.some((n) => n.kind === 'survey.not_satisfied' && n.ticketCode === code)).toBe(true);
    const staffB = await loginAs(t.app, 'staff.b@test.vn');
    expect(((await staffB.get('/api/v1/notifications')).body.items as { ticketCode: string }[]).some((n) => n.ticketCode === code)).toBe(false);

    // Resolved again: a new survey (round 2); the limit of one reopening holds, the answer still counts.
    await resolve(code, 'Đã vá lại bằng bê tông nhựa.');
    const [second] = await surveyOf(code);
    expect(second).toMatchObject({ status: 'sent', round: 2 });
    const r2 = await supertest(t.app).post(`/api/v1/surveys/${second!.token}`).send({ score: 1, reopen: true });
    expect(r2.status).toBe(200);
    expect(r2.body).toMatchObject({ reopened: false, reopenAllowed: false, answer: { score: 1 } });
    expect((await supertest(t.app).post(`/api/v1/surveys/${second!.token}/reopen`)).status).toBe(409);
    expect(await ticketRow(code)).toMatchObject({ status: 'resolved', satisfaction_score: 1, survey_reopens: 1 });

    // The IOC feed counts the ticket's latest answer.
    const s = await supertest(t.app).get('/api/v1/ioc/summary').set('Authorization', `Bearer ${IOC_KEY}`);
    expect(s.body.satisfaction.responses).toBeGreaterThanOrEqual(1);
    const [direct] = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tickets WHERE satisfaction_answered_at IS NOT NULL');
    expect(s.body.satisfaction.responses).toBe(direct!.n);
  });

  test('late answers within the window count; after it the survey is closed (410); reminders go once', async () => {
    const sub = await submitReport(t.app, { text: 'Rác thải tồn đọng đầu ngõ 12 phố Bạch Đằng', contact: { phone: `0913${uniq}00002` } });
    const code = sub.body.code as string;
    await resolve(code, 'Đã thu gom rác.');
    const [s] = await surveyOf(code);
    await t.db.query(`UPDATE satisfaction_surveys SET remind_at = now() - interval '1 minute' WHERE token = $1`, [s!.token]);
    expect(await t.hub.surveys.remindDue()).toBe(1);
    expect(await t.hub.surveys.remindDue()).toBe(0);
    const reminders = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE dedupe_key LIKE 'survey-remind-%' AND ticket_id = (SELECT id FROM tickets WHERE code = $1)`, [code]);
    expect(reminders[0]!.n).toBe(1);

    await t.db.query(`UPDATE satisfaction_surveys SET expires_at = now() - interval '1 second' WHERE token = $1`, [s!.token]);
    const late = await supertest(t.app).post(`/api/v1/surveys/${s!.token}`).send({ score: 5 });
    expect(late.status).toBe(410);
    expect(late.body.error.code).toBe('survey_expired');
    await t.db.query(`UPDATE satisfaction_surveys SET expires_at = now() + interval '1 day', sent_at = now() - interval '20 days' WHERE token = $1`, [s!.token]);
    expect((await supertest(t.app).post(`/api/v1/surveys/${s!.token}`).send({ satisfied: true })).status).toBe(200);
    expect(await ticketRow(code)).toMatchObject({ satisfaction_satisfied: true, satisfaction_score: null });
  });

  test('no survey for rejected or merged tickets, nor for citizens who opted out', async () => {
    const op = await loginAs(t.app, 'op@test.vn');
    const a = await submitReport(t.app, { text: 'Quảng cáo bán hàng không liên quan', contact: { phone: `0913${uniq}00003` } });
    await t.hub.settle();
    expect((await op.post(`/api/v1/tickets/${a.body.code}/actions/reject`, { reason: 'Không thuộc phạm vi tiếp nhận' })).status).toBe(200);
    const target = await submitReport(t.app, { text: 'Đèn đường ngõ 7 phố Hai Bà Trưng hỏng', contact: { phone: `0913${uniq}00004` } });
    const dup = await submitReport(t.app, { text: 'Đèn đường ngõ 7 Hai Bà Trưng không sáng', contact: { phone: `0913${uniq}00005` } });
    await t.hub.settle();
    expect((await op.post(`/api/v1/tickets/${dup.body.code}/actions/merge`, { intoCode: target.body.code })).status).toBe(200);
    await resolve(target.body.code as string);
    expect(await surveyOf(a.body.code as string)).toHaveLength(0);
    expect(await surveyOf(dup.body.code as string)).toHaveLength(0);
    expect(await surveyOf(target.body.code as string)).toHaveLength(1);

    // Opting out from the survey page: no survey for the citizen's next resolved report.
    const [s] = await surveyOf(target.body.code as string);
    expect((await supertest(t.app).post(`/api/v1/surveys/${s!.token}/opt-out`)).status).toBe(200);
    const next = await submitReport(t.app, { text: 'Cống thoát nước bị tắc trước nhà văn hóa', contact: { phone: `0913${uniq}00004` } });
    await resolve(next.body.code as string);
    expect(await surveyOf(next.body.code as string)).toHaveLength(0);
  });

  test('Zalo: buttons with hidden payloads; the same msg_id twice is one answer; not satisfied offers a reopen button', async () => {
    const user = `830939396985${uniq}000001`;
    const post = (event: object) => {
      const raw = JSON.stringify(event);
      return supertest(t.app).post('/webhooks/zalo').set('content-type', 'application/json')
        .set('X-ZEvent-Signature', zaloSignature(ZALO_APP_ID, raw, String((event as { timestamp: string }).timestamp), ZALO_OA_SECRET)).send(raw);
    };
    let n = 0;
    const text = (body: string, msgId = crypto.randomBytes(10).toString('hex')) => ({
      app_id: ZALO_APP_ID, event_name: 'user_send_text', timestamp: String(Date.now() + ++n), sender: { id: user }, recipient: { id: '1423847451268726170' },
      message: { text: body, msg_id: msgId },
    });
    expect((await post(text('Cây xanh đổ chắn ngang đường Lê Lợi, trước số 30'))).status).toBe(200);
    await t.hub.settle();
    const [row] = await t.db.query<{ code: string }>(`SELECT t.code FROM tickets t JOIN citizen_identities i ON i.citizen_id = t.citizen_id WHERE i.kind = 'zalo' AND i.value = $1`, [user]);
    await resolve(row!.code);
    const ask = fake.to(user).find((s) => s.choices.length === 5);
    expect(ask?.text).toContain(row!.code);
    expect(ask!.choices.map((c) => c.title)).toEqual(['5 · Rất hài lòng', '4 · Hài lòng', '3 · Bình thường', '2 · Chưa hài lòng', '1 · Không hài lòng']);

    // The citizen taps "2": Zalo sends the hidden payload as the user's text. A retry of the same message changes nothing.
    const tap = text(ask!.choices[3]!.payload);
    expect((await post(tap)).status).toBe(200);
    expect((await post(tap)).status).toBe(200);
    await t.hub.settle();
    expect(await ticketRow(row!.code)).toMatchObject({ status: 'resolved', satisfaction_satisfied: false, satisfaction_score: 2 });
    const offer = fake.to(user).filter((s) => s.choices.length === 2);
    expect(offer).toHaveLength(1);
    expect(await t.db.query(`SELECT 1 FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.code = $1 AND e.type = 'survey_answered'`, [row!.code])).toHaveLength(1);

    // "Xử lý lại" button → reopened, and told so; no new ticket was opened by any of these messages.
    expect((await post(text(offer[0]!.choices[0]!.payload))).status).toBe(200);
    await t.hub.settle();
    expect((await ticketRow(row!.code)).status).toBe('reopened');
    expect(fake.to(user).some((s) => s.text.includes('đã được mở lại'))).toBe(true);
    const [count] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM tickets t JOIN citizen_identities i ON i.citizen_id = t.citizen_id WHERE i.kind = 'zalo' AND i.value = $1`, [user]);
    expect(count!.n).toBe(1);
  });

  test('Messenger: quick replies; the quick_reply payload answers', async () => {
    const psid = `2460000000000${uniq}01`;
    const post = (body: object) => {
      const raw = JSON.stringify(body);
      const sig = crypto.createHmac('sha256', FB_SECRET).update(raw).digest('hex');
      return supertest(t.app).post('/webhooks/facebook').set('content-type', 'application/json').set('x-hub-signature-256', `sha256=${sig}`).send(raw);
    };
    const message = (m: object) => ({ object: 'page', entry: [{ id: 'PAGE', time: Date.now(), messaging: [{ sender: { id: psid }, recipient: { id: 'PAGE' }, timestamp: Date.now(), message: m }] }] });
    expect((await post(message({ mid: `m_${uniq}_a`, text: 'Nước thải tràn ra đường tại ngõ 3 Trần Phú' }))).status).toBe(200);
    await t.hub.settle();
    const [row] = await t.db.query<{ code: string }>(`SELECT t.code FROM tickets t JOIN citizen_identities i ON i.citizen_id = t.citizen_id WHERE i.kind = 'facebook' AND i.value = $1`, [psid]);
    await resolve(row!.code);
    const ask = fake.to(psid).find((s) => s.choices.length === 5)!;
    expect(ask.choices.every((c) => c.title.length <= 20)).toBe(true);
    expect((await post(message({ mid: `m_${uniq}_b`, text: ask.choices[0]!.title, quick_reply: { payload: ask.choices[0]!.payload } }))).status).toBe(200);
    await t.hub.settle();
    expect(await ticketRow(row!.code)).toMatchObject({ status: 'resolved', satisfaction_satisfied: true, satisfaction_score: 5 });
    expect(fake.to(psid).some((s) => s.text.startsWith('Cảm ơn bạn đã đánh giá'))).toBe(true);
  });

  test('SMS: a digit reply answers with its comment; TU CHOI opts out', async () => {
    const phone = `+84913${uniq}00006`;
    const sms = async (body: string) => {
      const params = { MessageSid: `SM${crypto.randomBytes(16).toString('hex')}`, AccountSid: TW_SID, From: phone, To: TW_FROM, Body: body, NumMedia: '0' };
      const url = `${PUBLIC_BASE}/webhooks/twilio/sms`;
      return supertest(t.app).post('/webhooks/twilio/sms').type('form').set('X-Twilio-Signature', twilio.getExpectedTwilioSignature(TW_TOKEN, url, params)).send(params);
    };
    expect((await sms('Đèn tín hiệu giao thông ngã tư Điện Biên Phủ không hoạt động')).status).toBe(200);
    await t.hub.settle();
    const [row] = await t.db.query<{ code: string }>(`SELECT t.code FROM tickets t JOIN citizen_identities i ON i.citizen_id = t.citizen_id WHERE i.kind = 'phone' AND i.value = $1`, [phone]);
    await resolve(row!.code);
    expect(fake.to(phone).some((s) => s.text.includes('Trả lời tin nhắn này bằng một số'))).toBe(true);
    expect((await sms('4 đèn đã sáng, cảm ơn')).status).toBe(200);
    await t.hub.settle();
    expect(await ticketRow(row!.code)).toMatchObject({ satisfaction_satisfied: true, satisfaction_score: 4 });
    const [s] = await surveyOf(row!.code);
    const [c] = await t.db.query<{ comment: string }>('SELECT comment FROM satisfaction_surveys WHERE token = $1', [s!.token]);
    expect(c!.comment).toBe('đèn đã sáng, cảm ơn');
    expect((await sms('TU CHOI')).status).toBe(200);
    await t.hub.settle();
    const [opt] = await t.db.query<{ out: boolean }>(`SELECT c.survey_opted_out AS out FROM citizens c JOIN citizen_identities i ON i.citizen_id = c.id WHERE i.kind = 'phone' AND i.value = $1`, [phone]);
    expect(opt!.out).toBe(true);
  });

  test('phone: the survey is a callback; the keypad rates, and 1 after "not satisfied" reopens', async () => {
    const caller = `+84913${uniq}00007`;
    const signed = (path: string, params: Record<string, string>) => supertest(t.app).post(path).type('form')
      .set('X-Twilio-Signature', twilio.getExpectedTwilioSignature(TW_TOKEN, `${PUBLIC_BASE}${path}`, params)).send(params);
    // The citizen had called in: a ticket on the phone channel.
    const callSid = `CA${crypto.randomBytes(16).toString('hex')}`;
    const inbound = { CallSid: callSid, AccountSid: TW_SID, From: caller, To: TW_FROM, RecordingUrl: `${fake.url}/rec`, RecordingSid: `RE${crypto.randomBytes(16).toString('hex')}` };
    expect((await signed(`/webhooks/twilio/voice/recorded?speech=${encodeURIComponent('Mất điện cả khu phố từ sáng')}&from=${encodeURIComponent(caller)}`, inbound)).status).toBe(200);
    await t.hub.settle();
    const [row] = await t.db.query<{ code: string }>(`SELECT t.code FROM tickets t JOIN citizen_identities i ON i.citizen_id = t.citizen_id WHERE i.kind = 'phone' AND i.value = $1 AND t.channel = 'phone'`, [caller]);
    expect(row).toBeDefined();
    await resolve(row!.code);
    const call = fake.to(caller).find((s) => s.platform === 'call');
    expect(call?.url).toMatch(/^http:\/\/hub\.test\/webhooks\/twilio\/survey\?t=/);

    // Twilio fetches the TwiML when the citizen answers, then posts the digits to the Gather's action.
    const path = call!.url!.slice(PUBLIC_BASE.length);
    const out = { CallSid: `CA${crypto.randomBytes(16).toString('hex')}`, AccountSid: TW_SID, From: TW_FROM, To: caller, Direction: 'outbound-api' };
    const twiml = await signed(path, out);
    expect(twiml.status).toBe(200);
    expect(twiml.text).toContain('<Gather');
    const action = /action="([^"]+)"/.exec(twiml.text)![1]!.replace(/&amp;/g, '&').slice(PUBLIC_BASE.length);
    expect((await supertest(t.app).post(action).type('form').send({ ...out, Digits: '2' })).status).toBe(403); // unsigned
    const rated = await signed(action, { ...out, Digits: '2' });
    expect(rated.text).toContain('nhấn phím 1');
    const reopenAction = /action="([^"]+)"/.exec(rated.text)![1]!.replace(/&amp;/g, '&').slice(PUBLIC_BASE.length);
    expect((await signed(reopenAction, { ...out, Digits: '1' })).status).toBe(200);
    await t.hub.settle();
    expect(await ticketRow(row!.code)).toMatchObject({ status: 'reopened', satisfaction_satisfied: false, satisfaction_score: 2, survey_reopens: 1 });
  });
});
