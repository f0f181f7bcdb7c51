import path from 'node:path';
import { createVietnamWorkCalendar, VN_GOVERNMENT_OFFICE_HOURS } from './calendar';
import { computeSlaState } from './clock';
import { DEFAULT_SLA_POLICIES } from './policy';
import { percentile, slaFactsFromState, slaStatistics, type SlaMetrics, type SlaTicketFacts } from './stats';

const HOUR = 3_600_000;
const vn = (local: string): Date => new Date(`${local}+07:00`);

const base: SlaTicketFacts = {
  agencyId: 1, categoryCode: 'a', receivedAt: vn('2026-03-02T09:00'),
  firstResponseWorkingMs: null, resolutionWorkingMs: null, resolvedAt: null,
  dueAt: vn('2026-03-16T17:00'), breachedAt: null, extensionApproved: false, outcome: null, status: 'in_progress',
};
const t = (o: Partial<SlaTicketFacts>): SlaTicketFacts => ({ ...base, ...o });
const resolvedAt = vn('2026-03-12T10:00');

const tickets: SlaTicketFacts[] = [
  /* T1 */ t({ status: 'closed', resolvedAt, outcome: 'on_time', firstResponseWorkingMs: 1 * HOUR, resolutionWorkingMs: 10 * HOUR }),
  /* T2 */ t({ status: 'closed', resolvedAt, outcome: 'late_with_extension', extensionApproved: true, firstResponseWorkingMs: 2 * HOUR, resolutionWorkingMs: 40 * HOUR }),
  /* T3 */ t({ categoryCode: 'b', status: 'resolved', resolvedAt, outcome: 'late', breachedAt: vn('2026-03-10T17:00'), firstResponseWorkingMs: 8 * HOUR, resolutionWorkingMs: 60 * HOUR }),
  /* T4 */ t({ agencyId: 2, categoryCode: 'b', dueAt: vn('2026-04-10T20:00'), firstResponseWorkingMs: 3 * HOUR }),
  /* T5 */ t({ agencyId: 2, dueAt: vn('2026-04-09T17:00') }), // overdue, breach not recorded yet
  /* T6 */ t({ agencyId: 2, categoryCode: null, status: 'waiting_for_citizen', dueAt: vn('2026-04-09T17:00'), firstResponseWorkingMs: 4 * HOUR }),
  /* T7 */ t({ status: 'rejected', firstResponseWorkingMs: 5 * HOUR }),
  /* T8 */ t({ agencyId: 2, categoryCode: 'b', receivedAt: vn('2026-04-02T09:00'), status: 'closed', resolvedAt: vn('2026-04-03T09:00'), outcome: 'late' }),
  /* T9 */ t({ agencyId: null, categoryCode: null, status: 'received', dueAt: vn('2026-04-20T17:00') }),
  /* T10 */ t({ agencyId: 2, status: 'closed', resolvedAt, outcome: 'on_time', firstResponseWorkingMs: 6 * HOUR, resolutionWorkingMs: 20 * HOUR, transferredFromAgencyIds: [1] }),
  /* T11 */ t({ receivedAt: vn('2026-02-28T09:00'), status: 'closed', resolvedAt, outcome: 'late' }),
];
const march = { from: vn('2026-03-01T00:00'), to: vn('2026-04-01T00:00') };
const now = vn('2026-04-10T12:00');

function expectMetrics(actual: SlaMetrics, expected: Partial<Record<keyof SlaMetrics, unknown>>): void {
  for (const [key, value] of Object.entries(expected)) {
    const got = actual[key as keyof SlaMetrics];
    if (typeof value === 'number') expect([key, got]).toEqual([key, expect.closeTo(value, 3)]);
    else expect([key, got]).toEqual([key, value]);
  }
}

describe('percentile (percentile_cont)', () => {
  it('interpolates between ranks; null on no data', () => {
    expect(percentile([8, 1, 6, 2, 4, 3], 0.5)).toBe(3.5);
    expect(percentile([8, 1, 6, 2, 4, 3], 0.9)).toBe(7);
    expect(percentile([5], 0.9)).toBe(5);
    expect(percentile([], 0.5)).toBeNull();
    expect(() => percentile([1], 1.5)).toThrow(RangeError);
  });
});

