import type Redis from 'ioredis';
import { decodeState, encodeState, type ThrottleState, type ThrottleStore } from '../staff/login-throttle';
import type { Queryable } from './database';

/** Login throttle state in PostgreSQL / PGlite (table login_throttle): shared by processes without Redis. */
export class SqlThrottleStore implements ThrottleStore {
  private nextCleanup = 0;

  constructor(private readonly db: Queryable) {}

  async read(key: string, now: number) {
    const rows = await this.db.query<{ state: string }>('SELECT state FROM login_throttle WHERE key = $1 AND expires_at > $2', [key, new Date(now)]);
    const raw = rows[0]?.state;
    const state = raw === undefined ? null : decodeState(raw);
    return raw !== undefined && state ? { state, version: raw } : null;
  }

  async swap(key: string, expected: string | null, next: ThrottleState, expiresAt: number, now: number) {
    const raw = encodeState(next);
    const rows = expected === null
      // Absent, or present but expired: both count as "no state".
      ? await this.db.query(`INSERT INTO login_throttle (key, state, expires_at) VALUES ($1, $2, $3)
          ON CONFLICT (key) DO UPDATE SET state = EXCLUDED.state, expires_at = EXCLUDED.expires_at
          WHERE login_throttle.expires_at <= $4 RETURNING 1`, [key, raw, new Date(expiresAt), new Date(now)])
      : await this.db.query('UPDATE login_throttle SET state = $2, expires_at = $3 WHERE key = $1 AND state = $4 RETURNING 1',
        [key, raw, new Date(expiresAt), expected]);
    if (now >= this.nextCleanup) {
      this.nextCleanup = now + 3600_000;
      await this.db.query('DELETE FROM login_throttle WHERE expires_at <= $1', [new Date(now)]);
    }
    return rows.length === 1;
  }

  async remove(key: string) {
    await this.db.query('DELETE FROM login_throttle WHERE key = $1', [key]);
  }
}

// Compare-and-set in one atomic step: the value is replaced only if it is still the one read.
const SWAP_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
if (cur == false and ARGV[1] == '') or cur == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0`;

/**
 * Login throttle state on Redis, shared by every process. Expiry is Redis's own (PX), so "expired"
 * and "absent" are the same thing here.
 */
export class RedisThrottleStore implements ThrottleStore {
  constructor(private readonly redis: Redis, private readonly prefix: string) {}

  async read(key: string) {
    const raw = await this.redis.get(`${this.prefix}:${key}`);
    const state = raw === null ? null : decodeState(raw);
    return raw !== null && state ? { state, version: raw } : null;
  }

  async swap(key: string, expected: string | null, next: ThrottleState, expiresAt: number, now: number) {
    const ttl = Math.max(1, Math.round(expiresAt - now));
    const r = await this.redis.eval(SWAP_SCRIPT, 1, `${this.prefix}:${key}`, expected ?? '', encodeState(next), String(ttl));
    return r === 1;
  }

  async remove(key: string) {
    await this.redis.del(`${this.prefix}:${key}`);
  }
}
