/**
 * Point-in-polygon for administrative boundaries (GeoJSON Polygon / MultiPolygon, with holes) and a
 * grid-bucketed index that answers "which commune contains this point" without a spatial database.
 *
 * GeoJSON order is [longitude, latitude]; the public API takes (lat, lng) because that is how phones
 * and maps hand coordinates over.
 */

export type Ring = number[][];
export interface PolygonGeometry { type: 'Polygon'; coordinates: Ring[] }
export interface MultiPolygonGeometry { type: 'MultiPolygon'; coordinates: Ring[][] }
export type AreaGeometry = PolygonGeometry | MultiPolygonGeometry;

/** [minLng, minLat, maxLng, maxLat], as in GeoJSON `bbox`. */
export type BBox = [number, number, number, number];

export interface AreaBoundary {
  code: string;
  geometry: AreaGeometry;
  /** Optional prefilter box; unioned with the box computed from the geometry. */
  bbox?: number[] | null;
}

function isPosition(p: unknown): p is number[] {
  return Array.isArray(p) && p.length >= 2 && typeof p[0] === 'number' && typeof p[1] === 'number'
    && Number.isFinite(p[0]) && Number.isFinite(p[1]);
}

function isRing(r: unknown): r is Ring {
  return Array.isArray(r) && r.length >= 4 && r.every(isPosition);
}

function isPolygonCoords(p: unknown): p is Ring[] {
  return Array.isArray(p) && p.length >= 1 && p.every(isRing);
}

/** Runtime check for geometries that come out of a JSON column. */
export function isAreaGeometry(g: unknown): g is AreaGeometry {
  if (typeof g !== 'object' || g === null) return false;
  const { type, coordinates } = g as { type?: unknown; coordinates?: unknown };
  if (type === 'Polygon') return isPolygonCoords(coordinates);
  if (type === 'MultiPolygon') return Array.isArray(coordinates) && coordinates.length >= 1 && coordinates.every(isPolygonCoords);
  return false;
}

function polygonsOf(g: AreaGeometry): Ring[][] {
  return g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
}

export function geometryBBox(g: AreaGeometry): BBox {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const poly of polygonsOf(g)) {
    // Holes lie inside the outer ring, so the outer ring alone bounds the polygon.
    for (const [x, y] of poly[0] ?? []) {
      if (x! < minX) minX = x!;
      if (x! > maxX) maxX = x!;
      if (y! < minY) minY = y!;
      if (y! > maxY) maxY = y!;
    }
  }
  return [minX, minY, maxX, maxY];
}

/**
 * A ring as flat [x0, y0, x1, y1, …] (closed: last point = first), with its edges bucketed into
 * horizontal bands. A horizontal ray at latitude y can only cross edges whose y-range contains y, so
 * a lookup scans one band (a handful of edges) instead of the whole ring (hundreds of vertices).
 */
interface PreparedRing { xy: Float64Array; minY: number; maxY: number; bandH: number; bands: number; offsets: Int32Array; edges: Int32Array }

function prepareRing(ring: Ring): PreparedRing {
  const first = ring[0]!, last = ring[ring.length - 1]!;
  const closed = first[0] === last[0] && first[1] === last[1];
  const pts = closed ? ring : [...ring, first];
  const xy = new Float64Array(pts.length * 2);
  let minY = Infinity, maxY = -Infinity;
  pts.forEach((p, i) => {
    xy[i * 2] = p[0]!; xy[i * 2 + 1] = p[1]!;
    if (p[1]! < minY) minY = p[1]!;
    if (p[1]! > maxY) maxY = p[1]!;
  });
  const edgeCount = pts.length - 1;
  const bands = Math.max(1, Math.min(1024, Math.ceil(edgeCount / 4)));
  const bandH = (maxY - minY) / bands || 1;
  const band = (y: number): number => Math.min(bands - 1, Math.max(0, Math.floor((y - minY) / bandH)));
  const counts = new Int32Array(bands + 1);
  const span = (k: number): [number, number] => {
    const y1 = xy[k * 2 + 1]!, y2 = xy[k * 2 + 3]!;
    return [band(Math.min(y1, y2)), band(Math.max(y1, y2))];
  };
  for (let k = 0; k < edgeCount; k++) { const [b0, b1] = span(k); for (let b = b0; b <= b1; b++) counts[b + 1]!++; }
  const offsets = new Int32Array(bands + 1);
  for (let b = 0; b < bands; b++) offsets[b + 1] = offsets[b]! + counts[b + 1]!;
  const fill = offsets.slice(0, bands);
  const edges = new Int32Array(offsets[bands]!);
  for (let k = 0; k < edgeCount; k++) { const [b0, b1] = span(k); for (let b = b0; b <= b1; b++) edges[fill[b]!++] = k; }
  return { xy, minY, maxY, bandH, bands, offsets, edges };
}

