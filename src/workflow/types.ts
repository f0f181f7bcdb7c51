/** Domain types of the hub. Plain data; the database layer maps rows to these. */
export const TICKET_STATUSES = [
  'received', 'triaged', 'assigned', 'in_progress', 'waiting_for_citizen', 'resolved', 'closed',
  'reopened', 'transferred', 'returned', 'rejected', 'merged',
] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const CHANNELS = ['phone', 'sms', 'email', 'facebook', 'zalo', 'web', 'app', 'open311'] as const;
export type Channel = (typeof CHANNELS)[number];

export const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const STAFF_ROLES = ['operator', 'agency_staff', 'agency_lead', 'supervisor', 'admin'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export const IDENTITY_KINDS = ['phone', 'email', 'zalo', 'facebook', 'app', 'web'] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];

export type StaffUser = {
  id: number;
  email: string;
  displayName: string;
  role: StaffRole;
  agencyId: number | null;
  active: boolean;
};

export type Actor =
  | { kind: 'staff'; user: StaffUser }
  | { kind: 'citizen'; citizenId: number }
  | { kind: 'system'; reason?: string };

export type Ticket = {
  id: number;
  code: string;
  trackingToken: string;
  status: TicketStatus;
  channel: Channel;
  citizenId: number;
  categoryCode: string | null;
  priority: Priority;
  description: string;
  locationLat: number | null;
  locationLng: number | null;
  address: string | null;
  provinceCode: string | null;
  communeCode: string | null;
  agencyId: number | null;
  assigneeId: number | null;
  mergedIntoId: number | null;
  statusReason: string | null;
  resolution: string | null;
  publishable: boolean;
  createdAt: Date;
  updatedAt: Date;
  statusChangedAt: Date;
  firstResponseAt: Date | null;
  resolvedAt: Date | null;
  closedAt: Date | null;
  /** What the classifier suggested (kept even when an operator decided otherwise). */
  classification: TicketClassification | null;
  /** Where routing sent it and why, with how the area was found. */
  routing: TicketRouting | null;
  /** Why an operator must look before it moves on; empty when nothing needs a human. */
  reviewReasons: ReviewReason[];
  duplicateOfId: number | null;
  duplicateScore: number | null;
  understoodAt: Date | null;
  /** The SLA clocks as stored (src/sla/clock.ts SlaState in JSON); null until they start. */
  slaState: unknown;
  slaResponseDueAt: Date | null;
  slaResolutionDueAt: Date | null;
  slaNextTimerAt: Date | null;
  /** The first breach, at the deadline that was missed. */
  slaBreachedAt: Date | null;
  slaOutcome: string | null;
};

export type TicketClassification = {
  category: string;
  confidence: number;
  priority: Priority;
  priorityConfidence: number;
  alternatives: { category: string; confidence: number }[];
  /** The words that drove the decision, shown to staff. */
  terms: string[];
  urgentSignals: string[];
};

export type AreaVia = 'given' | 'point' | 'address' | 'old_name' | 'alias' | 'profile' | 'none';

export type TicketRouting = {
  agencyId: number | null;
  ruleId: number | null;
  level: number | null;
  reasonVi: string;
  reasonEn: string;
  areaVia: AreaVia;
  areaDetail: string;
};

export const REVIEW_REASONS = ['low_confidence', 'other_category', 'no_rule', 'no_area', 'probable_duplicate'] as const;
export type ReviewReason = (typeof REVIEW_REASONS)[number];

export type Citizen = {
  id: number;
  displayName: string | null;
  phone: string | null;
  email: string | null;
  contactConsent: boolean;
};

export type Attachment = { id: string; fileName: string; contentType: string; size: number; url?: string };

export type Message = {
  id: number;
  ticketId: number;
  direction: 'inbound' | 'outbound';
  channel: string;
  externalId: string | null;
  authorStaffId: number | null;
  visibility: 'public' | 'internal';
  body: string;
  attachments: Attachment[];
  deliveryStatus: 'received' | 'queued' | 'sending' | 'sent' | 'delivered' | 'failed' | 'held' | 'unconfirmed' | 'internal';
  deliveryError: string | null;
  createdAt: Date;
};

export type TicketEvent = {
  id: number;
  ticketId: number;
  at: Date;
  actorKind: 'staff' | 'citizen' | 'system';
  actorId: number | null;
  type: string;
  fromStatus: TicketStatus | null;
  toStatus: TicketStatus | null;
  data: Record<string, unknown>;
};

export type Agency = {
  id: number;
  code: string;
  nameVi: string;
  nameEn: string;
  kind: string;
  alwaysOn: boolean;
  active: boolean;
};
