import express, { type Express } from 'express';
import helmet from 'helmet';
import path from 'node:path';
import type { Hub } from '../hub';
import { errorHandler, notFoundRoute } from './errors';
import { openApiDocument } from './openapi';
import { authRoutes } from './routes/auth';
import { referenceRoutes } from './routes/reference';
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

// Static files stay in src/ (tsc does not copy them); the path works from src/http and dist/http.
export const PORTAL_DIR = path.resolve(__dirname, '../../src/channels/web/public');

export function createApp(hub: Hub): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(helmet({ contentSecurityPolicy: { directives: { 'img-src': ["'self'", 'data:', 'blob:'] } } }));

  app.get('/healthz', (_req, res) => { res.json({ status: 'ok' }); });
  app.get('/readyz', async (_req, res) => {
    const checks = await hub.readiness();
    const ok = Object.values(checks).every((c) => c === 'ok');
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not_ready', checks, channels: await hub.channelStatus() });
  });

  // Webhooks come before the JSON parser: signatures are computed over the raw body.
  for (const c of hub.channels) if (c.enabled && c.routes) app.use(c.routes);

  // 1 MB is far above any real report text; larger bodies get a clear 413.
  app.use(express.json({ limit: '1mb', strict: false }));
  app.use(sessionMiddleware(hub.staff));

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
