import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Zalo's webhook signature: the hex SHA-256 (a plain hash, not an HMAC) of
 * app_id + raw body + timestamp + OA secret key, where timestamp is the `timestamp` field of the
 * JSON body. The OA secret key is the one on the app's Webhook page, not the App Secret.
 */
export function zaloSignature(appId: string, rawBody: Buffer | string, timestamp: string, oaSecret: string): string {
  return createHash('sha256')
    .update(appId, 'utf8')
    .update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody)
    .update(timestamp, 'utf8')
    .update(oaSecret, 'utf8')
    .digest('hex');
}

/** The header as sent, with or without a `mac=` prefix; constant-time comparison. */
export function verifyZaloSignature(header: string | undefined, appId: string, rawBody: Buffer, timestamp: string, oaSecret: string): boolean {
  if (!header) return false;
  const given = header.trim().replace(/^mac=/i, '').trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(given)) return false;
  const expected = zaloSignature(appId, rawBody, timestamp, oaSecret);
  return timingSafeEqual(Buffer.from(given, 'utf8'), Buffer.from(expected, 'utf8'));
}
