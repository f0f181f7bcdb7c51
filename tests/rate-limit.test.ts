import express from 'express';
import IORedis from 'ioredis';
import supertest from 'supertest';
import { errorHandler } from '../src/http/errors';
import {
  bucketOf, clientKey, MemoryWindowCounter, publicRateLimits, RateLimiter, RedisWindowCounter, type WindowCounter,
} from '../src/http/rate-limit';
import { silentLogger, type Logger } from '../src/shared/logger';
import { TEST_REDIS_URL } from './helpers/env';
import { startTestHub, type TestHub } from './helpers/hub';
import { freePort } from './helpers/net';

/** A clock the test moves by hand. */
function manualClock(start = Date.parse('2026-03-02T03:00:00Z')) {
  let now = start;
  return { now: () => new Date(now), ms: () => now, advance: (ms: number) => { now += ms; } };
}

const LIMITS = (n: string) => ({
  RATE_LIMIT_REPORTS_PER_MINUTE: n, RATE_LIMIT_TRACKING_PER_MINUTE: n, RATE_LIMIT_OPEN311_PER_MINUTE: n,
  RATE_LIMIT_PUBLIC_PER_MINUTE: n, RATE_LIMIT_LOGIN_PER_MINUTE: n,
});

const uniquePrefix = () => `rl-test-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

describe('window counting (memory)', () => {
  test('counts per key, tells the ms left, and starts a new window when one ends', async () => {
    const clock = manualClock();
    const c = new MemoryWindowCounter(clock.ms);
    expect(await c.hit('a', 60_000)).toEqual({ count: 1, resetMs: 60_000 });
    clock.advance(15_000);
    expect(await c.hit('a', 60_000)).toEqual({ count: 2, resetMs: 45_000 });
    expect(await c.hit('b', 60_000)).toEqual({ count: 1, resetMs: 60_000 });
    clock.advance(45_000);
    expect(await c.hit('a', 60_000)).toEqual({ count: 1, resetMs: 60_000 });
  });

  test('windows of quiet clients are dropped', async () => {
    const clock = manualClock();
    const c = new MemoryWindowCounter(clock.ms);
    for (let i = 0; i < 100; i++) await c.hit(`client-${i}`, 60_000);
    expect(c.size).toBe(100);
    clock.advance(61_000);
    await c.hit('late', 60_000);
    expect(c.size).toBe(1);
  });

  test('the limiter allows `limit` requests, then refuses with the seconds to the window end', async () => {
    const clock = manualClock();
    const l = new RateLimiter(new MemoryWindowCounter(clock.ms), silentLogger);
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push(await l.check('reports', '10.0.0.1', 3));
    expect(seen.map((d) => d?.allowed)).toEqual([true, true, true, false]);
    expect(seen.map((d) => d?.remaining)).toEqual([2, 1, 0, 0]);
    clock.advance(20_500);
    expect(await l.check('reports', '10.0.0.1', 3)).toEqual({ allowed: false, limit: 3, remaining: 0, resetSeconds: 40 });
    expect((await l.check('reports', '10.0.0.2', 3))?.allowed).toBe(true);
    expect(await l.check('reports', '10.0.0.1', 0)).toBeNull();
    clock.advance(39_500);
    expect((await l.check('reports', '10.0.0.1', 3))?.allowed).toBe(true);
  });

  test('a failing store lets requests through and warns once, not on every request', async () => {
    const warnings: unknown[] = [];
    const log = { warn: (...a: unknown[]) => warnings.push(a) } as unknown as Logger;
    const broken: WindowCounter = { hit: async () => { throw new Error('connection refused'); } };
    const l = new RateLimiter(broken, log);
    for (let i = 0; i < 5; i++) expect(await l.check('reports', '10.0.0.1', 1)).toBeNull();
    expect(warnings).toHaveLength(1);
  });
});

describe('who and what is limited', () => {
  test('clients: IPv4 as is, IPv4-mapped IPv6 as IPv4, IPv6 by its /64', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('2001:db8:abcd:12:1:2:3:4')).toBe('2001:db8:abcd:12::/64');
    expect(clientKey('2001:0db8:abcd:0012::99')).toBe('2001:db8:abcd:12::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey(undefined)).toBe('unknown');
  });

  test.each([
    ['POST', '/api/v1/reports', 'reports'], ['POST', '/API/V1/Reports/', 'reports'], ['GET', '/api/v1/reports', null],
    ['GET', '/api/v1/reports/PA-2611-4K7QZ', 'tracking'], ['HEAD', '/api/v1/reports/PA-2611-4K7QZ', 'tracking'],
    ['POST', '/open311/v2/requests.json', 'open311'], ['GET', '/open311/v2/services.xml', 'open311'],
    ['POST', '/api/v1/auth/login', 'login'], ['GET', '/api/v1/auth/me', null], ['POST', '/api/v1/auth/logout', null],
    ['GET', '/api/v1/surveys/abcdefghijklmnop', 'public'], ['POST', '/api/v1/surveys/abcdefghijklmnop/reopen', 'public'],
    ['GET', '/danh-gia/abcdefghijklmnop', 'public'], ['GET', '/api/v1/public/reports', 'public'], ['GET', '/api/v1/public/filters', 'public'],
    // Signed platform webhooks, staff and IOC routes: never limited here.
    ['POST', '/webhooks/zalo', null], ['POST', '/webhooks/facebook', null], ['POST', '/webhooks/twilio/sms', null],
    ['GET', '/api/v1/tickets', null], ['POST', '/api/v1/tickets/PA-1/actions/assign', null], ['GET', '/api/v1/ioc/summary', null],
    ['GET', '/', null], ['GET', '/console/', null], ['GET', '/api/v1/reportsx', null],
  ])('%s %s → %s', (method, path, bucket) => {
    expect(bucketOf(method, path)).toBe(bucket);
  });
});

describe('the middleware on its own', () => {
  test('a broken store (Redis down) never refuses and never fails', async () => {
    const port = await freePort();
    const redis = new IORedis(`redis://127.0.0.1:${port}`, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 500, lazyConnect: true });
    redis.on('error', () => undefined);
    const app = express();
    app.use(publicRateLimits(new RateLimiter(new RedisWindowCounter(redis, 'x'), silentLogger), { reports: 1, tracking: 1, open311: 1, public: 1, login: 1 }));
    app.post('/api/v1/reports', (_req, res) => { res.status(201).json({ ok: true }); });
    app.use(errorHandler(silentLogger));
    const started = Date.now();
    for (let i = 0; i < 3; i++) {
      const r = await supertest(app).post('/api/v1/reports').send({});
      expect(r.status).toBe(201);
      expect(r.headers['ratelimit-limit']).toBeUndefined();
    }
    expect(Date.now() - started).toBeLessThan(3000);
    redis.disconnect();
  });
});

