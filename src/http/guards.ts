import IORedis from 'ioredis';
import type { HubConfig } from '../config';
import type { Database } from '../db/database';
import { RedisThrottleStore, SqlThrottleStore } from '../db/login-throttle-store';
import type { Logger } from '../shared/logger';
import { LoginThrottle } from '../staff/login-throttle';
import type { Clock } from '../workflow/ports';
import { MemoryWindowCounter, RateLimiter, RedisWindowCounter, throttledWarning } from './rate-limit';

/** Request limits and login throttling, with the storage they share across processes. */
export type Guards = { rateLimiter: RateLimiter; loginThrottle: LoginThrottle; close(): Promise<void> };

/**
 * With REDIS_URL both live on Redis (keys under QUEUE_PREFIX, like the jobs), so every API process
 * counts together. Without it, request windows are counted in this process (one process serves
 * then) and login failures in the database, which several processes may share.
 */
export async function createGuards(config: HubConfig, db: Database, log: Logger, clock: Clock): Promise<Guards> {
  const warnThrottle = throttledWarning(log, 'login throttle store unavailable: logins pass unthrottled');
  if (!config.redisUrl || config.role === 'worker') {
    return {
      rateLimiter: new RateLimiter(new MemoryWindowCounter(() => clock.now().getTime()), log),
      loginThrottle: new LoginThrottle(new SqlThrottleStore(db), config.loginThrottle, clock, warnThrottle),
      close: async () => undefined,
    };
  }
  // No offline queue and a short timeout: with Redis down a command fails at once and the guard
  // lets the request through, instead of every citizen's request waiting on a reconnect.
  const redis = new IORedis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 500 });
  const warnConnection = throttledWarning(log, 'redis connection error (rate limits)');
  redis.on('error', warnConnection);
  // Wait briefly for the connection so that limits hold from the first request; Redis not up yet
  // is no reason to hold the start-up (requests pass until it answers).
  await new Promise<void>((resolve) => {
    const done = () => { clearTimeout(timer); redis.off('ready', done); resolve(); };
    const timer = setTimeout(done, 2000);
    redis.once('ready', done);
  });
  const prefix = `${config.queuePrefix}:guard`;
  return {
    rateLimiter: new RateLimiter(new RedisWindowCounter(redis, `${prefix}:rl`), log),
    loginThrottle: new LoginThrottle(new RedisThrottleStore(redis, `${prefix}:login`), config.loginThrottle, clock, warnThrottle),
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
