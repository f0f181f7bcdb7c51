/**
 * Text normalisation and feature extraction for report classification.
 *
 * Citizens type with and without diacritics, in teen code, with phone numbers, links and emojis.
 * Everything is reduced to one comparable form: NFC, lower case, masked entities, expanded
 * abbreviations, and every syllable folded (no tone marks, đ → d) next to its original spelling.
 */
import { foldVietnamese } from '../shared/text';
import { Lexicon, URGENCY_CUES } from './lexicon';

type SyllableTokenizer = { tokenize(text: string): string[] };
// Deep path on purpose: natural's index pulls in mongoose, pg, redis and dotenv (slow, noisy).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AggressiveTokenizerVi: new () => SyllableTokenizer = require('natural/lib/natural/tokenizers/aggressive_tokenizer_vi');
const tokenizer = new AggressiveTokenizerVi();

/** Marker tokens that replace masked entities; letters only so the tokenizer keeps them. */
export const MARKERS = {
  url: 'zzurl',
  email: 'zzemail',
  phone: 'zzphone',
  money: 'zzmoney',
  time: 'zztime',
  date: 'zzdate',
  number: 'zznum',
  emoji: 'zzemoji',
  name: 'zzname',
  exclamation: 'zzexcl',
  question: 'zzquestion',
} as const;

/** How markers are shown to staff in explanations. */
export const MARKER_LABELS: Record<string, string> = {
  zzurl: '<đường dẫn>',
  zzemail: '<email>',
  zzphone: '<số điện thoại>',
  zzmoney: '<số tiền>',
  zztime: '<giờ>',
  zzdate: '<ngày>',
  zznum: '<số>',
  zzemoji: '<emoji>',
  zzname: '<tên riêng>',
  zzexcl: '!!',
  zzquestion: '?',
};

/**
 * A few emojis carry meaning for routing and urgency; they become words. Others become the
 * generic emoji marker (which still hints at informal, social-media text).
 */
const EMOJI_WORDS: Record<string, string> = {
  '🔥': 'lửa',
  '🚒': 'cứu hỏa',
  '🚑': 'cấp cứu',
  '🆘': 'cứu',
  '⚡': 'điện',
  '💡': 'đèn',
  '💧': 'nước',
  '🌊': 'nước',
  '🌳': 'cây',
  '🌲': 'cây',
  '🗑': 'rác',
  '🚗': 'xe',
  '🏍': 'xe',
  '🚧': 'công trình',
  '🏥': 'bệnh viện',
  '🏫': 'trường',
  '🙏': 'cảm ơn',
  '⚠': 'nguy hiểm',
};

/**
 * Teen code and administrative abbreviations → full syllables (keys are lower-case tokens as the
 * tokenizer emits them; "p." and "q." arrive as "p" and "q").
 */
