import fc from 'fast-check';
import { dateWindow, jurisdictionMatches, maskPersonalData, parseW3cDate, splitMediaUrl, w3cDate, withMediaUrl } from '../../src/open311/mapping';
import { postSchema } from '../../src/open311/routes';
import { xmlList, type XmlRecord } from '../../src/open311/xml';
import { startTestHub, type TestHub } from '../helpers/hub';
import {
  anyValue, check, expectNo5xx, formEncode, fuzz, fuzzAsync, headerValue, hostileJson, hostileScalar, hostileString, mutated, pct, queryString, serve, Tally,
  type FuzzServer,
} from './support';

// A fuzz failure is a finding: it must not pass on a retry with another seed.
jest.retryTimes(0);
// Thousands of cases per test: on a loaded machine that can pass jest's default 30 s.
jest.setTimeout(120_000);

const tally = new Tally('open311');
afterAll(() => tally.write());

const KEY = 'o311-key-one';
const BASE = '/open311/v2';

// Form posts as GeoReport v2 clients send them (tests/open311.test.ts).
const FORMS: Record<string, string>[] = [
  { api_key: KEY, service_code: 'giao-thong', lat: '20.6464123', long: '106.0511987', description: 'Ổ gà lớn giữa đường Nguyễn Văn Linh gần ngã tư, xe máy dễ ngã' },
  { api_key: KEY, service_code: 'moi-truong', address_string: '12 Nguyễn Văn Linh', email: 'Citizen@Example.vn', first_name: 'Lan', last_name: 'Nguyễn Thị',
    phone: '0912 345 678', description: 'Rác thải ứ đọng đầu ngõ 12 đã ba ngày', media_url: 'https://example.org/a.jpg', device_id: 'dev-1', client_request_id: 'req-1' },
  { api_key: KEY, jurisdiction_id: 'hungyen.gov.vn', service_code: 'cay-xanh', address_id: '12345', description: 'Cây đổ chắn ngang đường', account_id: 'x' },
];

