/**
 * Finds the current (2025) commune/ward named in free Vietnamese address text.
 *
 * Citizens write "P. Sơn Nam", "phuong son nam", "TT Như Quỳnh" (a town merged into a commune in 2025),
 * "xã Quảng Châu, TP Hưng Yên" (both gone since 1 July 2025). Matching works on whole syllables of the
 * diacritic-folded text, so "hồng" never matches "Hồng Châu", and a name only counts as a commune when
 * it is introduced by a commune-level word (phường/xã/thị trấn/p./x./tt) or is long and unusual enough
 * to stand alone.
 *
 * Confidence levels are chosen so that, at equal evidence, a current name beats an old name, which
 * beats an admin alias (the precedence the locator documents):
 *   current name, commune prefix of the right type 0.95, of another type 0.90, bare 3+ syllables 0.75,
 *     bare 2 syllables 0.65; bare 1-syllable, common-word or district/province-like names never match;
 *   old name, prefix of its old type 0.85, of another type 0.80, bare 3+ syllables 0.55, bare 0.45
 *     (same exclusions as above); +0.10 when its old district is written with its prefix, +0.07 when
 *     written bare, capped at 0.93; an old name used in several old districts for different communes
 *     matches only when a written district settles it;
 *   alias 0.70 (0.55 for one syllable).
 * Written diacritics that contradict the name cost 0.20 ("Tân Hùng" is not "Tân Hưng"), exact ones add
 * 0.02. A district written with its prefix ("huyện Văn Lâm") that does not contain the candidate costs
 * it 0.15 (one that it does contain gains 0.03). Different communes within 0.05 of the best all lose
 * 0.15 (the text names more than one). A bare name right after a street, village, school, shop or
 * person word ("đường Nguyễn Văn Linh", "thôn Tân Hưng", "chợ Phố Hiến") is not a commune at all.
 */
import { foldVietnamese } from '../../shared/text';
import type { OldNameMapping } from './old-names';

export interface CommuneUnit {
  code: string;
  /** Short name without the unit type: "Sơn Nam". */
  name: string;
  /** Name with the unit type: "Phường Sơn Nam". */
  fullName: string;
  provinceCode: string;
}

export interface AddressAlias { alias: string; code: string }

export type AddressMatchVia = 'current_name' | 'old_name' | 'alias';

export interface AddressMatch {
  code: string;
  /** Current full name of the commune/ward: "Phường Hồng Châu". */
  name: string;
  /** The part of the input that matched, with its prefix: "xã Quảng Châu". */
  matched: string;
  via: AddressMatchVia;
  confidence: number;
}

export interface AddressMatcherInput {
  units: CommuneUnit[];
  oldNames?: OldNameMapping[];
  aliases?: AddressAlias[];
  /** Province names ("Hưng Yên"): a bare commune name equal to one of them is not taken as the commune. */
  provinceNames?: string[];
}

export const MIN_MATCH_CONFIDENCE = 0.5;

type CommuneKind = 'phuong' | 'xa' | 'thi_tran' | 'dac_khu';
type DistrictKind = 'huyen' | 'quan' | 'thi_xa' | 'thanh_pho';

interface Token { raw: string; folded: string; start: number; end: number; breakBefore: boolean }

/**
 * Splits on anything that is not a letter/digit. A break is recorded where the gap holds more than
 * spaces, dots or a colon, so names never run across commas ("Sơn Nam, Hưng Yên") while "P.Sơn Nam"
 * still joins its prefix.
 */
export function tokenize(text: string): Token[] {
  const src = text.normalize('NFC').toLowerCase();
  const tokens: Token[] = [];
  let last = 0;
  for (const m of src.matchAll(/[\p{L}\p{M}\p{N}]+/gu)) {
    const start = m.index ?? 0;
    const gap = src.slice(last, start);
    tokens.push({ raw: m[0], folded: foldVietnamese(m[0]), start, end: start + m[0].length, breakBefore: tokens.length > 0 && /[^\s.:]/u.test(gap) });
    last = start + m[0].length;
  }
  return tokens;
}

