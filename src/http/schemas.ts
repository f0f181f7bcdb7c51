import { z } from 'zod';
import { PRIORITIES, STAFF_ROLES, TICKET_STATUSES, CHANNELS } from '../workflow/types';

/** Request schemas: validated at the boundary, and the source of the OpenAPI document. */
const text = (max: number) => z.string().trim().min(1).max(max);

export const contactSchema = z.strictObject({
  name: text(200).optional(),
  phone: z.string().trim().max(30).optional(),
  email: z.email().max(254).optional(),
  /** The citizen allows the responsible agency to see their contact details. */
  shareWithAgency: z.boolean().optional(),
});

export const locationSchema = z.strictObject({
  lat: z.number().min(-90).max(90),
  lng: z.number().min(-180).max(180),
  address: text(500).optional(),
});

export const reportSchema = z.strictObject({
  channel: z.enum(['web', 'app']),
  text: z.string().trim().min(5, 'phải có ít nhất 5 ký tự / at least 5 characters').max(5000),
  category: z.string().max(50).optional(),
  location: locationSchema.optional(),
  address: text(500).optional(),
  contact: contactSchema.optional(),
  clientRef: z.string().trim().min(1).max(100).optional(),
  /** Whether the report may be published (anonymised) once resolved; default yes. */
  publish: z.boolean().optional(),
});

export const reportCreatedSchema = z.object({
  code: z.string(), trackingToken: z.string(), status: z.enum(TICKET_STATUSES), trackingUrl: z.string(),
});

export const loginSchema = z.strictObject({ email: z.string().trim().min(3).max(254), password: z.string().min(1).max(200) });

export const phoneTicketSchema = z.strictObject({
  channel: z.literal('phone').default('phone'),
  text: z.string().trim().min(5).max(5000),
  category: z.string().max(50).optional(),
  priority: z.enum(PRIORITIES).optional(),
  location: locationSchema.optional(),
  address: text(500).optional(),
  contact: contactSchema.optional(),
});

const reason = text(2000);
export const actionSchemas = {
  triage: z.strictObject({ category: z.string().max(50).optional(), priority: z.enum(PRIORITIES).optional(), note: text(2000).optional() }),
  assign: z.strictObject({ agencyId: z.number().int().positive(), assigneeId: z.number().int().positive().nullable().optional(), note: text(2000).optional() }),
  accept: z.strictObject({ note: text(2000).optional() }),
  assign_staff: z.strictObject({ assigneeId: z.number().int().positive().nullable() }),
  request_info: z.strictObject({ message: text(5000) }),
  resolve: z.strictObject({ resolution: text(10000) }),
  close: z.strictObject({ note: text(2000).optional() }),
  reopen: z.strictObject({ reason }),
  transfer: z.strictObject({ agencyId: z.number().int().positive(), reason }),
  return: z.strictObject({ reason }),
  reject: z.strictObject({ reason }),
  merge: z.strictObject({ intoCode: z.string().trim().min(5).max(30) }),
} as const;
export type StaffAction = keyof typeof actionSchemas;

export const staffMessageSchema = z.strictObject({ body: text(10000), visibility: z.enum(['public', 'internal']).default('public') });

const csv = <T extends string>(values: readonly [T, ...T[]]) =>
  z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)).pipe(z.array(z.enum(values)));

export const ticketListQuerySchema = z.strictObject({
  status: csv(TICKET_STATUSES).optional(),
  category: z.string().max(50).optional(),
  priority: z.enum(PRIORITIES).optional(),
  channel: z.enum(CHANNELS).optional(),
  agency: z.coerce.number().int().positive().optional(),
  assignee: z.union([z.literal('me'), z.coerce.number().int().positive()]).optional(),
  unassigned: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  commune: z.string().max(10).optional(),
  /** 'triage': tickets no agency holds yet (new, triaged, returned) — the operators' queue. */
  queue: z.enum(['triage']).optional(),
  /** Only tickets automatic triage left for a person ('true'), with the reasons on each. */
  needsReview: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  /** Only tickets left for a person for this reason (the operators' low-confidence and probable-duplicate queues). */
  reviewReason: z.enum(['low_confidence', 'other_category', 'no_rule', 'probable_duplicate', 'no_area']).optional(),
  /** Resolution deadline: 'overdue' (passed) or 'soon' (within 24 h), of tickets whose clock runs (not waiting for the citizen, not finished). */
  due: z.enum(['soon', 'overdue']).optional(),
  q: z.string().trim().max(200).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  page: z.coerce.number().int().min(1).max(100000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(25),
  /** 'due': nearest resolution deadline first. */
  sort: z.enum(['newest', 'oldest', 'priority', 'due']).default('newest'),
});

export const createStaffSchema = z.strictObject({
  email: z.email().max(254),
  displayName: text(200),
  role: z.enum(STAFF_ROLES),
  agencyId: z.number().int().positive().nullable().optional(),
  password: z.string().min(10, 'mật khẩu cần ít nhất 10 ký tự / at least 10 characters').max(200),
});
