import { z } from 'zod';
import { PRIORITIES, type Agency, type Priority } from '../workflow/types';
import type { WorkCalendar } from './calendar';
import { choosePolicy, deadlineFor, SLA_TARGET_UNITS, type SlaPolicy, type SlaTarget, type SlaTransferMode } from './policy';

/**
 * SLA clocks of one ticket, as a pure fold over its SLA-relevant happenings. The caller stores the
 * state (columns or JSON) and records the returned clock-change events; timers are re-derived from
 * the state with nextTimer, so a lost or duplicated job never changes the outcome.
 *
 * Two clocks run from receipt: `response` (the agency acknowledges) and `resolution`.
 *
 * Conventions:
 * - A clock is on time when its goal happens at or before `dueAt`; the breach happens at `dueAt`
 *   and is recorded when some check runs strictly after it, with breachedAt = dueAt.
 * - Pauses (waiting for the citizen) push every pending instant of the clock (deadline, warning)
 *   by the working time the pause covered: at resume the remaining working time is laid out again
 *   from the resume instant. A pause that starts after the deadline moves nothing.
 * - A recorded breach is a fact: nothing later (extension, priority change) erases it.
 * - Happenings must be applied in time order; equal instants keep the given order.
 */

export type SlaClockName = 'response' | 'resolution';

/**
 * - running: ticking, no breach recorded;
 * - paused: waiting for the citizen (breachedAt may be set if it had breached before);
 * - breached: breach recorded; stays so when the goal is reached late (metAt set) or the ticket
 *   ends without it;
 * - met: goal reached by the deadline in force (outcome on_time or late_with_extension);
 * - stopped: ended without its goal and without a breach (closed/rejected/merged unresolved).
 */
export type ClockStatus = 'running' | 'paused' | 'met' | 'breached' | 'stopped';
export type ClockOutcome = 'on_time' | 'late' | 'late_with_extension';

export type ClockState = {
  clock: SlaClockName;
  status: ClockStatus;
  target: SlaTarget;
  /** Receipt, or the last restart (transfer with restart, reopen). */
  startedAt: Date;
  /** Deadline in force: the later of originalDueAt and extendedDueAt. */
  dueAt: Date;
  /** Deadline from the policy target alone, moved by pauses and priority/category changes. */
  originalDueAt: Date;
  /** Deadline granted by an approved extension (moved by later pauses), else null. */
  extendedDueAt: Date | null;
  warnAt: Date;
  /** = warnAt once the warning was issued (deterministic, whenever the timer actually ran). */
  warnedAt: Date | null;
  breachedAt: Date | null;
  /** Start of the current pause. */
  pausedAt: Date | null;
  /** Working time the clock ran (pauses excluded), as of the last happening or of metAt/endedAt. */
  elapsedWorkingMs: number;
  /** Working time covered by finished pauses. */
  pausedWorkingMs: number;
  /** When the goal was reached (acknowledged / resolved), on time or not. */
  metAt: Date | null;
  /** When the clock stopped counting (goal reached or ticket ended); null while it counts. */
  endedAt: Date | null;
  outcome: ClockOutcome | null;
};

export type SlaExtension = {
  status: 'requested' | 'approved' | 'refused';
  requestedAt: Date | null;
  requestedDueAt: Date | null;
  reason: string | null;
  decidedAt: Date | null;
  /** The deadline the supervisor approved (before any later pause moved it). */
  approvedDueAt: Date | null;
  /** Resolution deadline in force when the decision was taken. */
  previousDueAt: Date | null;
};

export type SlaState = {
  receivedAt: Date;
  /** Instant of the last happening applied. */
  asOf: Date;
  categoryCode: string | null;
  priority: Priority;
  response: ClockState;
  resolution: ClockState;
  /** The latest extension request of the current resolution clock (cleared by a restart). */
  extension: SlaExtension | null;
};

