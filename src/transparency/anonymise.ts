import { splitMediaUrl } from '../open311/mapping';
import { foldVietnamese, normalisePhone } from '../shared/text';

/**
 * Anonymisation of free text before it is published on the transparency page: a report's
 * description and its official answer. Pure: no I/O.
 *
 * Removed, in any case and with or without diacritics where that applies: phone numbers in the
 * forms people type (0912345678, 0912 345 678, 091.234.5678, +84 912 345 678, 84912345678),
 * e-mail addresses, ID numbers (CCCD 12 digits, CMND 9 digits, and any other run of 9+ digits:
 * bank and insurance numbers), vehicle plates (89A-123.45, 29H1-12345), house numbers in exact
 * addresses ("số 12 ngõ 5" → "[số nhà] ngõ 5", "số nhà 45", "123/4 Lê Lợi"), and the names,
 * phones and e-mails the caller knows (the citizen's own, staff who handled the ticket).
 * The street, alley and commune stay: where a problem is matters to the public, the door does not.
 */

export const MASKS = {
  phone: '[số điện thoại]',
  email: '[email]',
  idNumber: '[số CCCD/CMND]',
  longNumber: '[dãy số]',
  plate: '[biển số xe]',
  houseNumber: '[số nhà]',
  name: '[họ tên]',
} as const;

/** Raise it when the rules change: published texts made by older rules are then rebuilt. */
export const ANONYMISER_VERSION = 1;

type Maybe = string | null | undefined;
export type KnownPersonalData = { names?: readonly Maybe[]; phones?: readonly Maybe[]; emails?: readonly Maybe[] };

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;

// +84 / 84 / 0, then 9 digits (mobile) or 10 (landline 02…), grouped by spaces, dots or dashes.
// Not right after "1.000." or "5,": the tail of a money amount (1.000.000.000 đồng) is not a phone.
const PHONE = /(?<![\p{N}+])(?<!\p{N}[.,])(?:\(?\+\s?84\)?|84|0)(?:[\s.-]?\d){9,10}(?!\p{N})/gu;

// An ID typed in groups is only recognised after its name; compact runs are caught below.
const ID_WORDS = 'cccd|cmnd|cmt|căn cước|can cuoc|chứng minh|chung minh|định danh|dinh danh|hộ chiếu|ho chieu|số tài khoản|so tai khoan|stk';
const GROUPED_ID = new RegExp(`(?<=(?:${ID_WORDS})[^\\p{N}\\n]{0,25})\\p{N}(?:[\\s.-]?\\p{N}){8,18}(?!\\p{N})`, 'giu');
const LONG_NUMBER = /(?<!\p{N})\p{N}{9,}(?!\p{N})/gu;

// Province code, series (1–2 letters, maybe a digit: H1, LD), then 4–5 digits (123.45 or 12345).
const PLATE = /(?<![\p{L}\p{N}])\d{2}\s?-?\s?[A-Za-z]{1,2}\d?\s?[-.\s]?\s?(?:\d{3}\.\d{2}|\d{4,5})(?![\p{L}\p{N}]|\.\d)/gu;

// Words that follow a house number in an address. Upper and lower case are written out because
// a case-insensitive \p{Lu} would match every letter.
const ADDRESS_WORD = '(?:[nN]g[õo]|[nN]g[áa]ch|[hH][ẻe]m|[kK]i[ệe]t|[đĐdD][ưu][ờo]ng|[pP]h[ốo]|[tT][ổo]|[tT]h[ôo]n|[xX][óo]m|[kK]hu'
  + '|[ấẤaA]p|[kK]h[ốo]i|[lL][ôo]|[tT][òo]a|[cC]hung\\s+c[ưu]|[pP]h[ưu][ờo]ng|[xX][ãa]|[qQ]u[ậa]n|[hH]uy[ệe]n)(?![\\p{L}\\p{N}])';
