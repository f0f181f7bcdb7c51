import type { Queryable } from '../../db/database';
import type { Logger } from '../../shared/logger';
import { PermanentDeliveryError, type ChannelSender, type OutboundMessage, type SendResult } from '../../outbound/senders';
import type { Channel } from '../../workflow/types';

/** Send API text limit (platform-notes §2: "UTF-8 and shorter than 2000 characters"). */
export const MAX_TEXT = 2000;
/** A private reply to a comment may be sent once, within 7 days of the comment. */
const PRIVATE_REPLY_WINDOW_MS = 7 * 24 * 3600_000;
const REQUEST_TIMEOUT_MS = 15_000;

export const OUTSIDE_WINDOW_REASON = 'ngoài khung 24 giờ / outside the 24-hour window';
export const TOKEN_INVALID_REASON = 'page token invalid';

type GraphError = { message?: string; type?: string; code?: number; error_subcode?: number; fbtrace_id?: string };

export type ErrorClass =
  | { kind: 'window' }
  | { kind: 'token' }
  | { kind: 'permission' }
  | { kind: 'recipient' }
  | { kind: 'transient' }
  | { kind: 'permanent' };

/**
 * Graph error → what to do. Codes: Messenger "Common Error Codes" and Send API error reference
 * (developers.facebook.com/docs/messenger-platform/error-codes), platform-notes §2.
 */
export function classifyGraphError(httpStatus: number, e: GraphError | null): ErrorClass {
  const code = e?.code;
  const sub = e?.error_subcode;
  if (code === 190 || code === 102) return { kind: 'token' };
  if (code === 10 && (sub === 2018278 || sub === 2018065)) return { kind: 'window' };
  if (e?.message && /outside of allowed window/i.test(e.message)) return { kind: 'window' };
  if (code === 4 || code === 17 || code === 32 || code === 613 || code === 80006) return { kind: 'transient' }; // rate limits
  if (code === 1 || code === 2 || code === 1200) return { kind: 'transient' }; // "temporary send message failure"
  if (code === 551 || code === 100 || code === 10) return { kind: 'recipient' }; // unavailable, no matching user, blocked
  if (code === 230 || (typeof code === 'number' && code >= 200 && code <= 299)) return { kind: 'permission' };
  if (httpStatus === 429 || httpStatus >= 500 || httpStatus === 0) return { kind: 'transient' };
  return { kind: 'permanent' };
}

/** Splits text into ≤ limit UTF-16 units, at a paragraph, line or word break when there is one. */
export function splitText(text: string, limit = MAX_TEXT): string[] {
  const out: string[] = [];
  let rest = text.trim();
  while (rest.length > limit) {
    let cut = -1;
    for (const sep of ['\n\n', '\n', ' ']) {
      const i = rest.lastIndexOf(sep, limit);
      if (i > limit / 2) { cut = i; break; }
    }
    if (cut < 0) {
      cut = limit;
      const c = rest.charCodeAt(cut - 1);
      if (c >= 0xd800 && c <= 0xdbff) cut -= 1; // never split a surrogate pair
    }
    out.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest) out.push(rest);
  return out.length ? out : [''];
}

export type FacebookSenderOptions = {
  channel: Channel;
  graphUrl: string;
  pageToken: string;
  /** Where the ticket's Facebook history is read from (who is a PSID, which comment to answer). */
  db: Queryable;
  log: Logger;
  reportHealth(ok: boolean, reason?: string): Promise<void>;
  now?: () => number;
};

/** Replies through the Send API: POST {graph}/me/messages?access_token=<page token>. */
export class FacebookSender implements ChannelSender {
  // Claims after looking up the citizen's PSID or comment, right before the request.
  readonly claimsLate = true;
  readonly channel: string;
  constructor(private readonly o: FacebookSenderOptions) {
    this.channel = o.channel;
  }

  async send(m: OutboundMessage): Promise<SendResult> {
    const target = await this.target(m);
    if (target.kind === 'comment') {
      // One message per comment: a long reply is cut to its first part.
      const id = await this.post({ recipient: { comment_id: target.commentId }, message: { text: splitText(m.body)[0] } }, m);
      return { status: 'sent', externalId: id };
    }
    // Long replies go out as several messages; the first id stands for the delivery.
    let first: string | null = null;
    const parts = splitText(m.body);
    for (const [i, part] of parts.entries()) {
      // Quick replies go on the last part; Messenger shows them until the user answers or writes.
      const choices = i === parts.length - 1 ? m.interactive?.choices : undefined;
      const message = choices?.length
        ? { text: part, quick_replies: choices.slice(0, 13).map((c) => ({ content_type: 'text', title: c.title.slice(0, 20), payload: c.payload.slice(0, 1000) })) }
        : { text: part };
      const id = await this.post({ recipient: { id: target.psid }, messaging_type: 'RESPONSE', message }, m);
      first ??= id;
    }
    return { status: 'sent', externalId: first };
  }

