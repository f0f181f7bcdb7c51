import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { safeEqual } from '../shared/safe-equal';
import { HubError } from '../shared/errors';
import type { StaffStore } from '../staff/staff-store';
import type { StaffRole, StaffUser } from '../workflow/types';

export const SESSION_COOKIE = 'hub_session';
export const CSRF_HEADER = 'x-csrf-token';

export function readCookie(req: Request, name: string): string | undefined {
  return cookieValue(req.headers.cookie, name);
}

/** One cookie from a Cookie header (also the socket.io handshake's). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      // A malformed %-escape is a broken cookie, i.e. no session — not a 500 on every request.
      try { return decodeURIComponent(part.slice(i + 1).trim()); } catch { return undefined; }
    }
  }
  return undefined;
}

declare module 'express-serve-static-core' {
  interface Locals {
    staff?: StaffUser;
    csrfToken?: string;
    sessionToken?: string;
  }
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether a browser's Origin header names the hub itself: the origin the request was sent to
 * (scheme and Host, as express reads them behind a loopback proxy) or PUBLIC_BASE_URL's. No Origin
 * (a non-browser client, which needs the cookie and the token anyway) passes; "null" and garbage do not.
 */
export function isSameOrigin(req: Request, publicBaseUrl: string): boolean {
  return originIsHub(req.get('origin'), req.get('host'), publicBaseUrl, req.protocol);
}

/**
 * The one rule for browser origins, for cookie-authenticated writes and for the console's live
 * stream: no Origin (a non-browser client) passes; otherwise it must be PUBLIC_BASE_URL's origin or
 * the host the request was sent to — the whole origin when the request's scheme is known, the host
 * alone when it is not (a socket.io handshake behind a TLS-terminating proxy).
 */
export function originIsHub(origin: string | undefined, host: string | undefined, publicBaseUrl: string, scheme?: string): boolean {
  if (origin === undefined) return true;
  try {
    const o = new URL(origin);
    if (o.origin === new URL(publicBaseUrl).origin) return true;
    if (host === undefined) return false;
    return scheme ? o.origin === new URL(`${scheme}://${host}`).origin : o.host === host;
  } catch {
    return false;
  }
}

/**
 * Reads the session cookie. Cookie-authenticated writes must carry the session's CSRF token in
 * X-CSRF-Token (a cross-site form cannot set that header) and, when a browser names their Origin,
 * come from the hub's own pages: either alone stops a forged request; both are checked so that a
 * token that leaked to another site is still useless there.
 */
export function sessionMiddleware(staff: StaffStore, publicBaseUrl: string): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const token = readCookie(req, SESSION_COOKIE);
    if (!token || token.length > 200) return next();
    const s = await staff.session(token);
    if (!s) return next();
    if (!SAFE.has(req.method)) {
      const sent = req.get(CSRF_HEADER);
      if (!sent || !safeEqual(sent, s.csrfToken)) {
        throw new HubError('forbidden', 'csrf_token_invalid', 'Thiếu hoặc sai mã chống giả mạo (X-CSRF-Token).', 'Missing or wrong X-CSRF-Token for a cookie-authenticated write.');
      }
      if (!isSameOrigin(req, publicBaseUrl)) {
        throw new HubError('forbidden', 'cross_origin_write', 'Yêu cầu ghi từ trang web khác bị từ chối.', 'A cookie-authenticated write from another site (Origin) is refused.');
      }
    }
    res.locals.staff = s.user;
    res.locals.csrfToken = s.csrfToken;
    res.locals.sessionToken = token;
    next();
  };
}

export function requireStaff(...roles: StaffRole[]): RequestHandler {
  return (_req, res, next) => {
    const user = res.locals.staff;
    if (!user) throw new HubError('unauthenticated', 'login_required', 'Vui lòng đăng nhập.', 'Please log in.');
    if (roles.length && !roles.includes(user.role)) {
      throw new HubError('forbidden', 'role_not_allowed', 'Vai trò của bạn không có quyền này.', 'Your role does not allow this.');
    }
    next();
  };
}

export function currentStaff(res: Response): StaffUser {
  const u = res.locals.staff;
  if (!u) throw new HubError('unauthenticated', 'login_required', 'Vui lòng đăng nhập.', 'Please log in.');
  return u;
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(authorization: string | undefined): string | null {
  return /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1] ?? null;
}

/** One of IOC_API_KEYS, compared in constant time. */
export function isIocKey(key: string | null, keys: readonly string[]): boolean {
  return key !== null && keys.some((k) => safeEqual(k, key));
}

/** The IOC's machines authenticate with a bearer key from IOC_API_KEYS instead of a session. */
export function hasIocKey(req: Request, keys: readonly string[]): boolean {
  return isIocKey(bearerToken(req.get('authorization')), keys);
}

/**
 * Staff with a session (of one of `roles`, when given), or — with no session — the IOC with its
 * key. A session decides who the caller is; a key sent beside it grants nothing more.
 */
export function requireStaffOrIocKey(keys: readonly string[], ...roles: StaffRole[]): RequestHandler {
  return (req, res, next) => {
    const user = res.locals.staff;
    if (user) {
      if (roles.length && !roles.includes(user.role)) {
        throw new HubError('forbidden', 'role_not_allowed', 'Vai trò của bạn không có quyền này.', 'Your role does not allow this.');
      }
      return next();
    }
    if (hasIocKey(req, keys)) return next();
    throw new HubError('unauthenticated', 'login_or_key_required', 'Vui lòng đăng nhập hoặc gửi khóa IOC (Authorization: Bearer).',
      'Log in, or send an IOC key (Authorization: Bearer).');
  };
}
