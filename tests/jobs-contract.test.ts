import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import type { Database } from '../src/db/database';
import { BullMqJobQueue } from '../src/jobs/bullmq-driver';
import { InProcessJobQueue } from '../src/jobs/inprocess-driver';
import { JOB_NAMES, JobRegistrationError, type JobContext, type JobHandler, type JobName, type JobPayload, type JobQueue } from '../src/jobs/queue';
import { silentLogger } from '../src/shared/logger';
import { freshDatabase } from './helpers/db';
import { TEST_REDIS_URL } from './helpers/env';

/**
 * One contract, both drivers: whatever runs the jobs (the `jobs` table or BullMQ on Redis),
 * handlers see the same behaviour. Each driver also reports the job's own record (a row in
 * `jobs`, a job hash in Redis) so the tests check stored state, not only handler calls.
 */
type JobRecord = { state: 'pending' | 'running' | 'done' | 'failed'; attempts: number };

type Harness = {
  queue: JobQueue;
  /** The driver's stored record of a job, or null when it holds none. */
  record(jobId: string): Promise<JobRecord | null>;
  dispose(): Promise<void>;
};

type Driver = {
  label: string;
  setup(): Promise<void>;
  make(): Harness;
  teardown(): Promise<void>;
};

function inProcessDriver(engine: 'postgres' | 'pglite'): Driver {
  let db: Database;
  return {
    label: `in-process on ${engine}`,
    async setup() { db = await freshDatabase(engine); },
    make() {
      const queue = new InProcessJobQueue(db, silentLogger, { pollMs: 20, concurrency: 4 });
      return {
        queue,
        async record(jobId) {
          const rows = await db.query<{ status: JobRecord['state']; attempts: number }>('SELECT status, attempts FROM jobs WHERE dedupe_key = $1', [jobId]);
          if (rows.length > 1) throw new Error(`${rows.length} job rows for ${jobId}`);
          return rows[0] ? { state: rows[0].status, attempts: rows[0].attempts } : null;
        },
        dispose: () => queue.close(),
      };
    },
    async teardown() { await db?.close(); },
  };
}

function bullMqDriver(): Driver {
  const prefix = `t-${process.pid}-${Date.now()}`;
  let redis: IORedis;
  let n = 0;
  return {
    label: 'BullMQ on Redis',
    async setup() { redis = new IORedis(TEST_REDIS_URL, { maxRetriesPerRequest: null }); },
    make() {
      // A queue name per test, so one test's jobs never reach another test's handlers.
      const queueName = `contract-${n++}`;
      const queue = new BullMqJobQueue(TEST_REDIS_URL, silentLogger, { prefix, queueName, concurrency: 4 });
      const inspector = new Queue(queueName, { connection: redis, prefix });
      return {
        queue,
        async record(jobId) {
          const job = await inspector.getJob(jobId);
          if (!job) return null;
          const s = await job.getState();
          const state: JobRecord['state'] = s === 'completed' ? 'done' : s === 'failed' ? 'failed' : s === 'active' ? 'running' : 'pending';
          return { state, attempts: job.attemptsStarted };
        },
        async dispose() {
          await queue.obliterate();
          await queue.close();
          await inspector.close();
        },
      };
    },
    async teardown() {
      if (!redis) return;
      // Nothing of this run may stay in Redis.
      const left = await redis.keys(`${prefix}:*`);
      if (left.length) await redis.del(...left);
      redis.disconnect();
      expect(left).toEqual([]);
    },
  };
}

const DRIVERS: Driver[] = [inProcessDriver('postgres'), inProcessDriver('pglite'), bullMqDriver()];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

type Call = { name: JobName; payload: JobPayload; ctx: JobContext; at: number };

