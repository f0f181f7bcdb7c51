import path from 'node:path';
import type { Priority } from '../workflow/types';
import { createVietnamWorkCalendar, ROUND_THE_CLOCK, VN_GOVERNMENT_OFFICE_HOURS, WorkCalendar } from './calendar';
import {
  applyHappening,
  calendarForAgency,
  checkBreach,
  checkWarning,
  computeSlaState,
  elapsedWorkingMsAt,
  fireDueTimers,
  nextTimer,
  parseSlaState,
  type SlaClockEvent,
  type SlaHappening,
  type SlaState,
} from './clock';
import { choosePolicy, DEFAULT_SLA_POLICIES, type SlaPolicy } from './policy';

const HOUR = 3_600_000;
/** Instant from a Vietnamese wall-clock time. */
const vn = (local: string): Date => new Date(`${local}+07:00`);
/** Vietnamese wall-clock text of an instant, for readable assertions. */
const local = (d: Date | null): string | null => (d === null ? null : new Date(d.getTime() + 7 * HOUR).toISOString().slice(0, 19));

const office = createVietnamWorkCalendar(VN_GOVERNMENT_OFFICE_HOURS, path.resolve(__dirname, '../../data/calendar'));
const allDay = new WorkCalendar({ schedule: ROUND_THE_CLOCK });
const policy = (priority: Priority, overrides: Partial<SlaPolicy> = {}): SlaPolicy => ({ ...choosePolicy(DEFAULT_SLA_POLICIES, null, priority), ...overrides });
const received = (at: string, priority: Priority = 'normal'): SlaHappening => ({ kind: 'received', at: vn(at), priority });

function run(happenings: SlaHappening[], p: SlaPolicy | readonly SlaPolicy[] = DEFAULT_SLA_POLICIES, cal: WorkCalendar = office) {
  return computeSlaState(happenings, p, cal);
}
const types = (events: SlaClockEvent[]) => events.map((e) => ('clock' in e ? `${e.type}:${e.clock}` : e.type));

describe('deadlines on office hours (07:30–11:30, 13:30–17:00, Mon–Fri)', () => {
  it('normal report received Friday 16:30: response due Monday 17:00 (end of the first working day after receipt), resolution Friday 20 Mar 17:00', () => {
    const { state, events } = run([received('2026-03-06T16:30')]);
    expect(local(state.response.dueAt)).toBe('2026-03-09T17:00:00');
    expect(local(state.resolution.dueAt)).toBe('2026-03-20T17:00:00');
    expect(state.response.originalDueAt).toEqual(state.response.dueAt);
    expect(state.response.status).toBe('running');
    expect(types(events)).toEqual(['sla.started:response', 'sla.started:resolution']);
    // Monday 15:00: 6 of the 8 working hours (Fri 16:30–17:00 + Mon 7.5 h) are used.
    expect(local(state.response.warnAt)).toBe('2026-03-09T15:00:00');
    expect(office.workingMillisBetween(vn('2026-03-06T16:30'), state.response.warnAt)).toBe(0.75 * office.workingMillisBetween(vn('2026-03-06T16:30'), state.response.dueAt));
  });

  it('lunch break: urgent report at 11:00 is due at 14:00, warned at 13:45', () => {
    const { state } = run([received('2026-03-02T11:00', 'urgent')]);
    expect(local(state.response.dueAt)).toBe('2026-03-02T14:00:00');
    expect(local(state.response.warnAt)).toBe('2026-03-02T13:45:00');
    expect(local(state.resolution.dueAt)).toBe('2026-03-03T17:00:00');
  });

  it('Tết 2026 (14–22 Feb off): high priority received Fri 13 Feb 15:00 → response Mon 23 Feb 09:30, resolution Wed 25 Feb 17:00', () => {
    const { state } = run([received('2026-02-13T15:00', 'high')]);
    expect(local(state.response.dueAt)).toBe('2026-02-23T09:30:00');
    expect(local(state.resolution.dueAt)).toBe('2026-02-25T17:00:00');
  });

  it('received on mùng 1 Tết (17 Feb): the clock waits for the first working day', () => {
    expect(local(run([received('2026-02-17T10:00', 'urgent')]).state.response.dueAt)).toBe('2026-02-23T08:30:00');
    expect(local(run([received('2026-02-17T10:00', 'normal')]).state.response.dueAt)).toBe('2026-02-23T17:00:00');
  });

  it('National Day 2026: make-up Saturday 22 Aug counts, 31 Aug – 2 Sep do not', () => {
    const { state } = run([received('2026-08-21T10:00')]);
    expect(local(state.response.dueAt)).toBe('2026-08-22T17:00:00');
    // 22, 24–28 Aug, 3, 4, 7, 8 Sep.
    expect(local(state.resolution.dueAt)).toBe('2026-09-08T17:00:00');
  });

  it("Hùng Kings' substitute day (Mon 27 Apr), 30 Apr and 1 May: low priority from Fri 24 Apr", () => {
    const { state } = run([received('2026-04-24T10:00', 'low')]);
    expect(local(state.response.dueAt)).toBe('2026-04-29T17:00:00');
    expect(local(state.resolution.dueAt)).toBe('2026-05-20T17:00:00');
  });
});

