import { adminUnitRowsFromFiles, HUNG_YEN_COMMUNES_FILE } from './data-files';
import { BoundaryIndex, geometryBBox, isAreaGeometry, pointInGeometry, type AreaBoundary, type AreaGeometry, type Ring } from './point-in-area';

const square = (x0: number, y0: number, x1: number, y1: number): Ring => [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];

// Winding number: a different algorithm from the index's banded ray casting, used as the reference.
function windingInside(ring: Ring, x: number, y: number): boolean {
  let wn = 0;
  for (let i = 0; i < ring.length - 1; i++) {
    const [x1, y1] = ring[i] as [number, number];
    const [x2, y2] = ring[i + 1] as [number, number];
    const side = (x2 - x1) * (y - y1) - (x - x1) * (y2 - y1);
    if (y1 <= y) { if (y2 > y && side > 0) wn++; } else if (y2 <= y && side < 0) wn--;
  }
  return wn !== 0;
}

// Deterministic pseudo-random numbers (LCG) so runs are comparable.
function lcg(seed: number): () => number {
  let s = seed;
  return () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
}

describe('pointInGeometry (synthetic shapes)', () => {
  // 10×10 square with a 4×4 hole in the middle; coordinates are [lng, lat].
  const withHole: AreaGeometry = { type: 'Polygon', coordinates: [square(0, 0, 10, 10), square(3, 3, 7, 7)] };

  it('is inside the outer ring but not inside the hole', () => {
    expect(pointInGeometry(withHole, 1, 1)).toBe(true);
    expect(pointInGeometry(withHole, 8.5, 5)).toBe(true);
    expect(pointInGeometry(withHole, 5, 5)).toBe(false); // in the hole
    expect(pointInGeometry(withHole, 11, 5)).toBe(false);
    expect(pointInGeometry(withHole, 5, -0.1)).toBe(false);
  });

  it('handles MultiPolygon parts, each with its own holes', () => {
    const multi: AreaGeometry = { type: 'MultiPolygon', coordinates: [[square(0, 0, 2, 2)], [square(5, 5, 9, 9), square(6, 6, 8, 8)]] };
    expect(pointInGeometry(multi, 1, 1)).toBe(true);
    expect(pointInGeometry(multi, 5.5, 5.5)).toBe(true);
    expect(pointInGeometry(multi, 7, 7)).toBe(false); // hole of the second part
    expect(pointInGeometry(multi, 3.5, 3.5)).toBe(false); // between the parts
  });

  it('handles a concave (U-shaped) ring', () => {
    const u: AreaGeometry = { type: 'Polygon', coordinates: [[[0, 0], [6, 0], [6, 6], [4, 6], [4, 2], [2, 2], [2, 6], [0, 6], [0, 0]]] };
    expect(pointInGeometry(u, 1, 5)).toBe(true);
    expect(pointInGeometry(u, 5, 5)).toBe(true);
    expect(pointInGeometry(u, 3, 5)).toBe(false); // inside the notch
    expect(pointInGeometry(u, 3, 1)).toBe(true);
  });

  it('matches the winding-number reference on a 500-vertex star, including an unclosed ring', () => {
    const rnd = lcg(7);
    const star: Ring = Array.from({ length: 500 }, (_, k) => {
      const a = (k / 500) * 2 * Math.PI, r = k % 2 ? 10 : 3 + rnd() * 6;
      return [Math.cos(a) * r, Math.sin(a) * r];
    });
    const closed: Ring = [...star, star[0]!];
    const idx = new BoundaryIndex([
      { code: 'closed', geometry: { type: 'Polygon', coordinates: [closed] } },
    ]);
    const open = new BoundaryIndex([{ code: 'open', geometry: { type: 'Polygon', coordinates: [star] } }]);
    let inside = 0;
    const disagreements: Array<[number, number]> = [];
    for (let i = 0; i < 5000; i++) {
      const x = rnd() * 24 - 12, y = rnd() * 24 - 12;
      const expected = windingInside(closed, x, y);
      if (expected) inside++;
      if (idx.locate(y, x) !== (expected ? 'closed' : null) || open.locate(y, x) !== (expected ? 'open' : null)) disagreements.push([x, y]);
    }
    expect(disagreements).toEqual([]);
    expect(inside).toBeGreaterThan(500);
    expect(pointInGeometry({ type: 'Polygon', coordinates: [star] }, 0, 0)).toBe(true);
  });

  it('computes the bbox and validates geometry from JSON', () => {
    expect(geometryBBox(withHole)).toEqual([0, 0, 10, 10]);
    expect(isAreaGeometry(withHole)).toBe(true);
    expect(isAreaGeometry({ type: 'Point', coordinates: [1, 2] })).toBe(false);
    expect(isAreaGeometry({ type: 'Polygon', coordinates: [[[0, 0], [1, 1]]] })).toBe(false); // ring too short
    expect(isAreaGeometry(null)).toBe(false);
  });
});