export const ABBREVIATIONS: Record<string, string> = {
  k: 'không', ko: 'không', kh: 'không', khg: 'không', kg: 'không', hok: 'không', hem: 'không', hông: 'không', khum: 'không',
  dc: 'được', đc: 'được', dk: 'được', đk: 'được',
  j: 'gì', ji: 'gì',
  ng: 'người', mn: 'mọi người', mng: 'mọi người',
  bt: 'biết', bik: 'biết', bít: 'biết',
  vs: 'với', ntn: 'như thế nào', bn: 'bao nhiêu', trc: 'trước', ns: 'nói',
  z: 'vậy', v: 'vậy', r: 'rồi', ak: 'à', ah: 'à', uh: 'ừ', oke: 'ok', okie: 'ok',
  mik: 'mình', mk: 'mình', e: 'em', a: 'anh', t: 'tôi', b: 'bạn',
  ad: 'admin', adm: 'admin',
  sdt: 'số điện thoại', sđt: 'số điện thoại', đt: 'điện thoại',
  ubnd: 'ủy ban nhân dân', hđnd: 'hội đồng nhân dân', hdnd: 'hội đồng nhân dân',
  cccd: 'căn cước công dân', cmnd: 'chứng minh nhân dân', csgt: 'cảnh sát giao thông',
  cand: 'công an nhân dân', pccc: 'phòng cháy chữa cháy',
  tp: 'thành phố', tx: 'thị xã', p: 'phường', q: 'quận', x: 'xã', h: 'huyện',
  đg: 'đường', dg: 'đường', ql: 'quốc lộ', tl: 'tỉnh lộ', kcn: 'khu công nghiệp', ccn: 'cụm công nghiệp',
  kdc: 'khu dân cư', kđt: 'khu đô thị', kdt: 'khu đô thị',
  bv: 'bệnh viện', bs: 'bác sĩ', bhyt: 'bảo hiểm y tế', bhxh: 'bảo hiểm xã hội', bhtn: 'bảo hiểm thất nghiệp',
  gv: 'giáo viên', ph: 'phụ huynh', thcs: 'trung học cơ sở', thpt: 'trung học phổ thông',
  cb: 'cán bộ', cq: 'cơ quan', cty: 'công ty', gcn: 'giấy chứng nhận', qsdđ: 'quyền sử dụng đất', qsdd: 'quyền sử dụng đất',
  nc: 'nước', đ: 'đồng', nv: 'nhân viên', hđ: 'hợp đồng',
  gplx: 'giấy phép lái xe', gpxd: 'giấy phép xây dựng', gpmb: 'giải phóng mặt bằng', dvc: 'dịch vụ công', tdp: 'tổ dân phố',
  đkkd: 'đăng ký kinh doanh', dkkd: 'đăng ký kinh doanh', atgt: 'an toàn giao thông', attp: 'an toàn thực phẩm',
  vsattp: 'vệ sinh an toàn thực phẩm', tnhh: 'trách nhiệm hữu hạn', qh: 'quy hoạch',
};

/**
 * Everyday English that citizens (and foreign residents) mix into reports, mapped to the Vietnamese
 * the model and the urgent rules know. The English word is kept as well.
 */