/** Folded letters plus the sorted set of marks, so "thuỵ" and "thụy" (two tone placements) agree. */
function accentSignature(word: string): string {
  const nfd = word.normalize('NFC').toLowerCase().replace(/đ/g, 'd\u0111').normalize('NFD');
  const marks = [...nfd].filter((c) => /[\u0300-\u036f\u0111]/u.test(c)).sort().join('');
  return foldVietnamese(word) + '|' + marks;
}

function hasDiacritics(token: Token): boolean {
  return token.raw !== token.folded;
}

/** Written word agrees with the expected one, or carries no diacritics at all (typed without). */
function wordAgrees(token: Token, expected: string): boolean {
  return !hasDiacritics(token) || accentSignature(token.raw) === accentSignature(expected);
}

interface Pattern<K> { words: string[]; kind: K }

const pattern = <K>(text: string, kind: K): Pattern<K> => ({ words: text.split(' '), kind });

// Two-word patterns come first: "thị xã" is a district, not "xã"; "thành phố" is not the blocker "phố".
const COMMUNE_PREFIXES: Pattern<CommuneKind>[] = [
  pattern('thị trấn', 'thi_tran'), pattern('đặc khu', 'dac_khu'), pattern('t t', 'thi_tran'),
  pattern('phường', 'phuong'), pattern('xã', 'xa'), pattern('tt', 'thi_tran'), pattern('p', 'phuong'), pattern('x', 'xa'),
];
const DISTRICT_PREFIXES: Pattern<DistrictKind>[] = [
  pattern('thị xã', 'thi_xa'), pattern('thành phố', 'thanh_pho'), pattern('t p', 'thanh_pho'), pattern('t x', 'thi_xa'),
  pattern('huyện', 'huyen'), pattern('quận', 'quan'), pattern('tp', 'thanh_pho'), pattern('tx', 'thi_xa'), pattern('h', 'huyen'), pattern('q', 'quan'),
];
const PROVINCE_PREFIXES: Pattern<'tinh'>[] = [pattern('tỉnh', 'tinh')];
/** Words after which a name is a street, village, school, shop or person, not the commune. */
const BLOCKERS: Pattern<'blocked'>[] = [
  'bệnh viện', 'công ty', 'quốc lộ', 'tỉnh lộ', 'đại lộ', 'văn hóa', 'nhà thờ', 'siêu thị', 'cửa hàng', 'khách sạn',
  'nhà hàng', 'công viên', 'đại học', 'cao đẳng', 'khu công nghiệp', 'cụm công nghiệp',
  'đường', 'phố', 'ngõ', 'ngách', 'hẻm', 'kiệt', 'cầu', 'chợ', 'trường', 'thpt', 'thcs', 'cty', 'kcn', 'ccn', 'khu', 'thôn',
  'xóm', 'ấp', 'tổ', 'làng', 'sông', 'ql', 'đt', 'tl', 'đền', 'chùa', 'đình', 'bến', 'ga', 'quán', 'hãng', 'sân', 'lăng', 'tượng', 'đài',
  'ông', 'bà', 'anh', 'chị', 'em', 'cô', 'chú', 'bác', 'cụ',
].map((w) => pattern(w, 'blocked' as const));

/**
 * Ordinary Vietnamese words that are also place names somewhere ("tiên tiến" = advanced, "đồng bằng" =
 * delta, "thành công" = success). Without a prefix they are read as words, never as a place.
 */
const COMMON_WORDS = new Set([
  'tien tien', 'tan tien', 'dong bang', 'dai dong', 'ai quoc', 'thai binh', 'binh dinh', 'thanh cong', 'thong nhat', 'doc lap',
  'doan ket', 'hoa binh', 'binh minh', 'tien phong', 'quyet thang', 'chien thang', 'thang loi', 'an ninh', 'hop tac', 'dong tam',
  'tan lap', 'hung thinh', 'binh an', 'an binh', 'hoa hop', 'toan thang', 'tien bo', 'dong tien', 'quang vinh', 'vinh quang',
  'thanh binh', 'hoa an', 'an hoa', 'phu quy', 'an lac', 'tan tao', 'truong thanh', 'phat trien', 'cong binh', 'nhan dan',
  'hanh phuc', 'tu do', 'dan chu', 'hoa thuan', 'tien thanh', 'thinh vuong', 'dai thang', 'viet nam', 'a sao',
]);

