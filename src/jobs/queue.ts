import type { Queryable } from '../db/database';

/**
 * One queue port, two drivers: BullMQ on Redis (REDIS_URL) and an in-process runner over a
 * Postgres table. Both deliver at least once; handlers are idempotent on the job id.
 */
export const JOB_NAMES = ['ticket.created', 'ticket.transitioned', 'message.deliver', 'webhook.received', 'sla.timer'] as const;
export type JobName = (typeof JOB_NAMES)[number];

export type JobPayload = Record<string, unknown>;
export type JobContext = { jobId: string; attempt: number; maxAttempts: number };
export type JobHandler = (payload: JobPayload, ctx: JobContext) => Promise<void>;

export type EnqueueOptions = {
  /** Deduplication key: the same id twice is one job. */
  jobId: string;
  delayMs?: number;
};

export interface JobQueue {
  readonly driver: 'bullmq' | 'inprocess';
  register(name: JobName, handler: JobHandler): void;
  enqueue(name: JobName, payload: JobPayload, opts: EnqueueOptions): Promise<void>;
  /**
   * Several jobs in one round trip (the relay's batches). Drivers whose queue lives in the database
   * use `q` so the batch joins the caller's transaction.
   */
  enqueueMany(jobs: { name: JobName; payload: JobPayload; jobId: string }[], q?: Queryable): Promise<void>;
  /** Tells idle workers that new jobs may be ready. */
  wake?(): void;
  /** Starts consuming; throws if a job name has no handler. */
  startWorkers(): Promise<void>;
  /**
   * Waits until nothing is queued or running (tests, graceful shutdown). Jobs waiting in a delay
   * or a retry backoff that ends within `horizonMs` count as queued: a delivery retrying in 1 s is
   * work in flight, a reply held until 06:00 is not.
   */
  drain(timeoutMs?: number, horizonMs?: number): Promise<void>;
  /** Whether any job is waiting (due within horizonMs) or running, in one consistent read. */
  busy(horizonMs?: number): Promise<boolean>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class JobRegistrationError extends Error {}

/** Handlers are registered once: a second registration or a missing one stops start-up. */
export class HandlerRegistry {
  private readonly handlers = new Map<JobName, JobHandler>();

  register(name: JobName, handler: JobHandler): void {
    if (!JOB_NAMES.includes(name)) throw new JobRegistrationError(`unknown job name "${name}"`);
    if (this.handlers.has(name)) throw new JobRegistrationError(`job "${name}" has two handlers`);
    this.handlers.set(name, handler);
  }

  assertComplete(): void {
    const missing = JOB_NAMES.filter((n) => !this.handlers.has(n));
    if (missing.length) throw new JobRegistrationError(`no handler registered for job(s): ${missing.join(', ')}`);
  }

  get(name: string): JobHandler {
    const h = this.handlers.get(name as JobName);
    if (!h) throw new JobRegistrationError(`no handler for job "${name}"`);
    return h;
  }
}

/** Exponential backoff with a ceiling: 1 s, 2 s, 4 s … 5 min. */
export function backoffMs(attempt: number): number {
  return Math.min(300_000, 1000 * 2 ** Math.max(0, attempt - 1));
}

export const DEFAULT_MAX_ATTEMPTS = 8;
