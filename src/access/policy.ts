import type { Citizen, StaffUser, Ticket } from '../workflow/types';
import { maskEmail, maskName, maskPhone } from '../shared/text';

/**
 * Who sees what. One place, used by lists, search, counts, single reads and live events alike:
 * agency roles see only their agency's tickets; everyone else sees all of them.
 */
export type TicketScope = { kind: 'all' } | { kind: 'agency'; agencyId: number };

export function ticketScope(user: StaffUser): TicketScope {
  if (user.role === 'agency_staff' || user.role === 'agency_lead') {
    // The schema guarantees agency roles have an agency; a missing one sees nothing.
    return { kind: 'agency', agencyId: user.agencyId ?? -1 };
  }
  return { kind: 'all' };
}

export function canSeeTicket(user: StaffUser, ticket: Pick<Ticket, 'agencyId'>): boolean {
  const scope = ticketScope(user);
  return scope.kind === 'all' || ticket.agencyId === scope.agencyId;
}

/** Operators, supervisors and admins see contact details; agencies only with the citizen's consent. */
export function canSeeContact(user: StaffUser, citizen: Pick<Citizen, 'contactConsent'>): boolean {
  if (user.role === 'agency_staff' || user.role === 'agency_lead') return citizen.contactConsent;
  return true;
}

export type CitizenView = {
  id: number;
  displayName: string | null;
  phone: string | null;
  email: string | null;
  masked: boolean;
};

export function presentCitizen(user: StaffUser, citizen: Citizen): CitizenView {
  if (canSeeContact(user, citizen)) {
    return { id: citizen.id, displayName: citizen.displayName, phone: citizen.phone, email: citizen.email, masked: false };
  }
  return {
    id: citizen.id,
    displayName: citizen.displayName ? maskName(citizen.displayName) : null,
    phone: citizen.phone ? maskPhone(citizen.phone) : null,
    email: citizen.email ? maskEmail(citizen.email) : null,
    masked: true,
  };
}

export function isStaffAdmin(user: StaffUser): boolean {
  return user.role === 'admin';
}
