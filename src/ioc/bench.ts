/**
 * IOC feed benchmark, real PostgreSQL: the summary and the time series over 1,000,000 tickets,
 * through the same code the endpoints run (IocFeed: fold, rollup reads, point-in-time counts),
 * against the same numbers computed straight from tickets in the same run.
 *
 * Tickets are received over the 730 days before a fixed instant T0 with realistic lives: first
 * response minutes to days later, resolution hours to weeks later, closure 3 days after that, SLA
 * deadlines of 2 or 10 days with their outcomes and breaches, some rejected or merged, the most
 * recent still open. They are loaded set-based with triggers off, then `ioc_rollup_rebuild()`
 * fills the rollups. The trigger path is measured separately (one-statement updates with and
 * without it, and the fold of what they appended), and the feed is checked against the direct
 * counts afterwards, so the figures are for rollups that the triggers keep.
 */
import { Client } from 'pg';
import { loadCategories } from '../db/catalog';
import type { Database } from '../db/database';
import { migrate } from '../db/migrate';
import { openPostgres } from '../db/postgres';
import { CHANNELS } from '../workflow/types';
import { createScratchDatabase, dropScratchDatabase, scratchDatabaseUrl } from '../bench/scratch-db';
import { IocFeed } from './feed';
import { DAY_MS, periodPieces, resolvePeriod, type Period } from './period';
import { IocStore, MARGINALS_SQL, POINT_IN_TIME_SQL, type MarginalRow } from './store';
import { agencyIdsOf, buildSummary, communeCodesOf, type IocSummary } from './summary';

const DB_NAME = 'hub_bench_ioc';
const TICKETS = 1_000_000;
const SPAN_DAYS = 730;
const CHUNK = 250_000;
const AGENCIES = 30;
const COMMUNES = 100;
const RUNS = 30;
const WARM_UP_RUNS = 3;
const WRITES = 1_000;
const TARGET_P95_MS = 100;

export type Timing = { p50Ms: number; p95Ms: number };
export type IocBenchRow = {
  query: string; windowDays: number; feed: Timing; direct: Timing;
  /** direct p50 ÷ feed p50 */
  ratio: number;
  /** the feed's answer equals the direct one (medians: within the histogram's resolution) */
  agree: boolean;
  directPlan: string;
};
export type IocFeedFigures = {
  tickets: number; openTickets: number; spanDays: number; generationSeconds: number; rebuildSeconds: number;
  rollupRows: { hourly: number; marginal: number };
  writes: { n: number; withTriggerMs: number; withoutTriggerMs: number; foldMs: number; deltaRows: number };
  runs: number; marginalPlan: string; rows: IocBenchRow[]; targetP95Ms: number;
};

const seconds = (t0: number) => (performance.now() - t0) / 1000;

function percentileOf(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)]!;
}

async function time<T>(fn: () => Promise<T>): Promise<{ timing: Timing; result: T }> {
  let result = await fn();
  for (let i = 1; i < WARM_UP_RUNS; i++) result = await fn();
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    result = await fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { timing: { p50Ms: percentileOf(samples, 0.5), p95Ms: percentileOf(samples, 0.95) }, result };
}

