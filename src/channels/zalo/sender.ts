import { createHash } from 'node:crypto';
import { PermanentDeliveryError, RetryLaterError, type ChannelSender, type OutboundMessage, type QuickReply, type SendResult } from '../../outbound/senders';
import type { ChannelContext } from '../types';

/** Where refreshed tokens are kept (table `settings`, jsonb), so a restart keeps them. */
export const TOKENS_SETTING = 'zalo.tokens';

/** Zalo's limit for one customer-service text. */
export const ZALO_TEXT_LIMIT = 2000;
const MAX_PARTS = 5;
const HTTP_TIMEOUT_MS = 10_000;

type Tokens = { accessToken: string | null; refreshToken: string | null; expiresAt: number | null };
type Stored = { accessToken?: unknown; refreshToken?: unknown; expiresAt?: unknown; seed?: unknown };

/** Zalo answers HTTP 200 with {error, message}: the code in the body is what counts. */
type CallResult =
  | { ok: true; messageId: string | null }
  | { ok: false; code: number; message: string; auth: boolean };

const ERR = {
  invalidToken: -216,
  rateLimit: -32,
  notFollower: -213,
  outsideWindow: -230,
  nightBlock: -234,
} as const;

/**
 * Splits a reply into parts of at most `limit` UTF-16 units (stricter than counting characters),
 * at a paragraph, line, sentence or word boundary; beyond MAX_PARTS the last part is truncated.
 */
export function splitText(text: string, limit = ZALO_TEXT_LIMIT, maxParts = MAX_PARTS): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > limit) {
    if (parts.length === maxParts - 1) {
      let cut = limit - 1;
      if (/[\ud800-\udbff]/.test(rest[cut - 1] ?? '')) cut -= 1;
      parts.push(rest.slice(0, cut).trimEnd() + '…');
      return parts;
    }
    const window = rest.slice(0, limit);
    let cut = -1;
    for (const sep of ['\n\n', '\n', '. ', ' ']) {
      const i = window.lastIndexOf(sep);
      if (i >= limit / 2) { cut = i + (sep === '. ' ? 1 : 0); break; }
    }
    if (cut <= 0) cut = limit;
    if (/[\ud800-\udbff]/.test(rest[cut - 1] ?? '')) cut -= 1; // never split a surrogate pair
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest) parts.push(rest);
  return parts;
}

/** Zalo shows at most 5 buttons on a template; a query button's title is cut at 100 characters. */
const MAX_BUTTONS = 5;

/**
 * A text message, with buttons when there are choices. `oa.query.hide` buttons send their payload
 * back as the user's own text message (a `user_send_text` event), hidden from the chat.
 */
export function zaloMessage(text: string, choices?: readonly QuickReply[]): Record<string, unknown> {
  if (!choices?.length) return { text };
  return {
    text,
    attachment: {
      type: 'template',
      payload: { buttons: choices.slice(0, MAX_BUTTONS).map((c) => ({ title: c.title.slice(0, 100), type: 'oa.query.hide', payload: c.payload })) },
    },
  };
}

/**
 * Customer-service messages through the OA API v3 (`POST {ZALO_API_URL}/v3.0/oa/message/cs`,
 * header `access_token`). On an invalid token (-216 or HTTP 401) the token is refreshed once
 * through OAuth v4 and the call retried; new tokens are kept in memory and in `settings`.
 */
/** 06:00 in Vietnam (UTC+7, no daylight saving) after `now`, plus a minute of margin. */
export function nextSixAmVietnam(now: Date): Date {
  const VN = 7 * 3600_000;
  const local = new Date(now.getTime() + VN);
  const six = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate(), 6, 1) - VN;
  return new Date(six > now.getTime() ? six : six + 86400_000);
}

