import { bucketStarts, IOC_TIME_ZONE, periodPieces, type Interval, type Period } from './period';
import type { IocStore, SeriesMetric } from './store';
import { agencyIdsOf, buildSummary, communeCodesOf, type IocSummary } from './summary';

export const TIMESERIES_METRICS = ['received', 'resolved', 'breached', 'satisfiedRate'] as const satisfies readonly (SeriesMetric | 'satisfiedRate')[];
export type TimeseriesMetric = (typeof TIMESERIES_METRICS)[number];

export type Timeseries = {
  metric: TimeseriesMetric; interval: Interval; from: string; to: string; timeZone: string;
  points: { t: string; value: number | null }[];
};

const DUE_SOON_MS = 24 * 3_600_000;

/**
 * The IOC feed's reads. Each call first folds the rollup delta (cheap when it is small; skipped
 * when another process is folding) so that the delta readers add stays short.
 */
export class IocFeed {
  constructor(private readonly store: IocStore, private readonly now: () => Date = () => new Date()) {}

  private async fold(): Promise<void> {
    await this.store.fold();
  }

  /** `period` must be hour-aligned (resolvePeriod does that). */
  async summary(period: Period): Promise<IocSummary> {
    await this.fold();
    const asOf = this.now();
    const [rows, now, categories] = await Promise.all([
      this.store.marginals(periodPieces(period.from.getTime(), period.to.getTime())),
      this.store.pointInTime(asOf, new Date(asOf.getTime() + DUE_SOON_MS)),
      this.store.categoryCodes(),
    ]);
    const [agencies, communes] = await Promise.all([this.store.agencies(agencyIdsOf(rows)), this.store.communeNames(communeCodesOf(rows))]);
    return buildSummary({ from: period.from, to: period.to, asOf, rows, now, categories, agencies, communes });
  }

  /** `period` must be aligned to the interval (hours, or local days). Every bucket is present, zeros included. */
  async timeseries(metric: TimeseriesMetric, interval: Interval, period: Period): Promise<Timeseries> {
    const starts = bucketStarts(period, interval);
    let values: Map<number, number | null>;
    await this.fold();
    const grain = interval === 'hour' ? 'h' : 'd';
    if (metric === 'satisfiedRate') {
      // Satisfied answers ÷ answers given in the bucket; null where nobody answered.
      const rows = await this.store.satisfactionSeries(grain, period.from, period.to);
      values = new Map(rows.map((r) => [new Date(r.start).getTime(), r.rated > 0 ? r.satisfied / r.rated : null]));
    } else {
      const rows = await this.store.series(metric, grain, period.from, period.to);
      values = new Map(rows.map((r) => [new Date(r.start).getTime(), r.value]));
    }
    const empty = metric === 'satisfiedRate' ? null : 0;
    return {
      metric, interval, from: period.from.toISOString(), to: period.to.toISOString(), timeZone: IOC_TIME_ZONE,
      points: starts.map((t) => ({ t: new Date(t).toISOString(), value: values.get(t) ?? empty })),
    };
  }
}
