import { api, type Priority, type Role } from './api';

/** Types of the admin endpoints' JSON (src/http/routes/reference.ts, admin-*.ts, routing.ts, sla-admin.ts). */
export type StaffAccount = { id: number; email: string; displayName: string; role: Role; agencyId: number | null; active: boolean };
/** PATCH /api/v1/staff-users/:id: only what changed is sent. */
export type StaffPatch = Partial<{ displayName: string; role: Role; agencyId: number | null; active: boolean; password: string }>;
export type AdminUnit = { code: string; name: string; fullName: string; level: string; hasBoundary: boolean };

export type RoutingRule = {
  id: number; categoryCode: string | null; communeCode: string | null; keyword: string | null; agencyId: number;
  precedence: number; active: boolean; note: string | null; createdAt: string; updatedAt: string;
};
export type RoutingLevel = { level: number; shape: string; vi: string; en: string };
export type AuditEntry = { id: number; action: 'created' | 'updated' | 'deleted'; staffId: number | null; at: string; before: unknown; after: unknown };
export type RoutingAuditEntry = AuditEntry & { ruleId: number };
export type PolicyAuditEntry = AuditEntry & { policyId: number };
export type RoutingPreview = {
  classification: { category: string; confidence: number; priority: Priority };
  area: { communeCode: string | null; provinceCode: string | null; via: string; detail: string };
  routing: { agencyId: number | null; ruleId: number | null; level: number | null; reasonVi: string; reasonEn: string; categoryCode: string | null };
};

export const TARGET_UNITS = ['working_hours', 'working_days'] as const;
export type SlaTarget = { amount: number; unit: (typeof TARGET_UNITS)[number] };
export const TRANSFER_MODES = ['continue', 'restart'] as const;
export type SlaPolicy = {
  id: number; categoryCode: string | null; priority: Priority; response: SlaTarget; resolution: SlaTarget;
  warnAtFraction: number; transfer: (typeof TRANSFER_MODES)[number]; updatedAt: string;
};
export type SlaPolicyFields = Omit<SlaPolicy, 'id' | 'updatedAt'>;

export type CalendarDayKind = 'day_off' | 'working_day';
export type WorkCalendar = {
  year: number;
  schedule: { id: string; nameVi: string; nameEn: string };
  holidays: { date: string; name_vi: string; name_en: string }[];
  makeUpWorkingDays: { date: string; kind: CalendarDayKind; reason: string; reason_en?: string }[];
  adminDays: { date: string; kind: CalendarDayKind; reason: string; createdBy: number | null; createdAt: string }[];
};

/** enabled: its secrets are set (environment); switchedOn: an admin's runtime switch (only for enabled channels). */
export type ChannelState = {
  channel: string; enabled: boolean; switchedOn: boolean; changedBy: number | null; changedAt: string | null;
  status: 'healthy' | 'degraded' | 'down' | 'off' | 'switched_off' | string; reason: string | null;
};

export type CategoryDetails = { code: string; nameVi: string; nameEn: string; covers: string; active: boolean; defaultPriority: Priority | null; editedAt: string | null };
export const AGENCY_KINDS = ['department', 'police', 'utility', 'commune', 'centre', 'other'] as const;
export type AgencyKind = (typeof AGENCY_KINDS)[number];
export type AgencyDetails = {
  id: number; code: string; nameVi: string; nameEn: string; shortName: string | null; kind: AgencyKind; provinceCode: string | null;
  communeCode: string | null; email: string | null; phone: string | null; alwaysOn: boolean; active: boolean;
};
export type AreaAlias = { alias: string; code: string };

/** GET /api/v1/admin/audit: staff accounts, categories, agencies and channel switches. */
export type AdminAuditEntry = AuditEntry & { entity: 'staff_user' | 'category' | 'agency' | 'channel'; key: string };

/** The admin screens' writes: the console's one API client (session cookie, CSRF header, errors in both languages). */
export const adminApi = { post: api.post, patch: api.patch, del: api.del };
