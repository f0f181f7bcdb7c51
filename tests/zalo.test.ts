import http from 'node:http';
import { randomBytes } from 'node:crypto';
import supertest from 'supertest';
import { zaloSignature } from '../src/channels/zalo/signature';
import { parseZaloEvent } from '../src/channels/zalo/parse';
import { nextSixAmVietnam, splitText, TOKENS_SETTING } from '../src/channels/zalo/sender';
import type { StoredWebhookEvent } from '../src/channels/types';
import { PermanentDeliveryError, RetryLaterError, type ChannelSender, type OutboundMessage } from '../src/outbound/senders';
import { ENGINES } from './helpers/db';
import { startFakeServer, type FakeServer } from './helpers/net';
import { startTestHub, type TestHub } from './helpers/hub';

const APP_ID = '102719276611582260';
const OA_ID = '1423847451268726170';
const OA_SECRET = 'oa-secret-key-from-webhook-page';
const APP_SECRET = 'app-secret-key';

/**
 * A local stand-in for openapi.zalo.me and oauth.zaloapp.com. Like the real ones it answers
 * HTTP 200 with {error, message} for API errors, takes the token in an `access_token` header,
 * and rotates single-use refresh tokens.
 */
class FakeZalo {
  url = '';
  accessToken = 'AT-initial';
  refreshToken = 'RT-initial';
  sent: { userId: string; text: string }[] = [];
  csCalls = 0;
  refreshCalls: { secretKey: string | undefined; contentType: string | undefined; params: Record<string, string> }[] = [];
  /** Forced answers for the next calls to /v3.0/oa/message/cs (for one user, or for anyone). */
  forced: (({ error: number; message: string } | { http: number }) & { userId?: string })[] = [];
  /** Users every call for whom gets this answer until removed (e.g. a rate limit that lasts). */
  blocked = new Map<string, { error: number; message: string }>();
  private n = 0;
  private server: FakeServer | null = null;

  async start() {
    this.server = await startFakeServer((req, raw, res) => this.handle(req, raw, res));
    this.url = this.server.url;
  }
  stop() { return this.server!.stop(); }

  /** The current access token stops working (expired or revoked); only a refresh gets a new one. */
  expire() { this.accessToken = `AT-unknown-${++this.n}`; }
  sentTo(userId: string) { return this.sent.filter((s) => s.userId === userId); }

  private json(res: http.ServerResponse, body: unknown, status = 200) {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private handle(req: http.IncomingMessage, raw: string, res: http.ServerResponse) {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path?.startsWith('/media/')) {
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      res.end(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1, 0xff, 0xd9]));
      return;
    }
    if (req.method === 'POST' && path === '/v3.0/oa/message/cs') {
      this.csCalls += 1;
      let peek: string | undefined;
      try { peek = JSON.parse(raw)?.recipient?.user_id; } catch { /* checked below */ }
      const at = this.forced.findIndex((f) => !f.userId || f.userId === peek);
      const forced = at >= 0 ? this.forced.splice(at, 1)[0] : peek ? this.blocked.get(peek) : undefined;
      if (forced && 'http' in forced) return this.json(res, { error: forced.http, message: 'forced' }, forced.http);
      if (req.headers.authorization) return this.json(res, { error: -216, message: 'Access token is invalid' });
      if (req.headers['access_token'] !== this.accessToken) return this.json(res, { error: -216, message: 'Access token is invalid' });
      if (!String(req.headers['content-type']).startsWith('application/json')) return this.json(res, { error: -201, message: 'Parameters are invalid' });
      let body: { recipient?: { user_id?: unknown }; message?: { text?: unknown } };
      try { body = JSON.parse(raw); } catch { return this.json(res, { error: -201, message: 'Body is not JSON' }); }
      const userId = body.recipient?.user_id;
      const text = body.message?.text;
      if (typeof userId !== 'string' || !/^\d{15,20}$/.test(userId)) return this.json(res, { error: -201, message: 'user_id is invalid' });
      if (typeof text !== 'string' || text.length === 0 || text.length > 2000) return this.json(res, { error: -201, message: 'text is invalid' });
      if (forced) return this.json(res, { error: forced.error, message: forced.message });
      this.sent.push({ userId, text });
      return this.json(res, { data: { message_id: randomBytes(16).toString('hex'), user_id: userId }, error: 0, message: 'Success' });
    }
    if (req.method === 'POST' && path === '/v4/oa/access_token') {
      const contentType = req.headers['content-type'];
      const params = Object.fromEntries(new URLSearchParams(raw));
      this.refreshCalls.push({ secretKey: req.headers['secret_key'] as string | undefined, contentType, params });
      if (req.headers['secret_key'] !== APP_SECRET) return this.json(res, { error: -14002, error_name: 'Invalid secret key', error_description: 'secret_key is invalid' });
      if (!String(contentType).startsWith('application/x-www-form-urlencoded')) return this.json(res, { error: -14001, error_name: 'Invalid parameter', error_description: 'form expected' });
      if (params.app_id !== APP_ID || params.grant_type !== 'refresh_token') return this.json(res, { error: -14001, error_name: 'Invalid parameter', error_description: 'app_id / grant_type' });
      if (params.refresh_token !== this.refreshToken) return this.json(res, { error: -14014, error_name: 'Invalid refresh token', error_description: 'Refresh token is invalid or expired' });
      this.accessToken = `AT-${++this.n}`;
      this.refreshToken = `RT-${this.n}`; // single use: the old one is dead now
      return this.json(res, { access_token: this.accessToken, refresh_token: this.refreshToken, expires_in: '90000' });
    }
    this.json(res, { error: 404, message: 'not found' }, 404);
  }
}

