import { Router } from 'express';
import type { Hub } from '../../hub';
import { HubError } from '../../shared/errors';
import { verifyAgainstDummy, verifyPassword } from '../../staff/password';
import { parse } from '../errors';
import { loginSchema } from '../schemas';
import { SESSION_COOKIE, currentStaff, requireStaff } from '../session';

export function authRoutes(hub: Hub): Router {
  const r = Router();
  const secure = hub.config.publicBaseUrl.startsWith('https://');

  r.post('/api/v1/auth/login', async (req, res) => {
    const { email, password } = parse(loginSchema, req.body);
    const user = await hub.staff.findForLogin(email);
    const ok = user && user.active ? await verifyPassword(password, user.passwordHash) : await verifyAgainstDummy(password);
    if (!ok || !user) {
      throw new HubError('unauthenticated', 'invalid_credentials', 'Email hoặc mật khẩu không đúng.', 'Wrong email or password.');
    }
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