export type SlaHappening =
  | { kind: 'received'; at: Date; categoryCode?: string | null; priority?: Priority }
  | { kind: 'first_response'; at: Date }
  | { kind: 'paused'; at: Date }
  | { kind: 'resumed'; at: Date }
  | { kind: 'transferred'; at: Date; fromAgencyId?: number | null; toAgencyId?: number | null }
  | { kind: 'resolved'; at: Date }
  | { kind: 'reopened'; at: Date }
  | { kind: 'closed'; at: Date }
  | { kind: 'extension_requested'; at: Date; requestedDueAt: Date; reason: string }
  | { kind: 'extension_approved'; at: Date; newDeadline: Date; reason?: string }
  | { kind: 'extension_refused'; at: Date; reason?: string }
  | { kind: 'priority_changed'; at: Date; priority: Priority }
  | { kind: 'category_changed'; at: Date; categoryCode: string | null };

export type SlaHappeningKind = SlaHappening['kind'];

type ClockSummary = { startedAt: Date; dueAt: Date; elapsedWorkingMs: number; breachedAt: Date | null; outcome: ClockOutcome | null };

/** Clock changes to record as ticket events (type is the event type). */
export type SlaClockEvent =
  | { type: 'sla.started'; clock: SlaClockName; at: Date; dueAt: Date; warnAt: Date }
  | { type: 'sla.paused'; clock: SlaClockName; at: Date }
  | { type: 'sla.resumed'; clock: SlaClockName; at: Date; dueAt: Date; warnAt: Date; pausedWorkingMs: number }
  | { type: 'sla.warning'; clock: SlaClockName; at: Date; dueAt: Date }
  | { type: 'sla.breached'; clock: SlaClockName; at: Date; dueAt: Date }
  | { type: 'sla.completed'; clock: SlaClockName; at: Date; outcome: ClockOutcome; elapsedWorkingMs: number; dueAt: Date }
  | { type: 'sla.stopped'; clock: SlaClockName; at: Date; elapsedWorkingMs: number }
  | { type: 'sla.deadline_moved'; clock: SlaClockName; at: Date; from: Date; to: Date; reason: 'extension' | 'priority_changed' | 'category_changed' }
  | { type: 'sla.restarted'; clock: SlaClockName; at: Date; dueAt: Date; warnAt: Date; reason: 'transfer' | 'reopen'; previous: ClockSummary }
  | {
      type: 'sla.transferred';
      at: Date;
      mode: SlaTransferMode;
      fromAgencyId: number | null;
      toAgencyId: number | null;
      /** Working time used so far by the agency that transfers (null: that clock had ended). */
      elapsedWorkingMs: { response: number | null; resolution: number | null };
    };

export type SlaClockEventType = SlaClockEvent['type'];

export type SlaStep = { state: SlaState; events: SlaClockEvent[] };

export type SlaTimer = {
  kind: 'warning' | 'breach';
  clock: SlaClockName;
  /** When to run the check: warnAt, or 1 ms after the deadline (an answer at the deadline is on time). */
  at: Date;
  deadline: Date;
};

// ---- small helpers ----------------------------------------------------------------------------

const MS_PER_HOUR = 3_600_000;
const CLOCKS: readonly SlaClockName[] = ['response', 'resolution'];

function addWorkingMs(calendar: WorkCalendar, start: Date, ms: number): Date {
  return calendar.addWorkingHours(start, Math.max(0, Math.round(ms)) / MS_PER_HOUR);
}

const later = (a: Date, b: Date | null): Date => (b !== null && b.getTime() > a.getTime() ? b : a);
const isActive = (c: ClockState): boolean => c.endedAt === null;

function summary(c: ClockState): ClockSummary {
  return { startedAt: c.startedAt, dueAt: c.dueAt, elapsedWorkingMs: c.elapsedWorkingMs, breachedAt: c.breachedAt, outcome: c.outcome };
}

function cloneState(s: SlaState): SlaState {
  return { ...s, response: { ...s.response }, resolution: { ...s.resolution }, extension: s.extension ? { ...s.extension } : null };
}

