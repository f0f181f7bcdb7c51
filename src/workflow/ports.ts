import type { DuplicateCandidate } from '../triage/duplicates';
import type { SlaHappening } from '../sla/clock';
import type { SlaFold } from '../sla/sla-engine';
import type { UnderstandingPlan } from '../triage/understanding';
import type { TicketChanges } from './ticket-workflow';
import type { Attachment, Channel, IdentityKind, Message, Priority, Ticket, TicketEvent } from './types';

/**
 * What the domain services need from storage. The SQL implementation lives in src/db; the
 * services never see SQL, and every method runs inside the caller's transaction.
 */
export type NewTicket = {
  code: string;
  trackingToken: string;
  channel: Channel;
  citizenId: number;
  categoryCode: string | null;
  priority: Priority;
  description: string;
  searchText: string;
  locationLat: number | null;
  locationLng: number | null;
  address: string | null;
  provinceCode: string | null;
  communeCode: string | null;
  idempotencyKey: string | null;
  publishable: boolean;
  at: Date;
};

export type NewMessage = {
  ticketId: number;
  direction: 'inbound' | 'outbound';
  channel: string;
  externalId?: string | null;
  dedupeKey?: string | null;
  authorStaffId?: number | null;
  citizenId?: number | null;
  visibility: 'public' | 'internal';
  body: string;
  attachments?: Attachment[];
  deliveryStatus: Message['deliveryStatus'];
  at: Date;
};

export type NewEvent = Omit<TicketEvent, 'id'>;

export type CitizenProfile = {
  displayName: string | null;
  phone: string | null;
  email: string | null;
  contactConsent: boolean;
};

export interface StoreTx {
  /** Locks the row until the transaction ends. */
  lockTicketByCode(code: string): Promise<Ticket | null>;
  updateTicket(id: number, changes: TicketChanges, at: Date): Promise<Ticket>;
  /** Returns null when the same external or dedupe id was already stored. */
  insertMessage(m: NewMessage): Promise<Message | null>;
  appendEvent(e: NewEvent): Promise<void>;
  /** Several events in one statement, in the order given. */
  appendEvents(events: NewEvent[]): Promise<void>;
  enqueueOutbox(topic: string, payload: Record<string, unknown>, at: Date): Promise<void>;
  agencyIsActive(agencyId: number): Promise<boolean>;
  staffBelongsToAgency(userId: number, agencyId: number): Promise<boolean>;
  /** Open, earlier tickets of a category near a place (a box around a point, or a commune). */
  duplicateCandidates(q: DuplicateQuery): Promise<DuplicateCandidate[]>;
  /** The commune of the citizen's latest other ticket: their channel profile's area. */
  citizenLastCommune(citizenId: number, excludeTicketId: number): Promise<string | null>;
  /**
   * Stores what automatic triage decided, with its event; with `sla`, the clocks it starts are
   * written by the same update (one row version and one set of index entries instead of two).
   */
  recordUnderstanding(ticket: Ticket, plan: UnderstandingPlan, at: Date, sla?: SlaFold | null): Promise<Ticket>;
  /** An operator decided a category or priority other than the classifier's: training data. */
  recordClassificationFeedback(f: ClassificationFeedback): Promise<void>;
  lockTicketById(id: number): Promise<Ticket | null>;
  /** Stores the SLA clocks and the columns derived from them (deadlines, next timer, first breach). */
  saveSla(ticketId: number, sla: SlaFold, at: Date): Promise<Ticket>;
  /** Who hears of an SLA warning (assignee, else the agency's staff; its leads) or breach (also supervisors). */
  slaRecipients(ticket: Ticket, escalate: boolean): Promise<{ id: number; email: string }[]>;
  /** Returns how many were new (a notice already given with this dedupe key is not repeated). */
  notifyStaff(rows: { staffId: number; ticketId: number; kind: string; body: string; dedupeKey: string }[]): Promise<number>;
  /** Null when the ticket already has an undecided request. */
  insertExtensionRequest(r: { ticketId: number; staffId: number; at: Date; requestedDueAt: Date; reason: string }): Promise<ExtensionRequest | null>;
  lockExtensionRequest(id: number): Promise<ExtensionRequest | null>;
  decideExtensionRequest(id: number, d: { status: 'approved' | 'refused'; staffId: number; at: Date; note: string | null }): Promise<ExtensionRequest>;
}

export type ExtensionRequest = {
  id: number; ticketId: number; requestedBy: number; requestedAt: Date; requestedDueAt: Date; reason: string;
  status: 'requested' | 'approved' | 'refused'; decidedBy: number | null; decidedAt: Date | null; decisionNote: string | null;
};

/** Records the SLA side of a change inside its transaction (src/sla/sla-service.ts). */
export interface SlaRecorder {
  record(tx: StoreTx, ticket: Ticket, happenings: SlaHappening[], at: Date): Promise<Ticket>;
  /** The clocks for a ticket about to be written by the caller's own update (then call `recorded`). */
  fold(ticket: Ticket, happenings: SlaHappening[], at: Date): SlaFold;
  /** After the caller saved a fold: its events, notices and next timer. */
  recorded(tx: StoreTx, saved: Ticket, fold: SlaFold): Promise<void>;
}

export type DuplicateQuery = {
  categoryCode: string;
  since: Date;
  excludeId: number;
  box: { minLat: number; maxLat: number; minLng: number; maxLng: number } | null;
  communeCode: string | null;
  limit: number;
};

export type ClassificationFeedback = {
  ticketId: number; text: string; predictedCategory: string | null; predictedPriority: string | null;
  correctedCategory: string; correctedPriority: string; staffId: number | null; at: Date;
};

/** Everything one intake writes, decided by the domain; stored atomically in one round trip. */
export type NewIntake = {
  ticket: NewTicket;
  identities: { kind: IdentityKind; value: string }[];
  citizen: CitizenProfile;
  message: Omit<NewMessage, 'ticketId' | 'citizenId' | 'at'>;
  event: Omit<NewEvent, 'ticketId' | 'actorId' | 'at'>;
  outbox: { topic: string; payload: Record<string, unknown> };
  /** An acknowledgement stored already delivered with the ticket (portal and app channels). */
  acknowledgement?: { body: string; dedupeKey: string } | null;
};

export interface IntakeWriter {
  findTicketByIdempotencyKey(key: string): Promise<Ticket | null>;
  /** Returns null when the drawn ticket code is taken (draw another). */
  recordIntake(intake: NewIntake): Promise<Ticket | null>;
}

export interface TransactionRunner {
  readonly intake: IntakeWriter;
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  /** A unique constraint stopped the transaction (e.g. a concurrent duplicate submission). */
  isUniqueViolation(err: unknown): boolean;
}

export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };
