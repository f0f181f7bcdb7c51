import supertest from 'supertest';
import fs from 'node:fs';
import path from 'node:path';
import { importProvince } from '../src/admin-units/import';
import { createApp } from '../src/http/app';
import { ENGINES } from './helpers/db';
import { loginAs, seedPeople, startTestHub, submitReport, type TestHub } from './helpers/hub';

/**
 * Open311 GeoReport v2 from the outside: what a client posts and reads, in JSON and XML, with the
 * database checked where the answer alone could lie. No personal data may leave through any GET.
 */
const KEY = 'o311-key-one';
const KEY2 = 'o311-key-two';
const BASE = '/open311/v2';
const CATEGORIES = (JSON.parse(fs.readFileSync(path.resolve(__dirname, '../data/categories.json'), 'utf8')) as { categories: { code: string; vi: string }[] }).categories;
const CODE = /^PA-\d{4}-[0-9A-Z]{5}$/;
const ISO_Z = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

// ---- a strict little XML reader: enough to prove the documents are well-formed and shaped right ----
type XNode = { name: string; children: XNode[]; text: string };
function parseXml(src: string): XNode {
  const decl = /^<\?xml version="1\.0" encoding="utf-8"\?>\s*/.exec(src);
  if (!decl) throw new Error('no XML declaration with encoding utf-8');
  let i = decl[0].length;
  const entities: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
  const node = (): XNode => {
    const open = /^<([A-Za-z_][\w.-]*)\s*(\/?)>/.exec(src.slice(i));
    if (!open) throw new Error(`expected an element at ${i}: ${src.slice(i, i + 30)}`);
    i += open[0].length;
    const n: XNode = { name: open[1]!, children: [], text: '' };
    if (open[2]) return n;
    for (;;) {
      const rest = src.slice(i);
      if (rest.startsWith('</')) {
        const close = /^<\/([A-Za-z_][\w.-]*)>/.exec(rest);
        if (!close || close[1] !== n.name) throw new Error(`</${n.name}> expected at ${i}`);
        i += close[0].length;
        return n;
      }
      if (rest.startsWith('<')) { n.children.push(node()); continue; }
      const t = /^[^<]+/.exec(rest);
      if (!t) throw new Error(`unclosed <${n.name}>`);
      if (/&(?!(lt|gt|amp|quot|apos);)/.test(t[0])) throw new Error(`bare & in <${n.name}>`);
      n.text += t[0].replace(/&(lt|gt|amp|quot|apos);/g, (_m, e: string) => entities[e]!);
      i += t[0].length;
    }
  };
  const root = node();
  if (src.slice(i).trim()) throw new Error('content after the root element');
  return root;
}
/** `<root><item><a>1</a>…</item>…</root>` → [{a: '1', …}]; leaf elements only. */
const records = (root: XNode) => root.children.map((c) => Object.fromEntries(c.children.map((f) => [f.name, f.text])));

