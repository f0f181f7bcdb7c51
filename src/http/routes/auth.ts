import { Router, type Response } from 'express';
import type { Hub } from '../../hub';
import { HubError } from '../../shared/errors';
import { verifyAgainstDummy, verifyPassword } from '../../staff/password';
import { parse } from '../errors';
import { loginSchema } from '../schemas';
import { SESSION_COOKIE, currentStaff, requireStaff } from '../session';
import { clientKey } from '../rate-limit';

/** 429 for a login refused by the failed-login lockout (account or address), with Retry-After. */
function loginLocked(res: Response, seconds: number): HubError {
  res.set('Retry-After', String(seconds));
  const wait = seconds >= 120 ? `${Math.ceil(seconds / 60)} phút` : `${seconds} giây`;
  const waitEn = seconds >= 120 ? `${Math.ceil(seconds / 60)} minutes` : `${seconds} seconds`;
  return new HubError('rate_limited', 'login_locked',
    `Đăng nhập sai quá nhiều lần: tạm khóa đăng nhập, vui lòng thử lại sau ${wait}.`,
    `Too many failed logins: logging in is locked for now; please retry in ${waitEn}.`,
    { retryAfterSeconds: seconds });
}

export function authRoutes(hub: Hub): Router {
  const r = Router();
  const secure = hub.config.publicBaseUrl.startsWith('https://');

  r.post('/api/v1/auth/login', async (req, res) => {
    const { email, password } = parse(loginSchema, req.body);
    // Refused before the password is checked: while locked, a right and a wrong password get the same answer.
    const attempt = await hub.guards.loginThrottle.begin(email, clientKey(req.ip));
    if (attempt.refusedSeconds > 0) throw loginLocked(res, attempt.refusedSeconds);
    const user = await hub.staff.findForLogin(email);
    const ok = user && user.active ? await verifyPassword(password, user.passwordHash) : await verifyAgainstDummy(password);
    if (!ok || !user) {
      const locked = await attempt.failed();
      if (locked > 0) throw loginLocked(res, locked);
      throw new HubError('unauthenticated', 'invalid_credentials', 'Email hoặc mật khẩu không đúng.', 'Wrong email or password.');
    }
    await attempt.succeeded();
    const s = await hub.staff.openSession(user.id);
    res.cookie(SESSION_COOKIE, s.token, { httpOnly: true, sameSite: 'lax', secure, path: '/', expires: s.expiresAt });
    const { passwordHash: _omit, ...safe } = user;
    res.json({ user: safe, csrfToken: s.csrfToken });
  });

  r.get('/api/v1/auth/me', requireStaff(), (_req, res) => {
    res.json({ user: currentStaff(res), csrfToken: res.locals.csrfToken });
  });

  r.post('/api/v1/auth/logout', requireStaff(), async (_req, res) => {
    if (res.locals.sessionToken) await hub.staff.closeSession(res.locals.sessionToken);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.status(204).end();
  });

  return r;
}
