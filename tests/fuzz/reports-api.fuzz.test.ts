import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { readDeviceId } from '../../src/channels/app/device';
import { parse } from '../../src/http/errors';
import { citizenContact } from '../../src/http/report-input';
import { reportSchema } from '../../src/http/schemas';
import { HubError } from '../../src/shared/errors';
import { startTestHub, type TestHub } from '../helpers/hub';
import {
  anyValue, check, expectNo5xx, fuzz, fuzzAsync, headerValue, hostileJson, hostileString, mutated, pct, serve, Tally, throwsOnly,
  type FuzzServer,
} from './support';

// A fuzz failure is a finding: it must not pass on a retry with another seed.
jest.retryTimes(0);
// Thousands of cases per test: on a loaded machine that can pass jest's default 30 s.
jest.setTimeout(120_000);

const tally = new Tally('reports-api');
afterAll(() => tally.write());

// Report bodies as the portal and the app send them (tests/reports.test.ts, tests/attachments.test.ts).
const REPORTS: Record<string, unknown>[] = [
  { channel: 'web', text: 'Ổ gà lớn trước số 10 đường Lê Lợi, xe máy dễ ngã' },
  { channel: 'web', text: 'Đèn đường hỏng cả tuần nay ở ngõ 5', category: 'dien-chieu-sang', location: { lat: 20.6464, lng: 106.0511, address: 'Ngõ 5 Lê Lợi' },
    contact: { name: 'Nguyễn Thị Lan', phone: '0912 345 678', email: 'Lan@Example.vn', shareWithAgency: true }, clientRef: 'web-1', publish: false },
  { channel: 'app', text: 'Rác thải ứ đọng đầu ngõ 12 đã ba ngày', address: '12 Nguyễn Văn Linh', clientRef: 'app-1', contact: { phone: '+84912345678' } },
];
const chars = (x: string) => Array.from(x).length;

function checkReport(v: unknown): void {
  const r = reportSchema.safeParse(v);
  const viaParse = throwsOnly(() => parse(reportSchema, v), HubError);
  check(viaParse.threw === !r.success, 'parse and safeParse disagree');
  if (!r.success) return;
  const d = r.data;
  check(d.channel === 'web' || d.channel === 'app', 'channel');
  check(d.text === d.text.trim() && chars(d.text) >= 5 && chars(d.text) <= 5000, 'text', d.text.length);
  if (d.location) check(Number.isFinite(d.location.lat) && Number.isFinite(d.location.lng) && Math.abs(d.location.lat) <= 90 && Math.abs(d.location.lng) <= 180, 'location');
  if (d.clientRef !== undefined) check(chars(d.clientRef) >= 1 && chars(d.clientRef) <= 100, 'clientRef');
  // The contact as intake stores it: a clear 400 for a bad phone, never another error.
  const c = throwsOnly(() => citizenContact(d.contact), HubError);
  if (!c.threw) {
    const contact = citizenContact(d.contact);
    check(contact.phone == null || /^\+\d{8,15}$/.test(contact.phone), 'phone', contact.phone);
    check(contact.email == null || contact.email === contact.email.toLowerCase().trim(), 'email', contact.email);
  }
}

describe('report API parser layer (pure)', () => {
  test('reportSchema, parse() and citizenContact on anything: a result or a HubError, nothing else', () => {
    fuzz(tally, 'pure: random bodies', anyValue, checkReport, { numRuns: 1_500 });
  });

  test('reportSchema on mutated real reports', () => {
    fuzz(tally, 'pure: mutated reports', mutated(REPORTS), checkReport, { numRuns: 2_500 });
  });

  test('X-Device-Id: a valid id, null, or the declared 400', () => {
    const header = fc.oneof(fc.constant(undefined), hostileString, fc.array(hostileString, { maxLength: 3 }), fc.stringMatching(/^[A-Za-z0-9._-]{0,140}$/));
    fuzz(tally, 'pure: device ids', fc.tuple(header, fc.constantFrom('web', 'app') as fc.Arbitrary<'web' | 'app'>), ([h, channel]) => {
      const r = throwsOnly(() => readDeviceId(h, channel), HubError);
      if (!r.threw) {
        const id = readDeviceId(h, channel);
        check(id === null || /^[A-Za-z0-9._-]{8,128}$/.test(id), 'device id', id);
        check(channel === 'app' || id === null, 'the web channel has no device id');
      }
    }, { numRuns: 1_500 });
  });
});

