import crypto from 'node:crypto';
import fc from 'fast-check';
import { validSignature } from '../../src/channels/facebook';
import { facebookReceipts, parseFacebookEvent, splitWebhook } from '../../src/channels/facebook/parse';
import type { StoredWebhookEvent } from '../../src/channels/types';
import { startTestHub, type TestHub } from '../helpers/hub';
import {
  anyValue, check, deepJsonText, expectNo5xx, expectWellTyped, fuzz, fuzzAsync, headerValue, hostileJson, hostileString, mutated, queryString,
  randomBytes, serve, Tally, type FuzzServer,
} from './support';

// A fuzz failure is a finding: it must not pass on a retry with another seed.
jest.retryTimes(0);
// Thousands of cases per test: on a loaded machine that can pass jest's default 30 s.
jest.setTimeout(120_000);

const tally = new Tally('facebook');
afterAll(() => tally.write());

const APP_SECRET = 'fb-app-secret-for-tests';
const VERIFY_TOKEN = 'verify-me-1022';
const PAGE_ID = '104857600000001';
const PSID = '24000000000000001';
const PATH = '/webhooks/facebook';

// Payloads shaped like Meta's documented examples (tests/facebook.test.ts).
const messaging = (message: Record<string, unknown>) => ({ sender: { id: PSID }, recipient: { id: PAGE_ID }, timestamp: 1735700000123, message });
const page = (...items: Record<string, unknown>[]) => ({ object: 'page', entry: [{ id: PAGE_ID, time: 1735700000123, messaging: items }] });
const ITEMS: Record<string, unknown>[] = [
  messaging({ mid: 'm.text1', text: 'Ổ gà lớn trước số 10 đường Lê Lợi' }),
  messaging({ mid: 'm.img1', text: 'Ảnh hiện trường', attachments: [{ type: 'image', payload: { url: 'https://scontent.example/v/t1/123_456_n.jpg?oh=1' } }] }),
  messaging({ mid: 'm.loc1', attachments: [{ type: 'location', title: 'Pinned Location', url: 'https://l.facebook.com/l.php?u=x', payload: { coordinates: { lat: 20.6521, long: 106.0543 } } }] }),
  messaging({ mid: 'm.fb1', attachments: [{ type: 'fallback', title: 'Bài báo', url: 'https://baomoi.com/a.epi', payload: { url: 'https://baomoi.com/a.epi' } }] }),
  messaging({ mid: 'm.qr1', text: 'Vẫn còn', quick_reply: { payload: 'STATUS:PA-2501-ABCDE' }, reply_to: { mid: 'm.out1' } }),
  messaging({ mid: 'm.stk', attachments: [{ type: 'image', payload: { url: 'https://scontent.example/s.png', sticker_id: 369239263222822 } }] }),
  { sender: { id: PSID }, recipient: { id: PAGE_ID }, timestamp: 1735700000124, postback: { mid: 'm.pb1', title: 'Xem tiến độ', payload: 'STATUS:PA-2501-ABCDE' } },
  { sender: { id: PSID }, recipient: { id: PAGE_ID }, timestamp: 1735700000125, postback: { title: 'Bắt đầu', payload: 'GET_STARTED' } },
  { sender: { id: PSID }, recipient: { id: PAGE_ID }, timestamp: 1735700000126, delivery: { mids: ['m_out_1', 'm_out_2'], watermark: 1735700000126 } },
  { sender: { id: PSID }, recipient: { id: PAGE_ID }, timestamp: 1735700000127, read: { watermark: 1735700000127 } },
  { sender: { id: PAGE_ID }, recipient: { id: PSID }, timestamp: 1735700000128, message: { mid: 'echo1', is_echo: true, text: 'hi' } },
];
const COMMENT = { item: 'comment', verb: 'add', comment_id: '104857600000001_99', post_id: '104857600000001_1', from: { id: '77000001', name: 'Nguyễn Văn A' },
  message: 'Đèn đường hỏng', created_time: 1735700000, photo: 'https://scontent.example/p/photo_1.jpg' };