async function generate(db: Database, t0: Date): Promise<void> {
  const categories = (await db.query<{ code: string }>('SELECT code FROM categories ORDER BY sort_order')).map((r) => r.code);
  if (categories.length === 0) throw new Error('no categories loaded');
  await db.transaction(async (tx) => {
    // A bulk load of rows we generate consistent ourselves: no triggers (the rollups are rebuilt
    // after), no FK checks, ticket indexes built once at the end.
    await tx.exec(`SET LOCAL synchronous_commit = off; SET LOCAL session_replication_role = replica; SET LOCAL maintenance_work_mem = '256MB'`);
    await tx.query(`INSERT INTO agencies (code, name_vi, name_en, kind)
      SELECT 'don-vi-' || g, 'Đơn vị ' || g, 'Agency ' || g, 'department' FROM generate_series(1, ${AGENCIES}) g`);
    await tx.query(`INSERT INTO citizens (display_name, phone, contact_consent)
      SELECT 'Công dân ' || g, '09' || lpad(g::text, 8, '0'), true FROM generate_series(1, 5000) g`);
    const agencyIds = (await tx.query<{ id: number }>('SELECT id FROM agencies ORDER BY id')).map((r) => r.id);
    const firstCitizen = (await tx.query<{ id: number }>('SELECT min(id) AS id FROM citizens'))[0]!.id;
    const communes = Array.from({ length: COMMUNES }, (_, i) => String(11000 + i * 7));
    const heavy = await tx.query<{ indexname: string; indexdef: string }>(
      `SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname JOIN pg_index x ON x.indexrelid = c.oid
       WHERE i.tablename = 'tickets' AND i.schemaname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)`);
    for (const ix of heavy) await tx.exec(`DROP INDEX ${ix.indexname}`);
    for (let from = 1; from <= TICKETS; from += CHUNK) {
      const to = Math.min(TICKETS, from + CHUNK - 1);
      // Pseudo-random but reproducible draws: multiplications by primes modulo other primes.
      await tx.query(`INSERT INTO tickets (code, tracking_token, status, channel, citizen_id, category_code, priority, description, search_text,
          agency_id, commune_code, created_at, updated_at, status_changed_at, first_response_at, resolved_at, closed_at,
          sla_resolution_due_at, sla_breached_at, sla_outcome, satisfaction_answered_at, satisfaction_satisfied, satisfaction_score)
        SELECT 'BI-' || lpad(g::text, 8, '0'), md5(g::text), s.status, ($4::text[])[1 + (g / 7) % 8], $5::bigint + g % 5000,
          CASE WHEN g % 40 = 7 THEN NULL ELSE ($6::text[])[1 + (g / 3) % cardinality($6::text[])] END, 'normal', 'Phản ánh thử', 'phan anh thu',
          CASE WHEN g % 20 = 0 THEN NULL ELSE ($7::bigint[])[1 + (g * 13) % ${AGENCIES}] END,
          CASE WHEN g % 25 = 0 THEN NULL ELSE ($8::text[])[1 + (g * 17) % ${COMMUNES}] END,
          v.created, v.created, v.created, d.fr, d.res, d.closed, v.due,
          CASE WHEN d.res IS NOT NULL AND d.res > v.due AND g % 3 <> 0 THEN v.due
               WHEN d.res IS NULL AND s.status NOT IN ('rejected', 'merged') AND v.due < $3 THEN v.due END,
          CASE WHEN d.res IS NULL THEN NULL WHEN d.res <= v.due THEN 'on_time' WHEN g % 3 = 0 THEN 'late_with_extension' ELSE 'late' END,
          -- two thirds of the resolved citizens answer the survey, within three days
          q.answered, CASE WHEN q.answered IS NOT NULL THEN q.score >= 3 END, CASE WHEN q.answered IS NOT NULL THEN q.score END
        FROM generate_series($1::int, $2::int) g
        CROSS JOIN LATERAL (SELECT
            $3::timestamptz - ((g::bigint * 104729) % ${SPAN_DAYS * 86_400}) * interval '1 second' AS created,
            ((g::bigint * 6151) % 9973) / 9973.0 AS fr_draw, ((g::bigint * 7919) % 10007) / 10007.0 AS res_draw,
            g % 100 AS w) r
        CROSS JOIN LATERAL (SELECT r.created,
            r.created + (5 + 2880 * r.fr_draw ^ 3) * interval '1 minute' AS fr,
            r.created + (2 + 400 * r.res_draw ^ 3) * interval '1 hour' AS res,
            r.created + CASE WHEN g % 5 = 0 THEN interval '48 hours' ELSE interval '240 hours' END AS due) v
        CROSS JOIN LATERAL (SELECT
            CASE WHEN r.w >= 3 AND v.fr < $3 THEN v.fr END AS fr,
            CASE WHEN r.w >= 3 AND v.res < $3 THEN v.res END AS res,
            CASE WHEN r.w >= 3 AND v.res + interval '72 hours' < $3 THEN v.res + interval '72 hours' END AS closed) d
        CROSS JOIN LATERAL (SELECT CASE WHEN r.w < 2 THEN 'rejected' WHEN r.w = 2 THEN 'merged' WHEN d.closed IS NOT NULL THEN 'closed'
            WHEN d.res IS NOT NULL THEN 'resolved'
            ELSE (ARRAY['received', 'triaged', 'assigned', 'in_progress', 'waiting_for_citizen', 'reopened', 'transferred'])[1 + g % 7] END AS status) s
        CROSS JOIN LATERAL (SELECT
            CASE WHEN d.res IS NOT NULL AND g % 3 <> 1 AND d.res + ((g * 31) % 72) * interval '1 hour' < $3
              THEN d.res + ((g * 31) % 72) * interval '1 hour' END AS answered,
            (ARRAY[5, 5, 5, 4, 4, 4, 3, 2, 1, 5])[1 + (g * 37) % 10]::smallint AS score) q`,
        [from, to, t0, CHANNELS, firstCitizen, categories, agencyIds, communes]);
    }
    for (const ix of heavy) await tx.exec(ix.indexdef);
  });
}

