import path from 'node:path';
import { z } from 'zod';

/**
 * Configuration is read and validated once, here. Nothing else reads process.env.
 * Names and defaults follow ../shared/design/contracts.md exactly.
 */
const csv = z
  .string()
  .optional()
  .transform((v) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : []));
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() !== '' ? v.trim() : undefined));

function validImapUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'imap:' || u.protocol === 'imaps:') && u.hostname !== '' && u.username !== '';
  } catch {
    return false;
  }
}

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  PUBLIC_BASE_URL: optionalString,
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: optionalString,
  // A streaming replica of DATABASE_URL for the IOC feed, dashboard and statistics exports (reads only).
  READ_DATABASE_URL: optionalString,
  REDIS_URL: optionalString,
  DEMO: optionalString,
  SMTP_INBOUND_PORT: z.coerce.number().int().min(0).max(65535).default(2525),
  SMTP_URL: optionalString,
  IMAP_URL: optionalString.refine((v) => v === undefined || validImapUrl(v), {
    message: 'IMAP_URL must look like imaps://user:pass@host:993/INBOX (or imap://…:143/…)',
  }),
  IMAP_POLL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  FACEBOOK_APP_SECRET: optionalString,
  FACEBOOK_VERIFY_TOKEN: optionalString,
  FACEBOOK_PAGE_TOKEN: optionalString,
  FACEBOOK_GRAPH_URL: z.string().default('https://graph.facebook.com/v21.0'),
  ZALO_APP_ID: optionalString,
  ZALO_OA_SECRET: optionalString,
  ZALO_APP_SECRET: optionalString,
  ZALO_OA_ACCESS_TOKEN: optionalString,
  ZALO_REFRESH_TOKEN: optionalString,
  ZALO_API_URL: z.string().default('https://openapi.zalo.me'),
  ZALO_OAUTH_URL: z.string().default('https://oauth.zaloapp.com'),
  TWILIO_ACCOUNT_SID: optionalString,
  TWILIO_AUTH_TOKEN: optionalString,
  TWILIO_FROM_NUMBER: optionalString,
  TWILIO_API_URL: optionalString,
  IOC_API_KEYS: csv,
  OPEN311_API_KEYS: csv,
  ADMIN_EMAIL: optionalString,
  ADMIN_PASSWORD: optionalString,
  // Not in the contracts: operational knobs of this implementation.
  HUB_ROLE: z.enum(['all', 'api', 'worker']).default('all'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
  // Jobs one process runs at once; unset = its background connection pool's size (more would only queue for a connection).
  JOB_CONCURRENCY: z.coerce.number().int().min(1).max(200).optional(),
  THREAD_WINDOW_HOURS: z.coerce.number().min(0).max(24 * 90).default(72),
  CLASSIFY_CONFIDENCE_THRESHOLD: z.coerce.number().min(0).max(1).default(0.55),
  SLA_SWEEP_SECONDS: z.coerce.number().min(1).max(3600).default(15),
  // How long a job or a send may stay unfinished before recovery assumes its process died or Redis lost it.
  RECOVERY_AFTER_SECONDS: z.coerce.number().int().min(10).max(86_400).default(120),
  SURVEY_REMINDER_HOURS: z.coerce.number().min(0).max(24 * 30).default(48),
  SURVEY_ANSWER_DAYS: z.coerce.number().min(1).max(365).default(30),
  SURVEY_MAX_REOPENS: z.coerce.number().int().min(0).max(10).default(1),
  // Requests per minute per client IP on the public endpoints (0 = no limit); see README "Security".
  RATE_LIMIT_REPORTS_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(60),
  RATE_LIMIT_TRACKING_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(120),
  RATE_LIMIT_OPEN311_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(120),
  RATE_LIMIT_PUBLIC_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(300),
  RATE_LIMIT_LOGIN_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(30),
  // Failed staff logins: lock an account (or an IP) after this many failures in the window (0 = off).
  LOGIN_THROTTLE_FAILURES: z.coerce.number().int().min(0).max(1000).default(5),
  LOGIN_THROTTLE_IP_FAILURES: z.coerce.number().int().min(0).max(100_000).default(20),
  LOGIN_THROTTLE_WINDOW_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(15),
  LOGIN_THROTTLE_LOCK_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  LOGIN_THROTTLE_MAX_LOCK_SECONDS: z.coerce.number().int().min(1).max(7 * 86_400).default(3600),
  QUEUE_PREFIX: z.string().regex(/^[\w-]{1,40}$/, 'QUEUE_PREFIX: letters, digits, _ and - only').default('hub1022'),
  TICKET_CODE_PREFIX: z
    .string()
    .regex(/^[A-Z]{2,4}$/, 'TICKET_CODE_PREFIX must be 2–4 capital letters')
    .default('PA'),
});

