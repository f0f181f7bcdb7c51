import { RoutingTable } from '../routing/rules';
import type { TicketClassification } from '../workflow/types';
import { planUnderstanding, type UnderstandingInput } from './understanding';

const table = new RoutingTable([
  { id: 1, categoryCode: 'giao-thong', communeCode: null, keyword: null, agencyId: 7, precedence: 100, active: true },
]);
const classification = (c: Partial<TicketClassification> = {}): TicketClassification => ({
  category: 'giao-thong', confidence: 0.9, priority: 'normal', priorityConfidence: 0.8, alternatives: [], terms: ['ổ gà'], urgentSignals: [], ...c,
});
const input = (over: Partial<UnderstandingInput> = {}): UnderstandingInput => ({
  ticket: { categoryCode: null, priority: 'normal', communeCode: null, provinceCode: null, description: 'Đường nhiều ổ gà' },
  given: { category: false, priority: false },
  classification: classification(),
  area: { communeCode: '11953', provinceCode: '33', via: 'address', detail: 'Địa chỉ ghi Phố Hiến' },
  route: (i) => table.decide(i),
  duplicate: null,
  confidenceThreshold: 0.55,
  ...over,
});

describe('planning what to do with a new report', () => {
  test('sure of the category and a rule matches: assigned, nothing to review', () => {
    const p = planUnderstanding(input());
    expect(p).toMatchObject({ categoryCode: 'giao-thong', communeCode: '11953', provinceCode: '33', assignTo: 7, reviewReasons: [], urgent: false });
    expect(p.routing).toMatchObject({ agencyId: 7, ruleId: 1, areaVia: 'address' });
  });

  test('unsure: the category is left to the operators and nothing is routed', () => {
    const p = planUnderstanding(input({ classification: classification({ confidence: 0.4 }) }));
    expect(p).toMatchObject({ categoryCode: null, assignTo: null, reviewReasons: ['low_confidence'] });
    expect(p.classification.category).toBe('giao-thong'); // the suggestion is kept for the operator
  });

  test('a category the sender chose is kept even if the classifier disagrees', () => {
    const p = planUnderstanding(input({ ticket: { ...input().ticket, categoryCode: 'giao-thong' }, given: { category: true, priority: false },
      classification: classification({ category: 'moi-truong', confidence: 0.99 }) }));
    expect(p).toMatchObject({ categoryCode: 'giao-thong', assignTo: 7 });
  });

  test('no rule for the category, no area: waits with both reasons', () => {
    const p = planUnderstanding(input({ classification: classification({ category: 'y-te' }), area: { communeCode: null, provinceCode: null, via: 'none', detail: '' } }));
    expect(p.assignTo).toBeNull();
    expect(p.reviewReasons).toEqual(['no_rule', 'no_area']);
  });

  test('a probable duplicate waits for an operator to merge or keep it', () => {
    const p = planUnderstanding(input({ duplicate: { id: 3, code: 'PA-1', score: 0.8, similarity: 0.9, distanceMetres: 20, reasonVi: '', reasonEn: '' } }));
    expect(p).toMatchObject({ assignTo: null, reviewReasons: ['probable_duplicate'] });
  });

  test('urgency read in the text is never lowered by a given priority, and a given priority is otherwise kept', () => {
    const urgent = planUnderstanding(input({ ticket: { ...input().ticket, priority: 'low' }, given: { category: false, priority: true },
      classification: classification({ priority: 'urgent' }) }));
    expect(urgent).toMatchObject({ priority: 'urgent', urgent: true });
    const kept = planUnderstanding(input({ ticket: { ...input().ticket, priority: 'high' }, given: { category: false, priority: true },
      classification: classification({ priority: 'low' }) }));
    expect(kept.priority).toBe('high');
    expect(planUnderstanding(input({ classification: classification({ priority: 'low' }) })).priority).toBe('low');
  });
});

describe('the catch-all category', () => {
  test('a report the classifier files under "other" goes to the operators, unless the sender chose it', () => {
    const other = planUnderstanding(input({ classification: classification({ category: 'khac', confidence: 0.99 }), route: () => ({ agencyId: 9, ruleId: 2, level: 8, reasonVi: '', reasonEn: '' }) }));
    expect(other).toMatchObject({ categoryCode: 'khac', assignTo: null, reviewReasons: ['other_category'] });
    const chosen = planUnderstanding(input({ ticket: { ...input().ticket, categoryCode: 'khac' }, given: { category: true, priority: false },
      route: () => ({ agencyId: 9, ruleId: 2, level: 8, reasonVi: '', reasonEn: '' }) }));
    expect(chosen).toMatchObject({ assignTo: 9, reviewReasons: [] });
  });
});