export class ZaloSender implements ChannelSender {
  // Claims after the token lookup, right before the request: see OutboundMessage.claim.
  readonly claimsLate = true;
  readonly channel = 'zalo';
  private tokens: Tokens | null = null;
  private loading: Promise<Tokens> | null = null;
  private refreshing: Promise<Tokens> | null = null;
  /** A refresh token Zalo rejected: not tried again until another one appears. */
  private rejectedRefreshToken: string | null = null;
  /** Parts of a split reply already sent, so a retry in this process does not send them twice. */
  private readonly partsSent = new Map<number, { count: number; firstId: string | null }>();
  private readonly seed: string;

  constructor(private readonly ctx: ChannelContext) {
    const z = ctx.config.zalo;
    // Which configured tokens the stored ones descend from: new tokens in the environment win.
    this.seed = createHash('sha256').update(`${z.accessToken ?? ''}\n${z.refreshToken ?? ''}`).digest('hex').slice(0, 16);
  }

  async send(m: OutboundMessage): Promise<SendResult> {
    try {
      return await this.sendParts(m);
    } catch (err) {
      if (err instanceof PermanentDeliveryError) this.partsSent.delete(m.messageId); // no retry will come
      throw err;
    }
  }

  private async sendParts(m: OutboundMessage): Promise<SendResult> {
    const userId = m.recipient.identities.find((i) => i.kind === 'zalo')?.value;
    if (!userId) throw new PermanentDeliveryError('Người dân không có tài khoản Zalo đã biết / the citizen has no known Zalo user id');
    const parts = splitText(m.body);
    if (parts.length === 0) throw new PermanentDeliveryError('Tin nhắn rỗng / empty message');
    const done = this.partsSent.get(m.messageId) ?? { count: 0, firstId: null };

    let tokens = await this.currentTokens();
    if (!tokens.accessToken || (tokens.expiresAt !== null && Date.now() > tokens.expiresAt - 60_000 && tokens.refreshToken)) {
      tokens = await this.refreshAfter(tokens.accessToken);
    }
    for (let i = done.count; i < parts.length; i++) {
      // Buttons ride on the last part, under the question they answer.
      const choices = i === parts.length - 1 ? m.interactive?.choices : undefined;
      await m.claim?.();
      let r = await this.call(tokens.accessToken!, userId, parts[i]!, choices);
      if (!r.ok && r.auth) {
        tokens = await this.refreshAfter(tokens.accessToken);
        r = await this.call(tokens.accessToken!, userId, parts[i]!, choices);
        if (!r.ok && r.auth) {
          await this.health(false, 'token revoked', 'down');
          throw new PermanentDeliveryError(`Zalo từ chối access token mới / Zalo rejected the refreshed access token (${r.code}: ${r.message})`);
        }
      }
      if (!r.ok) await this.fail(r);
      else {
        done.count = i + 1;
        done.firstId ??= r.messageId;
        this.partsSent.set(m.messageId, done);
      }
    }
    this.partsSent.delete(m.messageId);
    await this.health(true);
    return { status: 'sent', externalId: done.firstId };
  }

  /** Throws the error a non-auth Zalo failure deserves: permanent, or transient for the queue to retry. */
  private async fail(r: Extract<CallResult, { ok: false }>): Promise<never> {
    switch (r.code) {
      case ERR.outsideWindow:
        throw new PermanentDeliveryError(
          'Zalo -230: người dân không tương tác với OA trong 7 ngày qua, Zalo không cho gửi tin tư vấn — cần phản hồi qua kênh khác (điện thoại, SMS, email) / ' +
          'the citizen has not interacted with the OA for 7 days (outside the customer-service window): reply through another channel');
      case ERR.notFollower:
        throw new PermanentDeliveryError(
          'Zalo -213: người dân chưa quan tâm (hoặc đã bỏ quan tâm) OA — cần phản hồi qua kênh khác / ' +
          'the citizen does not follow the OA: reply through another channel');
      case ERR.rateLimit:
        await this.health(false, 'rate limited (Zalo -32)');
        throw new Error(`Zalo -32: vượt hạn mức gọi API, sẽ thử lại / API call limit reached, will retry (${r.message})`);
      case ERR.nightBlock:
        throw new RetryLaterError(`Zalo -234: không gửi được vào ban đêm (22h–6h), sẽ gửi lúc 6h / sending blocked at night, will send at 06:00 (${r.message})`, nextSixAmVietnam(new Date()));
      default:
        // Unknown codes, HTTP 5xx, unreadable answers: retried, and the queue gives up after its attempts.
        await this.health(false, `Zalo error ${r.code}`);
        throw new Error(`Zalo ${r.code}: ${r.message}`);
    }
  }