let seq = 0;
/** 19-digit ids beyond 2^53: a Number would change them. */
const userId = () => `83093939698${String(Date.now() % 1e5).padStart(5, '0')}${String(++seq).padStart(3, '0')}`;
const msgId = () => randomBytes(10).toString('hex');

function baseEvent(eventName: string, uid: string, message?: Record<string, unknown>) {
  return {
    app_id: APP_ID, user_id_by_app: '7300442764876318465', event_name: eventName, timestamp: String(Date.now() + ++seq),
    sender: { id: uid }, recipient: { id: OA_ID }, ...(message ? { message } : {}),
  };
}
const textEvent = (uid: string, text: string, id = msgId()) => baseEvent('user_send_text', uid, { text, msg_id: id });

const sign = (raw: string, ts: string, secret = OA_SECRET) => zaloSignature(APP_ID, raw, ts, secret);

describe.each(ENGINES)('Zalo OA channel on %s', (engine) => {
  let t: TestHub;
  const fake = new FakeZalo();
  let env: Record<string, string>;

  beforeAll(async () => {
    await fake.start();
    env = {
      ZALO_APP_ID: APP_ID, ZALO_OA_SECRET: OA_SECRET, ZALO_APP_SECRET: APP_SECRET,
      ZALO_OA_ACCESS_TOKEN: 'AT-initial', ZALO_REFRESH_TOKEN: 'RT-initial',
      ZALO_API_URL: fake.url, ZALO_OAUTH_URL: fake.url,
    };
    t = await startTestHub(engine, env);
  });
  afterAll(async () => {
    await t.close();
    await fake.stop();
  });

  /** Posts an event the way Zalo does: raw JSON, X-ZEvent-Signature over app_id + body + timestamp + OA secret. */
  async function post(event: object, opts: { mac?: boolean; signature?: string | null } = {}) {
    const raw = JSON.stringify(event);
    const ts = String((event as { timestamp?: unknown }).timestamp);
    const sig = opts.signature === undefined ? (opts.mac ? `mac=${sign(raw, ts)}` : sign(raw, ts)) : opts.signature;
    const req = supertest(t.app).post('/webhooks/zalo').set('content-type', 'application/json');
    if (sig !== null) req.set('X-ZEvent-Signature', sig);
    return req.send(raw);
  }
  const settle = () => t.hub.settle();
  const deliver = async (event: object, opts: { mac?: boolean; retriesInFlight?: boolean } = {}) => {
    const res = await post(event, opts);
    expect(res.status).toBe(200);
    // A test that watches a retry in its backoff must not wait for it.
    await (opts.retriesInFlight === false ? t.hub.settle(15_000, 0) : settle());
    return res;
  };
  const ticketsOf = (uid: string) => t.db.query<{ id: number; code: string; description: string; location_lat: number | null; location_lng: number | null; address: string | null; inbound: number }>(
    `SELECT t.id, t.code, t.description, t.location_lat, t.location_lng, t.address,
            (SELECT count(*)::int FROM messages m WHERE m.ticket_id = t.id AND m.direction = 'inbound') AS inbound
     FROM tickets t JOIN citizen_identities ci ON ci.citizen_id = t.citizen_id
     WHERE ci.kind = 'zalo' AND ci.value = $1 AND t.channel = 'zalo' ORDER BY t.id`, [uid]);
  const outboundOf = (ticketId: number) => t.db.query<{ id: number; body: string; delivery_status: string; delivery_error: string | null; external_id: string | null }>(
    `SELECT id, body, delivery_status, delivery_error, external_id FROM messages WHERE ticket_id = $1 AND direction = 'outbound' ORDER BY id`, [ticketId]);
  const eventRow = (key: string) => t.db.query<{ id: number; event_key: string; outcome: string | null; payload: unknown; ticket_id: number | null; received_at: Date }>(
    `SELECT id, event_key, outcome, payload, ticket_id, received_at FROM webhook_events WHERE channel = 'zalo' AND event_key = $1`, [key]);
  const countEvents = async () => (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_events WHERE channel = 'zalo'`))[0]!.n;
  const health = async () => (await t.db.query<{ status: string; reason: string | null }>(`SELECT status, reason FROM channel_health WHERE channel = 'zalo'`))[0];
  const zalo = () => t.hub.channels.find((c) => c.channel === 'zalo')!;
  const sender = () => t.hub.senders.get('zalo') as ChannelSender;
  const outMsg = (uid: string, body: string, messageId = 900000 + ++seq): OutboundMessage => ({
    messageId, ticketCode: 'PA-2611-TEST0', channel: 'zalo', body,
    recipient: { citizenId: 1, displayName: null, phone: null, email: null, identities: [{ kind: 'zalo', value: uid }] },
  });

  describe('webhook signature', () => {
    test('a correctly signed event is accepted with and without the mac= prefix, and answers fast', async () => {
      const started = Date.now();
      expect((await post(textEvent(userId(), 'Đèn đường hỏng'))).status).toBe(200);
      expect(Date.now() - started).toBeLessThan(2000);
      expect((await post(textEvent(userId(), 'Cống bị tắc'), { mac: true })).status).toBe(200);
      const upper = textEvent(userId(), 'Rác thải');
      const raw = JSON.stringify(upper);
      const res = await supertest(t.app).post('/webhooks/zalo').set('content-type', 'application/json')
        .set('X-ZEvent-Signature', `mac=${sign(raw, upper.timestamp).toUpperCase()}`).send(raw);
      expect(res.status).toBe(200);
      await settle();
    });

    test('a missing, wrong, App-Secret-signed or tampered signature is 403 and stores nothing', async () => {
      const before = await countEvents();
      const ev = textEvent(userId(), 'Giả mạo');
      const raw = JSON.stringify(ev);
      expect((await post(ev, { signature: null })).status).toBe(403);
      expect((await post(ev, { signature: 'mac=' + '0'.repeat(64) })).status).toBe(403);
      expect((await post(ev, { signature: 'not-hex' })).status).toBe(403);
      expect((await post(ev, { signature: sign(raw, ev.timestamp, APP_SECRET) })).status).toBe(403);
      // signed with a different timestamp than the body's
      expect((await post(ev, { signature: sign(raw, String(Number(ev.timestamp) + 1)) })).status).toBe(403);
      // HMAC instead of the plain hash
      const hmac = (await import('node:crypto')).createHmac('sha256', OA_SECRET).update(APP_ID + raw + ev.timestamp).digest('hex');
      expect((await post(ev, { signature: hmac })).status).toBe(403);
      // body changed after signing
      const tampered = raw.replace('Giả mạo', 'Gia mao');
      const res = await supertest(t.app).post('/webhooks/zalo').set('content-type', 'application/json')
        .set('X-ZEvent-Signature', sign(raw, ev.timestamp)).send(tampered);
      expect(res.status).toBe(403);
      expect(await countEvents()).toBe(before);
    });
  });

  describe('inbound messages', () => {
    test('a text opens a ticket; the citizen gets exactly one acknowledgement, with the ticket code, through the OA API', async () => {
      const uid = userId();
      const ev = textEvent(uid, 'Ổ gà lớn trước số 10 đường Lê Lợi, xe máy dễ ngã');
      await deliver(ev);
      const [tk, ...more] = await ticketsOf(uid);
      expect(more).toHaveLength(0);
      expect(tk!.description).toContain('Ổ gà lớn');
      expect(tk!.inbound).toBe(1);
      const [row] = await eventRow(ev.message!.msg_id as string);
      expect(row!.outcome).toBe('ticket_created');
      expect(row!.ticket_id).toBe(tk!.id);
      const ids = await t.db.query<{ value: string }>(`SELECT value FROM citizen_identities WHERE kind = 'zalo' AND value = $1`, [uid]);
      expect(ids[0]!.value).toBe(uid); // 19 digits, not rounded
      const acks = fake.sentTo(uid);
      if (acks.length !== 1) {
        // A rare miss under load (retried by jest): say what the hub did, so the cause can be found.
        const jobs = await t.db.query(`SELECT name, status, attempts, left(last_error, 300) AS error FROM jobs WHERE last_error IS NOT NULL OR status <> 'done'`);
        throw new Error(`expected one acknowledgement, the fake got ${acks.length}: ${JSON.stringify({ outbound: await outboundOf(tk!.id), jobs, csCalls: fake.csCalls })}`);
      }
      expect(acks[0]!.text).toContain(tk!.code);
      const out = await outboundOf(tk!.id);
      expect(out).toHaveLength(1);
      expect(out[0]!.delivery_status).toBe('sent');
      expect(out[0]!.external_id).toMatch(/^[0-9a-f]{32}$/);
      expect((await health())?.status).toBe('healthy');
    });

    test('the same msg_id twice (a Zalo retry) is one event, one message, one acknowledgement', async () => {
      const uid = userId();
      const ev = textEvent(uid, 'Cây đổ chắn ngang đường');
      const first = await post(ev);
      const second = await post(ev);
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(second.body).toEqual({ ok: 'duplicate' });
      // a retry with another timestamp still carries the same msg_id
      await post({ ...ev, timestamp: String(Number(ev.timestamp) + 5000) });
      await settle();
      const rows = await t.db.query(`SELECT 1 FROM webhook_events WHERE channel = 'zalo' AND event_key = $1`, [ev.message!.msg_id]);
      expect(rows).toHaveLength(1);
      const [tk, ...more] = await ticketsOf(uid);
      expect(more).toHaveLength(0);
      expect(tk!.inbound).toBe(1);
      expect(fake.sentTo(uid)).toHaveLength(1);
    });

    test('a follow-up joins the open ticket without a second acknowledgement; quoting a code joins that ticket', async () => {
      const uid = userId();
      await deliver(textEvent(uid, 'Nước máy khu phố 3 mất từ sáng'));
      await deliver(textEvent(uid, 'Đến giờ vẫn chưa có nước'));
      const [tk, ...more] = await ticketsOf(uid);
      expect(more).toHaveLength(0);
      expect(tk!.inbound).toBe(2);
      expect(fake.sentTo(uid)).toHaveLength(1);
      const other = userId();
      await deliver(textEvent(other, `Bổ sung cho phản ánh ${tk!.code}: nước có mùi lạ`));
      expect(await ticketsOf(other)).toHaveLength(0);
      expect((await ticketsOf(uid))[0]!.inbound).toBe(3);
      expect(fake.sentTo(other)).toHaveLength(0);
    });

    test('a shared location gives the ticket numeric coordinates (Zalo sends them as strings)', async () => {
      const uid = userId();
      const ev = baseEvent('user_send_location', uid, {
        attachments: [{ payload: { coordinates: { latitude: '10.7923119', longitude: '106.7820651' } }, type: 'location' }],
        text: 'Cơm Coffee New Sky', msg_id: msgId(),
      });
      await deliver(ev);
      const [tk] = await ticketsOf(uid);
      expect(tk!.location_lat).toBeCloseTo(10.7923119, 7);
      expect(tk!.location_lng).toBeCloseTo(106.7820651, 7);
      expect(typeof tk!.location_lat).toBe('number');
      expect(tk!.description).toContain('Cơm Coffee New Sky');
      expect(tk!.description).toContain('10.7923119, 106.7820651');
      expect(fake.sentTo(uid)).toHaveLength(1);
    });

    test('an image keeps its URL as the attachment url, through storage and parse', async () => {
      const uid = userId();
      const url = `${fake.url}/media/3f0c1a.jpg`;
      const ev = baseEvent('user_send_image', uid, {
        text: 'Rác đổ trộm ở bãi đất trống', msg_id: msgId(),
        attachments: [{ type: 'image', payload: { thumbnail: `${fake.url}/media/thumb.jpg`, url } }],
      });
      await deliver(ev);
      expect(await ticketsOf(uid)).toHaveLength(1);
      const [row] = await eventRow(ev.message!.msg_id as string);
      expect(row!.outcome).toBe('ticket_created');
      const parsed = await zalo().parse!({ id: row!.id, channel: 'zalo', eventKey: row!.event_key, payload: row!.payload, receivedAt: row!.received_at });
      expect(parsed[0]!.attachments).toEqual([{ fileName: '3f0c1a.jpg', declaredType: null, url, kind: 'image' }]);
      expect(parsed[0]!.text).toBe('Rác đổ trộm ở bãi đất trống');
    });

    test('follow and unfollow are recorded as ignored and open nothing; echoes and reactions are not stored', async () => {
      const uid = userId();
      const ts = String(Date.now());
      const follow = { oa_id: OA_ID, follower: { id: uid }, user_id_by_app: '7300442764876318465', event_name: 'follow', source: 'oa_profile', app_id: APP_ID, timestamp: ts };
      await deliver(follow);
      await deliver({ ...follow, event_name: 'unfollow', timestamp: String(Date.now() + 1) });
      expect((await eventRow(`follow:${uid}:${ts}`))[0]!.outcome).toBe('ignored');
      expect(await t.db.query(`SELECT 1 FROM webhook_events WHERE event_key LIKE $1 AND outcome = 'ignored'`, [`unfollow:${uid}:%`])).toHaveLength(1);
      // a Zalo retry of the follow is one row
      await deliver(follow);
      expect(await t.db.query(`SELECT 1 FROM webhook_events WHERE event_key = $1`, [`follow:${uid}:${ts}`])).toHaveLength(1);

      const before = await countEvents();
      const echo = { ...baseEvent('oa_send_text', OA_ID, { text: 'Tổng đài 1022 đã tiếp nhận…', msg_id: msgId() }), recipient: { id: uid } };
      await deliver(echo);
      await deliver(baseEvent('user_reacted_message', uid, { msg_id: msgId(), react_icon: '/-heart' }));
      expect(await countEvents()).toBe(before);
      // unknown event types are stored and ignored
      await deliver({ ...baseEvent('user_submit_info', uid), info: { name: 'Nguyễn Văn A', phone: '0912345678' } });
      expect(await countEvents()).toBe(before + 1);
      expect(await ticketsOf(uid)).toHaveLength(0);
      expect(fake.sentTo(uid)).toHaveLength(0);
    });

    test('files, audio, video, gifs and links become attachments or text; a sticker is ignored', async () => {
      const uid = userId();
      const ev = (name: string, message: Record<string, unknown>): StoredWebhookEvent => ({
        id: 1, channel: 'zalo', eventKey: 'k', payload: baseEvent(name, uid, { msg_id: msgId(), ...message }), receivedAt: new Date(),
      });
      const file = parseZaloEvent(ev('user_send_file', { attachments: [{ type: 'file', payload: { url: `${fake.url}/media/f`, size: '52341', name: 'don-kien-nghi.pdf', checksum: 'abc', type: 'pdf' } }] }));
      expect(file[0]!.attachments).toEqual([{ fileName: 'don-kien-nghi.pdf', declaredType: 'pdf', url: `${fake.url}/media/f`, kind: 'file' }]);
      expect(file[0]!.text).toContain('don-kien-nghi.pdf');
      const audio = parseZaloEvent(ev('user_send_audio', { attachments: [{ type: 'audio', payload: { url: `${fake.url}/media/voice.aac` } }] }));
      expect(audio[0]!.attachments[0]).toMatchObject({ kind: 'audio', url: `${fake.url}/media/voice.aac`, fileName: 'voice.aac' });
      const video = parseZaloEvent(ev('user_send_video', { text: 'ngập nước', attachments: [{ type: 'video', payload: { url: `${fake.url}/media/v.mp4`, thumbnail: 'x', description: '' } }] }));
      expect(video[0]!.attachments[0]).toMatchObject({ kind: 'video', url: `${fake.url}/media/v.mp4` });
      expect(video[0]!.text).toBe('ngập nước');
      const gif = parseZaloEvent(ev('user_send_gif', { attachments: [{ type: 'gif', payload: { url: `${fake.url}/media/a.gif`, thumbnail: 'x' } }] }));
      expect(gif[0]!.attachments[0]).toMatchObject({ kind: 'image' });
      const link = parseZaloEvent(ev('user_send_link', { text: 'Xem bài này', attachments: [{ type: 'link', payload: { url: 'https://baomoi.com/ngap-nuoc.epi', description: 'Ngập sâu ở phố cổ', thumbnail: 'x' } }] }));
      expect(link[0]!.attachments).toEqual([]);
      expect(link[0]!.text).toContain('https://baomoi.com/ngap-nuoc.epi');
      expect(parseZaloEvent(ev('user_send_sticker', { attachments: [{ type: 'sticker', payload: { id: '123', url: 'https://zalo/sticker' } }] }))).toEqual([]);
      // ids stay strings, even 19-digit ones
      expect(file[0]!.identity).toEqual({ kind: 'zalo', value: uid });
      // bad coordinates give no location, but the message is kept
      const badLoc = parseZaloEvent(ev('user_send_location', { text: 'đây', attachments: [{ type: 'location', payload: { coordinates: { latitude: 'abc', longitude: '999' } } }] }));
      expect(badLoc[0]!.location).toBeNull();
      expect(badLoc[0]!.text).toBe('đây');

      // and a file event through the whole pipeline opens a ticket
      const fileEvent = baseEvent('user_send_file', uid, { msg_id: msgId(), attachments: [{ type: 'file', payload: { url: `${fake.url}/media/f.pdf`, size: '10', name: 'anh-hien-truong.pdf', type: 'pdf' } }] });
      await deliver(fileEvent);
      expect(await ticketsOf(uid)).toHaveLength(1);
    });
  });

  describe('bad input never gets a 5xx', () => {
    test('truncated JSON, not JSON, wrong content type, empty, arrays, huge bodies → 4xx, nothing stored', async () => {
      const before = await countEvents();
      const whole = JSON.stringify(textEvent(userId(), 'Bị cắt cụt'));
      const truncated = whole.slice(0, whole.length - 20);
      const send = (body: string | Buffer, type = 'application/json', sig = 'mac=' + 'a'.repeat(64)) =>
        supertest(t.app).post('/webhooks/zalo').set('content-type', type).set('X-ZEvent-Signature', sig).send(body);
      const answers = [
        await send(truncated),
        await send('this is not json'),
        await send('a=b&c=d', 'application/x-www-form-urlencoded'),
        await send(''),
        await send('[]'),
        await send('null'),
        await send(JSON.stringify({ event_name: 'user_send_text' })), // no timestamp: unverifiable
        await send(Buffer.alloc(2 * 1024 * 1024, 0x20)),
      ];
      for (const r of answers) {
        expect(r.status).toBeGreaterThanOrEqual(400);
        expect(r.status).toBeLessThan(500);
      }
      expect(answers[0]!.status).toBe(400);
      expect(answers.at(-1)!.status).toBe(413);
      expect(await countEvents()).toBe(before);
    });

    test('signed events with missing fields answer 200 (no Zalo retry storm) and open nothing', async () => {
      const uid = userId();
      const noName = { app_id: APP_ID, timestamp: String(Date.now()) };
      const noSender = { ...textEvent(uid, 'ai gửi?'), sender: undefined };
      const noMessage = baseEvent('user_send_text', uid);
      const numericTs = { ...textEvent(uid, ''), timestamp: Date.now() };
      const weirdIds = { ...textEvent(uid, 'id là số'), sender: { id: 8309393969855402000 } };
      for (const ev of [noName, noSender, noMessage, numericTs, weirdIds]) {
        const raw = JSON.stringify(ev);
        const res = await supertest(t.app).post('/webhooks/zalo').set('content-type', 'application/json')
          .set('X-ZEvent-Signature', sign(raw, String(ev.timestamp))).send(raw);
        expect(res.status).toBe(200);
      }
      await settle();
      expect(await ticketsOf(uid)).toHaveLength(0);
      const outcomes = await t.db.query<{ outcome: string }>(`SELECT outcome FROM webhook_events WHERE event_key = ANY($1::text[]) OR event_key LIKE $2`,
        [[noSender.message!.msg_id, numericTs.message!.msg_id, weirdIds.message!.msg_id], `user_send_text:${uid}:%`]);
      expect(outcomes.map((o) => o.outcome)).toEqual(['ignored', 'ignored', 'ignored', 'ignored']);
      expect(fake.sentTo(uid)).toHaveLength(0);
    });
  });

  describe('delivery receipts', () => {
    /** A signed receipt event from the citizen's side, as Zalo sends it after our message reached them. */
    const receipt = (name: 'user_received_message' | 'user_seen_message', uid: string, message: Record<string, unknown>) => baseEvent(name, uid, message);
    const ackOf = async (uid: string) => {
      const [tk] = await ticketsOf(uid);
      const [ack] = await outboundOf(tk!.id);
      expect(ack!.delivery_status).toBe('sent');
      expect(ack!.external_id).toBeTruthy();
      return { ticketId: tk!.id, ack: ack! };
    };

    test('user_received_message (msg_ids array) marks the acknowledgement delivered; unknown ids change nothing; twice is harmless', async () => {
      const uid = userId();
      await deliver(textEvent(uid, 'Biển báo giao thông bị đổ'));
      const { ticketId, ack } = await ackOf(uid);

      // a receipt for a message that is not ours: stored, outcome 'receipt', nothing changes
      const stranger = msgId();
      const unknown = receipt('user_received_message', uid, { msg_ids: [stranger] });
      expect((await deliver(unknown)).body).toEqual({ ok: 'accepted' });
      expect((await eventRow(`received:${stranger}`))[0]!.outcome).toBe('receipt');
      expect((await outboundOf(ticketId)).map((o) => o.delivery_status)).toEqual(['sent']);

      const ev = receipt('user_received_message', uid, { msg_ids: [ack.external_id] });
      await deliver(ev);
      const [row] = await eventRow(`received:${ack.external_id}`);
      expect(row!.outcome).toBe('receipt');
      expect(row!.ticket_id).toBeNull();
      expect((await outboundOf(ticketId)).map((o) => [o.delivery_status, o.delivery_error])).toEqual([['delivered', null]]);
      // the stored event is a receipt and no citizen message
      const stored = { id: row!.id, channel: 'zalo' as const, eventKey: row!.event_key, payload: row!.payload, receivedAt: row!.received_at };
      expect(await zalo().parse!(stored)).toEqual([]);
      expect(zalo().receipts!(stored)).toEqual([{ externalId: ack.external_id, status: 'delivered', at: new Date(Number(ev.timestamp)) }]);

      // Zalo retries the same receipt (same or new timestamp): one row, still delivered, no new ticket or reply
      expect((await deliver(ev)).body).toEqual({ ok: 'duplicate' });
      expect((await deliver({ ...ev, timestamp: String(Number(ev.timestamp) + 3000) })).body).toEqual({ ok: 'duplicate' });
      expect(await eventRow(`received:${ack.external_id}`)).toHaveLength(1);
      expect((await outboundOf(ticketId)).map((o) => o.delivery_status)).toEqual(['delivered']);
      expect(await ticketsOf(uid)).toHaveLength(1);
      expect(fake.sentTo(uid)).toHaveLength(1);
    });

    test('user_seen_message (msg_id string) implies delivered; a later received receipt keeps it delivered', async () => {
      const uid = userId();
      await deliver(textEvent(uid, 'Cống thoát nước bị vỡ nắp'));
      const { ticketId, ack } = await ackOf(uid);
      await deliver(receipt('user_seen_message', uid, { msg_id: ack.external_id }));
      expect((await eventRow(`seen:${ack.external_id}`))[0]!.outcome).toBe('receipt');
      expect((await outboundOf(ticketId)).map((o) => o.delivery_status)).toEqual(['delivered']);
      await deliver(receipt('user_received_message', uid, { msg_ids: [ack.external_id, msgId()] }));
      expect((await outboundOf(ticketId)).map((o) => o.delivery_status)).toEqual(['delivered']);
    });

    test('a receipt never undoes a failure, and a receipt without ids is stored as ignored', async () => {
      const uid = userId();
      await deliver(textEvent(uid, 'Đường bị sụt lún'));
      const { ticketId, ack } = await ackOf(uid);
      await t.db.query(`UPDATE messages SET delivery_status = 'failed', delivery_error = 'test failure' WHERE id = $1`, [ack.id]);
      await deliver(receipt('user_seen_message', uid, { msg_ids: [ack.external_id] }));
      expect((await outboundOf(ticketId)).map((o) => [o.delivery_status, o.delivery_error])).toEqual([['failed', 'test failure']]);

      const empty = receipt('user_received_message', uid, { msg_ids: [] });
      await deliver(empty);
      expect((await eventRow(`user_received_message:${uid}:${empty.timestamp}`))[0]!.outcome).toBe('ignored');
    });
  });

  describe('replies through the OA API', () => {
    test('a long reply is split into parts of at most 2000 characters, in order', async () => {
      const uid = userId();
      const para = 'Kết quả xử lý: đơn vị đã cử người kiểm tra hiện trường và khắc phục sự cố. ';
      const body = Array.from({ length: 60 }, () => para).join('') + '\n\nTrân trọng.';
      expect(body.length).toBeGreaterThan(4000);
      const r = await sender().send(outMsg(uid, body));
      expect(r.status).toBe('sent');
      const parts = fake.sentTo(uid).map((s) => s.text);
      expect(parts.length).toBe(3);
      for (const p of parts) expect(p.length).toBeLessThanOrEqual(2000);
      expect(parts.join(' ').replace(/\s+/g, ' ')).toBe(body.replace(/\s+/g, ' ').trim());
      const capped = splitText('x'.repeat(20_000));
      expect(capped).toHaveLength(5);
      expect(capped[4]!.endsWith('…')).toBe(true);
      expect(capped.every((p) => p.length <= 2000)).toBe(true);
    });

    test('-216 (expired token): refreshed once through OAuth v4, kept in memory and in settings, and the reply goes out', async () => {
      const uid = userId();
      fake.expire();
      const calls = fake.refreshCalls.length;
      await deliver(textEvent(uid, 'Đèn tín hiệu giao thông ngã tư hỏng'));
      const [tk] = await ticketsOf(uid);
      const out = await outboundOf(tk!.id);
      expect(out.map((o) => o.delivery_status)).toEqual(['sent']);
      expect(fake.sentTo(uid)).toHaveLength(1);
      expect(fake.refreshCalls.length).toBe(calls + 1);
      const call = fake.refreshCalls.at(-1)!;
      expect(call.secretKey).toBe(APP_SECRET);
      expect(call.contentType).toContain('application/x-www-form-urlencoded');
      expect(call.params).toEqual({ refresh_token: 'RT-initial', app_id: APP_ID, grant_type: 'refresh_token' });
      const stored = (await t.db.query<{ value: { accessToken: string; refreshToken: string; expiresAt: string } }>(
        'SELECT value FROM settings WHERE key = $1', [TOKENS_SETTING]))[0]!.value;
      expect(stored.accessToken).toBe(fake.accessToken);
      expect(stored.refreshToken).toBe(fake.refreshToken);
      expect(Date.parse(stored.expiresAt)).toBeGreaterThan(Date.now() + 24 * 3600_000);
      // the next reply uses the new token without another refresh
      await sender().send(outMsg(uid, 'Phản hồi tiếp theo'));
      expect(fake.refreshCalls.length).toBe(calls + 1);

      // a restarted hub (same database, same env) starts from the stored tokens, not the dead env ones
      const t2 = await startTestHub(engine, env, { db: t.db, start: false });
      try {
        await t2.hub.senders.get('zalo')!.send(outMsg(uid, 'Sau khi khởi động lại'));
        expect(fake.refreshCalls.length).toBe(calls + 1);
      } finally {
        await t2.hub.close();
      }
      // … unless the operator configured new tokens: those win
      const saved = { accessToken: fake.accessToken, refreshToken: fake.refreshToken };
      const fresh = fake.accessToken;
      const t3 = await startTestHub(engine, { ...env, ZALO_OA_ACCESS_TOKEN: fresh, ZALO_REFRESH_TOKEN: fake.refreshToken }, { db: t.db, start: false });
      try {
        fake.forced.push({ userId: uid, http: 401 }); // HTTP 401 counts as an invalid token too
        await t3.hub.senders.get('zalo')!.send(outMsg(uid, 'Token mới từ cấu hình'));
        expect(fake.refreshCalls.length).toBe(calls + 2);
      } finally {
        await t3.hub.close();
        // t3 was another installation's configuration: give the main hub its valid tokens back
        Object.assign(fake, saved);
      }
    });

    test('-230 (outside the 7-day window) and -213 (not a follower) fail for good with a reason staff can read', async () => {
      const uid = userId();
      fake.forced.push({ userId: uid, error: -230, message: 'User has not interacted with the OA in the past 7 days' });
      await deliver(textEvent(uid, 'Vỉa hè bị lấn chiếm'));
      const [tk] = await ticketsOf(uid);
      const [ack] = await outboundOf(tk!.id);
      expect(ack!.delivery_status).toBe('failed');
      expect(ack!.delivery_error).toMatch(/-230/);
      expect(ack!.delivery_error).toMatch(/7 ngày/);
      expect(ack!.delivery_error).toMatch(/another channel/);
      expect(fake.sentTo(uid)).toHaveLength(0);

      fake.forced.push({ userId: uid, error: -213, message: 'User has not followed the OA' });
      await expect(sender().send(outMsg(uid, 'x'))).rejects.toBeInstanceOf(PermanentDeliveryError);
      fake.forced.push({ userId: uid, error: -213, message: 'User has not followed the OA' });
      await expect(sender().send(outMsg(uid, 'x'))).rejects.toThrow(/-213.*follow/s);
    });

    test('-32 (rate limit) and -234 (night) are transient: retried by the queue, health degraded meanwhile', async () => {
      const uid = userId();
      fake.blocked.set(uid, { error: -32, message: 'Reached the limit of API calls' });
      await deliver(textEvent(uid, 'Xe tải chở quá tải phá đường'), { retriesInFlight: false });
      const [tk] = await ticketsOf(uid);
      const [ack] = await outboundOf(tk!.id);
      expect(ack!.delivery_status).toBe('queued');
      expect(await health()).toMatchObject({ status: 'degraded', reason: expect.stringMatching(/rate limited/) });
      const job = await t.db.query<{ status: string; last_error: string }>(`SELECT status, last_error FROM jobs WHERE dedupe_key = $1`, [`deliver-${ack!.id}`]);
      expect(job[0]).toMatchObject({ status: expect.stringMatching(/pending|running/), last_error: expect.stringMatching(/-32/) });
      // the limit lifts: the queue's next attempt goes through, one acknowledgement, health restored
      fake.blocked.delete(uid);
      for (let i = 0; i < 100 && (await outboundOf(tk!.id))[0]!.delivery_status !== 'sent'; i++) await new Promise((r) => setTimeout(r, 50));
      expect((await outboundOf(tk!.id))[0]!.delivery_status).toBe('sent');
      expect(fake.sentTo(uid)).toHaveLength(1);
      expect((await health())?.status).toBe('healthy');

      fake.forced.push({ userId: uid, error: -234, message: 'Cannot send at night' });
      const err = await sender().send(outMsg(uid, 'x')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RetryLaterError);
      expect(err).not.toBeInstanceOf(PermanentDeliveryError);
      fake.forced.push({ userId: uid, http: 503 });
      await expect(sender().send(outMsg(uid, 'x'))).rejects.not.toBeInstanceOf(PermanentDeliveryError);
    });

    test('nextSixAmVietnam is the next 06:01 in UTC+7', () => {
      expect(nextSixAmVietnam(new Date('2026-11-22T16:00:00Z')).toISOString()).toBe('2026-11-22T23:01:00.000Z'); // 23:00 VN → 06:01 next day
      expect(nextSixAmVietnam(new Date('2026-11-22T20:00:00Z')).toISOString()).toBe('2026-11-22T23:01:00.000Z'); // 03:00 VN → 06:01 same day
      expect(nextSixAmVietnam(new Date('2026-11-23T00:00:00Z')).toISOString()).toBe('2026-11-23T23:01:00.000Z'); // 07:00 VN → tomorrow
    });

    test('a refresh Zalo rejects marks the channel "token revoked" and fails the reply for good', async () => {
      const uid = userId();
      fake.expire();
      fake.refreshToken = 'RT-issued-elsewhere'; // ours was revoked
      await deliver(textEvent(uid, 'Cột điện nghiêng sắp đổ'));
      const [tk] = await ticketsOf(uid);
      const [ack] = await outboundOf(tk!.id);
      expect(ack!.delivery_status).toBe('failed');
      expect(ack!.delivery_error).toMatch(/refresh/i);
      expect(await health()).toEqual({ status: 'down', reason: 'token revoked' });
      // and the dead refresh token is not hammered on every reply
      const calls = fake.refreshCalls.length;
      await expect(sender().send(outMsg(uid, 'x'))).rejects.toBeInstanceOf(PermanentDeliveryError);
      expect(fake.refreshCalls.length).toBe(calls);
    });
  });
});

describe('Zalo channel without its secrets', () => {
  test('is off: the webhook answers 404 and no sender is registered', async () => {
    const t = await startTestHub('pglite', { ZALO_OA_SECRET: OA_SECRET });
    try {
      const ev = textEvent(userId(), 'x');
      const raw = JSON.stringify(ev);
      const res = await supertest(t.app).post('/webhooks/zalo').set('content-type', 'application/json').set('X-ZEvent-Signature', sign(raw, ev.timestamp)).send(raw);
      expect(res.status).toBe(404);
      expect(t.hub.senders.get('zalo')).toBeUndefined();
      expect(t.hub.channels.find((c) => c.channel === 'zalo')?.enabled).toBe(false);
    } finally {
      await t.close();
    }
  });
});
