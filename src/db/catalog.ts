import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Database } from './database';
import type { Agency, Priority } from '../workflow/types';

const CATEGORIES_FILE = path.resolve(__dirname, '../../data/categories.json');

const categoriesFileSchema = z.object({
  categories: z.array(z.object({ code: z.string(), vi: z.string(), en: z.string(), covers: z.string() })),
  priorities: z.array(z.object({ code: z.string(), vi: z.string(), en: z.string(), covers: z.string() })),
});

export type Category = { code: string; nameVi: string; nameEn: string; covers: string; active: boolean };
/** A category with what admins set on it. */
export type CategoryDetails = Category & {
  /** The priority a new ticket of this category gets when the classifier finds nothing special. */
  defaultPriority: Priority | null;
  /** When an admin last edited or added it (null: as shipped in data/categories.json). */
  editedAt: Date | null;
};
export type PriorityInfo = { code: string; nameVi: string; nameEn: string; rank: number };

/** An agency with what notifications and the console need besides its names. */
export type AgencyDetails = Agency & {
  shortName: string | null; provinceCode: string | null; communeCode: string | null; email: string | null; phone: string | null;
};

export type AgencyDetailsRow = {
  id: number; code: string; name_vi: string; name_en: string; short_name: string | null; kind: string; province_code: string | null;
  commune_code: string | null; email: string | null; phone: string | null; always_on: boolean; active: boolean;
};
export const toAgencyDetails = (r: AgencyDetailsRow): AgencyDetails => ({
  id: r.id, code: r.code, nameVi: r.name_vi, nameEn: r.name_en, shortName: r.short_name, kind: r.kind, provinceCode: r.province_code,
  communeCode: r.commune_code, email: r.email, phone: r.phone, alwaysOn: r.always_on, active: r.active,
});

export type CategoryRow = {
  code: string; name_vi: string; name_en: string; covers: string; active: boolean; default_priority: Priority | null; edited_at: Date | null;
};
export const toCategory = (r: CategoryRow): CategoryDetails => ({
  code: r.code, nameVi: r.name_vi, nameEn: r.name_en, covers: r.covers, active: r.active, defaultPriority: r.default_priority ?? null,
  editedAt: r.edited_at ?? null,
});

/**
 * Categories and priorities come from data/categories.json (codes are stable); loaded at every
 * start. A category an admin has edited keeps the admin's names (edited_at is set); new codes in
 * the file are added; nothing is ever deleted (tickets and the IOC feed refer to the codes).
 */
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
          sort_order = EXCLUDED.sort_order WHERE categories.edited_at IS NULL`, [c.code, c.vi, c.en, c.covers, i]);
    }
  });
}

/** How long another process's category change may take to reach this one's synchronous checks. */
const REFRESH_MS = 5_000;

/** What the classifier needs to know, synchronously, about the categories it may file under. */
export type CategoryState = { active: ReadonlySet<string>; defaults: ReadonlyMap<string, Priority> };

export class Catalog {
  private state: CategoryState = { active: new Set(), defaults: new Map() };
  private refreshedAt = 0;
  private refreshing: Promise<void> | null = null;
  constructor(private readonly db: Database) {}

  /** Re-reads the categories now (after a local change, and at start). */
  async refresh(): Promise<void> {
    const all = await this.categories();
    this.state = {
      active: new Set(all.filter((c) => c.active).map((c) => c.code)),
      defaults: new Map(all.filter((c) => c.defaultPriority !== null).map((c) => [c.code, c.defaultPriority!])),
    };
    this.refreshedAt = Date.now();
  }

  /**
   * The cached state; when it is older than a few seconds a re-read starts in the background, so
   * every API process follows an admin's change made in another one without a timer of its own.
   */
  categoryState(): CategoryState {
    if (Date.now() - this.refreshedAt > REFRESH_MS && !this.refreshing) {
      this.refreshing = this.refresh().catch(() => undefined).finally(() => { this.refreshing = null; });
    }
    return this.state;
  }

  /** An active category: offered for new tickets (inactive ones stay valid on existing tickets). */
  isCategory(code: string): boolean {
    return this.categoryState().active.has(code);
  }

  async categories(): Promise<CategoryDetails[]> {
    const rows = await this.db.query<CategoryRow>('SELECT * FROM categories ORDER BY sort_order, code');
    return rows.map(toCategory);
  }

  async priorities(): Promise<PriorityInfo[]> {
    const rows = await this.db.query<{ code: string; name_vi: string; name_en: string; rank: number }>('SELECT * FROM priorities ORDER BY rank');
    return rows.map((r) => ({ code: r.code, nameVi: r.name_vi, nameEn: r.name_en, rank: r.rank }));
  }

  async agencies(): Promise<AgencyDetails[]> {
    const rows = await this.db.query<AgencyDetailsRow>('SELECT * FROM agencies ORDER BY kind, name_vi');
    return rows.map(toAgencyDetails);
  }

  async adminUnits(parentCode: string | null): Promise<{ code: string; name: string; fullName: string; level: string; hasBoundary: boolean }[]> {
    const rows = await this.db.query<{ code: string; name: string; full_name: string; level: string; has_boundary: boolean }>(
      `SELECT code, name, full_name, level, boundary IS NOT NULL AS has_boundary FROM admin_units
       WHERE structure = '2025' AND ${parentCode ? 'parent_code = $1' : "level = 'province'"} ORDER BY name`,
      parentCode ? [parentCode] : []);
    return rows.map((r) => ({ code: r.code, name: r.name, fullName: r.full_name, level: r.level, hasBoundary: r.has_boundary }));
  }
}
