import { randomBytes } from 'node:crypto';

// Crockford base32 without I, L, O, U: readable over the phone, no confusable characters.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function randomBase32(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i]! & 31];
  return out;
}

const VN_OFFSET_MS = 7 * 3600_000;

/** PA-2611-4K7QZ: prefix, year and month in Vietnam, 5 random characters. */
export function newTicketCode(prefix: string, at: Date): string {
  const vn = new Date(at.getTime() + VN_OFFSET_MS);
  const yymm = String(vn.getUTCFullYear() % 100).padStart(2, '0') + String(vn.getUTCMonth() + 1).padStart(2, '0');
  return `${prefix}-${yymm}-${randomBase32(5)}`;
}

/** 128 bits, URL-safe: the code alone never opens a ticket. */
export function newTrackingToken(): string {
  return randomBytes(16).toString('base64url');
}

export const TICKET_CODE_PATTERN = /\b([A-Z]{2,4})-(\d{4})-([0-9A-HJKMNP-TV-Z]{5})\b/;

/** Finds a ticket code in free text (an email subject, a chat message), case-insensitively. */
export function findTicketCode(text: string): string | null {
  const m = TICKET_CODE_PATTERN.exec(text.toUpperCase());
  return m ? m[0] : null;
}