// A street or place name: a Title-case word ("Lê Lợi"), not an acronym ("số 45 UBND" is a document).
const NEXT_IS_ADDRESS = `(?=\\s*,?\\s*(?:${ADDRESS_WORD}|\\p{Lu}\\p{Ll}))`;
const HOUSE_NO = '\\d+[A-Za-z]?(?:\\s?[/-]\\s?\\d+[A-Za-z]?)*';
const SO = '(?:[sS][ốo]|SỐ|SO)';
const NHA = '(?:[nN]h[àa]|NHÀ|NHA)';
const NEAR = '[tT]r[ưu][ớo]c|[cC][ạa]nh|[gG][ầa]n|[tT][ạa]i|[ởỞ]|[đĐdD][ốo]i\\s+di[ệe]n|[sS]au';
const DATE_WORD = '(?:[nN]g[àa]y|[hH][ôo]m|[tT]h[áa]ng|[lL][úu]c|[tT][ừu]|[đĐdD][ếe]n|[sS][áa]ng|[cC]hi[ềe]u|[tT][ốo]i|[đĐdD][êe]m)';
const HOUSE_PATTERNS = [
  // "số nhà 45", "nhà số 7A", "SN 12/3", "số nhà: 45"
  new RegExp(`(?<![\\p{L}\\p{N}])(?:${SO}\\s*${NHA}|${NHA}\\s*${SO}|SN|sn)\\s*:?\\s*${HOUSE_NO}(?![\\p{L}\\p{N}])`, 'gu'),
  // "số 12 ngõ 5", "số 10 Lê Lợi", "số 3, phường Hiến Nam"
  new RegExp(`(?<![\\p{L}\\p{N}])${SO}\\s*${HOUSE_NO}(?![\\p{L}\\p{N}])${NEXT_IS_ADDRESS}`, 'gu'),
  // the last house number of an alley: "ngõ 5 ngách 10 số 3"
  new RegExp(`(?<=(?:[nN]g[õo]|[nN]g[áa]ch|[hH][ẻe]m|[kK]i[ệe]t)\\s+${HOUSE_NO}\\s*,?\\s*)${SO}\\s*${HOUSE_NO}(?![\\p{L}\\p{N}])`, 'gu'),
  // "123/45 Nguyễn Trãi", "12/3 hẻm 5"; not a date ("ngày 12/3 UBND…", "12/3/2024 Sở…")
  new RegExp(`(?<![\\p{L}\\p{N}/])(?<!${DATE_WORD}\\s*)(?!\\d{1,2}/\\d{1,2}/(?:19|20)\\d{2}(?![\\p{N}/]))\\d+[A-Za-z]?(?:/\\d+[A-Za-z]?)+(?![\\p{L}\\p{N}/])${NEXT_IS_ADDRESS}`, 'gu'),
  // "đoạn trước số 99 có ổ gà": a numbered door next to the problem, whatever follows
  new RegExp(`(?<=(?<!\\p{L})(?:${NEAR})\\s+)${SO}\\s*${HOUSE_NO}(?![\\p{L}\\p{N}])`, 'gu'),
  // "nhà 45 Lê Lợi", "nhà 7 ngõ 3"
  new RegExp(`(?<=(?<!\\p{L})${NHA}\\s+)${HOUSE_NO}(?![\\p{L}\\p{N}])(?=\\s+(?:${ADDRESS_WORD}|\\p{Lu}\\p{Ll}))`, 'gu'),
  // "trước 12 Nguyễn Văn Linh" (not "tại 5 xã", a count)
  new RegExp(`(?<=(?<!\\p{L})(?:${NEAR})\\s+)${HOUSE_NO}(?![\\p{L}\\p{N}])(?=\\s+\\p{Lu}\\p{Ll})`, 'gu'),
];

/** Text folded per character, with where each folded unit came from, so matches map back. */
function foldWithOffsets(text: string): { folded: string; start: number[]; end: number[] } {
  let folded = '';
  const start: number[] = [];
  const end: number[] = [];
  let i = 0;
  for (const ch of text) {
    const f = foldVietnamese(ch);
    for (let k = 0; k < f.length; k++) { start.push(i); end.push(i + ch.length); }
    folded += f;
    i += ch.length;
  }
  return { folded, start, end };
}

