/**
 * SLA sweep benchmark, real PostgreSQL: with 1,000,000 open tickets, finding the due timers costs
 * time proportional to the number due, not the number open.
 *
 * Every open ticket has a running clock (sla_next_timer_at set), spread uniformly over the next
 * 30 days from a fixed instant T0, at distinct 2.592 s steps: the k-th earliest timer is exactly
 * T0 + k × 2.592 s. "N due" is then the sweep run at now = T0 + N × 2.592 s, which is what happens
 * in production as time passes; no row is rewritten between runs, so no run measures bloat.
 *
 * Baseline, same run, same rows: the same question on an unindexed copy of the column
 * (sla_next_timer_copy, filled with identical values), i.e. what the sweep costs when it has to
 * look at every open ticket.
 */
import type { Database } from '../db/database';
import { loadCategories } from '../db/catalog';
import { migrate } from '../db/migrate';
import { openPostgres } from '../db/postgres';
import { foldVietnamese } from '../shared/text';
import { createScratchDatabase, dropScratchDatabase } from './scratch-db';

const DB_NAME = 'hub_bench_sla';
const OPEN_TICKETS = 1_000_000;
const DUE_COUNTS = [10, 100, 1_000, 10_000] as const;
/** The sweep's batch size: larger than every N, so the cutoff (not the LIMIT) bounds the work. */
const SWEEP_LIMIT = 100_000;
const RUNS = 20;
const WARM_UP_RUNS = 3;
const STEP_MS = 2_592; // 30 days / 1,000,000
const CHUNK = 250_000;
const SWEEP_INDEX = 'tickets_sla_next_timer';

const SWEEP_SQL = 'SELECT id FROM tickets WHERE sla_next_timer_at <= $1 ORDER BY sla_next_timer_at LIMIT $2';
const SCAN_SQL = 'SELECT id FROM tickets WHERE sla_next_timer_copy <= $1 ORDER BY sla_next_timer_copy LIMIT $2';

export type Timing = { medianMs: number; p95Ms: number; rows: number };

export type SweepRow = {
  due: number;
  open: number;
  indexed: Timing;
  fullScan: Timing;
  /** full-scan median ÷ indexed median */
  ratio: number;
  indexedPlan: string;
  fullScanPlan: string;
};

export type SlaSweepFigures = {
  open: number;
  generationSeconds: number;
  indexSeconds: number;
  runs: number;
  sweepLimit: number;
  rows: SweepRow[];
  /** indexed median ÷ N at the smallest and the largest N */
  msPerDueSmall: number;
  msPerDueLarge: number;
  /** extra time per extra due ticket between the smallest and the largest N (slope) */
  marginalMsPerDue: number;
};

const OPEN_RUNNING_STATUSES = ['received', 'triaged', 'assigned', 'in_progress', 'reopened', 'transferred', 'returned'];
const CHANNELS = ['phone', 'sms', 'email', 'facebook', 'zalo', 'web', 'app', 'open311'];
// Most reports are normal; a few urgent (the weights of a real day, roughly).
const PRIORITY_WHEEL = ['urgent', 'high', 'high', 'high', 'normal', 'normal', 'normal', 'normal', 'normal', 'normal',
  'normal', 'normal', 'normal', 'normal', 'normal', 'normal', 'normal', 'low', 'low', 'low'];
const TEXTS = [
  'Đèn đường trước số 12 Nguyễn Văn Linh bị hỏng, tối rất tối.',
  'Rác ở đầu ngõ 45 Lê Lợi 3 ngày nay không ai thu gom.',
  'Ổ gà lớn giữa đường Điện Biên gần ngã tư, xe máy dễ ngã.',
  'Quán karaoke số 8 Tô Hiệu hát đến 1h sáng.',
];
const FOLDED = TEXTS.map(foldVietnamese);

const seconds = (t0: number) => (performance.now() - t0) / 1000;