describe.each(DRIVERS)('job queue contract: $label', (driver) => {
  let h: Harness | null = null;
  let calls: Call[] = [];
  let seq = 0;
  const newId = () => `job-${Date.now().toString(36)}-${seq++}`;

  /** Registers every job name: a recording no-op unless the test gives its own handler. */
  function setup(handlers: Partial<Record<JobName, JobHandler>> = {}, skip: JobName[] = []): Harness {
    h = driver.make();
    for (const name of JOB_NAMES) {
      if (skip.includes(name)) continue;
      h.queue.register(name, async (payload, ctx) => {
        calls.push({ name, payload, ctx, at: Date.now() });
        await handlers[name]?.(payload, ctx);
      });
    }
    return h;
  }

  beforeAll(() => driver.setup());
  afterAll(() => driver.teardown());
  beforeEach(() => { calls = []; });
  afterEach(async () => {
    await h?.dispose();
    h = null;
  });

  test('runs jobs side by side, never more at once than its concurrency (JOB_CONCURRENCY)', async () => {
    let active = 0;
    let most = 0;
    const { queue } = setup({
      'sla.timer': async () => {
        active += 1;
        most = Math.max(most, active);
        await sleep(60);
        active -= 1;
      },
    });
    await queue.startWorkers();
    await queue.enqueueMany(Array.from({ length: 12 }, (_, i) => ({ name: 'sla.timer' as const, payload: { ticketId: i }, jobId: newId() })));
    await queue.drain();
    expect(calls.filter((c) => c.name === 'sla.timer')).toHaveLength(12);
    expect(most).toBeGreaterThanOrEqual(2);
    expect(most).toBeLessThanOrEqual(4);
  });

  test('a job runs once, with its payload and id', async () => {
    const { queue, record } = setup();
    await queue.startWorkers();
    const jobId = newId();
    await queue.enqueue('ticket.created', { ticketId: 42, code: 'PA-2501-ABCDE' }, { jobId });
    await queue.drain();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ name: 'ticket.created', payload: { ticketId: 42, code: 'PA-2501-ABCDE' }, ctx: { jobId, attempt: 1 } });
    expect(await record(jobId)).toEqual({ state: 'done', attempts: 1 });
  });

  test('the same job id enqueued twice (also concurrently, also after it ran) runs once', async () => {
    const { queue, record } = setup();
    const jobId = newId();
    await queue.enqueue('message.deliver', { messageId: 1 }, { jobId });
    await Promise.all([
      queue.enqueue('message.deliver', { messageId: 2 }, { jobId }),
      queue.enqueue('message.deliver', { messageId: 3 }, { jobId }),
    ]);
    await queue.startWorkers();
    await queue.drain();
    await queue.enqueue('message.deliver', { messageId: 4 }, { jobId });
    await queue.drain();
    await sleep(100); // a second run would have been claimed by now
    expect(calls.map((c) => c.payload)).toEqual([{ messageId: 1 }]);
    expect(await record(jobId)).toEqual({ state: 'done', attempts: 1 });
  });

  test('a handler that throws is retried after a backoff and then succeeds', async () => {
    const { queue, record } = setup({
      'ticket.transitioned': async (_p, ctx) => { if (ctx.attempt === 1) throw new Error('agency API down'); },
    });
    await queue.startWorkers();
    const jobId = newId();
    await queue.enqueue('ticket.transitioned', { ticketId: 1, action: 'assign', to: 'assigned' }, { jobId });
    await waitFor('the first attempt to fail', async () => (await record(jobId))?.state === 'pending' && calls.length === 1);
    await waitFor('the retry', () => calls.length >= 2, 5000);
    await queue.drain();
    expect(calls.map((c) => c.ctx.attempt)).toEqual([1, 2]);
    expect(calls.every((c) => c.ctx.jobId === jobId && c.ctx.maxAttempts > 1)).toBe(true);
    // Exponential backoff starts at 1 s on both drivers.
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(950);
    expect(await record(jobId)).toEqual({ state: 'done', attempts: 2 });
  });

  test('a delayed job does not run before its delay', async () => {
    const { queue, record } = setup();
    await queue.startWorkers();
    const jobId = newId();
    const t0 = Date.now();
    await queue.enqueue('message.deliver', { messageId: 9 }, { jobId, delayMs: 300 });
    await sleep(150);
    expect(calls).toHaveLength(0);
    expect(await record(jobId)).toEqual({ state: 'pending', attempts: 0 });
    await waitFor('the delayed job', () => calls.length === 1, 3000);
    expect(calls[0]!.at - t0).toBeGreaterThanOrEqual(295);
    await queue.drain();
    expect(await record(jobId)).toEqual({ state: 'done', attempts: 1 });
  });

  test('start-up stops on a missing handler; a second handler for a name is refused', async () => {
    const { queue, record } = setup({}, ['message.deliver']);
    expect(() => queue.register('ticket.created', async () => undefined)).toThrow(JobRegistrationError);
    expect(() => queue.register('ticket.created', async () => undefined)).toThrow(/two handlers/);
    const jobId = newId();
    await queue.enqueue('ticket.created', { ticketId: 5 }, { jobId });
    await expect(queue.startWorkers()).rejects.toThrow(JobRegistrationError);
    await expect(queue.startWorkers()).rejects.toThrow(/message\.deliver/);
    await sleep(100);
    expect(calls).toHaveLength(0); // nothing consumed after the failed start
    expect(await record(jobId)).toEqual({ state: 'pending', attempts: 0 });
    // Completing the registration lets it start.
    queue.register('message.deliver', async () => undefined);
    await queue.startWorkers();
    await queue.drain();
    expect(calls.map((c) => c.ctx.jobId)).toEqual([jobId]);
  });

  test('drain() with a horizon waits for a retry in a short backoff, not for a job due much later', async () => {
    const { queue, record } = setup({
      'ticket.transitioned': async (_p, ctx) => { if (ctx.attempt === 1) throw new Error('platform timed out'); },
    });
    await queue.startWorkers();
    const retried = newId();
    const later = newId();
    await queue.enqueue('message.deliver', { messageId: 1 }, { jobId: later, delayMs: 60_000 });
    await queue.enqueue('ticket.transitioned', { ticketId: 1, action: 'assign', to: 'assigned' }, { jobId: retried });
    await waitFor('the first attempt to fail', async () => (await record(retried))?.state === 'pending' && calls.length === 1);
    // Without a horizon the backoff looks idle; with one, drain waits for the retry to finish.
    await queue.drain(10_000, 5_000);
    expect(calls.map((c) => c.ctx.attempt)).toEqual([1, 2]);
    expect(await record(retried)).toEqual({ state: 'done', attempts: 2 });
    expect(await record(later)).toEqual({ state: 'pending', attempts: 0 });
  });

  test('drain() returns only once queued and running work is done', async () => {
    const finished = new Set<string>();
    const { queue, record } = setup({
      'message.deliver': async (p) => { await sleep(150); finished.add(String(p.messageId)); },
    });
    await queue.drain(); // nothing queued: returns at once
    const ids = Array.from({ length: 6 }, () => newId());
    await Promise.all(ids.map((jobId, i) => queue.enqueue('message.deliver', { messageId: i }, { jobId })));
    await queue.startWorkers();
    await queue.drain();
    expect(finished.size).toBe(6);
    for (const jobId of ids) expect((await record(jobId))?.state).toBe('done');
  });
});