describe('24/7 agencies', () => {
  const calendars = { office, alwaysOn: allDay };

  it('calendarForAgency picks the round-the-clock calendar for alwaysOn agencies', () => {
    expect(calendarForAgency({ alwaysOn: true }, calendars)).toBe(allDay);
    expect(calendarForAgency({ alwaysOn: false }, calendars)).toBe(office);
    expect(calendarForAgency(null, calendars)).toBe(office);
  });

  it('urgent call Saturday night of Tết: police answer by 00:30, resolve by the end of Sunday; an office agency waits until 23 Feb', () => {
    const police = run([received('2026-02-14T23:30', 'urgent')], DEFAULT_SLA_POLICIES, calendarForAgency({ alwaysOn: true }, calendars)).state;
    expect(local(police.response.dueAt)).toBe('2026-02-15T00:30:00');
    expect(local(police.response.warnAt)).toBe('2026-02-15T00:15:00');
    expect(local(police.resolution.dueAt)).toBe('2026-02-16T00:00:00');
    const commune = run([received('2026-02-14T23:30', 'urgent')], DEFAULT_SLA_POLICIES, calendarForAgency({ alwaysOn: false }, calendars)).state;
    expect(local(commune.response.dueAt)).toBe('2026-02-23T08:30:00');
  });

  it('a pause on a 24/7 desk moves the deadline by the wall-clock length of the pause', () => {
    const { state } = run(
      [received('2026-02-14T23:30', 'urgent'), { kind: 'paused', at: vn('2026-02-15T10:00') }, { kind: 'resumed', at: vn('2026-02-15T13:15') }],
      DEFAULT_SLA_POLICIES,
      allDay,
    );
    expect(local(state.resolution.dueAt)).toBe('2026-02-16T03:15:00');
    expect(state.resolution.pausedWorkingMs).toBe(3.25 * HOUR);
  });
});