export type HubConfig = {
  port: number;
  host: string;
  publicBaseUrl: string;
  dataDir: string;
  databaseUrl?: string;
  /** Reporting reads (IOC feed, dashboard, statistics) go here when set: a PostgreSQL read replica. */
  readDatabaseUrl?: string;
  redisUrl?: string;
  demo: boolean;
  smtpInboundPort: number;
  smtpUrl?: string;
  /** Optional IMAP polling (IMAP_URL, unset = off): unseen mail in the mailbox enters like SMTP mail. */
  imap?: { url: string; pollSeconds: number };
  facebook: { appSecret?: string; verifyToken?: string; pageToken?: string; graphUrl: string };
  zalo: {
    appId?: string;
    oaSecret?: string;
    appSecret?: string;
    accessToken?: string;
    refreshToken?: string;
    apiUrl: string;
    oauthUrl: string;
  };
  twilio: { accountSid?: string; authToken?: string; fromNumber?: string; apiUrl?: string };
  iocApiKeys: string[];
  open311ApiKeys: string[];
  admin: { email?: string; password?: string };
  role: 'all' | 'api' | 'worker';
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  dbPoolSize: number;
  /** Jobs one process runs at once (undefined: as many as its background pool has connections). */
  jobConcurrency?: number;
  ticketCodePrefix: string;
  /** A citizen's new message joins their open ticket on that channel if it was active this recently. */
  threadWindowHours: number;
  /** Below this classifier confidence a ticket waits for an operator instead of being routed. */
  classifyConfidenceThreshold: number;
  /** How often the SLA safety-net sweep runs. */
  slaSweepSeconds: number;
  /** Unfinished outbox jobs and deliveries older than this are recovered (re-enqueued, or marked unconfirmed). */
  recoveryAfterSeconds: number;
  /** Satisfaction surveys: one reminder after this many hours (0 = none), answers accepted this many days, reopenings allowed. */
  survey: { reminderHours: number; answerDays: number; maxReopens: number };
  /** BullMQ key prefix: separate hubs (or benchmark runs) on one Redis never share jobs. */
  queuePrefix: string;
  /** Requests per minute per client IP on the public endpoints; 0 = no limit. */
  rateLimits: RateLimitConfig;
  /** Lockout after failed staff logins, per account and per IP; `failures` 0 = off. */
  loginThrottle: LoginThrottleConfig;
};

export type RateLimitConfig = { reports: number; tracking: number; open311: number; public: number; login: number };
export type LoginThrottleConfig = { failures: number; ipFailures: number; windowSeconds: number; lockSeconds: number; maxLockSeconds: number };

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Cấu hình không hợp lệ / invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const embedded = !e.DATABASE_URL;
  const demo = e.DEMO === undefined ? embedded : e.DEMO === '1' || e.DEMO === 'true';
  return {
    port: e.PORT,
    host: e.HOST,
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    dataDir: path.resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    readDatabaseUrl: e.READ_DATABASE_URL,
    redisUrl: e.REDIS_URL,
    demo,
    smtpInboundPort: e.SMTP_INBOUND_PORT,
    smtpUrl: e.SMTP_URL,
    imap: e.IMAP_URL ? { url: e.IMAP_URL, pollSeconds: e.IMAP_POLL_SECONDS } : undefined,
    facebook: {
      appSecret: e.FACEBOOK_APP_SECRET,
      verifyToken: e.FACEBOOK_VERIFY_TOKEN,
      pageToken: e.FACEBOOK_PAGE_TOKEN,
      graphUrl: e.FACEBOOK_GRAPH_URL.replace(/\/+$/, ''),
    },
    zalo: {
      appId: e.ZALO_APP_ID,
      oaSecret: e.ZALO_OA_SECRET,
      appSecret: e.ZALO_APP_SECRET,
      accessToken: e.ZALO_OA_ACCESS_TOKEN,
      refreshToken: e.ZALO_REFRESH_TOKEN,
      apiUrl: e.ZALO_API_URL.replace(/\/+$/, ''),
      oauthUrl: e.ZALO_OAUTH_URL.replace(/\/+$/, ''),
    },
    twilio: {
      accountSid: e.TWILIO_ACCOUNT_SID,
      authToken: e.TWILIO_AUTH_TOKEN,
      fromNumber: e.TWILIO_FROM_NUMBER,
      apiUrl: e.TWILIO_API_URL,
    },
    iocApiKeys: e.IOC_API_KEYS,
    open311ApiKeys: e.OPEN311_API_KEYS,
    admin: { email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD },
    role: e.HUB_ROLE,
    logLevel: e.LOG_LEVEL,
    dbPoolSize: e.DB_POOL_SIZE,
    jobConcurrency: e.JOB_CONCURRENCY,
    ticketCodePrefix: e.TICKET_CODE_PREFIX,
    queuePrefix: e.QUEUE_PREFIX,
    threadWindowHours: e.THREAD_WINDOW_HOURS,
    classifyConfidenceThreshold: e.CLASSIFY_CONFIDENCE_THRESHOLD,
    slaSweepSeconds: e.SLA_SWEEP_SECONDS,
    recoveryAfterSeconds: e.RECOVERY_AFTER_SECONDS,
    survey: { reminderHours: e.SURVEY_REMINDER_HOURS, answerDays: e.SURVEY_ANSWER_DAYS, maxReopens: e.SURVEY_MAX_REOPENS },
    rateLimits: {
      reports: e.RATE_LIMIT_REPORTS_PER_MINUTE, tracking: e.RATE_LIMIT_TRACKING_PER_MINUTE, open311: e.RATE_LIMIT_OPEN311_PER_MINUTE,
      public: e.RATE_LIMIT_PUBLIC_PER_MINUTE, login: e.RATE_LIMIT_LOGIN_PER_MINUTE,
    },
    loginThrottle: {
      failures: e.LOGIN_THROTTLE_FAILURES, ipFailures: e.LOGIN_THROTTLE_IP_FAILURES, windowSeconds: e.LOGIN_THROTTLE_WINDOW_MINUTES * 60,
      lockSeconds: e.LOGIN_THROTTLE_LOCK_SECONDS, maxLockSeconds: Math.max(e.LOGIN_THROTTLE_LOCK_SECONDS, e.LOGIN_THROTTLE_MAX_LOCK_SECONDS),
    },
  };
}
