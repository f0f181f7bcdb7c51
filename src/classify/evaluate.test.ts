import type { Classification, LabelledExample } from './classifier';
import { benchClassifier } from './bench';
import { DatasetError, listTrainingFiles, parseJsonl } from './dataset';
import { evaluate, formatEvaluation, hasNoDiacritics } from './evaluate';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fake classifier with fixed answers, so the arithmetic can be checked by hand. */
function fake(answers: Record<string, [string, Classification['priority']]>) {
  return {
    classify(text: string): Classification {
      const [category, priority] = answers[text];
      return {
        category, confidence: 0.9, priority, priorityConfidence: 0.9, needsReview: false,
        alternatives: [{ category, confidence: 0.9 }, { category: 'khac', confidence: 0.05 }, { category: 'y-te', confidence: 0.05 }],
        explanation: { terms: [], urgentSignals: [] },
      };
    },
  };
}

describe('evaluate', () => {
  const examples: LabelledExample[] = [
    { text: 'a có dấu', category: 'x', priority: 'urgent' },
    { text: 'b khong dau', category: 'x', priority: 'normal' },
    { text: 'c khong dau', category: 'y', priority: 'urgent' },
    { text: 'd có dấu', category: 'y', priority: 'low' },
  ];
  const ev = evaluate(fake({
    'a có dấu': ['x', 'urgent'],
    'b khong dau': ['y', 'urgent'],
    'c khong dau': ['y', 'normal'],
    'd có dấu': ['y', 'low'],
  }), examples);

  it('computes accuracy, per-category scores and macro-F1', () => {
    expect(ev.accuracy).toBe(0.75);
    const x = ev.perCategory.find((c) => c.category === 'x')!;
    const y = ev.perCategory.find((c) => c.category === 'y')!;
    expect([x.precision, x.recall, x.support]).toEqual([1, 0.5, 2]);
    expect(y.precision).toBeCloseTo(2 / 3);
    expect(y.recall).toBe(1);
    expect(ev.macroF1).toBeCloseTo((2 / 3 + 0.8) / 2);
    expect(ev.confusion).toEqual({ labels: ['x', 'y'], matrix: [[1, 1], [0, 2]] });
    expect(ev.errors).toEqual([{ text: 'b khong dau', expected: 'x', predicted: 'y', confidence: 0.9 }]);
  });

  it('scores the no-diacritics subset and urgent precision/recall', () => {
    expect(ev.noDiacritics).toEqual({ total: 2, accuracy: 0.5 });
    expect(ev.urgent).toEqual({ precision: 0.5, recall: 0.5, support: 2, flagged: 2 });
    expect(ev.priorityAccuracy).toBe(0.5);
    expect(ev.top3Accuracy).toBe(0.75);
  });

  it('formats readable tables', () => {
    const out = formatEvaluation(ev);
    expect(out).toContain('75.0%');
    expect(out).toMatch(/x\s+100\.0%\s+50\.0%/);
    expect(out).toContain('Confusion matrix');
  });

  it('detects lines without diacritics', () => {
    expect(hasNoDiacritics('Den duong hong')).toBe(true);
    expect(hasNoDiacritics('Đen duong hong')).toBe(false);
    expect(hasNoDiacritics('đèn')).toBe(false);
  });
});

describe('dataset', () => {
  it('parses JSONL and skips blank lines', () => {
    const lines = '{"text":"a","category":"x","priority":"low","channel":"sms"}\n\n{"text":"b","category":"y","priority":"urgent"}\n';
    expect(parseJsonl(lines)).toEqual([
      { text: 'a', category: 'x', priority: 'low' },
      { text: 'b', category: 'y', priority: 'urgent' },
    ]);
  });

  it('reports bad lines with their number', () => {
    expect(() => parseJsonl('{"text":"a","category":"x","priority":"low"}\nnot json', 'f.jsonl')).toThrow(/f\.jsonl:2: .*invalid JSON/);
    expect(() => parseJsonl('{"text":"a","category":"x","priority":"soon"}', 'f.jsonl')).toThrow(DatasetError);
    expect(() => parseJsonl('{"text":"","category":"x","priority":"low"}')).toThrow(/text/);
  });

  it('never lists held-out files for training', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'classify-'));
    for (const f of ['b.jsonl', 'a.jsonl', 'heldout.jsonl', 'heldout-2.jsonl', 'notes.txt']) fs.writeFileSync(path.join(dir, f), '');
    expect(listTrainingFiles(dir).map((f) => path.basename(f))).toEqual(['a.jsonl', 'b.jsonl']);
    expect(listTrainingFiles(path.join(dir, 'missing'))).toEqual([]);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('benchClassifier', () => {
  it('measures throughput and p99 on one thread', () => {
    let calls = 0;
    const c = { classify: (t: string) => { calls++; return fake({ [t]: ['x', 'low'] }).classify(t); } };
    const r = benchClassifier(c, ['a', 'b'], 0.2);
    expect(r.classified).toBeGreaterThan(0);
    expect(calls).toBeGreaterThan(r.classified);
    expect(r.perSecond).toBeGreaterThan(0);
    expect(r.p99Micros).toBeGreaterThanOrEqual(0);
    expect(() => benchClassifier(c, [])).toThrow();
  });
});
