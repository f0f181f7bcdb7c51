import pino from 'pino';

/** Structured logs: one JSON line per event. Never log personal data beyond ticket codes. */
export type Logger = pino.Logger;

export function createLogger(level: string, name = '1022-hub'): Logger {
  return pino({
    name,
    level,
    redact: { paths: ['*.password', '*.phone', '*.email', '*.token', '*.trackingToken', 'req.headers.cookie', 'req.headers.authorization'], censor: '[redacted]' },
  });
}

export const silentLogger: Logger = pino({ level: 'silent' });
