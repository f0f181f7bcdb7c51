import type { AdminUnitRow } from '../routing/locate/locator';
import type { AreaGeometry } from '../routing/locate/point-in-area';
import type { Database } from './database';

/** The data the area locator is built from: loaded provinces, their communes and boundaries, admins' aliases. */
export class AreaStore {
  constructor(private readonly db: Database) {}

  async units(): Promise<AdminUnitRow[]> {
    const rows = await this.db.query<{ code: string; name: string; full_name: string; level: string; parent_code: string | null;
      boundary: AreaGeometry | null; bbox: number[] | null }>(
      `SELECT code, name, full_name, level, parent_code, boundary, bbox FROM admin_units WHERE structure = '2025' ORDER BY code`);
    return rows.map((r) => ({ code: r.code, name: r.name, fullName: r.full_name, provinceCode: r.level === 'province' ? null : r.parent_code,
      boundary: r.boundary, bbox: r.bbox }));
  }

  async aliases(): Promise<{ alias: string; code: string }[]> {
    return this.db.query<{ alias: string; code: string }>('SELECT alias, commune_code AS code FROM area_aliases ORDER BY id');
  }

  async addAlias(alias: string, communeCode: string): Promise<boolean> {
    const known = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM admin_units WHERE code = $1 AND level = 'commune'`, [communeCode]);
    if (!known[0]?.n) return false;
    await this.db.query('INSERT INTO area_aliases (alias, commune_code) VALUES ($1, $2) ON CONFLICT DO NOTHING', [alias, communeCode]);
    return true;
  }
}