function matchPattern<K>(tokens: Token[], end: number, patterns: Pattern<K>[]): { kind: K; start: number } | null {
  for (const p of patterns) {
    const n = p.words.length;
    const start = end - n;
    if (start < 0) continue;
    let ok = true;
    for (let k = 0; k < n && ok; k++) {
      const t = tokens[start + k]!;
      // The prefix must touch the name: "phường, Sơn Nam" is not "phường Sơn Nam".
      if (tokens[start + k + 1]!.breakBefore) ok = false;
      else if (t.folded !== foldVietnamese(p.words[k]!) || !wordAgrees(t, p.words[k]!)) ok = false;
    }
    if (ok) return { kind: p.kind, start };
  }
  return null;
}

type Context =
  | { type: 'commune'; kind: CommuneKind; start: number }
  | { type: 'district'; kind: DistrictKind; start: number }
  | { type: 'province'; start: number }
  | { type: 'blocked'; start: number }
  | { type: 'none'; start: number };

function contextBefore(tokens: Token[], start: number): Context {
  const district = matchPattern(tokens, start, DISTRICT_PREFIXES);
  const commune = matchPattern(tokens, start, COMMUNE_PREFIXES);
  // A longer prefix wins ("thị xã" over "xã"); equal lengths cannot both match.
  if (district && (!commune || district.start <= commune.start)) return { type: 'district', kind: district.kind, start: district.start };
  if (commune) return { type: 'commune', kind: commune.kind, start: commune.start };
  const province = matchPattern(tokens, start, PROVINCE_PREFIXES);
  if (province) return { type: 'province', start: province.start };
  const blocked = matchPattern(tokens, start, BLOCKERS);
  if (blocked) return { type: 'blocked', start: blocked.start };
  return { type: 'none', start };
}

const COMMUNE_TYPES: Array<[string, CommuneKind]> = [['thi tran ', 'thi_tran'], ['dac khu ', 'dac_khu'], ['phuong ', 'phuong'], ['xa ', 'xa']];
const DISTRICT_TYPES: Array<[string, DistrictKind]> = [['thanh pho ', 'thanh_pho'], ['thi xa ', 'thi_xa'], ['huyen ', 'huyen'], ['quan ', 'quan']];

/** "Thị trấn Như Quỳnh" → { kind: 'thi_tran', name: "Như Quỳnh" }. */
function splitType<K>(full: string, types: Array<[string, K]>): { kind: K | null; name: string } {
  const clean = full.normalize('NFC').trim().replace(/\s+/g, ' ');
  const folded = foldVietnamese(clean);
  for (const [prefix, kind] of types) {
    if (folded.startsWith(prefix)) return { kind, name: clean.slice(prefix.length) };
  }
  return { kind: null, name: clean };
}

function keyOf(text: string): string {
  return tokenize(text).map((t) => t.folded).join(' ');
}

interface UnitEntry { unit: CommuneUnit; kind: CommuneKind | null; words: string[] }
interface OldEntry { kind: CommuneKind | null; words: string[]; districtKey: string; newCode: string; oldName: string }
interface AliasEntry { code: string; words: string[] }
interface KeyEntry { current: UnitEntry[]; old: OldEntry[]; alias: AliasEntry[]; districts: string[] }
interface Span { start: number; end: number; key: string; entry: KeyEntry }

interface Candidate {
  code: string;
  via: AddressMatchVia;
  confidence: number;
  matchStart: number;
  matchEnd: number;
  tier: number;
}

const TIER: Record<AddressMatchVia, number> = { current_name: 0, old_name: 1, alias: 2 };

const round2 = (x: number): number => Math.round(x * 100) / 100;

