import { HubError } from '../shared/errors';
import type { Priority } from '../workflow/types';
import { toAgencyDetails, toCategory, type AgencyDetails, type AgencyDetailsRow, type CategoryDetails, type CategoryRow } from './catalog';
import type { Database, Queryable } from './database';
import { writeAudit } from './audit-admin-store';

/** The catch-all category: the classifier's and the operators' last resort, so it stays on. */
export const FALLBACK_CATEGORY = 'khac';

export type CategoryInput = { code: string; nameVi: string; nameEn: string; covers: string; defaultPriority: Priority | null; active: boolean };
export type CategoryPatch = Partial<Omit<CategoryInput, 'code'>>;

export const AGENCY_KINDS = ['department', 'police', 'utility', 'commune', 'centre', 'other'] as const;
export type AgencyKind = (typeof AGENCY_KINDS)[number];
export type AgencyInput = {
  code: string; nameVi: string; nameEn: string; shortName: string | null; kind: AgencyKind; provinceCode: string | null;
  communeCode: string | null; email: string | null; phone: string | null; alwaysOn: boolean; active: boolean;
};
export type AgencyPatch = Partial<Omit<AgencyInput, 'code'>>;

const auditedCategory = (c: CategoryDetails) => ({ nameVi: c.nameVi, nameEn: c.nameEn, covers: c.covers, defaultPriority: c.defaultPriority, active: c.active });
const auditedAgency = (a: AgencyDetails) => {
  const { id: _id, ...rest } = a;
  return rest;
};

async function assertUnits(q: Queryable, provinceCode: string | null, communeCode: string | null): Promise<void> {
  const [row] = await q.query<{ province: boolean; commune: boolean }>(
    `SELECT ($1::text IS NULL OR EXISTS (SELECT 1 FROM admin_units WHERE code = $1 AND level = 'province')) AS province,
            ($2::text IS NULL OR EXISTS (SELECT 1 FROM admin_units WHERE code = $2 AND level = 'commune')) AS commune`, [provinceCode, communeCode]);
  if (!row?.province) throw new HubError('invalid', 'unknown_province', `Tỉnh "${provinceCode}" không tồn tại.`, `Unknown province "${provinceCode}".`, { path: 'provinceCode' });
  if (!row.commune) throw new HubError('invalid', 'unknown_commune', `Xã/phường "${communeCode}" không tồn tại.`, `Unknown commune "${communeCode}".`, { path: 'communeCode' });
}

/**
 * Categories and agencies as admins edit them, each change with its audit row in the same commit.
 * Codes are never renamed or deleted: tickets, routing rules, SLA policies and the IOC feed refer
 * to them. The caller refreshes what caches them (catalog, SLA settings) after a change.
 */
export class CatalogAdminStore {
  constructor(private readonly db: Database) {}

  async createCategory(c: CategoryInput, staffId: number): Promise<CategoryDetails> {
    return this.db.transaction(async (tx) => {
      if ((await tx.query('SELECT 1 FROM categories WHERE code = $1', [c.code])).length) {
        throw new HubError('conflict', 'category_exists', `Mã lĩnh vực "${c.code}" đã có; mã không đổi được, hãy sửa lĩnh vực đó.`,
          `Category code "${c.code}" exists already; codes cannot change, edit that category instead.`);
      }
      const rows = await tx.query<CategoryRow>(
        `INSERT INTO categories (code, name_vi, name_en, covers, default_priority, active, sort_order, edited_at, edited_by)
         VALUES ($1,$2,$3,$4,$5,$6,(SELECT coalesce(max(sort_order), 0) + 1 FROM categories), now(), $7) RETURNING *`,
        [c.code, c.nameVi, c.nameEn, c.covers, c.defaultPriority, c.active, staffId]);
      const created = toCategory(rows[0]!);
      await writeAudit(tx, 'category', c.code, 'created', staffId, null, auditedCategory(created));
      return created;
    });
  }

