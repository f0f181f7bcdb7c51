import { Router } from 'express';
import type { Hub } from '../../hub';
import { HubError } from '../../shared/errors';
import { parse } from '../errors';
import { createStaffSchema } from '../schemas';
import { currentStaff, requireStaff } from '../session';

/** Reference data (public) and staff administration. */
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
    // Which channels are on and whether their outbound side works (token, outages, failures).
    res.json({ channels: await hub.channelStatus() });
  });

  r.get('/api/v1/staff-users', requireStaff('agency_lead', 'operator', 'supervisor', 'admin'), async (_req, res) => {
    const user = currentStaff(res);
    const users = await hub.staff.list(user.role === 'agency_lead' ? { agencyId: user.agencyId ?? -1 } : {});
    res.json({ users });
  });

  r.post('/api/v1/staff-users', requireStaff('admin'), async (req, res) => {
    const body = parse(createStaffSchema, req.body);
    const needsAgency = body.role === 'agency_staff' || body.role === 'agency_lead';
    if (needsAgency !== (body.agencyId != null)) {
      throw new HubError('invalid', 'agency_role_mismatch', 'Cán bộ đơn vị cần có đơn vị; các vai trò khác không gắn đơn vị.',
        'Agency roles need an agencyId; other roles must not have one.');
    }
    if (await hub.staff.findForLogin(body.email)) {
      throw new HubError('conflict', 'email_taken', 'Email này đã được dùng.', 'This email is already in use.');
    }
    const user = await hub.staff.create({ ...body, agencyId: body.agencyId ?? null });
    res.status(201).json(user);
  });

  return r;
}
