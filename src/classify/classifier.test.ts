import fs from 'node:fs';
import path from 'node:path';
import { type LabelledExample, ReportClassifier, defaultModelPath, trainClassifier } from './classifier';

const fixture: LabelledExample[] = [
  { text: 'Đường ngập sâu sau mưa, cống thoát nước bị tắc', category: 'cap-thoat-nuoc', priority: 'high' },
  { text: 'Mất nước máy cả khu phố từ sáng, không có nước sinh hoạt', category: 'cap-thoat-nuoc', priority: 'high' },
  { text: 'Nước máy đục, có mùi, đề nghị công ty cấp nước kiểm tra', category: 'cap-thoat-nuoc', priority: 'normal' },
  { text: 'nap cong bi vo giua duong, nuoc thai tran ra', category: 'cap-thoat-nuoc', priority: 'normal' },
  { text: 'Đèn đường hỏng cả tuần, tối om rất nguy hiểm', category: 'dien-chieu-sang', priority: 'normal' },
  { text: 'Mất điện từ tối qua chưa có điện lại', category: 'dien-chieu-sang', priority: 'high' },
  { text: 'den duong sang ca ngay lang phi dien', category: 'dien-chieu-sang', priority: 'low' },
  { text: 'Dây điện bị đứt rơi xuống đường, đang tóe lửa', category: 'dien-chieu-sang', priority: 'urgent' },
  { text: 'Xin hỏi thủ tục cấp lại căn cước công dân', category: 'hanh-chinh-cong', priority: 'low' },
  { text: 'Hồ sơ đăng ký khai sinh nộp trên cổng dịch vụ công quá hạn chưa trả', category: 'hanh-chinh-cong', priority: 'normal' },
  { text: 'can bo mot cua yeu cau nop them giay to khong can thiet', category: 'hanh-chinh-cong', priority: 'normal' },
  { text: 'Cổng dịch vụ công lỗi không nộp được hồ sơ đăng ký thường trú', category: 'hanh-chinh-cong', priority: 'normal' },
];

describe('trainClassifier and ReportClassifier', () => {
  const model = trainClassifier(fixture, { minDf: 1 });
  const classifier = ReportClassifier.fromModel(JSON.parse(JSON.stringify(model)));

  it('produces a versioned JSON model', () => {
    expect(model.format).toBe('hub1022-report-classifier');
    expect(model.category.labels).toEqual(['cap-thoat-nuoc', 'dien-chieu-sang', 'hanh-chinh-cong']);
    expect(model.priority.labels).toEqual(['urgent', 'high', 'normal', 'low']);
    expect(model.vocabulary.features.length).toBeGreaterThan(10);
  });

  it('classifies with calibrated-ish confidences and three alternatives', () => {
    const r = classifier.classify('Cống thoát nước bị tắc, nước thải tràn ra đường');
    expect(r.category).toBe('cap-thoat-nuoc');
    expect(r.alternatives).toHaveLength(3);
    expect(r.alternatives[0]).toEqual({ category: r.category, confidence: r.confidence });
    const sum = r.alternatives.reduce((a, b) => a + b.confidence, 0);
    expect(sum).toBeGreaterThan(0.99);
    expect(sum).toBeLessThan(1.01);
    expect(r.confidence).toBeGreaterThan(r.alternatives[1].confidence);
  });

  it('classifies text typed without diacritics the same way', () => {
    expect(classifier.classify('cong thoat nuoc bi tac nuoc thai tran ra duong').category).toBe('cap-thoat-nuoc');
    expect(classifier.classify('den duong hong toi om').category).toBe('dien-chieu-sang');
    expect(classifier.classify('ho so dang ky tren cong dich vu cong qua han').category).toBe('hanh-chinh-cong');
  });

  it('explains with readable words as the citizen typed them', () => {
    const r = classifier.classify('Đèn đường hỏng, tối om');
    expect(r.explanation.terms.length).toBeGreaterThan(0);
    expect(r.explanation.terms.some((t) => /đèn|đường|hỏng|tối/.test(t))).toBe(true);
    for (const t of r.explanation.terms) expect(t).not.toMatch(/^[wbdc]:/);
  });

  it('forces urgent on rule phrases and reports the signal', () => {
    const r = classifier.classify('Cháy nhà ở ngõ 5, có người bị thương');
    expect(r.priority).toBe('urgent');
    expect(r.explanation.urgentSignals).toEqual(['cháy nhà', 'bị thương']);
    expect(r.priorityConfidence).toBeGreaterThanOrEqual(0.85);
    expect(classifier.classify('Xin hỏi thủ tục cấp lại căn cước').explanation.urgentSignals).toEqual([]);
  });

  it('handles empty and odd input without throwing', () => {
    for (const t of ['', '😡😡😡', 'https://x.vn', 'nuocs ngapj']) {
      const r = classifier.classify(t);
      expect(model.category.labels).toContain(r.category);
      expect(r.confidence).toBeGreaterThan(0);
    }
  });

  it('rejects what is not a model', () => {
    expect(() => ReportClassifier.fromModel({ format: 'other' })).toThrow(/not a hub1022/);
    expect(() => ReportClassifier.fromModel(null)).toThrow();
    expect(() => ReportClassifier.fromModel({ ...model, priority: { ...model.priority, weights: [1] } })).toThrow(/corrupt/);
    expect(() => trainClassifier([])).toThrow();
  });
});

describe('shipped model (data/classify/model.json)', () => {
  it('is found from src/ and classifies clear reports with and without diacritics', () => {
    const file = defaultModelPath();
    expect(path.basename(file)).toBe('model.json');
    expect(fs.statSync(file).size).toBeLessThan(5 * 1024 * 1024);
    const c = ReportClassifier.loadDefault();
    const cases: [string, string][] = [
      ['Đèn đường trước cổng chợ bị hỏng mấy hôm nay, tối om', 'dien-chieu-sang'],
      ['den duong truoc cong cho bi hong may hom nay, toi om', 'dien-chieu-sang'],
      ['Rác thải không ai thu gom, bốc mùi hôi thối cả xóm', 'moi-truong'],
      ['rac thai khong ai thu gom, boc mui hoi thoi ca xom', 'moi-truong'],
      ['Hồ sơ cấp căn cước công dân nộp đã quá hạn mà chưa được trả', 'hanh-chinh-cong'],
      ['ho so cap cccd nop qua han ma chua dc tra', 'hanh-chinh-cong'],
    ];
    for (const [text, category] of cases) expect([text, c.classify(text).category]).toEqual([text, category]);
    expect(c.classify('chay nha o ngo 3, co nguoi mac ket').priority).toBe('urgent');
  });
});
