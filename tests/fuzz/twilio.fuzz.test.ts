import crypto from 'node:crypto';
import type { Request } from 'express';
import fc from 'fast-check';
import twilio from 'twilio';
import { parseSms, mmsAttachments } from '../../src/channels/twilio/sms';
import { twilioReceipts } from '../../src/channels/twilio/status';
import { parseSurveyCall } from '../../src/channels/twilio/survey-call';
import { parseVoice } from '../../src/channels/twilio/voice';
import { callerPhone, field, parseForm, signatureValid, type TwilioParams } from '../../src/channels/twilio/webhook';
import type { StoredWebhookEvent } from '../../src/channels/types';
import { loadConfig } from '../../src/config';
import { startTestHub, type TestHub } from '../helpers/hub';
import {
  anyValue, check, expectNo5xx, expectWellTyped, formEncode, fuzz, fuzzAsync, headerValue, hostileString, mutated, pct, randomBytes, serve, Tally,
  type FuzzServer,
} from './support';

// A fuzz failure is a finding: it must not pass on a retry with another seed.
jest.retryTimes(0);
// Thousands of cases per test: on a loaded machine that can pass jest's default 30 s.
jest.setTimeout(120_000);

const tally = new Tally('twilio');
afterAll(() => tally.write());

const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'twilio-auth-token-for-tests';
const FROM_NUMBER = '+18335550100';
const PUBLIC_BASE = 'http://hub.test';
const TOKEN = 'survey-token-0123456789abcdef';

// Form posts as Twilio sends them (tests/twilio.test.ts).
const SMS = {
  ToCountry: 'US', ToState: 'CA', SmsMessageSid: 'SM0123456789abcdef0123456789abcdef', NumMedia: '1', ToCity: '', FromZip: '', SmsSid: 'SM0123456789abcdef0123456789abcdef',
  FromState: '', SmsStatus: 'received', FromCity: '', Body: 'Đèn đường ngõ 5 phố Lê Lợi bị hỏng 3 hôm nay', FromCountry: 'VN', To: FROM_NUMBER, ToZip: '',
  NumSegments: '1', MessageSid: 'SM0123456789abcdef0123456789abcdef', AccountSid: ACCOUNT_SID, From: '+84912345678', ApiVersion: '2010-04-01',
  MediaUrl0: 'https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1', MediaContentType0: 'image/jpeg',
};
const STATUS = { SmsSid: 'SM0123456789abcdef0123456789abcdef', SmsStatus: 'undelivered', MessageStatus: 'undelivered', To: '+84912345678',
  MessageSid: 'SM0123456789abcdef0123456789abcdef', AccountSid: ACCOUNT_SID, From: FROM_NUMBER, ApiVersion: '2010-04-01', ErrorCode: '30003' };
const CALL = { AccountSid: ACCOUNT_SID, ApiVersion: '2010-04-01', CallSid: 'CA0123456789abcdef0123456789abcdef', CallStatus: 'in-progress', Called: FROM_NUMBER,
  Caller: '+84912345678', Direction: 'inbound', From: '+84912345678', FromCountry: 'VN', To: FROM_NUMBER, ToCountry: 'US', Digits: '1',
  SpeechResult: 'Cống thoát nước bị tắc ở đường Trần Phú', Confidence: '0.91',
  RecordingUrl: 'https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE1', RecordingSid: 'RE0123456789abcdef0123456789abcdef', RecordingStatus: 'completed', RecordingDuration: '23' };
const FORMS: Record<string, string>[] = [SMS, STATUS, CALL];

const carried = { from: '+84912345678', speech: 'Cống thoát nước bị tắc', confidence: '0.9' };
const PAYLOADS: unknown[] = [
  SMS,
  { step: 'recorded', params: CALL, carried },
  { step: 'recording', params: CALL, carried: { from: null, speech: null, confidence: null } },
  { step: 'status', params: STATUS },
  { step: 'survey', answer: '2', token: TOKEN, params: { ...CALL, To: '+84912345678' } },
  { step: 'survey', answer: 'MO-LAI', token: TOKEN, params: CALL },
];

const stored = (payload: unknown, channel: 'sms' | 'phone' = 'sms'): StoredWebhookEvent => ({ id: 1, channel, eventKey: 'k', payload, receivedAt: new Date('2025-01-01T00:00:00Z') });