/** Instant at which the running (unpaused) time reaches `fraction` of the deadline's budget. */
function warnInstant(calendar: WorkCalendar, c: Pick<ClockState, 'startedAt' | 'dueAt' | 'pausedWorkingMs'>, fraction: number): Date {
  const budget = calendar.workingMillisBetween(c.startedAt, c.dueAt) - c.pausedWorkingMs;
  if (budget <= 0) return c.dueAt;
  return addWorkingMs(calendar, c.startedAt, c.pausedWorkingMs + fraction * budget);
}

function newClock(clock: SlaClockName, at: Date, target: SlaTarget, fraction: number, calendar: WorkCalendar): ClockState {
  const dueAt = deadlineFor(calendar, at, target);
  const c: ClockState = {
    clock, status: 'running', target, startedAt: at, dueAt, originalDueAt: dueAt, extendedDueAt: null,
    warnAt: dueAt, warnedAt: null, breachedAt: null, pausedAt: null,
    elapsedWorkingMs: 0, pausedWorkingMs: 0, metAt: null, endedAt: null, outcome: null,
  };
  c.warnAt = warnInstant(calendar, c, fraction);
  return c;
}

/** Working time the clock has run up to `now` (pauses excluded); frozen once the clock ended. */
export function elapsedWorkingMsAt(c: ClockState, now: Date, calendar: WorkCalendar): number {
  if (c.endedAt !== null) return c.elapsedWorkingMs;
  const open = c.pausedAt !== null ? calendar.workingMillisBetween(c.pausedAt, now) : 0;
  return Math.max(0, calendar.workingMillisBetween(c.startedAt, now) - c.pausedWorkingMs - open);
}

function refreshElapsed(c: ClockState, at: Date, calendar: WorkCalendar): void {
  if (isActive(c)) c.elapsedWorkingMs = elapsedWorkingMsAt(c, at, calendar);
}

/**
 * Ends a pause: working time left before each pending instant at the pause is laid out again from
 * `at`, so the deadline moves by exactly the working time the pause covered.
 */
function endPause(c: ClockState, at: Date, calendar: WorkCalendar): number {
  const pausedAt = c.pausedAt;
  if (pausedAt === null) return 0;
  const shift = (x: Date): Date => {
    const remaining = calendar.workingMillisBetween(pausedAt, x);
    return remaining > 0 ? addWorkingMs(calendar, at, remaining) : x;
  };
  const pausedMs = calendar.workingMillisBetween(pausedAt, at);
  c.originalDueAt = shift(c.originalDueAt);
  if (c.extendedDueAt !== null) c.extendedDueAt = shift(c.extendedDueAt);
  c.dueAt = later(c.originalDueAt, c.extendedDueAt);
  if (c.warnedAt === null) c.warnAt = shift(c.warnAt);
  c.pausedWorkingMs += pausedMs;
  c.pausedAt = null;
  c.status = c.breachedAt !== null ? 'breached' : 'running';
  return pausedMs;
}

/** After the deadline moved: a new warning instant, re-armed if it is still ahead. */
function rewarn(c: ClockState, at: Date, fraction: number, calendar: WorkCalendar): void {
  c.warnAt = warnInstant(calendar, c, fraction);
  if (c.warnAt.getTime() > at.getTime()) c.warnedAt = null;
}

function recordBreachIfPast(c: ClockState, now: Date, events: SlaClockEvent[]): void {
  if (c.status !== 'running' || !isActive(c) || c.breachedAt !== null) return;
  if (now.getTime() <= c.dueAt.getTime()) return;
  c.breachedAt = c.dueAt;
  c.status = 'breached';
  events.push({ type: 'sla.breached', clock: c.clock, at: c.dueAt, dueAt: c.dueAt });
}

