import { normaliseReport } from './normalise';
import { URGENT_RULES, UrgentMatcher } from './urgent-rules';

const matcher = new UrgentMatcher();
const signals = (text: string) => matcher.match(normaliseReport(text));

describe('UrgentMatcher', () => {
  it('finds urgent phrases with and without diacritics', () => {
    expect(signals('Cháy nhà ở ngõ 5, khói mù mịt')).toEqual(['cháy nhà']);
    expect(signals('chay nha o ngo 5 khoi mu mit')).toEqual(['cháy nhà']);
    expect(signals('Đánh nhau ở quán karaoke, có người bị thương')).toEqual(['đánh nhau', 'bị thương']);
  });

  it('requires typed diacritics to agree with the phrase', () => {
    // "lý do. Đề nghị" folds to "do de" like "đổ đè"; "điện tử từ" folds like "tự tử".
    expect(signals('Không biết lý do. Đề nghị giải thích')).toEqual([]);
    expect(signals('giấy khai sinh điện tử từ VNeID')).toEqual([]);
    expect(signals('cây đổ đè lên xe máy')).toEqual(['đổ đè', 'đè lên']);
    expect(signals('cay do de len xe may')).toEqual(['đổ đè', 'đè lên']);
  });

  it('allows a few words inside gapped phrases', () => {
    expect(signals('dây điện trước nhà bị đứt rơi xuống đường')).toEqual(['dây điện đứt']);
    expect(signals('day dien dut')).toEqual(['dây điện đứt']);
    expect(signals('dây điện một hai ba bốn đứt')).toEqual([]);
    expect(signals('dây điện ở đầu ngõ chùng xuống')).toEqual([]);
  });

  it('ignores phrases right after a negation or a hypothetical', () => {
    expect(signals('Va chạm nhẹ, không có ai bị thương')).toEqual([]);
    expect(signals('chưa có thương vong')).toEqual([]);
    expect(signals('dây điện câu qua mái, sợ cháy nhà lắm')).toEqual([]);
    expect(signals('không sáng đèn nên có người bị thương')).toEqual(['bị thương']);
  });

  it('does not flag ordinary reports', () => {
    for (const text of [
      'Xin hỏi thủ tục cấp lại căn cước công dân',
      'Rác thải để lâu ngày bốc mùi hôi',
      'Đèn đường hỏng mấy hôm nay',
      'Nước máy chảy yếu từ sáng',
      'Đề nghị sửa ổ gà trên đường 379',
      'cây nghiêng sắp đổ, đề nghị chặt tỉa',
    ]) expect(signals(text)).toEqual([]);
  });

  it('expands teen code before matching', () => {
    expect(signals('co ng bi thuong nang, goi cap cuu gap')).toEqual(['bị thương', 'cấp cứu']);
  });

  it('has well-formed rules: no duplicates, no gap at either end', () => {
    const patterns = URGENT_RULES.map((r) => r.pattern);
    expect(new Set(patterns).size).toBe(patterns.length);
    for (const p of patterns) expect(p).toMatch(/^\p{L}+( (\p{L}+|…))* \p{L}+$|^\p{L}+$/u);
    expect(() => new UrgentMatcher([{ pattern: '… cháy' }])).toThrow();
    expect(() => new UrgentMatcher([{ pattern: 'cháy …' }])).toThrow();
    expect(new UrgentMatcher([{ pattern: 'cháy … nhà', signal: 'x' }]).match(normaliseReport('cháy to nhà'))).toEqual(['x']);
  });
});
