/**
 * Vietnamese text helpers shared by search, address matching and classification.
 * Folding removes tone marks and maps đ → d (plain NFD stripping misses đ).
 */
export function foldVietnamese(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .toLowerCase()
    .normalize('NFC');
}

/** NFC, trimmed, inner runs of spaces collapsed; control characters removed. */
export function cleanText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.normalize('NFC').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').replace(/[ \t]+/g, ' ').trim();
}

/**
 * Vietnamese phone numbers to one form (+84…), so the same citizen is recognised whether they
 * type 0912 345 678, +84 912345678 or 84912345678. Returns null for what is not a phone number.
 */
export function normalisePhone(raw: string): string | null {
  const digits = raw.replace(/[\s.\-()]/g, '');
  if (!/^\+?\d{8,15}$/.test(digits)) return null;
  if (digits.startsWith('+')) return digits;
  if (digits.startsWith('84') && digits.length >= 11) return '+' + digits;
  if (digits.startsWith('0')) return '+84' + digits.slice(1);
  return '+' + digits;
}

export function normaliseEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

/** Masks a phone for roles that may not see it: +84912345678 → +8491*****78. */
export function maskPhone(phone: string): string {
  if (phone.length <= 6) return '*'.repeat(phone.length);
  return phone.slice(0, 5) + '*'.repeat(phone.length - 7) + phone.slice(-2);
}

export function maskEmail(email: string): string {
  const [user, domain] = email.split('@');
  if (!domain) return '***';
  return (user ?? '').slice(0, 1) + '***@' + domain;
}

export function maskName(name: string): string {
  // Vietnamese names put the given name last: keep initials only.
  return name
    .split(/\s+/)
    .filter(Boolean)
    .map((p) => p.slice(0, 1) + '.')
    .join(' ');
}
