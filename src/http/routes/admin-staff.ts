import { Router } from 'express';
import { z } from 'zod';
import type { Hub } from '../../hub';
import { AUDITED, auditTrail } from '../../db/audit-admin-store';
import { StaffAdminStore } from '../../db/staff-admin-store';
import { notFound } from '../../shared/errors';
import { STAFF_ROLES } from '../../workflow/types';
import { parse } from '../errors';
import { createStaffSchema } from '../schemas';
import { currentStaff, requireStaff } from '../session';

const nonEmpty = { message: 'không có gì để sửa / nothing to change' };
export const updateStaffSchema = z.strictObject({
  displayName: z.string().trim().min(1).max(200).optional(),
  role: z.enum(STAFF_ROLES).optional(),
  /** Required with an agency role, null (or absent) with the others. */
  agencyId: z.number().int().positive().nullable().optional(),
  /** false: deactivated; its sessions end at once and it cannot log in. */
  active: z.boolean().optional(),
  /** A new password set by the admin; the account's other sessions end. */
  password: z.string().min(10, 'mật khẩu cần ít nhất 10 ký tự / at least 10 characters').max(200).optional(),
}).refine((v) => Object.keys(v).length > 0, nonEmpty);

export const auditQuerySchema = z.strictObject({
  entity: z.enum(AUDITED).optional(),
  /** One record: a staff or agency id, a category code, a channel. */
  key: z.string().trim().min(1).max(60).optional(),
});

const idParam = z.coerce.number().int().positive();

/** Staff accounts (admins create and change them, with an audit trail) and the colleagues' names every staff member may read. */
export function adminStaffRoutes(hub: Hub): Router {
  const r = Router();
  const store = new StaffAdminStore(hub.db);

  r.post('/api/v1/staff-users', requireStaff('admin'), async (req, res) => {
    const body = parse(createStaffSchema, req.body);
    const user = await store.create({ ...body, agencyId: body.agencyId ?? null }, currentStaff(res).id);
    res.status(201).json(user);
  });

  // Names for display (timelines, assignees): agency roles see their own agency and the 1022 centre, never another agency.
  r.get('/api/v1/staff-users/directory', requireStaff(), async (_req, res) => {
    res.json({ users: await store.directory(currentStaff(res)) });
  });

  r.patch('/api/v1/staff-users/:id', requireStaff('admin'), async (req, res) => {
    const id = parse(idParam, req.params.id);
    const patch = parse(updateStaffSchema, req.body);
    const done = await store.update(id, patch, { id: currentStaff(res).id, sessionToken: res.locals.sessionToken ?? null });
    if (!done) throw notFound('staff_user');
    // Open live connections of the account are ended, so they reconnect with what it may now see (or not at all).
    if (done.accessChanged) hub.live.accessChanged(id);
    res.json({ ...done.user, sessionsEnded: done.sessionsEnded });
  });

  r.get('/api/v1/admin/audit', requireStaff('supervisor', 'admin'), async (req, res) => {
    const q = parse(auditQuerySchema, req.query);
    res.json({ entries: await auditTrail(hub.db, q.entity ?? null, q.key ?? null) });
  });

  return r;
}