describe('BoundaryIndex (synthetic)', () => {
  const areas: AreaBoundary[] = [
    { code: 'A', geometry: { type: 'Polygon', coordinates: [square(0, 0, 10, 10), square(3, 3, 7, 7)] } },
    // B is the enclave filling A's hole.
    { code: 'B', geometry: { type: 'Polygon', coordinates: [square(3, 3, 7, 7)] } },
    { code: 'C', geometry: { type: 'Polygon', coordinates: [square(10, 0, 20, 10)] }, bbox: [10, 0, 12, 2] }, // stale bbox
  ];
  const idx = new BoundaryIndex(areas, { gridSize: 8 });

  it('finds the area, the enclave in a hole, and nothing outside (lat, lng order)', () => {
    expect(idx.locate(1, 1)).toBe('A');
    expect(idx.locate(5, 5)).toBe('B');
    expect(idx.locate(5, 15)).toBe('C');
    expect(idx.locate(11, 5)).toBeNull();
    expect(idx.locate(-1, 5)).toBeNull();
    expect(idx.locate(5, 25)).toBeNull();
  });

  it('does not trust a stale stored bbox over the geometry', () => {
    expect(idx.locate(9, 19)).toBe('C'); // outside the stored [10,0,12,2] box, inside the polygon
  });

  it('returns null for non-finite coordinates and for an empty index', () => {
    expect(idx.locate(Number.NaN, 1)).toBeNull();
    expect(idx.locate(1, Number.POSITIVE_INFINITY)).toBeNull();
    expect(new BoundaryIndex([]).locate(1, 1)).toBeNull();
  });

  it('rejects invalid geometry with the code in the message', () => {
    const bad = { code: 'X', geometry: { type: 'Polygon', coordinates: [] } } as unknown as AreaBoundary;
    expect(() => new BoundaryIndex([bad])).toThrow(/X/);
  });
});