describe('pause while waiting for the citizen', () => {
  const timeline: SlaHappening[] = [
    received('2026-03-02T09:00'),
    { kind: 'first_response', at: vn('2026-03-02T10:00') },
    { kind: 'paused', at: vn('2026-03-03T10:00') },
    { kind: 'resumed', at: vn('2026-03-05T15:00') },
  ];

  it('moves the deadline and the warning by exactly the paused working time (Tue 10:00 → Thu 15:00 = 18 h)', () => {
    const before = run(timeline.slice(0, 2)).state;
    expect(local(before.resolution.dueAt)).toBe('2026-03-16T17:00:00');
    expect(local(before.resolution.warnAt)).toBe('2026-03-12T09:45:00');

    const { state, events } = run(timeline);
    expect(local(state.resolution.dueAt)).toBe('2026-03-19T10:30:00');
    expect(office.workingMillisBetween(before.resolution.dueAt, state.resolution.dueAt)).toBe(18 * HOUR);
    expect(local(state.resolution.warnAt)).toBe('2026-03-16T14:45:00');
    expect(office.workingMillisBetween(before.resolution.warnAt, state.resolution.warnAt)).toBe(18 * HOUR);
    expect(state.resolution.originalDueAt).toEqual(state.resolution.dueAt);
    expect(state.resolution.pausedWorkingMs).toBe(18 * HOUR);
    expect(state.resolution.status).toBe('running');
    // The response clock had ended: it is neither paused nor moved.
    expect(state.response.status).toBe('met');
    expect(events.filter((e) => e.type === 'sla.paused' || e.type === 'sla.resumed')).toEqual([
      { type: 'sla.paused', clock: 'resolution', at: vn('2026-03-03T10:00') },
      { type: 'sla.resumed', clock: 'resolution', at: vn('2026-03-05T15:00'), dueAt: vn('2026-03-19T10:30'), warnAt: vn('2026-03-16T14:45'), pausedWorkingMs: 18 * HOUR },
    ]);
  });

  it('the paused time does not count as resolution time', () => {
    const { state } = run([...timeline, { kind: 'resolved', at: vn('2026-03-06T10:00') }]);
    // Mon 09:00 → Fri 10:00 is 31 working hours, 18 of them paused.
    expect(state.resolution.elapsedWorkingMs).toBe(13 * HOUR);
    expect(state.resolution.outcome).toBe('on_time');
    expect(state.response.elapsedWorkingMs).toBe(1 * HOUR);
  });

  it('while paused there is no timer and no breach, even past the old deadline; after resume the remaining hour runs', () => {
    const paused = run([received('2026-03-02T09:00', 'high'), { kind: 'paused', at: vn('2026-03-02T14:00') }]).state;
    expect(local(paused.response.dueAt)).toBe('2026-03-02T15:00:00');
    expect(paused.response.status).toBe('paused');
    expect(nextTimer(paused, vn('2026-03-03T08:00'))).toBeNull();
    expect(checkBreach(paused, vn('2026-03-03T08:00')).events).toEqual([]);
    expect(elapsedWorkingMsAt(paused.response, vn('2026-03-03T08:00'), office)).toBe(3 * HOUR);

    const step = applyHappening(paused, { kind: 'resumed', at: vn('2026-03-03T09:00') }, policy('high'), office);
    expect(local(step.state.response.dueAt)).toBe('2026-03-03T10:00:00');
    // 4.5 working hours paused (Mon 14:00–17:00, Tue 07:30–09:00) also move the resolution deadline.
    expect(local(step.state.resolution.dueAt)).toBe('2026-03-06T14:00:00');
    expect(types(step.events)).toEqual(['sla.resumed:response', 'sla.resumed:resolution']);
  });

  it('pausing twice or resuming a running clock changes nothing', () => {
    const { state, events } = run([
      received('2026-03-02T09:00'),
      { kind: 'paused', at: vn('2026-03-02T10:00') },
      { kind: 'paused', at: vn('2026-03-02T11:00') },
      { kind: 'resumed', at: vn('2026-03-02T14:00') },
      { kind: 'resumed', at: vn('2026-03-02T15:00') },
    ]);
    expect(types(events)).toEqual(['sla.started:response', 'sla.started:resolution', 'sla.paused:response', 'sla.paused:resolution', 'sla.resumed:response', 'sla.resumed:resolution']);
    expect(state.resolution.pausedWorkingMs).toBe(2 * HOUR); // 10:00–11:30 + 13:30–14:00
  });

  it('resolving while still waiting for the citizen still counts the pause in the agency’s favour', () => {
    const { state } = run([received('2026-03-02T09:00', 'high'), { kind: 'paused', at: vn('2026-03-02T10:00') }, { kind: 'resolved', at: vn('2026-03-09T10:00') }]);
    // Resolution due Thu 5 Mar 17:00 without the pause; the pause covers all of it.
    expect(state.resolution.outcome).toBe('on_time');
    expect(state.resolution.elapsedWorkingMs).toBe(1 * HOUR);
    expect(state.resolution.breachedAt).toBeNull();
  });
});

