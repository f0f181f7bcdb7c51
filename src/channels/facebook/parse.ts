import { findTicketCode } from '../../workflow/ticket-code';
import type { DeliveryReceipt, InboundAttachment, InboundMessage, StoredWebhookEvent } from '../types';

/**
 * Facebook Messenger and Page-feed payloads: splitting a webhook POST into durable events (done
 * in the webhook, before answering) and turning one stored event into messages (done by the job).
 *
 * Shapes: developers.facebook.com/docs/messenger-platform/webhooks (messages, postbacks) and
 * the Graph webhooks Page reference (feed changes). See ../../../../shared/design/platform-notes.md §2.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Graph ids are strings; tolerate numbers (never parse them as numbers ourselves). */
const idOf = (v: unknown): string | null =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' && Number.isFinite(v) ? String(v) : null;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** What the webhook stores per event (the payload column of webhook_events). */
export type StoredFacebookEvent =
  | { source: 'messaging'; pageId: string | null; event: Obj }
  | { source: 'feed'; pageId: string | null; time: number | null; value: Obj };

export type SplitResult =
  | { ok: true; events: { key: string; payload: StoredFacebookEvent; sender: string | null }[]; ignored: number; object: string }
  | { ok: false; reason: string };

/**
 * Splits one webhook body into events keyed by the platform's own ids: `mid` for messages and
 * postbacks (sender+timestamp for old postbacks without one), `comment_id` for feed comments,
 * `delivery:<psid>:<watermark>` for delivery receipts that list mids (applied by the job).
 * Echoes of our own sends, read receipts, reactions, the page's own comments, comment
 * edits/removals and every other change are left out (counted as ignored).
 */
export function splitWebhook(body: unknown): SplitResult {
  if (!isObj(body)) return { ok: false, reason: 'body is not a JSON object' };
  const object = str(body.object);
  if (object === null) return { ok: false, reason: 'missing "object"' };
  if (!Array.isArray(body.entry)) return { ok: false, reason: 'missing "entry" array' };
  // Another object (instagram, user, permissions…) signed with our app secret: not ours to handle.
  if (object !== 'page') return { ok: true, events: [], ignored: body.entry.length, object };

  const events: { key: string; payload: StoredFacebookEvent; sender: string | null }[] = [];
  let ignored = 0;
  for (const entry of body.entry) {
    if (!isObj(entry)) { ignored++; continue; }
    const pageId = idOf(entry.id);
    if (Array.isArray(entry.messaging)) {
      for (const item of entry.messaging) {
        const key = isObj(item) ? messagingKey(item, pageId) : null;
        if (key && isObj(item)) events.push({ key, payload: { source: 'messaging', pageId, event: item }, sender: isObj(item.sender) ? idOf(item.sender.id) : null });
        else ignored++;
      }
    }
    if (Array.isArray(entry.changes)) {
      for (const change of entry.changes) {
        const key = isObj(change) ? feedKey(change, pageId) : null;
        if (key && isObj(change) && isObj(change.value)) {
          events.push({ key, payload: { source: 'feed', pageId, time: typeof entry.time === 'number' ? entry.time : null, value: change.value },
            sender: isObj(change.value.from) ? idOf(change.value.from.id) : null });
        } else ignored++;
      }
    }
    // `standby` (handover protocol) and anything else in the entry: another app owns the thread.
    if (Array.isArray(entry.standby)) ignored += entry.standby.length;
  }
  return { ok: true, events, ignored, object };
}

function messagingKey(item: Obj, pageId: string | null): string | null {
  const sender = isObj(item.sender) ? idOf(item.sender.id) : null;
  if (!sender || (pageId && sender === pageId)) return null; // no sender, or the page itself
  if (isObj(item.message)) {
    if (item.message.is_echo === true) return null; // our own send, echoed back
    const mid = idOf(item.message.mid);
    return mid ? `mid:${mid}` : null;
  }
  if (isObj(item.postback)) {
    const mid = idOf(item.postback.mid);
    if (mid) return `mid:${mid}`;
    const ts = typeof item.timestamp === 'number' ? item.timestamp : null;
    return ts !== null ? `postback:${sender}:${ts}` : null;
  }
  if (isObj(item.delivery)) {
    // Only a receipt naming our messages is worth keeping (Meta may send one with the watermark alone).
    if (deliveredMids(item.delivery).length === 0) return null;
    const mark = typeof item.delivery.watermark === 'number' ? item.delivery.watermark : typeof item.timestamp === 'number' ? item.timestamp : null;
    return mark !== null ? `delivery:${sender}:${mark}` : null;
  }
  return null; // read, reaction, optin, referral, account_linking…
}