  private async call(accessToken: string, userId: string, text: string, choices?: QuickReply[]): Promise<CallResult> {
    let res: Response;
    try {
      res = await fetch(`${this.ctx.config.zalo.apiUrl}/v3.0/oa/message/cs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', access_token: accessToken },
        body: JSON.stringify({ recipient: { user_id: userId }, message: zaloMessage(text, choices) }),
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      });
    } catch (err) {
      await this.health(false, 'Zalo API unreachable');
      throw new Error(`Zalo API không liên lạc được / unreachable: ${(err as Error).message}`);
    }
    const raw = await res.text().catch(() => '');
    let body: Record<string, unknown> | null = null;
    try {
      const v: unknown = JSON.parse(raw);
      if (v && typeof v === 'object' && !Array.isArray(v)) body = v as Record<string, unknown>;
    } catch { /* handled below */ }
    const code = body ? Number(body.error ?? 0) : NaN;
    const message = body && typeof body.message === 'string' ? body.message : raw.slice(0, 200);
    if (res.status === 401 || code === ERR.invalidToken) return { ok: false, code: Number.isFinite(code) && code !== 0 ? code : 401, message, auth: true };
    if (res.status === 429) return { ok: false, code: ERR.rateLimit, message, auth: false };
    if (res.status >= 500 || !body || !Number.isFinite(code)) return { ok: false, code: res.status, message: message || `HTTP ${res.status}`, auth: false };
    if (code !== 0) return { ok: false, code, message, auth: false };
    if (res.status >= 400) throw new PermanentDeliveryError(`Zalo HTTP ${res.status}: ${message}`);
    const data = body.data && typeof body.data === 'object' ? (body.data as Record<string, unknown>) : {};
    return { ok: true, messageId: typeof data.message_id === 'string' ? data.message_id : null };
  }

  private async currentTokens(): Promise<Tokens> {
    if (this.tokens) return this.tokens;
    this.loading ??= this.load().finally(() => { this.loading = null; });
    return this.loading;
  }

  private async load(): Promise<Tokens> {
    const z = this.ctx.config.zalo;
    const fromEnv: Tokens = { accessToken: z.accessToken ?? null, refreshToken: z.refreshToken ?? null, expiresAt: null };
    this.tokens = (await this.stored()) ?? fromEnv;
    return this.tokens;
  }

  /** Tokens persisted by an earlier refresh (this node or another), when they descend from the configured ones. */
  private async stored(): Promise<Tokens | null> {
    if (!this.ctx.settings) return null;
    let v: Stored | null = null;
    try {
      v = (await this.ctx.settings.get(TOKENS_SETTING)) as Stored | null;
    } catch (err) {
      this.ctx.log.warn({ err: String(err) }, 'zalo: could not read stored tokens');
      return null;
    }
    if (!v || typeof v !== 'object' || v.seed !== this.seed || typeof v.accessToken !== 'string') return null;
    const expiresAt = typeof v.expiresAt === 'string' ? Date.parse(v.expiresAt) : NaN;
    return {
      accessToken: v.accessToken,
      refreshToken: typeof v.refreshToken === 'string' ? v.refreshToken : null,
      expiresAt: Number.isFinite(expiresAt) ? expiresAt : null,
    };
  }

  /** New tokens after `failed` was rejected; one refresh at a time in this process. */
  private async refreshAfter(failed: string | null): Promise<Tokens> {
    if (this.refreshing) return this.refreshing;
    const current = await this.currentTokens();
    if (current.accessToken && current.accessToken !== failed) return current; // refreshed meanwhile
    this.refreshing = this.refresh(failed).finally(() => { this.refreshing = null; });
    return this.refreshing;
  }

  private async refresh(failed: string | null): Promise<Tokens> {
    // Another node may already have refreshed: its tokens are in settings.
    const other = await this.stored();
    if (other && other.accessToken && other.accessToken !== failed) return (this.tokens = other);
    const z = this.ctx.config.zalo;
    const refreshToken = this.tokens?.refreshToken ?? other?.refreshToken ?? null;
    if (!refreshToken || !z.appSecret || !z.appId) {
      await this.health(false, 'token revoked', 'down');
      throw new PermanentDeliveryError('Zalo: access token không hợp lệ và không có refresh token / app secret để làm mới / access token invalid and no refresh token or app secret to renew it');
    }
    if (refreshToken === this.rejectedRefreshToken) {
      await this.health(false, 'token revoked', 'down');
      throw new PermanentDeliveryError('Zalo: refresh token đã bị từ chối, cần cấp lại quyền cho OA / the refresh token was rejected: re-authorise the OA');
    }
    let res: Response;
    try {
      res = await fetch(`${z.oauthUrl}/v4/oa/access_token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', secret_key: z.appSecret },
        body: new URLSearchParams({ refresh_token: refreshToken, app_id: z.appId, grant_type: 'refresh_token' }).toString(),
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      });
    } catch (err) {
      await this.health(false, 'Zalo OAuth unreachable');
      throw new Error(`Zalo OAuth không liên lạc được / unreachable: ${(err as Error).message}`);
    }
    if (res.status >= 500 || res.status === 429) {
      await this.health(false, `Zalo OAuth HTTP ${res.status}`);
      throw new Error(`Zalo OAuth HTTP ${res.status}, sẽ thử lại / will retry`);
    }
    const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
    if (!body || typeof body.access_token !== 'string' || !body.access_token || typeof body.refresh_token !== 'string' || !body.refresh_token) {
      // Lost a race with another node that used the same single-use refresh token?
      const winner = await this.stored();
      if (winner && winner.accessToken && winner.accessToken !== failed) return (this.tokens = winner);
      this.rejectedRefreshToken = refreshToken;
      const why = body ? String(body.error_description ?? body.error_name ?? body.message ?? body.error ?? '') : `HTTP ${res.status}`;
      this.ctx.log.error({ status: res.status, error: body?.error, why }, 'zalo: token refresh failed');
      await this.health(false, 'token revoked', 'down');
      throw new PermanentDeliveryError(`Zalo: làm mới access token thất bại, cần cấp lại quyền cho OA / token refresh failed, re-authorise the OA (${why})`);
    }
    const expiresIn = Number(body.expires_in);
    const tokens: Tokens = {
      accessToken: body.access_token,
      refreshToken: body.refresh_token,
      expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? Date.now() + expiresIn * 1000 : null,
    };
    this.tokens = tokens;
    this.rejectedRefreshToken = null;
    try {
      await this.ctx.settings?.set(TOKENS_SETTING, {
        accessToken: tokens.accessToken, refreshToken: tokens.refreshToken,
        expiresAt: tokens.expiresAt ? new Date(tokens.expiresAt).toISOString() : null,
        refreshedAt: new Date().toISOString(), seed: this.seed,
      });
    } catch (err) {
      // The refresh token is single-use: losing it means re-authorising after a restart.
      this.ctx.log.error({ err: String(err) }, 'zalo: refreshed tokens could not be stored; they live in memory only');
    }
    this.ctx.log.info({ expiresIn: Number.isFinite(expiresIn) ? expiresIn : null }, 'zalo: access token refreshed');
    return tokens;
  }

  private async health(ok: boolean, reason?: string, severity?: 'degraded' | 'down'): Promise<void> {
    await this.ctx.reportHealth('zalo', ok, reason, severity).catch((err) => this.ctx.log.warn({ err: String(err) }, 'zalo: could not record health'));
  }
}