describe('transfer', () => {
  const before: SlaHappening[] = [received('2026-03-02T09:00'), { kind: 'first_response', at: vn('2026-03-02T10:00') }];
  const transfer: SlaHappening = { kind: 'transferred', at: vn('2026-03-04T14:00'), fromAgencyId: 7, toAgencyId: 9 };

  it('continue (default): the deadline stays; the 18 h already used are charged to the first agency', () => {
    const { state, events } = run([...before, transfer]);
    expect(local(state.resolution.dueAt)).toBe('2026-03-16T17:00:00');
    expect(events.at(-1)).toEqual({
      type: 'sla.transferred', at: vn('2026-03-04T14:00'), mode: 'continue', fromAgencyId: 7, toAgencyId: 9,
      elapsedWorkingMs: { response: null, resolution: 18 * HOUR },
    });
  });

  it('restart: the new agency gets 10 working days from the transfer; the answered response clock is left alone', () => {
    const { state, events } = run([...before, transfer], policy('normal', { transfer: 'restart' }));
    expect(local(state.resolution.startedAt)).toBe('2026-03-04T14:00:00');
    expect(local(state.resolution.dueAt)).toBe('2026-03-18T17:00:00');
    expect(local(state.resolution.warnAt)).toBe('2026-03-16T10:30:00');
    expect(state.response.status).toBe('met');
    expect(types(events).slice(-2)).toEqual(['sla.transferred', 'sla.restarted:resolution']);
    const restarted = events.at(-1);
    expect(restarted).toMatchObject({ reason: 'transfer', previous: { dueAt: vn('2026-03-16T17:00'), elapsedWorkingMs: 18 * HOUR, breachedAt: null } });
  });

  it('restart before any answer also restarts the response clock', () => {
    const { state } = run([received('2026-03-02T09:00'), transfer], policy('normal', { transfer: 'restart' }));
    expect(local(state.response.dueAt)).toBe('2026-03-05T17:00:00');
    expect(state.response.status).toBe('running');
  });

  it('a transfer while waiting for the citizen ends the pause', () => {
    const { state, events } = run([...before, { kind: 'paused', at: vn('2026-03-04T10:00') }, transfer]);
    expect(state.resolution.status).toBe('running');
    expect(state.resolution.pausedWorkingMs).toBe(2 * HOUR); // 10:00–11:30, 13:30–14:00
    expect(types(events).slice(-2)).toEqual(['sla.resumed:resolution', 'sla.transferred']);
  });
});

describe('reopen', () => {
  it('starts a new resolution clock from the reopening; the first one is reported as previous', () => {
    const first = run([received('2026-03-02T09:00'), { kind: 'resolved', at: vn('2026-03-06T10:00') }]);
    expect(first.state.resolution.outcome).toBe('on_time');
    expect(first.state.resolution.elapsedWorkingMs).toBe(31 * HOUR);
    // The resolution also answered the citizen, though after the response deadline (Tue 17:00).
    expect(first.state.response).toMatchObject({ metAt: vn('2026-03-06T10:00'), outcome: 'late', breachedAt: vn('2026-03-03T17:00') });

    const { state, events } = run([
      received('2026-03-02T09:00'),
      { kind: 'resolved', at: vn('2026-03-06T10:00') },
      { kind: 'reopened', at: vn('2026-03-09T08:00') },
    ]);
    expect(state.resolution).toMatchObject({ status: 'running', outcome: null, metAt: null, elapsedWorkingMs: 0 });
    expect(local(state.resolution.startedAt)).toBe('2026-03-09T08:00:00');
    expect(local(state.resolution.dueAt)).toBe('2026-03-23T17:00:00');
    expect(events.at(-1)).toMatchObject({ type: 'sla.restarted', clock: 'resolution', reason: 'reopen', previous: { outcome: 'on_time', elapsedWorkingMs: 31 * HOUR } });
    expect(state.response.metAt).toEqual(vn('2026-03-06T10:00')); // untouched by the reopening

    const again = applyHappening(state, { kind: 'resolved', at: vn('2026-03-10T09:00') }, policy('normal'), office);
    expect(again.state.resolution.elapsedWorkingMs).toBe(8.5 * HOUR);
    expect(types(again.events)).toEqual(['sla.completed:resolution']);
  });
});