type PlanNode = { 'Node Type': string; 'Index Name'?: string; Plans?: PlanNode[] };
const planNodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(planNodes)];
async function plan(db: Database, sql: string, params: unknown[]): Promise<string> {
  const rows = await db.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${sql}`, params);
  const raw = rows[0]!['QUERY PLAN'];
  const parsed = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode }[];
  const seen = new Set<string>();
  for (const n of planNodes(parsed[0]!.Plan)) {
    if (/Scan/.test(n['Node Type'])) seen.add(n['Index Name'] ? `${n['Node Type']} using ${n['Index Name']}` : n['Node Type']);
  }
  return [...seen].join(', ');
}

// ---- the same numbers, straight from tickets -------------------------------------------------

const inP = (col: string) => `${col} >= $1 AND ${col} < $2`;
const PROCESSED = `status IN ('resolved', 'closed') AND resolved_at IS NOT NULL`;
const DIRECT_SUMMARY_SQL = `
SELECT CASE WHEN GROUPING(channel) = 0 THEN 'channel' WHEN GROUPING(cat) = 0 THEN 'category' WHEN GROUPING(agency) = 0 THEN 'agency'
            WHEN GROUPING(commune) = 0 THEN 'commune' ELSE 'all' END AS dim,
  CASE WHEN GROUPING(channel) = 0 THEN channel WHEN GROUPING(cat) = 0 THEN cat WHEN GROUPING(agency) = 0 THEN agency::text
       WHEN GROUPING(commune) = 0 THEN commune ELSE '' END AS key,
  count(*) FILTER (WHERE ${inP('created_at')})::bigint AS "received",
  count(*) FILTER (WHERE ${inP('resolved_at')})::bigint AS "resolved",
  count(*) FILTER (WHERE ${inP('closed_at')})::bigint AS "closed",
  count(*) FILTER (WHERE ${inP('sla_breached_at')})::bigint AS "breached",
  count(*) FILTER (WHERE ${inP('first_response_at')})::bigint AS "firstResponseN",
  coalesce(sum(round(greatest(extract(epoch FROM first_response_at - created_at), 0) * 1000)) FILTER (WHERE ${inP('first_response_at')}), 0)::bigint AS "firstResponseMsSum",
  coalesce(sum(round(greatest(extract(epoch FROM resolved_at - created_at), 0) * 1000)) FILTER (WHERE ${inP('resolved_at')}), 0)::bigint AS "resolutionMsSum",
  count(*) FILTER (WHERE ${inP('resolved_at')} AND sla_outcome = 'on_time')::bigint AS "onTime",
  count(*) FILTER (WHERE ${inP('resolved_at')} AND sla_outcome = 'late_with_extension')::bigint AS "lateWithExtension",
  count(*) FILTER (WHERE ${inP('resolved_at')} AND sla_outcome = 'late')::bigint AS "late",
  count(*) FILTER (WHERE ${inP('created_at')} AND status IN ('rejected', 'merged'))::bigint AS "cohortExcluded",
  count(*) FILTER (WHERE ${inP('created_at')} AND ${PROCESSED})::bigint AS "cohortProcessed",
  count(*) FILTER (WHERE ${inP('created_at')} AND ${PROCESSED} AND sla_outcome = 'on_time')::bigint AS "cohortOnTime",
  count(*) FILTER (WHERE ${inP('created_at')} AND ${PROCESSED} AND sla_outcome = 'late_with_extension')::bigint AS "cohortLateWithExtension",
  count(*) FILTER (WHERE ${inP('created_at')} AND ${PROCESSED} AND sla_outcome = 'late')::bigint AS "cohortLate",
  count(*) FILTER (WHERE ${inP('satisfaction_answered_at')} AND satisfaction_satisfied IS NOT NULL)::bigint AS "rated",
  count(*) FILTER (WHERE ${inP('satisfaction_answered_at')} AND satisfaction_satisfied)::bigint AS "ratedSatisfied",
  coalesce(sum(satisfaction_score) FILTER (WHERE ${inP('satisfaction_answered_at')} AND satisfaction_satisfied IS NOT NULL), 0)::bigint AS "scoreSum",
  count(satisfaction_score) FILTER (WHERE ${inP('satisfaction_answered_at')} AND satisfaction_satisfied IS NOT NULL)::bigint AS "scoreN",
  count(*) FILTER (WHERE ${inP('created_at')} AND satisfaction_answered_at IS NOT NULL AND satisfaction_satisfied IS NOT NULL)::bigint AS "cohortRated",
  count(*) FILTER (WHERE ${inP('created_at')} AND satisfaction_answered_at IS NOT NULL AND satisfaction_satisfied)::bigint AS "cohortSatisfied"
FROM (SELECT t.*, coalesce(category_code, '') AS cat, coalesce(agency_id, 0) AS agency, coalesce(commune_code, '') AS commune FROM tickets t
      WHERE (${inP('created_at')}) OR (${inP('resolved_at')}) OR (${inP('closed_at')}) OR (${inP('sla_breached_at')}) OR (${inP('first_response_at')})
        OR (${inP('satisfaction_answered_at')})) x
GROUP BY GROUPING SETS ((), (channel), (cat), (agency), (commune))`;
const DIRECT_MEDIANS_SQL = `
SELECT (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY greatest(extract(epoch FROM first_response_at - created_at), 0)::float8)
          FROM tickets WHERE ${inP('first_response_at')}) AS frt,
       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY greatest(extract(epoch FROM resolved_at - created_at), 0)::float8)
          FROM tickets WHERE ${inP('resolved_at')}) AS res`;

async function directSummary(db: Database, store: IocStore, period: Period, asOf: Date): Promise<IocSummary> {
  const p = [period.from, period.to];
  const [rows, medians, now, categories] = await Promise.all([
    db.query<MarginalRow>(DIRECT_SUMMARY_SQL, p),
    db.query<{ frt: number | null; res: number | null }>(DIRECT_MEDIANS_SQL, p),
    db.query<{ open: number; overdue: number; dueSoon: number }>(POINT_IN_TIME_SQL, [asOf, new Date(asOf.getTime() + DAY_MS)]),
    store.categoryCodes(),
  ]);
  const [agencies, communes] = await Promise.all([store.agencies(agencyIdsOf(rows)), store.communeNames(communeCodesOf(rows))]);
  const s = buildSummary({ from: period.from, to: period.to, asOf, rows, now: now[0]!, categories, agencies, communes });
  const m = medians[0]!;
  s.sla.medianFirstResponseMinutes = m.frt === null ? null : m.frt / 60;
  s.sla.medianResolutionHours = m.res === null ? null : m.res / 3600;
  return s;
}

function directSeriesSql(col: string, interval: 'hour' | 'day'): string {
  const bucket = interval === 'hour' ? `date_trunc('hour', ${col}, 'UTC')` : `date_trunc('day', ${col} AT TIME ZONE 'Asia/Ho_Chi_Minh') AT TIME ZONE 'Asia/Ho_Chi_Minh'`;
  return `SELECT ${bucket} AS start, count(*)::bigint AS value FROM tickets WHERE ${inP(col)} GROUP BY 1`;
}

/** Equal except the medians (exact vs histogram: within 10 %) and float sums (to 1e-9 relative). */
function summariesAgree(feed: IocSummary, direct: IocSummary): boolean {
  const close = (a: number | null, b: number | null, rel: number) => (a === null || b === null ? a === b : Math.abs(a - b) <= rel * Math.abs(b) + 1e-9);
  const strip = (s: IocSummary) => JSON.stringify({ ...s, sla: { ...s.sla, medianFirstResponseMinutes: 0, medianResolutionHours: 0, averageFirstResponseMinutes: 0, averageResolutionHours: 0 } });
  return strip(feed) === strip(direct)
    && close(feed.sla.medianFirstResponseMinutes, direct.sla.medianFirstResponseMinutes, 0.1)
    && close(feed.sla.medianResolutionHours, direct.sla.medianResolutionHours, 0.1)
    && close(feed.sla.averageFirstResponseMinutes, direct.sla.averageFirstResponseMinutes, 1e-9)
    && close(feed.sla.averageResolutionHours, direct.sla.averageResolutionHours, 1e-9);
}

async function measureWrites(adminUrl: string, db: Database, t0: Date, store: IocStore): Promise<IocFeedFigures['writes']> {
  const open = (await db.query<{ id: number; status: string; updated_at: Date }>(
    `SELECT id, status, updated_at FROM tickets WHERE status NOT IN ('resolved', 'closed', 'rejected', 'merged') ORDER BY id LIMIT ${2 * WRITES}`));
  if (open.length < 2 * WRITES) throw new Error(`only ${open.length} open tickets to resolve`);
  await store.fold();
  // One connection, one statement per transaction as in production; the second half with triggers
  // off (replica role), then put back as it was so the rollups still match the tickets.
  const c = new Client({ connectionString: scratchDatabaseUrl(adminUrl, DB_NAME) });
  await c.connect();
  try {
    const resolve = `UPDATE tickets SET status = 'resolved', resolved_at = $2, sla_outcome = 'on_time', updated_at = $2 WHERE id = $1`;
    const run = async (ids: { id: number }[]) => {
      const start = performance.now();
      for (const { id } of ids) await c.query({ name: 'resolve', text: resolve, values: [id, t0] });
      return (performance.now() - start) / ids.length;
    };
    const withTriggerMs = await run(open.slice(0, WRITES));
    await c.query('SET session_replication_role = replica');
    const withoutTriggerMs = await run(open.slice(WRITES));
    for (const b of open.slice(WRITES)) {
      await c.query('UPDATE tickets SET status = $2, resolved_at = NULL, sla_outcome = NULL, updated_at = $3 WHERE id = $1', [b.id, b.status, b.updated_at]);
    }
    await c.query('RESET session_replication_role');
    const deltaRows = await store.pendingDeltas();
    const f0 = performance.now();
    await store.fold();
    return { n: WRITES, withTriggerMs, withoutTriggerMs, foldMs: performance.now() - f0, deltaRows };
  } finally {
    await c.end();
  }
}

export async function benchIocFeed(adminUrl: string): Promise<IocFeedFigures> {
  const url = await createScratchDatabase(adminUrl, DB_NAME);
  // A small pool: the feed runs its independent reads side by side, as under the API's pool.
  const db = await openPostgres(url, 4);
  try {
    await migrate(db);
    await loadCategories(db);
    const t0 = new Date(Math.floor(Date.now() / 1000) * 1000);
    const tGen = performance.now();
    await generate(db, t0);
    await db.exec('VACUUM ANALYZE tickets');
    const generationSeconds = seconds(tGen);
    const store = new IocStore(db);
    const tRebuild = performance.now();
    await store.rebuild();
    await db.exec('VACUUM ANALYZE ioc_rollup_hourly, ioc_rollup_marginal, ioc_rollup_delta');
    const rebuildSeconds = seconds(tRebuild);
    const count = async (sql: string) => (await db.query<{ n: number }>(sql))[0]!.n;
    const tickets = await count('SELECT count(*)::bigint AS n FROM tickets');
    if (tickets !== TICKETS) throw new Error(`expected ${TICKETS} tickets, found ${tickets}`);
    const openTickets = await count(`SELECT count(*)::bigint AS n FROM tickets WHERE status NOT IN ('resolved', 'closed', 'rejected', 'merged')`);
    const rollupRows = { hourly: await count('SELECT count(*)::bigint AS n FROM ioc_rollup_hourly'), marginal: await count('SELECT count(*)::bigint AS n FROM ioc_rollup_marginal') };
    console.log(`  IOC feed: ${TICKETS.toLocaleString('en')} tickets generated in ${generationSeconds.toFixed(1)} s, rollups rebuilt in ${rebuildSeconds.toFixed(1)} s`);

    const writes = await measureWrites(adminUrl, db, t0, store);
    const feed = new IocFeed(store, () => t0);
    const rows: IocBenchRow[] = [];
    let marginalPlan = '';
    for (const days of [30, 365]) {
      const period = resolvePeriod({ from: new Date(t0.getTime() - days * DAY_MS).toISOString(), to: t0.toISOString() }, t0, { align: 'hour', maxDays: 400, defaultDays: 30 });
      const pieces = periodPieces(period.from.getTime(), period.to.getTime());
      const params = [pieces.from, pieces.dayFrom, pieces.monthFrom, pieces.monthTo, pieces.dayTo, pieces.to].map((ms) => new Date(ms));
      if (days === 365) marginalPlan = await plan(db, MARGINALS_SQL, params);
      const f = await time(() => feed.summary(period));
      const d = await time(() => directSummary(db, store, period, t0));
      rows.push({ query: 'summary', windowDays: days, feed: f.timing, direct: d.timing, ratio: d.timing.p50Ms / f.timing.p50Ms,
        agree: summariesAgree(f.result, d.result), directPlan: await plan(db, DIRECT_SUMMARY_SQL, [period.from, period.to]) });

      const series: [string, 'resolved' | 'received', 'day' | 'hour', string][] = [['resolved', 'resolved', 'day', 'resolved_at'], ['received', 'received', 'day', 'created_at']];
      if (days <= 31) series.push(['received', 'received', 'hour', 'created_at']);
      for (const [label, metric, interval, col] of series) {
        const sp = resolvePeriod({ from: period.from.toISOString(), to: period.to.toISOString() }, t0, { align: interval, maxDays: 400, defaultDays: 30 });
        const sql = directSeriesSql(col, interval);
        const fs = await time(() => feed.timeseries(metric, interval, sp));
        const ds = await time(() => db.query<{ start: Date; value: number }>(sql, [sp.from, sp.to]));
        const direct = new Map(ds.result.map((r) => [new Date(r.start).toISOString(), r.value]));
        const agree = fs.result.points.every((p) => p.value === (direct.get(p.t) ?? 0)) && ds.result.every((r) => r.value === 0 || fs.result.points.some((p) => p.t === new Date(r.start).toISOString()));
        rows.push({ query: `timeseries ${label}/${interval}`, windowDays: days, feed: fs.timing, direct: ds.timing, ratio: ds.timing.p50Ms / fs.timing.p50Ms,
          agree, directPlan: await plan(db, sql, [sp.from, sp.to]) });
      }
    }
    return { tickets, openTickets, spanDays: SPAN_DAYS, generationSeconds, rebuildSeconds, rollupRows, writes, runs: RUNS, marginalPlan, rows, targetP95Ms: TARGET_P95_MS };
  } finally {
    await db.close();
    // BENCH_KEEP_DB=1 leaves the generated database for EXPLAIN ANALYZE by hand.
    if (!process.env.BENCH_KEEP_DB) await dropScratchDatabase(adminUrl, DB_NAME);
  }
}

export function printIocFeed(f: IocFeedFigures): void {
  const ms = (x: number) => x.toFixed(1).padStart(7);
  console.log(`IOC feed, PostgreSQL, ${f.tickets.toLocaleString('en')} tickets over ${f.spanDays} days (${f.openTickets.toLocaleString('en')} open); `
    + `generated in ${f.generationSeconds.toFixed(1)} s, rollups rebuilt in ${f.rebuildSeconds.toFixed(1)} s `
    + `(${f.rollupRows.hourly.toLocaleString('en')} hourly fact rows, ${f.rollupRows.marginal.toLocaleString('en')} marginal rows); ${f.runs} runs each`);
  console.log(`  writes: resolving one ticket (one UPDATE) ${f.writes.withTriggerMs.toFixed(3)} ms with the rollup trigger, `
    + `${f.writes.withoutTriggerMs.toFixed(3)} ms without; folding the ${f.writes.deltaRows.toLocaleString('en')} delta rows of ${f.writes.n.toLocaleString('en')} updates: ${f.writes.foldMs.toFixed(1)} ms`);
  console.log('  feed = the endpoint\'s code (fold + rollups + point-in-time counts); direct = the same numbers from tickets, same run');
  console.log(`  ${'query'.padEnd(27)} ${'window'.padStart(6)}  ${'feed p50'.padStart(9)} ${'p95'.padStart(8)}  ${'direct p50'.padStart(10)} ${'p95'.padStart(8)}  ${'ratio'.padStart(7)}  agree  direct plan`);
  for (const r of f.rows) {
    console.log(`  ${r.query.padEnd(27)} ${`${r.windowDays} d`.padStart(6)}  ${ms(r.feed.p50Ms)} ms ${ms(r.feed.p95Ms)}  ${ms(r.direct.p50Ms)} ms  ${ms(r.direct.p95Ms)}  `
      + `${r.ratio.toFixed(1).padStart(6)}×  ${r.agree ? 'yes  ' : 'NO   '}  ${r.directPlan}`);
  }
  const worst = Math.max(...f.rows.map((r) => r.feed.p95Ms));
  console.log(`  rollup read plan (365 d): ${f.marginalPlan}`);
  console.log(`  target: feed p95 < ${f.targetP95Ms} ms: ${worst < f.targetP95Ms ? 'met' : 'NOT met'} (worst p95 ${worst.toFixed(1)} ms); `
    + `answers equal to the direct counts: ${f.rows.every((r) => r.agree) ? 'all' : 'NOT all'}`);
}
