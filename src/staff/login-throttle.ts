import { createHash } from 'node:crypto';
import type { LoginThrottleConfig } from '../config';
import type { Clock } from '../workflow/ports';

/**
 * Failed staff logins lock an account, and an IP, for a while: after `limit` failures within the
 * window the subject is locked for `lockMs`, doubled at each further lockout up to `maxLockMs`.
 *
 * An attempt is counted when it starts (admit), not when its password check fails: parallel
 * guesses cannot all slip in before the first failure is recorded. A failure then only decides
 * whether the count reached the limit; a success gives the attempt back (the IP) or clears the
 * account. A locked subject is refused before any password check, so while locked the answer is
 * the same whether the password is right or not.
 */
export type ThrottleState = {
  /** Attempts counted in the current window (started, not given back). */
  f: number;
  /** Start of the current window (ms). */
  w: number;
  /** Lockouts so far: the next lock lasts lockMs × 2^l. */
  l: number;
  /** Locked until (ms); 0 = not locked. */
  u: number;
};

export type ThrottlePolicy = { limit: number; windowMs: number; lockMs: number; maxLockMs: number };

/** How long a quiet subject's lockout count is remembered: the doubling restarts a day after the last event. */
export const LOCKOUT_MEMORY_MS = 24 * 3600_000;

/** While other attempts are in flight at the limit, a new one waits this long (they settle in well under a second). */
export const IN_FLIGHT_RETRY_MS = 1000;

const fresh = (now: number): ThrottleState => ({ f: 0, w: now, l: 0, u: 0 });

/** An attempt starts: refused (for ms) while locked or while the limit is taken by attempts in flight, else counted. */
export function admit(s: ThrottleState | null, now: number, p: ThrottlePolicy): { next: ThrottleState | null; refusedMs: number } {
  const cur = s ?? fresh(now);
  if (cur.u > now) return { next: null, refusedMs: cur.u - now };
  const rolled = now - cur.w >= p.windowMs ? { ...cur, f: 0, w: now } : cur;
  if (rolled.f >= p.limit) return { next: null, refusedMs: IN_FLIGHT_RETRY_MS };
  return { next: { ...rolled, f: rolled.f + 1 }, refusedMs: 0 };
}

/** A counted attempt failed: when the count reached the limit the subject is locked (for ms). */
export function fail(s: ThrottleState | null, now: number, p: ThrottlePolicy): { next: ThrottleState | null; lockedMs: number } {
  if (!s || s.f < p.limit) return { next: null, lockedMs: 0 };
  const lockedMs = Math.min(p.maxLockMs, p.lockMs * 2 ** Math.min(s.l, 30));
  return { next: { f: 0, w: now, l: s.l + 1, u: now + lockedMs }, lockedMs };
}

/** A counted attempt is given back (it succeeded, or another check refused it). */
export function giveBack(s: ThrottleState | null): ThrottleState | null {
  return s && s.f > 0 ? { ...s, f: s.f - 1 } : null;
}

/** When a state may be forgotten. */
export function expiresAt(s: ThrottleState, p: ThrottlePolicy): number {
  return Math.max(s.w + p.windowMs, s.u) + LOCKOUT_MEMORY_MS;
}

/**
 * Shared state with compare-and-set, so that processes sharing the store never lose an update.
 * `version` is opaque; `expected` null means "absent (or expired)".
 */
export interface ThrottleStore {
  read(key: string, now: number): Promise<{ state: ThrottleState; version: string } | null>;
  swap(key: string, expected: string | null, next: ThrottleState, expiresAt: number, now: number): Promise<boolean>;
  remove(key: string): Promise<void>;
}

export const encodeState = (s: ThrottleState): string => JSON.stringify({ f: s.f, w: s.w, l: s.l, u: s.u });

export function decodeState(raw: string): ThrottleState | null {
  try {
    const v = JSON.parse(raw) as Partial<Record<keyof ThrottleState, unknown>>;
    const n = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
    const [f, w, l, u] = [n(v.f), n(v.w), n(v.l), n(v.u)];
    return f === null || w === null || l === null || u === null ? null : { f, w, l, u };
  } catch {
    return null;
  }
}

/** One process: a map (the embedded setup, or tests). */
export class MemoryThrottleStore implements ThrottleStore {
  private readonly rows = new Map<string, { raw: string; expiresAt: number }>();

  async read(key: string, now: number) {
    const row = this.rows.get(key);
    if (!row || row.expiresAt <= now) return null;
    const state = decodeState(row.raw);
    return state ? { state, version: row.raw } : null;
  }

