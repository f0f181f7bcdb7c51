import { HubError } from '../shared/errors';
import { bucketStarts, ceilLocalMonth, DAY_MS, floorLocalDay, floorLocalMonth, HOUR_MS, parseInstant, periodPieces, resolvePeriod } from './period';
import { bucketLowerSeconds, bucketOf, bucketUpperSeconds, quantileFromHistogram } from './histogram';

const t = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('IOC periods in Viet Nam time', () => {
  test('local days and months start at 17:00 UTC the day before', () => {
    expect(iso(floorLocalDay(t('2025-03-31T16:59:59Z')))).toBe('2025-03-30T17:00:00.000Z'); // 23:59:59 on 31 March
    expect(iso(floorLocalDay(t('2025-03-31T17:00:00Z')))).toBe('2025-03-31T17:00:00.000Z');
    expect(iso(floorLocalMonth(t('2025-03-31T18:00:00Z')))).toBe('2025-03-31T17:00:00.000Z'); // 1 April, 01:00 local
    expect(iso(floorLocalMonth(t('2025-03-31T16:00:00Z')))).toBe('2025-02-28T17:00:00.000Z');
    expect(iso(ceilLocalMonth(t('2025-12-15T00:00:00Z')))).toBe('2025-12-31T17:00:00.000Z');
    expect(ceilLocalMonth(t('2025-11-30T17:00:00Z'))).toBe(t('2025-11-30T17:00:00Z'));
  });

  test('a period is cut into edge hours, edge days and whole months that tile it exactly', () => {
    const p = periodPieces(t('2025-01-10T05:00:00Z'), t('2025-04-03T09:00:00Z'));
    expect([p.from, p.dayFrom, p.monthFrom, p.monthTo, p.dayTo, p.to].map(iso)).toEqual([
      '2025-01-10T05:00:00.000Z', '2025-01-10T17:00:00.000Z', '2025-01-31T17:00:00.000Z',
      '2025-03-31T17:00:00.000Z', '2025-04-02T17:00:00.000Z', '2025-04-03T09:00:00.000Z',
    ]);
    // Under a day: hours only. Within one month: no months.
    const short = periodPieces(t('2025-01-10T05:00:00Z'), t('2025-01-10T12:00:00Z'));
    expect(short.dayFrom).toBe(short.to);
    const days = periodPieces(t('2025-01-10T05:00:00Z'), t('2025-01-20T05:00:00Z'));
    expect(days.monthFrom).toBe(days.monthTo);
    expect(days.dayTo - days.dayFrom).toBe(9 * DAY_MS);
    expect(() => periodPieces(t('2025-01-10T05:30:00Z'), t('2025-01-10T07:00:00Z'))).toThrow(RangeError);
  });

  test('query parameters: dates are local midnights, instants need a zone; periods are widened to whole hours or days', () => {
    expect(iso(parseInstant('2025-03-01', 'from'))).toBe('2025-02-28T17:00:00.000Z');
    expect(iso(parseInstant('2025-03-01T08:30:00+07:00', 'from'))).toBe('2025-03-01T01:30:00.000Z');
    expect(() => parseInstant('2025-03-01T08:30:00', 'from')).toThrow(HubError);
    expect(() => parseInstant('yesterday', 'to')).toThrow(/ISO 8601/);
    const now = new Date('2025-06-15T10:20:00Z');
    const def = resolvePeriod({}, now, { align: 'hour', maxDays: 400, defaultDays: 30 });
    expect([iso(def.from.getTime()), iso(def.to.getTime())]).toEqual(['2025-05-16T10:00:00.000Z', '2025-06-15T11:00:00.000Z']);
    const day = resolvePeriod({ from: '2025-06-01T03:00:00Z', to: '2025-06-02T18:00:00Z' }, now, { align: 'day', maxDays: 400, defaultDays: 30 });
    expect(bucketStarts(day, 'day').map(iso)).toEqual(['2025-05-31T17:00:00.000Z', '2025-06-01T17:00:00.000Z', '2025-06-02T17:00:00.000Z']);
    expect(bucketStarts(resolvePeriod({ from: '2025-06-01T03:10:00Z', to: '2025-06-01T05:00:00Z' }, now, { align: 'hour', maxDays: 2, defaultDays: 1 }), 'hour'))
      .toEqual([t('2025-06-01T03:00:00Z'), t('2025-06-01T04:00:00Z')]);
    expect(() => resolvePeriod({ from: '2025-06-02', to: '2025-06-01' }, now, { align: 'hour', maxDays: 400, defaultDays: 30 })).toThrow(/"to" must be after "from"/);
    expect(() => resolvePeriod({ from: '2024-01-01', to: '2025-06-01' }, now, { align: 'hour', maxDays: 400, defaultDays: 30 })).toThrow(/at most 400 days/);
    expect(() => resolvePeriod({ from: '1999-12-01', to: '2000-02-01' }, now, { align: 'hour', maxDays: 400, defaultDays: 30 })).toThrow(/2000–2099/);
    expect(HOUR_MS).toBe(3_600_000);
  });
});

describe('duration histograms', () => {
  test('buckets are ~5 % wide and contiguous', () => {
    for (const s of [0, 0.01, 1, 59, 60, 3600, 86_400, 30 * 86_400]) {
      const b = bucketOf(s);
      expect(bucketLowerSeconds(b)).toBeLessThanOrEqual(s + 1e-9);
      expect(bucketUpperSeconds(b)).toBeGreaterThan(s);
    }
    expect(bucketUpperSeconds(10)).toBeCloseTo(bucketLowerSeconds(11), 12);
    expect((bucketUpperSeconds(200) - bucketLowerSeconds(200)) / bucketLowerSeconds(200)).toBeLessThan(0.051);
  });

  test('the median read from the histogram stays within the buckets of the true median', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let round = 0; round < 50; round++) {
      const values = Array.from({ length: 1 + Math.floor(rnd() * 200) }, () => Math.exp(rnd() * 14));
      const counts = new Map<number, number>();
      for (const v of values) counts.set(bucketOf(v), (counts.get(bucketOf(v)) ?? 0) + 1);
      const est = quantileFromHistogram([...counts].map(([bucket, count]) => ({ bucket, count })), 0.5)!;
      const sorted = [...values].sort((a, b) => a - b);
      const pos = 0.5 * (sorted.length - 1);
      const exact = sorted[Math.floor(pos)]! + (sorted[Math.ceil(pos)]! - sorted[Math.floor(pos)]!) * (pos - Math.floor(pos));
      expect(Math.abs(est - exact)).toBeLessThanOrEqual(0.1 * exact + 1e-9);
    }
    expect(quantileFromHistogram([], 0.5)).toBeNull();
    expect(quantileFromHistogram([{ bucket: 3, count: 0 }], 0.5)).toBeNull();
  });
});