/** The schema's result is what the route relies on: trimmed, bounded, finite. */
function checkParsed(v: unknown): void {
  const r = postSchema.safeParse(v);
  if (!r.success) {
    check(r.error.issues.length > 0, 'a refusal without issues');
    return;
  }
  const d = r.data;
  // zod 4 counts code points for max(): an emoji is one character, as a citizen sees it.
  const chars = (x: string) => Array.from(x).length;
  check(chars(d.service_code) >= 1 && chars(d.service_code) <= 50 && d.service_code === d.service_code.trim(), 'service_code', d.service_code);
  check(d.description.length >= 5 && chars(d.description) <= 4000, 'description length', d.description.length);
  for (const [k, lim] of [['lat', 90], ['long', 180]] as const) {
    const n = d[k];
    check(n === undefined || (Number.isFinite(n) && Math.abs(n) <= lim), k, n);
  }
  check(d.media_url === undefined || /^https?:\/\//i.test(d.media_url), 'media_url', d.media_url);
}

describe('Open311 parser layer (pure)', () => {
  test('postSchema takes anything: a refusal with issues, or trimmed, bounded, finite fields', () => {
    fuzz(tally, 'pure: postSchema random', anyValue, checkParsed, { numRuns: 1_500 });
  });

  test('postSchema on mutated real form posts', () => {
    fuzz(tally, 'pure: postSchema mutated', mutated(FORMS), checkParsed, { numRuns: 2_000 });
  });

  test('parseW3cDate: any string is a valid date or null; w3cDate of a date reads back as itself', () => {
    const dateLike = fc.oneof(hostileString, fc.stringMatching(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,12})?)?(Z|[+-]\d{2}:\d{2})?)?$/));
    fuzz(tally, 'pure: W3C dates', fc.tuple(dateLike, fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true })), ([s, d]) => {
      const p = parseW3cDate(s);
      check(p === null || !Number.isNaN(p.getTime()), 'invalid date', s);
      const whole = new Date(Math.floor(d.getTime() / 1000) * 1000);
      check(parseW3cDate(w3cDate(d))?.getTime() === whole.getTime(), 'round trip', w3cDate(d));
    }, { numRuns: 2_000 });
  });

  test('dateWindow and jurisdictionMatches never throw; a window is ordered and at most 90 days', () => {
    // The dates parseW3cDate can produce: four-digit years.
    const maybeDate = fc.option(fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), { nil: null });
    fuzz(tally, 'pure: windows and jurisdictions', fc.tuple(maybeDate, maybeDate, hostileString, fc.oneof(hostileString, fc.webUrl())), ([a, b, j, base]) => {
      const w = dateWindow(a, b, new Date());
      if (w.ok) check(w.window.from.getTime() <= w.window.to.getTime() && w.window.to.getTime() - w.window.from.getTime() <= 90 * 86_400_000, 'window', JSON.stringify(w));
      else check(w.reason === 'order' || w.reason === 'span', 'reason');
      check(typeof jurisdictionMatches(j, base) === 'boolean', 'jurisdictionMatches');
      check(jurisdictionMatches(undefined, base), 'no jurisdiction_id must match');
    }, { numRuns: 1_500 });
  });

  test('media_url survives withMediaUrl/splitMediaUrl for any description', () => {
    fuzz(tally, 'pure: media_url round trip', fc.tuple(hostileString, fc.webUrl({ withQueryParameters: true, withFragments: true })), ([text, url]) => {
      check(JSON.stringify(splitMediaUrl('open311', withMediaUrl(text, url))) === JSON.stringify({ text, mediaUrl: url }), 'round trip', url);
      check(splitMediaUrl('web', withMediaUrl(text, url)).mediaUrl === null, 'another channel has no media_url');
    }, { numRuns: 1_500 });
  });

  test('maskPersonalData (published text) is fast and total on hostile text up to the 10,000-character limit', () => {
    const text = fc.oneof(hostileString.filter((s) => s.length <= 10_000),
      fc.tuple(fc.constantFrom('a', '1', '0', '.', '@', 'a@', '1.', '0 ', 'số ', 'Nguyễn ', '+84 ', 'x-'), fc.integer({ min: 100, max: 5_000 })).map(([u, n]) => u.repeat(n).slice(0, 10_000)));
    fuzz(tally, 'pure: maskPersonalData', fc.tuple(text, fc.option(hostileString.filter((s) => s.length <= 200), { nil: null })), ([t, name]) => {
      const out = maskPersonalData(t, { name, phone: '+84912345678', email: 'a@b.vn' });
      check(typeof out === 'string' && !out.includes('0912345678'), 'mask', out.slice(0, 100));
    }, { numRuns: 1_000 });
  });

  test('XML documents: hostile values never break well-formedness', () => {
    fuzz(tally, 'pure: XML', fc.array(fc.dictionary(fc.constantFrom('service_code', 'description', 'address', 'status_notes', 'lat', 'attributes'),
      fc.oneof(hostileScalar, fc.array(fc.dictionary(fc.constantFrom('key', 'name'), hostileScalar, { maxKeys: 2 }), { maxLength: 3 }))), { maxLength: 4 }), (records) => {
      const xml = xmlList('service_requests', 'request', records as XmlRecord[]);
      // eslint-disable-next-line no-control-regex
      check(!/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(xml), 'invalid XML character');
      check(!/&(?!(amp|lt|gt|quot|apos);)/.test(xml), 'bare &');
      const text = xml.replace(/<\/?[A-Za-z_][\w.-]*\/?>|<\?xml[^>]*\?>/g, '');
      check(!/[<>]/.test(text), 'markup in text');
    }, { numRuns: 1_000 });
  });
});

