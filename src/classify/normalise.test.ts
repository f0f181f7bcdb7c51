import { expandAbbreviations, features, maskEntities, normaliseReport, readableFeature, tokenise } from './normalise';

describe('maskEntities', () => {
  it('applies NFC and lower case', () => {
    // "Đường" typed with a combining dot below / decomposed form
    expect(maskEntities('Đu\u031Bo\u031B\u0300ng NGẬP')).toBe('đường ngập');
  });

  it('masks URLs, emails, phones, money, times, dates and numbers', () => {
    const m = maskEntities('Xem https://fb.com/abc?x=1, mail a.b@gmail.com, gọi 0912 345 678 hoặc +84912345678, mất 50k lúc 22h30 ngày 12/3, nhà số 8');
    expect(m).not.toMatch(/\d/);
    expect(m).not.toContain('http');
    expect(m).not.toContain('gmail');
    for (const marker of ['zzurl', 'zzemail', 'zzphone', 'zzmoney', 'zztime', 'zzdate', 'zznum']) expect(m).toContain(marker);
    expect(m.match(/zzphone/g)).toHaveLength(2);
  });

  it('masks proper names (capitalised runs) only when asked, never at a sentence start', () => {
    const text = 'Công dân báo: cây đổ trên đường Trần Hưng Đạo gần KCN Thăng Long II. Đề nghị xử lý';
    expect(maskEntities(text, { maskNames: true })).toBe('công dân báo: cây đổ trên đường  zzname  gần kcn  zzname  ii. đề nghị xử lý');
    expect(maskEntities(text)).not.toContain('zzname');
    expect(maskEntities('Phố Nối ngập sâu', { maskNames: true })).toBe('phố nối ngập sâu');
  });

  it('splits letters from digits so QL5 becomes an abbreviation and a number', () => {
    expect(normaliseReport('QL5').tokens).toEqual(['quốc', 'lộ', 'zznum']);
  });

  it('turns meaningful emojis into words and others into a marker', () => {
    expect(normaliseReport('nhà bên 🔥🔥 😡').tokens).toEqual(['nhà', 'bên', 'lửa', 'lửa', 'zzemoji']);
    expect(normaliseReport('⚠️ nguy hiểm').tokens[0]).toBe('nguy');
  });
});

describe('tokenise and expandAbbreviations', () => {
  it('splits syllables on punctuation and keeps diacritics', () => {
    expect(tokenise('đường ngập,nước!! (3 ngày)')).toEqual(['đường', 'ngập', 'nước', '3', 'ngày']);
  });

  it('expands teen code and administrative abbreviations', () => {
    expect(expandAbbreviations(['k', 'ai', 'đc', 'j'])).toEqual(['không', 'ai', 'được', 'gì']);
    expect(normaliseReport('ad ơi đg vào bv tỉnh ntn z, sdt ubnd p. Hiến Nam?').tokens).toEqual([
      'admin', 'ơi', 'đường', 'vào', 'bệnh', 'viện', 'tỉnh', 'như', 'thế', 'nào', 'vậy',
      'số', 'điện', 'thoại', 'ủy', 'ban', 'nhân', 'dân', 'phường', 'hiến', 'nam',
    ]);
    expect(normaliseReport('hok dc, ko bt, kh co csgt').foldedTokens).toEqual([
      'khong', 'duoc', 'khong', 'biet', 'khong', 'co', 'canh', 'sat', 'giao', 'thong',
    ]);
  });
});

describe('English glossary', () => {
  it('adds the Vietnamese after common English words and keeps the English', () => {
    expect(normaliseReport('Accident, 2 people injured!').foldedTokens).toEqual(['accident', 'tai', 'nan', 'zznum', 'people', 'injured', 'bi', 'thuong']);
  });
});

describe('normaliseReport', () => {
  it('folds every token (đ → d) next to the original spelling', () => {
    const n = normaliseReport('Đường bị ngập');
    expect(n.tokens).toEqual(['đường', 'bị', 'ngập']);
    expect(n.foldedTokens).toEqual(['duong', 'bi', 'ngap']);
    expect(n.folded).toBe('duong bi ngap');
  });

  it('survives telex typos, English words and empty input', () => {
    expect(normaliseReport('duong ngap nuocs, wifi free, OK').foldedTokens).toEqual(['duong', 'ngap', 'nuocs', 'wifi', 'free', 'ok']);
    expect(normaliseReport('').tokens).toEqual([]);
    expect(normaliseReport('constructor toString __proto__ hasOwnProperty').tokens).toEqual(['constructor', 'tostring', 'proto', 'hasownproperty']);
    expect(normaliseReport('!!! ... ???').tokens).toEqual([]);
  });
});

describe('features', () => {
  const folded = (fs: string[]) => fs.filter((f) => !f.startsWith('d:')).sort();

  it('gives the same folded features with and without diacritics', () => {
    const a = features('Đèn đường hỏng, tối om không ai sửa');
    const b = features('den duong hong, toi om ko ai sua');
    expect(folded(a)).toEqual(folded(b));
    expect(a.filter((f) => f.startsWith('d:'))).toContain('d:đèn');
    // Only the expansion of "ko" carries diacritics in the undiacritised text.
    expect(b.filter((f) => f.startsWith('d:'))).toEqual(['d:không']);
  });

  it('emits folded unigrams and bigrams', () => {
    expect(features('ngập nước sâu')).toEqual(expect.arrayContaining(['w:ngap', 'w:nuoc', 'b:ngap nuoc', 'b:nuoc sau']));
  });

  it('emits character n-grams only when asked, never for markers', () => {
    const f = features('nuocs 5', { diacriticUnigrams: false, bigrams: false, charNgrams: [3] });
    expect(f).toEqual(['w:nuocs', 'c:_nu', 'c:nuo', 'c:uoc', 'c:ocs', 'c:cs_', 'w:zznum']);
  });

  it('makes features readable for staff', () => {
    expect(readableFeature('b:ngap nuoc')).toBe('ngap nuoc');
    expect(readableFeature('w:zzphone')).toBe('<số điện thoại>');
    expect(readableFeature('c:uoc')).toBeNull();
  });
});
