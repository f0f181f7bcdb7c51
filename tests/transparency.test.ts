import supertest from 'supertest';
import { importProvince } from '../src/admin-units/import';
import { ENGINES } from './helpers/db';
import { loginAs, seedPeople, startTestHub, submitReport, type TestHub } from './helpers/hub';

/**
 * The transparency page and its public API: only resolved (or closed) reports the citizen allowed
 * to publish, with the official answer, and nothing in them that identifies a person.
 */
type Agent = Awaited<ReturnType<typeof loginAs>>;
type People = Awaited<ReturnType<typeof seedPeople>>;
type Item = {
  code: string; category: { code: string; name: string } | null; commune: { code: string; name: string } | null;
  agency: string | null; receivedAt: string; resolvedAt: string; description: string; answer: string; channel: string;
};

describe.each(ENGINES)('transparency on %s', (engine) => {
  let t: TestHub;
  let p: People;
  let op: Agent, staffA: Agent;
  let categories: { code: string; name: string }[];
  let communes: { code: string; name: string }[];
  let phoneSeq = 0;
  const api = () => supertest(t.app);

  beforeAll(async () => {
    // Nothing runs in the background: automatic triage would move statuses under the tests' feet.
    t = await startTestHub(engine, {}, { start: false });
    await importProvince(t.db, '33');
    p = await seedPeople(t.db);
    [op, staffA] = await Promise.all([loginAs(t.app, 'op@test.vn'), loginAs(t.app, 'staff.a@test.vn')]);
    categories = (await t.db.query<{ code: string; name_vi: string }>(
      `SELECT code, name_vi FROM categories WHERE code <> 'khac' ORDER BY sort_order LIMIT 3`)).map((c) => ({ code: c.code, name: c.name_vi }));
    communes = (await t.db.query<{ code: string; full_name: string }>(
      `SELECT code, full_name FROM admin_units WHERE structure = '2025' AND level = 'commune' AND parent_code = '33' ORDER BY code LIMIT 2`))
      .map((c) => ({ code: c.code, name: c.full_name }));
  });
  afterAll(async () => { await t?.close(); });

  // ---- helpers ---------------------------------------------------------------------------------

  async function report(body: Record<string, unknown> = {}): Promise<{ code: string; token: string }> {
    // A distinct phone per ticket: one citizen per ticket.
    const phone = `09${String(20_000_000 + ++phoneSeq * 7919).padStart(8, '0')}`;
    const res = await submitReport(t.app, { contact: { phone }, ...body });
    expect(res.status).toBe(201);
    return { code: res.body.code, token: res.body.trackingToken };
  }

  const act = async (who: Agent, code: string, action: string, body: unknown = {}) => {
    const res = await who.post(`/api/v1/tickets/${code}/actions/${action}`, body);
    if (res.status !== 200) throw new Error(`${action} on ${code}: ${res.status} ${JSON.stringify(res.body)}`);
  };

  /** The staff workflow: triage, assign to agency A, accept, resolve. */
  async function resolve(code: string, resolution: string, category = categories[0]!.code): Promise<void> {
    await act(op, code, 'triage', { category });
    await act(op, code, 'assign', { agencyId: p.agencyA });
    await act(staffA, code, 'accept');
    await act(staffA, code, 'resolve', { resolution });
  }

  // The locator is not running here: the commune is set as triage would set it.
  const setCommune = (code: string, commune: string) => t.db.query('UPDATE tickets SET commune_code = $2 WHERE code = $1', [code, commune]);
  const setResolvedAt = (code: string, at: string) => t.db.query('UPDATE tickets SET resolved_at = $2 WHERE code = $1', [code, new Date(at)]);

  const list = async (query: Record<string, string | number> = {}) => {
    const res = await api().get('/api/v1/public/reports').query(query);
    expect(res.status).toBe(200);
    return res.body as { items: Item[]; page: number; pageSize: number; total: number };
  };
  /** Every published report, all pages. */
  async function allPublished(query: Record<string, string> = {}): Promise<Item[]> {
    const out: Item[] = [];
    for (let page = 1; ; page++) {
      const body = await list({ ...query, page, pageSize: 50 });
      out.push(...body.items);
      if (out.length >= body.total || !body.items.length) return out;
    }
  }
  const codes = (items: Item[]) => items.map((i) => i.code);

  // ---- tests -----------------------------------------------------------------------------------

  test('a resolved report is published with its answer, anonymised: no personal data anywhere in the answers', async () => {
    const contact = { name: 'Trần Thị Lan', phone: '0987 111 222', email: 'tran.lan@example.vn' };
    const { code, token } = await report({
      text: 'Tôi là tran thi lan, nhà số 12 ngõ 5 Lê Lợi, sđt 0912 345 678 (hoặc 0987.111.222), email lan.cong.dan@mail.vn, '
        + 'CCCD 001203012345. Xe 29H1-12345 đỗ chắn cống thoát nước gây ngập.',
      location: { lat: 20.6464123, lng: 106.0511987, address: 'số 12 ngõ 5 Lê Lợi, xóm Đình Cao' },
      contact,
    });
    await staffA.post(`/api/v1/tickets/${code}/messages`, { body: 'GHI CHÚ NỘI BỘ: hàng xóm bà Lan khó tính', visibility: 'internal' })
      .then(() => undefined);
    await resolve(code, 'Đã làm việc với bà Trần Thị Lan (0987111222, tran.lan@example.vn, CCCD 001203012345); '
      + 'chủ xe 29H1-12345 đã bị xử phạt, cống tại số 12 ngõ 5 Lê Lợi đã được nạo vét.');
    await setCommune(code, communes[0]!.code);

    const res = await api().get('/api/v1/public/reports');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=60');
    const item = (res.body.items as Item[]).find((i) => i.code === code)!;
    expect(Object.keys(item).sort()).toEqual(['agency', 'answer', 'category', 'channel', 'code', 'commune', 'description', 'receivedAt', 'resolvedAt'].sort());
    expect(item).toMatchObject({
      category: categories[0], commune: communes[0], agency: 'Đơn vị A', channel: 'web',
      receivedAt: expect.any(String), resolvedAt: expect.any(String),
    });
    expect(item.description).toBe('Tôi là [họ tên], [số nhà] ngõ 5 Lê Lợi, sđt [số điện thoại] (hoặc [số điện thoại]), email [email], '
      + 'CCCD [số CCCD/CMND]. Xe [biển số xe] đỗ chắn cống thoát nước gây ngập.');
    expect(item.answer).toBe('Đã làm việc với bà [họ tên] ([số điện thoại], [email], CCCD [số CCCD/CMND]); '
      + 'chủ xe [biển số xe] đã bị xử phạt, cống tại [số nhà] ngõ 5 Lê Lợi đã được nạo vét.');

    const one = await api().get(`/api/v1/public/reports/${code.toLowerCase()}`);
    expect(one.status).toBe(200);
    expect(one.headers['cache-control']).toBe('public, max-age=60');
    expect(one.body).toEqual(item);
    const filters = await api().get('/api/v1/public/filters');
    expect(filters.status).toBe(200);
    expect(filters.headers['cache-control']).toBe('public, max-age=60');

    const secrets = ['0912', '345 678', '0987', '111222', '111 222', '111.222', 'lan.cong.dan', 'tran.lan', 'example.vn', 'mail.vn',
      '001203012345', '29H1', '12345', 'Trần Thị Lan', 'tran thi lan', 'bà Lan', 'số 12', 'Đình Cao', '20.646', '106.05', 'NỘI BỘ',
      'staff.a@test.vn', 'op@test.vn', token];
    for (const body of [res.text, one.text, filters.text]) {
      for (const s of secrets) expect(body.toLowerCase()).not.toContain(s.toLowerCase());
    }
    // No field the client could read personal data from, whatever its value.
    for (const key of ['trackingToken', 'citizen', 'contact', 'location', 'lat', 'lng', 'address', 'assignee', 'messages', 'events']) {
      expect(res.text).not.toContain(`"${key}"`);
    }
  });

  test('the citizen said no (publish: false, in JSON or multipart): never published, not even by code', async () => {
    const json = await report({ text: 'Đèn đường hỏng, không muốn công khai phản ánh này', publish: false });
    const form = await supertest(t.app).post('/api/v1/reports')
      .field('report', JSON.stringify({ channel: 'web', text: 'Rác thải ùn ứ, không công khai (multipart)', publish: false }));
    expect(form.status).toBe(201);
    const yes = await report({ text: 'Đèn đường hỏng ở ngõ 3, được công khai', publish: true });
    for (const code of [json.code, form.body.code as string, yes.code]) await resolve(code, 'Đã thay bóng đèn mới.');

    const published = codes(await allPublished());
    expect(published).toContain(yes.code);
    expect(published).not.toContain(json.code);
    expect(published).not.toContain(form.body.code);
    for (const code of [json.code, form.body.code as string]) {
      const one = await api().get(`/api/v1/public/reports/${code}`);
      expect(one.status).toBe(404);
      expect(one.text).not.toContain(code);
    }
    const rows = await t.db.query<{ code: string; publishable: boolean }>('SELECT code, publishable FROM tickets WHERE code = ANY($1::text[])',
      [[json.code, form.body.code, yes.code]]);
    expect(Object.fromEntries(rows.map((r) => [r.code, r.publishable]))).toEqual({ [json.code]: false, [form.body.code]: false, [yes.code]: true });
  });

  test('open, unresolved, rejected, merged and reopened tickets never appear; a closed one does', async () => {
    const received = await report({ text: 'Ổ gà mới, chưa xử lý' });
    const inProgress = await report({ text: 'Ổ gà đang được xử lý' });
    await act(op, inProgress.code, 'triage', { category: categories[0]!.code });
    await act(op, inProgress.code, 'assign', { agencyId: p.agencyA });
    await act(staffA, inProgress.code, 'accept');
    const rejected = await report({ text: 'Phản ánh không thuộc thẩm quyền' });
    await act(op, rejected.code, 'reject', { reason: 'Không thuộc phạm vi' });
    const target = await report({ text: 'Cây đổ chắn đường' });
    const merged = await report({ text: 'Cây đổ chắn đường (trùng)' });
    await act(op, merged.code, 'merge', { intoCode: target.code });
    // Give the rejected and merged tickets an answer and a date, so only their status keeps them out.
    await t.db.query(`UPDATE tickets SET resolution = 'Đã trả lời', resolved_at = now() WHERE code = ANY($1::text[])`, [[rejected.code, merged.code]]);
    const reopened = await report({ text: 'Cống vẫn tắc sau khi báo đã xử lý' });
    await resolve(reopened.code, 'Đã nạo vét cống.');
    await act(op, reopened.code, 'reopen', { reason: 'Công dân báo vẫn tắc' });
    const closed = await report({ text: 'Biển báo bị đổ' });
    await resolve(closed.code, 'Đã dựng lại biển báo.');
    await act(op, closed.code, 'close');

    const published = codes(await allPublished());
    expect(published).toContain(closed.code);
    for (const tk of [received, inProgress, rejected, target, merged, reopened]) {
      expect(published).not.toContain(tk.code);
      expect((await api().get(`/api/v1/public/reports/${tk.code}`)).status).toBe(404);
    }
    // A search by code finds nothing either.
    expect((await list({ q: rejected.code })).total).toBe(0);
    expect((await list({ q: closed.code })).items.map((i) => i.code)).toEqual([closed.code]);
  });

  test('a reopened and resolved-again ticket shows its new answer', async () => {
    const tk = await report({ text: 'Nước sinh hoạt bị đục nhiều ngày' });
    await resolve(tk.code, 'Đã súc xả đường ống lần một.');
    expect((await api().get(`/api/v1/public/reports/${tk.code}`)).body.answer).toBe('Đã súc xả đường ống lần một.');
    await act(op, tk.code, 'reopen', { reason: 'Vẫn đục' });
    expect((await api().get(`/api/v1/public/reports/${tk.code}`)).status).toBe(404);
    await act(staffA, tk.code, 'accept');
    await act(staffA, tk.code, 'resolve', { resolution: 'Đã thay đoạn ống hỏng, nước đã trong.' });
    expect((await api().get(`/api/v1/public/reports/${tk.code}`)).body.answer).toBe('Đã thay đoạn ống hỏng, nước đã trong.');
  });

  test('filters: category, commune, local month of the answer, search; paging newest answer first', async () => {
    const [c0, c1] = [categories[1]!.code, categories[2]!.code];
    const a = await report({ text: 'Vỉa hè bị lấn chiếm làm quán nhậu' });
    const b = await report({ text: 'Tiếng ồn karaoke sau 22 giờ' });
    const c = await report({ text: 'Vỉa hè xuống cấp, gạch vỡ' });
    await resolve(a.code, 'Đã lập biên bản, yêu cầu dọn dẹp.', c0);
    await resolve(b.code, 'Đã nhắc nhở hộ kinh doanh.', c1);
    await resolve(c.code, 'Đã lát lại vỉa hè.', c0);
    await setCommune(a.code, communes[0]!.code);
    await setCommune(b.code, communes[1]!.code);
    await setCommune(c.code, communes[1]!.code);
    // Month boundaries in Vietnam time (UTC+7): 2024-06-30 17:30Z is already 1 July there.
    await setResolvedAt(a.code, '2024-06-30T17:30:00Z');
    await setResolvedAt(b.code, '2024-07-31T16:59:00Z');
    await setResolvedAt(c.code, '2024-07-31T17:00:00Z');

    expect(codes((await list({ month: '2024-07' })).items)).toEqual([b.code, a.code]);
    expect(codes((await list({ month: '2024-08' })).items)).toEqual([c.code]);
    expect((await list({ month: '2024-06' })).total).toBe(0);

    const byCategory = await allPublished({ category: c0 });
    expect(codes(byCategory)).toEqual(expect.arrayContaining([a.code, c.code]));
    expect(codes(byCategory)).not.toContain(b.code);
    expect(byCategory.every((i) => i.category?.code === c0)).toBe(true);

    const byCommune = await allPublished({ commune: communes[1]!.code });
    expect(codes(byCommune)).toEqual(expect.arrayContaining([b.code, c.code]));
    expect(codes(byCommune)).not.toContain(a.code);
    expect(byCommune.every((i) => i.commune?.code === communes[1]!.code)).toBe(true);
    expect(codes((await list({ category: c0, commune: communes[1]!.code, month: '2024-08' })).items)).toEqual([c.code]);

    // Search: words in any order, with or without diacritics, in the report or in the answer.
    expect(codes((await list({ q: 'VIA HE', month: '2024-07' })).items)).toEqual([a.code]);
    expect(codes((await list({ q: 'lát lại', month: '2024-08' })).items)).toEqual([c.code]);
    expect((await list({ q: 'vỉa hè karaoke' })).total).toBe(0);

    // Unknown codes are just empty lists.
    expect(await list({ category: 'khong-co', commune: '99999' })).toEqual({ items: [], page: 1, pageSize: 20, total: 0 });

    // Paging: newest answer first, no overlap, same total.
    const first = await list({ month: '2024-07', pageSize: 1, page: 1 });
    const second = await list({ month: '2024-07', pageSize: 1, page: 2 });
    expect(first).toMatchObject({ page: 1, pageSize: 1, total: 2 });
    expect(codes(first.items)).toEqual([b.code]);
    expect(codes(second.items)).toEqual([a.code]);
    expect((await list({ month: '2024-07', pageSize: 1, page: 3 })).items).toEqual([]);

    const all = await allPublished();
    const times = all.map((i) => Date.parse(i.resolvedAt));
    expect(times).toEqual([...times].sort((x, y) => y - x));

    const filters = (await api().get('/api/v1/public/filters')).body;
    expect(filters.months).toEqual(expect.arrayContaining([{ month: '2024-07', count: 2 }, { month: '2024-08', count: 1 }]));
    expect(filters.categories).toEqual(expect.arrayContaining([{ code: c1, name: categories[2]!.name, count: 1 }]));
    expect(filters.communes).toEqual(expect.arrayContaining([{ ...communes[1]!, count: 2 }]));
    expect(filters.categories.some((x: { code: string }) => x.code === 'khac')).toBe(false);
  });

  test('search looks only at the published text: a phone number or a name that was removed finds nothing', async () => {
    const tk = await report({ text: 'Hoàng Văn Thụ báo: chó thả rông cắn người, gọi 0905 123 456', contact: { name: 'Hoàng Văn Thụ', phone: '0905123456' } });
    await resolve(tk.code, 'Đã nhắc nhở chủ nuôi chó.');
    expect(codes((await list({ q: 'chó thả rông' })).items)).toContain(tk.code);
    for (const q of ['0905', '0905123456', 'Hoàng Văn Thụ', 'hoang van thu']) expect((await list({ q })).total).toBe(0);
  });

  test('bad parameters are a 400 that says what is wrong', async () => {
    for (const month of ['2025-13', '07-2025', '2025-7', 'tháng 7']) {
      const res = await api().get('/api/v1/public/reports').query({ month });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.message).toContain('YYYY-MM');
      expect(res.body.error.messageEn).toContain('month');
    }
    for (const query of [{ pageSize: 51 }, { pageSize: 0 }, { page: 0 }, { page: 'hai' }]) {
      const res = await api().get('/api/v1/public/reports').query(query);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect((await api().get('/api/v1/public/reports/PA-0000-ZZZZZ')).status).toBe(404);
    expect((await api().get(`/api/v1/public/reports/${'X'.repeat(200)}`)).status).toBe(404);
  });

  test('the page: /cong-khai answers HTML with its script, /public-reports leads there', async () => {
    const page = await api().get('/cong-khai');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('Công khai kết quả xử lý phản ánh');
    expect(page.text).toContain('<script src="/cong-khai.js"></script>');
    expect(page.text).not.toMatch(/<script>(?!<\/script>)/);
    const script = await api().get('/cong-khai.js');
    expect(script.status).toBe(200);
    expect(script.text).toContain('/api/v1/public/reports');
    const old = await api().get('/public-reports');
    expect(old.status).toBe(301);
    expect(old.headers.location).toBe('/cong-khai');
    const portal = await api().get('/');
    expect(portal.text).toContain('Cho phép công khai phản ánh (đã ẩn thông tin cá nhân)');
    expect(portal.text).toMatch(/id="publish" name="publish" checked/);
  });
});
