import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import twilio from 'twilio';
import type { HubConfig } from '../../config';
import type { Logger } from '../../shared/logger';
import { normalisePhone } from '../../shared/text';

/** Form fields as Twilio posts them; a repeated name becomes an array (Twilio signs every value). */
export type TwilioParams = Record<string, string | string[]>;

export const WEBHOOK_BASE = '/webhooks/twilio';
export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

/** Twilio's webhooks are small (an SMS is at most 1600 characters); anything far larger is not Twilio. */
const FORM_LIMIT = '64kb';

export function twilioEnabled(config: HubConfig): boolean {
  return Boolean(config.twilio.accountSid && config.twilio.authToken);
}

/** The first value of a field, or undefined when absent or empty. */
export function field(p: TwilioParams, name: string): string | undefined {
  const v = p[name];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' && s !== '' ? s : undefined;
}

/** URLSearchParams decodes exactly what Twilio encoded (`+` is a space), without qs's nesting rules. */
export function parseForm(body: string): TwilioParams {
  const out: TwilioParams = Object.create(null) as TwilioParams;
  for (const [k, v] of new URLSearchParams(body)) {
    const prev = out[k];
    if (prev === undefined) out[k] = v;
    else if (Array.isArray(prev)) prev.push(v);
    else out[k] = [prev, v];
  }
  return out;
}

/** Query parameters of the request URL (our own callback URLs carry state there; Twilio signs them). */
export function queryOf(req: Request): URLSearchParams {
  const i = req.originalUrl.indexOf('?');
  return new URLSearchParams(i >= 0 ? req.originalUrl.slice(i + 1) : '');
}

/**
 * X-Twilio-Signature over PUBLIC_BASE_URL + path (+ query), with the twilio package's own
 * validateRequest (it also tries the URL with and without the port, and its normalised form).
 */
export function signatureValid(config: HubConfig, req: Request, params: TwilioParams): boolean {
  const signature = req.get('x-twilio-signature');
  if (!signature || !config.twilio.authToken) return false;
  try {
    return twilio.validateRequest(config.twilio.authToken, signature, config.publicBaseUrl + req.originalUrl, params);
  } catch {
    return false; // a URL that new URL() rejects cannot carry a valid signature
  }
}

// Twilio's placeholders for hidden caller ids (anonymous, restricted, unavailable, blocked).
const HIDDEN_CALLER_IDS = new Set(['+266696687', '+7378742833', '+8656696', '+2562533', '+86282452253']);

/** E.164 of a Twilio From, or null for hidden numbers, short codes and alphanumeric senders. */
export function callerPhone(from: string | undefined): string | null {
  if (!from || HIDDEN_CALLER_IDS.has(from.trim())) return null;
  return normalisePhone(from);
}

export function sendTwiml(res: Response, xml: string, status = 200): void {
  res.status(status).type('text/xml').send(xml);
}

type Handler = (params: TwilioParams, req: Request, res: Response) => Promise<void>;

/**
 * One Twilio webhook: form body as text (size-limited), content type, signature, then the
 * handler. An exception never escapes as a 500: `onError` answers instead (a polite TwiML for
 * calls; 503 for SMS and status callbacks when the event could not be stored).
 */
export function twilioHandler(config: HubConfig, log: Logger, onError: (res: Response) => void, handler: Handler): RequestHandler[] {
  const formText = express.text({ type: 'application/x-www-form-urlencoded', limit: FORM_LIMIT });
  const run: RequestHandler = async (req, res) => {
    try {
      if (!req.is('application/x-www-form-urlencoded') || typeof req.body !== 'string') {
        sendTwiml(res, EMPTY_TWIML, 415);
        return;
      }
      const params = parseForm(req.body);
      if (!signatureValid(config, req, params)) {
        log.warn({ path: req.path }, 'twilio webhook with a missing or wrong signature');
        res.status(403).type('text/plain').send('invalid X-Twilio-Signature');
        return;
      }
      await handler(params, req, res);
    } catch (err) {
      log.error({ err: err instanceof Error ? err.message : String(err), path: req.path }, 'twilio webhook failed');
      if (!res.headersSent) onError(res);
    }
  };
  return [formText, run];
}

/** Body-parser failures (too large, bad charset, aborted) on our paths → their 4xx, as TwiML. */
export const twilioBodyErrors: ErrorRequestHandler = (err, req, res, next) => {
  if (!req.path.startsWith(WEBHOOK_BASE + '/') || res.headersSent) return next(err);
  const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 400;
  sendTwiml(res, EMPTY_TWIML, status);
};
