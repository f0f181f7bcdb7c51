import { outline, simplifyRing } from './outline';

describe('commune outlines for the wall map', () => {
  test('points within the tolerance of a straight edge are dropped; corners stay', () => {
    const square = [[0, 0], [0.5, 0.0001], [1, 0], [1, 1], [0.5, 1.0002], [0, 1], [0, 0]];
    expect(simplifyRing(square, 0.001)).toEqual([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]);
    expect(simplifyRing(square, 0.00001)).toEqual(square);
  });

  test('a circle of 2,000 points keeps its shape in far fewer points, closed, rounded to 4 decimals', () => {
    const ring = Array.from({ length: 2001 }, (_, i) => [106 + 0.05 * Math.cos((2 * Math.PI * i) / 2000), 20.6 + 0.05 * Math.sin((2 * Math.PI * i) / 2000)]);
    const [out] = outline({ type: 'Polygon', coordinates: [ring] });
    expect(out!.length).toBeLessThan(100);
    expect(out!.length).toBeGreaterThan(8);
    expect(out![0]).toEqual(out![out!.length - 1]);
    for (const [x, y] of out!) {
      expect(Math.abs(Math.hypot(x - 106, y - 20.6) - 0.05)).toBeLessThan(0.0016);
      expect(x).toBe(Math.round(x * 1e4) / 1e4);
    }
  });

  test('MultiPolygons give one ring per part; anything else gives none', () => {
    const part = [[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]];
    expect(outline({ type: 'MultiPolygon', coordinates: [[part], [part]] })).toHaveLength(2);
    expect(outline(null)).toEqual([]);
    expect(outline({ type: 'Point', coordinates: [1, 2] })).toEqual([]);
  });
});
