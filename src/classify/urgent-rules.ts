/**
 * High-precision urgent phrases: danger to life or property right now. The priority model learns
 * urgency from examples, but a missed fire or live wire is the costliest error, so these phrases
 * force "urgent" whatever the model says. Phrases match with or without diacritics (when the
 * citizen typed them, they must agree); `…` allows up to three words in between ("dây điện bị
 * đứt"). A match right after a negation or a hypothetical ("sợ cháy nhà") does not count.
 * Phrases kept here were checked for precision on the training data; ambiguous ones ("tai nạn",
 * mostly past or feared accidents; "bị giật", mostly phone snatching) are left to the model.
 */
import { foldVietnamese } from '../shared/text';
import type { NormalisedReport } from './normalise';

export interface UrgentRule {
  /** Vietnamese words with diacritics; `…` is a gap of 0–3 words. */
  pattern: string;
  /** What staff see as the reason; defaults to the pattern without gaps. */
  signal?: string;
}

export const URGENT_RULES: readonly UrgentRule[] = [
  // Fire and explosions
  { pattern: 'cháy nhà' }, { pattern: 'bốc cháy' }, { pattern: 'bị cháy' }, { pattern: 'đang cháy' }, { pattern: 'cháy lớn' },
  { pattern: 'cháy nổ' }, { pattern: 'đám cháy' }, { pattern: 'vụ cháy' }, { pattern: 'hỏa hoạn' }, { pattern: 'khói lửa' },
  { pattern: 'lửa bốc' }, { pattern: 'phát nổ' }, { pattern: 'nổ tung' }, { pattern: 'rò rỉ … gas' }, { pattern: 'rò … khí gas' },
  { pattern: 'mùi gas' },
  // Collapse and landslides
  { pattern: 'sập nhà' }, { pattern: 'nhà … bị sập' }, { pattern: 'sập xuống' },
  { pattern: 'sập cầu' }, { pattern: 'sập tường' }, { pattern: 'sập mái' }, { pattern: 'đổ sập' }, { pattern: 'sụp đổ' },
  { pattern: 'sạt lở' }, { pattern: 'vùi lấp' },
  // Live wires and electrocution
  { pattern: 'dây điện … đứt' }, { pattern: 'dây điện … rơi' }, { pattern: 'dây điện … cháy' }, { pattern: 'dây điện … chập' },
  { pattern: 'dây điện … chạm' }, { pattern: 'điện giật' }, { pattern: 'rò điện' }, { pattern: 'chập điện' }, { pattern: 'cột điện … đổ' },
  // Floods and drowning
  { pattern: 'ngập sâu' }, { pattern: 'ngập … ngang ngực' }, { pattern: 'ngập … quá đầu' }, { pattern: 'lũ quét' }, { pattern: 'lũ cuốn' },
  { pattern: 'nước cuốn' }, { pattern: 'cuốn trôi' }, { pattern: 'vỡ đê' }, { pattern: 'tràn đê' }, { pattern: 'đuối nước' },
  { pattern: 'chết đuối' }, { pattern: 'mắc kẹt' }, { pattern: 'bị kẹt' },
  // Injuries and medical emergencies
  { pattern: 'bị thương' }, { pattern: 'thương vong' }, { pattern: 'chảy máu' }, { pattern: 'bất tỉnh' }, { pattern: 'ngất xỉu' },
  { pattern: 'hôn mê' }, { pattern: 'co giật' }, { pattern: 'ngừng thở' }, { pattern: 'khó thở' }, { pattern: 'nguy kịch' },
  { pattern: 'cấp cứu' }, { pattern: 'lật xe' }, { pattern: 'mất lái' }, { pattern: 'bị đâm' },
  { pattern: 'đổ đè' }, { pattern: 'đè lên' }, { pattern: 'đè trúng' }, { pattern: 'đè chết' },
  // Violence in progress
  { pattern: 'đánh nhau' }, { pattern: 'đánh đập' }, { pattern: 'hỗn chiến' }, { pattern: 'chém nhau' }, { pattern: 'chém người' },
  { pattern: 'đâm người' }, { pattern: 'đâm chém' }, { pattern: 'hung khí' }, { pattern: 'cầm dao' }, { pattern: 'bị cướp' },
  { pattern: 'đang … cướp' }, { pattern: 'vừa … cướp' }, { pattern: 'truy sát' }, { pattern: 'bắt cóc' }, { pattern: 'nổ súng' },
  { pattern: 'bắn súng' }, { pattern: 'tự tử' }, { pattern: 'nhảy cầu' }, { pattern: 'dọa giết' }, { pattern: 'đe dọa giết' },
  // Explicit calls for help
  { pattern: 'cứu với' }, { pattern: 'cứu người' }, { pattern: 'kêu cứu' }, { pattern: 'khẩn cấp' }, { pattern: 'nguy hiểm … tính mạng' },
];

