import { useId, useMemo, type KeyboardEvent } from 'react';
import { fitProjection, PRIORITY_COLOURS, ringPath, shade, type DashboardMap } from './dashboard-data';
import { useI18n } from './i18n';
import { navigate } from './router';

const WIDTH = 900;
const PRIORITY_ORDER = ['urgent', 'high', 'normal', 'low'];

/**
 * Open reports on the province's commune outlines (SVG). Communes are shaded by their open count,
 * points coloured by priority and outlined red when overdue; a click opens the ticket.
 */
export function WallMap({ data }: { data: DashboardMap }) {
  const i18n = useI18n();
  const { t } = i18n;
  const id = useId();
  const proj = useMemo(() => fitProjection(data.communes.flatMap((c) => c.rings), data.open, WIDTH), [data]);
  const maxOpen = Math.max(0, ...Object.values(data.openByCommune));
  const paths = useMemo(() => (proj ? data.communes.map((c) => ({ ...c, d: c.rings.map((r) => ringPath(r, proj.project)) })) : []), [data, proj]);
  const overdue = data.open.filter((p) => p.overdue).length;
  const open = (code: string) => navigate({ name: 'ticket', code });
  const onKey = (code: string) => (e: KeyboardEvent) => {
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(code); }
  };

  return (
    <figure className="card map-card" data-testid="overview-map" data-points={data.open.length} data-communes={data.communes.length}>
      <figcaption>{t('ov.mapTitle')}</figcaption>
      {!proj ? <p className="hint" data-testid="map-empty">{t('ov.mapEmpty')}</p> : (
        <svg className="map" viewBox={`0 0 ${proj.width} ${proj.height}`} role="img" aria-labelledby={`${id}-t ${id}-d`}>
          <title id={`${id}-t`}>{t('ov.mapTitle')}</title>
          <desc id={`${id}-d`}>{`${t('ov.mapDesc')}: ${data.open.length} ${t('ov.openReports')}, ${overdue} ${t('ov.overdueShort')}`}</desc>
          <g className="communes">
            {paths.map((c) => {
              const n = data.openByCommune[c.code] ?? 0;
              return (
                <g key={c.code} data-testid="map-commune" data-code={c.code} data-open={n}>
                  <title>{`${c.name}: ${n} ${t('ov.openReports')}`}</title>
                  {c.d.map((d, i) => <path key={i} d={d} fill={shade(n, maxOpen)} data-testid="map-ring" />)}
                </g>
              );
            })}
          </g>
          <g className="points">
            {data.open.map((p) => {
              const [x, y] = proj.project(p.lng, p.lat);
              return (
                <circle key={p.code} cx={x} cy={y} r={p.priority === 'urgent' ? 7 : 5.5}
                  fill={PRIORITY_COLOURS[p.priority] ?? PRIORITY_COLOURS.normal}
                  className={p.overdue ? 'point overdue-point' : 'point'}
                  tabIndex={0} role="link" aria-label={`${p.code}, ${i18n.code(p.status)}, ${i18n.code(p.priority)}`}
                  data-testid="map-point" data-code={p.code} data-priority={p.priority} data-overdue={p.overdue ? 'true' : 'false'}
                  onClick={() => open(p.code)} onKeyDown={onKey(p.code)}>
                  <title>{`${p.code} · ${i18n.code(p.status)} · ${i18n.code(p.priority)}${p.overdue ? ` · ${t('ov.overdueShort')}` : ''}`}</title>
                </circle>
              );
            })}
          </g>
        </svg>
      )}
      <ul className="map-legend" data-testid="map-legend">
        {PRIORITY_ORDER.map((p) => (
          <li key={p}><svg width="14" height="14" aria-hidden="true"><circle cx="7" cy="7" r="5.5" fill={PRIORITY_COLOURS[p]} /></svg>{i18n.code(p)}</li>
        ))}
        <li><svg width="14" height="14" aria-hidden="true"><circle cx="7" cy="7" r="5" fill="#fff" stroke="#c62828" strokeWidth="2.5" /></svg>{t('ov.overdueShort')}</li>
        <li><span className="swatch" style={{ background: shade(0, 1) }} />0</li>
        <li><span className="swatch" style={{ background: shade(Math.max(1, maxOpen), Math.max(1, maxOpen)) }} />{Math.max(1, maxOpen)} {t('ov.openReports')}</li>
      </ul>
      {data.truncated && <p className="hint" data-testid="map-truncated">{t('ov.mapTruncated')}</p>}
    </figure>
  );
}
