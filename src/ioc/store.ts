import type { Queryable } from '../db/database';
import type { PeriodPieces } from './period';

/**
 * The SQL of the IOC feed. Rollups are kept by triggers (migrations/0008_ioc_rollups.sql); every
 * read adds the unfolded delta in the same statement, so it is exact with or without a fold.
 */

/** One rollup row's figures (see the migration for what each counts). */
export type Figures = {
  received: number; resolved: number; closed: number; breached: number;
  /** Durations summed in whole milliseconds (integers: exact under any sequence of changes). */
  firstResponseN: number; firstResponseMsSum: number; resolutionMsSum: number;
  onTime: number; lateWithExtension: number; late: number;
  cohortExcluded: number; cohortProcessed: number; cohortOnTime: number; cohortLateWithExtension: number; cohortLate: number;
  /** Survey answers given in the period (migrations/0009_satisfaction.sql), and those of the reports received in it. */
  rated: number; ratedSatisfied: number; scoreSum: number; scoreN: number; cohortRated: number; cohortSatisfied: number;
};

export type Dim = 'all' | 'channel' | 'category' | 'agency' | 'commune' | 'frt' | 'res';
export type MarginalRow = Figures & { dim: Dim; key: string };
export type PointInTime = { open: number; overdue: number; dueSoon: number };
export type SeriesMetric = 'received' | 'resolved' | 'breached';

const METRICS: { col: string; key: keyof Figures }[] = [
  { col: 'received', key: 'received' }, { col: 'resolved', key: 'resolved' }, { col: 'closed', key: 'closed' },
  { col: 'breached', key: 'breached' }, { col: 'first_response_n', key: 'firstResponseN' },
  { col: 'first_response_ms_sum', key: 'firstResponseMsSum' }, { col: 'resolution_ms_sum', key: 'resolutionMsSum' },
  { col: 'on_time', key: 'onTime' }, { col: 'late_with_extension', key: 'lateWithExtension' }, { col: 'late', key: 'late' },
  { col: 'cohort_excluded', key: 'cohortExcluded' }, { col: 'cohort_processed', key: 'cohortProcessed' },
  { col: 'cohort_on_time', key: 'cohortOnTime' }, { col: 'cohort_late_with_extension', key: 'cohortLateWithExtension' },
  { col: 'cohort_late', key: 'cohortLate' },
  { col: 'rated', key: 'rated' }, { col: 'rated_satisfied', key: 'ratedSatisfied' }, { col: 'score_sum', key: 'scoreSum' },
  { col: 'score_n', key: 'scoreN' }, { col: 'cohort_rated', key: 'cohortRated' }, { col: 'cohort_satisfied', key: 'cohortSatisfied' },
];

const cols = (alias: string) => METRICS.map((m) => `${alias}.${m.col}`).join(', ');
// bigint comes back as a number on both engines (ids and sums stay far below 2^53).
const sums = METRICS.map((m) => `sum(${m.col})::bigint AS "${m.key}"`).join(', ');
/** Every dimension a delta row counts in, its duration histograms included. */
const dimsOf = (a: string) => `(VALUES ('all', ''), ('channel', ${a}.channel), ('category', ${a}.category_code),
    ('agency', ${a}.agency_id::text), ('commune', ${a}.commune_code),
    ('frt', CASE WHEN ${a}.frt_bucket >= 0 THEN ${a}.frt_bucket::text END), ('res', CASE WHEN ${a}.res_bucket >= 0 THEN ${a}.res_bucket::text END)) AS x(dim, key)`;

/**
 * $1..$6 = the period's pieces (from, dayFrom, monthFrom, monthTo, dayTo, to): whole days and months
 * from the marginal rollup, the edge hours from the fact rollup (its dimensions) and the hourly
 * histograms, everything not folded yet from the delta.
 */
