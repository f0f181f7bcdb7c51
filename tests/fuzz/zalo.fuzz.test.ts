import fc from 'fast-check';
import type { StoredWebhookEvent } from '../../src/channels/types';
import { eventKey, isNoise, parseZaloEvent, receiptMsgIds, zaloReceipts } from '../../src/channels/zalo/parse';
import { verifyZaloSignature, zaloSignature } from '../../src/channels/zalo/signature';
import { startTestHub, type TestHub } from '../helpers/hub';
import {
  anyValue, check, deepJsonText, expectNo5xx, expectWellTyped, fuzz, fuzzAsync, headerValue, hostileJson, hostileString, mutated, randomBytes,
  serve, Tally, type FuzzServer,
} from './support';

// A fuzz failure is a finding: it must not pass on a retry with another seed.
jest.retryTimes(0);
// Thousands of cases per test: on a loaded machine that can pass jest's default 30 s.
jest.setTimeout(120_000);

const tally = new Tally('zalo');
afterAll(() => tally.write());

const APP_ID = '102719276611582260';
const OA_ID = '1423847451268726170';
const OA_SECRET = 'oa-secret-key-from-webhook-page';
const UID = '8309393969812345678';

// Valid payloads, shaped like tests/zalo.test.ts (OA API v3 events).
const base = (event_name: string, message?: Record<string, unknown>) => ({
  app_id: APP_ID, user_id_by_app: '7300442764876318465', event_name, timestamp: '1735700000123',
  sender: { id: UID }, recipient: { id: OA_ID }, ...(message ? { message } : {}),
});
const SAMPLES: Record<string, unknown>[] = [
  base('user_send_text', { text: 'Ổ gà lớn trước số 10 đường Lê Lợi', msg_id: 'a1b2c3d4e5f6a7b8c9d0' }),
  base('user_send_location', { msg_id: 'loc1', attachments: [{ payload: { coordinates: { latitude: '10.7923119', longitude: '106.7820651' } }, type: 'location' }] }),
  base('user_send_image', { msg_id: 'img1', text: 'ảnh hiện trường', attachments: [{ type: 'image', payload: { thumbnail: 'https://zalo.example/t.jpg', url: 'https://zalo.example/media/a.jpg' } }] }),
  base('user_send_file', { msg_id: 'f1', attachments: [{ type: 'file', payload: { url: 'https://zalo.example/media/f', size: '52341', name: 'don-kien-nghi.pdf', checksum: 'abc', type: 'pdf' } }] }),
  base('user_send_link', { msg_id: 'l1', text: 'Xem bài này', attachments: [{ type: 'link', payload: { url: 'https://baomoi.com/ngap-nuoc.epi', description: 'Ngập sâu ở phố cổ', thumbnail: 'x' } }] }),
  base('user_send_business_card', { msg_id: 'bc1', attachments: [{ type: 'business_card', payload: { description: 'Nguyễn Văn A 0912345678' } }] }),
  base('user_send_audio', { msg_id: 'au1', attachments: [{ type: 'audio', payload: { url: 'https://zalo.example/media/voice.aac' } }, { type: 'video', payload: { url: 'https://zalo.example/v.mp4' } }] }),
  base('user_received_message', { msg_ids: ['out-1', 'out-2'] }),
  base('user_seen_message', { msg_id: 'out-3' }),
  { oa_id: OA_ID, follower: { id: UID }, user_id_by_app: '7300442764876318465', event_name: 'follow', source: 'oa_profile', app_id: APP_ID, timestamp: '1735700000999' },
  { ...base('user_submit_info'), info: { name: 'Nguyễn Văn A', phone: '0912345678' } },
];

const stored = (payload: unknown): StoredWebhookEvent => ({ id: 1, channel: 'zalo', eventKey: 'k', payload, receivedAt: new Date('2025-01-01T00:00:00Z') });

