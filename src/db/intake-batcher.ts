import type { Database } from './database';
import { SqlIntakeWriter } from './ticket-store';
import type { IntakeWriter, NewIntake } from '../workflow/ports';
import type { Ticket } from '../workflow/types';

type Pending = { intake: NewIntake; resolve(t: Ticket | null): void; reject(e: unknown): void };

/**
 * Group commit for report intake. Reports that arrive while earlier ones are being written are
 * written together, as one set-based statement (INTAKE_BATCH_SQL): one round trip, one plan and
 * one WAL flush make a whole batch durable, where one statement per report spent the database's
 * time on per-statement overhead and commits. Nothing waits for a batch to fill: an idle hub
 * writes a report at once, alone.
 *
 * Each report is still answered only after the statement holding it committed. Reports sharing a
 * citizen identity, a ticket code or an idempotency key never share a batch (the statement
 * creates each new citizen once per report). If a batch fails (a `clientRef` racing another
 * process, a lost connection), its reports are written again one by one, so one bad report
 * never fails the others.
 */
export class BatchingIntakeWriter implements IntakeWriter {
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  private readonly single: SqlIntakeWriter;

  constructor(
    db: Database,
    private readonly opts: { maxInFlight?: number; maxBatch?: number } = {},
  ) {
    this.single = new SqlIntakeWriter(db);
  }

  findTicketByIdempotencyKey(key: string): Promise<Ticket | null> {
    return this.single.findTicketByIdempotencyKey(key);
  }

  recordIntake(intake: NewIntake): Promise<Ticket | null> {
    return new Promise((resolve, reject) => {
      this.queue.push({ intake, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    const maxInFlight = this.opts.maxInFlight ?? 4;
    while (this.queue.length > 0 && this.inFlight < maxInFlight) {
      const batch = this.takeBatch(this.opts.maxBatch ?? 64);
      this.inFlight += 1;
      void this.write(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  /** The oldest reports that share nothing with each other; the rest keep their place in the queue. */
  private takeBatch(max: number): Pending[] {
    const keys = new Set<string>();
    const batch: Pending[] = [];
    const keysOf = (i: NewIntake) => [
      `code:${i.ticket.code}`,
      ...(i.ticket.idempotencyKey ? [`idem:${i.ticket.idempotencyKey}`] : []),
      ...i.identities.map((x) => `id:${x.kind}:${x.value}`),
    ];
    for (let k = 0; k < this.queue.length && batch.length < max;) {
      const p = this.queue[k]!;
      const mine = keysOf(p.intake);
      if (batch.length > 0 && mine.some((x) => keys.has(x))) { k++; continue; }
      for (const x of mine) keys.add(x);
      batch.push(p);
      this.queue.splice(k, 1);
    }
    return batch;
  }

  private async write(batch: Pending[]): Promise<void> {
    if (batch.length === 1) {
      const [p] = batch;
      await this.single.recordIntake(p!.intake).then(p!.resolve, p!.reject);
      return;
    }
    let results: (Ticket | null)[];
    try {
      results = await this.single.recordIntakeBatch(batch.map((p) => p.intake));
    } catch {
      // Nothing of the batch committed: each report on its own, with its own outcome.
      await Promise.all(batch.map((p) => this.single.recordIntake(p.intake).then(p.resolve, p.reject)));
      return;
    }
    batch.forEach((p, i) => p.resolve(results[i]!));
  }
}