  /**
   * Whom to address. The ticket's own Facebook history decides: a Messenger message gives the
   * PSID; a page comment gives only the author's from.id, which is NOT a PSID, so the only way to
   * reach a commenter is one private reply to the comment (recipient {comment_id}), within 7 days
   * (platform-notes §2, developers.facebook.com/docs/messenger-platform/discovery/private-replies).
   */
  private async target(m: OutboundMessage): Promise<{ kind: 'psid'; psid: string } | { kind: 'comment'; commentId: string }> {
    const rows = await this.o.db.query<{ id: number; external_id: string; created_at: Date | string; payload: unknown }>(
      `SELECT m.id, m.external_id, m.created_at, e.payload
       FROM messages m
       JOIN tickets t ON t.id = m.ticket_id
       JOIN webhook_events e ON e.channel = 'facebook'
         AND e.event_key IN ('mid:' || m.external_id, 'comment:' || m.external_id, m.external_id)
       WHERE t.code = $1 AND m.direction = 'inbound' AND m.channel = 'facebook' AND m.external_id IS NOT NULL
       ORDER BY m.id DESC LIMIT 50`, [m.ticketCode]);
    const history = rows.map((r) => {
      const p = (typeof r.payload === 'string' ? safeJson(r.payload) : r.payload) as Record<string, any> | null;
      const source = p?.source === 'feed' ? 'comment' : p?.source === 'messaging' ? 'messaging' : null;
      const sid: unknown = p?.event?.sender?.id;
      const psid = source === 'messaging' && (typeof sid === 'string' || typeof sid === 'number') ? String(sid) : null;
      const created = source === 'comment' && typeof p?.value?.created_time === 'number' ? p.value.created_time * (p.value.created_time < 1e12 ? 1000 : 1) : new Date(r.created_at).getTime();
      return { id: Number(r.id), externalId: r.external_id, source, psid, at: created };
    });
    const latest = history[0];
    const messenger = history.find((h) => h.psid);
    const comment = history.find((h) => h.source === 'comment');
    let commentProblem: string | null = null;
    if (comment) {
      const replied = await this.o.db.query(
        `SELECT 1 FROM messages WHERE ticket_id = (SELECT ticket_id FROM messages WHERE id = $1) AND direction = 'outbound'
           AND channel = 'facebook' AND id > $1 AND delivery_status IN ('sent', 'delivered') LIMIT 1`, [comment.id]);
      const now = this.o.now?.() ?? Date.now();
      if (replied.length) {
        commentProblem = 'bình luận chỉ được trả lời riêng một lần; công dân theo dõi qua đường dẫn tra cứu / '
          + 'a comment allows only one private reply; the citizen follows the ticket through the tracking link';
      } else if (now - comment.at > PRIVATE_REPLY_WINDOW_MS) {
        commentProblem = 'bình luận đã quá 7 ngày, không thể trả lời riêng / the comment is older than 7 days: no private reply possible';
      } else if (latest === comment || !messenger) {
        return { kind: 'comment', commentId: comment.externalId };
      }
    }
    if (messenger) return { kind: 'psid', psid: messenger.psid! };
    if (commentProblem) throw new PermanentDeliveryError(commentProblem);
    // No Facebook conversation on this ticket (a reply re-routed here): the citizen's Facebook identity.
    const ids = m.recipient.identities.filter((i) => i.kind === 'facebook' && i.value).map((i) => i.value);
    if (ids.length === 0) throw new PermanentDeliveryError('công dân không có tài khoản Facebook Messenger / citizen has no Facebook identity');
    return { kind: 'psid', psid: ids[ids.length - 1]! };
  }

  private async post(body: unknown, m: OutboundMessage): Promise<string | null> {
    const url = `${this.o.graphUrl}/me/messages?access_token=${encodeURIComponent(this.o.pageToken)}`;
    await m.claim?.();
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      const reason = `Graph API unreachable: ${(err as Error).message}`;
      await this.health(false, reason);
      throw new Error(reason);
    }
    const raw = await res.text().catch(() => '');
    let json: { message_id?: unknown; error?: GraphError } | null = null;
    try {
      json = raw ? JSON.parse(raw) : null;
    } catch {
      json = null;
    }
    if (res.ok && json && !json.error) {
      await this.health(true);
      return typeof json.message_id === 'string' ? json.message_id : null;
    }
    const e = json?.error ?? null;
    const detail = e ? `(#${e.code ?? '?'}${e.error_subcode ? `/${e.error_subcode}` : ''}) ${e.message ?? ''}`.trim() : `HTTP ${res.status}`;
    const cls = classifyGraphError(res.status, e);
    this.o.log.warn({ ticket: m.ticketCode, messageId: m.messageId, status: res.status, code: e?.code, subcode: e?.error_subcode, fbtrace: e?.fbtrace_id, class: cls.kind }, 'facebook send failed');
    switch (cls.kind) {
      case 'window':
        throw new PermanentDeliveryError(OUTSIDE_WINDOW_REASON);
      case 'token':
        await this.health(false, TOKEN_INVALID_REASON);
        throw new PermanentDeliveryError(`mã truy cập trang không hợp lệ / ${TOKEN_INVALID_REASON}: ${detail}`);
      case 'permission':
        await this.health(false, `page lacks permission: ${detail}`.slice(0, 300));
        throw new PermanentDeliveryError(`trang thiếu quyền gửi tin / page lacks permission: ${detail}`);
      case 'recipient':
        throw new PermanentDeliveryError(`người nhận không nhận được tin / recipient cannot be messaged: ${detail}`);
      case 'transient':
        await this.health(false, `Graph API: ${detail}`.slice(0, 300));
        throw new Error(`Graph API temporary failure: ${detail}`);
      default:
        throw new PermanentDeliveryError(`Graph API rejected the message: ${detail}`);
    }
  }

  private async health(ok: boolean, reason?: string): Promise<void> {
    await this.o.reportHealth(ok, reason).catch((err: unknown) => this.o.log.warn({ err: String(err) }, 'could not record facebook health'));
  }
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}
