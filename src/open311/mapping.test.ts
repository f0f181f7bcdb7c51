import {
  dateWindow, jurisdictionMatches, maskPersonalData, openOrClosed, parseW3cDate, splitMediaUrl, statusesFor, toRequest,
  toService, toUpdate, w3cDate, withMediaUrl, type Open311TicketRow,
} from './mapping';
import { escapeXml, xmlDocument, xmlList } from './xml';

const row = (over: Partial<Open311TicketRow> = {}): Open311TicketRow => ({
  code: 'PA-2507-ABCDE', status: 'received', channel: 'web', categoryCode: 'giao-thong', categoryName: 'Giao thông',
  description: 'Ổ gà lớn trước số 10 Lê Lợi', publishable: true, lat: 20.6464123, lng: 106.0511987,
  communeCode: '11953', communeName: 'Phường Phố Hiến', provinceName: 'Tỉnh Hưng Yên', agencyName: null,
  resolution: null, statusReason: null, mergedIntoCode: null,
  createdAt: new Date('2025-07-01T01:02:03.456Z'), updatedAt: new Date('2025-07-02T00:00:00Z'),
  statusChangedAt: new Date('2025-07-02T00:00:00Z'), resolvedAt: null, closedAt: null, expectedAt: null,
  citizen: { name: 'Nguyễn Thị Lan', phone: '+84912345678', email: 'lan@example.vn' },
  ...over,
});

describe('maskPersonalData (the transparency rules)', () => {
  test.each([
    ['gọi 0912 345 678 nhé', 'gọi [số điện thoại] nhé'],
    ['sđt 0912.345.678', 'sđt [số điện thoại]'],
    ['số +84 912345678 ạ', 'số [số điện thoại] ạ'],
    ['email lan.nguyen+1@example.com.vn ạ', 'email [email] ạ'],
    ['CCCD 001203004567', 'CCCD [số CCCD/CMND]'],
    ['xe 29H1-123.45 đỗ trên vỉa hè', 'xe [biển số xe] đỗ trên vỉa hè'],
  ])('%s', (input, expected) => {
    expect(maskPersonalData(input)).toBe(expected);
  });

  test('dates and amounts stay', () => {
    const text = 'Ngày 15/07/2025, thu thêm 500.000 đồng, 100.000.000 đồng tiền đền bù';
    expect(maskPersonalData(text)).toBe(text);
  });

  test("the citizen's own name is masked in any case and without diacritics, short names are left", () => {
    expect(maskPersonalData('Tôi là nguyễn thị lan, ở tổ 3', { name: 'Nguyễn Thị Lan' })).toBe('Tôi là [họ tên], ở tổ 3');
    expect(maskPersonalData('Toi la Nguyen Thi Lan', { name: 'Nguyễn Thị Lan' })).toBe('Toi la [họ tên]');
    expect(maskPersonalData('An toàn giao thông', { name: 'An' })).toBe('An toàn giao thông');
  });
});

describe('toRequest', () => {
  test('publishable: masked text, commune-level address, coordinates to ~100 m, W3C dates', () => {
    const r = toRequest(row({ description: 'Ổ gà, gọi tôi 0912345678 (Nguyễn Thị Lan)' }));
    expect(r.description).toBe('Ổ gà, gọi tôi [số điện thoại] ([họ tên])');
    expect(r.address).toBe('Phường Phố Hiến, Tỉnh Hưng Yên');
    expect(r.address_id).toBe('11953');
    expect([r.lat, r.long]).toEqual([20.646, 106.051]);
    expect(r.requested_datetime).toBe('2025-07-01T01:02:03Z');
    expect(r.status).toBe('open');
    expect(JSON.stringify(r)).not.toMatch(/lan@example|912345678|Lan\b/);
  });

  test('not publishable: no description, no media, coordinates to ~1 km', () => {
    const r = toRequest(row({ publishable: false, channel: 'open311', description: withMediaUrl('Ổ gà lớn', 'https://img.example/1.jpg') }));
    expect(r.description).toBeNull();
    expect(r.media_url).toBeNull();
    expect([r.lat, r.long]).toEqual([20.65, 106.05]);
  });

  test('resolved is closed, dated when it was resolved, with the masked resolution as notes', () => {
    const resolvedAt = new Date('2025-07-03T10:00:00Z');
    const r = toRequest(row({ status: 'resolved', resolution: 'Đã vá, liên hệ 0987 654 321', resolvedAt }));
    expect(r.status).toBe('closed');
    expect(r.updated_datetime).toBe('2025-07-03T10:00:00Z');
    expect(r.status_notes).toBe('Đã có kết quả xử lý: Đã vá, liên hệ [số điện thoại]');
    expect(toRequest(row({ status: 'resolved', resolution: 'Đã vá', publishable: false })).status_notes).toBe('Đã có kết quả xử lý');
  });

  test('media_url comes back out of an Open311 description and only from Open311 tickets', () => {
    const stored = withMediaUrl('Cây đổ chắn đường', 'https://img.example/a.jpg');
    expect(splitMediaUrl('open311', stored)).toEqual({ text: 'Cây đổ chắn đường', mediaUrl: 'https://img.example/a.jpg' });
    expect(splitMediaUrl('web', stored)).toEqual({ text: stored, mediaUrl: null });
    const r = toRequest(row({ channel: 'open311', description: stored }));
    expect(r.description).toBe('Cây đổ chắn đường');
    expect(r.media_url).toBe('https://img.example/a.jpg');
  });

  test('a long text is cut to the spec limit of 4000 characters', () => {
    expect(toRequest(row({ description: 'a'.repeat(5000) })).description).toHaveLength(4000);
  });
});

