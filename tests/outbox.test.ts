import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import type { Database } from '../src/db/database';
import { BullMqJobQueue } from '../src/jobs/bullmq-driver';
import { InProcessJobQueue } from '../src/jobs/inprocess-driver';
import type { JobQueue } from '../src/jobs/queue';
import { silentLogger } from '../src/shared/logger';
import { freshDatabase, type Engine } from './helpers/db';
import { TEST_REDIS_URL } from './helpers/env';
import { startTestHub, submitReport, type TestHub } from './helpers/hub';

/**
 * The transactional outbox across crashes. A "process" is a hub on a shared database; killing it
 * is closing it without letting its relay or workers run. A restarted hub must still announce
 * every committed ticket exactly once: one acknowledgement, one run of the ticket.created job.
 */
type Variant = { label: string; engine: Engine; driver: 'inprocess' | 'bullmq' };
const VARIANTS: Variant[] = [
  { label: 'postgres, in-process jobs', engine: 'postgres', driver: 'inprocess' },
  { label: 'pglite, in-process jobs', engine: 'pglite', driver: 'inprocess' },
  { label: 'postgres, BullMQ on Redis', engine: 'postgres', driver: 'bullmq' },
];

type OutboxRow = { id: number; topic: string; payload: Record<string, unknown>; dispatched_at: Date | null };

let run = 0;

