import { Router } from 'express';
import { z } from 'zod';
import type { Hub } from '../../hub';
import { ROUTING_LEVELS } from '../../routing/rules';
import { HubError, notFound } from '../../shared/errors';
import { parse } from '../errors';
import { currentStaff, requireStaff, requireStaffOrIocKey } from '../session';

const code = (max: number) => z.string().trim().min(1).max(max);
const ruleFields = {
  categoryCode: code(40).nullable().optional(),
  communeCode: z.string().trim().regex(/^\d{2,6}$/, 'mã xã/phường là chữ số / commune codes are digits').nullable().optional(),
  keyword: z.string().trim().min(2).max(80).nullable().optional(),
  agencyId: z.number().int().positive(),
  precedence: z.number().int().min(0).max(10_000).optional(),
  active: z.boolean().optional(),
  note: z.string().trim().max(500).nullable().optional(),
};
export const createRuleSchema = z.strictObject(ruleFields);
export const updateRuleSchema = z.strictObject({ ...ruleFields, agencyId: ruleFields.agencyId.optional() })
  .refine((v) => Object.keys(v).length > 0, { message: 'không có gì để sửa / nothing to change' });
const idParam = z.coerce.number().int().positive();
export const aliasSchema = z.strictObject({
  alias: z.string().trim().min(3).max(120),
  communeCode: z.string().trim().regex(/^\d{2,6}$/, 'mã xã/phường là chữ số / commune codes are digits'),
});

export const classifySchema = z.strictObject({ text: z.string().trim().min(1).max(10_000) });
export const previewSchema = z.strictObject({
  text: z.string().trim().min(1).max(10_000),
  categoryCode: code(40).optional(),
  communeCode: z.string().trim().regex(/^\d{2,6}$/).optional(),
  address: z.string().trim().max(500).optional(),
  location: z.strictObject({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180) }).optional(),
});

/**
 * Routing rules (admins edit, with an audit trail), a dry run of the whole understanding step for
 * operators, and the classifier for staff and the IOC.
 */
export function routingRoutes(hub: Hub): Router {
  const r = Router();

  r.post('/api/v1/classify', requireStaffOrIocKey(hub.config.iocApiKeys), (req, res) => {
    const { text } = parse(classifySchema, req.body);
    const c = hub.understanding.classify(text);
    res.json({
      category: c.category, confidence: c.confidence, priority: c.priority, priorityConfidence: c.priorityConfidence,
      alternatives: c.alternatives, explanation: { terms: c.terms, urgentSignals: c.urgentSignals },
    });
  });

  r.get('/api/v1/routing/rules', requireStaff('operator', 'supervisor', 'admin'), async (_req, res) => {
    res.json({ rules: await hub.routing.list(), levels: ROUTING_LEVELS });
  });

  r.post('/api/v1/routing/rules', requireStaff('admin'), async (req, res) => {
    const b = parse(createRuleSchema, req.body);
    const rule = await hub.routing.create({
      categoryCode: b.categoryCode ?? null, communeCode: b.communeCode ?? null, keyword: b.keyword ?? null, agencyId: b.agencyId,
      precedence: b.precedence ?? 100, active: b.active ?? true, note: b.note ?? null,
    }, currentStaff(res).id);
    res.status(201).json(rule);
  });

  r.patch('/api/v1/routing/rules/:id', requireStaff('admin'), async (req, res) => {
    const id = parse(idParam, req.params.id);
    const rule = await hub.routing.update(id, parse(updateRuleSchema, req.body), currentStaff(res).id);
    if (!rule) throw notFound();
    res.json(rule);
  });

  r.delete('/api/v1/routing/rules/:id', requireStaff('admin'), async (req, res) => {
    const id = parse(idParam, req.params.id);
    if (!(await hub.routing.remove(id, currentStaff(res).id))) throw notFound();
    res.status(204).end();
  });

  r.get('/api/v1/routing/audit', requireStaff('supervisor', 'admin'), async (req, res) => {
    const ruleId = req.query.ruleId === undefined ? null : parse(idParam, req.query.ruleId);
    res.json({ entries: await hub.routing.auditTrail(ruleId) });
  });

  // Place names the commune list does not know (villages, estates, landmarks, streets), mapped by admins.
  r.get('/api/v1/area-aliases', requireStaff('operator', 'supervisor', 'admin'), async (_req, res) => {
    res.json({ aliases: await hub.areas.aliases() });
  });

  r.post('/api/v1/area-aliases', requireStaff('admin'), async (req, res) => {
    const b = parse(aliasSchema, req.body);
    if (!(await hub.areas.addAlias(b.alias, b.communeCode))) {
      throw new HubError('invalid', 'unknown_commune', `Xã/phường "${b.communeCode}" không tồn tại.`, `Unknown commune "${b.communeCode}".`);
    }
    hub.understanding.invalidateAreas();
    res.status(201).json({ alias: b.alias, code: b.communeCode });
  });

  r.post('/api/v1/routing/preview', requireStaff('operator', 'supervisor', 'admin'), async (req, res) => {
    const b = parse(previewSchema, req.body);
    res.json(await hub.understanding.preview({
      text: b.text, categoryCode: b.categoryCode ?? null, communeCode: b.communeCode ?? null, address: b.address ?? null,
      lat: b.location?.lat ?? null, lng: b.location?.lng ?? null,
    }));
  });

  return r;
}
