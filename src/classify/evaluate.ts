/** Evaluation of a classifier on labelled examples, and a plain-text report of the figures. */
import { foldVietnamese } from '../shared/text';
import type { Classification, LabelledExample } from './classifier';

export interface CategoryScore {
  category: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Evaluation {
  total: number;
  accuracy: number;
  macroF1: number;
  /** Share of examples whose true category is among the three alternatives. */
  top3Accuracy: number;
  perCategory: CategoryScore[];
  /** confusion[i][j]: true labels[i] predicted as labels[j]. */
  confusion: { labels: string[]; matrix: number[][] };
  noDiacritics: { total: number; accuracy: number };
  urgent: { precision: number; recall: number; support: number; flagged: number };
  priorityAccuracy: number;
  /** Examples whose category was wrong, for error analysis. */
  errors: { text: string; expected: string; predicted: string; confidence: number }[];
}

export interface Classifies {
  classify(text: string): Classification;
}

/** A line "has no diacritics" when folding changes nothing but case. */
export function hasNoDiacritics(text: string): boolean {
  return foldVietnamese(text) === text.toLowerCase().normalize('NFC');
}

export function evaluate(classifier: Classifies, examples: LabelledExample[]): Evaluation {
  const labels = [...new Set(examples.map((e) => e.category))].sort();
  const results = examples.map((e) => ({ e, r: classifier.classify(e.text) }));
  for (const { r } of results) if (!labels.includes(r.category)) labels.push(r.category);
  const at = new Map(labels.map((l, i) => [l, i]));
  const matrix = labels.map(() => labels.map(() => 0));
  let correct = 0;
  let top3 = 0;
  let priorityCorrect = 0;
  let ndTotal = 0;
  let ndCorrect = 0;
  let urgentTrue = 0;
  let urgentFlagged = 0;
  let urgentHit = 0;
  const errors: Evaluation['errors'] = [];
  for (const { e, r } of results) {
    matrix[at.get(e.category)!][at.get(r.category)!]++;
    const ok = r.category === e.category;
    if (ok) correct++;
    else errors.push({ text: e.text, expected: e.category, predicted: r.category, confidence: r.confidence });
    if (r.alternatives.some((a) => a.category === e.category)) top3++;
    if (r.priority === e.priority) priorityCorrect++;
    if (hasNoDiacritics(e.text)) {
      ndTotal++;
      if (ok) ndCorrect++;
    }
    if (e.priority === 'urgent') urgentTrue++;
    if (r.priority === 'urgent') urgentFlagged++;
    if (e.priority === 'urgent' && r.priority === 'urgent') urgentHit++;
  }
  const perCategory = labels.map((category, i) => {
    const tp = matrix[i][i];
    const support = matrix[i].reduce((a, b) => a + b, 0);
    const predicted = matrix.reduce((a, row) => a + row[i], 0);
    const precision = ratio(tp, predicted);
    const recall = ratio(tp, support);
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { category, precision, recall, f1, support };
  });
  const withSupport = perCategory.filter((c) => c.support > 0);
  return {
    total: examples.length,
    accuracy: ratio(correct, examples.length),
    macroF1: withSupport.reduce((a, c) => a + c.f1, 0) / (withSupport.length || 1),
    top3Accuracy: ratio(top3, examples.length),
    perCategory,
    confusion: { labels, matrix },
    noDiacritics: { total: ndTotal, accuracy: ratio(ndCorrect, ndTotal) },
    urgent: { precision: ratio(urgentHit, urgentFlagged), recall: ratio(urgentHit, urgentTrue), support: urgentTrue, flagged: urgentFlagged },
    priorityAccuracy: ratio(priorityCorrect, examples.length),
    errors,
  };
}

function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

const pct = (v: number) => (v * 100).toFixed(1) + '%';

/** Readable tables: headline figures, per-category scores and the confusion matrix. */
export function formatEvaluation(ev: Evaluation): string {
  const lines: string[] = [];
  lines.push(`Ví dụ (examples):                 ${ev.total}`);
  lines.push(`Độ chính xác (accuracy):          ${pct(ev.accuracy)}`);
  lines.push(`Macro-F1:                         ${pct(ev.macroF1)}`);
  lines.push(`Top-3:                            ${pct(ev.top3Accuracy)}`);
  lines.push(`Không dấu (no diacritics):        ${pct(ev.noDiacritics.accuracy)} of ${ev.noDiacritics.total}`);
  lines.push(`Khẩn cấp recall (urgent):         ${pct(ev.urgent.recall)} of ${ev.urgent.support}`);
  lines.push(`Khẩn cấp precision (urgent):      ${pct(ev.urgent.precision)} of ${ev.urgent.flagged} flagged`);
  lines.push(`Mức ưu tiên (priority accuracy):  ${pct(ev.priorityAccuracy)}`);
  lines.push('');
  const w = Math.max(8, ...ev.perCategory.map((c) => c.category.length));
  lines.push(`${'category'.padEnd(w)}  precision  recall     F1  support`);
  for (const c of ev.perCategory) {
    lines.push(`${c.category.padEnd(w)}  ${pct(c.precision).padStart(9)}  ${pct(c.recall).padStart(6)}  ${pct(c.f1).padStart(6)}  ${String(c.support).padStart(7)}`);
  }
  lines.push('');
  lines.push('Confusion matrix (rows: expected, columns: predicted)');
  const { labels, matrix } = ev.confusion;
  const short = labels.map((l, i) => String(i + 1));
  lines.push(`${''.padEnd(w + 4)}${short.map((s) => s.padStart(4)).join('')}`);
  labels.forEach((l, i) => {
    lines.push(`${(String(i + 1).padStart(2) + ' ' + l).padEnd(w + 4)}${matrix[i].map((n) => (n === 0 ? '.' : String(n)).padStart(4)).join('')}`);
  });
  return lines.join('\n');
}
