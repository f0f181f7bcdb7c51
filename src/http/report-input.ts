import type { Catalog } from '../db/catalog';
import type { InboundReport } from '../intake/intake-service';
import { HubError } from '../shared/errors';
import { normaliseEmail, normalisePhone } from '../shared/text';

/** Checks shared by every route that takes a report's fields (citizen reports, logged calls, triage). */
export function assertKnownCategory(catalog: Catalog, code: string | undefined): void {
  if (code !== undefined && !catalog.isCategory(code)) {
    throw new HubError('invalid', 'unknown_category', `Lĩnh vực "${code}" không tồn tại.`, `Unknown category "${code}".`, { path: 'category' });
  }
}

type ContactInput = { name?: string; phone?: string; email?: string; shareWithAgency?: boolean } | undefined;

/** The citizen's contact as intake stores it: phone in +84 form, email lower-case; a bad phone is a 400. */
export function citizenContact(contact: ContactInput): NonNullable<InboundReport['contact']> {
  let phone: string | null = null;
  if (contact?.phone) {
    phone = normalisePhone(contact.phone);
    if (!phone) throw new HubError('invalid', 'invalid_phone', 'Số điện thoại không hợp lệ.', 'The phone number is not valid.', { path: 'contact.phone' });
  }
  return {
    name: contact?.name ?? null,
    phone,
    email: contact?.email ? normaliseEmail(contact.email) : null,
    shareWithAgency: contact?.shareWithAgency ?? false,
  };
}