/** Every pure function of the adapter on one payload: no throw, well-typed results. */
function checkParsers(payload: unknown): void {
  const messages = parseZaloEvent(stored(payload));
  expectWellTyped(messages, 'zalo');
  check(messages.length <= 1, 'more than one message');
  for (const m of messages) check(/^\d{1,25}$/.test(m.identity?.value ?? ''), 'Zalo user id', m.identity?.value);
  for (const r of zaloReceipts(stored(payload))) {
    check(typeof r.externalId === 'string' && r.externalId.length > 0 && r.externalId.length <= 200, 'receipt id', r.externalId);
    check(r.status === 'delivered' && !Number.isNaN(r.at.getTime()), 'receipt', JSON.stringify(r));
  }
  if (payload !== null && typeof payload === 'object' && !Array.isArray(payload)) {
    const obj = payload as Record<string, unknown>;
    const key = eventKey(obj, '1735700000123');
    check(typeof key === 'string' && key.length > 0, 'eventKey', key);
    check(receiptMsgIds(obj).every((id) => typeof id === 'string'), 'receiptMsgIds');
    if (typeof obj.event_name === 'string') check(typeof isNoise(obj.event_name) === 'boolean', 'isNoise');
  }
}

/** The payload as the webhook stores it (JSON) parses to the same messages as the payload itself. */
function roundTrips(payload: unknown): void {
  let text: string;
  try { text = JSON.stringify(payload); } catch { return; } // too deep to write: the webhook has its own property below
  if (text === undefined) return;
  check(JSON.stringify(parseZaloEvent(stored(JSON.parse(text)))) === JSON.stringify(parseZaloEvent(stored(payload))), 'the stored JSON parses differently', text);
}

describe('Zalo parser layer (pure)', () => {
  test('parseZaloEvent, zaloReceipts and eventKey take anything without throwing', () => {
    fuzz(tally, 'pure: random payloads', anyValue, checkParsers, { numRuns: 2_000 });
  });

  test('mutated real events: well-typed, deterministic, and the stored JSON parses the same', () => {
    fuzz(tally, 'pure: mutated events', mutated(SAMPLES), (p) => {
      checkParsers(p);
      check(JSON.stringify(parseZaloEvent(stored(p))) === JSON.stringify(parseZaloEvent(stored(p))), 'parseZaloEvent is not deterministic');
      roundTrips(p);
    }, { numRuns: 3_000 });
  });

  const sigInput = fc.record({
    appId: fc.oneof(fc.constant(APP_ID), hostileString), body: fc.uint8Array({ minLength: 1, maxLength: 400 }).map((a) => Buffer.from(a)),
    ts: fc.oneof(fc.constant('1735700000123'), hostileString), secret: fc.oneof(fc.constant(OA_SECRET), hostileString.filter((s) => s.length > 0)),
  });

  test('signatures: what we sign verifies, with or without "mac=", in any case, with spaces', () => {
    fuzz(tally, 'signature: round trip', sigInput, ({ appId, body, ts, secret }) => {
      const sig = zaloSignature(appId, body, ts, secret);
      expect(verifyZaloSignature(sig, appId, body, ts, secret)).toBe(true);
      expect(verifyZaloSignature(` MAC=${sig.toUpperCase()} `, appId, body, ts, secret)).toBe(true);
    }, { numRuns: 1_000 });
  });

  test('signatures: any single-bit change of the body, the digest or the timestamp is rejected', () => {
    fuzz(tally, 'signature: single-bit flips', fc.tuple(sigInput, fc.nat(), fc.nat({ max: 7 }), fc.nat({ max: 255 })), ([{ appId, body, ts, secret }, at, bit, digestBit]) => {
      const sig = zaloSignature(appId, body, ts, secret);
      const flipped = Buffer.from(body);
      flipped[at % flipped.length]! ^= 1 << bit;
      expect(verifyZaloSignature(sig, appId, flipped, ts, secret)).toBe(false);
      const digest = Buffer.from(sig, 'hex');
      digest[digestBit >> 3]! ^= 1 << (digestBit & 7);
      expect(verifyZaloSignature(digest.toString('hex'), appId, body, ts, secret)).toBe(false);
      const tsBytes = Buffer.from(ts || '0', 'utf8');
      tsBytes[at % tsBytes.length]! ^= 1 << bit;
      const ts2 = tsBytes.toString('utf8');
      if (ts2 !== (ts || '0')) expect(verifyZaloSignature(zaloSignature(appId, body, ts || '0', secret), appId, body, ts2, secret)).toBe(false);
    }, { numRuns: 1_500 });
  });

  test('signatures: random headers never verify and never throw', () => {
    const body = Buffer.from(JSON.stringify(SAMPLES[0]));
    fuzz(tally, 'signature: random headers', fc.oneof(hostileString, fc.stringMatching(/^(mac=)?[0-9a-fA-F]{0,70}$/)), (h) => {
      expect(verifyZaloSignature(h, APP_ID, body, '1735700000123', OA_SECRET)).toBe(false);
    }, { numRuns: 1_500 });
  });
});