function complete(c: ClockState, at: Date, calendar: WorkCalendar, events: SlaClockEvent[]): void {
  if (!isActive(c)) return;
  // A goal reached while waiting for the citizen: the pause still counts in the citizen's favour.
  endPause(c, at, calendar);
  recordBreachIfPast(c, at, events);
  c.elapsedWorkingMs = elapsedWorkingMsAt(c, at, calendar);
  c.metAt = at;
  c.endedAt = at;
  if (c.breachedAt !== null) {
    c.outcome = 'late';
    c.status = 'breached';
  } else {
    c.outcome = c.extendedDueAt !== null && at.getTime() > c.originalDueAt.getTime() ? 'late_with_extension' : 'on_time';
    c.status = 'met';
  }
  events.push({ type: 'sla.completed', clock: c.clock, at, outcome: c.outcome, elapsedWorkingMs: c.elapsedWorkingMs, dueAt: c.dueAt });
}

function restart(s: SlaState, name: SlaClockName, at: Date, policy: SlaPolicy, calendar: WorkCalendar, reason: 'transfer' | 'reopen', events: SlaClockEvent[]): void {
  const old = s[name];
  const fresh = newClock(name, at, policy[name], policy.warnAtFraction, calendar);
  s[name] = fresh;
  if (name === 'resolution') s.extension = null;
  events.push({ type: 'sla.restarted', clock: name, at, dueAt: fresh.dueAt, warnAt: fresh.warnAt, reason, previous: summary(old) });
}

/** New targets from the clock's own start, keeping finished pauses and any approved extension. */
function retarget(c: ClockState, at: Date, target: SlaTarget, fraction: number, calendar: WorkCalendar, reason: 'priority_changed' | 'category_changed', events: SlaClockEvent[]): void {
  if (!isActive(c)) return;
  const from = c.dueAt;
  const plain = deadlineFor(calendar, c.startedAt, target);
  c.target = target;
  c.originalDueAt = c.pausedWorkingMs > 0 ? addWorkingMs(calendar, c.startedAt, calendar.workingMillisBetween(c.startedAt, plain) + c.pausedWorkingMs) : plain;
  c.dueAt = later(c.originalDueAt, c.extendedDueAt);
  rewarn(c, at, fraction, calendar);
  if (c.dueAt.getTime() !== from.getTime()) events.push({ type: 'sla.deadline_moved', clock: c.clock, at, from, to: c.dueAt, reason });
}

// ---- public API -------------------------------------------------------------------------------

/** The calendar of the agency holding the ticket: 24/7 desks (police, utilities) never close. */
export function calendarForAgency(agency: Pick<Agency, 'alwaysOn'> | null, calendars: { office: WorkCalendar; alwaysOn: WorkCalendar }): WorkCalendar {
  return agency?.alwaysOn ? calendars.alwaysOn : calendars.office;
}

/** Both clocks started at receipt. */
export function startSla(receivedAt: Date, policy: SlaPolicy, calendar: WorkCalendar, ticket: { categoryCode?: string | null; priority?: Priority } = {}): SlaStep {
  const response = newClock('response', receivedAt, policy.response, policy.warnAtFraction, calendar);
  const resolution = newClock('resolution', receivedAt, policy.resolution, policy.warnAtFraction, calendar);
  const state: SlaState = {
    receivedAt, asOf: receivedAt,
    categoryCode: ticket.categoryCode !== undefined ? ticket.categoryCode : policy.categoryCode,
    priority: ticket.priority ?? policy.priority,
    response, resolution, extension: null,
  };
  return {
    state,
    events: [response, resolution].map((c) => ({ type: 'sla.started' as const, clock: c.clock, at: receivedAt, dueAt: c.dueAt, warnAt: c.warnAt })),
  };
}

/**
 * Records breaches whose deadline is before `now`, with breachedAt = dueAt (not `now`), once:
 * a clock already breached, paused or ended yields nothing.
 */
export function checkBreach(state: SlaState, now: Date): SlaStep {
  const s = cloneState(state);
  const events: SlaClockEvent[] = [];
  for (const name of CLOCKS) recordBreachIfPast(s[name], now, events);
  return events.length > 0 ? { state: s, events } : { state, events };
}

/**
 * Issues warnings whose instant has come (warnedAt = warnAt), once. A warning not issued before the
 * deadline passed is dropped: the breach says more.
 */