export class AddressMatcher {
  private readonly units = new Map<string, CommuneUnit>();
  private readonly keys = new Map<string, KeyEntry>();
  /** Old district key ("van lam") → current codes that took over its communes. */
  private readonly districtSuccessors = new Map<string, Set<string>>();
  /** Names that, written bare, more likely mean an old district or a province than a commune. */
  private readonly reserved = new Set<string>();
  private maxWords = 1;

  constructor(input: AddressMatcherInput) {
    for (const u of input.units) this.units.set(u.code, u);
    for (const u of input.units) {
      const { kind } = splitType(u.fullName, COMMUNE_TYPES);
      const words = u.name.normalize('NFC').split(/\s+/).filter(Boolean);
      this.entry(keyOf(u.name)).current.push({ unit: u, kind, words });
    }
    for (const m of input.oldNames ?? []) {
      if (!this.units.has(m.newCode)) continue;
      const old = splitType(m.oldName, COMMUNE_TYPES);
      const district = splitType(m.oldDistrict, DISTRICT_TYPES);
      const districtKey = keyOf(district.name);
      const key = keyOf(old.name);
      if (!key) continue;
      this.entry(key).old.push({ kind: old.kind, words: old.name.split(/\s+/), districtKey, newCode: m.newCode, oldName: m.oldName });
      if (districtKey) {
        const e = this.entry(districtKey);
        if (!e.districts.includes(districtKey)) e.districts.push(districtKey);
        this.reserved.add(districtKey);
        const set = this.districtSuccessors.get(districtKey) ?? new Set<string>();
        set.add(m.newCode);
        this.districtSuccessors.set(districtKey, set);
      }
      const province = keyOf(m.oldProvince.replace(/^\s*(tỉnh|thành phố)\s+/iu, ''));
      if (province) this.reserved.add(province);
    }
    for (const p of input.provinceNames ?? []) this.reserved.add(keyOf(p.replace(/^\s*(tỉnh|thành phố)\s+/iu, '')));
    for (const a of input.aliases ?? []) {
      if (!this.units.has(a.code)) continue;
      const key = keyOf(a.alias);
      if (key) this.entry(key).alias.push({ code: a.code, words: a.alias.normalize('NFC').split(/[^\p{L}\p{M}\p{N}]+/u).filter(Boolean) });
    }
  }

  private entry(key: string): KeyEntry {
    let e = this.keys.get(key);
    if (!e) {
      e = { current: [], old: [], alias: [], districts: [] };
      this.keys.set(key, e);
      this.maxWords = Math.max(this.maxWords, key.split(' ').length);
    }
    return e;
  }

  /** Best commune for the text, or null when nothing reaches MIN_MATCH_CONFIDENCE. */
  match(text: string, provinceCode?: string): AddressMatch | null {
    const best = this.rank(text, provinceCode)[0];
    return best && best.confidence >= MIN_MATCH_CONFIDENCE ? best : null;
  }