function deliveredMids(delivery: Obj): string[] {
  if (!Array.isArray(delivery.mids)) return [];
  return [...new Set(delivery.mids.map(idOf).filter((m): m is string => m !== null))];
}

/**
 * Delivery receipts in a stored event: every mid a Messenger `delivery` event lists was delivered
 * to the citizen. Messenger reports no per-message failures by webhook (a failed send is known
 * from the Send API answer), and `read` events carry only a watermark, so they are not stored.
 */
export function facebookReceipts(event: StoredWebhookEvent): DeliveryReceipt[] {
  const p = event.payload;
  if (!isObj(p) || p.source !== 'messaging' || !isObj(p.event)) return [];
  const item = p.event;
  if (!isObj(item.delivery)) return [];
  const at = sentAt(item.delivery.watermark, sentAt(item.timestamp, event.receivedAt));
  return deliveredMids(item.delivery).map((externalId) => ({ externalId, status: 'delivered' as const, at }));
}

function feedKey(change: Obj, pageId: string | null): string | null {
  if (change.field !== 'feed' || !isObj(change.value)) return null;
  const v = change.value;
  if (v.item !== 'comment' || v.verb !== 'add') return null; // edits, removals, hides, likes, posts
  const commentId = idOf(v.comment_id);
  const from = isObj(v.from) ? idOf(v.from.id) : null;
  if (!commentId || !from) return null;
  if (pageId && from === pageId) return null; // the page answering in its own comments
  return `comment:${commentId}`;
}

const EXT_TYPES: Record<string, string> = {
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp', heic: 'image/heic',
  mp4: 'video/mp4', mov: 'video/quicktime', webm: 'video/webm', '3gp': 'video/3gpp',
  mp3: 'audio/mpeg', m4a: 'audio/mp4', aac: 'audio/aac', ogg: 'audio/ogg', oga: 'audio/ogg', wav: 'audio/wav', amr: 'audio/amr',
  pdf: 'application/pdf', doc: 'application/msword', docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', txt: 'text/plain',
};
const MEDIA_KINDS = new Set(['image', 'audio', 'video', 'file']);

/** Facebook CDN urls end in the file name (…/123_456_n.jpg?…); fall back to kind-N. */
function fileNameFromUrl(url: string, kind: string, index: number): { fileName: string; declaredType: string | null } {
  let name = '';
  try {
    name = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
  } catch {
    name = '';
  }
  name = name.replace(/[^\p{L}\p{N}._-]+/gu, '_').slice(-120);
  const ext = /\.([a-z0-9]{1,5})$/i.exec(name)?.[1]?.toLowerCase();
  const declaredType = ext ? EXT_TYPES[ext] ?? null : null;
  return { fileName: name && ext ? name : `facebook-${kind}-${index + 1}`, declaredType };
}

function coordinate(v: unknown, limit: number): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) && Math.abs(n) <= limit ? n : null;
}

function sentAt(ms: unknown, fallback: Date): Date {
  // Past ±8.64e15 ms a Date is invalid, and an invalid sentAt failed the message's insert in the job.
  const d = typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? new Date(ms) : null;
  return d && !Number.isNaN(d.getTime()) ? d : fallback;
}

/** A stored event → the hub's messages. Anything not worth a ticket → []. Pure, never throws on odd input. */
export function parseFacebookEvent(event: StoredWebhookEvent): InboundMessage[] {
  const p = event.payload;
  if (!isObj(p)) return [];
  if (p.source === 'messaging' && isObj(p.event)) return parseMessaging(p.event, idOf(p.pageId), event.receivedAt);
  if (p.source === 'feed' && isObj(p.value)) {
    const m = parseComment(p.value, idOf(p.pageId), typeof p.time === 'number' ? p.time : null, event.receivedAt);
    return m ? [m] : [];
  }
  return [];
}

