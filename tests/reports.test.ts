import supertest from 'supertest';
import { ENGINES } from './helpers/db';
import { startTestHub, submitReport, type TestHub } from './helpers/hub';

describe.each(ENGINES)('citizen reports on %s', (engine) => {
  let t: TestHub;
  beforeAll(async () => { t = await startTestHub(engine); });
  afterAll(async () => { await t.close(); });

  test('a report becomes a ticket with a code, a token and an acknowledgement', async () => {
    const res = await submitReport(t.app, { contact: { name: 'Nguyễn Thị Lan', phone: '0912 345 678' }, location: { lat: 20.65, lng: 106.05, address: '12 Lê Lợi' } });
    expect(res.status).toBe(201);
    expect(res.body.code).toMatch(/^PA-\d{4}-[0-9A-Z]{5}$/);
    expect(res.body.status).toBe('received');
    expect(res.body.trackingUrl).toContain(`/track/${res.body.code}?token=`);
    await t.hub.settle();
    const track = await supertest(t.app).get(`/api/v1/reports/${res.body.code}?token=${res.body.trackingToken}`);
    expect(track.status).toBe(200);
    expect(track.body.replies[0].body).toContain(res.body.code);
    expect(JSON.stringify(track.body)).not.toMatch(/912|Lan/);
    const rows = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.code = $1 AND e.type = 'created'`, [res.body.code]);
    expect(rows[0]!.n).toBe(1);
  });

  test('the same clientRef twice, even concurrently, is one ticket', async () => {
    const body = { clientRef: `ref-${engine}-1`, contact: { phone: '0987000111' } };
    const [a, b, c] = await Promise.all([submitReport(t.app, body), submitReport(t.app, body), submitReport(t.app, body)]);
    const codes = new Set([a.body.code, b.body.code, c.body.code]);
    expect(codes.size).toBe(1);
    expect([a.status, b.status, c.status].sort()).toEqual([200, 200, 201]);
    const n = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tickets WHERE idempotency_key = $1', [`web:ref-${engine}-1`]);
    expect(n[0]!.n).toBe(1);
  });

  test('one phone number is one citizen across reports', async () => {
    const a = await submitReport(t.app, { contact: { phone: '0912000999' } });
    const b = await submitReport(t.app, { contact: { phone: '+84 912 000 999', email: 'lan@example.vn' } });
    const rows = await t.db.query<{ citizen_id: number }>('SELECT citizen_id FROM tickets WHERE code = ANY($1::text[])', [[a.body.code, b.body.code]]);
    expect(new Set(rows.map((r) => r.citizen_id)).size).toBe(1);
  });

  test('tracking: wrong token, missing token and unknown code all answer 404', async () => {
    const r = await submitReport(t.app);
    for (const url of [`/api/v1/reports/${r.body.code}?token=wrong`, `/api/v1/reports/${r.body.code}`, `/api/v1/reports/PA-0000-AAAAA?token=${r.body.trackingToken}`]) {
      const res = await supertest(t.app).get(url);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('report_not_found');
    }
  });

  const bad: [string, string | object, number][] = [
    ['broken JSON', '{"channel":"web"', 400],
    ['no text', { channel: 'web' }, 400],
    ['unknown channel', { channel: 'fax', text: 'hello there' }, 400],
    ['text not a string', { channel: 'web', text: 123 }, 400],
    ['unknown field', { channel: 'web', text: 'Ổ gà lớn', isAdmin: true }, 400],
    ['bad location', { channel: 'web', text: 'Ổ gà lớn', location: { lat: 'north', lng: 200 } }, 400],
    ['array body', [], 400],
    ['null body', 'null', 400],
    ['unknown category', { channel: 'web', text: 'Ổ gà lớn', category: 'nope' }, 400],
    ['invalid phone', { channel: 'web', text: 'Ổ gà lớn', contact: { phone: 'call me' } }, 400],
    ['invalid email', { channel: 'web', text: 'Ổ gà lớn', contact: { email: 'not-an-email' } }, 400],
    ['2 MB text', { channel: 'web', text: 'a'.repeat(2_000_000) }, 413],
  ];
  test.each(bad)('bad report (%s) gets a clear 4xx', async (_what, body, status) => {
    const res = await supertest(t.app).post('/api/v1/reports').set('content-type', 'application/json').send(typeof body === 'string' ? body : JSON.stringify(body));
    expect(res.status).toBe(status);
    expect(res.body.error.message).toEqual(expect.any(String));
    expect(res.body.error.messageEn).toEqual(expect.any(String));
  });

  test('a form post instead of JSON is refused with 415', async () => {
    const res = await supertest(t.app).post('/api/v1/reports').type('form').send({ channel: 'web', text: 'hello there' });
    expect(res.status).toBe(415);
  });
});
