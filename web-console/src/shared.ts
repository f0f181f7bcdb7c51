import { ApiError, type Agency, type Category, type PriorityInfo } from './api';
import type { I18n } from './i18n';

/** Reference data loaded once after login. */
export type Reference = {
  categories: Category[]; priorities: PriorityInfo[]; agencies: Agency[];
  /** Staff names by id (GET /api/v1/staff-users/directory: agency roles get their agency and the 1022 centre). */
  staffNames: ReadonlyMap<number, string>;
};

/** Roles that see every ticket and work the 1022 triage queue. */
export const SEES_ALL: ReadonlySet<string> = new Set(['operator', 'supervisor', 'admin']);

/** The API's message in the console's language. */
export function errorText(e: unknown, i18n: I18n): string {
  if (e instanceof ApiError) return i18n.pick(e.message, e.messageEn);
  return e instanceof Error ? e.message : String(e);
}