describe('Zalo webhook through the real app (postgres)', () => {
  let t: TestHub;
  let s: FuzzServer;
  const sign = (raw: Buffer | string, ts: string) => zaloSignature(APP_ID, raw, ts, OA_SECRET);
  const eventCount = async () => (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_events WHERE channel = 'zalo'`))[0]!.n;
  const post = (body: Buffer | string, headers: Record<string, string>) => s.send('POST', '/webhooks/zalo', { body, headers });

  beforeAll(async () => {
    // Not started: the fuzz must not make the job fetch random media URLs; stored events are parsed below instead.
    t = await startTestHub('postgres', { ZALO_APP_ID: APP_ID, ZALO_OA_SECRET: OA_SECRET }, { start: false });
    s = await serve(t.app);
  });
  afterAll(async () => {
    await s?.close();
    await t?.close();
  });

  test('unsigned or wrongly signed garbage is refused (4xx) and stores nothing', async () => {
    const before = await eventCount();
    const input = fc.record({
      body: fc.oneof(randomBytes, mutated(SAMPLES).map((p) => Buffer.from(JSON.stringify(p) ?? ''))),
      contentType: headerValue,
      signature: fc.option(fc.oneof(headerValue, fc.stringMatching(/^(mac=)?[0-9a-f]{64}$/)), { nil: undefined }),
    });
    await fuzzAsync(tally, 'http: unsigned garbage', input, async ({ body, contentType, signature }) => {
      const res = await post(body, { 'content-type': contentType, ...(signature !== undefined ? { 'x-zevent-signature': signature } : {}) });
      expectNo5xx(res, 'unsigned zalo webhook');
      expect([400, 403, 413]).toContain(res.status);
    }, { numRuns: 300, budgetMs: 5_000 });
    expect(await eventCount()).toBe(before);
  });

  test('signed garbage (random JSON, mutated real events, deep nesting, broken JSON, odd content types) never gets a 5xx', async () => {
    const body = fc.oneof(
      { weight: 4, arbitrary: mutated(SAMPLES) },
      { weight: 2, arbitrary: hostileJson.map((x) => ({ timestamp: '1735700000123', event_name: 'user_send_text', junk: x })) },
      { weight: 1, arbitrary: fc.tuple(hostileJson, hostileJson).map(([ts, x]) => ({ timestamp: ts, sender: { id: x }, message: x, event_name: x })) },
    ).map((p) => {
      let raw: string | undefined;
      try { raw = JSON.stringify(p); } catch { raw = undefined; }
      return raw ?? '{"timestamp":"1","event_name":"x"}';
    });
    const input = fc.record({ raw: body, contentType: headerValue, mac: fc.boolean() });
    await fuzzAsync(tally, 'http: signed garbage', input, async ({ raw, contentType, mac }) => {
      let ts = '';
      try {
        const parsed = JSON.parse(raw) as { timestamp?: unknown };
        ts = typeof parsed.timestamp === 'string' ? parsed.timestamp : typeof parsed.timestamp === 'number' ? String(parsed.timestamp) : '';
      } catch { ts = ''; }
      const sig = sign(raw, ts);
      const res = await post(raw, { 'content-type': contentType, 'x-zevent-signature': mac ? `mac=${sig}` : sig });
      expectNo5xx(res, 'signed zalo webhook');
      if (Buffer.byteLength(raw) > 256 * 1024) expect(res.status).toBe(413);
      else if (ts) expect([200, 400]).toContain(res.status);
    }, { numRuns: 400, budgetMs: 5_000 });
  });

  test('deep nesting, truncated JSON and oversized bodies, signed: 200, 400 or 413, never a 5xx', async () => {
    const input = fc.oneof(
      fc.record({ kind: fc.constant('deep' as const), depth: fc.integer({ min: 1_000, max: 120_000 }), array: fc.boolean() }),
      fc.record({ kind: fc.constant('truncated' as const), cut: fc.nat(), sample: fc.nat({ max: SAMPLES.length - 1 }) }),
      fc.record({ kind: fc.constant('huge' as const), size: fc.integer({ min: 200 * 1024, max: 2 * 1024 * 1024 }), char: fc.constantFrom('a', 'ổ', '\\u0000') }),
    );
    await fuzzAsync(tally, 'http: deep, truncated, huge', input, async (c) => {
      const ts = '1735700000123';
      let raw: string;
      if (c.kind === 'deep') {
        const depth = c.array ? c.depth : Math.min(c.depth, 40_000); // '{"a":' is 5 bytes a level: stay under the body limit
        raw = `{"timestamp":"${ts}","event_name":"user_send_text","sender":{"id":"${UID}"},"message":{"msg_id":"deep-${c.depth}","text":"x","attachments":${deepJsonText(depth, c.array ? 'array' : 'object')}}}`;
      } else if (c.kind === 'truncated') {
        const full = JSON.stringify(SAMPLES[c.sample]);
        raw = full.slice(0, c.cut % full.length);
      } else {
        raw = `{"timestamp":"${ts}","event_name":"user_send_text","message":{"text":"${c.char.repeat(Math.ceil(c.size / c.char.length))}"}}`;
      }
      const res = await post(raw, { 'content-type': 'application/json', 'x-zevent-signature': sign(raw, ts) });
      expectNo5xx(res, `signed zalo webhook (${c.kind})`);
      if (c.kind === 'truncated') expect(res.status).toBe(400);
      if (Buffer.byteLength(raw) > 256 * 1024) expect(res.status).toBe(413);
    }, { numRuns: 150, budgetMs: 5_000 });
  });

  test('regression: signed events holding NUL, a lone surrogate or 4,111 levels of nesting are stored (they were answered 503)', async () => {
    const cases = [
      // Found by 'signed garbage': jsonb refuses \u0000, so the insert failed and Zalo would retry for hours.
      `{"app_id":"\\u0000${APP_ID}","event_name":"user_send_text","timestamp":"1735700000123","sender":{"id":"${UID}"},"message":{"text":"Ổ gà","msg_id":"nul-1"}}`,
      `{"event_name":"user_send_text","timestamp":"1735700000123","sender":{"id":"${UID}"},"message":{"text":"x\\ud800y","msg_id":"surrogate-1"}}`,
      // Found by 'deep, truncated, huge': JSON.stringify overflowed its stack while storing.
      `{"timestamp":"1735700000123","event_name":"user_send_text","sender":{"id":"${UID}"},"message":{"msg_id":"deep-1","text":"x","attachments":${deepJsonText(4_111, 'object')}}}`,
    ];
    for (const raw of cases) {
      const res = await post(raw, { 'content-type': 'application/json', 'x-zevent-signature': sign(raw, '1735700000123') });
      expect([res.status, res.body.toString()]).toEqual([200, '{"ok":"accepted"}']);
    }
    const [nul] = await t.db.query<{ payload: { app_id: string } }>(`SELECT payload FROM webhook_events WHERE channel = 'zalo' AND event_key = 'nul-1'`);
    expect(nul!.payload.app_id).toBe(APP_ID);
    const [sur] = await t.db.query<{ payload: { message: { text: string } } }>(`SELECT payload FROM webhook_events WHERE channel = 'zalo' AND event_key = 'surrogate-1'`);
    expect(sur!.payload.message.text).toBe('x\ufffdy');
  });

  test('afterwards: the hub answers, takes a real event, and every stored event parses', async () => {
    expect((await s.send('GET', '/healthz')).status).toBe(200);
    const ev = { ...SAMPLES[0], message: { text: 'Đèn đường hỏng ở ngõ 5', msg_id: `after-${Date.now()}` } };
    const raw = JSON.stringify(ev);
    const ok = await post(raw, { 'content-type': 'application/json', 'x-zevent-signature': sign(raw, '1735700000123') });
    expect([ok.status, JSON.parse(ok.body.toString()).ok]).toEqual([200, 'accepted']);
    const rows = await t.db.query<{ id: number; event_key: string; payload: unknown; received_at: Date }>(
      `SELECT id, event_key, payload, received_at FROM webhook_events WHERE channel = 'zalo'`);
    expect(rows.length).toBeGreaterThan(50);
    for (const r of rows) {
      const e: StoredWebhookEvent = { id: r.id, channel: 'zalo', eventKey: r.event_key, payload: r.payload, receivedAt: r.received_at };
      expectWellTyped(parseZaloEvent(e), 'zalo');
      zaloReceipts(e);
      tally.hit('stored events re-parsed');
    }
    // The key is what makes a retry one event: it never grows past what the column keeps.
    expect(rows.every((r) => r.event_key.length <= 300)).toBe(true);
  });
});