describe('extensions (xin gia hạn)', () => {
  const start: SlaHappening[] = [
    received('2026-03-02T09:00', 'high'),
    { kind: 'first_response', at: vn('2026-03-02T10:00') },
    { kind: 'extension_requested', at: vn('2026-03-04T09:00'), requestedDueAt: vn('2026-03-10T17:00'), reason: 'Cần khảo sát hiện trường' },
  ];
  const approve: SlaHappening = { kind: 'extension_approved', at: vn('2026-03-04T10:00'), newDeadline: vn('2026-03-10T17:00') };
  const refuse: SlaHappening = { kind: 'extension_refused', at: vn('2026-03-04T10:00'), reason: 'Không đủ căn cứ' };
  const resolve: SlaHappening = { kind: 'resolved', at: vn('2026-03-09T10:00') };

  it('approved: the deadline moves, the warning re-arms, and no breach at the original deadline', () => {
    const { state, events } = run([...start, approve]);
    expect(local(state.resolution.originalDueAt)).toBe('2026-03-05T17:00:00');
    expect(local(state.resolution.dueAt)).toBe('2026-03-10T17:00:00');
    expect(local(state.resolution.warnAt)).toBe('2026-03-09T09:45:00');
    expect(state.extension).toEqual({
      status: 'approved', requestedAt: vn('2026-03-04T09:00'), requestedDueAt: vn('2026-03-10T17:00'), reason: 'Cần khảo sát hiện trường',
      decidedAt: vn('2026-03-04T10:00'), approvedDueAt: vn('2026-03-10T17:00'), previousDueAt: vn('2026-03-05T17:00'),
    });
    expect(events.at(-1)).toEqual({ type: 'sla.deadline_moved', clock: 'resolution', at: vn('2026-03-04T10:00'), from: vn('2026-03-05T17:00'), to: vn('2026-03-10T17:00'), reason: 'extension' });
    expect(checkBreach(state, vn('2026-03-06T09:00')).events).toEqual([]);
  });

  it('approved and resolved after the original deadline but by the extended one: late_with_extension, not a breach', () => {
    const { state, events } = run([...start, approve, resolve]);
    expect(state.resolution).toMatchObject({ status: 'met', outcome: 'late_with_extension', breachedAt: null });
    expect(events.some((e) => e.type === 'sla.breached')).toBe(false);
  });

  it('approved but resolved after the extended deadline: late, breached at the extended deadline', () => {
    const { state } = run([...start, approve, { kind: 'resolved', at: vn('2026-03-11T09:00') }]);
    expect(state.resolution).toMatchObject({ status: 'breached', outcome: 'late', breachedAt: vn('2026-03-10T17:00') });
  });

  it('approved and resolved before the original deadline: on time', () => {
    expect(run([...start, approve, { kind: 'resolved', at: vn('2026-03-05T09:00') }]).state.resolution.outcome).toBe('on_time');
  });

  it('refused: the original deadline holds and the same resolution is a breach dated Thu 5 Mar 17:00', () => {
    const { state, events } = run([...start, refuse, resolve]);
    expect(state.extension).toMatchObject({ status: 'refused', decidedAt: vn('2026-03-04T10:00'), reason: 'Không đủ căn cứ', previousDueAt: vn('2026-03-05T17:00') });
    expect(state.resolution).toMatchObject({ status: 'breached', outcome: 'late', breachedAt: vn('2026-03-05T17:00'), extendedDueAt: null });
    expect(events.filter((e) => e.type === 'sla.breached')).toEqual([{ type: 'sla.breached', clock: 'resolution', at: vn('2026-03-05T17:00'), dueAt: vn('2026-03-05T17:00') }]);
    expect(types(events).slice(-2)).toEqual(['sla.breached:resolution', 'sla.completed:resolution']);
  });

  it('an approval after the breach moves the deadline but does not erase the breach', () => {
    const { state } = run([...start, { ...approve, at: vn('2026-03-06T08:00') }, resolve]);
    expect(state.resolution).toMatchObject({ outcome: 'late', breachedAt: vn('2026-03-05T17:00') });
    expect(local(state.resolution.dueAt)).toBe('2026-03-10T17:00:00');
  });

  it('an approval earlier than the current deadline never shortens it', () => {
    const { state, events } = run([...start, { ...approve, newDeadline: vn('2026-03-04T17:00') }]);
    expect(local(state.resolution.dueAt)).toBe('2026-03-05T17:00:00');
    expect(events.some((e) => e.type === 'sla.deadline_moved')).toBe(false);
  });
});