export function checkWarning(state: SlaState, now: Date): SlaStep {
  const s = cloneState(state);
  const events: SlaClockEvent[] = [];
  for (const name of CLOCKS) {
    const c = s[name];
    if (c.status !== 'running' || !isActive(c) || c.warnedAt !== null) continue;
    if (now.getTime() < c.warnAt.getTime() || now.getTime() > c.dueAt.getTime()) continue;
    c.warnedAt = c.warnAt;
    events.push({ type: 'sla.warning', clock: name, at: c.warnAt, dueAt: c.dueAt });
  }
  return events.length > 0 ? { state: s, events } : { state, events };
}

/** What a timer job runs: due warnings, then due breaches. */
export function fireDueTimers(state: SlaState, now: Date): SlaStep {
  const w = checkWarning(state, now);
  const b = checkBreach(w.state, now);
  return { state: b.state, events: [...w.events, ...b.events] };
}

/**
 * The next instant a check must run, or null when no clock is counting. May be in the past (a
 * timer that was missed): the caller then runs fireDueTimers at once.
 */
export function nextTimer(state: SlaState, now: Date): SlaTimer | null {
  let best: SlaTimer | null = null;
  const consider = (t: SlaTimer) => {
    if (best === null || t.at.getTime() < best.at.getTime()) best = t;
  };
  for (const name of CLOCKS) {
    const c = state[name];
    if (c.status !== 'running' || !isActive(c)) continue;
    if (c.warnedAt === null && now.getTime() <= c.dueAt.getTime()) consider({ kind: 'warning', clock: name, at: c.warnAt, deadline: c.dueAt });
    consider({ kind: 'breach', clock: name, at: new Date(c.dueAt.getTime() + 1), deadline: c.dueAt });
  }
  return best;
}

/**
 * Applies one happening. `policy` is the policy in force after it (for priority_changed and
 * category_changed: the policy of the new category × priority); `calendar` is the calendar of the
 * agency holding the ticket after it. Breaches due before the happening are recorded first.
 *
 * - received: starts both clocks (state must be null).
 * - first_response: completes the response clock.
 * - paused / resumed: pause both counting clocks / lay out their remaining time again from now.
 * - transferred: ends a pause (the ticket no longer waits for the citizen); `continue` keeps the
 *   deadlines as instants (also when the new agency has another calendar), `restart` gives the new
 *   agency fresh clocks (the response clock only if the first agency had not answered yet). Both
 *   report the working time charged to the first agency.
 * - resolved: completes the resolution clock, and the response clock if still counting (a
 *   resolution answers the citizen).
 * - reopened: a new resolution clock from now; the previous extension no longer applies.
 * - closed: clocks still counting stop without their goal.
 * - extension_approved: the resolution deadline becomes the later of the current one and the new
 *   one; resolving after the original deadline but by the extended one is late_with_extension.
 *   Requested/refused only record the request: a refusal keeps the deadline.
 * - priority_changed / category_changed: targets recomputed from each clock's own start (not from
 *   now), as if the ticket had had this priority from the start, keeping finished pauses and any
 *   extension. A deadline that is thereby already past is breached at that deadline.
 */
