import { Queue, Worker, type Job } from 'bullmq';
import IORedis from 'ioredis';
import type { Logger } from '../shared/logger';
import { DEFAULT_MAX_ATTEMPTS, HandlerRegistry, type EnqueueOptions, type JobHandler, type JobName, type JobPayload, type JobQueue } from './queue';

/**
 * BullMQ on Redis. Redis here keeps nothing on disk, so it is never the only copy of anything:
 * the outbox and the deadlines in Postgres are, and the relay re-enqueues from them.
 */
export class BullMqJobQueue implements JobQueue {
  readonly driver = 'bullmq' as const;
  private readonly registry = new HandlerRegistry();
  private readonly connection: IORedis;
  private readonly queue: Queue;
  private worker: Worker | null = null;
  /** BullMQ leaves a connection it was given open, so the worker's own one is closed here. */
  private workerConnection: IORedis | null = null;

  constructor(
    redisUrl: string,
    private readonly log: Logger,
    private readonly opts: { prefix?: string; queueName?: string; concurrency?: number } = {},
  ) {
    // BullMQ workers need maxRetriesPerRequest: null (stack notes); the queue shares the setting.
    this.connection = new IORedis(redisUrl, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
    this.connection.on('error', (err) => this.log.warn({ err: String(err) }, 'redis connection error'));
    this.queue = new Queue(this.queueName, { connection: this.connection, prefix: this.prefix });
  }

  private get prefix() { return this.opts.prefix ?? 'hub1022'; }
  private get queueName() { return this.opts.queueName ?? 'hub'; }

  register(name: JobName, handler: JobHandler): void {
    this.registry.register(name, handler);
  }

  async enqueue(name: JobName, payload: JobPayload, opts: EnqueueOptions): Promise<void> {
    await this.queue.add(name, payload, { ...this.jobOptions(opts.jobId), delay: opts.delayMs });
  }

  private jobOptions(jobId: string) {
    return {
      jobId: jobId.replace(/:/g, '_'), // BullMQ reserves ':' in custom ids
      attempts: DEFAULT_MAX_ATTEMPTS,
      backoff: { type: 'exponential' as const, delay: 1000 },
      // Completed jobs stay a day so a re-dispatched outbox row is recognised as done.
      removeOnComplete: { age: 24 * 3600 },
      removeOnFail: { age: 7 * 24 * 3600 },
    };
  }

  async enqueueMany(jobs: { name: JobName; payload: JobPayload; jobId: string }[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.queue.addBulk(jobs.map((j) => ({ name: j.name, data: j.payload, opts: this.jobOptions(j.jobId) })));
  }


  async startWorkers(): Promise<void> {
    this.registry.assertComplete();
    if (this.worker) return;
    this.workerConnection = this.connection.duplicate();
    this.worker = new Worker(
      this.queueName,
      async (job: Job) => {
        await this.registry.get(job.name)(job.data as JobPayload, {
          jobId: job.id ?? '', attempt: job.attemptsMade + 1, maxAttempts: job.opts.attempts ?? DEFAULT_MAX_ATTEMPTS,
        });
      },
      { connection: this.workerConnection, prefix: this.prefix, concurrency: this.opts.concurrency ?? 10 },
    );
    this.worker.on('failed', (job, err) => this.log.warn({ job: job?.name, jobId: job?.id, err: err.message }, 'job failed'));
    this.worker.on('error', (err) => this.log.warn({ err: String(err) }, 'worker error'));
  }

  async busy(horizonMs = 0): Promise<boolean> {
    // One atomic read of every state a job passes through: read one by one, a job moving from
    // delayed to waiting to active between the reads would be seen in none of them. Delayed
    // jobs (delays and retry backoffs) sit in a sorted set scored by due time × 0x1000.
    const k = this.queue.keys;
    const replies = await this.connection.multi()
      .llen(k.wait).llen(k.active).zcard(k.prioritized)
      .zcount(k.delayed, 0, horizonMs > 0 ? (Date.now() + horizonMs + 1) * 0x1000 : 0)
      .exec();
    return (replies ?? []).reduce((sum, [err, n]) => sum + (err ? 1 : Number(n)), 0) > 0;
  }

  async drain(timeoutMs = 10_000, horizonMs = 0): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (!(await this.busy(horizonMs))) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('job queue did not drain in time');
  }

  async ping(): Promise<void> {
    await this.connection.ping();
  }

  /** Removes every job of this queue (tests only). */
  async obliterate(): Promise<void> {
    await this.queue.obliterate({ force: true });
  }

  async close(): Promise<void> {
    await this.worker?.close();
    this.workerConnection?.disconnect();
    await this.queue.close();
    this.connection.disconnect();
  }
}
