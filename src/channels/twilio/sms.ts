import { Router } from 'express';
import { cleanText } from '../../shared/text';
import type { ChannelContext, InboundAttachment, InboundMessage, StoredWebhookEvent } from '../types';
import { EMPTY_TWIML, WEBHOOK_BASE, callerPhone, field, sendTwiml, twilioBodyErrors, twilioHandler, type TwilioParams } from './webhook';

/** Twilio allows at most 10 media items per MMS. */
const MAX_MEDIA = 10;

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg', 'image/jpg': 'jpg', 'image/png': 'png', 'image/gif': 'gif', 'image/webp': 'webp', 'image/heic': 'heic',
  'video/mp4': 'mp4', 'video/3gpp': '3gp', 'audio/amr': 'amr', 'audio/mpeg': 'mp3', 'audio/mp4': 'm4a', 'audio/ogg': 'ogg',
  'application/pdf': 'pdf', 'text/vcard': 'vcf', 'text/x-vcard': 'vcf',
};

function kindOf(type: string | undefined): InboundAttachment['kind'] {
  const major = (type ?? '').split('/')[0];
  return major === 'image' || major === 'audio' || major === 'video' ? major : 'file';
}

/** MediaUrl{N} / MediaContentType{N}, N from 0, as many as NumMedia says (at most 10). */
export function mmsAttachments(p: TwilioParams, messageSid: string): InboundAttachment[] {
  const n = Math.min(Number.parseInt(field(p, 'NumMedia') ?? '0', 10) || 0, MAX_MEDIA);
  const out: InboundAttachment[] = [];
  for (let i = 0; i < n; i++) {
    const url = field(p, `MediaUrl${i}`);
    if (!url || !/^https?:\/\//i.test(url)) continue;
    const type = field(p, `MediaContentType${i}`)?.toLowerCase();
    const ext = (type && EXTENSIONS[type.split(';')[0]!.trim()]) ?? 'bin';
    out.push({ fileName: `mms-${messageSid}-${i + 1}.${ext}`, declaredType: type ?? null, url, kind: kindOf(type) });
  }
  return out;
}

/** One stored inbound SMS/MMS → one message from the sender's phone; other senders are ignored. */
export function parseSms(event: StoredWebhookEvent): InboundMessage[] {
  const p = (event.payload ?? {}) as TwilioParams;
  // Delivery status callbacks (status.ts) are receipts, not messages.
  if ((p as { step?: unknown }).step === 'status') return [];
  const sid = field(p, 'MessageSid') ?? field(p, 'SmsSid');
  // Short codes and alphanumeric senders (banks, carriers) are not citizens: nothing to open.
  const phone = callerPhone(field(p, 'From'));
  if (!sid || !phone) return [];
  // STOP/START/HELP keywords (Twilio Advanced Opt-Out sets OptOutType): Twilio answers them itself.
  if (field(p, 'OptOutType')) return [];
  const text = cleanText(field(p, 'Body') ?? '');
  const attachments = mmsAttachments(p, sid);
  if (!text && attachments.length === 0) return [];
  return [{
    channel: 'sms',
    externalId: sid,
    identity: { kind: 'phone', value: phone },
    profile: { phone },
    text,
    attachments,
    sentAt: event.receivedAt,
    kind: 'message',
  }];
}

/**
 * POST /webhooks/twilio/sms: store the message (key MessageSid), answer an empty <Response/>.
 * The acknowledgement with the ticket code goes out through the sender once the ticket exists,
 * so the citizen gets exactly one.
 */
export function smsRoutes(ctx: ChannelContext): Router {
  const router = Router();
  // Storage down: 503 so Twilio's debugger (and fallback URL, if set) sees it rather than a silent loss.
  const unavailable = (res: import('express').Response) => sendTwiml(res, EMPTY_TWIML, 503);
  router.post(`${WEBHOOK_BASE}/sms`, ...twilioHandler(ctx.config, ctx.log, unavailable, async (p, _req, res) => {
    const sid = field(p, 'MessageSid') ?? field(p, 'SmsSid');
    if (!sid || !field(p, 'From')) {
      sendTwiml(res, EMPTY_TWIML, 400);
      return;
    }
    // A delivery status callback pointed here by mistake is not a citizen's message.
    const status = field(p, 'SmsStatus') ?? field(p, 'MessageStatus');
    if (status && status !== 'received') {
      ctx.log.info({ sid, status }, 'twilio sms status callback ignored');
      sendTwiml(res, EMPTY_TWIML);
      return;
    }
    await ctx.acceptEvents('sms', [{ key: sid, payload: p, sender: field(p, 'From') ?? null }]);
    sendTwiml(res, EMPTY_TWIML);
  }));
  router.use(twilioBodyErrors);
  return router;
}
