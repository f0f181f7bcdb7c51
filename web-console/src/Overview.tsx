import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from './api';
import { BarChart, LineChart, RateBars, type Bar } from './Charts';
import { formatNumber, formatRate, PERIODS, periodFrom, type Dashboard, type DashboardMap, type PeriodDays } from './dashboard-data';
import { useI18n } from './i18n';
import type { LiveState } from './live';
import { errorText, type Reference } from './shared';
import { WallMap } from './WallMap';

/** Live events arrive in bursts during a busy hour: the wall reloads at most this often for them. */
const LIVE_DEBOUNCE_MS = 3000;
const POLL_MS = 60_000;

type Loaded = { dash: Dashboard; map: DashboardMap; from: string };

/** Tổng quan / Overview: supervisors' KPIs, charts and the map of open reports; also the IOC wall screen. */
export function Overview({ refData, live }: { refData: Reference; live: LiveState }) {
  const i18n = useI18n();
  const { t } = i18n;
  const locale = i18n.lang === 'en' ? 'en-GB' : 'vi-VN';
  const [days, setDays] = useState<PeriodDays>(30);
  const [data, setData] = useState<Loaded | null>(null);
  const [error, setError] = useState<{ text: string; status: number } | null>(null);
  const [wall, setWall] = useState(false);
  const seq = useRef(0);

  const load = useCallback(() => {
    const from = periodFrom(days);
    const mine = ++seq.current;
    Promise.all([
      api.get<Dashboard>(`/api/v1/dashboard?from=${from}`),
      api.get<DashboardMap>('/api/v1/dashboard/map'),
    ]).then(([dash, map]) => {
      // An answer for an older period (the selector changed meanwhile) is dropped.
      if (mine !== seq.current) return;
      setError(null);
      setData({ dash, map, from });
    }, (e: unknown) => {
      if (mine !== seq.current) return;
      setError({ text: errorText(e, i18n), status: (e as { status?: number }).status ?? 0 });
    });
  }, [days, i18n]);

  useEffect(() => {
    load();
    const timer = setInterval(load, POLL_MS);
    return () => clearInterval(timer);
  }, [load]);

  // Live events (already debounced per burst by useLive) are coalesced further: a wall need not
  // redraw the map on every status change.
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    if (live.tick === 0) return;
    const timer = setTimeout(() => loadRef.current(), LIVE_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [live.tick]);

  useEffect(() => {
    if (!wall) return;
    const onKey = (e: KeyboardEvent) => { if (e.key === 'Escape') setWall(false); };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [wall]);

  if (error && !data) {
    return <p className="error" role="alert" data-testid="overview-error" data-status={error.status}>{error.text}</p>;
  }
  if (!data) return <p data-testid="overview-loading">{t('loading')}</p>;

  const { summary, series } = data.dash;
  const num = (n: number | null, digits = 0) => formatNumber(n, locale, digits);
  const pct = (r: number | null) => formatRate(r, locale);
  const tiles: { key: string; label: string; value: number | null; text: string; tone?: string }[] = [
    { key: 'received', label: t('ov.received'), value: summary.totals.received, text: num(summary.totals.received) },
    { key: 'open', label: t('ov.open'), value: summary.totals.open, text: num(summary.totals.open) },
    { key: 'overdue', label: t('ov.overdue'), value: summary.totals.overdue, text: num(summary.totals.overdue), tone: summary.totals.overdue > 0 ? 'bad' : undefined },
    { key: 'onTimeRate', label: t('ov.onTimeRate'), value: summary.sla.onTimeRate, text: pct(summary.sla.onTimeRate) },
    { key: 'processedRate', label: t('ov.processedRate'), value: summary.kpi.overall.processedRate, text: pct(summary.kpi.overall.processedRate) },
    { key: 'satisfiedRate', label: t('ov.satisfiedRate'), value: summary.satisfaction.satisfiedRate, text: pct(summary.satisfaction.satisfiedRate) },
    { key: 'averageScore', label: t('ov.averageScore'), value: summary.satisfaction.averageScore, text: num(summary.satisfaction.averageScore, 2) },
  ];

  const channelBars: Bar[] = Object.entries(summary.byChannel).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1])
    .map(([c, n]) => ({ key: c, label: i18n.code(c), value: n }));
  const categoryName = (code: string) => {
    const c = refData.categories.find((x) => x.code === code);
    return c ? i18n.pick(c.nameVi, c.nameEn) : code === 'unclassified' ? t('ov.unclassified') : code;
  };
  const categoryBars: Bar[] = Object.entries(summary.byCategory).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1])
    .map(([c, n]) => ({ key: c, label: categoryName(c), value: n }));
  const dayLabel = (iso: string) => new Date(iso).toLocaleDateString(locale, { day: '2-digit', month: '2-digit', timeZone: 'Asia/Ho_Chi_Minh' });
  const agencyName = (a: { agencyId: number | null; name: string | null }) => {
    const ref = refData.agencies.find((x) => x.id === a.agencyId);
    return ref ? i18n.pick(ref.nameVi, ref.nameEn) : a.name ?? t('ov.notRouted');
  };
  const agencyRows = summary.byAgency.map((a) => {
    const kpi = summary.kpi.byAgency.find((k) => k.agencyId === a.agencyId);
    return { key: String(a.agencyId ?? 'none'), label: agencyName(a), rates: [a.onTimeRate, kpi?.satisfiedRate ?? null] };
  });

  return (
    <section className={wall ? 'overview wall' : 'overview'} data-testid="overview" data-from={data.from} data-days={days} data-wall={wall ? 'on' : 'off'}>
      <div className="overview-bar">
        <h2>{t('ov.title')}</h2>
        <div className="periods" role="group" aria-label={t('ov.period')}>
          {PERIODS.map((d) => (
            <button key={d} type="button" className={d === days ? 'active' : ''} aria-pressed={d === days} onClick={() => setDays(d)} data-testid={`period-${d}`}>
              {d} {t('ov.days')}
            </button>
          ))}
        </div>
        <span className="hint" data-testid="overview-as-of">{t('ov.asOf')} {new Date(summary.asOf).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' })}</span>
        <button type="button" className={wall ? 'active' : ''} aria-pressed={wall} onClick={() => setWall((w) => !w)} data-testid="wall-toggle">
          {wall ? t('ov.exitWall') : t('ov.wall')}
        </button>
      </div>
      {error && <p className="error" role="alert" data-testid="overview-error" data-status={error.status}>{error.text}</p>}
      <div className="tiles" data-testid="tiles">
        {tiles.map((tile) => (
          <div key={tile.key} className={`tile${tile.tone ? ` ${tile.tone}` : ''}`} data-testid={`tile-${tile.key}`} data-value={tile.value ?? ''}>
            <span className="tile-label">{tile.label}</span>
            <strong className="tile-value" data-testid="tile-value">{tile.text}</strong>
          </div>
        ))}
      </div>
      <div className="overview-grid">
        <WallMap data={data.map} />
        <div className="overview-charts">
          <BarChart title={t('ov.byChannel')} bars={channelBars} testId="chart-channel" emptyText={t('ov.noData')} format={(n) => num(n)} />
          <BarChart title={t('ov.byCategory')} bars={categoryBars} testId="chart-category" emptyText={t('ov.noData')} format={(n) => num(n)} />
        </div>
      </div>
      <LineChart title={t('ov.perDay')} testId="chart-daily" days={series.received.map((p) => p.t)} dayLabel={dayLabel} format={(n) => num(n)}
        lines={[
          { key: 'received', label: t('ov.received'), colour: '#0b5cad', values: series.received.map((p) => p.value ?? 0) },
          { key: 'resolved', label: t('ov.resolved'), colour: '#2e7d32', values: series.resolved.map((p) => p.value ?? 0) },
        ]} />
      <RateBars title={t('ov.byAgency')} testId="chart-agency" rows={agencyRows} emptyText={t('ov.noData')} format={pct}
        series={[{ label: t('ov.onTimeRate'), colour: '#2e7d32' }, { label: t('ov.satisfiedRate'), colour: '#0b5cad' }]} />
    </section>
  );
}
