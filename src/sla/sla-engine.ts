import type { WorkflowInput } from '../workflow/ticket-workflow';
import type { Ticket } from '../workflow/types';
import type { WorkCalendar } from './calendar';
import { applyHappening, calendarForAgency, fireDueTimers, nextTimer, parseSlaState, startSla, type SlaClockEvent, type SlaHappening, type SlaState } from './clock';
import { choosePolicy, type SlaPolicy } from './policy';

/**
 * Glue between tickets and the pure SLA clocks: which workflow change is which clock happening,
 * and folding happenings into the state stored on the ticket. No SQL, no queue.
 */
export type SlaSettings = {
  policies: readonly SlaPolicy[];
  /** Agencies that work around the clock (police, utilities). */
  alwaysOnAgencies: ReadonlySet<number>;
  office: WorkCalendar;
  alwaysOn: WorkCalendar;
};

export type SlaFold = { state: SlaState; events: SlaClockEvent[]; nextTimerAt: Date | null };

/** The clock happenings of one workflow transition (before → after). */
export function happeningsOf(input: WorkflowInput, before: Ticket, after: Ticket, at: Date): SlaHappening[] {
  const out: SlaHappening[] = [];
  const answered = !before.firstResponseAt && !!after.firstResponseAt;
  switch (input.action) {
    case 'triage':
      if (after.categoryCode !== before.categoryCode) out.push({ kind: 'category_changed', at, categoryCode: after.categoryCode });
      if (after.priority !== before.priority) out.push({ kind: 'priority_changed', at, priority: after.priority });
      break;
    case 'assign':
      // A ticket moved from one agency to another is a transfer for the clocks, whoever moves it.
      if (before.agencyId !== null && before.agencyId !== after.agencyId) out.push({ kind: 'transferred', at, fromAgencyId: before.agencyId, toAgencyId: after.agencyId });
      break;
    case 'transfer':
      out.push({ kind: 'transferred', at, fromAgencyId: before.agencyId, toAgencyId: after.agencyId });
      break;
    case 'request_info':
      if (answered) out.push({ kind: 'first_response', at });
      out.push({ kind: 'paused', at });
      break;
    case 'citizen_reply':
      out.push({ kind: 'resumed', at });
      break;
    case 'resolve':
      out.push({ kind: 'resolved', at });
      break;
    case 'reopen':
      out.push({ kind: 'reopened', at });
      break;
    case 'close':
      out.push({ kind: 'closed', at });
      break;
    case 'reject':
    case 'merge':
      out.push({ kind: 'closed', at });
      break;
    default:
      if (answered) out.push({ kind: 'first_response', at });
  }
  return out;
}

export class SlaEngine {
  constructor(private readonly settings: () => SlaSettings) {}

  private calendarOf(agencyId: number | null): WorkCalendar {
    const s = this.settings();
    return calendarForAgency(agencyId === null ? null : { alwaysOn: s.alwaysOnAgencies.has(agencyId) }, s);
  }

  private policyOf(t: Pick<Ticket, 'categoryCode' | 'priority'>): SlaPolicy {
    return choosePolicy(this.settings().policies, t.categoryCode, t.priority);
  }

  /**
   * Folds happenings into the ticket's clocks (starting them at receipt if they have not started),
   * with the policy and calendar of the ticket as it is after them.
   */
  fold(ticket: Ticket, happenings: SlaHappening[], now: Date): SlaFold {
    const calendar = this.calendarOf(ticket.agencyId);
    const events: SlaClockEvent[] = [];
    let state = ticket.slaState ? parseSlaState(ticket.slaState) : null;
    if (!state) {
      const started = startSla(ticket.createdAt, this.policyOf(ticket), calendar, { categoryCode: ticket.categoryCode, priority: ticket.priority });
      state = started.state;
      events.push(...started.events);
    }
    for (const h of happenings) {
      if (h.at.getTime() < state.asOf.getTime()) continue; // already folded (a retried job)
      const step = applyHappening(state, h, this.policyOf(ticket), calendar);
      state = step.state;
      events.push(...step.events);
    }
    const due = fireDueTimers(state, now);
    state = due.state;
    events.push(...due.events);
    return { state, events, nextTimerAt: nextTimer(state, now)?.at ?? null };
  }
}
