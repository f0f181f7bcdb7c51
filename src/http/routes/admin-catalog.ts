import { Router } from 'express';
import { z } from 'zod';
import type { Hub } from '../../hub';
import { AGENCY_KINDS, CatalogAdminStore } from '../../db/catalog-admin-store';
import { notFound } from '../../shared/errors';
import { PRIORITIES } from '../../workflow/types';
import { parse } from '../errors';
import { currentStaff, requireStaff } from '../session';

const name = (max: number) => z.string().trim().min(1).max(max);
const nonEmpty = { message: 'không có gì để sửa / nothing to change' };
/** Like the shipped codes ("cap-thoat-nuoc"): lower-case ASCII words joined by hyphens. */
export const CATEGORY_CODE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const codeMessage = 'chữ thường không dấu, số và gạch nối, ví dụ "ve-sinh-an-toan-thuc-pham" / lower-case ASCII words joined by hyphens';
const unitCode = z.string().trim().regex(/^\d{2,6}$/, 'mã đơn vị hành chính là chữ số / administrative unit codes are digits');

const categoryFields = {
  nameVi: name(120),
  nameEn: name(120),
  /** What it covers, in words (shown to operators; also the Open311 description). */
  covers: z.string().trim().max(1000).optional(),
  defaultPriority: z.enum(PRIORITIES).nullable().optional(),
  /** false: not offered for new tickets; existing tickets keep it. */
  active: z.boolean().optional(),
};
export const createCategorySchema = z.strictObject({ code: z.string().trim().min(2).max(40).regex(CATEGORY_CODE, codeMessage), ...categoryFields });
export const updateCategorySchema = z.strictObject({
  nameVi: categoryFields.nameVi.optional(), nameEn: categoryFields.nameEn.optional(), covers: categoryFields.covers,
  defaultPriority: categoryFields.defaultPriority, active: categoryFields.active,
}).refine((v) => Object.keys(v).length > 0, nonEmpty);

const agencyFields = {
  nameVi: name(200),
  nameEn: name(200),
  shortName: name(60).nullable().optional(),
  kind: z.enum(AGENCY_KINDS).optional(),
  /** The administrative unit it serves: a province, and a commune for commune-level agencies. */
  provinceCode: unitCode.nullable().optional(),
  communeCode: unitCode.nullable().optional(),
  /** Where SLA warnings and notices for the agency go. */
  email: z.email().max(254).nullable().optional(),
  phone: z.string().trim().regex(/^\+?[0-9][0-9 .()-]{5,28}$/, 'số điện thoại không hợp lệ / not a phone number').nullable().optional(),
  /** 24/7 agencies (police, utilities) run their SLA clocks around the clock. */
  alwaysOn: z.boolean().optional(),
  active: z.boolean().optional(),
};
export const createAgencySchema = z.strictObject({ code: z.string().trim().min(2).max(60).regex(CATEGORY_CODE, codeMessage), ...agencyFields });
export const updateAgencySchema = z.strictObject({
  ...agencyFields, nameVi: agencyFields.nameVi.optional(), nameEn: agencyFields.nameEn.optional(),
}).refine((v) => Object.keys(v).length > 0, nonEmpty);

const codeParam = z.string().max(40).regex(CATEGORY_CODE);
const idParam = z.coerce.number().int().positive();

/** Categories and agencies: admins add and edit them (codes never change), each change audited. */
export function adminCatalogRoutes(hub: Hub): Router {
  const r = Router();
  const store = new CatalogAdminStore(hub.db);

  r.post('/api/v1/categories', requireStaff('admin'), async (req, res) => {
    const b = parse(createCategorySchema, req.body);
    const category = await store.createCategory({
      code: b.code, nameVi: b.nameVi, nameEn: b.nameEn, covers: b.covers ?? '', defaultPriority: b.defaultPriority ?? null, active: b.active ?? true,
    }, currentStaff(res).id);
    await hub.catalog.refresh();
    res.status(201).json(category);
  });

  r.patch('/api/v1/categories/:code', requireStaff('admin'), async (req, res) => {
    const code = parse(codeParam, req.params.code);
    const category = await store.updateCategory(code, parse(updateCategorySchema, req.body), currentStaff(res).id);
    if (!category) throw notFound('category');
    await hub.catalog.refresh();
    res.json(category);
  });

  r.post('/api/v1/agencies', requireStaff('admin'), async (req, res) => {
    const b = parse(createAgencySchema, req.body);
    const agency = await store.createAgency({
      code: b.code, nameVi: b.nameVi, nameEn: b.nameEn, shortName: b.shortName ?? null, kind: b.kind ?? 'department',
      provinceCode: b.provinceCode ?? null, communeCode: b.communeCode ?? null, email: b.email ?? null, phone: b.phone ?? null,
      alwaysOn: b.alwaysOn ?? false, active: b.active ?? true,
    }, currentStaff(res).id);
    await hub.slaSettings.refresh();
    res.status(201).json(agency);
  });

  r.patch('/api/v1/agencies/:id', requireStaff('admin'), async (req, res) => {
    const id = parse(idParam, req.params.id);
    const agency = await store.updateAgency(id, parse(updateAgencySchema, req.body), currentStaff(res).id);
    if (!agency) throw notFound('agency');
    // A 24/7 agency runs its clocks on another calendar: the SLA settings are re-read now.
    await hub.slaSettings.refresh();
    res.json(agency);
  });

  return r;
}
