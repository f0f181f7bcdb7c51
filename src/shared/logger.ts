import pino from 'pino';

/** Structured logs: one JSON line per event. Never log personal data beyond ticket codes. */
export type Logger = pino.Logger;

/**
 * Fields that would carry personal data or secrets, wherever a log call puts them: at the top of
 * the object or one level down (pino's `*.x` does not match a top-level `x`). A second line of
 * defence: log calls name ticket codes and ids, not people.
 */
const SENSITIVE_KEYS = ['password', 'phone', 'email', 'token', 'trackingToken', 'accessToken', 'refreshToken', 'secret', 'apiKey', 'api_key', 'authorization', 'cookie'];
export const REDACT_PATHS: string[] = [
  ...SENSITIVE_KEYS, ...SENSITIVE_KEYS.map((k) => `*.${k}`),
  'req.headers.cookie', 'req.headers.authorization',
];

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
/**
 * Phone numbers as people and platforms write them (E.164, +84 / 84 / 0 with spaces, dots,
 * dashes or brackets), 12-digit CCCD and 9-digit CMND numbers. Not ticket codes, ids, ISO dates,
 * epoch milliseconds, IP addresses or hex ids: those stay readable.
 */
const PERSONAL_NUMBER = /(?<![\w+])(?:\+\d[\d\s.()-]{7,}\d|(?:\(?\+?84\)?|0)[\s.()-]*[1-9](?:[\s.()-]*\d){7,9}|\d{12}|\d{9})(?!\w)/g;

/** Free text with e-mail addresses, phone and ID-card numbers masked, e.g. a platform's error message that names the recipient. */
export function scrubText(text: string): string {
  return text.replace(EMAIL, '[email]').replace(PERSONAL_NUMBER, '[number]');
}

function scrubValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { type: value.name, message: scrubText(value.message), ...(value.stack ? { stack: scrubText(value.stack) } : {}) };
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubValue(v, depth + 1)]));
}

/**
 * The hub's logger. Sensitive fields are redacted by name (REDACT_PATHS), and every string a log
 * call passes (message, fields, error messages from platforms and libraries) is scrubbed of
 * e-mail addresses and phone and ID numbers (scrubText): tests/log-hygiene.test.ts greps a full run.
 */
export function createLogger(level: string, name = '1022-hub', destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name, level, redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => scrubValue(a)) as Parameters<typeof method>);
      },
    },
  };
  // A destination other than stdout is for tests that read what the hub logs (tests/log-hygiene.test.ts).
  return destination ? pino(options, destination) : pino(options);
}

export const silentLogger: Logger = pino({ level: 'silent' });