const BODIES: Record<string, unknown>[] = [
  ...ITEMS.map((i) => page(i)),
  page(...ITEMS),
  { object: 'page', entry: [{ id: PAGE_ID, time: 1735700000123, changes: [{ field: 'feed', value: COMMENT }, { field: 'feed', value: { ...COMMENT, verb: 'edited' } }] }] },
  { object: 'page', entry: [{ id: PAGE_ID, time: 1, standby: [ITEMS[0]] }] },
  { object: 'instagram', entry: [{ id: '1', time: 1, changes: [] }] },
];

const stored = (payload: unknown): StoredWebhookEvent => ({ id: 1, channel: 'facebook', eventKey: 'k', payload, receivedAt: new Date('2025-01-01T00:00:00Z') });

function checkStored(payload: unknown): void {
  expectWellTyped(parseFacebookEvent(stored(payload)), 'facebook');
  for (const r of facebookReceipts(stored(payload))) {
    check(typeof r.externalId === 'string' && r.externalId.length > 0 && !Number.isNaN(r.at.getTime()), 'receipt', JSON.stringify(r));
  }
}

/** splitWebhook never throws; what it keeps has a key and parses; what it refuses has a reason. */
function checkBody(body: unknown): void {
  const r = splitWebhook(body);
  if (!r.ok) {
    check(typeof r.reason === 'string' && r.reason.length > 0, 'refusal without a reason');
    return;
  }
  check(Number.isInteger(r.ignored) && r.ignored >= 0, 'ignored count', r.ignored);
  for (const e of r.events) {
    check(typeof e.key === 'string' && e.key.length > 0, 'event key', e.key);
    check(e.sender === null || typeof e.sender === 'string', 'event sender', e.sender);
    checkStored(e.payload);
  }
}

describe('Facebook parser layer (pure)', () => {
  test('splitWebhook and the stored-event parsers take anything without throwing', () => {
    fuzz(tally, 'pure: random bodies', anyValue, (v) => {
      checkBody(v);
      checkStored(v);
      checkStored({ source: 'messaging', pageId: PAGE_ID, event: v });
      checkStored({ source: 'feed', pageId: PAGE_ID, time: 1, value: v });
    }, { numRuns: 2_000 });
  });

  test('mutated real webhook bodies: never a throw, well-typed, deterministic', () => {
    fuzz(tally, 'pure: mutated bodies', mutated(BODIES), (b) => {
      checkBody(b);
      check(JSON.stringify(splitWebhook(b)) === JSON.stringify(splitWebhook(b)), 'splitWebhook is not deterministic');
    }, { numRuns: 2_500 });
  });

  test('mutated stored events (messaging items and feed comments) parse to well-typed messages', () => {
    const storedArb = fc.oneof(
      mutated(ITEMS).map((event) => ({ source: 'messaging', pageId: PAGE_ID, event })),
      mutated([COMMENT]).map((value) => ({ source: 'feed', pageId: PAGE_ID, time: 1735700000123, value })),
    );
    fuzz(tally, 'pure: mutated stored events', storedArb, (p) => {
      checkStored(p);
      check(JSON.stringify(parseFacebookEvent(stored(p))) === JSON.stringify(parseFacebookEvent(stored(p))), 'parseFacebookEvent is not deterministic');
    }, {
      numRuns: 2_500,
      // Found here: a created_time or timestamp beyond what a Date holds gave an invalid sentAt.
      examples: [{ source: 'feed', pageId: PAGE_ID, time: 1735700000123, value: { ...COMMENT, created_time: 1e20 } },
        { source: 'messaging', pageId: PAGE_ID, event: { ...ITEMS[0], timestamp: 9e15 } }],
    });
  });

  const sigInput = fc.record({
    secret: fc.oneof(fc.constant(APP_SECRET), hostileString.filter((s) => s.length > 0)),
    body: fc.uint8Array({ minLength: 1, maxLength: 400 }).map((a) => Buffer.from(a)),
  });
  const header = (secret: string, body: Buffer) => `sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`;

  test('X-Hub-Signature-256: what Meta signs verifies; any single-bit change of body or digest does not', () => {
    fuzz(tally, 'signature: round trip and single-bit flips', fc.tuple(sigInput, fc.nat(), fc.nat({ max: 7 }), fc.nat({ max: 255 })), ([{ secret, body }, at, bit, digestBit]) => {
      const h = header(secret, body);
      expect(validSignature(secret, body, h)).toBe(true);
      expect(validSignature(secret, body, ` ${h.toUpperCase().replace('SHA256=', 'sha256=')} `)).toBe(true);
      const flipped = Buffer.from(body);
      flipped[at % flipped.length]! ^= 1 << bit;
      expect(validSignature(secret, flipped, h)).toBe(false);
      const digest = Buffer.from(h.slice(7), 'hex');
      digest[digestBit >> 3]! ^= 1 << (digestBit & 7);
      expect(validSignature(secret, body, `sha256=${digest.toString('hex')}`)).toBe(false);
    }, { numRuns: 1_500 });
  });

  test('X-Hub-Signature-256: random headers never verify and never throw', () => {
    const body = Buffer.from(JSON.stringify(BODIES[0]));
    fuzz(tally, 'signature: random headers', fc.oneof(hostileString, fc.stringMatching(/^(sha256=|sha1=)?[0-9a-fA-F]{0,70}$/)), (h) => {
      expect(validSignature(APP_SECRET, body, h)).toBe(false);
    }, { numRuns: 1_500 });
  });
});