describe('statuses', () => {
  test('open and closed partition every internal status', () => {
    const open = statusesFor('open');
    const closed = statusesFor('closed');
    expect(open).toEqual(expect.arrayContaining(['received', 'in_progress', 'reopened', 'waiting_for_citizen']));
    expect(closed.sort()).toEqual(['closed', 'merged', 'rejected', 'resolved']);
    expect(open.length + closed.length).toBe(12);
    expect(openOrClosed('resolved')).toBe('closed');
  });

  test('updates carry the extended status and the label, never staff text', () => {
    expect(toUpdate({ id: 7, code: 'PA-2507-ABCDE', toStatus: 'resolved', at: new Date('2025-07-03T10:00:00.5Z') })).toEqual({
      update_id: '7', service_request_id: 'PA-2507-ABCDE', status: 'FIXED', updated_datetime: '2025-07-03T10:00:00Z',
      description: 'Đã có kết quả xử lý', media_url: null, external_status_code: 'resolved',
    });
  });
});

describe('dates', () => {
  test.each([
    ['2025-07-01T00:00:00Z', '2025-07-01T00:00:00.000Z'],
    ['2025-07-01T07:00:00+07:00', '2025-07-01T00:00:00.000Z'],
    ['2025-07-01T00:00:00.250-05:00', '2025-07-01T05:00:00.250Z'],
    ['2025-07-01', '2025-06-30T17:00:00.000Z'],
    ['2025-07-01T08:30', '2025-07-01T01:30:00.000Z'],
  ])('%s', (raw, iso) => {
    expect(parseW3cDate(raw)?.toISOString()).toBe(iso);
  });

  test.each(['yesterday', '2025-02-30', '2025-13-01', '2025-07-01T25:00:00Z', '2025-07-01T24:00:00Z', '1751328000'])('%s is refused', (raw) => {
    expect(parseW3cDate(raw)).toBeNull();
  });

  test('the window: 90 days by default, one bound sets the other, at most 90 days', () => {
    const now = new Date('2025-07-01T00:00:00Z');
    const day = 86_400_000;
    const w = dateWindow(null, null, now);
    expect(w.ok && w.window.to.getTime() - w.window.from.getTime()).toBe(90 * day);
    const s = dateWindow(now, null, now);
    expect(s.ok && s.window.to.toISOString()).toBe('2025-09-29T00:00:00.000Z');
    expect(dateWindow(new Date(now.getTime() - 91 * day), now, now)).toEqual({ ok: false, reason: 'span' });
    expect(dateWindow(now, new Date(now.getTime() - 1), now)).toEqual({ ok: false, reason: 'order' });
    expect(w3cDate(new Date('2025-07-01T00:00:00.999Z'))).toBe('2025-07-01T00:00:00Z');
  });
});

describe('jurisdiction_id', () => {
  test.each([
    [undefined, true], ['', true], ['1022.hungyen.gov.vn', true], ['hungyen.gov.vn', true], ['WWW.hungyen.gov.vn', true],
    ['vn', false], ['gov.vn.evil', false], ['hanoi.gov.vn', false],
  ])('%s', (given, ok) => {
    expect(jurisdictionMatches(given, 'https://1022.hungyen.gov.vn')).toBe(ok);
  });
});

describe('services and XML', () => {
  test('a category becomes a realtime service without metadata', () => {
    const s = toService({ code: 'moi-truong', nameVi: 'Môi trường', nameEn: 'Environment and waste', covers: 'uncollected garbage, bad smells', active: true });
    expect(s).toEqual({
      service_code: 'moi-truong', service_name: 'Môi trường', description: 'Môi trường (Environment and waste): uncollected garbage, bad smells',
      metadata: false, type: 'realtime', keywords: 'Môi trường, Environment and waste, uncollected garbage, bad smells', group: 'Môi trường',
    });
  });

  test('XML escapes markup and drops characters XML cannot carry', () => {
    expect(escapeXml('a<b>&"c\'\u0001')).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
    expect(xmlList('errors', 'error', [{ code: 404, description: 'x' }])).toBe(
      '<?xml version="1.0" encoding="utf-8"?>\n<errors>\n  <error>\n    <code>404</code>\n    <description>x</description>\n  </error>\n</errors>\n');
    expect(xmlList('service_requests', 'request', [])).toContain('<service_requests/>');
    expect(xmlDocument('service_definition', { service_code: 'y-te', attributes: [] })).toContain('<attributes/>');
    expect(xmlList('r', 'i', [{ account_id: null, metadata: false }])).toContain('<account_id/>\n    <metadata>false</metadata>');
  });
});