/** Every stored-event parser of the adapter, on one payload. */
function checkParsers(payload: unknown): void {
  expectWellTyped(parseSms(stored(payload, 'sms')), 'sms');
  expectWellTyped([...parseVoice(stored(payload, 'phone')), ...parseSurveyCall(stored(payload, 'phone'))], 'phone');
  for (const r of twilioReceipts(stored(payload))) {
    check(typeof r.externalId === 'string' && r.externalId.length > 0, 'receipt externalId', r.externalId);
    check(r.status === 'delivered' || r.status === 'failed', 'receipt status', r.status);
  }
}

/** What the form parser can give the handlers: strings and arrays of strings on a prototype-less object. */
function checkForm(p: TwilioParams): void {
  check(Object.getPrototypeOf(p) === null, 'the form has a prototype');
  for (const v of Object.values(p)) check(typeof v === 'string' || (Array.isArray(v) && v.length >= 2 && v.every((x) => typeof x === 'string')), 'form value', JSON.stringify(v));
}

const serialise = (p: TwilioParams) => {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(p)) for (const x of Array.isArray(v) ? v : [v]) u.append(k, x);
  return u.toString();
};

/** A form body: valid posts with their fields mutated, plus raw encodings (malformed %, repeated and prototype names, '+'). */
const fieldText = hostileString.filter((v) => v.length <= 2_000);
const formBody: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: mutated(FORMS).map(formEncode) },
  { weight: 2, arbitrary: fc.array(fc.tuple(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'From', 'Body', 'NumMedia', 'MediaUrl0', 'CallSid', '__proto__[x]', 'a[b]'), fieldText.map(pct)),
    fc.oneof(fieldText.map(pct), fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '+', '%2B', '%u0041', '%C0%AF', '%ED%A0%80'))), { maxLength: 12 })
    .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
);

describe('Twilio parser layer (pure)', () => {
  test('parseForm: any body gives strings (or string lists) on a prototype-less object, and never pollutes Object.prototype', () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    fuzz(tally, 'pure: parseForm', formBody, (body) => {
      const p = parseForm(body);
      checkForm(p);
      // Idempotent: the parsed form written back and read again is the same form.
      check(JSON.stringify(Object.entries(parseForm(serialise(p)))) === JSON.stringify(Object.entries(p)), 'parseForm(serialise(parseForm(x))) differs', body);
      for (const name of Object.keys(p)) {
        const v = field(p, name);
        check(v === undefined || (typeof v === 'string' && v !== ''), 'field()', v);
      }
    }, { numRuns: 2_000 });
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
  });

  test('callerPhone and mmsAttachments on any field values', () => {
    fuzz(tally, 'pure: phones and media', fc.tuple(hostileString, formBody), ([from, body]) => {
      const phone = callerPhone(from);
      check(phone === null || /^\+\d{8,15}$/.test(phone), 'callerPhone', phone);
      const media = mmsAttachments(parseForm(body), 'SM1');
      check(media.length <= 10, 'more than 10 media');
      for (const a of media) check(/^https?:\/\//i.test(a.url!) && /^mms-SM1-\d+\.[a-z0-9]+$/.test(a.fileName), 'media item', JSON.stringify(a));
    }, { numRuns: 1_500 });
  });

  test('parseSms, parseVoice, parseSurveyCall and twilioReceipts take any payload without throwing', () => {
    fuzz(tally, 'pure: random payloads', anyValue, checkParsers, { numRuns: 2_000 });
  });

  test('mutated real payloads (SMS, call steps, status callbacks, surveys) parse to well-typed messages, deterministically', () => {
    fuzz(tally, 'pure: mutated payloads', mutated(PAYLOADS), (p) => {
      checkParsers(p);
      check(JSON.stringify(parseVoice(stored(p, 'phone'))) === JSON.stringify(parseVoice(stored(p, 'phone'))), 'parseVoice is not deterministic');
    }, {
      numRuns: 3_000,
      // Found here: a stored call event whose carried speech or caller was not a string threw a TypeError in the job.
      examples: [{ step: 'recorded', params: { CallSid: 'CA1' }, carried: { speech: 5 } },
        { step: 'recorded', params: { CallSid: 'CA1', RecordingUrl: 'https://api.twilio.com/r/RE1' }, carried: { from: 5 } }],
    });
  });

  test('X-Twilio-Signature: what Twilio signs verifies; a flipped bit in the signature or one changed parameter does not', () => {
    const config = loadConfig({ PUBLIC_BASE_URL: PUBLIC_BASE, TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, DEMO: '0' });
    const fakeReq = (originalUrl: string, signature: string) => ({ originalUrl, get: (h: string) => (h.toLowerCase() === 'x-twilio-signature' ? signature : undefined) }) as unknown as Request;
    const input = fc.tuple(formBody, fc.constantFrom('/webhooks/twilio/sms', '/webhooks/twilio/voice/recorded?from=%2B84912345678&speech=x', '/webhooks/twilio/survey?t=' + TOKEN),
      fc.nat({ max: 159 }), fc.nat(), fc.nat({ max: 15 }));
    fuzz(tally, 'signature: round trip and single-bit flips', input, ([body, path, sigBit, which, charBit]) => {
      const params = parseForm(body);
      const flat = { ...params } as Record<string, string>;
      const sig = twilio.getExpectedTwilioSignature(AUTH_TOKEN, PUBLIC_BASE + path, flat);
      check(signatureValid(config, fakeReq(path, sig), params), 'a correct signature was refused', body);
      const raw = Buffer.from(sig, 'base64');
      raw[sigBit >> 3]! ^= 1 << (sigBit & 7);
      check(!signatureValid(config, fakeReq(path, raw.toString('base64')), params), 'a signature with a flipped bit was accepted', body);
      const names = Object.keys(params).filter((k) => typeof params[k] === 'string' && params[k] !== '');
      if (names.length) {
        const name = names[which % names.length]!;
        const v = params[name] as string;
        const changed = String.fromCharCode(v.charCodeAt(0) ^ (1 << charBit)) + v.slice(1);
        const other = Object.assign(Object.create(null) as TwilioParams, params, { [name]: changed });
        // Signatures cover UTF-8 bytes: a change into a lone surrogate (written as U+FFFD) is no change on the wire.
        if (!Buffer.from(changed).equals(Buffer.from(v))) check(!signatureValid(config, fakeReq(path, sig), other), 'a changed parameter kept the signature valid', name);
      }
    }, { numRuns: 1_000 });
  });
});