describe('slaStatistics', () => {
  const stats = slaStatistics(tickets, march, now);

  it('overall: cohort of March receipts (T1–T7, T9, T10), measured as of 10 Apr 12:00', () => {
    expectMetrics(stats.overall, {
      received: 9, excluded: 1, eligible: 8, processed: 4, open: 4,
      processedRate: 0.5, measured: 4, onTime: 2, lateWithExtension: 1, late: 1,
      onTimeRate: 0.5, lateWithExtensionRate: 0.25, lateRate: 0.25,
      extensionsApproved: 1, breaches: 2, overdue: 1, dueSoon: 1, transfersOut: 1,
      firstResponse: { count: 6, medianMs: 3.5 * HOUR, p90Ms: 7 * HOUR },
      resolution: { count: 4, medianMs: 30 * HOUR, p90Ms: 54 * HOUR },
    });
    expect(stats.asOf).toBe(now);
    expect(stats.period).toBe(march);
  });

  it('per agency (agencies 1, 2, then unrouted); the transfer counts against agency 1', () => {
    expect(stats.byAgency.map((a) => a.agencyId)).toEqual([1, 2, null]);
    const [a1, a2, none] = stats.byAgency;
    expectMetrics(a1, {
      received: 4, excluded: 1, eligible: 3, processed: 3, processedRate: 1,
      onTimeRate: 1 / 3, lateWithExtensionRate: 1 / 3, lateRate: 1 / 3,
      breaches: 1, overdue: 0, dueSoon: 0, transfersOut: 1,
    });
    expect(a1.firstResponse.count).toBe(3);
    expect(a1.firstResponse.medianMs).toBe(2 * HOUR);
    expect(a1.firstResponse.p90Ms).toBeCloseTo(6.8 * HOUR, 3);
    expect(a1.resolution.medianMs).toBe(40 * HOUR);
    expect(a1.resolution.p90Ms).toBeCloseTo(56 * HOUR, 3);

    expectMetrics(a2, {
      received: 4, eligible: 4, processed: 1, open: 3, processedRate: 0.25,
      onTimeRate: 1, lateWithExtensionRate: 0, lateRate: 0,
      breaches: 1, overdue: 1, dueSoon: 1, transfersOut: 0,
      resolution: { count: 1, medianMs: 20 * HOUR, p90Ms: 20 * HOUR },
    });
    expect(a2.firstResponse.medianMs).toBe(4 * HOUR);
    expect(a2.firstResponse.p90Ms).toBeCloseTo(5.6 * HOUR, 3);

    expectMetrics(none, {
      received: 1, eligible: 1, processed: 0, processedRate: 0, measured: 0,
      onTimeRate: null, lateWithExtensionRate: null, lateRate: null,
      firstResponse: { count: 0, medianMs: null, p90Ms: null },
    });
  });

  it('per category', () => {
    expect(stats.byCategory.map((c) => c.categoryCode)).toEqual(['a', 'b', null]);
    const [a, b, none] = stats.byCategory;
    expectMetrics(a, { received: 5, excluded: 1, eligible: 4, processed: 3, processedRate: 0.75, onTimeRate: 2 / 3, lateWithExtensionRate: 1 / 3, lateRate: 0, breaches: 1, overdue: 1, transfersOut: 1 });
    expectMetrics(b, { received: 2, eligible: 2, processed: 1, processedRate: 0.5, onTimeRate: 0, lateRate: 1, breaches: 1, dueSoon: 1 });
    expectMetrics(none, { received: 2, eligible: 2, processed: 0, processedRate: 0, onTimeRate: null, breaches: 0, dueSoon: 0 });
  });

  it('the due-soon window is an option', () => {
    expect(slaStatistics(tickets, march, now, { dueSoonWithinMs: 4 * HOUR }).overall.dueSoon).toBe(0);
    expect(slaStatistics(tickets, march, now, { dueSoonWithinMs: 8 * HOUR }).overall.dueSoon).toBe(1);
  });

  it('an empty period measures nothing: rates null', () => {
    const empty = slaStatistics(tickets, { from: vn('2025-01-01T00:00'), to: vn('2025-02-01T00:00') }, now);
    expectMetrics(empty.overall, { received: 0, processedRate: null, onTimeRate: null, breaches: 0 });
    expect(empty.byAgency).toEqual([]);
    expect(() => slaStatistics(tickets, { from: march.to, to: march.from }, now)).toThrow(RangeError);
  });

  it('tickets received after `now` are not counted yet', () => {
    expect(slaStatistics(tickets, march, vn('2026-03-02T08:59')).overall.received).toBe(0);
    expect(slaStatistics(tickets, march, vn('2026-03-02T09:00')).overall.received).toBe(9);
  });
});

describe('slaFactsFromState', () => {
  const office = createVietnamWorkCalendar(VN_GOVERNMENT_OFFICE_HOURS, path.resolve(__dirname, '../../data/calendar'));

  it('takes the resolution clock and the response time from a computed state', () => {
    const { state } = computeSlaState(
      [
        { kind: 'received', at: vn('2026-03-02T09:00'), priority: 'high', categoryCode: 'a' },
        { kind: 'first_response', at: vn('2026-03-02T10:00') },
        { kind: 'extension_approved', at: vn('2026-03-04T10:00'), newDeadline: vn('2026-03-10T17:00') },
        { kind: 'resolved', at: vn('2026-03-09T10:00') },
      ],
      DEFAULT_SLA_POLICIES,
      office,
    );
    const facts = slaFactsFromState(state, { agencyId: 4, status: 'resolved' });
    expect(facts).toEqual({
      agencyId: 4, categoryCode: 'a', receivedAt: vn('2026-03-02T09:00'),
      firstResponseWorkingMs: 1 * HOUR,
      // Mon 6 h + Tue–Fri 30 h + Mon 07:30–10:00 2.5 h.
      resolutionWorkingMs: 38.5 * HOUR,
      resolvedAt: vn('2026-03-09T10:00'), dueAt: vn('2026-03-10T17:00'), breachedAt: null,
      extensionApproved: true, outcome: 'late_with_extension', status: 'resolved', transferredFromAgencyIds: undefined,
    });
    expectMetrics(slaStatistics([facts], march, now).overall, { processedRate: 1, lateWithExtensionRate: 1, onTimeRate: 0, breaches: 0 });
  });
});
