import type { Classification } from './classifier';

/** What admins decided about the categories: which are offered, and each one's default priority. */
export type CategoryChoices = { active: ReadonlySet<string>; defaults: ReadonlyMap<string, Classification['priority']> };

/**
 * The classifier's answer within the admins' choices. A category switched off is not filed
 * under: the best active alternative takes its place with its own confidence, and when none of
 * the alternatives is active the confidence is 0, which leaves the ticket to the operators. A
 * category's default priority replaces 'normal' (the classifier's "nothing special"), never a
 * priority the classifier found a reason for.
 */
export function withinChoices(c: Classification, choices: CategoryChoices): Classification {
  let { category, confidence } = c;
  if (!choices.active.has(category)) {
    const next = c.alternatives.find((a) => choices.active.has(a.category));
    category = next?.category ?? category;
    confidence = next?.confidence ?? 0;
  }
  const alternatives = c.alternatives.filter((a) => choices.active.has(a.category));
  const fallback = choices.defaults.get(category);
  const priority = c.priority === 'normal' && fallback ? fallback : c.priority;
  if (category === c.category && priority === c.priority && alternatives.length === c.alternatives.length) return c;
  return { ...c, category, confidence, alternatives, priority, needsReview: c.needsReview || confidence < c.confidence };
}

/** A classifier that answers within the choices as they are at each call. */
export function classifierWithinChoices<T extends { classify(text: string): Classification }>(inner: T, choices: () => CategoryChoices): { classify(text: string): Classification } {
  return { classify: (text) => withinChoices(inner.classify(text), choices()) };
}