describe('Facebook webhook through the real app (postgres)', () => {
  let t: TestHub;
  let s: FuzzServer;
  const sign = (raw: Buffer | string) => `sha256=${crypto.createHmac('sha256', APP_SECRET).update(raw).digest('hex')}`;
  const eventCount = async () => (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_events WHERE channel = 'facebook'`))[0]!.n;
  const post = (body: Buffer | string, headers: Record<string, string>) => s.send('POST', PATH, { body, headers });

  beforeAll(async () => {
    // Not started: the fuzz must not make the job fetch random media URLs; stored events are parsed below instead.
    t = await startTestHub('postgres', { FACEBOOK_APP_SECRET: APP_SECRET, FACEBOOK_VERIFY_TOKEN: VERIFY_TOKEN }, { start: false });
    s = await serve(t.app);
  });
  afterAll(async () => {
    await s?.close();
    await t?.close();
  });

  test('unsigned or wrongly signed garbage is refused (403/413) and stores nothing', async () => {
    const before = await eventCount();
    const input = fc.record({
      body: fc.oneof(randomBytes, mutated(BODIES).map((p) => Buffer.from(JSON.stringify(p) ?? ''))),
      contentType: headerValue,
      signature: fc.option(fc.oneof(headerValue, fc.stringMatching(/^sha256=[0-9a-f]{64}$/)), { nil: undefined }),
    });
    await fuzzAsync(tally, 'http: unsigned garbage', input, async ({ body, contentType, signature }) => {
      const res = await post(body, { 'content-type': contentType, ...(signature !== undefined ? { 'x-hub-signature-256': signature } : {}) });
      expectNo5xx(res, 'unsigned facebook webhook');
      expect([403, 413]).toContain(res.status);
    }, { numRuns: 300, budgetMs: 5_000 });
    expect(await eventCount()).toBe(before);
  });

  test('signed garbage (random JSON, mutated real bodies, odd content types) never gets a 5xx', async () => {
    const body = fc.oneof(
      { weight: 4, arbitrary: mutated(BODIES) },
      { weight: 1, arbitrary: hostileJson.map((x) => ({ object: 'page', entry: [{ id: PAGE_ID, messaging: [x], changes: [x] }] })) },
      { weight: 1, arbitrary: hostileJson },
    ).map((p) => {
      let raw: string | undefined;
      try { raw = JSON.stringify(p); } catch { raw = undefined; }
      return raw ?? '{}';
    });
    const input = fc.record({ raw: body, contentType: fc.oneof(fc.constant('application/json'), headerValue) });
    await fuzzAsync(tally, 'http: signed garbage', input, async ({ raw, contentType }) => {
      const res = await post(raw, { 'content-type': contentType, 'x-hub-signature-256': sign(raw) });
      expectNo5xx(res, 'signed facebook webhook');
      expect([200, 400, 415]).toContain(res.status);
    }, { numRuns: 400, budgetMs: 5_000 });
  });

  test('deep nesting, truncated JSON and oversized bodies, signed: 200, 400 or 413, never a 5xx', async () => {
    const input = fc.oneof(
      fc.record({ kind: fc.constant('deep' as const), depth: fc.integer({ min: 1_000, max: 200_000 }), array: fc.boolean() }),
      fc.record({ kind: fc.constant('truncated' as const), cut: fc.nat(), sample: fc.nat({ max: BODIES.length - 1 }) }),
      fc.record({ kind: fc.constant('huge' as const), size: fc.integer({ min: 3 * 1024 * 1024, max: 5 * 1024 * 1024 }) }),
    );
    await fuzzAsync(tally, 'http: deep, truncated, huge', input, async (c) => {
      let raw: string;
      if (c.kind === 'deep') {
        const item = `{"sender":{"id":"${PSID}"},"recipient":{"id":"${PAGE_ID}"},"timestamp":1,"message":{"mid":"deep-${c.depth}-${c.array}","text":"x","attachments":${deepJsonText(c.depth, c.array ? 'array' : 'object')}}}`;
        raw = `{"object":"page","entry":[{"id":"${PAGE_ID}","time":1,"messaging":[${item}]}]}`;
      } else if (c.kind === 'truncated') {
        const full = JSON.stringify(BODIES[c.sample]);
        raw = full.slice(0, c.cut % full.length);
      } else {
        raw = `{"object":"page","entry":[{"id":"${PAGE_ID}","messaging":[{"message":{"text":"${'ổ'.repeat(Math.ceil(c.size / 3))}"}}]}]}`;
      }
      const res = await post(raw, { 'content-type': 'application/json', 'x-hub-signature-256': sign(raw) });
      expectNo5xx(res, `signed facebook webhook (${c.kind})`);
      if (c.kind === 'truncated') expect(res.status).toBe(400);
      else if (Buffer.byteLength(raw) > 4 * 1024 * 1024) expect(res.status).toBe(413);
      else expect([200, 400]).toContain(res.status);
    }, { numRuns: 120, budgetMs: 5_000 });
  });

  test('the subscription handshake takes any query without a 5xx and echoes only with the right token', async () => {
    const names = ['hub.mode', 'hub.verify_token', 'hub.challenge'];
    await fuzzAsync(tally, 'http: handshake queries', fc.oneof(queryString(names),
      fc.tuple(fc.string({ maxLength: 20 }), fc.boolean()).map(([c, right]) => `hub.mode=subscribe&hub.verify_token=${right ? VERIFY_TOKEN : 'nope'}&hub.challenge=${encodeURIComponent(c)}`)),
    async (q) => {
      const res = await s.send('GET', `${PATH}?${q}`);
      expectNo5xx(res, 'facebook handshake');
      const params = new URLSearchParams(q);
      if (res.status === 200) {
        expect(params.getAll('hub.verify_token')).toContain(VERIFY_TOKEN);
        expect(res.headers['content-type']).toMatch(/^text\/plain/);
      } else expect(res.status >= 400 && res.status < 500).toBe(true); // 400, 403, or Node's own 431 for a very long URL
    }, { numRuns: 300, budgetMs: 5_000 });
  });

  test('afterwards: the hub answers, takes a real body, and every stored event parses', async () => {
    expect((await s.send('GET', '/healthz')).status).toBe(200);
    const raw = JSON.stringify(page(messaging({ mid: `m.after.${Date.now()}`, text: 'Đèn đường hỏng ở ngõ 5' })));
    const ok = await post(raw, { 'content-type': 'application/json', 'x-hub-signature-256': sign(raw) });
    expect([ok.status, ok.body.toString()]).toEqual([200, 'EVENT_RECEIVED']);
    const rows = await t.db.query<{ id: number; event_key: string; payload: unknown; received_at: Date }>(
      `SELECT id, event_key, payload, received_at FROM webhook_events WHERE channel = 'facebook'`);
    expect(rows.length).toBeGreaterThan(10);
    for (const r of rows) {
      checkStored(r.payload);
      tally.hit('stored events re-parsed');
    }
  });
});
