import { Router } from 'express';
import { z } from 'zod';
import type { Hub } from '../../hub';
import { parse } from '../errors';
import { currentStaff, requireStaff } from '../session';

export const requestSchema = z.strictObject({
  newDueAt: z.iso.datetime({ offset: true }),
  reason: z.string().trim().min(5, 'lý do ít nhất 5 ký tự / reason of at least 5 characters').max(2000),
});
export const decisionSchema = z.strictObject({ note: z.string().trim().max(2000).optional() });
const idParam = z.coerce.number().int().positive();

/** Extensions ("xin gia hạn"): the agency asks, a 1022 supervisor decides. */
export function slaExtensionRoutes(hub: Hub): Router {
  const r = Router();

  r.post('/api/v1/tickets/:code/extension-requests', requireStaff('agency_staff', 'agency_lead'), async (req, res) => {
    const b = parse(requestSchema, req.body);
    const request = await hub.sla.requestExtension(String(req.params.code).toUpperCase(), currentStaff(res), new Date(b.newDueAt), b.reason);
    res.status(201).json(request);
  });

  r.get('/api/v1/sla/extension-requests', requireStaff('supervisor', 'admin'), async (req, res) => {
    const status = parse(z.enum(['requested', 'approved', 'refused']).default('requested'), req.query.status);
    res.json({ items: await hub.slaSettings.extensionRequests(status) });
  });

  for (const [verb, approve] of [['approve', true], ['refuse', false]] as const) {
    r.post(`/api/v1/sla/extension-requests/:id/${verb}`, requireStaff('supervisor', 'admin'), async (req, res) => {
      const id = parse(idParam, req.params.id);
      const b = parse(decisionSchema, req.body ?? {});
      res.json(await hub.sla.decideExtension(id, currentStaff(res), approve, b.note ?? null));
    });
  }
  return r;
}
