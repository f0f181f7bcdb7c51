import { loadAdjustments, ROUND_THE_CLOCK, VN_GOVERNMENT_OFFICE_HOURS, WorkCalendar, type CalendarAdjustment } from '../sla/calendar';
import type { SlaPolicy } from '../sla/policy';
import type { SlaSettings } from '../sla/sla-engine';
import type { Priority } from '../workflow/types';
import type { ExtensionRequest } from '../workflow/ports';
import type { Database } from './database';
import { toExtension } from './ticket-store';

type PolicyRow = {
  id: number; category_code: string | null; priority: Priority; response_amount: number; response_unit: 'working_hours' | 'working_days';
  resolution_amount: number; resolution_unit: 'working_hours' | 'working_days'; warn_at_fraction: number; transfer_mode: 'continue' | 'restart';
};

/**
 * What the SLA clocks read: policies, which agencies are 24/7, and the calendar (shipped yearly
 * announcements plus the days admins add). Held in memory and refreshed outside any transaction,
 * so a ticket's transaction never waits for it (the embedded database has one connection).
 */
export class SlaSettingsStore {
  private current: SlaSettings | null = null;
  /** The shipped yearly announcements change with a release, not at run time: read once. */
  private readonly shipped: readonly CalendarAdjustment[] = loadAdjustments();

  constructor(private readonly db: Database) {}

  async refresh(): Promise<SlaSettings> {
    const [policies, agencies, days] = await Promise.all([
      this.db.query<PolicyRow>('SELECT * FROM sla_policies ORDER BY id'),
      this.db.query<{ id: number }>('SELECT id FROM agencies WHERE always_on'),
      this.db.query<{ date: string; kind: 'day_off' | 'working_day'; reason: string }>(
        `SELECT to_char(date, 'YYYY-MM-DD') AS date, kind, reason FROM calendar_adjustments ORDER BY date`),
    ]);
    // Admins' entries win over the shipped files for the same day.
    const byDate = new Map<string, CalendarAdjustment>(this.shipped.map((a) => [a.date, a]));
    for (const d of days) byDate.set(d.date, { date: d.date, kind: d.kind, reason: d.reason });
    const adjustments = [...byDate.values()];
    this.current = {
      policies: policies.map(toPolicy),
      alwaysOnAgencies: new Set(agencies.map((a) => a.id)),
      office: new WorkCalendar({ schedule: VN_GOVERNMENT_OFFICE_HOURS, adjustments }),
      alwaysOn: new WorkCalendar({ schedule: ROUND_THE_CLOCK, adjustments }),
    };
    return this.current;
  }

  settings(): SlaSettings {
    if (!this.current) throw new Error('SLA settings not loaded yet (call refresh() at start-up)');
    return this.current;
  }

  async extensionRequests(status: 'requested' | 'approved' | 'refused'): Promise<(ExtensionRequest & { ticketCode: string })[]> {
    const rows = await this.db.query<Parameters<typeof toExtension>[0] & { code: string }>(
      `SELECT e.*, t.code FROM sla_extensions e JOIN tickets t ON t.id = e.ticket_id WHERE e.status = $1 ORDER BY e.requested_at LIMIT 500`, [status]);
    return rows.map((r) => ({ ...toExtension(r), ticketCode: r.code }));
  }

  /** Tickets whose next SLA check is due, from the partial index on sla_next_timer_at. */
  async due(now: Date, limit: number): Promise<number[]> {
    const rows = await this.db.query<{ id: number }>(
      'SELECT id FROM tickets WHERE sla_next_timer_at <= $1 ORDER BY sla_next_timer_at LIMIT $2', [now, limit]);
    return rows.map((r) => r.id);
  }
}

const toPolicy = (r: PolicyRow): SlaPolicy => ({
  id: r.id, categoryCode: r.category_code, priority: r.priority,
  response: { amount: r.response_amount, unit: r.response_unit }, resolution: { amount: r.resolution_amount, unit: r.resolution_unit },
  warnAtFraction: r.warn_at_fraction, transfer: r.transfer_mode,
});