describe.each(ENGINES)('Open311 GeoReport v2 on %s', (engine) => {
  let t: TestHub;
  let communeCode: string;
  let communeName: string;
  let people: Awaited<ReturnType<typeof seedPeople>>;
  const api = () => supertest(t.app);
  const postForm = (fields: Record<string, string>, ext = 'json') => api().post(`${BASE}/requests.${ext}`).type('form').send(fields);
  const good = (over: Record<string, string> = {}) => ({
    api_key: KEY, service_code: 'giao-thong', lat: '20.6464123', long: '106.0511987',
    description: 'Ổ gà lớn giữa đường Nguyễn Văn Linh gần ngã tư, xe máy dễ ngã', ...over,
  });
  const ticketCount = async () => (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM tickets WHERE channel = 'open311'`))[0]!.n;
  const expectErrors = (res: supertest.Response, status: number) => {
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(Array.isArray(res.body)).toBe(true);
    expect(res.body[0]).toEqual({ code: status, description: expect.any(String) });
    return res.body[0].description as string;
  };

  beforeAll(async () => {
    // Nothing runs in the background: triage would move statuses under the tests' feet.
    t = await startTestHub(engine, { OPEN311_API_KEYS: `${KEY}, ${KEY2}`, PUBLIC_BASE_URL: 'http://1022.hungyen.gov.vn' }, { start: false });
    await importProvince(t.db, '33');
    people = await seedPeople(t.db);
    const c = (await t.db.query<{ code: string; full_name: string }>(
      `SELECT code, full_name FROM admin_units WHERE structure = '2025' AND level = 'commune' AND parent_code = '33' ORDER BY code LIMIT 1`))[0]!;
    communeCode = c.code;
    communeName = c.full_name;
  });
  afterAll(async () => { await t?.close(); });

  test('services.json: one realtime service per category, Vietnamese names', async () => {
    const res = await api().get(`${BASE}/services.json`);
    expect(res.status).toBe(200);
    expect(res.body.map((s: { service_code: string }) => s.service_code)).toEqual(CATEGORIES.map((c) => c.code));
    for (const s of res.body) {
      const c = CATEGORIES.find((x) => x.code === s.service_code)!;
      expect(s).toEqual({ service_code: c.code, service_name: c.vi, description: expect.stringContaining(c.vi), metadata: false,
        type: 'realtime', keywords: expect.stringContaining(c.vi), group: expect.any(String) });
    }
  });

  test('services.xml parses, same services', async () => {
    const res = await api().get(`${BASE}/services.xml`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/xml; charset=utf-8');
    const root = parseXml(res.text);
    expect(root.name).toBe('services');
    const list = records(root);
    expect(list.map((s) => s.service_code)).toEqual(CATEGORIES.map((c) => c.code));
    expect(list[0]).toMatchObject({ service_name: CATEGORIES[0]!.vi, metadata: 'false', type: 'realtime' });
  });

  test('service definition: an empty attribute list; an unknown code is a 404 error array', async () => {
    const json = await api().get(`${BASE}/services/moi-truong.json`);
    expect(json.status).toBe(200);
    expect(json.body).toEqual({ service_code: 'moi-truong', attributes: [] });
    const xml = parseXml((await api().get(`${BASE}/services/moi-truong.xml`)).text);
    expect(xml.name).toBe('service_definition');
    expect(xml.children.map((c) => c.name)).toEqual(['service_code', 'attributes']);
    expect(expectErrors(await api().get(`${BASE}/services/no-such-service.json`), 404)).toContain('no-such-service');
  });

  test('POST (form) creates a ticket; it reads back by id, in JSON and XML', async () => {
    const before = await ticketCount();
    const res = await postForm(good({ email: 'Citizen@Example.vn', first_name: 'Lan', last_name: 'Nguyễn Thị', phone: '0912 345 678', address_string: '12 Nguyễn Văn Linh' }));
    expect(res.status).toBe(201);
    expect(res.body).toEqual([{ service_request_id: expect.stringMatching(CODE), service_notice: expect.any(String), account_id: null }]);
    const id = res.body[0].service_request_id as string;
    expect(res.body[0].service_notice).toContain(id);
    expect(await ticketCount()).toBe(before + 1);
    // Staff still see who reported, as intake stores it.
    const [row] = await t.db.query<{ channel: string; category_code: string; location_lat: number; address: string; display_name: string; phone: string; email: string }>(
      `SELECT t.channel, t.category_code, t.location_lat, t.address, c.display_name, c.phone, c.email
       FROM tickets t JOIN citizens c ON c.id = t.citizen_id WHERE t.code = $1`, [id]);
    expect(row).toEqual({ channel: 'open311', category_code: 'giao-thong', location_lat: 20.6464123, address: '12 Nguyễn Văn Linh',
      display_name: 'Nguyễn Thị Lan', phone: '+84912345678', email: 'citizen@example.vn' });

    const one = await api().get(`${BASE}/requests/${id}.json`);
    expect(one.status).toBe(200);
    expect(one.body).toHaveLength(1);
    expect(one.body[0]).toEqual({
      service_request_id: id, status: 'open', status_notes: expect.any(String), service_name: 'Giao thông', service_code: 'giao-thong',
      description: good().description, agency_responsible: null, service_notice: null,
      requested_datetime: expect.stringMatching(ISO_Z), updated_datetime: expect.stringMatching(ISO_Z), expected_datetime: null,
      address: null, address_id: null, zipcode: null, lat: 20.646, long: 106.051, media_url: null,
    });
    // Codes are case-insensitive in the path.
    expect((await api().get(`${BASE}/requests/${id.toLowerCase()}.json`)).body[0].service_request_id).toBe(id);

    const xml = await api().get(`${BASE}/requests/${id}.xml`);
    expect(xml.headers['content-type']).toBe('text/xml; charset=utf-8');
    const root = parseXml(xml.text);
    expect(root.name).toBe('service_requests');
    expect(records(root)).toEqual([expect.objectContaining({ service_request_id: id, status: 'open', service_code: 'giao-thong', lat: '20.646', address: '' })]);
    // Once automatic triage has started its clocks, the resolution deadline is the expected time
    // (this suite's hub runs no workers: the triage step is run here).
    await t.hub.triage.understand(id);
    const [due] = await t.db.query<{ d: Date | null }>('SELECT sla_resolution_due_at AS d FROM tickets WHERE code = $1', [id]);
    expect(due!.d).toBeInstanceOf(Date);
    const later = await api().get(`${BASE}/requests/${id}.json`);
    expect(Math.floor(Date.parse(later.body[0].expected_datetime) / 1000)).toBe(Math.floor(due!.d!.getTime() / 1000));
  });

  test('POST as JSON with address_id (a commune code): the address is the commune, never the street', async () => {
    const res = await api().post(`${BASE}/requests.json`).send({ api_key: KEY, service_code: 'moi-truong', address_id: communeCode,
      address_string: 'Ngõ 45 Lê Lợi', description: 'Rác ở đầu ngõ ba ngày chưa ai thu gom, bốc mùi' });
    expect(res.status).toBe(201);
    const id = res.body[0].service_request_id as string;
    const got = (await api().get(`${BASE}/requests/${id}.json`)).body[0];
    expect(got.address).toBe(`${communeName}, Tỉnh Hưng Yên`);
    expect(got.address_id).toBe(communeCode);
    expect([got.lat, got.long]).toEqual([null, null]);
    expect(JSON.stringify(got)).not.toContain('Lê Lợi');
    const [row] = await t.db.query<{ commune_code: string; province_code: string }>('SELECT commune_code, province_code FROM tickets WHERE code = $1', [id]);
    expect(row).toEqual({ commune_code: communeCode, province_code: '33' });
  });

  test('POST XML answer; media_url is kept as text and comes back as media_url', async () => {
    const res = await postForm(good({ service_code: 'cay-xanh', media_url: 'https://img.example.vn/cay-do.jpg', description: 'Cây đổ chắn ngang đường, chưa ai dọn' }), 'xml');
    expect(res.status).toBe(201);
    const [rec] = records(parseXml(res.text));
    expect(rec).toEqual({ service_request_id: expect.stringMatching(CODE), service_notice: expect.any(String), account_id: '' });
    const [row] = await t.db.query<{ description: string }>('SELECT description FROM tickets WHERE code = $1', [rec!.service_request_id]);
    expect(row!.description).toContain('https://img.example.vn/cay-do.jpg');
    const got = (await api().get(`${BASE}/requests/${rec!.service_request_id}.json`)).body[0];
    expect(got.media_url).toBe('https://img.example.vn/cay-do.jpg');
    expect(got.description).toBe('Cây đổ chắn ngang đường, chưa ai dọn');
    // Nothing was fetched: no attachment row.
    const n = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM attachments a JOIN tickets t ON t.id = a.ticket_id WHERE t.code = $1`, [rec!.service_request_id]);
    expect(n[0]!.n).toBe(0);
  });

  test('api_key: missing or wrong → 403 error array (JSON and XML), nothing stored', async () => {
    const before = await ticketCount();
    const { api_key: _omit, ...noKey } = good();
    expect(expectErrors(await postForm(noKey), 403)).toContain('api_key');
    expect(expectErrors(await postForm(good({ api_key: 'not-a-key' })), 403)).toContain('api_key');
    expect(expectErrors(await postForm(good({ api_key: KEY.slice(0, -1) })), 403)).toContain('api_key');
    const xml = await postForm(good({ api_key: 'nope' }), 'xml');
    expect(xml.status).toBe(403);
    expect(xml.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(records(parseXml(xml.text))).toEqual([{ code: '403', description: expect.stringContaining('api_key') }]);
    expect(await ticketCount()).toBe(before);
    // The second configured key works, and a key in the query string is read too.
    expect((await postForm(good({ api_key: KEY2 }))).status).toBe(201);
    const { api_key: _k, ...rest } = good();
    expect((await api().post(`${BASE}/requests.json?api_key=${KEY}`).type('form').send(rest)).status).toBe(201);
  });

  test('with no OPEN311_API_KEYS the endpoint is read-only: POST → 403, GET works', async () => {
    const readOnly = createApp({ ...t.hub, config: { ...t.hub.config, open311ApiKeys: [] } });
    const before = await ticketCount();
    const res = await supertest(readOnly).post(`${BASE}/requests.json`).type('form').send(good());
    expect(expectErrors(res, 403)).toContain('read-only');
    expect(await ticketCount()).toBe(before);
    expect((await supertest(readOnly).get(`${BASE}/services.json`)).status).toBe(200);
    expect((await supertest(readOnly).get(`${BASE}/requests.json`)).status).toBe(200);
  });

  const bad: [string, number, Record<string, string>, RegExp][] = [
    ['no service_code', 400, { service_code: '' }, /service_code/],
    ['unknown service_code', 404, { service_code: 'no-such-service' }, /no-such-service/],
    ['lat not a number', 400, { lat: 'north' }, /lat/],
    ['lat out of range', 400, { lat: '91' }, /lat/],
    ['long out of range', 400, { long: '-181' }, /long/],
    ['lat without long', 400, { long: '' }, /lat and long/],
    ['no location at all', 400, { lat: '', long: '' }, /location/],
    ['unknown address_id', 400, { lat: '', long: '', address_id: '99999' }, /address_id/],
    ['no description', 400, { description: '' }, /description/],
    ['description too short', 400, { description: 'ổ gà' }, /description/],
    ['description over 4000 characters', 400, { description: 'a'.repeat(4001) }, /description/],
    ['bad email', 400, { email: 'not-an-email' }, /email/],
    ['bad phone', 400, { phone: 'call me' }, /phone/],
    ['media_url not http(s)', 400, { media_url: 'javascript:alert(1)' }, /media_url/],
    ['other jurisdiction', 404, { jurisdiction_id: 'hanoi.gov.vn' }, /jurisdiction_id/],
  ];
  test.each(bad)('bad POST (%s) → %s error array, nothing stored', async (_what, status, over, mention) => {
    const before = await ticketCount();
    expect(expectErrors(await postForm(good(over)), status)).toMatch(mention);
    expect(await ticketCount()).toBe(before);
  });

  test('an unknown service_code is named before any other field error', async () => {
    expect(expectErrors(await postForm({ api_key: KEY, service_code: 'no-such-service', lat: '20.6', long: '106.0' }), 404)).toContain('no-such-service');
  });

  test('our own jurisdiction_id is accepted', async () => {
    expect((await postForm(good({ jurisdiction_id: 'hungyen.gov.vn' }))).status).toBe(201);
    expect((await api().get(`${BASE}/services.json?jurisdiction_id=1022.hungyen.gov.vn`)).status).toBe(200);
    expectErrors(await api().get(`${BASE}/requests.json?jurisdiction_id=example.org`), 404);
  });

  test('broken bodies get the error array too', async () => {
    expectErrors(await api().post(`${BASE}/requests.json`).set('content-type', 'application/json').send('{"api_key":'), 400);
    expectErrors(await api().post(`${BASE}/requests.json`).set('content-type', 'application/json').send(JSON.stringify([good()])), 400);
    expectErrors(await api().post(`${BASE}/requests.json?api_key=${KEY}`).set('content-type', 'text/plain').send('hello'), 400);
  });

  test('the same api_key + device_id + client_request_id is one request', async () => {
    const body = good({ device_id: 'device-A1', client_request_id: `retry-${engine}` });
    const [a, b, c] = await Promise.all([postForm(body), postForm(body), postForm(body)]);
    expect(new Set([a.body[0].service_request_id, b.body[0].service_request_id, c.body[0].service_request_id]).size).toBe(1);
    expect([a.status, b.status, c.status].sort()).toEqual([200, 200, 201]);
    const otherDevice = await postForm({ ...body, device_id: 'device-B2' });
    const otherKey = await postForm({ ...body, api_key: KEY2 });
    expect(otherDevice.status).toBe(201);
    expect(otherKey.status).toBe(201);
    expect(new Set([a.body[0].service_request_id, otherDevice.body[0].service_request_id, otherKey.body[0].service_request_id]).size).toBe(3);
  });

  test('GET requests.json: ids override, service_code, status, dates, paging', async () => {
    const a = (await postForm(good({ service_code: 'y-te', description: 'Phòng khám tư không phép ở tổ 5 hoạt động ban đêm' }))).body[0].service_request_id as string;
    const b = (await postForm(good({ service_code: 'y-te', description: 'Nhà thuốc bán thuốc kê đơn không cần đơn ở chợ' }))).body[0].service_request_id as string;
    const ids = (res: supertest.Response) => (res.body as { service_request_id: string }[]).map((r) => r.service_request_id);

    // Ids override every other filter, unknown ids are just absent.
    const byId = await api().get(`${BASE}/requests.json?service_request_id=${a},PA-0000-ZZZZZ,${b.toLowerCase()}&service_code=giao-thong&status=closed`);
    expect(byId.status).toBe(200);
    expect(ids(byId).sort()).toEqual([a, b].sort());

    const yTe = await api().get(`${BASE}/requests.json?service_code=y-te`);
    expect(ids(yTe).sort()).toEqual([a, b].sort());
    const several = ids(await api().get(`${BASE}/requests.json?service_code=y-te,moi-truong`));
    expect(several).toEqual(expect.arrayContaining([a, b]));
    expect(several.length).toBeGreaterThan(2);

    expect(ids(await api().get(`${BASE}/requests.json?service_code=y-te&status=open`)).sort()).toEqual([a, b].sort());
    expect(ids(await api().get(`${BASE}/requests.json?service_code=y-te&status=closed`))).toEqual([]);
    expect(ids(await api().get(`${BASE}/requests.json?service_code=y-te&status=open,closed`)).sort()).toEqual([a, b].sort());

    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
    expect(ids(await api().get(`${BASE}/requests.json?service_code=y-te&start_date=${iso(now + 3_600_000)}`))).toEqual([]);
    expect(ids(await api().get(`${BASE}/requests.json?service_code=y-te&start_date=${iso(now - 3_600_000)}&end_date=${iso(now + 60_000)}`)).sort()).toEqual([a, b].sort());
    expect(ids(await api().get(`${BASE}/requests.json?service_code=y-te&end_date=${iso(now - 3_600_000)}`))).toEqual([]);

    // Newest first; paging extension.
    const page1 = ids(await api().get(`${BASE}/requests.json?service_code=y-te&page_size=1`));
    const page2 = ids(await api().get(`${BASE}/requests.json?service_code=y-te&page_size=1&page=2`));
    expect([...page1, ...page2]).toEqual([b, a]);

    const xml = await api().get(`${BASE}/requests.xml?service_code=y-te`);
    expect(xml.headers['content-type']).toBe('text/xml; charset=utf-8');
    const root = parseXml(xml.text);
    expect(root.name).toBe('service_requests');
    expect(root.children.map((c) => c.name)).toEqual(['request', 'request']);
    expect(records(root).map((r) => r.service_request_id)).toEqual([b, a]);
    expect(parseXml((await api().get(`${BASE}/requests.xml?service_code=none`)).text)).toEqual({ name: 'service_requests', children: [], text: '' });
  });

  test.each([
    ['status=pending', /status/],
    ['start_date=yesterday', /start_date/],
    ['start_date=2025-01-01T00:00:00Z&end_date=2025-06-01T00:00:00Z', /90/],
    ['start_date=2025-06-01T00:00:00Z&end_date=2025-01-01T00:00:00Z', /start_date/],
    ['page_size=0', /page_size/],
    ['page_size=1001', /page_size/],
  ])('GET requests.json?%s → 400 error array', async (query, mention) => {
    expect(expectErrors(await api().get(`${BASE}/requests.json?${query}`), 400)).toMatch(mention);
  });

  test('unknown request, token or path → 404 error array, in the format asked for', async () => {
    expectErrors(await api().get(`${BASE}/requests/PA-0000-AAAAA.json`), 404);
    expectErrors(await api().get(`${BASE}/tokens/AAAAAAAAAAAAAAAAAAAAAA.json`), 404);
    expectErrors(await api().get(`${BASE}/nothing.json`), 404);
    expectErrors(await api().get(`${BASE}/services.csv`), 404);
    expectErrors(await api().get(`${BASE}/requests/PA-0000-AAAAA`), 404);
    expectErrors(await api().put(`${BASE}/requests.json`).send({}), 404);
    const xml = await api().get(`${BASE}/requests/PA-0000-AAAAA.xml`);
    expect(xml.status).toBe(404);
    expect(xml.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(parseXml(xml.text).name).toBe('errors');
  });

  test('tokens: the tracking token a citizen holds resolves to the request id', async () => {
    const r = await submitReport(t.app, { text: 'Đèn đường trước số 12 Nguyễn Văn Linh bị hỏng ba hôm nay' });
    const res = await api().get(`${BASE}/tokens/${r.body.trackingToken}.json`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([{ service_request_id: r.body.code, token: r.body.trackingToken }]);
    expect(records(parseXml((await api().get(`${BASE}/tokens/${r.body.trackingToken}.xml`)).text))).toEqual([{ service_request_id: r.body.code, token: r.body.trackingToken }]);
  });

  test('no personal data in any GET answer; non-publishable tickets keep their text to themselves', async () => {
    const posted = await postForm(good({
      service_code: 'an-ninh-trat-tu', email: 'tran.minh@example.vn', first_name: 'Minh', last_name: 'Trần Văn', phone: '0987 111 222',
      address_string: '45 Phạm Ngũ Lão', device_id: 'device-pii', account_id: 'acct-778899',
      description: 'Karaoke ồn đến 2h sáng. Tôi là Trần Văn Minh, gọi 0987111222 hoặc tran.minh@example.vn, CCCD 001203004567',
    }));
    const id = posted.body[0].service_request_id as string;
    const hidden = await submitReport(t.app, { text: 'Hàng xóm nhà số 8 đổ rác ra ngõ mỗi tối, đề nghị xử lý', publish: false,
      contact: { name: 'Lê Thị Hoa', phone: '0977 333 444', email: 'hoa.le@example.vn' }, location: { lat: 20.6512345, lng: 106.0598765, address: '8 Trần Hưng Đạo' } });

    // Move both along so that updates exist; the resolution names the citizen's phone.
    const op = await loginAs(t.app, 'op@test.vn');
    const staff = await loginAs(t.app, 'staff.a@test.vn');
    for (const code of [id, hidden.body.code as string]) {
      const assigned = await op.post(`/api/v1/tickets/${code}/actions/assign`, { agencyId: people.agencyA });
      expect([assigned.status, assigned.body]).toEqual([200, expect.anything()]);
      const resolved = await staff.post(`/api/v1/tickets/${code}/actions/resolve`, { resolution: 'Đã làm việc với hộ gia đình, liên hệ lại 0987 111 222' });
      expect([resolved.status, resolved.body]).toEqual([200, expect.anything()]);
    }

    const answers = await Promise.all([
      `${BASE}/requests.json`, `${BASE}/requests.xml`, `${BASE}/requests/${id}.json`, `${BASE}/requests/${id}.xml`,
      `${BASE}/requests/${hidden.body.code}.json`, `${BASE}/requests.json?service_request_id=${id},${hidden.body.code}`,
      `${BASE}/servicerequestupdates.json`, `${BASE}/servicerequestupdates.xml`, `${BASE}/tokens/${hidden.body.trackingToken}.json`,
    ].map((u) => api().get(u)));
    for (const res of answers) {
      expect(res.status).toBe(200);
      for (const secret of ['tran.minh', 'hoa.le', 'Minh', 'Lê Thị Hoa', '987111222', '987 111 222', '977333444', '977 333 444',
        '001203004567', 'Phạm Ngũ Lão', 'Trần Hưng Đạo', 'acct-778899', 'device-pii']) {
        expect(res.text).not.toContain(secret);
      }
    }
    const mine = (await api().get(`${BASE}/requests/${id}.json`)).body[0];
    expect(mine.description).toBe('Karaoke ồn đến 2h sáng. Tôi là [họ tên], gọi [số điện thoại] hoặc [email], CCCD [số CCCD/CMND]');
    expect(mine.status).toBe('closed');
    expect(mine.agency_responsible).toBe('Đơn vị A');
    expect(mine.status_notes).toBe('Đã có kết quả xử lý: Đã làm việc với hộ gia đình, liên hệ lại [số điện thoại]');
    const other = (await api().get(`${BASE}/requests/${hidden.body.code}.json`)).body[0];
    expect(other.description).toBeNull();
    expect(other.status_notes).toBe('Đã có kết quả xử lý');
    expect([other.lat, other.long]).toEqual([20.65, 106.06]);

    // The updates feed: the two status changes of each, with extended statuses, oldest first.
    const updates = (answers[6]!.body as { service_request_id: string; status: string; external_status_code: string; update_id: string }[])
      .filter((u) => u.service_request_id === id);
    expect(updates.map((u) => [u.status, u.external_status_code])).toEqual([['ACTION_SCHEDULED', 'assigned'], ['FIXED', 'resolved']]);
    const xmlUpdates = parseXml(answers[7]!.text);
    expect(xmlUpdates.name).toBe('service_request_updates');
    expect(records(xmlUpdates).filter((u) => u.service_request_id === id).map((u) => u.status)).toEqual(['ACTION_SCHEDULED', 'FIXED']);
    // A window before the changes holds none of them.
    const early = await api().get(`${BASE}/servicerequestupdates.json?end_date=2020-01-01T00:00:00Z`);
    expect(early.body).toEqual([]);
  });
});
