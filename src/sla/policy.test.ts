import { PRIORITIES } from '../workflow/types';
import { WorkCalendar } from './calendar';
import { choosePolicy, deadlineFor, DEFAULT_SLA_POLICIES, parseSlaPolicy, slaPolicyInputSchema, slaPolicyListSchema, type SlaPolicy } from './policy';

const vn = (local: string): Date => new Date(`${local}+07:00`);

describe('DEFAULT_SLA_POLICIES', () => {
  it('one all-categories policy per priority with the 1022 targets, 75 %, continue', () => {
    const table = Object.fromEntries(DEFAULT_SLA_POLICIES.map((p) => [p.priority, [p.response, p.resolution, p.categoryCode, p.warnAtFraction, p.transfer]]));
    expect(table).toEqual({
      urgent: [{ amount: 1, unit: 'working_hours' }, { amount: 1, unit: 'working_days' }, null, 0.75, 'continue'],
      high: [{ amount: 4, unit: 'working_hours' }, { amount: 3, unit: 'working_days' }, null, 0.75, 'continue'],
      normal: [{ amount: 1, unit: 'working_days' }, { amount: 10, unit: 'working_days' }, null, 0.75, 'continue'],
      low: [{ amount: 2, unit: 'working_days' }, { amount: 15, unit: 'working_days' }, null, 0.75, 'continue'],
    });
    expect(DEFAULT_SLA_POLICIES).toHaveLength(PRIORITIES.length);
    // They pass the admin schema themselves.
    expect(slaPolicyListSchema.safeParse(DEFAULT_SLA_POLICIES).success).toBe(true);
  });
});

describe('choosePolicy', () => {
  const general: SlaPolicy = { id: 1, categoryCode: null, priority: 'normal', response: { amount: 8, unit: 'working_hours' }, resolution: { amount: 5, unit: 'working_days' }, warnAtFraction: 0.8, transfer: 'continue' };
  const roads: SlaPolicy = { ...general, id: 2, categoryCode: 'giao_thong', resolution: { amount: 7, unit: 'working_days' } };
  const roadsHigh: SlaPolicy = { ...roads, id: 3, priority: 'high' };

  it('a category-specific policy beats the all-categories one, in any list order', () => {
    expect(choosePolicy([general, roads], 'giao_thong', 'normal').id).toBe(2);
    expect(choosePolicy([roads, general], 'giao_thong', 'normal').id).toBe(2);
  });

  it('other categories and uncategorised tickets get the all-categories policy', () => {
    expect(choosePolicy([roads, general], 'moi_truong', 'normal').id).toBe(1);
    expect(choosePolicy([roads, general], null, 'normal').id).toBe(1);
  });

  it('the priority must match; with nothing for it, the built-in default applies', () => {
    expect(choosePolicy([general, roads, roadsHigh], 'giao_thong', 'high').id).toBe(3);
    expect(choosePolicy([general, roads], 'giao_thong', 'urgent')).toBe(DEFAULT_SLA_POLICIES[0]);
    expect(choosePolicy([], null, 'low').id).toBe('default-low');
  });
});

describe('deadlineFor', () => {
  const cal = new WorkCalendar();
  it('hours use addWorkingHours, days addWorkingDays', () => {
    expect(deadlineFor(cal, vn('2026-03-02T11:00'), { amount: 1, unit: 'working_hours' }).toISOString()).toBe(vn('2026-03-02T14:00').toISOString());
    expect(deadlineFor(cal, vn('2026-03-02T11:00'), { amount: 1, unit: 'working_days' }).toISOString()).toBe(vn('2026-03-03T17:00').toISOString());
  });
});

describe('slaPolicyInputSchema', () => {
  const base = { priority: 'high', response: { amount: 2, unit: 'working_hours' }, resolution: { amount: 2, unit: 'working_days' } };

  it('fills defaults (all categories, 75 %, continue)', () => {
    expect(parseSlaPolicy(base)).toEqual({ ...base, categoryCode: null, warnAtFraction: 0.75, transfer: 'continue' });
  });

  it.each([
    ['fractional working days', { ...base, resolution: { amount: 1.5, unit: 'working_days' } }],
    ['zero hours', { ...base, response: { amount: 0, unit: 'working_hours' } }],
    ['seconds in hours', { ...base, response: { amount: 1.001, unit: 'working_hours' } }],
    ['unknown unit', { ...base, response: { amount: 1, unit: 'hours' } }],
    ['unknown priority', { ...base, priority: 'critical' }],
    ['warn at 100 %', { ...base, warnAtFraction: 1 }],
    ['warn at 0', { ...base, warnAtFraction: 0 }],
    ['unknown transfer mode', { ...base, transfer: 'pause' }],
    ['response longer than resolution (same unit)', { ...base, response: { amount: 3, unit: 'working_days' } }],
    ['unknown field', { ...base, colour: 'red' }],
    ['empty category', { ...base, categoryCode: '  ' }],
  ])('rejects %s', (_label, input) => {
    expect(slaPolicyInputSchema.safeParse(input).success).toBe(false);
  });

  it('accepts half hours and a category', () => {
    const p = parseSlaPolicy({ ...base, categoryCode: ' dien ', response: { amount: 0.5, unit: 'working_hours' }, transfer: 'restart', warnAtFraction: 0.5 });
    expect(p.categoryCode).toBe('dien');
    expect(p.response.amount).toBe(0.5);
    expect(p.transfer).toBe('restart');
  });

  it('a policy table has at most one policy per category × priority', () => {
    expect(slaPolicyListSchema.safeParse([base, { ...base, categoryCode: 'dien' }]).success).toBe(true);
    expect(slaPolicyListSchema.safeParse([base, { ...base }]).success).toBe(false);
    expect(slaPolicyListSchema.safeParse([{ ...base, categoryCode: 'dien' }, { ...base, categoryCode: 'dien' }]).success).toBe(false);
  });
});
