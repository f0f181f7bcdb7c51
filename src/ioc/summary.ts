import { CHANNELS } from '../workflow/types';
import { quantileFromHistogram, type BucketCount } from './histogram';
import { IOC_TIME_ZONE } from './period';
import type { Dim, Figures, MarginalRow, PointInTime } from './store';

/**
 * The IOC summary, assembled from rollup rows (pure). Two bases, both documented in README.md:
 * - the contract's fields count events in the period: received (created_at), resolved
 *   (resolved_at), closed, breached (first SLA breach), first responses; onTimeRate is over the
 *   tickets resolved in the period that have an SLA outcome;
 * - `kpi` holds the KPIs Vietnamese IOCs publish (processed, on time, late with an approved
 *   extension, late, satisfied) over the reports *received* in the period, as of now, with the
 *   definitions of src/sla/stats.ts.
 * open, overdue and dueSoon are point-in-time counts (as of `asOf`), not period counts.
 */

export type Rate = number | null;

export type KpiFigures = {
  received: number; excluded: number; eligible: number; processed: number; processedRate: Rate;
  measured: number; onTime: number; lateWithExtension: number; late: number;
  onTimeRate: Rate; lateWithExtensionRate: Rate; lateRate: Rate;
  /** Of the reports received in the period whose citizen answered the survey: satisfied / not. */
  rated: number; satisfied: number; notSatisfied: number;
  satisfiedRate: Rate; notSatisfiedRate: Rate;
};

export type AgencyFigures = {
  agency: string | null; agencyId: number | null; name: string | null;
  received: number; resolved: number; onTimeRate: Rate;
};

export type IocSummary = {
  from: string; to: string; asOf: string; timeZone: string;
  totals: { received: number; open: number; resolved: number; closed: number; overdue: number };
  byChannel: Record<string, number>;
  byCategory: Record<string, number>;
  byAgency: AgencyFigures[];
  sla: {
    onTimeRate: Rate; breached: number; dueSoon: number;
    medianFirstResponseMinutes: number | null; medianResolutionHours: number | null;
    measured: number; lateWithExtensionRate: Rate; lateRate: Rate;
    averageFirstResponseMinutes: number | null; averageResolutionHours: number | null;
    /** Medians are read from ~5 %-wide duration histograms (README.md). */
    medianMethod: 'histogram';
  };
  /** Answers given in the period (by the time of the answer); averageScore over the answers with a score. */
  satisfaction: { responses: number; satisfiedRate: Rate; averageScore: number | null; satisfied: number; notSatisfied: number; scored: number };
  kpi: {
    basis: 'received_in_period';
    overall: KpiFigures;
    byAgency: (KpiFigures & { agency: string | null; agencyId: number | null; name: string | null })[];
    byCategory: (KpiFigures & { category: string | null })[];
    byCommune: (KpiFigures & { commune: string | null; name: string | null })[];
  };
};

/** The key of tickets not classified yet in byCategory (the contract's map needs a string key). */
export const UNCLASSIFIED = 'unclassified';

export const rate = (n: number, d: number): Rate => (d > 0 ? n / d : null);

const ZERO: Figures = {
  received: 0, resolved: 0, closed: 0, breached: 0, firstResponseN: 0, firstResponseMsSum: 0, resolutionMsSum: 0,
  onTime: 0, lateWithExtension: 0, late: 0, cohortExcluded: 0, cohortProcessed: 0, cohortOnTime: 0, cohortLateWithExtension: 0, cohortLate: 0,
  rated: 0, ratedSatisfied: 0, scoreSum: 0, scoreN: 0, cohortRated: 0, cohortSatisfied: 0,
};

export function kpiOf(f: Figures): KpiFigures {
  const eligible = f.received - f.cohortExcluded;
  const measured = f.cohortOnTime + f.cohortLateWithExtension + f.cohortLate;
  return {
    received: f.received, excluded: f.cohortExcluded, eligible, processed: f.cohortProcessed, processedRate: rate(f.cohortProcessed, eligible),
    measured, onTime: f.cohortOnTime, lateWithExtension: f.cohortLateWithExtension, late: f.cohortLate,
    onTimeRate: rate(f.cohortOnTime, measured), lateWithExtensionRate: rate(f.cohortLateWithExtension, measured), lateRate: rate(f.cohortLate, measured),
    rated: f.cohortRated, satisfied: f.cohortSatisfied, notSatisfied: f.cohortRated - f.cohortSatisfied,
    satisfiedRate: rate(f.cohortSatisfied, f.cohortRated), notSatisfiedRate: rate(f.cohortRated - f.cohortSatisfied, f.cohortRated),
  };
}

