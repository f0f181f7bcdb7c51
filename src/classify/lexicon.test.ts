import { foldVietnamese } from '../shared/text';
import { CATEGORY_LEXICON, Lexicon } from './lexicon';
import { features, normaliseReport } from './normalise';

const lex = new Lexicon();
const found = (text: string) => lex.features(normaliseReport(text).foldedTokens);

describe('Lexicon', () => {
  it('finds category terms with and without diacritics', () => {
    expect(found('Hồ sơ tách thửa quá hạn')).toEqual(['l:hanh-chinh-cong', 'l:dat-dai', 'l:hanh-chinh-cong']);
    expect(found('ho so tach thua qua han')).toEqual(found('Hồ sơ tách thửa quá hạn'));
  });

  it('prefers the longest term and does not count its words again', () => {
    // "lấn chiếm vỉa hè" (urban order) wins over "lấn chiếm" (land) and "vỉa hè".
    expect(found('lấn chiếm vỉa hè')).toEqual(['l:trat-tu-do-thi']);
  });

  it('returns nothing for text without domain terms', () => {
    expect(found('xin chào mọi người')).toEqual([]);
  });

  it('covers every category with terms that fold cleanly', () => {
    expect(Object.keys(CATEGORY_LEXICON)).toHaveLength(15);
    for (const terms of Object.values(CATEGORY_LEXICON)) {
      expect(terms.length).toBeGreaterThan(10);
      for (const t of terms) expect(foldVietnamese(t)).toMatch(/^[a-z]+( [a-z]+)*$/);
    }
  });

  it('only adds lexicon features when asked', () => {
    const opts = { diacriticUnigrams: false, bigrams: false, charNgrams: [] };
    expect(features('sổ đỏ', { ...opts, lexicon: true })).toEqual(['l:dat-dai', 'w:so', 'w:do']);
    expect(features('sổ đỏ', opts)).toEqual(['w:so', 'w:do']);
  });
});