describe('breach detection', () => {
  const state = run([received('2026-03-02T09:00', 'urgent')]).state;

  it('records breachedAt = dueAt even when checked days later, and only once', () => {
    expect(checkBreach(state, vn('2026-03-02T10:00')).events).toEqual([]); // at the deadline: still on time
    const first = checkBreach(state, vn('2026-03-04T10:00'));
    expect(first.events).toEqual([
      { type: 'sla.breached', clock: 'response', at: vn('2026-03-02T10:00'), dueAt: vn('2026-03-02T10:00') },
      { type: 'sla.breached', clock: 'resolution', at: vn('2026-03-03T17:00'), dueAt: vn('2026-03-03T17:00') },
    ]);
    expect(first.state.response).toMatchObject({ status: 'breached', breachedAt: vn('2026-03-02T10:00') });
    const second = checkBreach(first.state, vn('2026-03-05T10:00'));
    expect(second.events).toEqual([]);
    expect(second.state).toBe(first.state);
    expect(nextTimer(first.state, vn('2026-03-05T10:00'))).toBeNull();
    // The input state was not changed.
    expect(state.response.status).toBe('running');
  });

  it('an answer exactly at the deadline is on time, one millisecond later is late', () => {
    const onTime = applyHappening(state, { kind: 'first_response', at: vn('2026-03-02T10:00') }, policy('urgent'), office);
    expect(onTime.state.response).toMatchObject({ status: 'met', outcome: 'on_time', breachedAt: null });
    const late = applyHappening(state, { kind: 'first_response', at: new Date(vn('2026-03-02T10:00').getTime() + 1) }, policy('urgent'), office);
    expect(late.state.response).toMatchObject({ status: 'breached', outcome: 'late', breachedAt: vn('2026-03-02T10:00') });
    expect(types(late.events)).toEqual(['sla.breached:response', 'sla.completed:response']);
  });

  it('a breach already recorded by a timer is not recorded again by the late answer', () => {
    const breached = checkBreach(state, vn('2026-03-02T12:00')).state;
    const answer = applyHappening(breached, { kind: 'first_response', at: vn('2026-03-02T14:00') }, policy('urgent'), office);
    expect(types(answer.events)).toEqual(['sla.completed:response']);
    expect(answer.state.response).toMatchObject({ outcome: 'late', breachedAt: vn('2026-03-02T10:00'), elapsedWorkingMs: 3 * HOUR });
  });
});

describe('warning and timers', () => {
  const state = run([received('2026-03-06T16:30')]).state;

  it('nextTimer walks warning → breach → next clock; each fires once', () => {
    expect(nextTimer(state, vn('2026-03-06T16:30'))).toEqual({ kind: 'warning', clock: 'response', at: vn('2026-03-09T15:00'), deadline: vn('2026-03-09T17:00') });
    expect(checkWarning(state, new Date(vn('2026-03-09T15:00').getTime() - 1)).events).toEqual([]);

    const warned = checkWarning(state, vn('2026-03-09T15:00'));
    expect(warned.events).toEqual([{ type: 'sla.warning', clock: 'response', at: vn('2026-03-09T15:00'), dueAt: vn('2026-03-09T17:00') }]);
    expect(warned.state.response.warnedAt).toEqual(vn('2026-03-09T15:00'));
    expect(checkWarning(warned.state, vn('2026-03-09T15:30')).events).toEqual([]);

    const t2 = nextTimer(warned.state, vn('2026-03-09T15:00'));
    expect(t2).toEqual({ kind: 'breach', clock: 'response', at: new Date(vn('2026-03-09T17:00').getTime() + 1), deadline: vn('2026-03-09T17:00') });
    const fired = fireDueTimers(warned.state, t2!.at);
    expect(fired.events).toEqual([{ type: 'sla.breached', clock: 'response', at: vn('2026-03-09T17:00'), dueAt: vn('2026-03-09T17:00') }]);

    expect(nextTimer(fired.state, t2!.at)).toEqual({ kind: 'warning', clock: 'resolution', at: vn('2026-03-18T11:07:30'), deadline: vn('2026-03-20T17:00') });
  });

  it('a warning missed until after the deadline is dropped in favour of the breach', () => {
    expect(types(fireDueTimers(state, vn('2026-03-09T18:00')).events)).toEqual(['sla.breached:response']);
  });

  it('a missed warning before the deadline is due at once (nextTimer in the past)', () => {
    const t = nextTimer(state, vn('2026-03-09T16:00'));
    expect(t).toMatchObject({ kind: 'warning', at: vn('2026-03-09T15:00') });
    expect(types(fireDueTimers(state, vn('2026-03-09T16:00')).events)).toEqual(['sla.warning:response']);
  });

  it('the resolution warning is at 75 % of its working time (60.75 of 81 h)', () => {
    const s = run([received('2026-03-02T09:00')]).state;
    expect(office.workingMillisBetween(vn('2026-03-02T09:00'), s.resolution.dueAt)).toBe(81 * HOUR);
    expect(office.workingMillisBetween(vn('2026-03-02T09:00'), s.resolution.warnAt)).toBe(60.75 * HOUR);
  });
});

