import { anonymise } from '../transparency/anonymise';
import type { Category } from '../db/catalog';
import { OPEN_STATUSES } from '../workflow/ticket-workflow';
import type { TicketStatus } from '../workflow/types';

/**
 * Pure mapping between the hub's tickets and Open311 GeoReport v2 resources. No SQL, no HTTP:
 * the store reads rows, the routes speak the protocol, this file decides what leaves the hub.
 * Privacy rules (see README.md): no citizen names, phones or e-mails; the citizen's text only when
 * the ticket is publishable, with phone numbers, e-mails, long digit runs (ID cards, accounts)
 * and the citizen's own name masked; the place only as commune + province and rounded coordinates.
 */

export type Open311Service = {
  service_code: string;
  service_name: string;
  description: string;
  metadata: boolean;
  type: 'realtime' | 'batch' | 'blackbox';
  keywords: string;
  group: string;
};

export type Open311Request = {
  service_request_id: string;
  status: 'open' | 'closed';
  status_notes: string | null;
  service_name: string | null;
  service_code: string | null;
  description: string | null;
  agency_responsible: string | null;
  service_notice: string | null;
  requested_datetime: string;
  updated_datetime: string;
  expected_datetime: string | null;
  address: string | null;
  address_id: string | null;
  zipcode: string | null;
  lat: number | null;
  long: number | null;
  media_url: string | null;
};

export type Open311Update = {
  update_id: string;
  service_request_id: string;
  status: string;
  updated_datetime: string;
  description: string;
  media_url: string | null;
  external_status_code: string;
};

/** One ticket as the store reads it for Open311: public fields plus what masking needs. */
export type Open311TicketRow = {
  code: string;
  status: TicketStatus;
  channel: string;
  categoryCode: string | null;
  categoryName: string | null;
  description: string;
  publishable: boolean;
  lat: number | null;
  lng: number | null;
  communeCode: string | null;
  communeName: string | null;
  provinceName: string | null;
  agencyName: string | null;
  resolution: string | null;
  statusReason: string | null;
  mergedIntoCode: string | null;
  createdAt: Date;
  updatedAt: Date;
  statusChangedAt: Date;
  resolvedAt: Date | null;
  closedAt: Date | null;
  /** The SLA resolution deadline in force (null before the clocks start). */
  expectedAt: Date | null;
  /** Used only to mask the citizen's own details inside free text; never returned. */
  citizen: { name: string | null; phone: string | null; email: string | null };
};

export const SPEC_DESCRIPTION_LIMIT = 4000;

/** Groups for the service list: the catalogue has none, so the codes (stable) are grouped here. */
const GROUPS: Record<string, string> = {
  'giao-thong': 'Hạ tầng', 'cap-thoat-nuoc': 'Hạ tầng', 'dien-chieu-sang': 'Hạ tầng',
  'trat-tu-do-thi': 'Đô thị - Đất đai', 'xay-dung': 'Đô thị - Đất đai', 'dat-dai': 'Đô thị - Đất đai',
  'moi-truong': 'Môi trường', 'cay-xanh': 'Môi trường',
  'an-ninh-trat-tu': 'An ninh trật tự',
  'hanh-chinh-cong': 'Hành chính công',
  'y-te': 'Xã hội', 'giao-duc': 'Xã hội', 'an-sinh-xa-hoi': 'Xã hội', 'du-lich': 'Xã hội',
};

export function toService(c: Category): Open311Service {
  return {
    service_code: c.code,
    service_name: c.nameVi,
    description: c.covers ? `${c.nameVi} (${c.nameEn}): ${c.covers}` : `${c.nameVi} (${c.nameEn})`,
    // No category needs extra fields: a client never has to fetch a service definition.
    metadata: false,
    // Every POST answers with the ticket code at once.
    type: 'realtime',
    keywords: [c.nameVi, c.nameEn, ...c.covers.split(',')].map((k) => k.trim()).filter(Boolean).join(', '),
    group: GROUPS[c.code] ?? 'Khác',
  };
}

const OPEN = new Set<TicketStatus>(OPEN_STATUSES);

/** Open311 knows two states: a ticket with a result (resolved), or finished otherwise, is closed. */
export function openOrClosed(status: TicketStatus): 'open' | 'closed' {
  return OPEN.has(status) ? 'open' : 'closed';
}

