import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Database } from '../db/database';
import { foldVietnamese } from '../shared/text';

export const DATA_DIR = path.resolve(__dirname, '../../data');
const UNITS_FILE = path.join(DATA_DIR, 'vn-admin/units-34.json');

const wardSchema = z.object({
  Code: z.string(), Name: z.string(), NameEn: z.string().optional(), FullName: z.string(), FullNameEn: z.string().optional(),
  AdministrativeUnitShortName: z.string(),
});
const provinceSchema = wardSchema.extend({ Wards: z.array(wardSchema) });
type ProvinceRecord = z.infer<typeof provinceSchema>;

export function readProvinces(file = UNITS_FILE): ProvinceRecord[] {
  return z.array(provinceSchema).parse(JSON.parse(fs.readFileSync(file, 'utf8')));
}

const featureSchema = z.object({
  properties: z.object({ code: z.string() }),
  bbox: z.array(z.number()).length(4).optional(),
  geometry: z.object({ type: z.enum(['Polygon', 'MultiPolygon']), coordinates: z.array(z.unknown()) }),
});

function bboxOf(geometry: { type: string; coordinates: unknown[] }): number[] {
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      const [x, y] = c as number[];
      minX = Math.min(minX, x!); maxX = Math.max(maxX, x!); minY = Math.min(minY, y!); maxY = Math.max(maxY, y!);
    } else if (Array.isArray(c)) c.forEach(walk);
  };
  walk(geometry.coordinates);
  return [minX, minY, maxX, maxY];
}

/**
 * Loads one province and its communes (2025 structure) from the units file, and the communes'
 * boundaries when a GeoJSON file is given. Safe to run again: rows are upserted.
 */
export async function importProvince(db: Database, provinceCode: string, boundariesFile?: string): Promise<{ province: string; communes: number; boundaries: number }> {
  const province = readProvinces().find((p) => p.Code === provinceCode);
  if (!province) throw new Error(`no province with code ${provinceCode} in ${UNITS_FILE}`);
  const upsert = `INSERT INTO admin_units (structure, code, level, parent_code, name, name_en, full_name, full_name_en, unit_type, name_folded)
    VALUES ('2025', $1, $2, $3, $4, $5, $6, $7, $8, $9)
    ON CONFLICT (structure, code) DO UPDATE SET name = EXCLUDED.name, name_en = EXCLUDED.name_en, full_name = EXCLUDED.full_name,
      full_name_en = EXCLUDED.full_name_en, unit_type = EXCLUDED.unit_type, name_folded = EXCLUDED.name_folded, parent_code = EXCLUDED.parent_code`;
  let boundaries = 0;
  await db.transaction(async (tx) => {
    await tx.query(upsert, [province.Code, 'province', null, province.Name, province.NameEn ?? null, province.FullName,
      province.FullNameEn ?? null, province.AdministrativeUnitShortName, foldVietnamese(province.Name)]);
    for (const w of province.Wards) {
      await tx.query(upsert, [w.Code, 'commune', province.Code, w.Name, w.NameEn ?? null, w.FullName, w.FullNameEn ?? null,
        w.AdministrativeUnitShortName, foldVietnamese(w.Name)]);
    }
    if (boundariesFile) {
      const fc = z.object({ features: z.array(featureSchema) }).parse(JSON.parse(fs.readFileSync(boundariesFile, 'utf8')));
      for (const f of fc.features) {
        const res = await tx.query<{ code: string }>(
          `UPDATE admin_units SET boundary = $2, bbox = $3 WHERE structure = '2025' AND code = $1 AND parent_code = $4 RETURNING code`,
          [f.properties.code, JSON.stringify(f.geometry), f.bbox ?? bboxOf(f.geometry), province.Code]);
        boundaries += res.length;
      }
    }
  });
  return { province: province.FullName, communes: province.Wards.length, boundaries };
}