describe('priority and category changes', () => {
  it('recompute deadlines from the original start (normal → urgent at 09:30: response 10:00, resolution Tue 17:00)', () => {
    const { state, events } = run([received('2026-03-02T09:00'), { kind: 'priority_changed', at: vn('2026-03-02T09:30'), priority: 'urgent' }]);
    expect(state.priority).toBe('urgent');
    expect(local(state.response.dueAt)).toBe('2026-03-02T10:00:00');
    expect(local(state.resolution.dueAt)).toBe('2026-03-03T17:00:00');
    expect(state.response.target).toEqual({ amount: 1, unit: 'working_hours' });
    expect(events.slice(-2)).toEqual([
      { type: 'sla.deadline_moved', clock: 'response', at: vn('2026-03-02T09:30'), from: vn('2026-03-03T17:00'), to: vn('2026-03-02T10:00'), reason: 'priority_changed' },
      { type: 'sla.deadline_moved', clock: 'resolution', at: vn('2026-03-02T09:30'), from: vn('2026-03-16T17:00'), to: vn('2026-03-03T17:00'), reason: 'priority_changed' },
    ]);
  });

  it('a recomputed deadline already past is breached at that deadline', () => {
    const { state, events } = run([received('2026-03-02T09:00'), { kind: 'priority_changed', at: vn('2026-03-02T10:30'), priority: 'urgent' }]);
    expect(state.response).toMatchObject({ status: 'breached', breachedAt: vn('2026-03-02T10:00') });
    expect(types(events).slice(-3)).toEqual(['sla.deadline_moved:response', 'sla.deadline_moved:resolution', 'sla.breached:response']);
  });

  it('keeps finished pauses when recomputing', () => {
    const { state } = run([
      received('2026-03-02T09:00'),
      { kind: 'paused', at: vn('2026-03-02T10:00') },
      { kind: 'resumed', at: vn('2026-03-02T11:00') },
      { kind: 'priority_changed', at: vn('2026-03-02T11:10'), priority: 'urgent' },
    ]);
    expect(local(state.response.dueAt)).toBe('2026-03-02T11:00:00'); // 09:00 + 1 h + 1 h paused
  });

  it('a category with its own policy takes over (category_changed with a policy list)', () => {
    const roads: SlaPolicy = { categoryCode: 'giao_thong', priority: 'normal', response: { amount: 2, unit: 'working_hours' }, resolution: { amount: 5, unit: 'working_days' }, warnAtFraction: 0.5, transfer: 'continue' };
    const { state } = run([received('2026-03-02T09:00'), { kind: 'category_changed', at: vn('2026-03-02T09:10'), categoryCode: 'giao_thong' }], [...DEFAULT_SLA_POLICIES, roads]);
    expect(state.categoryCode).toBe('giao_thong');
    expect(local(state.response.dueAt)).toBe('2026-03-02T11:00:00');
    expect(local(state.response.warnAt)).toBe('2026-03-02T10:00:00');
    expect(local(state.resolution.dueAt)).toBe('2026-03-09T17:00:00');
  });

  it('answered clocks are not touched', () => {
    const { events } = run([received('2026-03-02T09:00'), { kind: 'first_response', at: vn('2026-03-02T09:05') }, { kind: 'priority_changed', at: vn('2026-03-02T09:30'), priority: 'low' }]);
    expect(types(events).slice(-1)).toEqual(['sla.deadline_moved:resolution']);
  });
});