/**
 * Words that cancel a phrase shortly after them: negation ("không ai bị thương") and hypotheticals
 * ("sợ cháy nhà", "dễ bị thương", "phòng đuối nước"). Between the canceller and the phrase only
 * filler words may stand.
 */
const CANCELLERS = ['không', 'chưa', 'chẳng', 'tránh', 'dễ', 'sợ', 'lo', 'phòng', 'ngừa', 'nếu'];
const FILLERS = ['có', 'ai', 'người', 'bị', 'gây', 'xảy', 'ra', 'để', 'làm', 'thấy', 'ghi', 'nhận', 'hiện', 'tượng', 'nguy', 'cơ', 'sẽ', 'lại', 'gặp', 'thì', 'bất', 'kỳ'];
const CANCEL_WINDOW = 4;
const MAX_GAP = 3;

/** A pattern word: its folded form for matching, its spelling to check typed diacritics against. */
interface RuleWord {
  folded: string;
  exact: string;
}

interface CompiledRule {
  words: (RuleWord | null)[]; // null = gap
  signal: string;
}

function ruleWord(w: string): RuleWord {
  return { folded: foldVietnamese(w), exact: w.normalize('NFC').toLowerCase() };
}

/**
 * A token matches a word when the folded forms agree and, if the citizen typed diacritics, the
 * diacritics agree too: "sắp đổ" (about to fall) is not "sập đổ" (collapsed), "lý do. Đề nghị" is
 * not "đổ đè", but "sap do" typed without marks may be either and counts.
 */
function tokenIs(word: RuleWord, token: string | undefined, folded: string | undefined): boolean {
  return folded === word.folded && (token === folded || token === word.exact);
}

const cancellers = CANCELLERS.map(ruleWord);
const fillers = FILLERS.map(ruleWord);

export class UrgentMatcher {
  private readonly byFirstWord = new Map<string, CompiledRule[]>();

  constructor(rules: readonly UrgentRule[] = URGENT_RULES) {
    for (const r of rules) {
      const words = r.pattern
        .split(/\s+/)
        .filter(Boolean)
        .map((w) => (w === '…' ? null : ruleWord(w)));
      const first = words[0];
      if (!first) throw new Error(`Urgent rule must start with a word: ${r.pattern}`);
      if (words[words.length - 1] === null) throw new Error(`Urgent rule must end with a word: ${r.pattern}`);
      const list = this.byFirstWord.get(first.folded) ?? [];
      list.push({ words, signal: r.signal ?? r.pattern.replace(/ … /g, ' ') });
      this.byFirstWord.set(first.folded, list);
    }
  }

  /** Signals (distinct, in order of appearance) found in a normalised report. */
  match(n: Pick<NormalisedReport, 'tokens' | 'foldedTokens'>): string[] {
    const found: string[] = [];
    const { tokens, foldedTokens } = n;
    for (let i = 0; i < foldedTokens.length; i++) {
      const candidates = this.byFirstWord.get(foldedTokens[i]);
      if (!candidates) continue;
      for (const rule of candidates) {
        if (found.includes(rule.signal)) continue;
        if (matchesAt(rule.words, 0, tokens, foldedTokens, i) && !cancelledBefore(tokens, foldedTokens, i)) found.push(rule.signal);
      }
    }
    return found;
  }
}

function matchesAt(words: (RuleWord | null)[], from: number, tokens: string[], folded: string[], start: number): boolean {
  let pos = start;
  for (let w = from; w < words.length; w++) {
    const word = words[w];
    if (word === null) {
      // Gap: the next word may come 0..MAX_GAP tokens later.
      const next = words[w + 1]!;
      for (let skip = 0; skip <= MAX_GAP; skip++) {
        if (tokenIs(next, tokens[pos + skip], folded[pos + skip]) && matchesAt(words, w + 1, tokens, folded, pos + skip)) return true;
      }
      return false;
    }
    if (!tokenIs(word, tokens[pos], folded[pos])) return false;
    pos++;
  }
  return true;
}

function cancelledBefore(tokens: string[], folded: string[], start: number): boolean {
  for (let k = start - 1; k >= Math.max(0, start - CANCEL_WINDOW); k--) {
    if (cancellers.some((c) => tokenIs(c, tokens[k], folded[k]))) return true;
    if (!fillers.some((f) => tokenIs(f, tokens[k], folded[k]))) return false;
  }
  return false;
}
