import { createHash } from 'node:crypto';
import type { DeliveryReceipt, InboundAttachment, InboundMessage, StoredWebhookEvent } from '../types';

/**
 * Zalo OA webhook events (OA API v3). Every id is an 18–19 digit STRING: never turn one into a
 * number (2^53 is 16 digits). `timestamp` is a string of epoch milliseconds.
 */
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An id as the string Zalo sent. A JSON number is accepted only while it is still exact. */
export function zaloId(v: unknown): string | null {
  if (typeof v === 'string') {
    const s = v.trim();
    return /^\d{1,25}$/.test(s) ? s : null;
  }
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return String(v);
  return null;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : null);

/** Events that are Zalo telling us about our own messages (echoes, reactions): not stored at all. */
export function isNoise(eventName: string): boolean {
  return /^oa_/.test(eventName) || eventName === 'user_reacted_message';
}

/** Receipt events → the prefix of their event key. Both mean "the citizen's device has it". */
const RECEIPT_EVENTS: Record<string, string> = { user_received_message: 'received', user_seen_message: 'seen' };

/**
 * The ids of OUR messages a receipt event is about. The payload shape is not documented anywhere
 * we could read, so both forms are accepted: `message.msg_ids` (array) and `message.msg_id` (string).
 */
export function receiptMsgIds(body: Obj): string[] {
  const message = isObj(body.message) ? body.message : null;
  if (!message) return [];
  const raw = [...(Array.isArray(message.msg_ids) ? message.msg_ids : []), message.msg_id];
  const ids = raw.map((v) => str(v)?.trim() ?? '').filter((v) => v.length > 0 && v.length <= 200);
  return [...new Set(ids)];
}

/**
 * The event key that makes a Zalo retry one stored event: message.msg_id for messages; otherwise
 * event name + the user's id + timestamp (follow/unfollow and the like carry no message id).
 */
export function eventKey(body: Obj, timestamp: string): string {
  const eventName = typeof body.event_name === 'string' ? body.event_name : 'unknown';
  const receipt = RECEIPT_EVENTS[eventName];
  if (receipt) {
    // Its msg_id is the id of OUR message: prefixed, so it never collides with a citizen's message.
    const ids = receiptMsgIds(body).sort().join(',');
    if (ids) return `${receipt}:${ids.length <= 250 ? ids : createHash('sha256').update(ids).digest('hex')}`;
  }
  const message = isObj(body.message) ? body.message : null;
  const msgId = message ? str(message.msg_id) : null;
  if (msgId && msgId.trim()) return msgId.trim();
  const follower = isObj(body.follower) ? zaloId(body.follower.id) : null;
  const sender = isObj(body.sender) ? zaloId(body.sender.id) : null;
  return `${eventName}:${follower ?? sender ?? str(body.user_id_by_app) ?? '-'}:${timestamp}`;
}

function sentAt(body: Obj, fallback: Date): Date {
  const ts = str(body.timestamp);
  if (ts && /^\d{10,14}$/.test(ts)) {
    const d = new Date(Number(ts));
    if (!Number.isNaN(d.getTime())) return d;
  }
  return fallback;
}

/** A file name for a URL-only attachment: the URL's last path segment when it has an extension. */
function nameFromUrl(url: string, fallback: string): string {
  try {
    const last = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
    if (/^[^/\\]{1,120}\.[A-Za-z0-9]{1,8}$/.test(last)) return last;
  } catch {
    /* not a URL we can read a name from */
  }
  return fallback;
}

const httpUrl = (v: unknown): string | null => (typeof v === 'string' && /^https?:\/\//i.test(v.trim()) ? v.trim() : null);

/** Coordinates arrive as strings ("10.7923119"); numbers are accepted too. Out of range → none. */
export function coordinates(payload: Obj): { lat: number; lng: number } | null {
  const c = isObj(payload.coordinates) ? payload.coordinates : payload;
  const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v.trim()) : NaN);
  const lat = num(c.latitude ?? c.lat);
  const lng = num(c.longitude ?? c.lng ?? c.long);
  if (!Number.isFinite(lat) || !Number.isFinite(lng) || Math.abs(lat) > 90 || Math.abs(lng) > 180) return null;
  if (lat === 0 && lng === 0) return null;
  return { lat, lng };
}

