import type { Agency, Citizen, Message, ReviewReason, StaffUser, Ticket, TicketClassification, TicketEvent, TicketRouting } from '../workflow/types';

/** Row shapes as the migrations define them, and their mapping to domain types. */
export type TicketRow = {
  id: number; code: string; tracking_token: string; status: Ticket['status']; channel: Ticket['channel'];
  citizen_id: number; category_code: string | null; priority: Ticket['priority']; description: string;
  location_lat: number | null; location_lng: number | null; address: string | null; province_code: string | null;
  commune_code: string | null; agency_id: number | null; assignee_id: number | null; merged_into_id: number | null;
  status_reason: string | null; resolution: string | null; publishable: boolean; created_at: Date; updated_at: Date;
  status_changed_at: Date; first_response_at: Date | null; resolved_at: Date | null; closed_at: Date | null;
  classification: TicketClassification | null; routing: TicketRouting | null; review_reasons: ReviewReason[] | null;
  duplicate_of_id: number | null; duplicate_score: number | null; understood_at: Date | null;
  sla_state: unknown; sla_response_due_at: Date | null; sla_resolution_due_at: Date | null; sla_next_timer_at: Date | null;
  sla_breached_at: Date | null; sla_outcome: string | null;
};

export const toTicket = (r: TicketRow): Ticket => ({
  id: r.id, code: r.code, trackingToken: r.tracking_token, status: r.status, channel: r.channel, citizenId: r.citizen_id,
  categoryCode: r.category_code, priority: r.priority, description: r.description, locationLat: r.location_lat,
  locationLng: r.location_lng, address: r.address, provinceCode: r.province_code, communeCode: r.commune_code,
  agencyId: r.agency_id, assigneeId: r.assignee_id, mergedIntoId: r.merged_into_id, statusReason: r.status_reason,
  resolution: r.resolution, publishable: r.publishable, createdAt: r.created_at, updatedAt: r.updated_at,
  statusChangedAt: r.status_changed_at, firstResponseAt: r.first_response_at, resolvedAt: r.resolved_at, closedAt: r.closed_at,
  classification: r.classification ?? null, routing: r.routing ?? null, reviewReasons: r.review_reasons ?? [],
  duplicateOfId: r.duplicate_of_id ?? null, duplicateScore: r.duplicate_score ?? null, understoodAt: r.understood_at ?? null,
  slaState: r.sla_state ?? null, slaResponseDueAt: r.sla_response_due_at ?? null, slaResolutionDueAt: r.sla_resolution_due_at ?? null,
  slaNextTimerAt: r.sla_next_timer_at ?? null, slaBreachedAt: r.sla_breached_at ?? null, slaOutcome: r.sla_outcome ?? null,
});

export type MessageRow = {
  id: number; ticket_id: number; direction: Message['direction']; channel: string; external_id: string | null;
  author_staff_id: number | null; visibility: Message['visibility']; body: string; attachments: Message['attachments'];
  delivery_status: Message['deliveryStatus']; delivery_error: string | null; created_at: Date;
};

export const toMessage = (r: MessageRow): Message => ({
  id: r.id, ticketId: r.ticket_id, direction: r.direction, channel: r.channel, externalId: r.external_id,
  authorStaffId: r.author_staff_id, visibility: r.visibility, body: r.body, attachments: r.attachments ?? [],
  deliveryStatus: r.delivery_status, deliveryError: r.delivery_error, createdAt: r.created_at,
});

export type EventRow = {
  id: number; ticket_id: number; at: Date; actor_kind: TicketEvent['actorKind']; actor_id: number | null; type: string;
  from_status: TicketEvent['fromStatus']; to_status: TicketEvent['toStatus']; data: Record<string, unknown>;
};

export const toEvent = (r: EventRow): TicketEvent => ({
  id: r.id, ticketId: r.ticket_id, at: r.at, actorKind: r.actor_kind, actorId: r.actor_id, type: r.type,
  fromStatus: r.from_status, toStatus: r.to_status, data: r.data ?? {},
});

export type StaffRow = {
  id: number; email: string; display_name: string; role: StaffUser['role']; agency_id: number | null; active: boolean;
};
export const toStaff = (r: StaffRow): StaffUser => ({
  id: r.id, email: r.email, displayName: r.display_name, role: r.role, agencyId: r.agency_id, active: r.active,
});

export type CitizenRow = { id: number; display_name: string | null; phone: string | null; email: string | null; contact_consent: boolean };
export const toCitizen = (r: CitizenRow): Citizen => ({
  id: r.id, displayName: r.display_name, phone: r.phone, email: r.email, contactConsent: r.contact_consent,
});

export type AgencyRow = { id: number; code: string; name_vi: string; name_en: string; kind: string; always_on: boolean; active: boolean };
export const toAgency = (r: AgencyRow): Agency => ({
  id: r.id, code: r.code, nameVi: r.name_vi, nameEn: r.name_en, kind: r.kind, alwaysOn: r.always_on, active: r.active,
});