export const ENGLISH_GLOSSARY: Record<string, string> = {
  accident: 'tai nạn', crash: 'tai nạn', fire: 'cháy', burning: 'cháy', smoke: 'khói', explosion: 'phát nổ',
  flood: 'ngập', flooded: 'ngập', flooding: 'ngập', emergency: 'khẩn cấp', urgent: 'khẩn cấp', help: 'giúp',
  ambulance: 'cứu thương', injured: 'bị thương', injury: 'bị thương', bleeding: 'chảy máu', danger: 'nguy hiểm', dangerous: 'nguy hiểm', warning: 'cảnh báo',
  police: 'công an', hospital: 'bệnh viện', clinic: 'phòng khám', doctor: 'bác sĩ', nurse: 'điều dưỡng', medicine: 'thuốc', insurance: 'bảo hiểm',
  school: 'trường học', teacher: 'giáo viên', student: 'học sinh', students: 'học sinh', tuition: 'học phí', kindergarten: 'mầm non',
  garbage: 'rác', trash: 'rác', rubbish: 'rác', waste: 'rác thải', pollution: 'ô nhiễm', smell: 'mùi', dust: 'bụi', noise: 'tiếng ồn', noisy: 'ồn',
  water: 'nước', pipe: 'đường ống', drain: 'cống', sewer: 'cống', sewage: 'nước thải', manhole: 'hố ga',
  electricity: 'điện', power: 'điện', blackout: 'mất điện', outage: 'mất điện', wire: 'dây điện', wires: 'dây điện', streetlight: 'đèn đường', light: 'đèn', lights: 'đèn',
  road: 'đường', street: 'đường', traffic: 'giao thông', jam: 'ùn tắc', pothole: 'ổ gà', parking: 'đỗ xe', bus: 'xe buýt',
  tree: 'cây', trees: 'cây', park: 'công viên', playground: 'sân chơi',
  theft: 'trộm', stolen: 'mất trộm', thief: 'trộm', robbery: 'cướp', fight: 'đánh nhau', fighting: 'đánh nhau', drugs: 'ma túy', gambling: 'cờ bạc', scam: 'lừa đảo',
  land: 'đất', compensation: 'đền bù', permit: 'giấy phép', construction: 'xây dựng', building: 'công trình', collapse: 'sập', collapsed: 'sập',
  sidewalk: 'vỉa hè', pavement: 'vỉa hè', vendor: 'hàng rong', vendors: 'hàng rong', banner: 'băng rôn',
  tourist: 'khách du lịch', tourists: 'khách du lịch', tour: 'tour du lịch', hotel: 'khách sạn', festival: 'lễ hội', ticket: 'vé', overcharged: 'chặt chém',
  salary: 'lương', wages: 'lương', pension: 'lương hưu', allowance: 'trợ cấp', disability: 'khuyết tật',
  passport: 'hộ chiếu', visa: 'thị thực', residence: 'cư trú', certificate: 'giấy chứng nhận', online: 'trực tuyến',
  thanks: 'cảm ơn', thank: 'cảm ơn', suggestion: 'góp ý',
  drainage: 'thoát nước', canal: 'kênh', river: 'sông', lake: 'hồ', rain: 'mưa', market: 'chợ', price: 'giá', prices: 'giá',
  heritage: 'di sản', museum: 'bảo tàng', temple: 'đền', pagoda: 'chùa', wheelchair: 'xe lăn', restaurant: 'nhà hàng',
  factory: 'nhà máy', overtime: 'tăng ca', worker: 'công nhân', workers: 'công nhân', labour: 'lao động', labor: 'lao động',
  salaries: 'lương', child: 'trẻ em', children: 'trẻ em', kids: 'trẻ em', parents: 'phụ huynh', apartment: 'chung cư',
  transformer: 'trạm biến áp', electric: 'điện', bill: 'hóa đơn', fee: 'phí', fees: 'phí', fine: 'phạt', license: 'giấy phép',
  licence: 'giấy phép', dog: 'chó', dogs: 'chó', rabies: 'bệnh dại', food: 'thực phẩm', poisoning: 'ngộ độc', burn: 'đốt',
  burned: 'đốt', branch: 'cành cây', fallen: 'đổ', drunk: 'say rượu', gang: 'côn đồ', dossier: 'hồ sơ', application: 'hồ sơ',
};

// Maps, not object lookups: a report may well contain the word "constructor".
const ABBREVIATION_MAP = new Map(Object.entries(ABBREVIATIONS).map(([k, v]) => [k, v.split(' ')]));
const ENGLISH_MAP = new Map(Object.entries(ENGLISH_GLOSSARY).map(([k, v]) => [k, v.split(' ')]));
const EMOJI_MAP = new Map(Object.entries(EMOJI_WORDS));
const MARKER_LABEL_MAP = new Map(Object.entries(MARKER_LABELS));

/** The staff-facing form of a token: marker labels for masked entities, the token otherwise. */
export function displayToken(token: string): string {
  return MARKER_LABEL_MAP.get(token) ?? token;
}

const RE_URL = /(?:https?:\/\/|www\.)[^\s]+/giu;
const RE_EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.[a-z]{2,}/giu;
// Vietnamese phones: +84 / 84 / 0 then 8–10 more digits, optionally grouped by spaces, dots, dashes.
const RE_PHONE = /(?<![\p{N}])(?:\+?84|0)(?:[\s.-]?\d){8,10}(?![\p{N}])/gu;
const RE_MONEY = /(?<![\p{L}\p{N}])\d+(?:[.,]\d+)*\s?(?:k|tr|triệu|trieu|nghìn|nghin|ngàn|ngan|đ|vnd|vnđ|đồng)(?![\p{L}\p{N}])/giu;
const RE_TIME = /(?<![\p{L}\p{N}])\d{1,2}(?:h\d{0,2}p?|:\d{2})(?![\p{L}\p{N}])/giu;
const RE_DATE = /(?<![\p{L}\p{N}])\d{1,2}[/-]\d{1,2}(?:[/-]\d{2,4})?(?![\p{L}\p{N}])/gu;
const RE_LETTER_DIGIT = /(\p{L})(\p{N})/gu;
const RE_DIGIT_LETTER = /(\p{N})(\p{L})/gu;
const RE_NUMBER = /\p{N}+(?:[.,]\p{N}+)*/gu;
const RE_EMOJI = /\p{Extended_Pictographic}\uFE0F?/gu;