/** Even-odd ray casting, over the edges of the band that holds y. */
function inRing(r: PreparedRing, x: number, y: number): boolean {
  if (y < r.minY || y > r.maxY) return false;
  const b = Math.min(r.bands - 1, Math.max(0, Math.floor((y - r.minY) / r.bandH)));
  const xy = r.xy;
  let inside = false;
  for (let e = r.offsets[b]!, end = r.offsets[b + 1]!; e < end; e++) {
    const i = r.edges[e]! * 2;
    const yi = xy[i + 1]!, yj = xy[i + 3]!;
    if ((yi > y) !== (yj > y)) {
      const xi = xy[i]!, xj = xy[i + 2]!;
      if (x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

interface PreparedPolygon { minX: number; minY: number; maxX: number; maxY: number; outer: PreparedRing; holes: PreparedRing[] }
interface PreparedArea { code: string; minX: number; minY: number; maxX: number; maxY: number; polygons: PreparedPolygon[] }

function prepare(b: AreaBoundary): PreparedArea {
  const polygons: PreparedPolygon[] = polygonsOf(b.geometry).map((poly) => {
    const [minX, minY, maxX, maxY] = geometryBBox({ type: 'Polygon', coordinates: poly });
    return { minX, minY, maxX, maxY, outer: prepareRing(poly[0]!), holes: poly.slice(1).map(prepareRing) };
  });
  const bbox = geometryBBox(b.geometry);
  const given = b.bbox;
  // A stored bbox may be stale; widening to the union with the computed one never drops a match.
  if (given && given.length === 4 && given.every(Number.isFinite)) {
    bbox[0] = Math.min(bbox[0], given[0]!); bbox[1] = Math.min(bbox[1], given[1]!);
    bbox[2] = Math.max(bbox[2], given[2]!); bbox[3] = Math.max(bbox[3], given[3]!);
  }
  return { code: b.code, minX: bbox[0], minY: bbox[1], maxX: bbox[2], maxY: bbox[3], polygons };
}

function inPrepared(a: PreparedArea, x: number, y: number): boolean {
  if (x < a.minX || x > a.maxX || y < a.minY || y > a.maxY) return false;
  for (const p of a.polygons) {
    if (x < p.minX || x > p.maxX || y < p.minY || y > p.maxY) continue;
    if (!inRing(p.outer, x, y)) continue;
    if (p.holes.some((h) => inRing(h, x, y))) continue;
    return true;
  }
  return false;
}

/** True when (lng, lat) is inside the geometry (outer ring minus holes, any part of a MultiPolygon). */
export function pointInGeometry(geometry: AreaGeometry, lng: number, lat: number): boolean {
  return inPrepared(prepare({ code: '', geometry }), lng, lat);
}

/**
 * Index over commune boundaries. A uniform grid over the union bbox keeps, per cell, the areas whose
 * bbox touches it, so a lookup tests only 1–3 polygons instead of all of them.
 */
export class BoundaryIndex {
  private readonly areas: PreparedArea[];
  private readonly cells: Int32Array[];
  private readonly minX: number;
  private readonly minY: number;
  private readonly cellW: number;
  private readonly cellH: number;
  private readonly cols: number;
  private readonly rows: number;

  constructor(boundaries: AreaBoundary[], options: { gridSize?: number } = {}) {
    for (const b of boundaries) {
      if (!isAreaGeometry(b.geometry)) throw new Error(`ranh giới không hợp lệ cho mã ${b.code} (invalid Polygon/MultiPolygon)`);
    }
    this.areas = boundaries.map(prepare);
    const n = this.areas.length;
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (const a of this.areas) {
      minX = Math.min(minX, a.minX); minY = Math.min(minY, a.minY);
      maxX = Math.max(maxX, a.maxX); maxY = Math.max(maxY, a.maxY);
    }
    // About 4 cells per area on each axis keeps cell lists short without a large table.
    const size = options.gridSize ?? Math.max(1, Math.ceil(Math.sqrt(n) * 4));
    this.cols = size; this.rows = size;
    this.minX = n ? minX : 0; this.minY = n ? minY : 0;
    this.cellW = n ? (maxX - minX) / size || 1 : 1;
    this.cellH = n ? (maxY - minY) / size || 1 : 1;
    const buckets: number[][] = Array.from({ length: this.cols * this.rows }, () => []);
    this.areas.forEach((a, idx) => {
      const c0 = this.col(a.minX), c1 = this.col(a.maxX), r0 = this.row(a.minY), r1 = this.row(a.maxY);
      for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) buckets[r * this.cols + c]!.push(idx);
    });
    this.cells = buckets.map((b) => Int32Array.from(b));
  }

  private col(x: number): number { return Math.min(this.cols - 1, Math.max(0, Math.floor((x - this.minX) / this.cellW))); }
  private row(y: number): number { return Math.min(this.rows - 1, Math.max(0, Math.floor((y - this.minY) / this.cellH))); }

  get size(): number { return this.areas.length; }

  /** Code of the area containing the point, or null (outside every area, or invalid coordinates). */
  locate(lat: number, lng: number): string | null {
    if (!Number.isFinite(lat) || !Number.isFinite(lng) || this.areas.length === 0) return null;
    const c = Math.floor((lng - this.minX) / this.cellW), r = Math.floor((lat - this.minY) / this.cellH);
    // Points exactly on the max edge fall into the last cell; anything further is outside every bbox.
    const col = c === this.cols && lng - this.minX <= this.cellW * this.cols ? c - 1 : c;
    const row = r === this.rows && lat - this.minY <= this.cellH * this.rows ? r - 1 : r;
    if (col < 0 || row < 0 || col >= this.cols || row >= this.rows) return null;
    const bucket = this.cells[row * this.cols + col]!;
    for (let i = 0; i < bucket.length; i++) {
      const a = this.areas[bucket[i]!]!;
      if (inPrepared(a, lng, lat)) return a.code;
    }
    return null;
  }
}