describe('Redis window counter (shared by processes)', () => {
  let a: IORedis;
  let b: IORedis;
  beforeAll(() => {
    a = new IORedis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    b = new IORedis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => { await a.quit(); await b.quit(); });

  test('two connections count one window; the reset time is the key\'s own; a new window starts after it', async () => {
    const prefix = uniquePrefix();
    const ca = new RedisWindowCounter(a, prefix);
    const cb = new RedisWindowCounter(b, prefix);
    const first = await ca.hit('tracking:10.0.0.1', 1200);
    expect(first.count).toBe(1);
    expect(first.resetMs).toBeGreaterThan(1000);
    expect(first.resetMs).toBeLessThanOrEqual(1200);
    const hits = await Promise.all([cb.hit('tracking:10.0.0.1', 1200), ca.hit('tracking:10.0.0.1', 1200), cb.hit('tracking:10.0.0.1', 1200)]);
    expect(hits.map((h) => h.count).sort()).toEqual([2, 3, 4]);
    for (const h of hits) expect(h.resetMs).toBeLessThanOrEqual(first.resetMs);
    expect((await ca.hit('tracking:10.0.0.2', 1200)).count).toBe(1);
    await new Promise((r) => setTimeout(r, 1300));
    expect((await cb.hit('tracking:10.0.0.1', 1200)).count).toBe(1);
    expect(await a.pttl(`${prefix}:tracking:10.0.0.1`)).toBeGreaterThan(0);
    await a.del(`${prefix}:tracking:10.0.0.1`, `${prefix}:tracking:10.0.0.2`);
  });

  test('a key without expiry gets one back (no client is refused forever)', async () => {
    const prefix = uniquePrefix();
    await a.set(`${prefix}:k`, '7');
    const h = await new RedisWindowCounter(a, prefix).hit('k', 5000);
    expect(h).toEqual({ count: 8, resetMs: 5000 });
    expect(await a.pttl(`${prefix}:k`)).toBeGreaterThan(0);
    await a.del(`${prefix}:k`);
  });
});

describe('limits over HTTP (in-process windows)', () => {
  let t: TestHub;
  const clock = manualClock();
  beforeAll(async () => {
    t = await startTestHub('pglite', { ...LIMITS('3'), OPEN311_API_KEYS: 'o311-key', FACEBOOK_APP_SECRET: 'fb-secret', FACEBOOK_VERIFY_TOKEN: 'fb-verify', FACEBOOK_PAGE_TOKEN: 'fb-page' },
      { clock, start: false });
  });
  afterAll(async () => { await t.close(); });

  const report = (ip: string) => supertest(t.app).post('/api/v1/reports').set('x-forwarded-for', ip)
    .send({ channel: 'web', text: 'Ổ gà lớn trước số 10 đường Lê Lợi, xe máy dễ ngã' });

  test('reports: the limit per IP, RateLimit headers, then 429 with Retry-After and the JSON error; the window resets', async () => {
    const ok = [];
    for (let i = 0; i < 3; i++) ok.push(await report('198.51.100.1'));
    expect(ok.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(ok.map((r) => r.headers['ratelimit-remaining'])).toEqual(['2', '1', '0']);
    expect(ok[0]!.headers['ratelimit-limit']).toBe('3');
    expect(ok[0]!.headers['ratelimit-policy']).toBe('3;w=60');
    expect(ok[0]!.headers['ratelimit-reset']).toBe('60');

    clock.advance(15_000);
    const refused = await report('198.51.100.1');
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('45');
    expect(refused.body.error).toMatchObject({ code: 'rate_limited', details: { retryAfterSeconds: 45 } });
    expect(refused.body.error.message).toMatch(/quá nhiều yêu cầu.*45 giây/);
    expect(refused.body.error.messageEn).toMatch(/Too many requests.*45 seconds/);
    // Nothing was stored for the refused one.
    expect((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tickets'))[0]!.n).toBe(3);

    // Another address behind the same proxy, and the tracking bucket, are counted apart.
    expect((await report('198.51.100.2')).status).toBe(201);
    const track = await supertest(t.app).get(`/api/v1/reports/${ok[0]!.body.code}?token=${ok[0]!.body.trackingToken}`).set('x-forwarded-for', '198.51.100.1');
    expect(track.status).toBe(200);

    clock.advance(44_000);
    expect((await report('198.51.100.1')).headers['retry-after']).toBe('1');
    clock.advance(1_000);
    const again = await report('198.51.100.1');
    expect(again.status).toBe(201);
    expect(again.headers['ratelimit-remaining']).toBe('2');
  });

  test('tracking, public API, survey page and login have their own windows', async () => {
    const statuses = async (call: () => supertest.Test) => { const s = []; for (let i = 0; i < 4; i++) s.push((await call()).status); return s; };
    expect(await statuses(() => supertest(t.app).get('/api/v1/reports/PA-0000-XXXXX?token=nope').set('x-forwarded-for', '198.51.100.10'))).toEqual([404, 404, 404, 429]);
    // The transparency API, the survey API and the survey page share the "public" window.
    const publicCalls = [
      await supertest(t.app).get('/api/v1/public/filters').set('x-forwarded-for', '198.51.100.10'),
      await supertest(t.app).get('/api/v1/surveys/abcdefghijklmnopq').set('x-forwarded-for', '198.51.100.10'),
      await supertest(t.app).get('/danh-gia/abcdefghijklmnopq').set('x-forwarded-for', '198.51.100.10'),
      await supertest(t.app).get('/danh-gia/abcdefghijklmnopq').set('x-forwarded-for', '198.51.100.10'),
    ];
    expect(publicCalls.map((r) => r.status)).toEqual([200, 404, 200, 429]);
    expect(publicCalls[3]!.headers['content-type']).toMatch(/json/);
    expect(await statuses(() => supertest(t.app).post('/api/v1/auth/login').set('x-forwarded-for', '198.51.100.10').send({ email: 'nobody@test.vn', password: 'x' }))).toEqual([401, 401, 401, 429]);
  });

  test('Open311 gets its error array with 429 and Retry-After', async () => {
    const s = [];
    for (let i = 0; i < 3; i++) s.push((await supertest(t.app).get('/open311/v2/services.json').set('x-forwarded-for', '198.51.100.20')).status);
    expect(s).toEqual([200, 200, 200]);
    const refused = await supertest(t.app).get('/open311/v2/services.xml').set('x-forwarded-for', '198.51.100.20');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.text).toMatch(/<errors>\s*<error>\s*<code>429<\/code>/);
    const json = await supertest(t.app).post('/open311/v2/requests.json').set('x-forwarded-for', '198.51.100.20').type('form').send({ api_key: 'o311-key' });
    expect(json.status).toBe(429);
    expect(json.body).toEqual([{ code: 429, description: expect.stringMatching(/Too many requests/) }]);
  });

  test('webhooks, staff and IOC routes are never limited', async () => {
    for (let i = 0; i < 6; i++) {
      const verify = await supertest(t.app).get('/webhooks/facebook?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1').set('x-forwarded-for', '198.51.100.30');
      expect(verify.status).toBe(403);
      const signed = await supertest(t.app).post('/webhooks/facebook').set('x-forwarded-for', '198.51.100.30').set('content-type', 'application/json')
        .set('x-hub-signature-256', 'sha256=' + '0'.repeat(64)).send('{"object":"page","entry":[]}');
      expect(signed.status).toBe(403);
      expect((await supertest(t.app).get('/api/v1/tickets').set('x-forwarded-for', '198.51.100.30')).status).toBe(401);
      expect((await supertest(t.app).get('/api/v1/ioc/summary').set('x-forwarded-for', '198.51.100.30')).status).toBe(401);
    }
  });
});

describe('limits over HTTP on Redis (two API processes)', () => {
  let a: TestHub;
  let b: TestHub;
  const prefix = uniquePrefix();
  beforeAll(async () => {
    const env = { ...LIMITS('4'), REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, HUB_ROLE: 'api' };
    a = await startTestHub('pglite', env, { start: false });
    b = await startTestHub('pglite', env, { start: false });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    const r = new IORedis(TEST_REDIS_URL);
    const keys = await r.keys(`${prefix}:guard:*`);
    if (keys.length) await r.del(...keys);
    await r.quit();
  });

  test('the processes share one window per IP; Retry-After comes from the shared window', async () => {
    const track = (t: TestHub, ip: string) => supertest(t.app).get('/api/v1/reports/PA-0000-XXXXX?token=nope').set('x-forwarded-for', ip);
    const seen = [];
    for (const t of [a, b, a, b]) seen.push((await track(t, '203.0.113.5')).status);
    expect(seen).toEqual([404, 404, 404, 404]);
    const refusedA = await track(a, '203.0.113.5');
    const refusedB = await track(b, '203.0.113.5');
    expect([refusedA.status, refusedB.status]).toEqual([429, 429]);
    for (const r of [refusedA, refusedB]) {
      const s = Number(r.headers['retry-after']);
      expect(s).toBeGreaterThanOrEqual(59);
      expect(s).toBeLessThanOrEqual(60);
    }
    expect((await track(b, '203.0.113.6')).status).toBe(404);
    const redis = new IORedis(TEST_REDIS_URL);
    const keys = await redis.keys(`${prefix}:guard:rl:tracking:*`);
    expect(keys.sort()).toEqual([`${prefix}:guard:rl:tracking:203.0.113.5`, `${prefix}:guard:rl:tracking:203.0.113.6`]);
    await redis.quit();
  });
});
