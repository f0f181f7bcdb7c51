import express, { type Express } from 'express';
import helmet from 'helmet';
import path from 'node:path';
import type { Hub } from '../hub';
import { errorHandler, notFoundRoute } from './errors';
import { openApiDocument } from './openapi';
import { authRoutes } from './routes/auth';
import { referenceRoutes } from './routes/reference';
import { channelSwitchGuard } from './routes/admin-channels';
import { routingRoutes } from './routes/routing';
import { slaAdminRoutes } from './routes/sla-admin';
import { slaExtensionRoutes } from './routes/sla-extensions';
import { notificationRoutes } from './routes/notifications';
import { reportRoutes } from './routes/reports';
import { ticketRoutes } from './routes/tickets';
import { attachmentRoutes } from '../attachments/routes';
import { open311Routes } from '../open311/routes';
import { transparencyRoutes } from '../transparency/routes';
import { iocRoutes } from '../ioc/routes';
import { exportRoutes } from '../exports/routes';
import { dashboardRoutes } from '../dashboard/routes';
import { sessionMiddleware } from './session';
import { surveyRoutes } from '../satisfaction/routes';
import { consoleRoutes } from './console';
import { publicRateLimits } from './rate-limit';

// Static files stay in src/ (tsc does not copy them); the path works from src/http and dist/http.
export const PORTAL_DIR = path.resolve(__dirname, '../../src/channels/web/public');

/**
 * Security headers on every response (pages, API, errors, static files). No inline script or
 * style anywhere (the portal, survey, transparency pages and the console load files only), so the
 * policy allows none; no page may be framed. upgrade-insecure-requests only when the hub is served
 * over https: on a plain-http intranet address it would send the browser to an https port that is not there.
 */
export function securityHeaders(publicBaseUrl: string) {
  const https = publicBaseUrl.startsWith('https://');
  const helmetHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'base-uri': ["'self'"],
        'connect-src': ["'self'"],
        'font-src': ["'self'", 'data:'],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
        'img-src': ["'self'", 'data:', 'blob:'],
        'media-src': ["'self'", 'blob:'],
        'object-src': ["'none'"],
        'script-src': ["'self'"],
        'script-src-attr': ["'none'"],
        'style-src': ["'self'"],
        'upgrade-insecure-requests': https ? [] : null,
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: https,
  });
  return [helmetHeaders, (_req: express.Request, res: express.Response, next: express.NextFunction) => {
    // The portal asks for the citizen's position; nothing asks for camera, microphone or payment (a file input's capture is not a permission).
    res.set('Permissions-Policy', 'geolocation=(self), camera=(), microphone=(), payment=(), usb=()');
    next();
  }];
}

export function createApp(hub: Hub): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(securityHeaders(hub.config.publicBaseUrl));

  app.get('/healthz', (_req, res) => { res.json({ status: 'ok' }); });
  app.get('/readyz', async (_req, res) => {
    const checks = await hub.readiness();
    const ok = Object.values(checks).every((c) => c === 'ok');
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not_ready', checks, channels: await hub.channelStatus() });
  });

  // Webhooks come before the JSON parser: signatures are computed over the raw body.
  // A configured channel an admin switched off answers its intake webhooks 503 + Retry-After (see admin-channels.ts).
  for (const c of hub.channels) if (c.enabled && c.routes) app.use(channelSwitchGuard(hub, c.channel), c.routes);

  // Per-IP limits on the public endpoints, before any body is parsed (webhooks above are never limited).
  app.use(publicRateLimits(hub.guards.rateLimiter, hub.config.rateLimits));
  // 1 MB is far above any real report text; larger bodies get a clear 413.
  app.use(express.json({ limit: '1mb', strict: false }));
  app.use(sessionMiddleware(hub.staff, hub.config.publicBaseUrl));

  app.get('/api/docs', (_req, res) => { res.json(openApiDocument(hub.config.publicBaseUrl)); });
  app.use(reportRoutes(hub));
  app.use(authRoutes(hub));
  app.use(ticketRoutes(hub));
  app.use(attachmentRoutes(hub));
  app.use(referenceRoutes(hub));
  app.use(routingRoutes(hub));
  app.use(slaAdminRoutes(hub));
  app.use(slaExtensionRoutes(hub));
  app.use(iocRoutes(hub));
  app.use(exportRoutes(hub));
  app.use(dashboardRoutes(hub));
  app.use(notificationRoutes(hub));
  app.use(surveyRoutes(hub));
  app.use(open311Routes(hub));
  app.use(transparencyRoutes(hub));

  app.use(consoleRoutes());

  // The citizen portal: one page that reports and tracks (the tracking link lands on /track/CODE).
  app.use(express.static(PORTAL_DIR, { index: 'index.html', maxAge: '5m' }));
  app.get('/track/:code', (_req, res) => { res.sendFile(path.join(PORTAL_DIR, 'index.html')); });

  app.use('/api', notFoundRoute);
  app.use(notFoundRoute);
  app.use(errorHandler(hub.log));
  return app;
}
