import IORedis from 'ioredis';
import supertest from 'supertest';
import { RedisThrottleStore, SqlThrottleStore } from '../src/db/login-throttle-store';
import type { Database } from '../src/db/database';
import {
  admit, fail, giveBack, LoginThrottle, LOCKOUT_MEMORY_MS, MemoryThrottleStore, expiresAt, type ThrottlePolicy, type ThrottleState, type ThrottleStore,
} from '../src/staff/login-throttle';
import { ENGINES, freshDatabase } from './helpers/db';
import { TEST_REDIS_URL } from './helpers/env';
import { seedPeople, startTestHub, type TestHub } from './helpers/hub';

function manualClock(start = Date.parse('2026-03-02T03:00:00Z')) {
  let now = start;
  return { now: () => new Date(now), ms: () => now, advance: (ms: number) => { now += ms; } };
}

const uniquePrefix = () => `lt-test-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
const MIN = 60_000;
const P: ThrottlePolicy = { limit: 5, windowMs: 15 * MIN, lockMs: MIN, maxLockMs: 5 * MIN };

describe('the lockout policy (pure)', () => {
  /** n attempts that all fail; returns the state and the lock the last one caused. */
  function failures(s: ThrottleState | null, n: number, now: number): { s: ThrottleState | null; lockedMs: number; refusedMs: number } {
    let lockedMs = 0;
    for (let i = 0; i < n; i++) {
      const a = admit(s, now, P);
      if (a.refusedMs) return { s, lockedMs, refusedMs: a.refusedMs };
      s = a.next;
      const f = fail(s, now, P);
      if (f.next) s = f.next;
      lockedMs = f.lockedMs;
    }
    return { s, lockedMs, refusedMs: 0 };
  }

  test('five failures in the window lock for a minute; each further lockout doubles, capped', () => {
    const t0 = 1_000_000;
    let r = failures(null, 4, t0);
    expect(r.lockedMs).toBe(0);
    r = failures(r.s, 1, t0);
    expect(r.lockedMs).toBe(MIN);
    expect(admit(r.s, t0 + 59_000, P)).toEqual({ next: null, refusedMs: 1000 });
    const locks = [MIN];
    let now = t0;
    for (let i = 0; i < 4; i++) {
      now += locks[locks.length - 1]!;
      r = failures(r.s, 5, now);
      locks.push(r.lockedMs);
    }
    expect(locks).toEqual([MIN, 2 * MIN, 4 * MIN, 5 * MIN, 5 * MIN]);
  });

  test('failures spread over more than the window do not add up', () => {
    let r = failures(null, 4, 0);
    r = failures(r.s, 4, 15 * MIN);
    expect(r.lockedMs).toBe(0);
    expect(r.s?.f).toBe(4);
  });

  test('attempts in flight hold their place: the sixth concurrent attempt waits without being counted', () => {
    let s: ThrottleState | null = null;
    for (let i = 0; i < 5; i++) s = admit(s, 0, P).next;
    expect(admit(s, 0, P)).toEqual({ next: null, refusedMs: 1000 });
    // One of them succeeds: its place is given back, and a new attempt may start.
    const afterSuccess = giveBack(s);
    expect(afterSuccess?.f).toBe(4);
    expect(admit(afterSuccess, 0, P).refusedMs).toBe(0);
    // A failure locks only when the count is at the limit.
    expect(fail(afterSuccess, 0, P)).toEqual({ next: null, lockedMs: 0 });
    expect(fail(s, 0, P)).toEqual({ next: { f: 0, w: 0, l: 1, u: MIN }, lockedMs: MIN });
  });

  test('a state is kept a day past its window or lock, then forgotten with its doubling', () => {
    expect(expiresAt({ f: 1, w: 0, l: 0, u: 0 }, P)).toBe(15 * MIN + LOCKOUT_MEMORY_MS);
    expect(expiresAt({ f: 0, w: 0, l: 3, u: 20 * MIN }, P)).toBe(20 * MIN + LOCKOUT_MEMORY_MS);
  });
});

test('a failing store (Redis down) lets logins through and reports the failure', async () => {
  const errors: unknown[] = [];
  const broken: ThrottleStore = {
    read: async () => { throw new Error('Stream isn\'t writeable'); },
    swap: async () => { throw new Error('Stream isn\'t writeable'); },
    remove: async () => { throw new Error('Stream isn\'t writeable'); },
  };
  const throttle = new LoginThrottle(broken, { failures: 1, ipFailures: 1, windowSeconds: 900, lockSeconds: 60, maxLockSeconds: 3600 },
    { now: () => new Date() }, (e) => errors.push(e));
  for (let i = 0; i < 3; i++) {
    const a = await throttle.begin('op@test.vn', '10.0.0.1');
    expect(a.refusedSeconds).toBe(0);
    expect(await a.failed()).toBe(0);
  }
  await (await throttle.begin('op@test.vn', '10.0.0.1')).succeeded();
  expect(errors.length).toBeGreaterThan(0);
});

type StoreCase = { name: string; make(): Promise<{ store: ThrottleStore; close(): Promise<void>; raw(): Promise<string> }> };

const storeCases: StoreCase[] = [
  { name: 'memory', make: async () => ({ store: new MemoryThrottleStore(), close: async () => undefined, raw: async () => '' }) },
  ...ENGINES.map((engine): StoreCase => ({
    name: engine,
    make: async () => {
      const db: Database = await freshDatabase(engine);
      return {
        store: new SqlThrottleStore(db),
        close: () => db.close(),
        raw: async () => JSON.stringify(await db.query('SELECT * FROM login_throttle')),
      };
    },
  })),
  {
    name: 'redis',
    make: async () => {
      const redis = new IORedis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
      const prefix = uniquePrefix();
      return {
        store: new RedisThrottleStore(redis, prefix),
        raw: async () => {
          const keys = await redis.keys(`${prefix}:*`);
          return JSON.stringify([keys, keys.length ? await redis.mget(...keys) : []]);
        },
        async close() {
          const keys = await redis.keys(`${prefix}:*`);
          if (keys.length) await redis.del(...keys);
          await redis.quit();
        },
      };
    },
  },
];

describe.each(storeCases)('throttle store on $name', ({ make }) => {
  let h: Awaited<ReturnType<StoreCase['make']>>;
  beforeAll(async () => { h = await make(); });
  afterAll(async () => { await h.close(); });

  test('compare-and-set: a stale version loses, absent and expired are the same, remove clears', async () => {
    const now = Date.now();
    const s1 = { f: 1, w: now, l: 0, u: 0 };
    expect(await h.store.read('k1', now)).toBeNull();
    expect(await h.store.swap('k1', null, s1, now + 60_000, now)).toBe(true);
    expect(await h.store.swap('k1', null, s1, now + 60_000, now)).toBe(false);
    const r1 = await h.store.read('k1', now);
    expect(r1?.state).toEqual(s1);
    expect(await h.store.swap('k1', r1!.version, { ...s1, f: 2 }, now + 60_000, now)).toBe(true);
    expect(await h.store.swap('k1', r1!.version, { ...s1, f: 9 }, now + 60_000, now)).toBe(false);
    expect((await h.store.read('k1', now))?.state.f).toBe(2);
    await h.store.remove('k1');
    expect(await h.store.read('k1', now)).toBeNull();
    // Expired: read as absent (by the clock given, or by Redis's own expiry), and replaceable as absent.
    expect(await h.store.swap('k2', null, s1, now + 300, now)).toBe(true);
    await new Promise((r) => setTimeout(r, 350));
    const later = Date.now();
    expect(await h.store.read('k2', later)).toBeNull();
    expect(await h.store.swap('k2', null, { ...s1, f: 3 }, later + 60_000, later)).toBe(true);
    expect((await h.store.read('k2', later))?.state.f).toBe(3);
  });

  test('twenty parallel attempts on one account: five are let in, the rest wait; nothing stores the email', async () => {
    const throttle = new LoginThrottle(h.store, { failures: 5, ipFailures: 100, windowSeconds: 900, lockSeconds: 60, maxLockSeconds: 3600 }, { now: () => new Date() });
    const attempts = await Promise.all(Array.from({ length: 20 }, (_, i) => throttle.begin('Parallel@Test.vn', `10.1.0.${i}`)));
    expect(attempts.filter((a) => a.refusedSeconds === 0)).toHaveLength(5);
    const locks = await Promise.all(attempts.filter((a) => a.refusedSeconds === 0).map((a) => a.failed()));
    expect(locks.filter((s) => s > 0)).toEqual([60]);
    expect((await throttle.begin('parallel@test.vn ', '10.1.0.99')).refusedSeconds).toBe(60);
    expect((await h.raw()).toLowerCase()).not.toContain('parallel');
    expect(await h.raw()).not.toContain('10.1.0.');
  });
});

const THROTTLE_ENV = { LOGIN_THROTTLE_FAILURES: '5', LOGIN_THROTTLE_IP_FAILURES: '8', LOGIN_THROTTLE_LOCK_SECONDS: '60', LOGIN_THROTTLE_MAX_LOCK_SECONDS: '3600' };

const httpCases = [
  ...ENGINES.map((engine) => ({ name: `${engine} (table login_throttle)`, engine, env: {} as Record<string, string> })),
  { name: 'Redis', engine: 'postgres' as const, env: { REDIS_URL: TEST_REDIS_URL, HUB_ROLE: 'api' } as Record<string, string> },
];

describe.each(httpCases)('login lockout over HTTP on $name', ({ engine, env }) => {
  let t: TestHub;
  const clock = manualClock();
  const prefix = uniquePrefix();
  beforeAll(async () => {
    t = await startTestHub(engine, { ...THROTTLE_ENV, ...env, QUEUE_PREFIX: prefix }, { clock, start: false });
    await seedPeople(t.db);
  });
  afterAll(async () => {
    await t.close();
    if (env.REDIS_URL) {
      const r = new IORedis(TEST_REDIS_URL);
      const keys = await r.keys(`${prefix}:*`);
      if (keys.length) await r.del(...keys);
      await r.quit();
    }
  });

  const login = (email: string, password: string, ip = '198.51.100.1') =>
    supertest(t.app).post('/api/v1/auth/login').set('x-forwarded-for', ip).send({ email, password });
  const RIGHT = 'correct horse battery';

  test('five failures lock the account for a minute; locked, right and wrong passwords get the same answer; then it opens again', async () => {
    for (let i = 0; i < 4; i++) expect((await login('op@test.vn', 'wrong')).status).toBe(401);
    const fifth = await login('op@test.vn', 'wrong');
    expect(fifth.status).toBe(429);
    expect(fifth.headers['retry-after']).toBe('60');
    expect(fifth.body.error).toMatchObject({ code: 'login_locked', details: { retryAfterSeconds: 60 } });
    expect(fifth.body.error.message).toMatch(/Đăng nhập sai quá nhiều lần.*60 giây/);
    expect(fifth.body.error.messageEn).toMatch(/Too many failed logins.*60 seconds/);

    clock.advance(20_000);
    const right = await login('op@test.vn', RIGHT);
    const wrong = await login('op@test.vn', 'wrong again');
    // Other spellings of the same address are the same account.
    const shouted = await login(' OP@Test.vn ', RIGHT);
    for (const r of [right, wrong, shouted]) {
      expect(r.status).toBe(429);
      expect(r.headers['retry-after']).toBe('40');
      expect(r.headers['set-cookie']).toBeUndefined();
      expect(r.body).toEqual(right.body);
    }
    // Another account, from the same address, is not locked.
    expect((await login('sup@test.vn', RIGHT)).status).toBe(200);

    clock.advance(40_000);
    const opened = await login('op@test.vn', RIGHT);
    expect(opened.status).toBe(200);
    expect(opened.headers['set-cookie']?.[0]).toMatch(/^hub_session=/);
  });

  test('a success clears the account: its next lock is a minute again; without a success the lock doubles', async () => {
    for (let i = 0; i < 4; i++) expect((await login('op@test.vn', 'wrong', '198.51.100.2')).status).toBe(401);
    expect((await login('op@test.vn', 'wrong', '198.51.100.2')).headers['retry-after']).toBe('60');
    clock.advance(60_000);
    for (let i = 0; i < 4; i++) expect((await login('op@test.vn', 'wrong', '198.51.100.3')).status).toBe(401);
    const second = await login('op@test.vn', 'wrong', '198.51.100.3');
    expect(second.status).toBe(429);
    expect(second.headers['retry-after']).toBe('120');
    expect(second.body.error.message).toMatch(/2 phút/);
    clock.advance(120_000);
    expect((await login('op@test.vn', RIGHT, '198.51.100.3')).status).toBe(200);
  });

  test('an unknown address is locked the same way (nothing tells accounts apart)', async () => {
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await login('nobody@test.vn', 'x', '198.51.100.4')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
    clock.advance(60_000);
  });

  test('one address guessing across accounts is locked after LOGIN_THROTTLE_IP_FAILURES, for every account', async () => {
    const emails = ['a1@test.vn', 'a2@test.vn', 'a3@test.vn', 'a4@test.vn'];
    const statuses = [];
    for (let i = 0; i < 8; i++) statuses.push((await login(emails[i % 4]!, 'guess', '203.0.113.9')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 401, 429]);
    const refused = await login('admin@test.vn', RIGHT, '203.0.113.9');
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('login_locked');
    // The same account from another address, and successes (which give their attempt back), are fine.
    for (let i = 0; i < 10; i++) expect((await login('admin@test.vn', RIGHT, '203.0.113.10')).status).toBe(200);
    clock.advance(60_000);
    expect((await login('admin@test.vn', RIGHT, '203.0.113.9')).status).toBe(200);
  });

  test('the stored state names neither accounts nor addresses', async () => {
    if (env.REDIS_URL) {
      const r = new IORedis(TEST_REDIS_URL);
      const keys = await r.keys(`${prefix}:guard:login:*`);
      await r.quit();
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.join(' ')).not.toMatch(/test\.vn|198\.51|203\.0/);
    } else {
      const rows = await t.db.query<{ key: string; state: string }>('SELECT key, state FROM login_throttle');
      expect(rows.length).toBeGreaterThan(0);
      expect(JSON.stringify(rows)).not.toMatch(/test\.vn|198\.51|203\.0/);
    }
  });
});

test('LOGIN_THROTTLE_FAILURES=0 and LOGIN_THROTTLE_IP_FAILURES=0 turn the lockout off', async () => {
  const t = await startTestHub('pglite', { LOGIN_THROTTLE_FAILURES: '0', LOGIN_THROTTLE_IP_FAILURES: '0' }, { start: false });
  try {
    await seedPeople(t.db);
    const statuses = [];
    for (let i = 0; i < 8; i++) statuses.push((await supertest(t.app).post('/api/v1/auth/login').send({ email: 'op@test.vn', password: 'wrong' })).status);
    expect(statuses).toEqual(Array(8).fill(401));
    expect((await supertest(t.app).post('/api/v1/auth/login').send({ email: 'op@test.vn', password: 'correct horse battery' })).status).toBe(200);
  } finally {
    await t.close();
  }
});
