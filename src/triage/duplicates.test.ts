import { distanceMetres, findProbableDuplicate, searchBox, shingles, textSimilarity, type DuplicateCandidate } from './duplicates';

const t0 = new Date('2026-11-20T08:00:00+07:00');
const hours = (h: number) => new Date(t0.getTime() + h * 3_600_000);
let id = 1;
const open = (c: Partial<DuplicateCandidate>): DuplicateCandidate => ({
  id: id++, code: `PA-2611-D${id}`, categoryCode: 'dien-chieu-sang', communeCode: '11953', lat: 20.6565, lng: 106.0567,
  text: 'Đèn đường trước số 12 Nguyễn Văn Linh bị hỏng, tối om', createdAt: t0, ...c,
});

describe('duplicate detection', () => {
  const report = { categoryCode: 'dien-chieu-sang', communeCode: '11953', lat: 20.6567, lng: 106.0569, text: 'den duong truoc so 12 nguyen van linh hong roi, toi qua', createdAt: hours(5) };

  test('same category, 30 m away, same words without diacritics: a probable duplicate', () => {
    const original = open({});
    const m = findProbableDuplicate(report, [original]);
    expect(m).toMatchObject({ id: original.id, code: original.code });
    expect(m!.distanceMetres).toBeLessThan(50);
    expect(m!.similarity).toBeGreaterThan(0.5);
    expect(m!.reasonVi).toMatch(/Có thể trùng/);
  });

  test('not a duplicate: another category, too far, too old, later, or different words', () => {
    expect(findProbableDuplicate(report, [open({ categoryCode: 'giao-thong' })])).toBeNull();
    expect(findProbableDuplicate(report, [open({ lat: 20.67, lng: 106.07 })])).toBeNull(); // ~2 km
    expect(findProbableDuplicate(report, [open({ createdAt: hours(-100) })])).toBeNull(); // outside 72 h
    expect(findProbableDuplicate(report, [open({ createdAt: hours(6) })])).toBeNull(); // newer than the report
    expect(findProbableDuplicate(report, [open({ text: 'Cột điện nghiêng ở trường mầm non, dây võng thấp' })])).toBeNull();
  });

  test('without coordinates, the same commune needs clearly similar text', () => {
    const noPoint = { ...report, lat: null, lng: null };
    const same = open({ lat: null, lng: null });
    expect(findProbableDuplicate(noPoint, [same])).not.toBeNull();
    expect(findProbableDuplicate(noPoint, [open({ lat: null, lng: null, text: 'Đèn đường khu chợ bị hỏng' })])).toBeNull();
    expect(findProbableDuplicate(noPoint, [open({ lat: null, lng: null, communeCode: '11983' })])).toBeNull();
  });

  test('the best of several candidates wins', () => {
    const far = open({ lat: 20.6580, lng: 106.0580 });
    const near = open({});
    expect(findProbableDuplicate(report, [far, near])?.id).toBe(near.id);
  });

  test('similarity and geometry helpers', () => {
    expect(textSimilarity(shingles('Rác ùn ứ ở chợ'), shingles('rac un u o cho'))).toBe(1);
    expect(textSimilarity(shingles(''), shingles('rác'))).toBe(0);
    expect(distanceMetres(20.6565, 106.0567, 20.6565, 106.0567)).toBe(0);
    expect(Math.round(distanceMetres(20, 106, 20.001, 106))).toBe(111);
    const box = searchBox(20.6565, 106.0567, 300);
    expect(box.maxLat - box.minLat).toBeCloseTo(0.0054, 3);
  });
});
