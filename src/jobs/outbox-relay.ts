import type { Database } from '../db/database';
import type { Logger } from '../shared/logger';
import { JOB_NAMES, type JobName, type JobQueue } from './queue';

type OutboxRow = { id: number; topic: string; payload: Record<string, unknown> };

/**
 * Moves committed outbox rows onto the job queue. The job id is the outbox id, so a row
 * dispatched twice (crash between enqueue and marking it) is still one job. Started on every
 * start-up, it first re-dispatches whatever an earlier process left pending.
 */
export class OutboxRelay {
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private pendingWake = false;

  constructor(
    private readonly db: Database,
    private readonly queue: JobQueue,
    private readonly log: Logger,
    private readonly opts: { pollMs?: number; batch?: number; recoverAfterSeconds?: number } = {},
  ) {}

  /** Dispatches one batch; returns how many rows it moved. */
  async dispatchBatch(): Promise<number> {
    const moved = await this.moveBatch();
    if (moved > 0) this.queue.wake?.();
    return moved;
  }

  private moveBatch(): Promise<number> {
    const batch = this.opts.batch ?? 100;
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<OutboxRow>(
        `SELECT id, topic, payload FROM outbox WHERE dispatched_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [batch],
      );
      const known = rows.filter((row) => {
        if (JOB_NAMES.includes(row.topic as JobName)) return true;
        this.log.error({ outboxId: row.id, topic: row.topic }, 'outbox row with unknown topic left pending');
        return false;
      });
      // One round trip for the batch; in-process drivers insert inside this transaction.
      await this.queue.enqueueMany(known.map((r) => ({ name: r.topic as JobName, payload: r.payload, jobId: `outbox-${r.id}` })), tx);
      const ids = known.map((r) => r.id);
      if (ids.length) await tx.query('UPDATE outbox SET dispatched_at = now() WHERE id = ANY($1::bigint[])', [ids]);
      return ids.length;
    });
  }

  /** Everything pending now; returns the total moved. */
  async dispatchAll(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.dispatchBatch();
      total += n;
      if (n < (this.opts.batch ?? 100)) return total;
    }
  }

  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.pendingWake = true;
  }

  async start(): Promise<number> {
    const recovered = await this.dispatchAll();
    if (recovered) this.log.info({ recovered }, 'outbox: re-dispatched rows left pending by an earlier run');
    this.running = true;
    this.loop = this.run();
    return recovered;
  }

  private async run(): Promise<void> {
    const pollMs = this.opts.pollMs ?? 500;
    let lastSweep = Date.now();
    while (this.running) {
      const recoverAfter = this.opts.recoverAfterSeconds ?? 120;
      if (Date.now() - lastSweep > Math.min(30, recoverAfter / 2) * 1000) {
        lastSweep = Date.now();
        await this.resendUnfinished(recoverAfter).catch((err) => this.log.error({ err: String(err) }, 'outbox sweep failed'));
      }
      try {
        const n = await this.dispatchAll();
        if (n > 0) continue;
      } catch (err) {
        if (!this.running) break;
        this.log.error({ err: String(err) }, 'outbox dispatch failed; will retry');
      }
      if (this.pendingWake) { this.pendingWake = false; continue; }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, pollMs);
        this.wakeUp = () => { clearTimeout(t); resolve(); };
      });
      this.wakeUp = null;
    }
  }

  private finished: { id: number; failed: boolean }[] = [];
  private flushTimer: NodeJS.Timeout | null = null;

  /**
   * Called when an outbox row's job finished (or failed for good). Written in batches: a row whose
   * mark is lost in a crash is re-enqueued by the sweep under the same job id, which the queue
   * recognises as already done.
   */
  async markCompleted(outboxId: number, failed = false): Promise<void> {
    this.finished.push({ id: outboxId, failed });
    if (this.finished.length >= 100) await this.flushCompleted();
    else this.flushTimer ??= setTimeout(() => { void this.flushCompleted().catch((err) => this.log.error({ err: String(err) }, 'outbox completion flush failed')); }, 100);
  }

  async flushCompleted(): Promise<void> {
    if (this.flushTimer) { clearTimeout(this.flushTimer); this.flushTimer = null; }
    const batch = this.finished.splice(0);
    if (batch.length === 0) return;
    await this.db.query(
      `UPDATE outbox o SET completed_at = now(), failed = f.failed
       FROM unnest($1::bigint[], $2::boolean[]) AS f(id, failed) WHERE o.id = f.id AND o.completed_at IS NULL`,
      [batch.map((b) => b.id), batch.map((b) => b.failed)]);
  }

  /**
   * Rows handed to the queue long ago whose job never finished: the queue lost them (a Redis flush
   * or restart). Enqueue them again under the same job id — a job that still exists is not doubled.
   */
  async resendUnfinished(olderThanSeconds = 120, limit = 500): Promise<number> {
    const rows = await this.db.query<OutboxRow>(
      `SELECT id, topic, payload FROM outbox
       WHERE completed_at IS NULL AND dispatched_at IS NOT NULL AND dispatched_at < now() - make_interval(secs => $1)
       ORDER BY id LIMIT $2`, [olderThanSeconds, limit]);
    for (const row of rows) {
      if (!JOB_NAMES.includes(row.topic as JobName)) continue;
      await this.queue.enqueue(row.topic as JobName, row.payload, { jobId: `outbox-${row.id}` });
    }
    if (rows.length) this.log.warn({ rows: rows.length }, 'outbox: re-enqueued dispatched rows whose jobs never finished');
    return rows.length;
  }

  async pendingCount(): Promise<number> {
    const rows = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox WHERE dispatched_at IS NULL');
    return rows[0]?.n ?? 0;
  }

  async stop(): Promise<void> {
    await this.flushCompleted().catch(() => undefined);
    this.running = false;
    this.wakeUp?.();
    await this.loop;
  }
}
