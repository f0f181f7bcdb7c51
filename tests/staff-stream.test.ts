import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import supertest from 'supertest';
import { CONSOLE_DIR } from '../src/http/console';
import { attachLiveStreams, type LiveStreams } from '../src/http/live-streams';
import type { LiveEvent } from '../src/shared/live-bus';
import { loginAs, seedPeople, startTestHub, submitReport, type TestHub } from './helpers/hub';

/**
 * The console's live stream (/staff): a session cookie is required, a foreign Origin is refused,
 * and an agency's staff receive their agency's ticket events only — the same rule as the API.
 */
describe('staff live stream and the console page', () => {
  let t: TestHub;
  let people: Awaited<ReturnType<typeof seedPeople>>;
  let server: http.Server;
  let streams: LiveStreams;
  let port: number;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    t = await startTestHub('pglite');
    people = await seedPeople(t.db);
    server = http.createServer(t.app);
    streams = attachLiveStreams(server, t.hub);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await streams.close();
    await t.close();
  });

  async function cookieOf(email: string): Promise<string> {
    const res = await supertest(t.app).post('/api/v1/auth/login').send({ email, password: people.password });
    expect(res.status).toBe(200);
    return (res.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ');
  }

  /** Connects to /staff; resolves with the events it will collect, or rejects with the refusal. */
  function listen(headers: Record<string, string>): Promise<{ events: LiveEvent[]; socket: Socket }> {
    return new Promise((resolve, reject) => {
      const socket = connect(`http://127.0.0.1:${port}/staff`, { transports: ['websocket'], extraHeaders: headers, reconnection: false });
      sockets.push(socket);
      const events: LiveEvent[] = [];
      socket.on('ticket', (e: LiveEvent) => events.push(e));
      socket.on('connect', () => resolve({ events, socket }));
      socket.on('connect_error', (err) => reject(err));
    });
  }

  const until = async (cond: () => boolean, ms = 5000) => {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  test('no session, a bad session or a foreign Origin is refused', async () => {
    await expect(listen({})).rejects.toThrow('login_required');
    await expect(listen({ cookie: 'hub_session=not-a-session' })).rejects.toThrow('login_required');
    const cookie = await cookieOf('op@test.vn');
    await expect(listen({ cookie, origin: 'https://evil.example' })).rejects.toThrow('origin_not_allowed');
    await expect(listen({ cookie, origin: `http://127.0.0.1:${port}` })).resolves.toBeTruthy();
  });

  test("an agency's staff get their agency's tickets only; operators get everything", async () => {
    const op = await listen({ cookie: await cookieOf('op@test.vn') });
    const a = await listen({ cookie: await cookieOf('staff.a@test.vn') });
    const b = await listen({ cookie: await cookieOf('staff.b@test.vn') });
    const sub = await submitReport(t.app, { text: 'Cống thoát nước vỡ tràn ra đường trước chợ' });
    const code = sub.body.code as string;
    await t.hub.settle();
    await until(() => op.events.some((e) => e.ticket.code === code && e.type === 'ticket.created'));
    const operator = await loginAs(t.app, 'op@test.vn');
    const tk = (await operator.get(`/api/v1/tickets/${code}`)).body;
    if (tk.status === 'received') expect((await operator.post(`/api/v1/tickets/${code}/actions/triage`, { category: 'giao-thong', priority: 'normal' })).status).toBe(200);
    if (tk.agency?.id !== people.agencyA) expect((await operator.post(`/api/v1/tickets/${code}/actions/assign`, { agencyId: people.agencyA })).status).toBe(200);
    await t.hub.settle();
    await until(() => a.events.some((e) => e.ticket.code === code && e.ticket.agencyId === people.agencyA));
    // Agency B saw nothing of it, before or after the assignment; nor did A before it was theirs.
    await new Promise((r) => setTimeout(r, 200));
    expect(b.events.filter((e) => e.ticket.code === code)).toEqual([]);
    expect(a.events.filter((e) => e.ticket.code === code).every((e) => e.ticket.agencyId === people.agencyA)).toBe(true);
    // Live events carry no personal data: the ticket's public fields only.
    for (const e of op.events) expect(Object.keys(e.ticket).sort()).toEqual(['agencyId', 'category' + 'Code', 'channel', 'code', 'communeCode', 'createdAt', 'priority', 'status'].sort());
  });

  test('the console is served at /console/, every client-side path gets the page, assets are cached for good', async () => {
    expect((await supertest(t.app).get('/console')).headers.location).toBe('/console/');
    const built = fs.existsSync(path.join(CONSOLE_DIR, 'index.html'));
    for (const url of ['/console/', '/console/tickets/PA-2611-AAAAA']) {
      const res = await supertest(t.app).get(url);
      if (!built) { expect(res.status).toBe(503); continue; }
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      const asset = /src="(\/console\/assets\/[^"]+\.js)"/.exec(res.text)?.[1];
      expect(asset).toBeDefined();
      const js = await supertest(t.app).get(asset!);
      expect(js.status).toBe(200);
      expect(js.headers['cache-control']).toMatch(/immutable/);
    }
    expect((await supertest(t.app).get('/console/assets/missing.js')).status).toBe(404);
  });
});
