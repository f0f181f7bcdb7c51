import type { Database } from './database';
import { SqlIntakeWriter } from './ticket-store';
import type { IntakeWriter, NewIntake } from '../workflow/ports';
import type { Ticket } from '../workflow/types';

type Pending = { intake: NewIntake; resolve(t: Ticket | null): void; reject(e: unknown): void };

/**
 * Group commit for report intake. Under load the database spends its time flushing WAL for
 * commits (measured: most active backends waiting on WALWrite / WALSync); reports that arrive
 * while earlier ones are being written share one transaction, so one flush makes many reports
 * durable. Nothing waits for a batch to fill: an idle hub writes a report at once, alone.
 *
 * Each report is still answered only after the transaction holding it committed. If a batch
 * fails (a duplicate `clientRef` racing, a lost connection), its reports are written again one by
 * one, so one bad report never fails the others.
 */
export class BatchingIntakeWriter implements IntakeWriter {
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  private readonly single: SqlIntakeWriter;

  constructor(
    private readonly db: Database,
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
    const maxInFlight = this.opts.maxInFlight ?? 6;
    const maxBatch = this.opts.maxBatch ?? 32;
    while (this.queue.length > 0 && this.inFlight < maxInFlight) {
      const batch = this.queue.splice(0, maxBatch);
      this.inFlight += 1;
      void this.write(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    if (batch.length === 1) {
      const [p] = batch;
      await this.single.recordIntake(p!.intake).then(p!.resolve, p!.reject);
      return;
    }
    let results: (Ticket | null)[];
    try {
      results = await this.db.transaction(async (q) => {
        const writer = new SqlIntakeWriter(q);
        const out: (Ticket | null)[] = [];
        for (const p of batch) out.push(await writer.recordIntake(p.intake));
        return out;
      });
    } catch {
      // Nothing of the batch committed: each report on its own, with its own outcome.
      await Promise.all(batch.map((p) => this.single.recordIntake(p.intake).then(p.resolve, p.reject)));
      return;
    }
    batch.forEach((p, i) => p.resolve(results[i]!));
  }
}
