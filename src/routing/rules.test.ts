import { RoutingTable, normaliseKeyword, ruleLevel, type RoutingRule } from './rules';

let nextId = 1;
const rule = (r: Partial<RoutingRule> & { agencyId: number }): RoutingRule => ({
  id: nextId++, categoryCode: null, communeCode: null, keyword: null, precedence: 100, active: true, ...r,
});

describe('routing rules', () => {
  // Agencies: 1 Sở Xây dựng, 2 UBND phường Sơn Nam, 3 Cục Đường bộ (national roads), 4 Văn phòng UBND tỉnh, 5 UBND Sơn Nam road team
  const rules = [
    rule({ categoryCode: 'giao-thong', agencyId: 1 }),
    rule({ categoryCode: 'giao-thong', communeCode: '11983', agencyId: 2 }),
    rule({ categoryCode: 'giao-thong', keyword: 'Quốc lộ', agencyId: 3 }),
    rule({ categoryCode: 'giao-thong', communeCode: '11983', keyword: 'ổ gà', agencyId: 5 }),
    rule({ communeCode: '11983', agencyId: 2 }),
    rule({ agencyId: 4 }),
  ];
  const table = new RoutingTable(rules);
  const decide = (categoryCode: string | null, communeCode: string | null, text: string) => table.decide({ categoryCode, communeCode, text });

  test('each precedence level wins over the less specific ones', () => {
    expect(decide('giao-thong', '11983', 'Đường có ổ gà to')).toMatchObject({ agencyId: 5, level: 1 }); // category+commune+keyword
    expect(decide('giao-thong', '11983', 'Quoc lo 39 hu hong')).toMatchObject({ agencyId: 3, level: 2 }); // category+keyword beats category+commune
    expect(decide('giao-thong', '11983', 'Đèn tín hiệu hỏng')).toMatchObject({ agencyId: 2, level: 5 }); // category+commune
    expect(decide('giao-thong', '99999', 'Đèn tín hiệu hỏng')).toMatchObject({ agencyId: 1, level: 6 }); // category province-wide
    expect(decide('y-te', '11983', 'Phòng khám đóng cửa')).toMatchObject({ agencyId: 2, level: 7 }); // commune, any category
    expect(decide('y-te', '12103', 'Phòng khám đóng cửa')).toMatchObject({ agencyId: 4, level: 8 }); // catch-all rule
  });

  test('keywords match whole syllables, with or without diacritics', () => {
    expect(decide('giao-thong', null, 'QUỐC LỘ 5 sụt lún')).toMatchObject({ agencyId: 3 });
    expect(decide('giao-thong', null, 'quoc lo 5 sut lun')).toMatchObject({ agencyId: 3 });
    // "quốc lộ" must be a phrase of its own, not letters inside other words
    expect(decide('giao-thong', null, 'đường liên thôn quốc lội')).toMatchObject({ agencyId: 1 });
  });

  test('without any matching rule the operators decide, and say so', () => {
    const t = new RoutingTable([rule({ categoryCode: 'giao-thong', agencyId: 1 })]);
    const d = t.decide({ categoryCode: 'y-te', communeCode: null, text: 'x' });
    expect(d).toMatchObject({ agencyId: null, ruleId: null, level: null });
    expect(d.reasonVi).toMatch(/Tổng đài viên/);
    expect(d.reasonEn).toMatch(/operators/);
  });

  test('among equally specific rules the lower precedence wins, then the older rule; inactive rules are ignored', () => {
    const a = rule({ categoryCode: 'moi-truong', agencyId: 10, precedence: 50 });
    const b = rule({ categoryCode: 'moi-truong', agencyId: 11, precedence: 20 });
    const c = rule({ categoryCode: 'moi-truong', agencyId: 12, precedence: 1, active: false });
    expect(new RoutingTable([a, b, c]).decide({ categoryCode: 'moi-truong', communeCode: null, text: '' })).toMatchObject({ agencyId: 11, ruleId: b.id });
    const d = rule({ categoryCode: 'moi-truong', agencyId: 13, precedence: 20 });
    expect(new RoutingTable([d, b]).decide({ categoryCode: 'moi-truong', communeCode: null, text: '' })).toMatchObject({ agencyId: 11 });
  });

  test('the decision names its rule and level for staff', () => {
    const d = decide('giao-thong', '11983', 'quốc lộ 39');
    expect(d.reasonVi).toContain(`#${d.ruleId}`);
    expect(d.reasonVi).toMatch(/từ khóa "Quốc lộ"/);
    expect(d.reasonEn).toMatch(/category and keyword/);
  });

  test('rule levels and keyword normalisation', () => {
    expect(ruleLevel({ categoryCode: 'x', communeCode: '1', keyword: 'k' })).toBe(1);
    expect(ruleLevel({ categoryCode: null, communeCode: null, keyword: null })).toBe(8);
    expect(normaliseKeyword('  Đèn   đường! ')).toBe('den duong');
  });
});
