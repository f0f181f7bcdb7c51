import { Router } from 'express';
import { z } from 'zod';
import { NotificationStore } from '../../db/notification-store';
import type { Hub } from '../../hub';
import { notFound } from '../../shared/errors';
import { parse } from '../errors';
import { currentStaff, requireStaff } from '../session';

/** The signed-in staff member's notices: SLA warnings and breaches, urgent reports. */
export function notificationRoutes(hub: Hub): Router {
  const r = Router();
  const store = new NotificationStore(hub.db);
  r.use('/api/v1/notifications', requireStaff());

  r.get('/api/v1/notifications', async (req, res) => {
    const unread = parse(z.enum(['true', 'false']).default('false'), req.query.unread) === 'true';
    res.json(await store.list(currentStaff(res).id, unread));
  });

  r.post('/api/v1/notifications/read-all', async (_req, res) => {
    res.json({ marked: await store.markRead(currentStaff(res).id, null) });
  });

  r.post('/api/v1/notifications/:id/read', async (req, res) => {
    const marked = await store.markRead(currentStaff(res).id, parse(z.coerce.number().int().positive(), req.params.id));
    if (marked === 0) throw notFound();
    res.json({ marked });
  });
  return r;
}