describe('closing, ordering and storage', () => {
  it('closing an unanswered ticket stops both clocks without an outcome', () => {
    const { state, events } = run([received('2026-03-02T09:00'), { kind: 'closed', at: vn('2026-03-02T11:00') }]);
    expect(state.response).toMatchObject({ status: 'stopped', outcome: null, metAt: null, endedAt: vn('2026-03-02T11:00'), elapsedWorkingMs: 2 * HOUR });
    expect(types(events).slice(-2)).toEqual(['sla.stopped:response', 'sla.stopped:resolution']);
    expect(nextTimer(state, vn('2026-03-02T11:00'))).toBeNull();
  });

  it('closing after resolution changes nothing', () => {
    const { events } = run([received('2026-03-02T09:00'), { kind: 'resolved', at: vn('2026-03-02T10:00') }, { kind: 'closed', at: vn('2026-03-03T10:00') }]);
    expect(types(events).slice(-2)).toEqual(['sla.completed:response', 'sla.completed:resolution']);
  });

  it('applying happenings one by one gives the same state and events as the fold, without mutating inputs', () => {
    const timeline: SlaHappening[] = [
      received('2026-03-02T09:00', 'high'),
      { kind: 'first_response', at: vn('2026-03-02T10:00') },
      { kind: 'paused', at: vn('2026-03-03T10:00') },
      { kind: 'resumed', at: vn('2026-03-04T09:00') },
      { kind: 'extension_approved', at: vn('2026-03-04T10:00'), newDeadline: vn('2026-03-12T17:00') },
      { kind: 'transferred', at: vn('2026-03-05T10:00') },
      { kind: 'resolved', at: vn('2026-03-11T10:00') },
    ];
    let state: SlaState | null = null;
    const events: SlaClockEvent[] = [];
    for (const h of timeline) {
      const snapshot = JSON.stringify(state);
      const step = applyHappening(state, h, policy('high'), office);
      expect(JSON.stringify(state)).toBe(snapshot);
      state = step.state;
      events.push(...step.events);
    }
    const folded = run([...timeline].reverse()); // the fold sorts by time
    expect(state).toEqual(folded.state);
    expect(events).toEqual(folded.events);
    expect(folded.state.resolution.outcome).toBe('late_with_extension');
  });

  it('rejects a timeline that does not start with receipt, a second receipt, and going back in time', () => {
    expect(() => applyHappening(null, { kind: 'paused', at: vn('2026-03-02T09:00') }, policy('normal'), office)).toThrow(RangeError);
    const s = run([received('2026-03-02T09:00')]).state;
    expect(() => applyHappening(s, received('2026-03-02T10:00'), policy('normal'), office)).toThrow(RangeError);
    expect(() => applyHappening(s, { kind: 'paused', at: vn('2026-03-02T08:00') }, policy('normal'), office)).toThrow(RangeError);
    expect(() => computeSlaState([], DEFAULT_SLA_POLICIES, office)).toThrow(RangeError);
  });

  it('a state stored as JSON reads back identical', () => {
    const { state } = run([
      received('2026-03-02T09:00', 'high'),
      { kind: 'paused', at: vn('2026-03-03T10:00') },
      { kind: 'extension_requested', at: vn('2026-03-03T11:00'), requestedDueAt: vn('2026-03-12T17:00'), reason: 'Chờ ý kiến Sở' },
    ]);
    expect(parseSlaState(JSON.parse(JSON.stringify(state)))).toEqual(state);
    expect(() => parseSlaState({ ...JSON.parse(JSON.stringify(state)), priority: 'critical' })).toThrow();
  });
});
