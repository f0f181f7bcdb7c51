import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import supertest from 'supertest';
import { openPostgres } from '../src/db/postgres';
import { attachLiveStreams, type LiveStreams } from '../src/http/live-streams';
import type { LiveEvent } from '../src/shared/live-bus';
import { freshDatabase } from './helpers/db';
import { TEST_REDIS_URL } from './helpers/env';
import { seedPeople, startTestHub, submitReport, type TestHub } from './helpers/hub';

/**
 * Scale-out: two API processes and a worker against one PostgreSQL and one Redis. A console
 * connected to API process A sees, exactly once, the events produced on API process B and in the
 * worker; the agency rooms still hold across processes; the IOC stream too. (Each hub here has its
 * own connection pool and socket.io server, as separate processes would; the chaos test runs them
 * as real processes.)
 */
describe('live events across API processes (socket.io Redis adapter)', () => {
  const prefix = `scale_${process.pid}_${Date.now().toString(36)}`;
  const env = { REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, IOC_API_KEYS: 'ioc-key-scale' };
  let shared: Awaited<ReturnType<typeof freshDatabase>>;
  const hubs: TestHub[] = [];
  const streams: LiveStreams[] = [];
  const servers: http.Server[] = [];
  const sockets: Socket[] = [];
  let people: Awaited<ReturnType<typeof seedPeople>>;
  let apiA: TestHub; let apiB: TestHub; let worker: TestHub;
  let portA = 0;

  async function serve(t: TestHub): Promise<number> {
    const server = http.createServer(t.app);
    streams.push(attachLiveStreams(server, t.hub));
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as AddressInfo).port;
  }

  beforeAll(async () => {
    shared = await freshDatabase('postgres');
    people = await seedPeople(shared);
    // Separate pools, as separate processes have.
    const own = async () => { const db = await openPostgres(shared.url!, 5); return db; };
    apiA = await startTestHub('postgres', { ...env, HUB_ROLE: 'api' }, { db: await own() });
    apiB = await startTestHub('postgres', { ...env, HUB_ROLE: 'api' }, { db: await own() });
    worker = await startTestHub('postgres', { ...env, HUB_ROLE: 'worker' }, { db: await own() });
    hubs.push(apiA, apiB, worker);
    portA = await serve(apiA);
    await serve(apiB);
    streams.push(attachLiveStreams(null, worker.hub));
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const s of streams) await s.close();
    for (const s of servers) await new Promise((r) => s.close(r));
    for (const h of hubs) { await h.close(); await h.db.close(); }
    await shared.close();
  });

  async function cookieOf(email: string): Promise<string> {
    const res = await supertest(apiA.app).post('/api/v1/auth/login').send({ email, password: people.password });
    expect(res.status).toBe(200);
    return (res.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ');
  }

  function listen(namespace: string, opts: { headers?: Record<string, string>; auth?: Record<string, string> }): Promise<{ events: LiveEvent[] }> {
    return new Promise((resolve, reject) => {
      const socket = connect(`http://127.0.0.1:${portA}${namespace}`, { transports: ['websocket'], extraHeaders: opts.headers, auth: opts.auth, reconnection: false });
      sockets.push(socket);
      const events: LiveEvent[] = [];
      socket.on('ticket', (e: LiveEvent) => events.push(e));
      socket.on('connect', () => resolve({ events }));
      socket.on('connect_error', reject);
    });
  }

  const until = async (cond: () => boolean, ms = 8000) => {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  test('a report taken by API process B reaches the console on A once, and the IOC stream on A', async () => {
    const op = await listen('/staff', { headers: { cookie: await cookieOf('op@test.vn') } });
    const ioc = await listen('/ioc', { auth: { token: 'ioc-key-scale' } });
    const res = await submitReport(apiB.app, { text: 'Đèn đường hỏng cả đoạn phố, tối om nguy hiểm' });
    expect(res.status).toBe(201);
    const code = res.body.code as string;
    await until(() => op.events.some((e) => e.ticket.code === code && e.type === 'ticket.created'));
    await until(() => ioc.events.some((e) => (e as unknown as { code: string }).code === code));
    // Give a duplicate time to arrive, then count: exactly one creation event per listener.
    await new Promise((r) => setTimeout(r, 300));
    expect(op.events.filter((e) => e.ticket.code === code && e.type === 'ticket.created')).toHaveLength(1);
    expect(ioc.events.filter((e) => (e as unknown as { code: string; type: string }).code === code && e.type === 'ticket.created')).toHaveLength(1);
  });

  test("the worker's events reach A; agency rooms hold across processes", async () => {
    const op = await listen('/staff', { headers: { cookie: await cookieOf('op@test.vn') } });
    const a = await listen('/staff', { headers: { cookie: await cookieOf('staff.a@test.vn') } });
    const b = await listen('/staff', { headers: { cookie: await cookieOf('staff.b@test.vn') } });
    // The worker process produces an event (here: it takes the report itself, as its own
    // background work would): only the processes' Redis adapter can carry it to A's sockets.
    const res = await submitReport(worker.app, { text: 'Rác thải tồn đọng nhiều ngày ở đầu ngõ' });
    const code = res.body.code as string;
    await until(() => op.events.some((e) => e.ticket.code === code));
    const operator = supertest.agent(apiB.app);
    const login = await operator.post('/api/v1/auth/login').send({ email: 'op@test.vn', password: people.password });
    const csrf = login.body.csrfToken as string;
    const tk = (await operator.get(`/api/v1/tickets/${code}`)).body as { status: string };
    if (tk.status === 'received') {
      expect((await operator.post(`/api/v1/tickets/${code}/actions/triage`).set('x-csrf-token', csrf).send({ category: 'moi-truong', priority: 'normal' })).status).toBe(200);
    }
    expect((await operator.post(`/api/v1/tickets/${code}/actions/assign`).set('x-csrf-token', csrf).send({ agencyId: people.agencyA })).status).toBe(200);
    await until(() => a.events.some((e) => e.ticket.code === code && e.ticket.agencyId === people.agencyA));
    await new Promise((r) => setTimeout(r, 300));
    expect(b.events.filter((e) => e.ticket.code === code)).toEqual([]);
    // Each event once, however many rooms (all + agency) it was sent to.
    const ids = op.events.filter((e) => e.ticket.code === code).map((e) => `${e.type}:${e.action ?? ''}:${e.ticket.status}:${e.ticket.agencyId}`);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