/** Loads the open tickets; returns seconds spent inserting and seconds rebuilding indexes. */
async function generate(db: Database, t0Iso: string): Promise<{ load: number; indexes: number }> {
  const categories = (await db.query<{ code: string }>('SELECT code FROM categories ORDER BY sort_order')).map((r) => r.code);
  if (categories.length === 0) throw new Error('no categories loaded');
  return db.transaction(async (tx) => {
    // A bulk load of rows we generate consistent ourselves: no per-row FK triggers (replica role),
    // no WAL flush wait, and the ordinary ticket indexes built once at the end rather than row by row.
    await tx.exec(`SET LOCAL synchronous_commit = off; SET LOCAL session_replication_role = replica;
      SET LOCAL maintenance_work_mem = '256MB'`);
    await tx.exec('ALTER TABLE tickets ADD COLUMN sla_next_timer_copy timestamptz');
    await tx.query(`INSERT INTO citizens (display_name, phone, contact_consent)
      SELECT 'Công dân ' || g, '09' || lpad(g::text, 8, '0'), true FROM generate_series(1, 5000) g`);
    const heavy = await tx.query<{ indexname: string; indexdef: string }>(
      `SELECT i.indexname, i.indexdef FROM pg_indexes i
       JOIN pg_class c ON c.relname = i.indexname
       JOIN pg_index x ON x.indexrelid = c.oid
       WHERE i.tablename = 'tickets' AND i.schemaname = current_schema() AND i.indexname <> $1
         AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)`, [SWEEP_INDEX]);
    for (const ix of heavy) await tx.exec(`DROP INDEX ${ix.indexname}`);
    const tLoad = performance.now();
    const firstCitizen = (await tx.query<{ id: number }>('SELECT min(id) AS id FROM citizens'))[0]!.id;
    for (let from = 1; from <= OPEN_TICKETS; from += CHUNK) {
      const to = Math.min(OPEN_TICKETS, from + CHUNK - 1);
      // Timers: (i × 7919) mod 1,000,000 is a permutation of 0..999,999 (7919 is prime to 10^6), so
      // timer order is unrelated to insertion order and every timer is distinct.
      await tx.query(`INSERT INTO tickets (code, tracking_token, status, channel, citizen_id, category_code, priority,
          description, search_text, created_at, updated_at, status_changed_at,
          sla_resolution_due_at, sla_next_timer_at, sla_next_timer_copy)
        SELECT 'BN-' || lpad(g::text, 8, '0'), md5(g::text),
          ($3::text[])[1 + g % ${OPEN_RUNNING_STATUSES.length}],
          ($4::text[])[1 + (g / 7) % ${CHANNELS.length}],
          $5::bigint + g % 5000,
          ($6::text[])[1 + (g / 3) % $7::int],
          ($8::text[])[1 + (g / 11) % ${PRIORITY_WHEEL.length}],
          ($9::text[])[1 + g % ${TEXTS.length}],
          'bn-' || lpad(g::text, 8, '0') || ' ' || ($10::text[])[1 + g % ${TEXTS.length}],
          c, c, c,
          t + interval '1 day', t, t
        FROM generate_series($1::int, $2::int) g,
          LATERAL (SELECT $11::timestamptz - ((g::bigint * 104729) % 2592000) * interval '1 second' AS c,
                          $11::timestamptz + (((g::bigint * 7919) % ${OPEN_TICKETS}) + 1) * interval '${STEP_MS} milliseconds' AS t) v`,
        [from, to, OPEN_RUNNING_STATUSES, CHANNELS, firstCitizen, categories, categories.length, PRIORITY_WHEEL, TEXTS, FOLDED, t0Iso]);
    }
    const load = seconds(tLoad);
    const tIndexes = performance.now();
    for (const ix of heavy) await tx.exec(ix.indexdef);
    return { load, indexes: seconds(tIndexes) };
  });
}

type PlanNode = { 'Node Type': string; 'Index Name'?: string; 'Relation Name'?: string; Plans?: PlanNode[] };

function planNodes(n: PlanNode): PlanNode[] {
  return [n, ...(n.Plans ?? []).flatMap(planNodes)];
}

function describe(n: PlanNode): string {
  return planNodes(n).map((p) => p['Index Name'] ? `${p['Node Type']} using ${p['Index Name']}` : p['Node Type']).join(' → ');
}