describe.each(VARIANTS)('transactional outbox ($label)', ({ engine, driver }) => {
  let redis: IORedis | null = null;
  let db: Database;
  let prefix: string;
  let inspector: Queue | null = null;
  let open: TestHub[] = [];
  /** ticket.created runs: which process ("p1" died, "p2" is its restart), which job, which ticket. */
  let runs: { proc: string; jobId: string; code: unknown }[] = [];

  // One database for the variant (a PGlite copy takes seconds to load); every test has its own
  // tickets and leaves nothing pending, so "0 pending rows" stays a whole-table check.
  beforeAll(async () => {
    db = await freshDatabase(engine);
    if (driver === 'bullmq') redis = new IORedis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    redis?.disconnect();
    await db?.close();
  });

  beforeEach(async () => {
    runs = [];
    open = [];
    prefix = `t-${process.pid}-${Date.now()}-${run++}`;
    // Reads the hub's Redis queue ('hub' under this test's prefix) from outside.
    if (redis) inspector = new Queue('hub', { connection: redis, prefix });
  });

  afterEach(async () => {
    for (const t of open) await t.close();
    if (inspector) {
      await inspector.obliterate({ force: true });
      await inspector.close();
      inspector = null;
      expect(await redis!.keys(`${prefix}:*`)).toEqual([]);
    }
  });

  /** A hub process on the shared database; `start: false` is a process whose relay and workers never ran. */
  async function boot(proc: string, start: boolean): Promise<TestHub> {
    const queue: JobQueue = driver === 'bullmq'
      ? new BullMqJobQueue(TEST_REDIS_URL, silentLogger, { prefix })
      : new InProcessJobQueue(db, silentLogger, { pollMs: 20 });
    const register = queue.register.bind(queue);
    queue.register = (name, handler) => register(name, async (payload, ctx) => {
      if (name === 'ticket.created') runs.push({ proc, jobId: ctx.jobId, code: payload.code });
      await handler(payload, ctx);
    });
    const t = await startTestHub(engine, {}, { db, start, queue });
    open.push(t);
    return t;
  }

  /** Closes a hub without dispatching anything: the process is gone. */
  async function kill(t: TestHub): Promise<void> {
    open = open.filter((o) => o !== t);
    await t.close();
  }

  const outboxFor = async (code: string) => {
    const rows = await db.query<OutboxRow>(`SELECT id, topic, payload, dispatched_at FROM outbox WHERE payload->>'code' = $1`, [code]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.topic).toBe('ticket.created');
    return rows[0]!;
  };
  const acks = (code: string) =>
    db.query<{ direction: string; delivery_status: string; body: string }>(`SELECT direction, delivery_status, body FROM messages WHERE dedupe_key = $1`, [`ack-${code}`]);
  const pendingOutbox = async () =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox WHERE dispatched_at IS NULL'))[0]!.n;
  const jobRows = (jobId: string) =>
    db.query<{ status: string; attempts: number }>('SELECT status, attempts FROM jobs WHERE dedupe_key = $1', [jobId]);
  /** Where the queue keeps the job: a `jobs` row (in-process) or a Redis job (BullMQ). */
  async function queuedJob(jobId: string): Promise<string | null> {
    if (inspector) {
      const job = await inspector.getJob(jobId);
      return job ? String(await job.getState()) : null;
    }
    const rows = await jobRows(jobId);
    expect(rows.length).toBeLessThanOrEqual(1);
    return rows[0]?.status ?? null;
  }

  async function submit(t: TestHub, text: string): Promise<string> {
    const { ticket, created } = await t.hub.intake.submit({ channel: 'web', text, contact: { phone: '0912345678' } });
    expect(created).toBe(true);
    t.hub.afterCommit(); // what the HTTP route does after the commit
    return ticket.code;
  }

  /** What every scenario must end with: announced once, nothing left pending. */
  async function expectAnnouncedOnce(code: string, outboxId: number) {
    const jobId = `outbox-${outboxId}`;
    const ack = await acks(code);
    expect(ack).toHaveLength(1);
    expect(ack[0]).toMatchObject({ direction: 'outbound', delivery_status: 'delivered' });
    expect(ack[0]!.body).toContain(code);
    // One run for this ticket, whatever job id a duplicate would have had (the ack's dedupe key would hide it).
    expect(runs.filter((r) => r.code === code).map((r) => r.jobId)).toEqual([jobId]);
    expect((await outboxFor(code)).dispatched_at).not.toBeNull();
    expect(await pendingOutbox()).toBe(0);
    if (driver === 'inprocess') {
      expect(await jobRows(jobId)).toEqual([{ status: 'done', attempts: 1 }]);
    } else {
      expect(await queuedJob(jobId)).toBe('completed');
      expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs'))[0]!.n).toBe(0); // Redis held the jobs
    }
  }

  test('crash between commit and dispatch: a restarted hub announces the report once', async () => {
    const p1 = await boot('p1', false);
    const res = await submitReport(p1.app, { contact: { phone: '0912000111' } });
    expect(res.status).toBe(201);
    const code = res.body.code as string;
    await new Promise((r) => setTimeout(r, 100)); // a running relay (50 ms poll) would have moved the row by now
    // Committed: the ticket and its outbox row; nothing announced, nothing queued.
    expect(await db.query<{ status: string }>('SELECT status FROM tickets WHERE code = $1', [code])).toEqual([{ status: 'received' }]);
    const row = await outboxFor(code);
    expect(row.dispatched_at).toBeNull();
    expect(await pendingOutbox()).toBe(1);
    // A web report's acknowledgement is stored with the ticket; the announcement job never ran.
    expect(await acks(code)).toHaveLength(1);
    expect(runs.filter((r) => r.code === code)).toEqual([]);
    expect(await queuedJob(`outbox-${row.id}`)).toBeNull();
    await kill(p1);

    const p2 = await boot('p2', true); // start-up: workers, then the relay re-dispatches what p1 left
    await p2.hub.queue.drain();
    await expectAnnouncedOnce(code, row.id);
    expect(runs).toEqual([{ proc: 'p2', jobId: `outbox-${row.id}`, code }]);
  });

  test('crash between enqueue and marking dispatched, job still queued: the re-dispatch is the same job', async () => {
    const p1 = await boot('p1', false);
    const code = await submit(p1, 'Đèn đường hỏng trước trường tiểu học');
    const row = await outboxFor(code);
    // What the relay does first; then the process dies before its UPDATE of dispatched_at commits.
    await p1.hub.queue.enqueue('ticket.created', row.payload, { jobId: `outbox-${row.id}` });
    expect(await queuedJob(`outbox-${row.id}`)).toMatch(/^(pending|waiting)$/);
    expect((await outboxFor(code)).dispatched_at).toBeNull();
    await kill(p1);

    const p2 = await boot('p2', true);
    expect(await pendingOutbox()).toBe(0); // the relay dispatched the row again at start-up
    await p2.hub.queue.drain();
    await expectAnnouncedOnce(code, row.id);
  });

  test('crash between enqueue and marking dispatched, job already run: the re-dispatch does not run it again', async () => {
    const p1 = await boot('p1', false);
    const code = await submit(p1, 'Rác thải chưa được thu gom ba ngày');
    const row = await outboxFor(code);
    await p1.hub.queue.enqueue('ticket.created', row.payload, { jobId: `outbox-${row.id}` });
    await p1.hub.queue.startWorkers(); // a worker (here or elsewhere) runs it before the relay marks the row
    await p1.hub.queue.drain();
    expect(await acks(code)).toHaveLength(1);
    expect((await outboxFor(code)).dispatched_at).toBeNull();
    await kill(p1);

    const p2 = await boot('p2', true);
    await p2.hub.queue.drain();
    await expectAnnouncedOnce(code, row.id);
    expect(runs).toEqual([{ proc: 'p1', jobId: `outbox-${row.id}`, code }]);
  });

  if (driver === 'bullmq') {
    test('Redis flushed while rows are pending: the restarted hub re-enqueues from the Postgres outbox', async () => {
      const p1 = await boot('p1', false);
      const code = await submit(p1, 'Cống thoát nước bị tắc, ngập khi mưa');
      const row = await outboxFor(code);
      // The job even reached Redis (enqueued, row not yet marked) before Redis lost everything.
      await p1.hub.queue.enqueue('ticket.created', row.payload, { jobId: `outbox-${row.id}` });
      expect(await queuedJob(`outbox-${row.id}`)).toBe('waiting');
      await kill(p1);
      await inspector!.obliterate({ force: true });
      expect(await redis!.keys(`${prefix}:*`)).toEqual([]);
      expect(await pendingOutbox()).toBe(1);

      const p2 = await boot('p2', true);
      await p2.hub.queue.drain();
      await expectAnnouncedOnce(code, row.id);
      expect(runs).toEqual([{ proc: 'p2', jobId: `outbox-${row.id}`, code }]);
    });

    test('Redis flushed after the row was dispatched: the sweep re-enqueues the unfinished row once', async () => {
      // p1 is an API process: its relay dispatches, but it runs no workers.
      const queue = new BullMqJobQueue(TEST_REDIS_URL, silentLogger, { prefix });
      const p1 = await startTestHub(engine, { HUB_ROLE: 'api' }, { db, queue, start: true });
      open.push(p1);
      const code = await submit(p1, 'Đèn tín hiệu ngã tư hỏng');
      const row = await outboxFor(code);
      await p1.hub.relay.dispatchAll();
      expect(await queuedJob(`outbox-${row.id}`)).toBe('waiting');
      // p1's own relay loop may hold the row (enqueued, not yet committed): dispatchAll skips a
      // locked row, so wait, bounded, for that commit.
      const dispatchedRow = () => db.query<{ dispatched_at: Date | null; completed_at: Date | null }>('SELECT dispatched_at, completed_at FROM outbox WHERE id = $1', [row.id]);
      let dispatched = await dispatchedRow();
      for (let i = 0; i < 50 && !dispatched[0]?.dispatched_at; i++) { await new Promise((r) => setTimeout(r, 20)); dispatched = await dispatchedRow(); }
      expect(dispatched[0]).toMatchObject({ dispatched_at: expect.any(Date), completed_at: null });
      await kill(p1);
      await inspector!.obliterate({ force: true });

      const p2 = await boot('p2', true);
      await p2.hub.settle();
      expect(runs.filter((r) => r.code === code)).toEqual([]); // the job is gone and the row is no longer pending
      expect(await p2.hub.relay.resendUnfinished(0)).toBeGreaterThanOrEqual(1);
      await p2.hub.settle();
      expect(await p2.hub.relay.resendUnfinished(0)).toBe(0); // finished rows are not sent again
      await expectAnnouncedOnce(code, row.id);
      const done = await db.query<{ completed_at: Date | null; failed: boolean }>('SELECT completed_at, failed FROM outbox WHERE id = $1', [row.id]);
      expect(done[0]).toMatchObject({ completed_at: expect.any(Date), failed: false });
    });
  }
});
