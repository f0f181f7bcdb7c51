import type { HubConfig } from '../../config';
import { PermanentDeliveryError, type ChannelSender, type OutboundMessage, type SendResult } from '../../outbound/senders';
import { normalisePhone } from '../../shared/text';
import type { ChannelContext } from '../types';
import { statusCallbackUrl } from './status';
import { surveyCallUrl } from './survey-call';

/** Twilio's Messages resource accepts at most 1600 characters in Body. */
const MAX_BODY = 1600;
const TIMEOUT_MS = 10_000;

// Error codes retrying cannot fix: https://www.twilio.com/docs/api/errors
const AUTH_CODES = new Set([20003, 20005]); // authentication failed; account suspended
const CONFIG_CODES = new Set([21212, 21606, 21659]); // our From number is invalid, not SMS-capable, not ours

type TwilioError = { code?: number; message?: string; status?: number };

/** The recipient's phone: a platform-verified 'phone' identity first, else the contact number. */
export function recipientPhone(m: OutboundMessage): string | null {
  const fromIdentity = m.recipient.identities.find((i) => i.kind === 'phone')?.value;
  for (const raw of [fromIdentity, m.recipient.phone]) {
    const p = raw ? normalisePhone(raw) : null;
    if (p) return p;
  }
  return null;
}

/**
 * Sends the hub's replies as SMS through Twilio's REST API (plain fetch, so TWILIO_API_URL can
 * point at a local fake). The 'sms' and the 'phone' channel each get one: callers get their
 * replies by SMS too.
 */
export class TwilioSmsSender implements ChannelSender {
  // Claims right before the request leaves: see OutboundMessage.claim.
  readonly claimsLate = true;
  constructor(
    readonly channel: 'sms' | 'phone',
    private readonly config: HubConfig['twilio'] & { accountSid: string; authToken: string; fromNumber: string },
    private readonly ctx: ChannelContext,
  ) {}

  private get messagesUrl(): string {
    const base = (this.config.apiUrl ?? 'https://api.twilio.com').replace(/\/+$/, '');
    return `${base}/2010-04-01/Accounts/${encodeURIComponent(this.config.accountSid)}/Messages.json`;
  }

  private get callsUrl(): string {
    return this.messagesUrl.replace(/Messages\.json$/, 'Calls.json');
  }

  async send(m: OutboundMessage): Promise<SendResult> {
    const to = recipientPhone(m);
    if (!to) throw new PermanentDeliveryError('công dân không có số điện thoại / citizen has no phone number');
    if (this.channel === 'phone' && m.interactive?.surveyToken) {
      // A caller's survey is a callback: Twilio calls them and fetches the keypad survey from us.
      const form = new URLSearchParams({
        To: to, From: this.config.fromNumber, Url: surveyCallUrl(this.ctx.config.publicBaseUrl, m.interactive.surveyToken), Method: 'POST',
      });
      return this.request(this.callsUrl, form, m);
    }
    const body = m.body.length > MAX_BODY ? m.body.slice(0, MAX_BODY - 1) + '…' : m.body;
    // Twilio posts delivered/undelivered/failed there; the URL names our channel (see status.ts).
    const form = new URLSearchParams({
      To: to, From: this.config.fromNumber, Body: body,
      StatusCallback: statusCallbackUrl(this.ctx.config.publicBaseUrl, this.channel),
    });
    return this.request(this.messagesUrl, form, m);
  }

  /** One POST to Twilio's REST API; the sid it returns (SM… or CA…) is the delivery's external id. */
  private async request(url: string, form: URLSearchParams, m: OutboundMessage): Promise<SendResult> {
    const auth = Buffer.from(`${this.config.accountSid}:${this.config.authToken}`).toString('base64');
    await m.claim?.();

    let res: globalThis.Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Basic ${auth}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      const reason = `Twilio không phản hồi / Twilio unreachable: ${err instanceof Error ? err.message : String(err)}`;
      await this.ctx.reportHealth(this.channel, false, reason);
      throw new Error(reason); // transient: the queue retries
    }

    const text = await res.text().catch(() => '');
    let json: (TwilioError & { sid?: string }) | null = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = null; }

    if (res.status === 200 || res.status === 201) {
      await this.ctx.reportHealth(this.channel, true);
      // The SM… sid: delivery receipts match the message by it.
      return { status: 'sent', externalId: typeof json?.sid === 'string' && json.sid ? json.sid : null };
    }

    const code = typeof json?.code === 'number' ? json.code : null;
    const detail = `Twilio ${res.status}${code ? ` (${code})` : ''}: ${json?.message ?? text.slice(0, 200)}`;
    if (res.status === 401 || (code !== null && AUTH_CODES.has(code))) {
      await this.ctx.reportHealth(this.channel, false, `xác thực Twilio thất bại / Twilio authentication failed — ${detail}`, 'down');
      throw new PermanentDeliveryError(detail);
    }
    if (res.status === 429 || code === 20429) {
      await this.ctx.reportHealth(this.channel, false, `Twilio giới hạn tốc độ / Twilio rate limit — ${detail}`);
      throw new Error(detail);
    }
    if (res.status >= 500) {
      await this.ctx.reportHealth(this.channel, false, detail);
      throw new Error(detail);
    }
    if (code !== null && CONFIG_CODES.has(code)) {
      // Our own number or account settings are wrong: every message will fail until someone fixes them.
      await this.ctx.reportHealth(this.channel, false, `cấu hình Twilio sai / Twilio configuration — ${detail}`, 'down');
    }
    // Any other 4xx (invalid number 21211, not a mobile 21614, opted out 21610, region 21408…): retrying will not help.
    throw new PermanentDeliveryError(detail);
  }
}