async function plan(db: Database, sql: string, params: unknown[]): Promise<PlanNode> {
  const rows = await db.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${sql}`, params);
  const raw = rows[0]!['QUERY PLAN'];
  const parsed = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode }[];
  return parsed[0]!.Plan;
}

async function time(db: Database, sql: string, params: unknown[]): Promise<Timing> {
  let rows = 0;
  for (let i = 0; i < WARM_UP_RUNS; i++) rows = (await db.query(sql, params)).length;
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const r = await db.query(sql, params);
    samples.push(performance.now() - t0);
    if (r.length !== rows) throw new Error(`row count changed between runs: ${rows} then ${r.length}`);
  }
  samples.sort((a, b) => a - b);
  const mid = samples.length / 2;
  const medianMs = samples.length % 2 ? samples[Math.floor(mid)]! : (samples[mid - 1]! + samples[mid]!) / 2;
  return { medianMs, p95Ms: samples[Math.ceil(samples.length * 0.95) - 1]!, rows };
}

export async function benchSlaSweep(adminUrl: string): Promise<SlaSweepFigures> {
  const url = await createScratchDatabase(adminUrl, DB_NAME);
  // One connection: the sweep is one worker's query, and timings should not include pool handoffs.
  const db = await openPostgres(url, 1);
  try {
    await migrate(db);
    await loadCategories(db);
    const t0 = new Date(Math.floor(Date.now() / 1000) * 1000);
    const tGen = performance.now();
    const gen = await generate(db, t0.toISOString());
    await db.exec('VACUUM ANALYZE tickets');
    const generationSeconds = seconds(tGen);
    console.log(`  SLA sweep: ${OPEN_TICKETS.toLocaleString('en')} open tickets generated in ${generationSeconds.toFixed(1)} s `
      + `(insert ${gen.load.toFixed(1)} s, ticket indexes ${gen.indexes.toFixed(1)} s, vacuum/analyze the rest)`);

    const open = (await db.query<{ n: number }>(
      `SELECT count(*) AS n FROM tickets WHERE status NOT IN ('resolved', 'closed', 'rejected', 'merged')`))[0]!.n;
    if (open !== OPEN_TICKETS) throw new Error(`expected ${OPEN_TICKETS} open tickets, found ${open}`);

    const rows: SweepRow[] = [];
    for (const due of DUE_COUNTS) {
      const now = new Date(t0.getTime() + due * STEP_MS);
      const params = [now, SWEEP_LIMIT];
      const indexedPlan = await plan(db, SWEEP_SQL, params);
      if (!planNodes(indexedPlan).some((n) => n['Index Name'] === SWEEP_INDEX)) {
        throw new Error(`SLA sweep at N=${due} does not use ${SWEEP_INDEX}: ${describe(indexedPlan)}`);
      }
      const fullScanPlan = await plan(db, SCAN_SQL, params);
      const indexed = await time(db, SWEEP_SQL, params);
      const fullScan = await time(db, SCAN_SQL, params);
      if (indexed.rows !== due || fullScan.rows !== due) {
        throw new Error(`N=${due}: sweep returned ${indexed.rows}, full scan ${fullScan.rows}`);
      }
      rows.push({ due, open, indexed, fullScan, ratio: fullScan.medianMs / indexed.medianMs,
        indexedPlan: describe(indexedPlan), fullScanPlan: describe(fullScanPlan) });
    }
    const first = rows[0]!;
    const last = rows[rows.length - 1]!;
    return {
      open, generationSeconds, indexSeconds: gen.indexes, runs: RUNS, sweepLimit: SWEEP_LIMIT, rows,
      msPerDueSmall: first.indexed.medianMs / first.due,
      msPerDueLarge: last.indexed.medianMs / last.due,
      marginalMsPerDue: (last.indexed.medianMs - first.indexed.medianMs) / (last.due - first.due),
    };
  } finally {
    await db.close();
    await dropScratchDatabase(adminUrl, DB_NAME);
  }
}

export function printSlaSweep(f: SlaSweepFigures): void {
  const ms = (x: number) => x.toFixed(2).padStart(8);
  console.log(`SLA sweep, PostgreSQL, ${f.open.toLocaleString('en')} open tickets (generated in ${f.generationSeconds.toFixed(1)} s); `
    + `${f.runs} runs each, LIMIT ${f.sweepLimit.toLocaleString('en')}`);
  console.log('  baseline: the same query on an unindexed copy of sla_next_timer_at (every open ticket read)');
  console.log(`  ${'N due'.padStart(7)} ${'open'.padStart(10)} ${'rows'.padStart(7)}  ${'sweep median'.padStart(12)} ${'p95'.padStart(8)}  `
    + `${'full scan median'.padStart(16)} ${'p95'.padStart(8)}  ${'ratio'.padStart(7)}`);
  for (const r of f.rows) {
    console.log(`  ${r.due.toLocaleString('en').padStart(7)} ${r.open.toLocaleString('en').padStart(10)} ${r.indexed.rows.toLocaleString('en').padStart(7)}  `
      + `${ms(r.indexed.medianMs)} ms ${ms(r.indexed.p95Ms)}  ${ms(r.fullScan.medianMs)} ms     ${ms(r.fullScan.p95Ms)}  ${r.ratio.toFixed(1).padStart(6)}×`);
  }
  const last = f.rows[f.rows.length - 1]!;
  const first = f.rows[0]!;
  // Plans as EXPLAIN chose them, grouped: the planner may switch index scan ↔ bitmap scan with N.
  const byPlan = new Map<string, number[]>();
  for (const r of f.rows) byPlan.set(r.indexedPlan, [...(byPlan.get(r.indexedPlan) ?? []), r.due]);
  for (const [p, ns] of byPlan) console.log(`  sweep plan (N=${ns.map((n) => n.toLocaleString('en')).join(', ')}): ${p}`);
  console.log(`  full-scan plan: ${first.fullScanPlan}`);
  console.log(`  scaling: ${(f.msPerDueSmall * 1000).toFixed(1)} µs per due ticket at N=${first.due} (fixed round trip dominates), `
    + `${(f.msPerDueLarge * 1000).toFixed(2)} µs at N=${last.due.toLocaleString('en')}; `
    + `slope ${(f.marginalMsPerDue * 1000).toFixed(2)} µs per extra due ticket; open = ${f.open.toLocaleString('en')} in every row`);
  console.log(`  N due ×${(last.due / first.due).toLocaleString('en')} → sweep ×${(last.indexed.medianMs / first.indexed.medianMs).toFixed(1)}; `
    + `full scan ×${(last.fullScan.medianMs / first.fullScan.medianMs).toFixed(2)} (it pays for the open tickets)`);
}