/** Delivery receipts in a stored event: user_received_message and user_seen_message (seen implies delivered). */
export function zaloReceipts(event: StoredWebhookEvent): DeliveryReceipt[] {
  const body = event.payload;
  if (!isObj(body) || typeof body.event_name !== 'string' || !RECEIPT_EVENTS[body.event_name]) return [];
  const at = sentAt(body, event.receivedAt);
  return receiptMsgIds(body).map((externalId) => ({ externalId, status: 'delivered' as const, at }));
}

const MEDIA_KIND: Record<string, { kind: InboundAttachment['kind']; base: string }> = {
  image: { kind: 'image', base: 'zalo-image' },
  gif: { kind: 'image', base: 'zalo-gif' },
  audio: { kind: 'audio', base: 'zalo-audio' },
  voice: { kind: 'audio', base: 'zalo-audio' },
  video: { kind: 'video', base: 'zalo-video' },
  file: { kind: 'file', base: 'zalo-file' },
};

/** One stored Zalo event → the citizen's message, or [] for events that are not one. */
export function parseZaloEvent(event: StoredWebhookEvent): InboundMessage[] {
  const body = event.payload;
  if (!isObj(body) || typeof body.event_name !== 'string') return [];
  const name = body.event_name;
  // follow/unfollow are kept in webhook_events (outcome 'ignored') for the record: no ticket.
  if (!name.startsWith('user_send_')) return [];
  if (name === 'user_send_sticker') return []; // a sticker alone is not a report
  const message = isObj(body.message) ? body.message : null;
  const userId = isObj(body.sender) ? zaloId(body.sender.id) : null;
  if (!message || !userId) return [];
  const msgId = str(message.msg_id)?.trim() || event.eventKey;
  const text = typeof message.text === 'string' ? message.text.trim() : '';
  const items = Array.isArray(message.attachments) ? message.attachments.filter(isObj) : [];

  const attachments: InboundAttachment[] = [];
  let location: InboundMessage['location'] = null;
  const extra: string[] = [];
  items.forEach((a, i) => {
    const type = typeof a.type === 'string' ? a.type : name.replace('user_send_', '');
    const payload = isObj(a.payload) ? a.payload : {};
    if (type === 'location') {
      const c = coordinates(payload);
      if (c && !location) location = { ...c, address: text || null };
      if (c) extra.push(`[Vị trí / Location] ${c.lat}, ${c.lng}`);
      return;
    }
    if (type === 'link') {
      const url = httpUrl(payload.url);
      if (url && !text.includes(url)) extra.push(url);
      const desc = typeof payload.description === 'string' ? payload.description.trim() : '';
      if (desc && !text.includes(desc)) extra.push(desc);
      return;
    }
    if (type === 'sticker') return;
    const media = MEDIA_KIND[type];
    const url = httpUrl(payload.url);
    if (!media || !url) return;
    const suffix = items.length > 1 ? `-${i + 1}` : '';
    const declaredName = typeof payload.name === 'string' && payload.name.trim() ? payload.name.trim().slice(0, 200) : null;
    attachments.push({
      fileName: declaredName ?? nameFromUrl(url, `${media.base}-${msgId}${suffix}`),
      declaredType: typeof payload.type === 'string' && payload.type.trim() ? payload.type.trim() : null,
      url,
      kind: media.kind,
    });
  });
  if (name === 'user_send_business_card') {
    const card = items.map((a) => (isObj(a.payload) && typeof a.payload.description === 'string' ? a.payload.description : '')).filter(Boolean);
    if (card.length) extra.push(`[Danh thiếp / Contact card] ${card.join(' ')}`);
  }

  if (!text && attachments.length) {
    const label = { image: 'Hình ảnh / Image', audio: 'Ghi âm / Audio', video: 'Video', file: 'Tệp / File' };
    extra.unshift(attachments.map((a) => `[${label[a.kind ?? 'file']}] ${a.kind === 'file' ? a.fileName : ''}`.trim()).join(' '));
  }
  const body2 = [text, ...extra].filter(Boolean).join('\n');
  if (!body2 && attachments.length === 0 && !location) return [];
  return [{
    channel: 'zalo',
    externalId: msgId,
    identity: { kind: 'zalo', value: userId },
    text: body2,
    attachments,
    location,
    sentAt: sentAt(body, event.receivedAt),
    kind: 'message',
  }];
}