export const MARGINALS_SQL = `
WITH m AS (
  SELECT r.dim, r.key, ${cols('r')} FROM ioc_rollup_marginal r
  WHERE r.dim IN ('all', 'channel', 'category', 'agency', 'commune', 'frt', 'res') AND (
       (r.grain = 'd' AND r.start >= $2 AND r.start < $3)
    OR (r.grain = 'm' AND r.start >= $3 AND r.start < $4)
    OR (r.grain = 'd' AND r.start >= $4 AND r.start < $5))
  UNION ALL
  SELECT r.dim, r.key, ${cols('r')} FROM ioc_rollup_marginal r
  WHERE r.grain = 'h' AND r.dim IN ('frt', 'res') AND ((r.start >= $1 AND r.start < $2) OR (r.start >= $5 AND r.start < $6))
  UNION ALL
  -- The edge hours' facts, summed per dimension first (GROUPING SETS: one pass, a few hundred rows out).
  SELECT CASE WHEN GROUPING(f.channel) = 0 THEN 'channel' WHEN GROUPING(f.category_code) = 0 THEN 'category'
      WHEN GROUPING(f.agency_id) = 0 THEN 'agency' WHEN GROUPING(f.commune_code) = 0 THEN 'commune' ELSE 'all' END,
    CASE WHEN GROUPING(f.channel) = 0 THEN f.channel WHEN GROUPING(f.category_code) = 0 THEN f.category_code
      WHEN GROUPING(f.agency_id) = 0 THEN f.agency_id::text WHEN GROUPING(f.commune_code) = 0 THEN f.commune_code ELSE '' END,
    ${METRICS.map((m) => `sum(f.${m.col})::bigint`).join(', ')}
  FROM ioc_rollup_hourly f
  WHERE (f.hour >= $1 AND f.hour < $2) OR (f.hour >= $5 AND f.hour < $6)
  GROUP BY GROUPING SETS ((), (f.channel), (f.category_code), (f.agency_id), (f.commune_code))
  HAVING count(*) > 0 -- the () set over no rows would be a row of NULLs
  UNION ALL
  SELECT x.dim, x.key, ${cols('d')} FROM ioc_rollup_delta d CROSS JOIN LATERAL ${dimsOf('d')}
  WHERE x.key IS NOT NULL AND d.hour >= $1 AND d.hour < $6
)
SELECT dim, key, ${sums} FROM m GROUP BY dim, key`;

/** Open tickets now; overdue and due soon leave out tickets waiting for the citizen (their clock is paused). */
export const POINT_IN_TIME_SQL = `
SELECT count(*)::bigint AS open,
  count(*) FILTER (WHERE status <> 'waiting_for_citizen' AND sla_resolution_due_at < $1)::bigint AS overdue,
  count(*) FILTER (WHERE status <> 'waiting_for_citizen' AND sla_resolution_due_at > $1 AND sla_resolution_due_at <= $2)::bigint AS "dueSoon"
FROM tickets WHERE status NOT IN ('resolved', 'closed', 'rejected', 'merged')`;

const SERIES_COLUMN: Record<SeriesMetric, string> = { received: 'received', resolved: 'resolved', breached: 'breached' };

export function seriesSql(metric: SeriesMetric, grain: 'h' | 'd'): string {
  const col = SERIES_COLUMN[metric];
  return `
SELECT start, sum(v)::bigint AS value FROM (
  SELECT start, ${col} AS v FROM ioc_rollup_marginal WHERE grain = '${grain}' AND dim = 'all' AND start >= $1 AND start < $2
  UNION ALL
  SELECT ${grain === 'h' ? 'hour' : 'ioc_local_day(hour)'}, ${col} FROM ioc_rollup_delta WHERE hour >= $1 AND hour < $2
) s GROUP BY start`;
}

/** Survey answers and satisfied answers per bucket, for the satisfiedRate series. */
export function satisfactionSeriesSql(grain: 'h' | 'd'): string {
  return `
SELECT start, sum(rated)::bigint AS rated, sum(sat)::bigint AS satisfied FROM (
  SELECT start, rated, rated_satisfied AS sat FROM ioc_rollup_marginal WHERE grain = '${grain}' AND dim = 'all' AND start >= $1 AND start < $2
  UNION ALL
  SELECT ${grain === 'h' ? 'hour' : 'ioc_local_day(hour)'}, rated, rated_satisfied FROM ioc_rollup_delta WHERE hour >= $1 AND hour < $2
) s GROUP BY start`;
}

