import { foldVietnamese } from '../shared/text';

/**
 * Routing rules: category × commune (× keyword) → responsible agency. Pure: the rules come in as
 * data (admins edit them through the API), the decision and its reason go out.
 */
export type RoutingRule = {
  id: number;
  categoryCode: string | null;
  communeCode: string | null;
  /** Matched on whole syllables of the folded text ("quoc lo", "den duong"). */
  keyword: string | null;
  agencyId: number;
  /** Among equally specific rules, the lower number wins. */
  precedence: number;
  active: boolean;
};

export type RoutingInput = { categoryCode: string | null; communeCode: string | null; text: string };

/**
 * Which rule shapes win over which. A keyword names a kind of problem (national road, street
 * light), which decides the agency more than the place does; a place decides more than nothing.
 */
export const ROUTING_LEVELS = [
  { level: 1, shape: 'category+commune+keyword', vi: 'lĩnh vực, địa bàn và từ khóa', en: 'category, area and keyword' },
  { level: 2, shape: 'category+keyword', vi: 'lĩnh vực và từ khóa', en: 'category and keyword' },
  { level: 3, shape: 'commune+keyword', vi: 'địa bàn và từ khóa', en: 'area and keyword' },
  { level: 4, shape: 'keyword', vi: 'từ khóa', en: 'keyword' },
  { level: 5, shape: 'category+commune', vi: 'lĩnh vực và địa bàn', en: 'category and area' },
  { level: 6, shape: 'category', vi: 'lĩnh vực (toàn tỉnh)', en: 'category (province-wide)' },
  { level: 7, shape: 'commune', vi: 'địa bàn (mọi lĩnh vực)', en: 'area (any category)' },
  { level: 8, shape: 'fallback', vi: 'quy tắc mặc định', en: 'fallback rule' },
] as const;

export type RoutingDecision = {
  agencyId: number | null;
  ruleId: number | null;
  /** 1 (most specific) … 8 (catch-all rule); null when no rule matched and operators decide. */
  level: number | null;
  reasonVi: string;
  reasonEn: string;
};

export function ruleLevel(r: Pick<RoutingRule, 'categoryCode' | 'communeCode' | 'keyword'>): number {
  const shape = [r.categoryCode && 'category', r.communeCode && 'commune', r.keyword && 'keyword'].filter(Boolean).join('+') || 'fallback';
  return ROUTING_LEVELS.find((l) => l.shape === shape)!.level;
}

/** Folded, single-spaced keyword as stored and matched. */
export function normaliseKeyword(keyword: string): string {
  return foldVietnamese(keyword).replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

function containsPhrase(foldedText: string, phrase: string): boolean {
  return ` ${foldedText} `.includes(` ${phrase} `);
}

/** A rule set compiled once per change, then asked for each ticket. */
export class RoutingTable {
  private readonly rules: (RoutingRule & { level: number; folded: string | null })[];

  constructor(rules: RoutingRule[]) {
    this.rules = rules
      .filter((r) => r.active)
      .map((r) => ({ ...r, level: ruleLevel(r), folded: r.keyword ? normaliseKeyword(r.keyword) : null }))
      .sort((a, b) => a.level - b.level || a.precedence - b.precedence || a.id - b.id);
  }

  get size(): number {
    return this.rules.length;
  }

  decide(input: RoutingInput): RoutingDecision {
    let folded: string | null = null;
    for (const r of this.rules) {
      if (r.categoryCode && r.categoryCode !== input.categoryCode) continue;
      if (r.communeCode && r.communeCode !== input.communeCode) continue;
      if (r.folded) {
        folded ??= normaliseKeyword(input.text);
        if (!containsPhrase(folded, r.folded)) continue;
      }
      const level = ROUTING_LEVELS[r.level - 1]!;
      const parts = [r.categoryCode && `lĩnh vực ${r.categoryCode}`, r.communeCode && `địa bàn ${r.communeCode}`, r.keyword && `từ khóa "${r.keyword}"`].filter(Boolean);
      const partsEn = [r.categoryCode && `category ${r.categoryCode}`, r.communeCode && `area ${r.communeCode}`, r.keyword && `keyword "${r.keyword}"`].filter(Boolean);
      return {
        agencyId: r.agencyId, ruleId: r.id, level: r.level,
        reasonVi: `Quy tắc #${r.id} theo ${level.vi}${parts.length ? ` (${parts.join(', ')})` : ''}`,
        reasonEn: `Rule #${r.id} by ${level.en}${partsEn.length ? ` (${partsEn.join(', ')})` : ''}`,
      };
    }
    return {
      agencyId: null, ruleId: null, level: null,
      reasonVi: 'Không có quy tắc phù hợp: Tổng đài viên quyết định đơn vị xử lý.',
      reasonEn: 'No rule matches: the 1022 operators choose the agency.',
    };
  }
}
