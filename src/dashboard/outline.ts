/**
 * Commune outlines for the wall map: Douglas–Peucker simplified and rounded, so 104 communes of
 * ~1.8 MB of GeoJSON become a few dozen KB a browser draws as SVG. Pure.
 */
export type Ring = [number, number][];
type Geometry = { type: 'Polygon'; coordinates: number[][][] } | { type: 'MultiPolygon'; coordinates: number[][][][] };

function perpendicular(p: number[], a: number[], b: number[]): number {
  const dx = b[0]! - a[0]!, dy = b[1]! - a[1]!;
  const len2 = dx * dx + dy * dy;
  if (len2 === 0) return Math.hypot(p[0]! - a[0]!, p[1]! - a[1]!);
  const t = Math.max(0, Math.min(1, ((p[0]! - a[0]!) * dx + (p[1]! - a[1]!) * dy) / len2));
  return Math.hypot(p[0]! - (a[0]! + t * dx), p[1]! - (a[1]! + t * dy));
}

/** Douglas–Peucker on one ring (iterative: rings have thousands of points). */
export function simplifyRing(ring: number[][], tolerance: number): number[][] {
  if (ring.length <= 4) return ring;
  const keep = new Uint8Array(ring.length);
  keep[0] = 1; keep[ring.length - 1] = 1;
  const stack: [number, number][] = [[0, ring.length - 1]];
  while (stack.length) {
    const [s, e] = stack.pop()!;
    let max = 0, at = -1;
    for (let i = s + 1; i < e; i++) {
      const d = perpendicular(ring[i]!, ring[s]!, ring[e]!);
      if (d > max) { max = d; at = i; }
    }
    if (at >= 0 && max > tolerance) { keep[at] = 1; stack.push([s, at], [at, e]); }
  }
  return ring.filter((_, i) => keep[i]);
}

/** Outer rings only (holes do not matter at wall-map scale), simplified, rounded to 4 decimals (~10 m). */
export function outline(geometry: unknown, tolerance = 0.0015): Ring[] {
  const g = geometry as Geometry | null;
  if (!g || (g.type !== 'Polygon' && g.type !== 'MultiPolygon')) return [];
  const polygons = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  return polygons.flatMap((poly) => {
    const outer = poly[0];
    if (!outer || outer.length < 4) return [];
    const simple = simplifyRing(outer, tolerance);
    return simple.length >= 4 ? [simple.map((p) => [Math.round(p[0]! * 1e4) / 1e4, Math.round(p[1]! * 1e4) / 1e4] as [number, number])] : [];
  });
}
