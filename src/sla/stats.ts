import { OPEN_STATUSES } from '../workflow/ticket-workflow';
import type { TicketStatus } from '../workflow/types';
import type { ClockOutcome, SlaState } from './clock';

/**
 * SLA statistics per agency, per category and overall, in the terms provincial IOC dashboards use
 * (Huế-S: % processed, % on time, % late with approved extension) plus breaches, due soon and
 * working-time durations (median and p90, as Zammad/Chatwoot measure in business hours).
 *
 * Definitions (all "as of `now`"):
 * - Tickets belong to a period by receipt: receivedAt in [from, to) and not after now (a cohort),
 *   so "processed rate" compares like with like.
 * - received: tickets of the period; excluded: of those, rejected or merged (nobody's to process);
 *   eligible = received − excluded. Every other count is over eligible tickets.
 * - processed: status resolved or closed with resolvedAt set (a reopened ticket is not processed).
 *   processedRate = processed / eligible.
 * - measured: processed tickets with a resolution outcome. onTimeRate, lateWithExtensionRate and
 *   lateRate = on_time, late_with_extension, late / measured; the three sum to 1.
 * - breaches: resolution deadline missed: breach recorded, outcome late, or still open (not waiting
 *   for the citizen, whose deadline moves) with dueAt before now (a breach not yet recorded).
 *   overdue: the open ones among them.
 * - dueSoon: open, not waiting for the citizen, not breached, dueAt in (now, now + dueSoonWithinMs].
 * - transfersOut: transfers away from the agency (transferredFromAgencyIds); a transfer is counted
 *   against the agency that made it, wherever the ticket is now.
 * - firstResponse: firstResponseWorkingMs of eligible tickets that have one; resolution:
 *   resolutionWorkingMs of processed tickets. Working time, pauses excluded. Median and p90 are
 *   interpolated between ranks (PostgreSQL percentile_cont), so SQL rollups agree.
 * Rates are fractions in [0, 1], null when the denominator is 0.
 */

export type SlaTicketFacts = {
  /** Agency holding the ticket now (null: not routed yet). */
  agencyId: number | null;
  categoryCode: string | null;
  receivedAt: Date;
  firstResponseWorkingMs: number | null;
  /** Working time of the (last) resolution clock, pauses excluded. */
  resolutionWorkingMs: number | null;
  resolvedAt: Date | null;
  /** Resolution deadline in force (extension included). */
  dueAt: Date | null;
  /** Resolution breach instant (= the deadline). */
  breachedAt: Date | null;
  extensionApproved: boolean;
  /** Resolution outcome. */
  outcome: ClockOutcome | null;
  status: TicketStatus;
  /** Agencies that transferred this ticket away, one entry per transfer. */
  transferredFromAgencyIds?: readonly number[];
};

export type SlaPeriod = { from: Date; to: Date };

export type WorkingDurationStats = { count: number; medianMs: number | null; p90Ms: number | null };

export type SlaMetrics = {
  received: number;
  excluded: number;
  eligible: number;
  processed: number;
  open: number;
  processedRate: number | null;
  measured: number;
  onTime: number;
  lateWithExtension: number;
  late: number;
  onTimeRate: number | null;
  lateWithExtensionRate: number | null;
  lateRate: number | null;
  extensionsApproved: number;
  breaches: number;
  overdue: number;
  dueSoon: number;
  transfersOut: number;
  firstResponse: WorkingDurationStats;
  resolution: WorkingDurationStats;
};

export type SlaStatistics = {
  period: SlaPeriod;
  asOf: Date;
  overall: SlaMetrics;
  byAgency: (SlaMetrics & { agencyId: number | null })[];
  byCategory: (SlaMetrics & { categoryCode: string | null })[];
};

export type SlaStatisticsOptions = {
  /** Window for "due soon"; default 24 h of clock time. */
  dueSoonWithinMs?: number;
};

const DAY_MS = 86_400_000;
const EXCLUDED: readonly TicketStatus[] = ['rejected', 'merged'];