function parseMessaging(item: Obj, pageId: string | null, receivedAt: Date): InboundMessage[] {
  const psid = isObj(item.sender) ? idOf(item.sender.id) : null;
  if (!psid || (pageId && psid === pageId)) return [];
  const at = sentAt(item.timestamp, receivedAt);
  const identity = { kind: 'facebook' as const, value: psid };

  if (isObj(item.postback)) {
    const pb = item.postback;
    const title = str(pb.title)?.trim() ?? '';
    const payload = str(pb.payload)?.trim() ?? '';
    const externalId = idOf(pb.mid) ?? `postback:${psid}:${typeof item.timestamp === 'number' ? item.timestamp : at.getTime()}`;
    const code = findTicketCode(payload) ?? findTicketCode(title);
    return [{
      channel: 'facebook', externalId, identity, text: title || payload, attachments: [], location: null, sentAt: at,
      kind: 'postback', payload: payload || null, ...(code ? { replyTo: { ticketCode: code } } : {}),
    }];
  }

  if (!isObj(item.message)) return [];
  const msg = item.message;
  if (msg.is_echo === true) return [];
  const mid = idOf(msg.mid);
  if (!mid) return [];

  let text = str(msg.text) ?? '';
  const attachments: InboundAttachment[] = [];
  let location: InboundMessage['location'] = null;
  const links: string[] = [];
  const raw = Array.isArray(msg.attachments) ? msg.attachments : [];
  raw.forEach((a, i) => {
    if (!isObj(a)) return;
    const type = str(a.type) ?? '';
    const payload = isObj(a.payload) ? a.payload : {};
    if (type === 'location') {
      // Legacy: Messenger no longer sends these, but old clients and replays may.
      const c = isObj(payload.coordinates) ? payload.coordinates : {};
      const lat = coordinate(c.lat, 90);
      const lng = coordinate(c.long ?? c.lng, 180);
      if (lat !== null && lng !== null) {
        const title = str(a.title)?.trim();
        location = { lat, lng, address: title && !/location$/i.test(title) ? title : null };
      }
      return;
    }
    const url = str(payload.url);
    if (MEDIA_KINDS.has(type) && url && /^https?:\/\//i.test(url)) {
      // A sticker (the "like" thumb) arrives as an image with sticker_id: it is not evidence.
      if (type === 'image' && payload.sticker_id !== undefined) return;
      const { fileName, declaredType } = fileNameFromUrl(url, type, i);
      attachments.push({ fileName, declaredType, url, kind: type as InboundAttachment['kind'] });
      return;
    }
    // fallback (shared links), post, reel…: keep what the citizen shared as text.
    const title = str(a.title)?.trim();
    if (url && /^https?:\/\//i.test(url)) links.push(title ? `${title}: ${url}` : url);
  });
  if (links.length) text = [text, ...links].filter((s) => s.trim() !== '').join('\n');
  if (text.trim() === '' && attachments.length === 0 && !location) return []; // a sticker alone, an empty message

  const quick = isObj(msg.quick_reply) ? str(msg.quick_reply.payload) : null;
  const code = (quick ? findTicketCode(quick) : null);
  const replyMid = isObj(msg.reply_to) ? idOf(msg.reply_to.mid) : null;
  const replyTo = code || replyMid ? { ...(code ? { ticketCode: code } : {}), ...(replyMid ? { externalIds: [replyMid] } : {}) } : undefined;
  return [{
    channel: 'facebook', externalId: mid, identity, text, attachments, location, sentAt: at,
    kind: quick !== null ? 'postback' : 'message', payload: quick, ...(replyTo ? { replyTo } : {}),
  }];
}

/** A visitor's comment on one of the page's posts. from.id is NOT a PSID (see sender.ts). */
export function parseComment(v: Obj, pageId: string | null, entryTime: number | null, receivedAt: Date): InboundMessage | null {
  if (v.item !== 'comment' || v.verb !== 'add') return null;
  const commentId = idOf(v.comment_id);
  const from = isObj(v.from) ? v.from : null;
  const fromId = from ? idOf(from.id) : null;
  if (!commentId || !fromId || (pageId && fromId === pageId)) return null;
  // created_time is epoch seconds in feed webhooks; entry.time is milliseconds.
  const created = typeof v.created_time === 'number' ? v.created_time * (v.created_time < 1e12 ? 1000 : 1) : entryTime;
  const text = str(v.message) ?? '';
  const attachments: InboundAttachment[] = [];
  const photo = str(v.photo);
  if (photo && /^https?:\/\//i.test(photo)) {
    const { fileName, declaredType } = fileNameFromUrl(photo, 'image', 0);
    attachments.push({ fileName, declaredType, url: photo, kind: 'image' });
  }
  if (text.trim() === '' && attachments.length === 0) return null;
  const name = from ? str(from.name)?.trim() || null : null;
  return {
    channel: 'facebook', externalId: commentId, identity: { kind: 'facebook', value: fromId },
    ...(name ? { profile: { name } } : {}),
    text, attachments, location: null, sentAt: sentAt(created, receivedAt), kind: 'comment',
  };
}
