import type { Classification } from './classifier';
import { withinChoices, type CategoryChoices } from './active-categories';

const base: Classification = {
  category: 'cay-xanh', confidence: 0.8, priority: 'normal', priorityConfidence: 0.7, needsReview: false,
  alternatives: [{ category: 'cay-xanh', confidence: 0.8 }, { category: 'moi-truong', confidence: 0.15 }, { category: 'khac', confidence: 0.05 }],
  explanation: { terms: ['cây'], urgentSignals: [] },
};
const choices = (active: string[], defaults: [string, Classification['priority']][] = []): CategoryChoices =>
  ({ active: new Set(active), defaults: new Map(defaults) });

describe('the classifier within the admins\' category choices', () => {
  test('all active, no defaults: the answer is unchanged', () => {
    expect(withinChoices(base, choices(['cay-xanh', 'moi-truong', 'khac']))).toBe(base);
  });

  test('an inactive category gives way to the best active alternative, with that one\'s confidence', () => {
    const c = withinChoices(base, choices(['moi-truong', 'khac']));
    expect(c).toMatchObject({ category: 'moi-truong', confidence: 0.15, needsReview: true });
    expect(c.alternatives.map((a) => a.category)).toEqual(['moi-truong', 'khac']);
  });

  test('no active alternative: confidence 0, so a person decides', () => {
    const c = withinChoices(base, choices(['giao-thong']));
    expect(c.confidence).toBe(0);
    expect(c.alternatives).toEqual([]);
    expect(c.needsReview).toBe(true);
  });

  test('a default priority replaces "normal" only, never a priority the classifier found a reason for', () => {
    const all = ['cay-xanh', 'moi-truong', 'khac'];
    expect(withinChoices(base, choices(all, [['cay-xanh', 'high']])).priority).toBe('high');
    expect(withinChoices({ ...base, priority: 'urgent' }, choices(all, [['cay-xanh', 'low']])).priority).toBe('urgent');
    expect(withinChoices({ ...base, priority: 'low' }, choices(all, [['cay-xanh', 'high']])).priority).toBe('low');
    // The default of the category filed under, after the fallback.
    expect(withinChoices(base, choices(['moi-truong'], [['cay-xanh', 'low'], ['moi-truong', 'high']])).priority).toBe('high');
  });
});
