import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Database } from './database';
import { toAgency, type AgencyRow } from './rows';
import type { Agency } from '../workflow/types';

const CATEGORIES_FILE = path.resolve(__dirname, '../../data/categories.json');

const categoriesFileSchema = z.object({
  categories: z.array(z.object({ code: z.string(), vi: z.string(), en: z.string(), covers: z.string() })),
  priorities: z.array(z.object({ code: z.string(), vi: z.string(), en: z.string(), covers: z.string() })),
});

export type Category = { code: string; nameVi: string; nameEn: string; covers: string; active: boolean };
export type PriorityInfo = { code: string; nameVi: string; nameEn: string; rank: number };

/** Categories and priorities come from data/categories.json (codes are stable); loaded at every start. */
export async function loadCategories(db: Database): Promise<void> {
  const file = categoriesFileSchema.parse(JSON.parse(fs.readFileSync(CATEGORIES_FILE, 'utf8')));
  await db.transaction(async (tx) => {
    for (const [i, p] of file.priorities.entries()) {
      await tx.query(`INSERT INTO priorities (code, name_vi, name_en, rank) VALUES ($1,$2,$3,$4)
        ON CONFLICT (code) DO UPDATE SET name_vi = EXCLUDED.name_vi, name_en = EXCLUDED.name_en`, [p.code, p.vi, p.en, i + 1]);
    }
    for (const [i, c] of file.categories.entries()) {
      await tx.query(`INSERT INTO categories (code, name_vi, name_en, covers, sort_order) VALUES ($1,$2,$3,$4,$5)
        ON CONFLICT (code) DO UPDATE SET name_vi = EXCLUDED.name_vi, name_en = EXCLUDED.name_en, covers = EXCLUDED.covers,
          sort_order = EXCLUDED.sort_order`, [c.code, c.vi, c.en, c.covers, i]);
    }
  });
}

export class Catalog {
  private categoryCodes = new Set<string>();
  constructor(private readonly db: Database) {}

  async refresh(): Promise<void> {
    this.categoryCodes = new Set((await this.categories()).filter((c) => c.active).map((c) => c.code));
  }

  isCategory(code: string): boolean {
    return this.categoryCodes.has(code);
  }

  async categories(): Promise<Category[]> {
    const rows = await this.db.query<{ code: string; name_vi: string; name_en: string; covers: string; active: boolean }>(
      'SELECT * FROM categories ORDER BY sort_order');
    return rows.map((r) => ({ code: r.code, nameVi: r.name_vi, nameEn: r.name_en, covers: r.covers, active: r.active }));
  }

  async priorities(): Promise<PriorityInfo[]> {
    const rows = await this.db.query<{ code: string; name_vi: string; name_en: string; rank: number }>('SELECT * FROM priorities ORDER BY rank');
    return rows.map((r) => ({ code: r.code, nameVi: r.name_vi, nameEn: r.name_en, rank: r.rank }));
  }

  async agencies(): Promise<Agency[]> {
    const rows = await this.db.query<AgencyRow>('SELECT * FROM agencies ORDER BY kind, name_vi');
    return rows.map(toAgency);
  }

  async adminUnits(parentCode: string | null): Promise<{ code: string; name: string; fullName: string; level: string; hasBoundary: boolean }[]> {
    const rows = await this.db.query<{ code: string; name: string; full_name: string; level: string; has_boundary: boolean }>(
      `SELECT code, name, full_name, level, boundary IS NOT NULL AS has_boundary FROM admin_units
       WHERE structure = '2025' AND ${parentCode ? 'parent_code = $1' : "level = 'province'"} ORDER BY name`,
      parentCode ? [parentCode] : []);
    return rows.map((r) => ({ code: r.code, name: r.name, fullName: r.full_name, level: r.level, hasBoundary: r.has_boundary }));
  }
}