describe('Open311 through the real app (postgres)', () => {
  let t: TestHub;
  let s: FuzzServer;

  beforeAll(async () => {
    t = await startTestHub('postgres', { OPEN311_API_KEYS: KEY, PUBLIC_BASE_URL: 'http://1022.hungyen.gov.vn' }, { start: false });
    s = await serve(t.app);
  });
  afterAll(async () => {
    await s?.close();
    await t?.close();
  });

  /** Open311 errors are the spec's array of {code, description}, with the HTTP status as code. */
  function checkAnswer(res: { status: number; headers: Record<string, unknown>; body: Buffer }, what: string): void {
    expectNo5xx(res as Parameters<typeof expectNo5xx>[0], what);
    const type = String(res.headers['content-type'] ?? '');
    if (res.status >= 400 && /^application\/json/.test(type)) {
      const body = JSON.parse(res.body.toString()) as { code: number }[];
      check(Array.isArray(body) && body[0]?.code === res.status, 'error array', res.body.toString().slice(0, 200));
    }
  }

  test('POST requests: random and mutated forms, JSON bodies and odd content types never get a 5xx', async () => {
    const form = fc.oneof(
      mutated(FORMS).map(formEncode),
      queryString(['api_key', 'service_code', 'lat', 'long', 'description', 'address_string', 'address_id', 'email', 'media_url', 'jurisdiction_id', 'client_request_id'])
        .map((q) => `api_key=${KEY}&service_code=giao-thong&${q}`),
    );
    const ids = fc.tuple(hostileString, hostileString).map(([device_id, client_request_id]) => ({ ...FORMS[1], device_id, client_request_id }));
    const json = fc.oneof(mutated(FORMS), hostileJson, ids).map((v) => { try { return JSON.stringify(v) ?? 'null'; } catch { return '{}'; } });
    const input = fc.oneof(
      fc.record({ kind: fc.constant('form' as const), body: form, ext: fc.constantFrom('json', 'xml'), type: fc.constantFrom('application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=utf-8', 'application/x-www-form-urlencoded; charset=koi8-r') }),
      fc.record({ kind: fc.constant('json' as const), body: json, ext: fc.constantFrom('json', 'xml'), type: fc.constant('application/json') }),
      fc.record({ kind: fc.constant('odd' as const), body: fc.oneof(form, json), ext: fc.constantFrom('json', 'xml', 'JSON', 'txt'), type: headerValue }),
    );
    await fuzzAsync(tally, 'http: POST requests', input, async ({ body, ext, type }) => {
      const res = await s.send('POST', `${BASE}/requests.${ext}`, { body, headers: { 'content-type': type } });
      checkAnswer(res, `POST requests.${ext}`);
    }, {
      numRuns: 500, budgetMs: 5_000,
      // Found here: a NUL in a field (address_id, description…) reached PostgreSQL and came back as a 500.
      examples: [
        { kind: 'form', ext: 'json', type: 'application/x-www-form-urlencoded', body: `api_key=${KEY}&service_code=cay-xanh&address_id=%0012345&description=C%C3%A2y%20%C4%91%E1%BB%95%20ch%E1%BA%AFn%20%C4%91%C6%B0%E1%BB%9Dng` },
        { kind: 'json', ext: 'xml', type: 'application/json', body: JSON.stringify({ ...FORMS[0], description: 'Ổ gà\u0000 lớn trên đường' }) },
        // Found here: a lone surrogate in client_request_id or device_id made encodeURIComponent throw (500).
        { kind: 'json', ext: 'json', type: 'application/json', body: JSON.stringify({ ...FORMS[1], client_request_id: '\ud800' }) },
        { kind: 'json', ext: 'json', type: 'application/json', body: JSON.stringify({ ...FORMS[1], device_id: '\udc00', client_request_id: 'x' }) },
      ],
    });
  });

  test('GET resources with random queries and ids never get a 5xx', async () => {
    const names = ['jurisdiction_id', 'service_request_id', 'service_code', 'status', 'start_date', 'end_date', 'page', 'page_size', 'api_key'];
    const path = fc.oneof(
      fc.constantFrom('services.json', 'services.xml', 'requests.json', 'requests.xml', 'servicerequestupdates.json', 'servicerequestupdates.xml'),
      fc.tuple(fc.constantFrom('services', 'requests', 'tokens'), hostileString.filter((x) => x.length < 300), fc.constantFrom('.json', '.xml', '', '.JSON', '.json.xml'))
        .map(([r, id, ext]) => `${r}/${pct(id)}${ext}`),
    );
    await fuzzAsync(tally, 'http: GET resources', fc.tuple(path, queryString(names)), async ([p, q]) => {
      const res = await s.send('GET', `${BASE}/${p}?${q}`);
      checkAnswer(res, `GET ${p}`);
    }, { numRuns: 500, budgetMs: 5_000, examples: [['requests/%00.json', ''], ['requests.json', 'service_code=%00'], ['requests.xml', 'service_request_id=PA%00']] });
  });

  test('afterwards: the hub answers and takes a real request', async () => {
    expect((await s.send('GET', '/healthz')).status).toBe(200);
    const body = new URLSearchParams({ ...FORMS[0], client_request_id: `after-${Date.now()}` }).toString();
    const res = await s.send('POST', `${BASE}/requests.json`, { body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body.toString())[0].service_request_id).toMatch(/^PA-\d{4}-[0-9A-Z]{5}$/);
  });
});
