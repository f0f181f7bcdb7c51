import type { Database, Queryable } from '../db/database';
import type { Logger } from '../shared/logger';
import { DEFAULT_MAX_ATTEMPTS, HandlerRegistry, backoffMs, type EnqueueOptions, type JobHandler, type JobName, type JobPayload, type JobQueue } from './queue';

type ClaimedJob = { id: number; name: string; payload: JobPayload; attempts: number; max_attempts: number; dedupe_key: string };

/**
 * Jobs in the `jobs` table, claimed with FOR UPDATE SKIP LOCKED, so several processes on one
 * PostgreSQL share the work and a crashed worker's job is taken again when its lock expires.
 */
export class InProcessJobQueue implements JobQueue {
  readonly driver = 'inprocess' as const;
  private readonly registry = new HandlerRegistry();
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private active = 0;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    private readonly opts: { concurrency?: number; pollMs?: number; lockSeconds?: number } = {},
  ) {}

  register(name: JobName, handler: JobHandler): void {
    this.registry.register(name, handler);
  }

  async enqueue(name: JobName, payload: JobPayload, opts: EnqueueOptions): Promise<void> {
    await this.db.query(
      `INSERT INTO jobs (name, payload, dedupe_key, run_at, max_attempts)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4::double precision / 1000), $5)
       ON CONFLICT (dedupe_key) DO NOTHING`,
      [name, JSON.stringify(payload), opts.jobId, opts.delayMs ?? 0, DEFAULT_MAX_ATTEMPTS],
    );
    this.wake();
  }

  async enqueueMany(jobs: { name: JobName; payload: JobPayload; jobId: string }[], q: Queryable = this.db): Promise<void> {
    if (jobs.length === 0) return;
    await q.query(
      `INSERT INTO jobs (name, payload, dedupe_key, max_attempts)
       SELECT name, payload, dedupe_key, $4 FROM unnest($1::text[], $2::jsonb[], $3::text[]) AS j(name, payload, dedupe_key)
       ON CONFLICT (dedupe_key) DO NOTHING`,
      [jobs.map((j) => j.name), jobs.map((j) => JSON.stringify(j.payload)), jobs.map((j) => j.jobId), DEFAULT_MAX_ATTEMPTS],
    );
    if (q === this.db) this.wake();
  }

  wake(): void {
    this.wakeUp?.();
  }

  async startWorkers(): Promise<void> {
    this.registry.assertComplete();
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  private async claim(limit: number): Promise<ClaimedJob[]> {
    const lock = this.opts.lockSeconds ?? 300;
    return this.db.query<ClaimedJob>(
      `UPDATE jobs SET status = 'running', attempts = attempts + 1,
         locked_until = now() + make_interval(secs => $2)
       WHERE id IN (
         SELECT id FROM jobs
         WHERE (status = 'pending' AND run_at <= now()) OR (status = 'running' AND locked_until < now())
         ORDER BY run_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING id, name, payload, attempts, max_attempts, dedupe_key`,
      [limit, lock],
    );
  }

  /** Runs one claimed job; returns true when it succeeded (marked done with its batch). */
  private async runOne(job: ClaimedJob): Promise<boolean> {
    try {
      await this.registry.get(job.name)(job.payload, { jobId: job.dedupe_key, attempt: job.attempts, maxAttempts: job.max_attempts });
      return true;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const final = job.attempts >= job.max_attempts;
      this.log.warn({ job: job.name, jobId: job.dedupe_key, attempt: job.attempts, final, err: message }, 'job failed');
      await this.db.query(
        `UPDATE jobs SET status = $2, last_error = $3, locked_until = NULL,
           run_at = now() + make_interval(secs => $4::double precision / 1000),
           finished_at = CASE WHEN $2 = 'failed' THEN now() END
         WHERE id = $1`,
        [job.id, final ? 'failed' : 'pending', message.slice(0, 2000), backoffMs(job.attempts)],
      );
      return false;
    }
  }

  private async run(): Promise<void> {
    const concurrency = this.opts.concurrency ?? 16;
    const pollMs = this.opts.pollMs ?? 250;
    while (this.running) {
      let jobs: ClaimedJob[] = [];
      try {
        jobs = await this.claim(concurrency);
      } catch (err) {
        if (!this.running) break;
        this.log.error({ err: String(err) }, 'job claim failed');
      }
      if (jobs.length > 0) {
        this.active += jobs.length;
        const ok = await Promise.all(jobs.map((j) => this.runOne(j).finally(() => (this.active -= 1))));
        // One statement marks the batch's successes done. A crash before it re-runs those jobs
        // when their lock expires, which handlers (idempotent on the job id) tolerate.
        const done = jobs.filter((_, i) => ok[i]).map((j) => j.id);
        if (done.length) {
          await this.db.query(`UPDATE jobs SET status = 'done', finished_at = now(), locked_until = NULL WHERE id = ANY($1::bigint[])`, [done])
            .catch((err) => this.log.error({ err: String(err) }, 'marking jobs done failed'));
        }
        continue;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, pollMs);
        this.wakeUp = () => { clearTimeout(t); resolve(); };
      });
      this.wakeUp = null;
    }
  }

  async busy(horizonMs = 0): Promise<boolean> {
    const rows = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM jobs
       WHERE (status = 'pending' AND run_at <= now() + make_interval(secs => $1::double precision / 1000)) OR status = 'running'`,
      [horizonMs],
    );
    return (rows[0]?.n ?? 0) > 0 || this.active > 0;
  }

  async drain(timeoutMs = 10_000, horizonMs = 0): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (!(await this.busy(horizonMs))) return;
      this.wake();
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('job queue did not drain in time');
  }

  async ping(): Promise<void> {
    await this.db.ping();
  }

  async close(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }
}