  /** All distinct communes found, best first, including those below the threshold (for staff hints). */
  rank(text: string, provinceCode?: string): AddressMatch[] {
    const tokens = tokenize(text);
    if (tokens.length === 0) return [];
    const inProvince = (code: string): boolean => !provinceCode || this.units.get(code)?.provinceCode === provinceCode;
    const { spans, contexts, strongDistricts, weakDistricts } = this.scan(tokens);
    const successorOf = (code: string, districts: Set<string>): boolean =>
      [...districts].some((d) => this.districtSuccessors.get(d)?.has(code));
    const districtAdjust = (code: string): number => {
      if (strongDistricts.size > 0) return successorOf(code, strongDistricts) ? 0.03 : -0.15;
      return weakDistricts.size > 0 && successorOf(code, weakDistricts) ? 0.02 : 0;
    };

    // 3. Commune candidates.
    const candidates: Candidate[] = [];
    spans.forEach((s, i) => {
      const ctx = contexts[i]!;
      const span = tokens.slice(s.start, s.end);
      const syllables = s.end - s.start;
      const common = COMMON_WORDS.has(s.key);
      const add = (code: string, via: AddressMatchVia, confidence: number, fromStart: number): void => {
        candidates.push({ code, via, confidence: Math.min(0.99, confidence), matchStart: tokens[fromStart]!.start, matchEnd: tokens[s.end - 1]!.end, tier: TIER[via] });
      };
      if (ctx.type === 'commune' || ctx.type === 'none') {
        const prefixKind = ctx.type === 'commune' ? ctx.kind : null;
        const prefixed = prefixKind !== null;
        for (const c of s.entry.current) {
          if (!inProvince(c.unit.code)) continue;
          let conf: number;
          if (prefixed) conf = prefixKind === c.kind ? 0.95 : 0.9;
          else if (syllables < 2 || common || this.reserved.has(s.key)) continue;
          else conf = syllables >= 3 ? 0.75 : 0.65;
          add(c.unit.code, 'current_name', conf + accentAdjust(span, c.words) + districtAdjust(c.unit.code), ctx.start);
        }
        const olds = s.entry.old.filter((o) => inProvince(o.newCode));
        if (olds.length > 0 && (prefixed || (syllables >= 2 && !common && !this.reserved.has(s.key)))) {
          const score = (o: OldEntry): number => (strongDistricts.has(o.districtKey) ? 2 : weakDistricts.has(o.districtKey) ? 1 : 0);
          const top = Math.max(...olds.map(score));
          const chosen = olds.filter((o) => score(o) === top);
          const codes = new Set(chosen.map((o) => o.newCode));
          // Same old name in several old districts going to different communes: ambiguous, so no guess.
          if (codes.size === 1) {
            const o = chosen.find((x) => !prefixed || x.kind === prefixKind) ?? chosen[0]!;
            let conf = prefixed ? (prefixKind === o.kind ? 0.85 : 0.8) : syllables >= 3 ? 0.55 : 0.45;
            if (top === 2) conf += 0.1;
            else if (top === 1) conf += 0.07;
            else if (strongDistricts.size > 0) conf -= 0.15;
            add(o.newCode, 'old_name', Math.min(0.93, conf) + accentAdjust(span, o.words), ctx.start);
          }
        }
      }
      for (const a of s.entry.alias) {
        if (!inProvince(a.code)) continue;
        add(a.code, 'alias', (syllables >= 2 ? 0.7 : 0.55) + accentAdjust(span, a.words), s.start);
      }
    });

    // 4. One candidate per code (its best), ranked; a close rival for another commune lowers the winner.
    const bestByCode = new Map<string, Candidate>();
    for (const c of candidates) {
      const prev = bestByCode.get(c.code);
      if (!prev || c.confidence > prev.confidence || (c.confidence === prev.confidence && c.tier < prev.tier)) bestByCode.set(c.code, c);
    }
    const ranked = [...bestByCode.values()].sort((a, b) => b.confidence - a.confidence || a.tier - b.tier || a.matchStart - b.matchStart);
    // Two different communes with near-equal evidence ("từ xã A sang phường B"): all of them are marked
    // down; the one written first stays in front.
    const top = ranked[0]?.confidence ?? 0;
    const rivals = ranked.filter((c) => c.confidence > top - 0.05);
    if (rivals.length > 1) rivals.forEach((c) => { c.confidence -= 0.15; });

    const src = text.normalize('NFC');
    const results: AddressMatch[] = ranked.map((c) => ({
      code: c.code,
      name: this.units.get(c.code)!.fullName,
      matched: src.slice(c.matchStart, c.matchEnd),
      via: c.via,
      confidence: round2(c.confidence),
    }));

    // 5. Only an old district ("huyện Văn Lâm") was written: usable only if it became a single commune.
    if (results.every((r) => r.confidence < MIN_MATCH_CONFIDENCE) && strongDistricts.size === 1) {
      const [d] = [...strongDistricts];
      const successors = [...(this.districtSuccessors.get(d!) ?? [])].filter(inProvince);
      if (successors.length === 1) {
        const s = spans.find((x, i) => x.entry.districts.includes(d!) && contexts[i]!.type === 'district')!;
        const from = contexts[spans.indexOf(s)]!.start;
        results.unshift({
          code: successors[0]!, name: this.units.get(successors[0]!)!.fullName,
          matched: src.slice(tokens[from]!.start, tokens[s.end - 1]!.end), via: 'old_name', confidence: 0.6,
        });
      }
    }
    return results;
  }

