import { Router } from 'express';
import type { ChannelContext, DeliveryReceipt, StoredWebhookEvent } from '../types';
import { EMPTY_TWIML, WEBHOOK_BASE, field, queryOf, sendTwiml, twilioBodyErrors, twilioHandler, type TwilioParams } from './webhook';

/**
 * Delivery receipts for the SMS we send
 * -------------------------------------
 * Both the 'sms' and the 'phone' channel send SMS. Each sender passes
 * StatusCallback = PUBLIC_BASE_URL + /webhooks/twilio/sms/status (+ `?ch=phone` for the phone
 * channel's sender). Twilio signs the full URL, query included, so the channel it names cannot be
 * forged; the event is stored under that channel, the hub hands it to that channel's `receipts`,
 * and the receipt matches the outbound message of that channel whose external_id is the SM sid.
 */
export const STATUS_PATH = `${WEBHOOK_BASE}/sms/status`;

export function statusCallbackUrl(publicBaseUrl: string, channel: 'sms' | 'phone'): string {
  return `${publicBaseUrl}${STATUS_PATH}${channel === 'phone' ? '?ch=phone' : ''}`;
}

export type StatusEventPayload = { step: 'status'; params: TwilioParams };

/** Statuses worth storing: the final ones. queued/accepted/sending/sent change nothing. */
const FINAL = new Set(['delivered', 'undelivered', 'failed']);

// Twilio's messages for the usual delivery errors (callbacks carry ErrorCode, rarely ErrorMessage).
const ERROR_TEXT: Record<string, string> = {
  '30001': 'Queue overflow', '30002': 'Account suspended', '30003': 'Unreachable destination handset',
  '30004': 'Message blocked', '30005': 'Unknown destination handset', '30006': 'Landline or unreachable carrier',
  '30007': 'Message filtered', '30008': 'Unknown error', '30034': 'Message from an unregistered number',
};

/** The receipt in a stored status callback; [] for any other event. */
export function twilioReceipts(event: StoredWebhookEvent): DeliveryReceipt[] {
  const pl = event.payload as Partial<StatusEventPayload> | null;
  if (!pl || typeof pl !== 'object' || pl.step !== 'status' || !pl.params) return [];
  const sid = field(pl.params, 'MessageSid') ?? field(pl.params, 'SmsSid');
  const status = field(pl.params, 'MessageStatus') ?? field(pl.params, 'SmsStatus');
  if (!sid || !status) return [];
  if (status === 'delivered') return [{ externalId: sid, status: 'delivered', reason: null, at: event.receivedAt }];
  if (status !== 'undelivered' && status !== 'failed') return [];
  const code = field(pl.params, 'ErrorCode');
  const text = field(pl.params, 'ErrorMessage') ?? (code ? ERROR_TEXT[code] : undefined);
  const reason = code ? `Twilio ${code}: ${text ?? status}` : `Twilio: ${text ?? status}`;
  return [{ externalId: sid, status: 'failed', reason, at: event.receivedAt }];
}

/** POST /webhooks/twilio/sms/status[?ch=phone]: store final statuses (key status:<sid>:<status>), answer 204. */
export function statusRoutes(ctx: ChannelContext): Router {
  const router = Router();
  const unavailable = (res: import('express').Response) => sendTwiml(res, EMPTY_TWIML, 503);
  router.post(STATUS_PATH, ...twilioHandler(ctx.config, ctx.log, unavailable, async (p, req, res) => {
    const ch = queryOf(req).get('ch');
    const channel = ch === null || ch === 'sms' ? 'sms' : ch === 'phone' ? 'phone' : null;
    const sid = field(p, 'MessageSid') ?? field(p, 'SmsSid');
    const status = field(p, 'MessageStatus') ?? field(p, 'SmsStatus');
    if (!channel || !sid || !status) {
      sendTwiml(res, EMPTY_TWIML, 400);
      return;
    }
    if (FINAL.has(status)) {
      const payload: StatusEventPayload = { step: 'status', params: p };
      await ctx.acceptEvents(channel, [{ key: `status:${sid}:${status}`, payload }]);
    }
    res.status(204).end();
  }));
  router.use(twilioBodyErrors);
  return router;
}
