import { BatchingIntakeWriter } from '../src/db/intake-batcher';
import { IntakeService } from '../src/intake/intake-service';
import { SqlIntakeWriter, sqlTransactionRunner } from '../src/db/ticket-store';
import { systemClock, type NewIntake } from '../src/workflow/ports';
import { ENGINES, freshDatabase } from './helpers/db';
import type { Database } from '../src/db/database';

/**
 * Group commit for intake: reports submitted together are written by one set-based statement
 * (INTAKE_BATCH_SQL), each is answered only once committed, reports that share a citizen, a code
 * or a clientRef never share a batch, and a report that fails does not take its batch-mates with it.
 */
describe('batched intake on postgres', () => {
  let db: Database & { url?: string };
  let statements = 0;
  beforeAll(async () => {
    db = await freshDatabase('postgres');
  });
  afterAll(async () => { await db.close(); });

  function service(opts: { maxInFlight?: number; maxBatch?: number } = {}) {
    // Counts the statements the writer sends, to see that reports were grouped.
    const counted: Database = { ...db, query: (sql, params) => { statements += 1; return db.query(sql, params); } };
    const writer = new BatchingIntakeWriter(counted, opts);
    return new IntakeService({ ...sqlTransactionRunner(db), intake: writer }, systemClock, 'PA');
  }

  test('200 reports at once: all stored once, in far fewer statements, each answered with its own ticket', async () => {
    statements = 0;
    const intake = service({ maxInFlight: 2, maxBatch: 32 });
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => intake.submit({
      channel: 'web', text: `Phản ánh số ${i}: đèn đường hỏng`, contact: { phone: `0912${String(i).padStart(6, '0')}` },
    })));
    expect(new Set(results.map((r) => r.ticket.code)).size).toBe(200);
    expect(results.every((r, i) => r.created && r.ticket.description === `Phản ánh số ${i}: đèn đường hỏng`)).toBe(true);
    const [n] = await db.query<{ n: number; citizens: number }>(`SELECT count(*)::int AS n, count(DISTINCT citizen_id)::int AS citizens FROM tickets WHERE description LIKE 'Phản ánh số %'`);
    expect(n).toEqual({ n: 200, citizens: 200 });
    // Each ticket's citizen is the one with its phone.
    const [mismatch] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM tickets t JOIN citizens c ON c.id = t.citizen_id
       WHERE t.description LIKE 'Phản ánh số %' AND c.phone <> '0912' || lpad(substring(t.description FROM 'số (\\d+)'), 6, '0')`);
    expect(mismatch!.n).toBe(0);
    const [rows] = await db.query<{ messages: number; events: number; outbox: number; acks: number }>(
      `SELECT (SELECT count(*)::int FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE t.description LIKE 'Phản ánh số %' AND m.direction = 'inbound') AS messages,
              (SELECT count(*)::int FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.description LIKE 'Phản ánh số %' AND e.type = 'created') AS events,
              (SELECT count(*)::int FROM outbox WHERE topic = 'ticket.created') AS outbox, 0 AS acks`);
    expect(rows).toMatchObject({ messages: 200, events: 200 });
    expect(rows!.outbox).toBeGreaterThanOrEqual(200);
    expect(statements).toBeGreaterThan(0);
    expect(statements).toBeLessThan(50); // 200 reports, batches of up to 32, two in flight
  });

  test('reports from one citizen submitted together: one citizen, each report its own ticket, identities linked once', async () => {
    const intake = service({ maxInFlight: 1, maxBatch: 50 });
    const phone = '0977000111';
    const results = await Promise.all([
      ...Array.from({ length: 5 }, (_, i) => intake.submit({ channel: 'app', text: `Cùng người ${i}`, contact: { phone } })),
      intake.submit({ channel: 'app', text: 'Cùng người, thêm email và tên', contact: { phone, email: 'cung.nguoi@example.vn', name: 'Chị Hoa', shareWithAgency: true } }),
    ]);
    expect(new Set(results.map((r) => r.ticket.code)).size).toBe(6);
    expect(new Set(results.map((r) => r.ticket.citizenId)).size).toBe(1);
    const [c] = await db.query<{ display_name: string; email: string; contact_consent: boolean }>('SELECT * FROM citizens WHERE id = $1', [results[0]!.ticket.citizenId]);
    expect(c).toMatchObject({ display_name: 'Chị Hoa', email: 'cung.nguoi@example.vn', contact_consent: true });
    const ids = await db.query<{ kind: string }>('SELECT kind FROM citizen_identities WHERE citizen_id = $1 ORDER BY kind', [results[0]!.ticket.citizenId]);
    expect(ids.map((x) => x.kind)).toEqual(['email', 'phone']);
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

  test('a clientRef raced by another writer fails its batch: every report still gets its answer', async () => {
    const key = `web:race-${Date.now()}`;
    const other = new IntakeService(sqlTransactionRunner(db), systemClock, 'PA');
    // The other writer stores the clientRef first; the batch holding it hits the unique index.
    const first = await other.submit({ channel: 'web', text: 'Gửi từ tiến trình khác', idempotencyKey: key });
    const writer = new SqlIntakeWriter(db);
    const lookup = writer.findTicketByIdempotencyKey.bind(writer);
    // Make the first pre-check miss, as a race would; the retry after the unique violation finds it.
    let raced = false;
    (writer as { findTicketByIdempotencyKey(k: string): Promise<unknown> }).findTicketByIdempotencyKey = async (k) => {
      if (k === key && !raced) { raced = true; return null; }
      return lookup(k);
    };
    const batcher = new BatchingIntakeWriter(db, { maxInFlight: 1, maxBatch: 50 });
    const racing = new IntakeService({ ...sqlTransactionRunner(db), intake: { recordIntake: (i) => batcher.recordIntake(i), findTicketByIdempotencyKey: (k) => writer.findTicketByIdempotencyKey(k) } }, systemClock, 'PA');
    const results = await Promise.all([
      racing.submit({ channel: 'web', text: 'Đúng lúc tranh chấp', idempotencyKey: key }),
      ...Array.from({ length: 6 }, (_, i) => racing.submit({ channel: 'web', text: `Cùng lô ${i}`, contact: { phone: `0966${String(i).padStart(6, '0')}` } })),
    ]);
    expect(raced).toBe(true);
    expect(results[0]!.ticket.code).toBe(first.ticket.code);
    expect(results.slice(1).every((r) => r.created)).toBe(true);
  });
});

describe.each(ENGINES)('the set-based intake statement on %s', (engine) => {
  let db: Database;
  beforeAll(async () => { db = await freshDatabase(engine); });
  afterAll(async () => { await db.close(); });

  const intakeOf = (code: string, text: string, identities: NewIntake['identities'], ack: boolean): NewIntake => ({
    ticket: { code, trackingToken: `tok-${code}`, channel: 'web', citizenId: 0, categoryCode: null, priority: 'normal', description: text, searchText: text,
      locationLat: 20.65, locationLng: 106.05, address: null, provinceCode: null, communeCode: null, idempotencyKey: null, publishable: true, at: new Date() },
    identities, citizen: { displayName: null, phone: identities.find((x) => x.kind === 'phone')?.value ?? null, email: null, contactConsent: false },
    message: { direction: 'inbound', channel: 'web', externalId: null, visibility: 'public', body: text, attachments: [], deliveryStatus: 'received' },
    event: { actorKind: 'citizen', type: 'created', fromStatus: null, toStatus: 'received', data: { channel: 'web' } },
    acknowledgement: ack ? { body: `Đã nhận ${code}`, dedupeKey: `ack-${code}` } : null,
    outbox: { topic: 'ticket.created', payload: { code } },
  });

  test('stores each report whole, finds known citizens, leaves out a taken code and answers in order', async () => {
    const writer = new SqlIntakeWriter(db);
    const known = await writer.recordIntake(intakeOf('BT-KNOWN', 'trước', [{ kind: 'phone', value: '0911111111' }], false));
    const out = await writer.recordIntakeBatch([
      intakeOf('BT-1', 'một', [{ kind: 'phone', value: '0922222222' }], true),
      intakeOf('BT-KNOWN', 'mã đã có', [{ kind: 'phone', value: '0933333333' }], false),
      intakeOf('BT-2', 'người cũ', [{ kind: 'phone', value: '0911111111' }, { kind: 'zalo', value: '8300001' }], false),
      intakeOf('BT-3', 'không liên hệ', [], true),
    ]);
    expect(out.map((t) => t?.code ?? null)).toEqual(['BT-1', null, 'BT-2', 'BT-3']);
    expect(out[2]!.citizenId).toBe(known!.citizenId);
    expect(out[0]!.citizenId).not.toBe(known!.citizenId);
    expect(out[2]).toMatchObject({ locationLat: 20.65, locationLng: 106.05, status: 'received' });
    const [counts] = await db.query<{ msgs: number; acks: number; events: number; outbox: number; zalo: number }>(
      `SELECT (SELECT count(*)::int FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE t.code LIKE 'BT-%' AND m.direction = 'inbound') AS msgs,
              (SELECT count(*)::int FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE t.code LIKE 'BT-%' AND m.direction = 'outbound' AND m.delivery_status = 'delivered') AS acks,
              (SELECT count(*)::int FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.code LIKE 'BT-%') AS events,
              (SELECT count(*)::int FROM outbox WHERE payload->>'code' LIKE 'BT-%') AS outbox,
              (SELECT count(*)::int FROM citizen_identities WHERE kind = 'zalo' AND value = '8300001' AND citizen_id = $1) AS zalo`, [known!.citizenId]);
    expect(counts).toEqual({ msgs: 4, acks: 2, events: 4, outbox: 4, zalo: 1 });
    // The report whose code was taken got no ticket; its citizen is known, and the redraw uses it.
    const [first] = await db.query<{ citizen_id: number }>('SELECT citizen_id FROM citizen_identities WHERE value = $1', ['0933333333']);
    const [again] = await writer.recordIntakeBatch([intakeOf('BT-4', 'mã đã có', [{ kind: 'phone', value: '0933333333' }], false), intakeOf('BT-5', 'khác', [], false)]);
    expect(again!.citizenId).toBe(first!.citizen_id);
    const [tickets] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM tickets WHERE citizen_id = $1', [first!.citizen_id]);
    expect(tickets!.n).toBe(1);
  });
});
