/**
 * Errors that reach a client: a stable code, a Vietnamese message first and an English one.
 * The HTTP layer maps `kind` to a status; domain code never knows about HTTP.
 */
export type HubErrorKind =
  | 'invalid' | 'unauthenticated' | 'forbidden' | 'not_found' | 'conflict' | 'too_large'
  | 'unsupported_media' | 'rate_limited' | 'unavailable' | 'gone';

export class HubError extends Error {
  constructor(
    readonly kind: HubErrorKind,
    readonly code: string,
    readonly messageVi: string,
    readonly messageEn: string,
    readonly details?: unknown,
  ) {
    super(messageEn);
    this.name = 'HubError';
  }
}

export const notFound = (what = 'ticket') =>
  new HubError('not_found', `${what}_not_found`, 'Không tìm thấy dữ liệu yêu cầu.', `No such ${what}.`);