/** Masks a known name wherever it occurs, whatever the case and the diacritics. */
function maskName(text: string, name: string): string {
  const parts = foldVietnamese(name).split(/[\s,.]+/).filter(Boolean);
  // Very short names ("An", "Lý") would mask ordinary words; the other rules still apply.
  if (parts.join('').length < 4) return text;
  const re = new RegExp(`(?<![\\p{L}\\p{N}])${parts.map(escapeRegExp).join('\\s+')}(?![\\p{L}\\p{N}])`, 'gu');
  const { folded, start, end } = foldWithOffsets(text);
  let out = '';
  let last = 0;
  for (const m of folded.matchAll(re)) {
    const s = start[m.index];
    const e = end[m.index + m[0].length - 1];
    out += text.slice(last, s) + MASKS.name;
    last = e;
  }
  return out + text.slice(last);
}

/** A known phone in any of its written forms (+84 912 345 678, 0912.345.678, 84912345678). */
function knownPhonePattern(raw: string): RegExp | null {
  const e164 = normalisePhone(raw);
  if (!e164) return null;
  const digits = e164.slice(1);
  const [prefix, rest] = digits.startsWith('84') ? ['(?:\\(?\\+\\s?84\\)?|84|0)', digits.slice(2)] : ['\\+?', digits];
  if (rest.length < 6) return null;
  return new RegExp(`(?<!\\p{N})${prefix}[\\s.-]?${rest.split('').join('[\\s.-]?')}(?!\\p{N})`, 'gu');
}

function nonEmpty(values: readonly Maybe[] | undefined): string[] {
  return (values ?? []).map((v) => v?.trim() ?? '').filter((v) => v.length > 0);
}

/** The text with everything that identifies a person replaced by a bracketed label. */
export function anonymise(text: string, known: KnownPersonalData = {}): string {
  let t = text.normalize('NFC');
  for (const email of nonEmpty(known.emails)) t = t.replace(new RegExp(escapeRegExp(email), 'giu'), MASKS.email);
  if (t.includes('@')) t = t.replace(EMAIL, MASKS.email);
  for (const phone of nonEmpty(known.phones)) {
    const re = knownPhonePattern(phone);
    if (re) t = t.replace(re, MASKS.phone);
  }
  if (/\d/.test(t)) {
    t = t.replace(PHONE, MASKS.phone)
      .replace(GROUPED_ID, MASKS.idNumber)
      .replace(LONG_NUMBER, (m) => (m.length === 9 || m.length === 12 ? MASKS.idNumber : MASKS.longNumber))
      .replace(PLATE, MASKS.plate);
    for (const re of HOUSE_PATTERNS) t = t.replace(re, MASKS.houseNumber);
  }
  // Longest first: "Nguyễn Văn An" before "Văn An" when both are known.
  for (const name of nonEmpty(known.names).sort((a, b) => b.length - a.length)) t = maskName(t, name);
  return t;
}

/** What the transparency store reads to build a ticket's public text. */
export type PublicTextSource = {
  code: string;
  channel: string;
  description: string;
  resolution: string;
  citizen: { name: string | null; phone: string | null; email: string | null };
  /** Staff who acted on the ticket: official answers sometimes name them. */
  staffNames: readonly string[];
};

export type PublicText = { description: string; answer: string; searchText: string };

/** A resolved ticket's published text, and the folded text the public search runs on (no personal data in either). */
export function toPublicText(s: PublicTextSource): PublicText {
  const known: KnownPersonalData = { names: [s.citizen.name, ...s.staffNames], phones: [s.citizen.phone], emails: [s.citizen.email] };
  // An Open311 client's media URL travels inside the description; it is not the citizen's words.
  const description = anonymise(splitMediaUrl(s.channel, s.description).text, known).trim();
  const answer = anonymise(s.resolution, known).trim();
  return { description, answer, searchText: foldVietnamese(`${s.code} ${description} ${answer}`).replace(/\s+/g, ' ') };
}

/** The words of a public search, folded like the search text; at most 8 distinct words. */
export function searchTerms(q: string): string[] {
  const words = foldVietnamese(q.normalize('NFC')).split(/\s+/).filter(Boolean).map((w) => w.slice(0, 50));
  return [...new Set(words)].slice(0, 8);
}
