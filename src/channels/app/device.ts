import { HubError } from '../../shared/errors';

/**
 * The mobile app's per-device idempotency. The app sends `X-Device-Id` (a stable id it generates
 * once per installation, e.g. a UUID) with every report; a retry of the same report carries the
 * same `clientRef`. The key `app:<deviceId>:<clientRef>` keeps two installations that happen to
 * use the same clientRef (counters, timestamps) apart. The web portal's key stays `web:<clientRef>`.
 */
export const DEVICE_ID_HEADER = 'x-device-id';
const DEVICE_ID = /^[A-Za-z0-9._-]{8,128}$/;

export function readDeviceId(header: string | string[] | undefined, channel: 'web' | 'app'): string | null {
  if (channel !== 'app' || header === undefined) return null;
  const v = Array.isArray(header) ? header[0] : header;
  const id = (v ?? '').trim();
  if (!DEVICE_ID.test(id)) {
    throw new HubError('invalid', 'invalid_device_id',
      'Mã thiết bị (X-Device-Id) không hợp lệ: 8–128 ký tự chữ, số, ".", "_" hoặc "-".',
      'X-Device-Id is invalid: 8–128 characters of letters, digits, ".", "_" or "-".', { path: 'X-Device-Id' });
  }
  return id;
}

export function reportIdempotencyKey(channel: 'web' | 'app', clientRef: string | undefined, deviceId: string | null): string | null {
  if (!clientRef) return null;
  return channel === 'app' && deviceId ? `app:${deviceId}:${clientRef}` : `${channel}:${clientRef}`;
}