/** Everything since the first ticket: counters for /metrics (months are the fewest rows). */
const LIFETIME_SQL = `
SELECT dim, key, sum(received)::bigint AS received, sum(breached)::bigint AS breached FROM (
  SELECT dim, key, received, breached FROM ioc_rollup_marginal WHERE grain = 'm' AND dim IN ('all', 'channel')
  UNION ALL
  SELECT x.dim, x.key, d.received, d.breached FROM ioc_rollup_delta d CROSS JOIN LATERAL (VALUES ('all', ''), ('channel', d.channel)) AS x(dim, key)
) s GROUP BY dim, key`;

export class IocStore {
  constructor(private readonly db: Queryable) {}

  /** Folds the delta into the rollups; −1 when another process is folding right now. */
  async fold(): Promise<number> {
    return (await this.db.query<{ n: number }>('SELECT ioc_rollup_fold()::bigint AS n'))[0]!.n;
  }

  /** Recomputes every rollup from tickets (writers wait meanwhile). */
  async rebuild(): Promise<number> {
    return (await this.db.query<{ n: number }>('SELECT ioc_rollup_rebuild()::bigint AS n'))[0]!.n;
  }

  async marginals(p: PeriodPieces): Promise<MarginalRow[]> {
    return this.db.query<MarginalRow>(MARGINALS_SQL, [p.from, p.dayFrom, p.monthFrom, p.monthTo, p.dayTo, p.to].map((ms) => new Date(ms)));
  }

  async pointInTime(now: Date, dueSoonUntil: Date): Promise<PointInTime> {
    return (await this.db.query<PointInTime>(POINT_IN_TIME_SQL, [now, dueSoonUntil]))[0]!;
  }

  async series(metric: SeriesMetric, grain: 'h' | 'd', from: Date, to: Date): Promise<{ start: Date; value: number }[]> {
    return this.db.query<{ start: Date; value: number }>(seriesSql(metric, grain), [from, to]);
  }

  async satisfactionSeries(grain: 'h' | 'd', from: Date, to: Date): Promise<{ start: Date; rated: number; satisfied: number }[]> {
    return this.db.query(satisfactionSeriesSql(grain), [from, to]);
  }

  async lifetime(): Promise<{ dim: 'all' | 'channel'; key: string; received: number; breached: number }[]> {
    return this.db.query(LIFETIME_SQL);
  }

  async openByStatus(): Promise<{ status: string; n: number }[]> {
    return this.db.query(`SELECT status, count(*)::bigint AS n FROM tickets
      WHERE status NOT IN ('resolved', 'closed', 'rejected', 'merged') GROUP BY status`);
  }

  async pendingDeltas(): Promise<number> {
    return (await this.db.query<{ n: number }>('SELECT count(*)::bigint AS n FROM ioc_rollup_delta'))[0]!.n;
  }

  async outboxPending(): Promise<number> {
    return (await this.db.query<{ n: number }>('SELECT count(*)::bigint AS n FROM outbox WHERE dispatched_at IS NULL'))[0]!.n;
  }

  /** Jobs of the in-process runner (its queue is a table; BullMQ keeps its own in Redis). */
  async jobsByState(): Promise<{ state: string; n: number }[]> {
    return this.db.query(`SELECT 'pending' AS state, count(*)::bigint AS n FROM jobs WHERE status = 'pending'
      UNION ALL SELECT 'running', count(*)::bigint FROM jobs WHERE status = 'running'`);
  }

  async agencies(ids: readonly number[]): Promise<Map<number, { code: string; name: string }>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.query<{ id: number; code: string; name_vi: string }>(
      'SELECT id, code, name_vi FROM agencies WHERE id = ANY($1::bigint[])', [ids]);
    return new Map(rows.map((r) => [Number(r.id), { code: r.code, name: r.name_vi }]));
  }

  async communeNames(codes: readonly string[]): Promise<Map<string, string>> {
    if (codes.length === 0) return new Map();
    const rows = await this.db.query<{ code: string; name: string }>(
      `SELECT code, name FROM admin_units WHERE structure = '2025' AND level = 'commune' AND code = ANY($1::text[])`, [codes]);
    return new Map(rows.map((r) => [r.code, r.name]));
  }

  async categoryCodes(): Promise<string[]> {
    return (await this.db.query<{ code: string }>('SELECT code FROM categories WHERE active ORDER BY sort_order, code')).map((r) => r.code);
  }
}
