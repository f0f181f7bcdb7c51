import { isIPv4, isIPv6 } from 'node:net';
import type { Request, RequestHandler } from 'express';
import type Redis from 'ioredis';
import type { RateLimitConfig } from '../config';
import { HubError } from '../shared/errors';
import type { Logger } from '../shared/logger';

/**
 * Fixed-window request counting per client, on Redis (shared by every API process) or in memory
 * (one process). A window opens with a client's first request and lasts `windowMs`; its remaining
 * lifetime is exactly the Retry-After a refused client is told.
 */
export type WindowHit = { count: number; resetMs: number };

export interface WindowCounter {
  /** Counts one request under `key`: the count in the current window (this one included) and the ms until it ends. */
  hit(key: string, windowMs: number): Promise<WindowHit>;
}

export class MemoryWindowCounter implements WindowCounter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private nextSweep = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async hit(key: string, windowMs: number): Promise<WindowHit> {
    const now = this.now();
    this.sweep(now);
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, w);
    }
    w.count += 1;
    return { count: w.count, resetMs: w.resetAt - now };
  }

  /** Windows of clients gone quiet are dropped, so memory follows the clients of the last window only. */
  private sweep(now: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + 60_000;
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
  }

  get size(): number { return this.windows.size; }
}

// INCR and the expiry in one atomic step: no process can see a counter without its expiry. A key
// that somehow lost its expiry gets one back, so no client is refused forever.
const HIT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

export class RedisWindowCounter implements WindowCounter {
  constructor(private readonly redis: Redis, private readonly prefix: string) {}

  async hit(key: string, windowMs: number): Promise<WindowHit> {
    const r = await this.redis.eval(HIT_SCRIPT, 1, `${this.prefix}:${key}`, String(windowMs));
    if (!Array.isArray(r) || typeof r[0] !== 'number' || typeof r[1] !== 'number') throw new Error(`unexpected rate-limit reply: ${JSON.stringify(r)}`);
    return { count: r[0], resetMs: r[1] };
  }
}

export type LimitDecision = { allowed: boolean; limit: number; remaining: number; resetSeconds: number };

/**
 * Logs a failing store at most once a minute: when Redis is down every request would say so.
 */
export function throttledWarning(log: Logger, message: string, everyMs = 60_000): (err: unknown) => void {
  let last = -Infinity;
  return (err) => {
    const now = Date.now();
    if (now - last < everyMs) return;
    last = now;
    log.warn({ err: err instanceof Error ? err.message : String(err) }, message);
  };
}

export class RateLimiter {
  private readonly warn: (err: unknown) => void;

  constructor(private readonly counter: WindowCounter, log: Logger) {
    this.warn = throttledWarning(log, 'rate limit store unavailable: requests pass unlimited');
  }

  /**
   * One request of `client` against `limit` requests per `windowMs`. Null when not limited: the
   * limit is 0 (off) or the store failed (fail open: a broken Redis must not refuse citizens).
   */
  async check(bucket: string, client: string, limit: number, windowMs = 60_000): Promise<LimitDecision | null> {
    if (limit <= 0) return null;
    let hit: WindowHit;
    try {
      hit = await this.counter.hit(`${bucket}:${client}`, windowMs);
    } catch (err) {
      this.warn(err);
      return null;
    }
    const resetSeconds = Math.max(1, Math.ceil(hit.resetMs / 1000));
    return { allowed: hit.count <= limit, limit, remaining: Math.max(0, limit - hit.count), resetSeconds };
  }
}

/**
 * The client a limit counts: the address (after `trust proxy`); an IPv6 client by its /64, since
 * one household or phone usually holds a whole /64 and could otherwise rotate addresses freely.
 */
export function clientKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const bare = ip.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  if (isIPv4(bare)) return bare;
  if (!isIPv6(bare)) return bare.slice(0, 64);
  const [head, tail] = bare.toLowerCase().split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  // An embedded IPv4 tail counts as two groups; only the first four groups matter anyway.
  const width = (groups: string[]) => groups.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - width(left) - width(right))).fill('0'), ...right];
  return `${groups.slice(0, 4).map((g) => (g.includes('.') ? g : g.replace(/^0+(?=.)/, ''))).join(':')}::/64`;
}

export type RateLimitBucket = keyof RateLimitConfig;

/**
 * Which limit a request counts against, if any: the public, unauthenticated endpoints only.
 * Platform webhooks (signed; a platform's retries must never be refused), staff and IOC routes are
 * not listed. Case-insensitive and trailing-slash tolerant like express's own routing.
 */
export function bucketOf(method: string, path: string): RateLimitBucket | null {
  if (/^\/open311(\/|$)/i.test(path)) return 'open311';
  if (/^\/api\/v1\/reports\/?$/i.test(path)) return method === 'POST' ? 'reports' : null;
  if (/^\/api\/v1\/reports\/[^/]+\/?$/i.test(path)) return method === 'GET' || method === 'HEAD' ? 'tracking' : null;
  if (/^\/api\/v1\/auth\/login\/?$/i.test(path)) return method === 'POST' ? 'login' : null;
  if (/^\/api\/v1\/(surveys|public)(\/|$)/i.test(path) || /^\/danh-gia(\/|$)/i.test(path)) return 'public';
  return null;
}

export function tooManyRequests(retryAfterSeconds: number, code = 'rate_limited'): HubError {
  return new HubError('rate_limited', code,
    `Bạn đã gửi quá nhiều yêu cầu. Vui lòng thử lại sau ${retryAfterSeconds} giây.`,
    `Too many requests. Please retry in ${retryAfterSeconds} seconds.`,
    { retryAfterSeconds });
}

/**
 * Per-IP limits on the public endpoints (see bucketOf). Mounted before the body parsers, so a
 * refused request costs no parsing. Every limited answer carries RateLimit-Limit/-Remaining/-Reset
 * and RateLimit-Policy; a refusal is 429 with Retry-After (seconds) and the usual JSON error.
 */
export function publicRateLimits(limiter: RateLimiter, limits: RateLimitConfig): RequestHandler {
  return async (req: Request, res, next) => {
    const bucket = bucketOf(req.method, req.path);
    if (!bucket || limits[bucket] <= 0) return next();
    const d = await limiter.check(bucket, clientKey(req.ip), limits[bucket]);
    if (!d) return next();
    res.set({
      'RateLimit-Policy': `${d.limit};w=60`,
      'RateLimit-Limit': String(d.limit),
      'RateLimit-Remaining': String(d.remaining),
      'RateLimit-Reset': String(d.resetSeconds),
    });
    if (d.allowed) return next();
    res.set('Retry-After', String(d.resetSeconds));
    throw tooManyRequests(d.resetSeconds);
  };
}