export function applyHappening(state: SlaState | null, happening: SlaHappening, policy: SlaPolicy, calendar: WorkCalendar): SlaStep {
  const at = happening.at;
  if (!Number.isFinite(at.getTime())) throw new RangeError('happening.at is an invalid Date');
  if (state === null) {
    if (happening.kind !== 'received') throw new RangeError(`The first SLA happening must be "received", got "${happening.kind}"`);
    return startSla(at, policy, calendar, { categoryCode: happening.categoryCode, priority: happening.priority });
  }
  if (happening.kind === 'received') throw new RangeError('The ticket was already received');
  if (at.getTime() < state.asOf.getTime()) {
    throw new RangeError(`SLA happenings must be applied in time order (${at.toISOString()} < ${state.asOf.toISOString()})`);
  }
  const pre = checkBreach(state, at);
  const s = cloneState(pre.state);
  const events = [...pre.events];
  s.asOf = at;

  switch (happening.kind) {
    case 'first_response':
      complete(s.response, at, calendar, events);
      break;
    case 'paused':
      for (const name of CLOCKS) {
        const c = s[name];
        if (!isActive(c) || c.pausedAt !== null) continue;
        refreshElapsed(c, at, calendar);
        c.pausedAt = at;
        c.status = 'paused';
        events.push({ type: 'sla.paused', clock: name, at });
      }
      break;
    case 'resumed':
      resumeAll(s, at, calendar, events);
      break;
    case 'transferred': {
      resumeAll(s, at, calendar, events);
      for (const name of CLOCKS) refreshElapsed(s[name], at, calendar);
      events.push({
        type: 'sla.transferred', at, mode: policy.transfer,
        fromAgencyId: happening.fromAgencyId ?? null, toAgencyId: happening.toAgencyId ?? null,
        elapsedWorkingMs: {
          response: isActive(s.response) ? s.response.elapsedWorkingMs : null,
          resolution: isActive(s.resolution) ? s.resolution.elapsedWorkingMs : null,
        },
      });
      if (policy.transfer === 'restart') {
        for (const name of CLOCKS) if (isActive(s[name])) restart(s, name, at, policy, calendar, 'transfer', events);
      }
      break;
    }
    case 'resolved':
      complete(s.response, at, calendar, events);
      complete(s.resolution, at, calendar, events);
      break;
    case 'reopened':
      restart(s, 'resolution', at, policy, calendar, 'reopen', events);
      break;
    case 'closed':
      for (const name of CLOCKS) {
        const c = s[name];
        if (!isActive(c)) continue;
        endPause(c, at, calendar);
        c.elapsedWorkingMs = elapsedWorkingMsAt(c, at, calendar);
        c.endedAt = at;
        c.status = c.breachedAt !== null ? 'breached' : 'stopped';
        events.push({ type: 'sla.stopped', clock: name, at, elapsedWorkingMs: c.elapsedWorkingMs });
      }
      break;
    case 'extension_requested':
      s.extension = {
        status: 'requested', requestedAt: at, requestedDueAt: happening.requestedDueAt, reason: happening.reason,
        decidedAt: null, approvedDueAt: null, previousDueAt: null,
      };
      break;
    case 'extension_approved': {
      const c = s.resolution;
      if (!isActive(c)) break; // resolved meanwhile: nothing left to extend
      const from = c.dueAt;
      s.extension = {
        status: 'approved',
        requestedAt: s.extension?.status === 'requested' ? s.extension.requestedAt : null,
        requestedDueAt: s.extension?.status === 'requested' ? s.extension.requestedDueAt : null,
        reason: happening.reason ?? (s.extension?.status === 'requested' ? s.extension.reason : null),
        decidedAt: at, approvedDueAt: happening.newDeadline, previousDueAt: from,
      };
      c.extendedDueAt = later(happening.newDeadline, c.extendedDueAt);
      c.dueAt = later(c.originalDueAt, c.extendedDueAt);
      if (c.dueAt.getTime() !== from.getTime()) {
        rewarn(c, at, policy.warnAtFraction, calendar);
        events.push({ type: 'sla.deadline_moved', clock: 'resolution', at, from, to: c.dueAt, reason: 'extension' });
      }
      break;
    }
    case 'extension_refused':
      s.extension = {
        status: 'refused',
        requestedAt: s.extension?.requestedAt ?? null,
        requestedDueAt: s.extension?.requestedDueAt ?? null,
        reason: happening.reason ?? s.extension?.reason ?? null,
        decidedAt: at, approvedDueAt: null, previousDueAt: s.resolution.dueAt,
      };
      break;
    case 'priority_changed':
    case 'category_changed': {
      if (happening.kind === 'priority_changed') s.priority = happening.priority;
      else s.categoryCode = happening.categoryCode;
      for (const name of CLOCKS) retarget(s[name], at, policy[name], policy.warnAtFraction, calendar, happening.kind, events);
      // The new deadline may already lie behind us: that breach is dated at the deadline too.
      for (const name of CLOCKS) recordBreachIfPast(s[name], at, events);
      break;
    }
  }
  for (const name of CLOCKS) refreshElapsed(s[name], at, calendar);
  return { state: s, events };
}

