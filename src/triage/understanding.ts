import type { RoutingDecision, RoutingInput } from '../routing/rules';
import type { AreaVia, Priority, ReviewReason, Ticket, TicketClassification, TicketRouting } from '../workflow/types';
import type { DuplicateMatch } from './duplicates';

/**
 * What the hub makes of a new report before a human reads it: category, priority, area, agency,
 * probable duplicate, and whether an operator must look first. Pure: the inputs are computed by
 * the classifier, the area locator, the routing table and the duplicate search.
 */
export type AreaFinding = { communeCode: string | null; provinceCode: string | null; via: AreaVia; detail: string };

export type UnderstandingInput = {
  ticket: Pick<Ticket, 'categoryCode' | 'priority' | 'communeCode' | 'provinceCode' | 'description'>;
  /** The citizen or operator chose these at intake: the classifier does not override them. */
  given: { category: boolean; priority: boolean };
  classification: TicketClassification;
  area: AreaFinding;
  route: (input: RoutingInput) => RoutingDecision;
  duplicate: DuplicateMatch | null;
  /** Below this confidence the category is left to the operators. */
  confidenceThreshold: number;
};

export type UnderstandingPlan = {
  categoryCode: string | null;
  priority: Priority;
  communeCode: string | null;
  provinceCode: string | null;
  classification: TicketClassification;
  routing: TicketRouting;
  duplicate: DuplicateMatch | null;
  reviewReasons: ReviewReason[];
  /** Assign to this agency now; null leaves the ticket in the operators' triage queue. */
  assignTo: number | null;
  urgent: boolean;
};

/** The catch-all category of categories.json. */
export const OTHER_CATEGORY = 'khac';

/** The category to file under: the sender's choice, else the classifier's when it is sure enough. */
export function chooseCategory(ticket: Pick<Ticket, 'categoryCode'>, given: { category: boolean }, c: Pick<TicketClassification, 'category' | 'confidence'>, threshold: number): string | null {
  if (given.category && ticket.categoryCode) return ticket.categoryCode;
  return c.confidence >= threshold ? c.category : null;
}

export function planUnderstanding(input: UnderstandingInput): UnderstandingPlan {
  const { ticket, given, classification: c, area } = input;
  const reasons: ReviewReason[] = [];
  const categoryCode = chooseCategory(ticket, given, c, input.confidenceThreshold);
  if (!categoryCode) reasons.push('low_confidence');
  // "Other" is thanks, suggestions, questions outside the province's remit: operators answer those
  // themselves or decide who should, so the classifier's "other" is never routed on its own.
  else if (categoryCode === OTHER_CATEGORY && !given.category) reasons.push('other_category');
  // Danger is never downgraded by a guess: the higher of what was given and what was read wins.
  const priority = given.priority ? higher(ticket.priority, c.priority === 'urgent' ? 'urgent' : ticket.priority) : c.priority;
  const communeCode = ticket.communeCode ?? area.communeCode;
  const provinceCode = ticket.provinceCode ?? area.provinceCode;
  const decision: RoutingDecision = categoryCode
    ? input.route({ categoryCode, communeCode, text: ticket.description })
    : { agencyId: null, ruleId: null, level: null, reasonVi: 'Chưa rõ lĩnh vực: chờ Tổng đài viên phân loại.', reasonEn: 'Category unclear: waiting for an operator.' };
  if (categoryCode && decision.agencyId === null) reasons.push('no_rule');
  if (input.duplicate) reasons.push('probable_duplicate');
  const assignTo = reasons.length === 0 ? decision.agencyId : null;
  if (assignTo === null && !communeCode) reasons.push('no_area');
  return {
    categoryCode, priority, communeCode, provinceCode, classification: c,
    routing: {
      agencyId: decision.agencyId, ruleId: decision.ruleId, level: decision.level, reasonVi: decision.reasonVi, reasonEn: decision.reasonEn,
      areaVia: ticket.communeCode ? 'given' : area.via, areaDetail: ticket.communeCode ? 'Địa bàn do người gửi chọn / area chosen by the sender' : area.detail,
    },
    duplicate: input.duplicate,
    reviewReasons: reasons,
    assignTo,
    urgent: priority === 'urgent',
  };
}

const RANK: Record<Priority, number> = { urgent: 0, high: 1, normal: 2, low: 3 };
function higher(a: Priority, b: Priority): Priority {
  return RANK[a] <= RANK[b] ? a : b;
}