export interface NormalisedReport {
  /** NFC, lower case, entities masked (the text the tokens come from). */
  nfc: string;
  /** The folded tokens joined by single spaces. */
  folded: string;
  /** Syllable tokens after abbreviation expansion, with diacritics as typed. */
  tokens: string[];
  /** `tokens` folded one by one (same length and order). */
  foldedTokens: string[];
}

/** Steps 1–2: NFC, lower case, mask URLs, emails, phones, money, times, dates, numbers, emojis. */
/**
 * Runs of two or more Title-case syllables not at the start of a sentence: proper names of
 * people, villages, streets and companies ("Như Quỳnh", "Trần Hưng Đạo"). They occur across all
 * categories, so with little data they are noise the model would otherwise latch onto.
 */
const RE_NAME = /(?<![\p{L}\p{N}])(?<![.!?:;\n(\["'“]\s*|^\s*)\p{Lu}\p{Ll}*(?![\p{L}\p{N}])(?:\s+\p{Lu}\p{Ll}*(?![\p{L}\p{N}]))+/gu;

export interface NormaliseOptions {
  /** Replace proper names (capitalised runs) by a marker; only works on text typed with capitals. */
  maskNames?: boolean;
  /** Keep "!!" and "?" as marker tokens. */
  punctuation?: boolean;
}

export function maskEntities(text: string, options: NormaliseOptions = {}): string {
  let t = text.normalize('NFC');
  if (options.maskNames) t = t.replace(RE_NAME, ` ${MARKERS.name} `);
  // Insistent "!!" hints at urgency, "?" at a question (usually low priority).
  if (options.punctuation) t = t.replace(/!{2,}/g, ` ${MARKERS.exclamation} `).replace(/\?+/g, ` ${MARKERS.question} `);
  t = t.toLowerCase();
  // Cheap pre-checks skip the costlier patterns on the many texts without links or emails.
  if (t.includes('http') || t.includes('www.')) t = t.replace(RE_URL, ` ${MARKERS.url} `);
  if (t.includes('@')) t = t.replace(RE_EMAIL, ` ${MARKERS.email} `);
  if (/\d/.test(t)) {
    t = t
      .replace(RE_PHONE, ` ${MARKERS.phone} `)
      .replace(RE_MONEY, ` ${MARKERS.money} `)
      .replace(RE_TIME, ` ${MARKERS.time} `)
      .replace(RE_DATE, ` ${MARKERS.date} `)
      // "ql5", "kcn2": split so the abbreviation expands and the number is masked.
      .replace(RE_LETTER_DIGIT, '$1 $2')
      .replace(RE_DIGIT_LETTER, '$1 $2')
      .replace(RE_NUMBER, ` ${MARKERS.number} `);
  }
  return t.replace(RE_EMOJI, (m) => ` ${EMOJI_MAP.get(m.replace('\uFE0F', '')) ?? MARKERS.emoji} `);
}

/** Syllable tokenisation (natural's Vietnamese tokenizer: splits on anything but letters/digits). */
export function tokenise(masked: string): string[] {
  return tokenizer.tokenize(masked).filter((t) => t.length > 0);
}

/**
 * Expands teen code / abbreviations (replacing them) and adds the Vietnamese for English words
 * (after them); multi-syllable expansions become several tokens.
 */
export function expandAbbreviations(tokens: string[]): string[] {
  const out: string[] = [];
  for (const t of tokens) {
    const full = ABBREVIATION_MAP.get(t);
    if (full !== undefined) {
      out.push(...full);
      continue;
    }
    out.push(t);
    const vi = ENGLISH_MAP.get(t);
    if (vi !== undefined) out.push(...vi);
  }
  return out;
}

// Syllables are a small closed set, so folding each one once is much cheaper than NFD per token.
const foldCache = new Map<string, string>();
const FOLD_CACHE_LIMIT = 50_000;

export function foldToken(token: string): string {
  let folded = foldCache.get(token);
  if (folded === undefined) {
    folded = foldVietnamese(token);
    if (foldCache.size >= FOLD_CACHE_LIMIT) foldCache.clear();
    foldCache.set(token, folded);
  }
  return folded;
}

export function normaliseReport(text: string, options: NormaliseOptions = {}): NormalisedReport {
  const nfc = maskEntities(text, options);
  const tokens = expandAbbreviations(tokenise(nfc));
  const foldedTokens = tokens.map(foldToken);
  return { nfc, folded: foldedTokens.join(' '), tokens, foldedTokens };
}

export interface FeatureOptions extends NormaliseOptions {
  /** Original-spelling unigrams as well as folded ones (disambiguates "bán"/"bạn" when typed). */
  diacriticUnigrams: boolean;
  /** Folded syllable bigrams. */
  bigrams: boolean;
  /** Folded syllable trigrams (three-syllable terms: "giấy phép xây", "bảo hiểm y"). */
  trigrams?: boolean;
  /** Category lexicon features `l:<category>` (see lexicon.ts). */
  lexicon?: boolean;
  /** Urgency cue features `u:<group>` for the priority model (see lexicon.ts). */
  urgencyCues?: boolean;
  /** Folded pairs with one syllable skipped ("cấp … đỏ" in "cấp sổ đỏ"). */
  skipBigrams?: boolean;
  /** Character n-gram sizes inside folded syllables (typos, telex leftovers like "nuocs"). */
  charNgrams: number[];
}

const lexicon = new Lexicon();
const urgencyCues = new Lexicon(URGENCY_CUES, 'u:');

export const DEFAULT_FEATURE_OPTIONS: FeatureOptions = { diacriticUnigrams: true, bigrams: true, charNgrams: [] };

/**
 * Feature strings, prefixed by kind so that kinds never collide:
 * `w:` folded unigram, `b:` folded bigram, `d:` unigram as typed (only when it has diacritics),
 * `c:` character n-gram of a folded syllable with `_` as word edges.
 */
export function featuresOf(n: NormalisedReport, options: FeatureOptions = DEFAULT_FEATURE_OPTIONS): string[] {
  const out: string[] = options.lexicon ? lexicon.features(n.foldedTokens) : [];
  if (options.urgencyCues) out.push(...urgencyCues.features(n.foldedTokens));
  const ft = n.foldedTokens;
  for (let i = 0; i < ft.length; i++) {
    out.push('w:' + ft[i]);
    if (options.diacriticUnigrams && n.tokens[i] !== ft[i]) out.push('d:' + n.tokens[i]);
    if (options.bigrams && i + 1 < ft.length) out.push('b:' + ft[i] + ' ' + ft[i + 1]);
    if (options.trigrams && i + 2 < ft.length) out.push('t:' + ft[i] + ' ' + ft[i + 1] + ' ' + ft[i + 2]);
    if (options.skipBigrams && i + 2 < ft.length) out.push('s:' + ft[i] + ' ' + ft[i + 2]);
    if (options.charNgrams.length > 0 && !ft[i].startsWith('zz')) {
      const w = '_' + ft[i] + '_';
      for (const size of options.charNgrams) {
        for (let j = 0; j + size <= w.length; j++) out.push('c:' + w.slice(j, j + size));
      }
    }
  }
  return out;
}

export function features(text: string, options: FeatureOptions = DEFAULT_FEATURE_OPTIONS): string[] {
  return featuresOf(normaliseReport(text, options), options);
}

/** Turns a feature back into words staff can read ("b:ngap nuoc" → "ngap nuoc", markers → labels). */
export function readableFeature(feature: string): string | null {
  const kind = feature.slice(0, 2);
  if (kind === 'c:' || kind === 's:' || kind === 'l:' || kind === 'u:') return null;
  const body = feature.slice(2);
  return body
    .split(' ')
    .map(displayToken)
    .join(' ');
}