  /**
   * Old districts written with their prefix ("huyện Văn Lâm", "TP Thái Bình") and the current communes
   * that took them over, so staff see why a district alone did not settle the commune.
   */
  oldDistrictsIn(text: string, provinceCode?: string): Array<{ matched: string; successors: string[] }> {
    const tokens = tokenize(text);
    const { spans, contexts } = this.scan(tokens);
    const src = text.normalize('NFC');
    const out: Array<{ matched: string; successors: string[] }> = [];
    spans.forEach((s, i) => {
      const ctx = contexts[i]!;
      if (ctx.type !== 'district' || s.entry.districts.length === 0) return;
      const successors = [...new Set(s.entry.districts.flatMap((d) => [...(this.districtSuccessors.get(d) ?? [])]))]
        .filter((code) => !provinceCode || this.units.get(code)?.provinceCode === provinceCode);
      out.push({ matched: src.slice(tokens[ctx.start]!.start, tokens[s.end - 1]!.end), successors });
    });
    return out;
  }

  /** Steps 1–2 of rank(): dictionary phrases on whole syllables (longest kept) and district mentions. */
  private scan(tokens: Token[]): { spans: Span[]; contexts: Context[]; strongDistricts: Set<string>; weakDistricts: Set<string> } {
    // 1. Every dictionary phrase on whole syllables, then drop phrases nested inside a longer one.
    const found: Span[] = [];
    for (let i = 0; i < tokens.length; i++) {
      let key = '';
      for (let n = 1; n <= this.maxWords && i + n <= tokens.length; n++) {
        if (n > 1 && tokens[i + n - 1]!.breakBefore) break;
        key = n === 1 ? tokens[i]!.folded : `${key} ${tokens[i + n - 1]!.folded}`;
        const entry = this.keys.get(key);
        if (entry) found.push({ start: i, end: i + n, key, entry });
      }
    }
    const spans = found.filter((a) => !found.some((b) => b !== a && b.start <= a.start && b.end >= a.end && b.end - b.start > a.end - a.start));

    // 2. District mentions, used to corroborate or doubt commune candidates.
    const strongDistricts = new Set<string>();
    const weakDistricts = new Set<string>();
    const contexts = spans.map((s) => contextBefore(tokens, s.start));
    spans.forEach((s, i) => {
      const ctx = contexts[i]!;
      if (s.entry.districts.length === 0) return;
      if (ctx.type === 'district') s.entry.districts.forEach((d) => strongDistricts.add(d));
      else if (ctx.type === 'none') s.entry.districts.forEach((d) => weakDistricts.add(d));
    });
    return { spans, contexts, strongDistricts, weakDistricts };
  }

  /** Current codes that took over the communes of an old district ("Văn Lâm" or "huyện Văn Lâm"). */
  successorsOfDistrict(district: string): string[] {
    const tokens = tokenize(district);
    // Drop a leading district prefix, spelt out or abbreviated ("huyện", "TP", "t.x").
    const prefix = DISTRICT_PREFIXES.find((p) => p.words.length < tokens.length
      && p.words.every((w, k) => tokens[k]!.folded === foldVietnamese(w) && wordAgrees(tokens[k]!, w)));
    const key = tokens.slice(prefix ? prefix.words.length : 0).map((t) => t.folded).join(' ');
    return [...(this.districtSuccessors.get(key) ?? [])];
  }
}

/**
 * Written diacritics against the expected name: exact → +0.02; any diacritized word that disagrees
 * → −0.20 (a different name that folds the same); no diacritics → 0.
 */
function accentAdjust(span: Token[], words: string[]): number {
  if (words.length !== span.length) return 0;
  let exact = true;
  for (let k = 0; k < span.length; k++) {
    const t = span[k]!;
    const same = accentSignature(t.raw) === accentSignature(words[k]!);
    if (hasDiacritics(t) && !same) return -0.2;
    if (!same) exact = false;
  }
  return exact && span.some(hasDiacritics) ? 0.02 : 0;
}