function resumeAll(s: SlaState, at: Date, calendar: WorkCalendar, events: SlaClockEvent[]): void {
  for (const name of CLOCKS) {
    const c = s[name];
    if (!isActive(c) || c.pausedAt === null) continue;
    const pausedWorkingMs = endPause(c, at, calendar);
    events.push({ type: 'sla.resumed', clock: name, at, dueAt: c.dueAt, warnAt: c.warnAt, pausedWorkingMs });
  }
}

/**
 * Folds a whole timeline (sorted by `at`, stable) on one calendar. With a list of policies the
 * policy follows the ticket's category × priority (choosePolicy); `received` should then carry them
 * (missing: uncategorised, normal).
 */
export function computeSlaState(happenings: readonly SlaHappening[], policies: SlaPolicy | readonly SlaPolicy[], calendar: WorkCalendar): SlaStep {
  const sorted = [...happenings].sort((a, b) => a.at.getTime() - b.at.getTime());
  let state: SlaState | null = null;
  const events: SlaClockEvent[] = [];
  for (const h of sorted) {
    const policy = policyAfter(policies, state, h);
    const step = applyHappening(state, h, policy, calendar);
    state = step.state;
    events.push(...step.events);
  }
  if (state === null) throw new RangeError('An SLA timeline needs at least the "received" happening');
  return { state, events };
}

function policyAfter(policies: SlaPolicy | readonly SlaPolicy[], state: SlaState | null, h: SlaHappening): SlaPolicy {
  if (!Array.isArray(policies)) return policies as SlaPolicy;
  const list = policies as readonly SlaPolicy[];
  let categoryCode = state?.categoryCode ?? null;
  let priority: Priority = state?.priority ?? 'normal';
  if (h.kind === 'received') {
    categoryCode = h.categoryCode ?? null;
    priority = h.priority ?? 'normal';
  } else if (h.kind === 'priority_changed') priority = h.priority;
  else if (h.kind === 'category_changed') categoryCode = h.categoryCode;
  return choosePolicy(list, categoryCode, priority);
}

// ---- storage ----------------------------------------------------------------------------------

const date = z.coerce.date().refine((d) => Number.isFinite(d.getTime()), 'invalid date');
const clockStateSchema = z.strictObject({
  clock: z.enum(['response', 'resolution']),
  status: z.enum(['running', 'paused', 'met', 'breached', 'stopped']),
  target: z.strictObject({ amount: z.number().positive(), unit: z.enum(SLA_TARGET_UNITS) }),
  startedAt: date,
  dueAt: date,
  originalDueAt: date,
  extendedDueAt: date.nullable(),
  warnAt: date,
  warnedAt: date.nullable(),
  breachedAt: date.nullable(),
  pausedAt: date.nullable(),
  elapsedWorkingMs: z.number().min(0),
  pausedWorkingMs: z.number().min(0),
  metAt: date.nullable(),
  endedAt: date.nullable(),
  outcome: z.enum(['on_time', 'late', 'late_with_extension']).nullable(),
});

/** Reads a state stored as JSON (ISO strings back to Dates). */
export const slaStateSchema = z.strictObject({
  receivedAt: date,
  asOf: date,
  categoryCode: z.string().nullable(),
  priority: z.enum(PRIORITIES),
  response: clockStateSchema,
  resolution: clockStateSchema,
  extension: z
    .strictObject({
      status: z.enum(['requested', 'approved', 'refused']),
      requestedAt: date.nullable(),
      requestedDueAt: date.nullable(),
      reason: z.string().nullable(),
      decidedAt: date.nullable(),
      approvedDueAt: date.nullable(),
      previousDueAt: date.nullable(),
    })
    .nullable(),
});

export function parseSlaState(json: unknown): SlaState {
  return slaStateSchema.parse(json);
}
