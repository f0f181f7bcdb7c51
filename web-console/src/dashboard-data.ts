/**
 * The Overview screen's data (GET /api/v1/dashboard and /api/v1/dashboard/map, src/dashboard/routes.ts)
 * and the pure helpers its charts and map use. Types mirror src/ioc/summary.ts IocSummary.
 */

export type Rate = number | null;

export type KpiFigures = {
  received: number; excluded: number; eligible: number; processed: number; processedRate: Rate;
  measured: number; onTime: number; lateWithExtension: number; late: number;
  onTimeRate: Rate; lateWithExtensionRate: Rate; lateRate: Rate;
  rated: number; satisfied: number; notSatisfied: number; satisfiedRate: Rate; notSatisfiedRate: Rate;
};
type AgencyKey = { agency: string | null; agencyId: number | null; name: string | null };

export type IocSummary = {
  from: string; to: string; asOf: string; timeZone: string;
  totals: { received: number; open: number; resolved: number; closed: number; overdue: number };
  byChannel: Record<string, number>;
  byCategory: Record<string, number>;
  byAgency: (AgencyKey & { received: number; resolved: number; onTimeRate: Rate })[];
  sla: {
    onTimeRate: Rate; breached: number; dueSoon: number;
    medianFirstResponseMinutes: number | null; medianResolutionHours: number | null;
    measured: number; lateWithExtensionRate: Rate; lateRate: Rate;
    averageFirstResponseMinutes: number | null; averageResolutionHours: number | null; medianMethod: 'histogram';
  };
  satisfaction: { responses: number; satisfiedRate: Rate; averageScore: number | null; satisfied: number; notSatisfied: number; scored: number };
  kpi: {
    basis: 'received_in_period';
    overall: KpiFigures;
    byAgency: (KpiFigures & AgencyKey)[];
    byCategory: (KpiFigures & { category: string | null })[];
    byCommune: (KpiFigures & { commune: string | null; name: string | null })[];
  };
};

export type SeriesPoint = { t: string; value: number | null };
export type Dashboard = {
  summary: IocSummary;
  series: { received: SeriesPoint[]; resolved: SeriesPoint[]; breached: SeriesPoint[]; satisfiedRate: SeriesPoint[] };
};

export type Ring = [number, number][];
export type OpenPoint = {
  code: string; lat: number; lng: number; priority: string; status: string; overdue: boolean;
  categoryCode: string | null; communeCode: string | null;
};
export type DashboardMap = {
  communes: { code: string; name: string; rings: Ring[] }[];
  open: OpenPoint[];
  openByCommune: Record<string, number>;
  truncated: boolean;
};

export const PERIODS = [7, 30, 90] as const;
export type PeriodDays = (typeof PERIODS)[number];

/** The hub reads a bare date as local midnight in Viet Nam, so "today" is Viet Nam's today too. */
export function periodFrom(days: number, now = Date.now()): string {
  return new Date(now - (days - 1) * 86_400_000).toLocaleDateString('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' });
}

/** "—" for a rate the hub could not compute (nothing measured), else a percentage. */
export function formatRate(r: Rate, locale: string): string {
  return r === null ? '—' : new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(r);
}
export function formatNumber(n: number | null, locale: string, digits = 0): string {
  return n === null ? '—' : new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(n);
}

/** A "nice" axis maximum (1, 2, 5 × 10^k) at or above the data's maximum, and its ticks. */
export function niceTicks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  // Counts are integers: a step below 1 would label 0.5 reports.
  const s = Math.max(step, 1);
  const top = Math.ceil(max / s) * s;
  const ticks: number[] = [];
  for (let v = 0; v <= top + s / 2; v += s) ticks.push(v);
  return ticks;
}

export type Projection = { width: number; height: number; project: (lng: number, lat: number) => [number, number] };

/**
 * Equirectangular projection fitted to the bounding box of every outline and point: x is scaled
 * by cos(mean latitude) so a province near 20°N keeps its shape. Null when there is nothing to draw.
 */
export function fitProjection(rings: readonly Ring[], points: readonly { lat: number; lng: number }[], width: number, pad = 12): Projection | null {
  let minLng = Infinity, maxLng = -Infinity, minLat = Infinity, maxLat = -Infinity;
  const add = (lng: number, lat: number) => {
    if (lng < minLng) minLng = lng;
    if (lng > maxLng) maxLng = lng;
    if (lat < minLat) minLat = lat;
    if (lat > maxLat) maxLat = lat;
  };
  for (const ring of rings) for (const [lng, lat] of ring) add(lng, lat);
  for (const p of points) add(p.lng, p.lat);
  if (minLng === Infinity) return null;
  // A single point (or a line of them) still gets a small area around it.
  const span = 0.01;
  if (maxLng - minLng < span) { minLng -= span / 2; maxLng += span / 2; }
  if (maxLat - minLat < span) { minLat -= span / 2; maxLat += span / 2; }
  const k = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const w = (maxLng - minLng) * k, h = maxLat - minLat;
  const scale = (width - 2 * pad) / w;
  const height = Math.round(h * scale + 2 * pad);
  return {
    width, height,
    project: (lng, lat) => [pad + (lng - minLng) * k * scale, pad + (maxLat - lat) * scale],
  };
}

/** SVG path data of one ring under a projection (rounded: sub-pixel digits only add bytes). */
export function ringPath(ring: Ring, project: Projection['project']): string {
  return ring.map(([lng, lat], i) => {
    const [x, y] = project(lng, lat);
    return `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`;
  }).join('') + 'Z';
}

export const PRIORITY_COLOURS: Record<string, string> = { urgent: '#c62828', high: '#ef6c00', normal: '#1565c0', low: '#78909c' };

/** Commune fill by open count: 0 is nearly white, the busiest commune the darkest blue. */
export function shade(n: number, max: number): string {
  if (n <= 0 || max <= 0) return '#f3f6f9';
  const f = Math.min(1, n / max);
  const l = 92 - f * 52;
  return `hsl(210, 60%, ${l.toFixed(0)}%)`;
}
