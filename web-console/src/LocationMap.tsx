import { useEffect, useMemo, useState } from 'react';
import { api } from './api';
import { fitProjection, PRIORITY_COLOURS, ringPath, type Ring } from './dashboard-data';
import { useI18n } from './i18n';

type Outline = { code: string; name: string; rings: Ring[] };
const WIDTH = 320;

/**
 * Where the report is: its commune's outline (GET /api/v1/admin-units/{code}/outline) and the
 * reported point, as SVG — no map tiles (the hub may run on a closed network). Draws whichever of
 * the two it has; nothing when it has neither.
 */
export function LocationMap({ communeCode, lat, lng, priority }: { communeCode: string | null; lat: number | null; lng: number | null; priority: string }) {
  const { t } = useI18n();
  const [outline, setOutline] = useState<Outline | null>(null);
  useEffect(() => {
    setOutline(null);
    if (!communeCode) return;
    let live = true;
    // A commune without a boundary answers 404: the point alone is drawn.
    api.get<Outline>(`/api/v1/admin-units/${encodeURIComponent(communeCode)}/outline`).then((o) => { if (live) setOutline(o); }, () => undefined);
    return () => { live = false; };
  }, [communeCode]);
  const point = lat !== null && lng !== null ? { lat, lng } : null;
  const proj = useMemo(() => fitProjection(outline?.rings ?? [], point ? [point] : [], WIDTH), [outline, point?.lat, point?.lng]);
  if (!proj) return null;
  const [x, y] = point ? proj.project(point.lng, point.lat) : [0, 0];
  return (
    <svg className="location-map" viewBox={`0 0 ${proj.width} ${proj.height}`} role="img" data-testid="location-map"
      data-rings={outline?.rings.length ?? 0} data-point={point ? 'yes' : 'no'}>
      <title>{outline ? `${t('location')}: ${outline.name}` : t('location')}</title>
      {outline?.rings.map((r, i) => <path key={i} d={ringPath(r, proj.project)} fill="#e8eef7" stroke="#5c6b80" strokeWidth={1} />)}
      {point && <circle cx={x} cy={y} r={7} fill={PRIORITY_COLOURS[priority] ?? '#1565c0'} stroke="#fff" strokeWidth={2} data-testid="location-point" />}
    </svg>
  );
}
