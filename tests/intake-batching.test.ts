import { BatchingIntakeWriter } from '../src/db/intake-batcher';
import { IntakeService } from '../src/intake/intake-service';
import { sqlTransactionRunner } from '../src/db/ticket-store';
import { systemClock } from '../src/workflow/ports';
import { freshDatabase } from './helpers/db';
import type { Database } from '../src/db/database';

/**
 * Group commit for intake (PostgreSQL): reports submitted together share transactions, each is
 * answered only once committed, and a report that fails does not take its batch-mates with it.
 */
describe('batched intake on postgres', () => {
  let db: Database & { url?: string };
  let commits = 0;
  beforeAll(async () => {
    db = await freshDatabase('postgres');
  });
  afterAll(async () => { await db.close(); });

  function service(opts: { maxInFlight?: number; maxBatch?: number } = {}) {
    // Counts the transactions the writer opens, to see that reports were grouped.
    const counted: Database = { ...db, transaction: (fn) => { commits += 1; return db.transaction(fn); } };
    const writer = new BatchingIntakeWriter(counted, opts);
    return new IntakeService({ ...sqlTransactionRunner(db), intake: writer }, systemClock, 'PA');
  }

  test('200 reports at once: all stored once, in far fewer transactions, each answered with its own ticket', async () => {
    commits = 0;
    const intake = service({ maxInFlight: 2, maxBatch: 32 });
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => intake.submit({
      channel: 'web', text: `Phản ánh số ${i}: đèn đường hỏng`, contact: { phone: `0912${String(i).padStart(6, '0')}` },
    })));
    expect(new Set(results.map((r) => r.ticket.code)).size).toBe(200);
    expect(results.every((r, i) => r.created && r.ticket.description === `Phản ánh số ${i}: đèn đường hỏng`)).toBe(true);
    const [n] = await db.query<{ n: number; citizens: number }>(`SELECT count(*)::int AS n, count(DISTINCT citizen_id)::int AS citizens FROM tickets WHERE description LIKE 'Phản ánh số %'`);
    expect(n).toEqual({ n: 200, citizens: 200 });
    const [outbox] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE topic = 'ticket.created'`);
    expect(outbox!.n).toBeGreaterThanOrEqual(200);
    expect(commits).toBeGreaterThan(0);
    expect(commits).toBeLessThan(50); // 200 reports, batches of up to 32, two in flight
  });

  test('a failing report in a batch is retried alone; the others are stored; duplicate clientRefs are one ticket', async () => {
    const intake = service({ maxInFlight: 1, maxBatch: 50 });
    const key = `web:batch-dup-${Date.now()}`;
    const same = { channel: 'web' as const, text: 'Cùng một lần gửi, gửi lại nhiều lần', idempotencyKey: key };
    const results = await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => intake.submit({ channel: 'web', text: `Khác nhau ${i}`, contact: { phone: `0988${String(i).padStart(6, '0')}` } })),
      intake.submit(same), intake.submit(same), intake.submit(same),
    ]);
    const dup = results.slice(10);
    expect(new Set(dup.map((r) => r.ticket.code)).size).toBe(1);
    expect(dup.filter((r) => r.created)).toHaveLength(1);
    const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM tickets WHERE idempotency_key = $1', [key]);
    expect(row!.n).toBe(1);
    const [others] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM tickets WHERE description LIKE 'Khác nhau %'`);
    expect(others!.n).toBe(10);
  });
});