  async updateCategory(code: string, patch: CategoryPatch, staffId: number): Promise<CategoryDetails | null> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<CategoryRow>('SELECT * FROM categories WHERE code = $1 FOR UPDATE', [code]);
      if (!rows[0]) return null;
      const before = toCategory(rows[0]);
      if (code === FALLBACK_CATEGORY && patch.active === false) {
        throw new HubError('conflict', 'fallback_category', `Lĩnh vực "${code}" là lựa chọn cuối cùng khi không lĩnh vực nào phù hợp: không thể ngừng.`,
          `Category "${code}" is the fallback when nothing else fits: it cannot be switched off.`);
      }
      const updated = await tx.query<CategoryRow>(
        `UPDATE categories SET name_vi = $2, name_en = $3, covers = $4, default_priority = $5, active = $6, edited_at = now(), edited_by = $7
         WHERE code = $1 RETURNING *`,
        [code, patch.nameVi ?? before.nameVi, patch.nameEn ?? before.nameEn, patch.covers ?? before.covers,
          patch.defaultPriority !== undefined ? patch.defaultPriority : before.defaultPriority, patch.active ?? before.active, staffId]);
      const after = toCategory(updated[0]!);
      await writeAudit(tx, 'category', code, 'updated', staffId, auditedCategory(before), auditedCategory(after));
      return after;
    });
  }

  async createAgency(a: AgencyInput, staffId: number): Promise<AgencyDetails> {
    return this.db.transaction(async (tx) => {
      if ((await tx.query('SELECT 1 FROM agencies WHERE code = $1', [a.code])).length) {
        throw new HubError('conflict', 'agency_code_taken', `Mã đơn vị "${a.code}" đã được dùng.`, `Agency code "${a.code}" is already in use.`);
      }
      await assertUnits(tx, a.provinceCode, a.communeCode);
      const rows = await tx.query<AgencyDetailsRow>(
        `INSERT INTO agencies (code, name_vi, name_en, short_name, kind, province_code, commune_code, email, phone, always_on, active)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) RETURNING *`,
        [a.code, a.nameVi, a.nameEn, a.shortName, a.kind, a.provinceCode, a.communeCode, a.email, a.phone, a.alwaysOn, a.active]);
      const created = toAgencyDetails(rows[0]!);
      await writeAudit(tx, 'agency', created.id, 'created', staffId, null, auditedAgency(created));
      return created;
    });
  }

  async updateAgency(id: number, patch: AgencyPatch, staffId: number): Promise<AgencyDetails | null> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<AgencyDetailsRow>('SELECT * FROM agencies WHERE id = $1 FOR UPDATE', [id]);
      if (!rows[0]) return null;
      const before = toAgencyDetails(rows[0]);
      const pick = <K extends keyof AgencyPatch>(k: K): AgencyInput[K] => (patch[k] !== undefined ? patch[k] : before[k]) as AgencyInput[K];
      const next = {
        nameVi: pick('nameVi'), nameEn: pick('nameEn'), shortName: pick('shortName'), kind: pick('kind'), provinceCode: pick('provinceCode'),
        communeCode: pick('communeCode'), email: pick('email'), phone: pick('phone'), alwaysOn: pick('alwaysOn'), active: pick('active'),
      };
      if (next.provinceCode !== before.provinceCode || next.communeCode !== before.communeCode) {
        await assertUnits(tx, next.provinceCode !== before.provinceCode ? next.provinceCode : null, next.communeCode !== before.communeCode ? next.communeCode : null);
      }
      if (before.active && !next.active) {
        // New tickets would still be routed to it: the rules must be changed first.
        const rules = await tx.query<{ id: number }>('SELECT id FROM routing_rules WHERE agency_id = $1 AND active ORDER BY id', [id]);
        if (rules.length) {
          const list = rules.map((r) => `#${r.id}`).join(', ');
          throw new HubError('conflict', 'agency_in_use',
            `Đơn vị còn được các quy tắc định tuyến ${list} trỏ tới: hãy sửa hoặc tắt các quy tắc đó trước khi ngừng đơn vị.`,
            `Routing rules ${list} still point to this agency: change or switch them off before deactivating it.`,
            { ruleIds: rules.map((r) => r.id) });
        }
      }
      const updated = await tx.query<AgencyDetailsRow>(
        `UPDATE agencies SET name_vi = $2, name_en = $3, short_name = $4, kind = $5, province_code = $6, commune_code = $7, email = $8,
           phone = $9, always_on = $10, active = $11, updated_at = now() WHERE id = $1 RETURNING *`,
        [id, next.nameVi, next.nameEn, next.shortName, next.kind, next.provinceCode, next.communeCode, next.email, next.phone, next.alwaysOn, next.active]);
      const after = toAgencyDetails(updated[0]!);
      await writeAudit(tx, 'agency', id, 'updated', staffId, auditedAgency(before), auditedAgency(after));
      return after;
    });
  }
}