const resolvedOutcomes = (f: Figures) => f.onTime + f.lateWithExtension + f.late;
const FIGURE_KEYS = Object.keys(ZERO) as (keyof Figures)[];
/** Anything happened to this agency/category/commune in the period (a row can sum to zero after a move). */
const active = (f: Figures) => FIGURE_KEYS.some((k) => f[k] !== 0);

export type SummaryInput = {
  from: Date; to: Date; asOf: Date;
  rows: readonly MarginalRow[];
  now: PointInTime;
  categories: readonly string[];
  agencies: ReadonlyMap<number, { code: string; name: string }>;
  communes: ReadonlyMap<string, string>;
};

/** Agency ids that appear in the rows (0 = not routed), for the caller to look up. */
export function agencyIdsOf(rows: readonly MarginalRow[]): number[] {
  return rows.filter((r) => r.dim === 'agency' && r.key !== '0').map((r) => Number(r.key));
}

export function communeCodesOf(rows: readonly MarginalRow[]): string[] {
  return rows.filter((r) => r.dim === 'commune' && r.key !== '').map((r) => r.key);
}

export function buildSummary(input: SummaryInput): IocSummary {
  const of = (dim: Dim) => input.rows.filter((r) => r.dim === dim);
  const all = of('all')[0] ?? ZERO;
  const histogram = (dim: 'frt' | 'res', count: (r: Figures) => number): BucketCount[] =>
    of(dim).map((r) => ({ bucket: Number(r.key), count: count(r) }));
  const frtSeconds = quantileFromHistogram(histogram('frt', (r) => r.firstResponseN), 0.5);
  const resSeconds = quantileFromHistogram(histogram('res', (r) => r.resolved), 0.5);

  const byChannel: Record<string, number> = Object.fromEntries(CHANNELS.map((c) => [c, 0]));
  for (const r of of('channel')) byChannel[r.key] = r.received;
  const byCategory: Record<string, number> = Object.fromEntries(input.categories.map((c) => [c, 0]));
  for (const r of of('category')) {
    const key = r.key === '' ? UNCLASSIFIED : r.key;
    if (r.received !== 0 || key !== UNCLASSIFIED) byCategory[key] = r.received;
  }

  const agencyOf = (key: string) => {
    const id = key === '0' ? null : Number(key);
    const a = id === null ? undefined : input.agencies.get(id);
    return { agency: a?.code ?? null, agencyId: id, name: a?.name ?? null };
  };
  // Busiest first; ties by key so the order is stable.
  const order = (a: MarginalRow, b: MarginalRow) => b.received - a.received || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  const agencies = of('agency').filter(active).sort(order);

  const measured = resolvedOutcomes(all);
  return {
    from: input.from.toISOString(), to: input.to.toISOString(), asOf: input.asOf.toISOString(), timeZone: IOC_TIME_ZONE,
    totals: { received: all.received, open: input.now.open, resolved: all.resolved, closed: all.closed, overdue: input.now.overdue },
    byChannel,
    byCategory,
    byAgency: agencies.map((r) => ({ ...agencyOf(r.key), received: r.received, resolved: r.resolved, onTimeRate: rate(r.onTime, resolvedOutcomes(r)) })),
    sla: {
      onTimeRate: rate(all.onTime, measured),
      breached: all.breached,
      dueSoon: input.now.dueSoon,
      medianFirstResponseMinutes: frtSeconds === null ? null : frtSeconds / 60,
      medianResolutionHours: resSeconds === null ? null : resSeconds / 3600,
      measured,
      lateWithExtensionRate: rate(all.lateWithExtension, measured),
      lateRate: rate(all.late, measured),
      averageFirstResponseMinutes: all.firstResponseN > 0 ? all.firstResponseMsSum / all.firstResponseN / 60_000 : null,
      averageResolutionHours: all.resolved > 0 ? all.resolutionMsSum / all.resolved / 3_600_000 : null,
      medianMethod: 'histogram',
    },
    satisfaction: {
      responses: all.rated, satisfiedRate: rate(all.ratedSatisfied, all.rated),
      averageScore: all.scoreN > 0 ? all.scoreSum / all.scoreN : null,
      satisfied: all.ratedSatisfied, notSatisfied: all.rated - all.ratedSatisfied, scored: all.scoreN,
    },
    kpi: {
      basis: 'received_in_period',
      overall: kpiOf(all),
      byAgency: agencies.map((r) => ({ ...agencyOf(r.key), ...kpiOf(r) })),
      byCategory: of('category').filter(active).sort(order).map((r) => ({ category: r.key === '' ? null : r.key, ...kpiOf(r) })),
      byCommune: of('commune').filter(active).sort(order).map((r) => ({
        commune: r.key === '' ? null : r.key, name: r.key === '' ? null : (input.communes.get(r.key) ?? null), ...kpiOf(r),
      })),
    },
  };
}
