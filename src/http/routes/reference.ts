import { Router } from 'express';
import type { Hub } from '../../hub';
import { currentStaff, requireStaff } from '../session';
import { adminCatalogRoutes } from './admin-catalog';
import { adminChannelRoutes } from './admin-channels';
import { adminStaffRoutes } from './admin-staff';

/** Reference data (public and staff reads); the administration writes are in ./admin-*.ts, mounted here. */
export function referenceRoutes(hub: Hub): Router {
  const r = Router();

  r.get('/api/v1/categories', async (_req, res) => {
    res.json({ categories: await hub.catalog.categories(), priorities: await hub.catalog.priorities() });
  });

  r.get('/api/v1/admin-units', async (req, res) => {
    const parent = typeof req.query.parent === 'string' && /^\d{1,6}$/.test(req.query.parent) ? req.query.parent : null;
    res.json({ units: await hub.catalog.adminUnits(parent) });
  });

  r.get('/api/v1/agencies', requireStaff(), async (_req, res) => {
    res.json({ agencies: await hub.catalog.agencies() });
  });

  r.get('/api/v1/channels', requireStaff(), async (_req, res) => {
    // Which channels are configured, which an admin switched off, and whether their outbound side works.
    res.json({ channels: await hub.channelStatus() });
  });

  r.get('/api/v1/staff-users', requireStaff('agency_lead', 'operator', 'supervisor', 'admin'), async (_req, res) => {
    const user = currentStaff(res);
    const users = await hub.staff.list(user.role === 'agency_lead' ? { agencyId: user.agencyId ?? -1 } : {});
    res.json({ users });
  });

  r.use(adminStaffRoutes(hub), adminCatalogRoutes(hub), adminChannelRoutes(hub));
  return r;
}