describe('BoundaryIndex over the 104 communes of Hưng Yên', () => {
  const rows = adminUnitRowsFromFiles('33', { boundariesFile: HUNG_YEN_COMMUNES_FILE });
  const boundaries: AreaBoundary[] = rows.filter((r) => r.boundary).map((r) => ({ code: r.code, geometry: r.boundary!, bbox: r.bbox }));
  const idx = new BoundaryIndex(boundaries);

  it('loads every commune boundary', () => {
    expect(rows).toHaveLength(105); // province row + 104 communes
    expect(idx.size).toBe(104);
  });

  // Vertex averages of each commune's outer ring; each checked inside with the brute-force test below.
  it.each([
    ['11953', 'Phường Phố Hiến', 20.6599, 106.06388],
    ['11983', 'Phường Sơn Nam', 20.68857, 106.04731],
    ['11977', 'Xã Tân Hưng', 20.64135, 106.09044],
    ['12004', 'Xã Như Quỳnh', 20.97724, 105.9903],
    ['12205', 'Xã Khoái Châu', 20.81554, 105.96862],
    ['13225', 'Phường Thái Bình', 20.47343, 106.30909],
    ['12826', 'Xã Thái Thuỵ', 20.57157, 106.55794],
    ['12943', 'Xã Đông Thái Ninh', 20.49315, 106.55781],
    ['13279', 'Xã Vũ Tiên', 20.36972, 106.29705],
  ])('%s %s contains (%f, %f)', (code, _name, lat, lng) => {
    expect(idx.locate(lat, lng)).toBe(code);
  });

  it.each([
    ['Hoàn Kiếm, Hà Nội', 21.0285, 105.8542],
    ['Hải Phòng', 20.8449, 106.6881],
    ['Gulf of Tonkin off Thái Bình', 20.3, 106.75],
    ['Nam Định, across the Red River', 20.4337, 106.1621],
  ])('nothing for %s', (_where, lat, lng) => {
    expect(idx.locate(lat, lng)).toBeNull();
  });

  it('agrees with an independent winding-number test on a grid across the province', () => {
    const boxes = boundaries.map((b) => {
      const pts = (b.geometry.type === 'Polygon' ? [b.geometry.coordinates] : b.geometry.coordinates).flatMap((p) => p[0]!);
      return [Math.min(...pts.map((q) => q[0]!)), Math.min(...pts.map((q) => q[1]!)), Math.max(...pts.map((q) => q[0]!)), Math.max(...pts.map((q) => q[1]!))];
    });
    const brute = (lat: number, lng: number): string[] => boundaries.filter((b, i) => {
      const [x0, y0, x1, y1] = boxes[i]!;
      if (lng < x0! || lng > x1! || lat < y0! || lat > y1!) return false;
      const polys = b.geometry.type === 'Polygon' ? [b.geometry.coordinates] : b.geometry.coordinates;
      return polys.some((p) => windingInside(p[0]!, lng, lat) && !p.slice(1).some((h) => windingInside(h, lng, lat)));
    }).map((b) => b.code);

    const [minLng, minLat, maxLng, maxLat] = [105.8945, 20.249, 106.6595, 21.007];
    let inside = 0, checked = 0;
    for (let i = 0; i < 36; i++) {
      for (let j = 0; j < 36; j++) {
        // Offsets avoid landing exactly on shared vertices, where either neighbour is a fair answer.
        const lat = minLat + ((i + 0.5137) / 36) * (maxLat - minLat);
        const lng = minLng + ((j + 0.4871) / 36) * (maxLng - minLng);
        const expected = brute(lat, lng);
        const got = idx.locate(lat, lng);
        checked++;
        if (expected.length === 0) expect(got).toBeNull();
        else { inside++; expect(expected).toContain(got); }
      }
    }
    expect(checked).toBe(1296);
    expect(inside).toBeGreaterThan(300); // the province fills a good part of its bbox
    for (const [lat, lng, code] of [[20.6599, 106.06388, '11953'], [20.47343, 106.30909, '13225'], [20.97724, 105.9903, '12004']] as const) {
      expect(brute(lat, lng)).toEqual([code]);
    }
  });

  it('speed sanity (printed, not asserted)', () => {
    const [minLng, minLat, maxLng, maxLat] = [105.8945, 20.249, 106.6595, 21.007];
    const rnd = lcg(12345);
    const n = 200_000;
    const lats = new Float64Array(n), lngs = new Float64Array(n);
    for (let i = 0; i < n; i++) { lats[i] = minLat + rnd() * (maxLat - minLat); lngs[i] = minLng + rnd() * (maxLng - minLng); }
    const insideIdx: number[] = [];
    for (let i = 0; i < n; i++) if (idx.locate(lats[i]!, lngs[i]!)) insideIdx.push(i);
    const t0 = performance.now();
    let hits = 0;
    for (let i = 0; i < n; i++) if (idx.locate(lats[i]!, lngs[i]!)) hits++;
    const t1 = performance.now();
    for (const i of insideIdx) idx.locate(lats[i]!, lngs[i]!);
    const t2 = performance.now();
    const perSec = (count: number, ms: number): number => Math.round(count / (ms / 1000));
    // eslint-disable-next-line no-console
    console.log(`BoundaryIndex (104 communes): ${perSec(n, t1 - t0)} lookups/s over the province bbox `
      + `(${hits} inside), ${perSec(insideIdx.length, t2 - t1)} lookups/s for points inside a commune`);
    expect(hits).toBe(insideIdx.length);
  });
});