  async swap(key: string, expected: string | null, next: ThrottleState, expiresAt: number, now: number) {
    const row = this.rows.get(key);
    const current = row && row.expiresAt > now ? row.raw : null;
    if (current !== expected) return false;
    this.rows.set(key, { raw: encodeState(next), expiresAt });
    if (this.rows.size > 10_000) for (const [k, r] of this.rows) if (r.expiresAt <= now) this.rows.delete(k);
    return true;
  }

  async remove(key: string) { this.rows.delete(key); }
}

export type LoginAttempt = {
  /** > 0: refused before any password check, retry after this many seconds. */
  refusedSeconds: number;
  /** The password was wrong: > 0 when this failure locked the account or IP (seconds). */
  failed(): Promise<number>;
  /** The password was right: the account's count is cleared, the IP's attempt given back. */
  succeeded(): Promise<void>;
};

type Subject = { key: string; policy: ThrottlePolicy };

/** Keys are hashed: the store never holds typed emails (often mistyped personal ones) or addresses. */
const subjectKey = (kind: 'account' | 'ip', value: string) => `${kind}:${createHash('sha256').update(value).digest('hex').slice(0, 32)}`;

export class LoginThrottle {
  constructor(
    private readonly store: ThrottleStore,
    private readonly config: LoginThrottleConfig,
    private readonly clock: Clock,
    /** Called when the store fails; the attempt then goes unthrottled (fail open). */
    private readonly onStoreError: (err: unknown) => void = () => undefined,
  ) {}

  private policy(limit: number): ThrottlePolicy {
    return { limit, windowMs: this.config.windowSeconds * 1000, lockMs: this.config.lockSeconds * 1000, maxLockMs: this.config.maxLockSeconds * 1000 };
  }

  private subjects(email: string, client: string): { account: Subject | null; ip: Subject | null } {
    const { failures, ipFailures } = this.config;
    return {
      account: failures > 0 ? { key: subjectKey('account', email.trim().toLowerCase()), policy: this.policy(failures) } : null,
      ip: ipFailures > 0 ? { key: subjectKey('ip', client), policy: this.policy(ipFailures) } : null,
    };
  }

  /** Read, compute, compare-and-set; retried when another process changed the state in between. */
  private async update<T>(key: string, step: (s: ThrottleState | null, now: number) => { next: ThrottleState | null; out: T }, policy: ThrottlePolicy): Promise<T> {
    for (let i = 0; ; i++) {
      const now = this.clock.now().getTime();
      const cur = await this.store.read(key, now);
      const { next, out } = step(cur?.state ?? null, now);
      if (!next) return out;
      if (await this.store.swap(key, cur?.version ?? null, next, expiresAt(next, policy), now)) return out;
      if (i >= 50) throw new Error(`login throttle: state of ${key} kept changing`);
    }
  }

  private async safely<T>(fallback: T, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      this.onStoreError(err);
      return fallback;
    }
  }

  private admitOne(s: Subject): Promise<number> {
    return this.safely(0, () => this.update(s.key, (st, now) => {
      const r = admit(st, now, s.policy);
      return { next: r.next, out: r.refusedMs };
    }, s.policy));
  }

  private failOne(s: Subject): Promise<number> {
    return this.safely(0, () => this.update(s.key, (st, now) => {
      const r = fail(st, now, s.policy);
      return { next: r.next, out: r.lockedMs };
    }, s.policy));
  }

  private giveBackOne(s: Subject): Promise<void> {
    return this.safely(undefined, () => this.update(s.key, (st) => ({ next: giveBack(st), out: undefined }), s.policy));
  }

  /** Starts a login attempt for `email` from `client` (see clientKey). */
  async begin(email: string, client: string): Promise<LoginAttempt> {
    const { account, ip } = this.subjects(email, client);
    const done = async () => undefined;
    const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
    const refused = (ms: number): LoginAttempt => ({ refusedSeconds: seconds(ms), failed: async () => seconds(ms), succeeded: done });
    const accountMs = account ? await this.admitOne(account) : 0;
    if (accountMs > 0) return refused(accountMs);
    const ipMs = ip ? await this.admitOne(ip) : 0;
    if (ipMs > 0) {
      if (account) await this.giveBackOne(account);
      return refused(ipMs);
    }
    return {
      refusedSeconds: 0,
      failed: async () => {
        const [a, b] = await Promise.all([account ? this.failOne(account) : 0, ip ? this.failOne(ip) : 0]);
        return a || b ? seconds(Math.max(a, b)) : 0;
      },
      succeeded: async () => {
        if (account) await this.safely(undefined, () => this.store.remove(account.key));
        if (ip) await this.giveBackOne(ip);
      },
    };
  }
}