export function statusesFor(s: 'open' | 'closed'): TicketStatus[] {
  const all: TicketStatus[] = ['received', 'triaged', 'assigned', 'in_progress', 'waiting_for_citizen', 'resolved', 'closed',
    'reopened', 'transferred', 'returned', 'rejected', 'merged'];
  return all.filter((x) => openOrClosed(x) === s);
}

export const STATUS_LABEL_VI: Record<TicketStatus, string> = {
  received: 'Đã tiếp nhận, đang chờ phân loại',
  triaged: 'Đã phân loại, đang chờ chuyển đơn vị xử lý',
  assigned: 'Đã chuyển đến đơn vị xử lý',
  in_progress: 'Đang xử lý',
  waiting_for_citizen: 'Đang chờ người phản ánh bổ sung thông tin',
  resolved: 'Đã có kết quả xử lý',
  closed: 'Đã hoàn thành',
  reopened: 'Đã mở lại để xử lý tiếp',
  transferred: 'Đang chuyển sang đơn vị khác',
  returned: 'Đang phân công lại',
  rejected: 'Không thuộc phạm vi tiếp nhận xử lý',
  merged: 'Đã gộp với một phản ánh cùng nội dung',
};

/**
 * mySociety's servicerequestupdates extension uses upper-case extended statuses; the hub's own
 * status travels alongside as external_status_code.
 */
export const EXTENDED_STATUS: Record<TicketStatus, string> = {
  received: 'OPEN', triaged: 'INVESTIGATING', assigned: 'ACTION_SCHEDULED', in_progress: 'IN_PROGRESS',
  waiting_for_citizen: 'IN_PROGRESS', resolved: 'FIXED', closed: 'CLOSED', reopened: 'REOPEN',
  transferred: 'INTERNAL_REFERRAL', returned: 'FOR_TRIAGE', rejected: 'NO_FURTHER_ACTION', merged: 'DUPLICATE',
};

/**
 * Removes what identifies a person from free text, with the same rules as the public transparency
 * page (src/transparency/anonymise.ts): contact details in any form, ID numbers, plates, house
 * numbers, and the citizen's known name.
 */
export function maskPersonalData(text: string, known: { name?: string | null; phone?: string | null; email?: string | null } = {}): string {
  return anonymise(text, { names: [known.name], phones: [known.phone], emails: [known.email] });
}

/** The marker line an Open311 POST appends to the citizen's text when it sends a media_url. */
export const MEDIA_MARKER = 'Ảnh/tệp đính kèm (media_url):';

export function withMediaUrl(description: string, mediaUrl: string | null | undefined): string {
  return mediaUrl ? `${description}\n\n${MEDIA_MARKER} ${mediaUrl}` : description;
}

/** Splits what withMediaUrl joined (only Open311 tickets carry the marker). */
export function splitMediaUrl(channel: string, stored: string): { text: string; mediaUrl: string | null } {
  if (channel !== 'open311') return { text: stored, mediaUrl: null };
  const at = stored.lastIndexOf(`\n\n${MEDIA_MARKER} `);
  if (at < 0) return { text: stored, mediaUrl: null };
  const url = stored.slice(at + MEDIA_MARKER.length + 3).trim();
  return /^https?:\/\/\S+$/.test(url) ? { text: stored.slice(0, at), mediaUrl: url } : { text: stored, mediaUrl: null };
}

