import crypto from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { ChannelFactory, ChannelModule } from '../types';
import { facebookReceipts, parseFacebookEvent, splitWebhook } from './parse';
import { FacebookSender } from './sender';

export const WEBHOOK_PATH = '/webhooks/facebook';
/** Meta batches up to 1000 updates per call; a few MB is plenty, anything larger is refused (413). */
export const BODY_LIMIT = '4mb';

/** Constant-time comparison of two strings (different lengths are simply unequal). */
function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** X-Hub-Signature-256: "sha256=" + lowercase hex HMAC-SHA256(app secret, raw body bytes). */
export function validSignature(appSecret: string, raw: Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const m = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (!m) return false;
  const expected = crypto.createHmac('sha256', appSecret).update(raw).digest('hex');
  return safeEqual(expected, m[1]!.toLowerCase());
}

const text = (res: Response, status: number, body: string) => res.status(status).type('text/plain').send(body);

/**
 * Facebook Messenger and the province page's feed comments (contracts.md "Facebook Messenger").
 * On when FACEBOOK_APP_SECRET is set; FACEBOOK_VERIFY_TOKEN is needed for Meta's subscription
 * handshake and FACEBOOK_PAGE_TOKEN for replies (without it replies stay held).
 */
export const facebookChannel: ChannelFactory = (ctx): ChannelModule => {
  const { appSecret, verifyToken, pageToken, graphUrl } = ctx.config.facebook;
  const log = ctx.log.child({ channel: 'facebook' });
  const enabled = Boolean(appSecret);

  const routes = express.Router();

  // Subscription handshake: echo hub.challenge when the verify token matches.
  routes.get(WEBHOOK_PATH, (req, res) => {
    const q = req.query as Record<string, unknown>;
    const mode = typeof q['hub.mode'] === 'string' ? q['hub.mode'] : '';
    const token = typeof q['hub.verify_token'] === 'string' ? q['hub.verify_token'] : '';
    const challenge = typeof q['hub.challenge'] === 'string' ? q['hub.challenge'] : null;
    if (mode !== 'subscribe' || !verifyToken || !safeEqual(token, verifyToken)) {
      log.warn({ mode }, 'facebook verification refused');
      text(res, 403, 'Forbidden');
      return;
    }
    if (challenge === null || challenge.length > 1000) { text(res, 400, 'missing hub.challenge'); return; }
    text(res, 200, challenge);
  });

  routes.post(
    WEBHOOK_PATH,
    // Raw bytes, whatever the declared type: the signature covers exactly what was sent.
    express.raw({ type: () => true, limit: BODY_LIMIT }),
    async (req: Request, res: Response) => {
      try {
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        if (!appSecret || !validSignature(appSecret, raw, req.get('x-hub-signature-256'))) {
          log.warn({ hasSignature: Boolean(req.get('x-hub-signature-256')) }, 'facebook webhook: bad or missing signature');
          text(res, 403, 'invalid signature');
          return;
        }
        if (!req.is('application/json')) { text(res, 415, 'expected application/json'); return; }
        let body: unknown;
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          text(res, 400, 'malformed JSON');
          return;
        }
        const split = splitWebhook(body);
        if (!split.ok) { text(res, 400, split.reason); return; }
        if (split.events.length) {
          let added: number;
          try {
            added = await ctx.acceptEvents('facebook', split.events);
          } catch (err) {
            // Not stored, so not acknowledged: Meta retries the delivery.
            log.error({ err: String(err) }, 'facebook webhook: could not store events');
            text(res, 503, 'try again');
            return;
          }
          log.debug({ events: split.events.length, added, ignored: split.ignored }, 'facebook webhook accepted');
        } else if (split.ignored) {
          log.debug({ object: split.object, ignored: split.ignored }, 'facebook webhook: nothing to store');
        }
        text(res, 200, 'EVENT_RECEIVED');
      } catch (err) {
        log.error({ err: String(err) }, 'facebook webhook: unexpected failure');
        if (!res.headersSent) text(res, 400, 'bad request');
      }
    },
  );

  // Body-parser failures (too large, bad encoding, aborted) stay 4xx and stay here.
  routes.use(WEBHOOK_PATH, (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) { next(err); return; }
    const e = err as { status?: number; type?: string };
    const status = typeof e?.status === 'number' && e.status >= 400 && e.status < 500 ? e.status : 400;
    log.warn({ type: e?.type, status }, 'facebook webhook: unreadable body');
    text(res, status, e?.type === 'entity.too.large' ? 'payload too large' : 'bad request');
  });

  const sender = pageToken
    ? new FacebookSender({
      channel: 'facebook', graphUrl, pageToken, db: ctx.db, log,
      reportHealth: (ok, reason) => ctx.reportHealth('facebook', ok, reason),
    })
    : undefined;

  return {
    channel: 'facebook',
    enabled,
    routes,
    parse: parseFacebookEvent,
    receipts: facebookReceipts,
    sender,
    async start() {
      if (!verifyToken) log.warn('FACEBOOK_VERIFY_TOKEN is not set: Meta cannot verify the webhook subscription');
      if (!pageToken) log.warn('FACEBOOK_PAGE_TOKEN is not set: replies to Facebook citizens are held, not sent');
    },
  };
};