/** Interpolated percentile (PostgreSQL percentile_cont); p in [0, 1]. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  if (!(p >= 0 && p <= 1)) throw new RangeError(`percentile must be in [0, 1], got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function durations(values: number[]): WorkingDurationStats {
  return { count: values.length, medianMs: percentile(values, 0.5), p90Ms: percentile(values, 0.9) };
}

const rate = (n: number, d: number): number | null => (d > 0 ? n / d : null);

function isOpen(t: SlaTicketFacts): boolean {
  return OPEN_STATUSES.includes(t.status);
}

function isProcessed(t: SlaTicketFacts, now: number): boolean {
  return (t.status === 'resolved' || t.status === 'closed') && t.resolvedAt !== null && t.resolvedAt.getTime() <= now;
}

function isBreached(t: SlaTicketFacts, now: number): boolean {
  if (t.breachedAt !== null || t.outcome === 'late') return true;
  return isOpen(t) && t.status !== 'waiting_for_citizen' && t.dueAt !== null && t.dueAt.getTime() < now;
}

/** Metrics of tickets already restricted to one cohort (and one agency/category if grouped). */
function metricsOf(tickets: readonly SlaTicketFacts[], transfersOut: number, now: number, dueSoonWithinMs: number): SlaMetrics {
  const eligible = tickets.filter((t) => !EXCLUDED.includes(t.status));
  const processed = eligible.filter((t) => isProcessed(t, now));
  const measured = processed.filter((t) => t.outcome !== null);
  const count = (o: ClockOutcome) => measured.filter((t) => t.outcome === o).length;
  const open = eligible.filter(isOpen);
  const breached = eligible.filter((t) => isBreached(t, now));
  const dueSoon = open.filter((t) => {
    if (t.status === 'waiting_for_citizen' || t.dueAt === null || isBreached(t, now)) return false;
    const due = t.dueAt.getTime();
    return due > now && due <= now + dueSoonWithinMs;
  });
  const onTime = count('on_time');
  const lateWithExtension = count('late_with_extension');
  const late = count('late');
  return {
    received: tickets.length,
    excluded: tickets.length - eligible.length,
    eligible: eligible.length,
    processed: processed.length,
    open: open.length,
    processedRate: rate(processed.length, eligible.length),
    measured: measured.length,
    onTime,
    lateWithExtension,
    late,
    onTimeRate: rate(onTime, measured.length),
    lateWithExtensionRate: rate(lateWithExtension, measured.length),
    lateRate: rate(late, measured.length),
    extensionsApproved: eligible.filter((t) => t.extensionApproved).length,
    breaches: breached.length,
    overdue: breached.filter(isOpen).length,
    dueSoon: dueSoon.length,
    transfersOut,
    firstResponse: durations(eligible.flatMap((t) => (t.firstResponseWorkingMs !== null ? [t.firstResponseWorkingMs] : []))),
    resolution: durations(processed.flatMap((t) => (t.resolutionWorkingMs !== null ? [t.resolutionWorkingMs] : []))),
  };
}

function groupBy<K>(tickets: readonly SlaTicketFacts[], key: (t: SlaTicketFacts) => K): Map<K, SlaTicketFacts[]> {
  const m = new Map<K, SlaTicketFacts[]>();
  for (const t of tickets) {
    const k = key(t);
    const list = m.get(k);
    if (list) list.push(t);
    else m.set(k, [t]);
  }
  return m;
}

/** null keys last, others ascending. */
function compareKeys<K extends number | string | null>(a: K, b: K): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

export function slaStatistics(tickets: readonly SlaTicketFacts[], period: SlaPeriod, now: Date, options: SlaStatisticsOptions = {}): SlaStatistics {
  const from = period.from.getTime();
  const to = period.to.getTime();
  const nowMs = now.getTime();
  if (!(from <= to)) throw new RangeError('period.from must not be after period.to');
  const window = options.dueSoonWithinMs ?? DAY_MS;
  const cohort = tickets.filter((t) => {
    const r = t.receivedAt.getTime();
    return r >= from && r < to && r <= nowMs;
  });

  const transfersBy = new Map<number, number>();
  let transfers = 0;
  for (const t of cohort) {
    if (EXCLUDED.includes(t.status)) continue;
    for (const a of t.transferredFromAgencyIds ?? []) {
      transfersBy.set(a, (transfersBy.get(a) ?? 0) + 1);
      transfers++;
    }
  }

  const byAgencyTickets = groupBy(cohort, (t) => t.agencyId);
  for (const a of transfersBy.keys()) if (!byAgencyTickets.has(a)) byAgencyTickets.set(a, []);
  const byAgency = [...byAgencyTickets.entries()]
    .sort(([a], [b]) => compareKeys(a, b))
    .map(([agencyId, list]) => ({ agencyId, ...metricsOf(list, agencyId === null ? 0 : (transfersBy.get(agencyId) ?? 0), nowMs, window) }));

  const byCategory = [...groupBy(cohort, (t) => t.categoryCode).entries()]
    .sort(([a], [b]) => compareKeys(a, b))
    .map(([categoryCode, list]) => ({
      categoryCode,
      ...metricsOf(list, list.reduce((n, t) => n + (EXCLUDED.includes(t.status) ? 0 : (t.transferredFromAgencyIds?.length ?? 0)), 0), nowMs, window),
    }));

  return { period, asOf: now, overall: metricsOf(cohort, transfers, nowMs, window), byAgency, byCategory };
}

/** Facts of one ticket from its SLA state (resolution clock) and what the ticket row knows. */
export function slaFactsFromState(
  state: SlaState,
  ticket: { agencyId: number | null; status: TicketStatus; transferredFromAgencyIds?: readonly number[] },
): SlaTicketFacts {
  const { response, resolution } = state;
  return {
    agencyId: ticket.agencyId,
    categoryCode: state.categoryCode,
    receivedAt: state.receivedAt,
    firstResponseWorkingMs: response.metAt !== null ? response.elapsedWorkingMs : null,
    resolutionWorkingMs: resolution.metAt !== null ? resolution.elapsedWorkingMs : null,
    resolvedAt: resolution.metAt,
    dueAt: resolution.dueAt,
    breachedAt: resolution.breachedAt,
    extensionApproved: resolution.extendedDueAt !== null,
    outcome: resolution.outcome,
    status: ticket.status,
    transferredFromAgencyIds: ticket.transferredFromAgencyIds,
  };
}