describe('POST /api/v1/reports through the real app (postgres)', () => {
  let t: TestHub;
  let s: FuzzServer;
  const post = (body: Buffer | string, headers: Record<string, string>) => s.send('POST', '/api/v1/reports', { body, headers });

  beforeAll(async () => {
    t = await startTestHub('postgres', {}, { start: false });
    s = await serve(t.app);
  });
  afterAll(async () => {
    await s?.close();
    await t?.close();
  });

  const ALLOWED = [200, 201, 400, 413, 415];

  test('random and mutated JSON bodies, any content type, any X-Device-Id: never a 5xx', async () => {
    const body = fc.oneof(mutated(REPORTS), hostileJson).map((v) => { try { return JSON.stringify(v) ?? 'null'; } catch { return '{}'; } });
    const input = fc.record({
      body, type: fc.oneof(fc.constant('application/json'), fc.constant('application/json; charset=utf-8'), headerValue),
      device: fc.option(fc.oneof(headerValue, fc.stringMatching(/^[A-Za-z0-9._-]{8,20}$/)), { nil: undefined }),
    });
    await fuzzAsync(tally, 'http: JSON bodies', input, async ({ body: b, type, device }) => {
      const res = await post(b, { 'content-type': type, ...(device !== undefined ? { 'x-device-id': device } : {}) });
      expectNo5xx(res, 'POST /api/v1/reports');
      check(ALLOWED.includes(res.status), 'status', res.status);
      if (res.status >= 400) check(typeof JSON.parse(res.body.toString()).error?.code === 'string', 'error body', res.body.toString().slice(0, 200));
    }, {
      numRuns: 500, budgetMs: 5_000,
      // Found here: a NUL in the text reached PostgreSQL (22021) and came back as a 500.
      examples: [{ body: JSON.stringify({ channel: 'web', text: 'Ổ gà lớn \u0000 trên đường' }), type: 'application/json', device: undefined },
        { body: JSON.stringify({ channel: 'app', text: 'Ổ gà lớn trên đường', contact: { name: 'A\u0000' } }), type: 'application/json', device: 'device-1234' }],
    });
  });

  test('broken JSON, compression bombs, odd encodings and oversized bodies: 4xx, quickly', async () => {
    const valid = JSON.stringify(REPORTS[1]);
    const zeros = (n: number) => `{"channel":"web","text":"${' '.repeat(n)}x"}`;
    // Compressing 64 MB takes a while: each bomb is built once.
    const bombs = new Map<string, Buffer>();
    const bomb = (enc: string, mb: number) => {
      const key = `${enc}:${mb}`;
      if (!bombs.has(key)) {
        const raw = Buffer.from(zeros(mb * 1024 * 1024));
        bombs.set(key, enc === 'gzip' ? gzipSync(raw) : enc === 'deflate' ? deflateSync(raw) : brotliCompressSync(raw));
      }
      return bombs.get(key)!;
    };
    const input = fc.oneof(
      fc.record({ kind: fc.constant('truncated' as const), cut: fc.nat({ max: valid.length - 1 }) }),
      fc.record({ kind: fc.constant('bomb' as const), enc: fc.constantFrom('gzip', 'deflate', 'br'), mb: fc.constantFrom(2, 16, 64) }),
      fc.record({ kind: fc.constant('encoding' as const), enc: fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'compress', 'x-gzip', 'gzip, gzip', 'GZIP', '*'), garbage: fc.boolean() }),
      fc.record({ kind: fc.constant('huge' as const), kb: fc.integer({ min: 1025, max: 4_000 }) }),
      fc.record({ kind: fc.constant('charset' as const), charset: fc.constantFrom('utf-16', 'utf-16le', 'latin1', 'koi8-r', 'nope', 'utf-8"', '') }),
    );
    await fuzzAsync(tally, 'http: broken, bombs, encodings, huge', input, async (c) => {
      let res;
      if (c.kind === 'truncated') res = await post(valid.slice(0, c.cut), { 'content-type': 'application/json' });
      else if (c.kind === 'bomb') {
        // A few kB on the wire, megabytes once inflated: the JSON parser's 1 MB limit holds on the inflated size.
        res = await post(bomb(c.enc, c.mb), { 'content-type': 'application/json', 'content-encoding': c.enc });
        check(res.status === 413 || res.status === 415, 'bomb status', res.status);
      } else if (c.kind === 'encoding') {
        const raw = Buffer.from(valid);
        const b = c.garbage ? Buffer.from('not compressed at all') : c.enc.startsWith('gzip') || c.enc === 'x-gzip' || c.enc === 'GZIP' ? gzipSync(raw) : c.enc === 'deflate' ? deflateSync(raw) : c.enc === 'br' ? brotliCompressSync(raw) : raw;
        res = await post(b, { 'content-type': 'application/json', 'content-encoding': c.enc });
      } else if (c.kind === 'huge') {
        res = await post(zeros(c.kb * 1024), { 'content-type': 'application/json' });
        check(res.status === 413, 'huge status', res.status);
      } else {
        res = await post(Buffer.from(valid), { 'content-type': `application/json; charset=${c.charset}` });
      }
      expectNo5xx(res, `POST /api/v1/reports (${c.kind})`);
      check(ALLOWED.includes(res.status), 'status', res.status);
    }, {
      numRuns: 200, budgetMs: 5_000,
      // Found here: a body that does not inflate under its Content-Encoding was a 500.
      examples: [{ kind: 'encoding', enc: 'gzip', garbage: true }, { kind: 'encoding', enc: 'deflate', garbage: true }],
    });
  });

  test('paths with broken %-escapes: 4xx, never a 5xx', async () => {
    // Anything, then one escape decodeURIComponent refuses (bad syntax, or bytes that are not UTF-8).
    const escape = fc.tuple(hostileString.filter((x) => x.length < 200).map(pct), fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0', '%ED%A0%80', '%FF%FE', '%u0041', '%%', '%0'))
      .map(([ok, bad]) => ok + bad);
    const route = fc.constantFrom('/api/v1/reports/', '/api/v1/attachments/', '/track/', '/open311/v2/requests/', '/open311/v2/services/', '/open311/v2/tokens/', '/api/v1/tickets/');
    await fuzzAsync(tally, 'http: broken path escapes', fc.tuple(route, escape, fc.constantFrom('', '.json', '.xml', '?token=x')), async ([r, e, tail]) => {
      const res = await s.send('GET', `${r}${e || 'x'}${tail}`);
      expectNo5xx(res, `GET ${r}${e}${tail}`);
      check(res.status >= 400 && res.status < 500, 'status', res.status);
    }, {
      numRuns: 300, budgetMs: 5_000,
      // Found here: Express's URIError for a bad escape in a path parameter fell through to a 500.
      examples: [['/api/v1/reports/', '%zz', ''], ['/open311/v2/services/', '%zz', '.json'], ['/track/', '%E0%A4%A', '']],
    });
  });

  test('GET /api/v1/reports/:code with random codes and tokens: 404 or 400, never a 5xx', async () => {
    await fuzzAsync(tally, 'http: tracking lookups', fc.tuple(hostileString.filter((x) => x.length < 500), hostileString.filter((x) => x.length < 500)), async ([code, token]) => {
      const res = await s.send('GET', `/api/v1/reports/${pct(code) || 'x'}?token=${pct(token)}`);
      expectNo5xx(res, 'GET /api/v1/reports/:code');
      check(res.status === 404 || res.status === 400, 'status', res.status);
    }, { numRuns: 300, budgetMs: 5_000, examples: [['\u0000', 'abc'], ['PA-2501-ABCDE', '\u0000']] });
  });

  test('afterwards: the hub answers, takes a real report and tracks it', async () => {
    expect((await s.send('GET', '/healthz')).status).toBe(200);
    const res = await post(JSON.stringify({ ...REPORTS[0], clientRef: `after-${Date.now()}` }), { 'content-type': 'application/json' });
    expect(res.status).toBe(201);
    const { code, trackingToken } = JSON.parse(res.body.toString()) as { code: string; trackingToken: string };
    const view = await s.send('GET', `/api/v1/reports/${code}?token=${trackingToken}`);
    expect([view.status, JSON.parse(view.body.toString()).code]).toEqual([200, code]);
  });
});