/** W3C date-time with its zone, to the second: 2025-07-01T03:04:05Z. */
export function w3cDate(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const clip = (s: string, n = SPEC_DESCRIPTION_LIMIT) => (s.length <= n ? s : s.slice(0, n - 1) + '…');
const round = (v: number | null, digits: number) => (v === null ? null : Number(v.toFixed(digits)));

function statusNotes(r: Open311TicketRow): string {
  const label = STATUS_LABEL_VI[r.status];
  if (r.status === 'merged' && r.mergedIntoCode) return `${label}: ${r.mergedIntoCode}`;
  // Staff's own words are public only for a publishable ticket, and masked like the citizen's.
  const words = r.status === 'resolved' || r.status === 'closed' ? r.resolution : r.status === 'rejected' ? r.statusReason : null;
  if (r.publishable && words) return clip(`${label}: ${maskPersonalData(words, r.citizen)}`);
  return label;
}

export function toRequest(r: Open311TicketRow): Open311Request {
  const status = openOrClosed(r.status);
  const { text, mediaUrl } = splitMediaUrl(r.channel, r.description);
  // Coordinates locate the problem, not the door: ~100 m for public tickets, ~1 km otherwise.
  const digits = r.publishable ? 3 : 2;
  const place = [r.communeName, r.provinceName].filter(Boolean).join(', ');
  const closedAt = r.closedAt ?? r.resolvedAt ?? r.statusChangedAt;
  return {
    service_request_id: r.code,
    status,
    status_notes: statusNotes(r),
    service_name: r.categoryName,
    service_code: r.categoryCode,
    description: r.publishable ? clip(maskPersonalData(text, r.citizen)) : null,
    agency_responsible: r.agencyName,
    service_notice: null,
    requested_datetime: w3cDate(r.createdAt),
    updated_datetime: w3cDate(status === 'closed' ? closedAt : r.updatedAt),
    // The resolution deadline in force (working time, extensions included) while the request is open.
    expected_datetime: status === 'open' && r.expectedAt ? w3cDate(r.expectedAt) : null,
    address: place || null,
    address_id: r.communeCode,
    zipcode: null,
    lat: round(r.lat, digits),
    long: round(r.lng, digits),
    media_url: r.publishable ? mediaUrl : null,
  };
}

export type StatusEventRow = { id: number; code: string; toStatus: TicketStatus; at: Date };

export function toUpdate(e: StatusEventRow): Open311Update {
  return {
    update_id: String(e.id),
    service_request_id: e.code,
    status: EXTENDED_STATUS[e.toStatus],
    updated_datetime: w3cDate(e.at),
    // Only the status label: notes and reasons on events are staff text that may name people.
    description: STATUS_LABEL_VI[e.toStatus],
    media_url: null,
    external_status_code: e.toStatus,
  };
}

const DAY_MS = 86_400_000;
export const MAX_WINDOW_DAYS = 90;
export const MAX_REQUESTS = 1000;

const W3C = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * A W3C date-time. The spec wants a zone; one without (or a bare date) is read as Vietnam time
 * (+07:00), the jurisdiction's own, rather than refused. Returns null when it is not a date.
 */
export function parseW3cDate(raw: string): Date | null {
  const m = W3C.exec(raw.trim());
  if (!m) return null;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone] = m;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${frac}${zone ?? '+07:00'}`;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  // Reject rollovers such as 2025-02-30, which Date would quietly move to March.
  const local = new Date(date.getTime() + (zone === undefined ? 7 * 3600_000 : zoneOffsetMs(zone)));
  if (local.getUTCFullYear() !== Number(y) || local.getUTCMonth() + 1 !== Number(mo) || local.getUTCDate() !== Number(d)) return null;
  return date;
}

function zoneOffsetMs(zone: string): number {
  if (zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const [hh, mm] = zone.slice(1).split(':').map(Number);
  return sign * ((hh ?? 0) * 60 + (mm ?? 0)) * 60_000;
}

export type DateWindow = { from: Date; to: Date };

/**
 * The spec's query window: the most recent 90 days by default; one bound given, the other is 90
 * days away; both given, they may not span more than 90 days. Both bounds are inclusive.
 */
export function dateWindow(start: Date | null, end: Date | null, now: Date): { ok: true; window: DateWindow } | { ok: false; reason: 'order' | 'span' } {
  const span = MAX_WINDOW_DAYS * DAY_MS;
  if (start && end) {
    if (start.getTime() > end.getTime()) return { ok: false, reason: 'order' };
    if (end.getTime() - start.getTime() > span) return { ok: false, reason: 'span' };
    return { ok: true, window: { from: start, to: end } };
  }
  if (start) return { ok: true, window: { from: start, to: new Date(start.getTime() + span) } };
  if (end) return { ok: true, window: { from: new Date(end.getTime() - span), to: end } };
  return { ok: true, window: { from: new Date(now.getTime() - span), to: now } };
}

/**
 * The spec's jurisdiction_id is the jurisdiction's web domain (without www); this endpoint serves
 * one jurisdiction. Absent is fine; otherwise it must be the host of PUBLIC_BASE_URL or a parent
 * domain of it (hub at 1022.hungyen.gov.vn answers to hungyen.gov.vn).
 */
export function jurisdictionMatches(given: string | undefined, publicBaseUrl: string): boolean {
  const j = given?.trim().toLowerCase().replace(/^www\./, '');
  if (!j) return true;
  let host: string;
  try { host = new URL(publicBaseUrl).hostname.toLowerCase().replace(/^www\./, ''); } catch { return false; }
  return host === j || (j.includes('.') && host.endsWith(`.${j}`));
}
