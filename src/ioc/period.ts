import { HubError } from '../shared/errors';

/**
 * Periods of the IOC feed. Days and months are those of Viet Nam (Asia/Ho_Chi_Minh), where the
 * IOC works. Viet Nam has kept UTC+7 without daylight saving since 1975, and periods start in 2000
 * or later, so a fixed offset is exact here (the SQL side names the zone; both agree).
 */
export const IOC_TIME_ZONE = 'Asia/Ho_Chi_Minh';
export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
const OFFSET_MS = 7 * HOUR_MS;
export const EARLIEST_MS = Date.parse('2000-01-01T00:00:00+07:00');
const LATEST_MS = Date.parse('2100-01-01T00:00:00+07:00');

export const floorHour = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS;
export const ceilHour = (ms: number): number => Math.ceil(ms / HOUR_MS) * HOUR_MS;
export const floorLocalDay = (ms: number): number => Math.floor((ms + OFFSET_MS) / DAY_MS) * DAY_MS - OFFSET_MS;
export const ceilLocalDay = (ms: number): number => Math.ceil((ms + OFFSET_MS) / DAY_MS) * DAY_MS - OFFSET_MS;

export function floorLocalMonth(ms: number): number {
  const local = new Date(ms + OFFSET_MS);
  return Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1) - OFFSET_MS;
}

export function ceilLocalMonth(ms: number): number {
  const floor = floorLocalMonth(ms);
  if (floor === ms) return ms;
  const local = new Date(floor + OFFSET_MS);
  return Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 1) - OFFSET_MS;
}

/**
 * An hour-aligned period [from, to) cut into what the rollups hold: leading hours, leading days,
 * whole months, trailing days, trailing hours. Six non-decreasing boundaries; a piece may be empty.
 */
export type PeriodPieces = {
  from: number; dayFrom: number; monthFrom: number; monthTo: number; dayTo: number; to: number;
};

export function periodPieces(from: number, to: number): PeriodPieces {
  if (from % HOUR_MS !== 0 || to % HOUR_MS !== 0 || to < from) throw new RangeError('period must be hour-aligned with from <= to');
  const dayFrom = ceilLocalDay(from);
  const dayTo = floorLocalDay(to);
  if (dayFrom >= dayTo) return { from, dayFrom: to, monthFrom: to, monthTo: to, dayTo: to, to };
  const monthFrom = ceilLocalMonth(dayFrom);
  const monthTo = floorLocalMonth(dayTo);
  if (monthFrom >= monthTo) return { from, dayFrom, monthFrom: dayTo, monthTo: dayTo, dayTo, to };
  return { from, dayFrom, monthFrom, monthTo, dayTo, to };
}

export type Interval = 'hour' | 'day';
export type Period = { from: Date; to: Date };

/** Bucket starts of [from, to) (aligned to the interval), oldest first. */
export function bucketStarts(period: Period, interval: Interval): number[] {
  const out: number[] = [];
  const step = interval === 'hour' ? HOUR_MS : DAY_MS;
  for (let t = period.from.getTime(); t < period.to.getTime(); t += step) out.push(t);
  return out;
}

const invalid = (vi: string, en: string) => new HubError('invalid', 'invalid_period', vi, en);

/** "2025-03-01" is local midnight; anything else must be an ISO instant with Z or an offset. */
export function parseInstant(value: string, name: 'from' | 'to'): number {
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const ms = date
    ? Date.parse(`${value}T00:00:00+07:00`)
    : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) {
    throw invalid(`Tham số "${name}" phải là ngày (YYYY-MM-DD) hoặc thời điểm ISO 8601 có múi giờ, ví dụ 2025-03-01T00:00:00+07:00.`,
      `"${name}" must be a date (YYYY-MM-DD) or an ISO 8601 instant with a zone, e.g. 2025-03-01T00:00:00+07:00.`);
  }
  return ms;
}

export type PeriodRules = { align: Interval; maxDays: number; defaultDays: number; /** the limit is the hourly series' one */ hourly?: boolean };

/**
 * From query parameters to the period the feed answers for: `to` defaults to now, `from` to
 * `defaultDays` before `to`; `from` is moved back and `to` forward to whole hours (or local days),
 * and the answer echoes the period it covers.
 */
export function resolvePeriod(input: { from?: string; to?: string }, now: Date, rules: PeriodRules): Period {
  const toRaw = input.to !== undefined ? parseInstant(input.to, 'to') : now.getTime();
  const fromRaw = input.from !== undefined ? parseInstant(input.from, 'from') : toRaw - rules.defaultDays * DAY_MS;
  if (!(toRaw > fromRaw)) throw invalid('"to" phải sau "from".', '"to" must be after "from".');
  if (fromRaw < EARLIEST_MS || toRaw > LATEST_MS) {
    throw invalid('Khoảng thời gian phải nằm trong các năm 2000–2099.', 'The period must lie within the years 2000–2099.');
  }
  // The limit applies to what was asked; widening to whole buckets may add up to one bucket.
  if (toRaw - fromRaw > rules.maxDays * DAY_MS) {
    throw invalid(`Khoảng thời gian tối đa là ${rules.maxDays} ngày${rules.hourly ? ' khi chia theo giờ' : ''}.`,
      `The period may span at most ${rules.maxDays} days${rules.hourly ? ' at hourly interval' : ''}.`);
  }
  const from = rules.align === 'hour' ? floorHour(fromRaw) : floorLocalDay(fromRaw);
  const to = rules.align === 'hour' ? ceilHour(toRaw) : ceilLocalDay(toRaw);
  return { from: new Date(from), to: new Date(to) };
}