describe('Twilio webhooks through the real app (postgres)', () => {
  let t: TestHub;
  let s: FuzzServer;
  const PATHS = [
    '/webhooks/twilio/sms', '/webhooks/twilio/sms/status', '/webhooks/twilio/sms/status?ch=phone', '/webhooks/twilio/sms/status?ch=%00',
    '/webhooks/twilio/voice', '/webhooks/twilio/voice/menu', '/webhooks/twilio/voice/menu?attempt=1', '/webhooks/twilio/voice/menu?attempt=99999999999999999999',
    '/webhooks/twilio/voice/speech', '/webhooks/twilio/voice/recorded?from=%2B84912345678&speech=C%E1%BB%91ng%20t%E1%BA%AFc',
    '/webhooks/twilio/voice/recorded', '/webhooks/twilio/voice/recording?speech=%00%ED%A0%80&from=x', '/webhooks/twilio/survey?t=' + TOKEN,
    `/webhooks/twilio/survey/answer?t=${TOKEN}`, `/webhooks/twilio/survey/reopen?t=${TOKEN}`, '/webhooks/twilio/survey/answer?t=short',
  ];
  const eventCount = async () => (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_events WHERE channel IN ('sms', 'phone')`))[0]!.n;
  const post = (path: string, body: string, headers: Record<string, string>) => s.send('POST', path, { body, headers });
  const signFor = (path: string, body: string) => {
    const params = Object.fromEntries(Object.entries(parseForm(body))) as Record<string, string>;
    return twilio.getExpectedTwilioSignature(AUTH_TOKEN, PUBLIC_BASE + path, params);
  };

  beforeAll(async () => {
    // Not started: the fuzz must not make the job fetch random media URLs; stored events are parsed below instead.
    t = await startTestHub('postgres', { TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_FROM_NUMBER: FROM_NUMBER }, { start: false });
    s = await serve(t.app);
  });
  afterAll(async () => {
    await s?.close();
    await t?.close();
  });

  test('unsigned or wrongly signed posts are refused (4xx) and store nothing', async () => {
    const before = await eventCount();
    const input = fc.record({
      path: fc.constantFrom(...PATHS), body: fc.oneof(formBody.map((b) => Buffer.from(b)), randomBytes),
      contentType: fc.oneof(fc.constant('application/x-www-form-urlencoded'), headerValue),
      signature: fc.option(fc.oneof(headerValue, fc.uint8Array({ minLength: 20, maxLength: 20 }).map((a) => Buffer.from(a).toString('base64'))), { nil: undefined }),
    });
    await fuzzAsync(tally, 'http: unsigned garbage', input, async ({ path, body, contentType, signature }) => {
      const res = await post(path, body.toString('latin1'), { 'content-type': contentType, ...(signature !== undefined ? { 'x-twilio-signature': signature } : {}) });
      expectNo5xx(res, `unsigned twilio ${path}`);
      expect([400, 403, 413, 415]).toContain(res.status);
    }, { numRuns: 300, budgetMs: 5_000 });
    expect(await eventCount()).toBe(before);
  });

  test('signed garbage on every Twilio path (mutated real posts, hostile fields, odd charsets) never gets a 5xx', async () => {
    const input = fc.record({ path: fc.constantFrom(...PATHS), body: formBody, contentType: fc.constantFrom(
      'application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=utf-8', 'application/x-www-form-urlencoded; charset=latin1',
      'application/x-www-form-urlencoded; charset=utf-16', 'application/x-www-form-urlencoded; charset=nope', 'application/json', 'text/plain') });
    await fuzzAsync(tally, 'http: signed garbage', input, async ({ path, body, contentType }) => {
      const res = await post(path, body, { 'content-type': contentType, 'x-twilio-signature': signFor(path, body) });
      expectNo5xx(res, `signed twilio ${path}`);
      if (res.status >= 400) expect([400, 403, 413, 415]).toContain(res.status);
    }, { numRuns: 500, budgetMs: 5_000 });
  });

  test('oversized signed forms get 413; digits and callbacks with hostile values get TwiML, not a 5xx', async () => {
    const input = fc.oneof(
      fc.record({ kind: fc.constant('huge' as const), n: fc.integer({ min: 65 * 1024, max: 600 * 1024 }) }),
      fc.record({ kind: fc.constant('fields' as const), path: fc.constantFrom(...PATHS), name: fc.constantFrom('Digits', 'SpeechResult', 'From', 'To', 'CallSid', 'RecordingUrl', 'RecordingStatus', 'NumMedia', 'MessageSid', 'MessageStatus'),
        value: hostileString.filter((v) => v.length < 20_000) }),
    );
    await fuzzAsync(tally, 'http: huge and hostile fields', input, async (c) => {
      if (c.kind === 'huge') {
        const body = `${new URLSearchParams({ ...SMS }).toString()}&Body=${'a'.repeat(c.n)}`;
        const res = await post('/webhooks/twilio/sms', body, { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signFor('/webhooks/twilio/sms', body) });
        expectNo5xx(res, 'huge twilio form');
        expect(res.status).toBe(413);
        return;
      }
      const body = `${new URLSearchParams({ ...CALL, ...SMS }).toString()}&${c.name}=${pct(c.value)}`;
      const res = await post(c.path, body, { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signFor(c.path, body) });
      expectNo5xx(res, `twilio ${c.path} with ${c.name}`);
    }, { numRuns: 250, budgetMs: 5_000 });
  });

  test('afterwards: the hub answers, takes a real SMS, and every stored event parses', async () => {
    expect((await s.send('GET', '/healthz')).status).toBe(200);
    const sid = `SM${crypto.randomBytes(16).toString('hex')}`;
    const body = new URLSearchParams({ ...SMS, MessageSid: sid, SmsSid: sid }).toString();
    const ok = await post('/webhooks/twilio/sms', body, { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signFor('/webhooks/twilio/sms', body) });
    expect(ok.status).toBe(200);
    expect((await t.db.query(`SELECT 1 FROM webhook_events WHERE channel = 'sms' AND event_key = $1`, [sid])).length).toBe(1);
    const rows = await t.db.query<{ id: number; channel: 'sms' | 'phone'; event_key: string; payload: unknown; received_at: Date }>(
      `SELECT id, channel, event_key, payload, received_at FROM webhook_events WHERE channel IN ('sms', 'phone')`);
    expect(rows.length).toBeGreaterThan(3);
    for (const r of rows) {
      checkParsers(r.payload);
      tally.hit('stored events re-parsed');
    }
  });
});
