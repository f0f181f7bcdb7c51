import { foldVietnamese } from '../shared/text';

/**
 * Probable duplicates: the same problem reported again (often by neighbours, often by the same
 * citizen on another channel). Close in place and time, same category, similar words. Pure.
 */
export type DuplicateCandidate = {
  id: number;
  code: string;
  categoryCode: string | null;
  communeCode: string | null;
  lat: number | null;
  lng: number | null;
  text: string;
  createdAt: Date;
};

export type DuplicateRules = {
  /** How far back an open ticket still counts (hours). */
  windowHours: number;
  /** Two points closer than this are the same place (metres). */
  radiusMetres: number;
  /** Text similarity (0..1) needed when the places match. */
  minSimilarity: number;
};

export const DEFAULT_DUPLICATE_RULES: DuplicateRules = { windowHours: 72, radiusMetres: 300, minSimilarity: 0.3 };

export type DuplicateMatch = { id: number; code: string; score: number; similarity: number; distanceMetres: number | null; reasonVi: string; reasonEn: string };

// Words that every report shares carry no signal about which problem it is.
const STOPWORDS = new Set(('a ah ak ạ o oi la va voi cua cho cac nhung mot nay do kia thi ma de da dang se bi duoc khong co '
  + 'toi em anh chi ban minh nha xin kinh gui de nghi phan anh ve tai o khu vuc tren duoi trong ngoai rat qua lam nhieu '
  + 'roi nua cung van con hay gi nao sao the nhu vay').split(' '));

/** Folded syllables and syllable pairs, without function words. */
export function shingles(text: string): Set<string> {
  const words = foldVietnamese(text).split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0 && !STOPWORDS.has(w));
  const out = new Set<string>(words);
  for (let i = 0; i + 1 < words.length; i++) out.add(`${words[i]} ${words[i + 1]}`);
  return out;
}

/**
 * Mostly Jaccard, with some overlap coefficient so that a short "cột điện đổ" inside a long report
 * of the same fall still scores; Jaccard keeps two reports that only share the category's usual
 * words ("đèn đường hỏng") apart.
 */
export function textSimilarity(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let common = 0;
  for (const s of a) if (b.has(s)) common++;
  return (common / Math.min(a.size, b.size)) * 0.3 + (common / (a.size + b.size - common)) * 0.7;
}

export function distanceMetres(lat1: number, lng1: number, lat2: number, lng2: number): number {
  const R = 6_371_000;
  const toRad = (d: number) => (d * Math.PI) / 180;
  const dLat = toRad(lat2 - lat1);
  const dLng = toRad(lng2 - lng1);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(toRad(lat1)) * Math.cos(toRad(lat2)) * Math.sin(dLng / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(h));
}

/** The bounding box the store searches in (a cheap prefilter for the radius). */
export function searchBox(lat: number, lng: number, radiusMetres: number): { minLat: number; maxLat: number; minLng: number; maxLng: number } {
  const dLat = radiusMetres / 111_320;
  const dLng = radiusMetres / (111_320 * Math.max(0.01, Math.cos((lat * Math.PI) / 180)));
  return { minLat: lat - dLat, maxLat: lat + dLat, minLng: lng - dLng, maxLng: lng + dLng };
}

/**
 * The best probable duplicate of `report` among `candidates`, or null. Places match when both
 * have coordinates within the radius, or (without coordinates) when both are in the same commune
 * and the texts are clearly alike.
 */
export function findProbableDuplicate(
  report: Omit<DuplicateCandidate, 'id' | 'code'> & { id?: number },
  candidates: DuplicateCandidate[],
  rules: DuplicateRules = DEFAULT_DUPLICATE_RULES,
): DuplicateMatch | null {
  if (!report.categoryCode) return null;
  const mine = shingles(report.text);
  const since = report.createdAt.getTime() - rules.windowHours * 3_600_000;
  let best: DuplicateMatch | null = null;
  for (const c of candidates) {
    if (c.id === report.id || c.categoryCode !== report.categoryCode || c.createdAt.getTime() < since) continue;
    if (c.createdAt.getTime() > report.createdAt.getTime()) continue; // only earlier tickets are originals
    const similarity = textSimilarity(mine, shingles(c.text));
    let distance: number | null = null;
    let samePlace = false;
    let needed = rules.minSimilarity;
    if (report.lat !== null && report.lng !== null && c.lat !== null && c.lng !== null) {
      distance = distanceMetres(report.lat, report.lng, c.lat, c.lng);
      samePlace = distance <= rules.radiusMetres;
    } else if (report.communeCode && report.communeCode === c.communeCode) {
      samePlace = true;
      needed = Math.max(needed, 0.45); // a commune is large: ask more of the words
    }
    if (!samePlace || similarity < needed) continue;
    const nearness = distance === null ? 0.5 : 1 - distance / rules.radiusMetres;
    const score = Math.round((0.7 * similarity + 0.3 * nearness) * 1000) / 1000;
    if (best && best.score >= score) continue;
    const where = distance === null ? `cùng xã/phường ${c.communeCode}` : `cách ${Math.round(distance)} m`;
    const whereEn = distance === null ? `same commune ${c.communeCode}` : `${Math.round(distance)} m away`;
    const hours = Math.max(0, Math.round((report.createdAt.getTime() - c.createdAt.getTime()) / 3_600_000));
    best = {
      id: c.id, code: c.code, score, similarity: Math.round(similarity * 1000) / 1000, distanceMetres: distance === null ? null : Math.round(distance),
      reasonVi: `Có thể trùng ${c.code}: cùng lĩnh vực, ${where}, ${hours} giờ trước, nội dung giống ${Math.round(similarity * 100)}%`,
      reasonEn: `Probably the same as ${c.code}: same category, ${whereEn}, ${hours} h earlier, ${Math.round(similarity * 100)}% similar text`,
    };
  }
  return best;
}
