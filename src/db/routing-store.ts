import { RoutingTable, normaliseKeyword, type RoutingRule } from '../routing/rules';
import { HubError } from '../shared/errors';
import type { Database, Queryable } from './database';

type RuleRow = {
  id: number; category_code: string | null; commune_code: string | null; keyword: string | null; agency_id: number;
  precedence: number; active: boolean; note: string | null; created_at: Date; updated_at: Date;
  created_by: number | null; updated_by: number | null;
};

export type StoredRoutingRule = RoutingRule & { note: string | null; createdAt: Date; updatedAt: Date; createdBy: number | null; updatedBy: number | null };
export type RoutingRuleInput = {
  categoryCode: string | null; communeCode: string | null; keyword: string | null; agencyId: number;
  precedence: number; active: boolean; note: string | null;
};
export type RoutingAuditEntry = { id: number; ruleId: number; action: 'created' | 'updated' | 'deleted'; staffId: number | null; at: Date; before: unknown; after: unknown };

const toRule = (r: RuleRow): StoredRoutingRule => ({
  id: r.id, categoryCode: r.category_code, communeCode: r.commune_code, keyword: r.keyword, agencyId: r.agency_id,
  precedence: r.precedence, active: r.active, note: r.note, createdAt: r.created_at, updatedAt: r.updated_at,
  createdBy: r.created_by, updatedBy: r.updated_by,
});

/** How long another process's edit may take to reach this one. */
const CACHE_MS = 10_000;

/**
 * Routing rules with their audit trail. Every change and its audit row commit together; the
 * compiled table is cached and rebuilt after a local change at once, after a remote one within 10 s.
 */
export class RoutingStore {
  private cached: { table: RoutingTable; at: number } | null = null;

  constructor(private readonly db: Database) {}

  async table(): Promise<RoutingTable> {
    if (this.cached && Date.now() - this.cached.at < CACHE_MS) return this.cached.table;
    const table = new RoutingTable(await this.list());
    this.cached = { table, at: Date.now() };
    return table;
  }

  invalidate(): void {
    this.cached = null;
  }

  async list(): Promise<StoredRoutingRule[]> {
    const rows = await this.db.query<RuleRow>('SELECT * FROM routing_rules ORDER BY id');
    return rows.map(toRule);
  }

  async get(id: number): Promise<StoredRoutingRule | null> {
    const rows = await this.db.query<RuleRow>('SELECT * FROM routing_rules WHERE id = $1', [id]);
    return rows[0] ? toRule(rows[0]) : null;
  }

  private async checkReferences(q: Queryable, r: RoutingRuleInput): Promise<void> {
    const [row] = await q.query<{ agency: boolean; category: boolean; commune: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM agencies WHERE id = $1 AND active) AS agency,
              ($2::text IS NULL OR EXISTS (SELECT 1 FROM categories WHERE code = $2)) AS category,
              ($3::text IS NULL OR EXISTS (SELECT 1 FROM admin_units WHERE code = $3 AND level = 'commune')) AS commune`,
      [r.agencyId, r.categoryCode, r.communeCode]);
    if (!row?.agency) throw new HubError('invalid', 'unknown_agency', 'Đơn vị tiếp nhận không tồn tại hoặc đã ngừng hoạt động.', 'The agency does not exist or is inactive.');
    if (!row.category) throw new HubError('invalid', 'unknown_category', `Lĩnh vực "${r.categoryCode}" không tồn tại.`, `Unknown category "${r.categoryCode}".`);
    if (!row.commune) throw new HubError('invalid', 'unknown_commune', `Xã/phường "${r.communeCode}" không tồn tại.`, `Unknown commune "${r.communeCode}".`);
  }

  private async audit(q: Queryable, ruleId: number, action: RoutingAuditEntry['action'], staffId: number, before: unknown, after: unknown): Promise<void> {
    await q.query('INSERT INTO routing_rule_audit (rule_id, action, staff_id, before, after) VALUES ($1,$2,$3,$4,$5)',
      [ruleId, action, staffId, before === null ? null : JSON.stringify(before), after === null ? null : JSON.stringify(after)]);
  }

  async create(input: RoutingRuleInput, staffId: number): Promise<StoredRoutingRule> {
    const rule = await this.db.transaction(async (tx) => {
      await this.checkReferences(tx, input);
      const rows = await tx.query<RuleRow>(
        `INSERT INTO routing_rules (category_code, commune_code, keyword, agency_id, precedence, active, note, created_by, updated_by)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8) RETURNING *`,
        [input.categoryCode, input.communeCode, input.keyword ? normaliseKeyword(input.keyword) : null, input.agencyId,
          input.precedence, input.active, input.note, staffId]);
      const created = toRule(rows[0]!);
      await this.audit(tx, created.id, 'created', staffId, null, created);
      return created;
    });
    this.invalidate();
    return rule;
  }

  async update(id: number, patch: Partial<RoutingRuleInput>, staffId: number): Promise<StoredRoutingRule | null> {
    const rule = await this.db.transaction(async (tx) => {
      const rows = await tx.query<RuleRow>('SELECT * FROM routing_rules WHERE id = $1 FOR UPDATE', [id]);
      if (!rows[0]) return null;
      const before = toRule(rows[0]);
      const next: RoutingRuleInput = {
        categoryCode: patch.categoryCode !== undefined ? patch.categoryCode : before.categoryCode,
        communeCode: patch.communeCode !== undefined ? patch.communeCode : before.communeCode,
        keyword: patch.keyword !== undefined ? (patch.keyword ? normaliseKeyword(patch.keyword) : null) : before.keyword,
        agencyId: patch.agencyId ?? before.agencyId,
        precedence: patch.precedence ?? before.precedence,
        active: patch.active ?? before.active,
        note: patch.note !== undefined ? patch.note : before.note,
      };
      await this.checkReferences(tx, next);
      const updated = await tx.query<RuleRow>(
        `UPDATE routing_rules SET category_code = $2, commune_code = $3, keyword = $4, agency_id = $5, precedence = $6,
           active = $7, note = $8, updated_by = $9, updated_at = now() WHERE id = $1 RETURNING *`,
        [id, next.categoryCode, next.communeCode, next.keyword, next.agencyId, next.precedence, next.active, next.note, staffId]);
      const after = toRule(updated[0]!);
      await this.audit(tx, id, 'updated', staffId, before, after);
      return after;
    });
    this.invalidate();
    return rule;
  }

  async remove(id: number, staffId: number): Promise<boolean> {
    const removed = await this.db.transaction(async (tx) => {
      const rows = await tx.query<RuleRow>('DELETE FROM routing_rules WHERE id = $1 RETURNING *', [id]);
      if (!rows[0]) return false;
      await this.audit(tx, id, 'deleted', staffId, toRule(rows[0]), null);
      return true;
    });
    this.invalidate();
    return removed;
  }

  async auditTrail(ruleId: number | null, limit = 200): Promise<RoutingAuditEntry[]> {
    const rows = await this.db.query<{ id: number; rule_id: number; action: RoutingAuditEntry['action']; staff_id: number | null; at: Date; before: unknown; after: unknown }>(
      `SELECT * FROM routing_rule_audit WHERE ($1::bigint IS NULL OR rule_id = $1) ORDER BY id DESC LIMIT $2`, [ruleId, limit]);
    return rows.map((r) => ({ id: r.id, ruleId: r.rule_id, action: r.action, staffId: r.staff_id, at: r.at, before: r.before, after: r.after }));
  }
}
