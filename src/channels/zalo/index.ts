import express, { Router, type Request, type Response } from 'express';
import type { ChannelFactory, ChannelModule } from '../types';
import { eventKey, isNoise, parseZaloEvent, zaloReceipts } from './parse';
import { ZaloSender } from './sender';
import { verifyZaloSignature } from './signature';

export { parseZaloEvent, zaloReceipts } from './parse';
export { ZaloSender, splitText, TOKENS_SETTING } from './sender';
export { zaloSignature, verifyZaloSignature } from './signature';

/** Zalo's events are a few kB; anything near this is not Zalo. */
const BODY_LIMIT = '256kb';

type Reply = { status: number; body: Record<string, unknown> };
const reply = (status: number, code: string, message?: string): Reply => ({ status, body: message ? { error: code, message } : { ok: code } });

/**
 * Zalo Official Account (OA API v3). Webhook `POST /webhooks/zalo`, signed with
 * X-ZEvent-Signature; replies as customer-service messages. On when ZALO_APP_ID and
 * ZALO_OA_SECRET are set; sending also needs an access token (or a refresh token and the app secret).
 */
export const zaloChannel: ChannelFactory = (ctx): ChannelModule => {
  const z = ctx.config.zalo;
  const enabled = Boolean(z.appId && z.oaSecret);
  if (!enabled) return { channel: 'zalo', enabled: false };
  const appId = z.appId!;
  const oaSecret = z.oaSecret!;
  const canSend = Boolean(z.accessToken || (z.refreshToken && z.appSecret));
  if (!canSend) ctx.log.warn('zalo: no ZALO_OA_ACCESS_TOKEN (nor refresh token + app secret): replies on Zalo are held');

  const raw = express.raw({ type: () => true, limit: BODY_LIMIT });
  const readBody = (req: Request, res: Response) => new Promise<Buffer | Reply>((resolve) => {
    raw(req, res, (err?: unknown) => {
      if (err) {
        const type = err && typeof err === 'object' && 'type' in err ? String((err as { type: unknown }).type) : '';
        resolve(type === 'entity.too.large' ? reply(413, 'body_too_large') : reply(400, 'unreadable_body', type || 'bad body'));
        return;
      }
      resolve(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
    });
  });

  async function handle(req: Request, res: Response): Promise<Reply> {
    const header = req.get('x-zevent-signature');
    if (!header) return reply(403, 'missing_signature');
    const body = await readBody(req, res);
    if (!Buffer.isBuffer(body)) return body;
    if (body.length === 0) return reply(400, 'empty_body');
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      return reply(400, 'malformed_json');
    }
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return reply(400, 'not_an_event');
    const event = payload as Record<string, unknown>;
    const ts = typeof event.timestamp === 'string' ? event.timestamp : typeof event.timestamp === 'number' ? String(event.timestamp) : null;
    // The signature covers the body's timestamp: without it nothing can be verified.
    if (!ts || !verifyZaloSignature(header, appId, body, ts, oaSecret)) return reply(403, 'bad_signature');

    // From here the event is Zalo's: always 200 (a 4xx would make Zalo retry for hours), except
    // when it could not be stored (503: let Zalo retry rather than lose it).
    const name = typeof event.event_name === 'string' ? event.event_name : null;
    if (!name) {
      ctx.log.warn('zalo: signed event without event_name ignored');
      return reply(200, 'ignored');
    }
    if (isNoise(name)) return reply(200, 'ignored');
    const key = eventKey(event, ts);
    const from = event.sender && typeof event.sender === 'object' ? (event.sender as { id?: unknown }).id : null;
    const added = await ctx.acceptEvents('zalo', [{ key, payload: event, sender: typeof from === 'string' ? from : null }]);
    return reply(200, added ? 'accepted' : 'duplicate');
  }

  const routes = Router();
  routes.post('/webhooks/zalo', (req, res) => {
    handle(req, res).then(
      (r) => { if (!res.headersSent) res.status(r.status).json(r.body); },
      (err: unknown) => {
        ctx.log.error({ err: err instanceof Error ? err.message : String(err) }, 'zalo: webhook event could not be stored');
        if (!res.headersSent) res.status(503).json({ error: 'unavailable', message: 'event not stored, retry' });
      },
    );
  });

  return {
    channel: 'zalo',
    enabled,
    routes,
    parse: parseZaloEvent,
    receipts: zaloReceipts,
    sender: canSend ? new ZaloSender(ctx) : undefined,
  };
};
