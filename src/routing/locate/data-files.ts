/**
 * Builds AdminUnitRow[] straight from the vendored data files, in the shape the lead loads from the
 * database, so tests and tools can run the locator without one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { AdminUnitRow } from './locator';
import { isAreaGeometry } from './point-in-area';

export const VN_ADMIN_DIR = path.resolve(__dirname, '../../../data/vn-admin');
export const UNITS_34_FILE = path.join(VN_ADMIN_DIR, 'units-34.json');
export const HUNG_YEN_COMMUNES_FILE = path.join(VN_ADMIN_DIR, 'hung-yen-communes.geojson');

const unitSchema = z.object({ Code: z.string(), Name: z.string(), FullName: z.string() });
const provinceSchema = unitSchema.extend({ Wards: z.array(unitSchema) });
const featureSchema = z.object({
  properties: z.object({ code: z.string() }),
  bbox: z.array(z.number()).length(4).optional(),
  geometry: z.unknown(),
});

/**
 * The province row (provinceCode null) followed by its communes; boundaries are attached when a
 * GeoJSON file is given (features keyed by `properties.code`).
 */
export function adminUnitRowsFromFiles(
  provinceCode: string,
  files: { unitsFile?: string; boundariesFile?: string | null } = {},
): AdminUnitRow[] {
  const unitsFile = files.unitsFile ?? UNITS_34_FILE;
  const provinces = z.array(provinceSchema).parse(JSON.parse(fs.readFileSync(unitsFile, 'utf8')));
  const province = provinces.find((p) => p.Code === provinceCode);
  if (!province) throw new Error(`không có tỉnh mã ${provinceCode} trong ${unitsFile}`);

  const boundaries = new Map<string, { geometry: AdminUnitRow['boundary']; bbox: number[] | null }>();
  if (files.boundariesFile) {
    const fc = z.object({ features: z.array(featureSchema) }).parse(JSON.parse(fs.readFileSync(files.boundariesFile, 'utf8')));
    for (const f of fc.features) {
      if (!isAreaGeometry(f.geometry)) throw new Error(`ranh giới không hợp lệ cho mã ${f.properties.code} trong ${files.boundariesFile}`);
      boundaries.set(f.properties.code, { geometry: f.geometry, bbox: f.bbox ?? null });
    }
  }

  return [
    { code: province.Code, name: province.Name, fullName: province.FullName, provinceCode: null, boundary: null, bbox: null },
    ...province.Wards.map((w) => ({
      code: w.Code, name: w.Name, fullName: w.FullName, provinceCode: province.Code,
      boundary: boundaries.get(w.Code)?.geometry ?? null, bbox: boundaries.get(w.Code)?.bbox ?? null,
    })),
  ];
}
