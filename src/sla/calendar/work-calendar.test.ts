import path from 'node:path';
import { createVietnamWorkCalendar, ROUND_THE_CLOCK, VN_GOVERNMENT_OFFICE_HOURS, WorkCalendar, type WeeklySchedule } from './index';

const HOUR = 3_600_000;
/** Instant from a Vietnamese wall-clock time. */
const vn = (local: string): Date => new Date(`${local}+07:00`);
const iso = (d: Date): string => d.toISOString();

const office = createVietnamWorkCalendar(VN_GOVERNMENT_OFFICE_HOURS, path.resolve(__dirname, '../../../data/calendar'));
const statutoryOnly = new WorkCalendar();
const allDay = new WorkCalendar({ schedule: ROUND_THE_CLOCK, adjustments: office.holidays(2026).map((h) => ({ date: h.date, kind: 'day_off' as const, reason: h.name_vi })) });

describe('2026 announced schedule (data/calendar/vn-2026.json)', () => {
  it('Tết: 14–22 Feb off, 13 and 23 Feb worked', () => {
    expect(office.isWorkingDay('2026-02-13')).toBe(true);
    for (let d = 14; d <= 22; d++) expect(office.isWorkingDay(`2026-02-${d}`)).toBe(false);
    expect(office.isWorkingDay('2026-02-23')).toBe(true);
  });

  it('National Day: Sat 22 Aug worked (office hours), Mon 31 Aug – Wed 2 Sep off, Thu 3 Sep worked', () => {
    expect(office.isWorkingDay('2026-08-22')).toBe(true);
    expect(office.workingIntervals('2026-08-22').map((i) => [iso(i.start), iso(i.end)])).toEqual([
      [iso(vn('2026-08-22T07:30')), iso(vn('2026-08-22T11:30'))],
      [iso(vn('2026-08-22T13:30')), iso(vn('2026-08-22T17:00'))],
    ]);
    expect(office.isWorkingDay('2026-08-23')).toBe(false);
    expect(office.isWorkingDay('2026-08-31')).toBe(false);
    expect(office.isWorkingDay('2026-09-01')).toBe(false);
    expect(office.isWorkingDay('2026-09-02')).toBe(false);
    expect(office.isWorkingDay('2026-09-03')).toBe(true);
    expect(office.makeUpWorkingDays(2026).map((a) => a.date)).toEqual(['2026-08-22']);
  });

  it("Hùng Kings' day on Sunday 26 Apr → Monday 27 Apr off (also without the data file)", () => {
    expect(office.isWorkingDay('2026-04-27')).toBe(false);
    expect(statutoryOnly.isWorkingDay('2026-04-27')).toBe(false);
    expect(statutoryOnly.isWorkingDay('2026-04-28')).toBe(true);
  });

  it('without announcements the statutory default applies (2/9 + 3/9, 31/8 and 22/8 normal)', () => {
    expect(statutoryOnly.isWorkingDay('2026-09-03')).toBe(false);
    expect(statutoryOnly.isWorkingDay('2026-09-01')).toBe(true);
    expect(statutoryOnly.isWorkingDay('2026-08-31')).toBe(true);
    expect(statutoryOnly.isWorkingDay('2026-08-22')).toBe(false);
  });

  it('holidays(2026) for display merges statutory days and announcements', () => {
    const list = office.holidays(2026);
    const dates = list.map((h) => h.date);
    expect(dates).toEqual([
      '2026-01-01',
      '2026-02-14', '2026-02-15', '2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20', '2026-02-21', '2026-02-22',
      '2026-04-26', '2026-04-27', '2026-04-30', '2026-05-01',
      '2026-08-31', '2026-09-01', '2026-09-02',
    ]);
    expect(list.find((h) => h.date === '2026-04-27')?.substituteFor).toBe('2026-04-26');
    expect(list.find((h) => h.date === '2026-08-31')?.name_en).toBe('National Day break (swapped with Saturday 22 Aug)');
  });
});

describe('office hours boundaries (07:30–11:30, 13:30–17:00, [start, end))', () => {
  it.each([
    ['2026-03-02T07:29:59.999', false],
    ['2026-03-02T07:30', true],
    ['2026-03-02T11:29:59.999', true],
    ['2026-03-02T11:30', false],
    ['2026-03-02T12:15', false],
    ['2026-03-02T13:29', false],
    ['2026-03-02T13:30', true],
    ['2026-03-02T16:59:59.999', true],
    ['2026-03-02T17:00', false],
    ['2026-03-07T10:00', false], // Saturday
    ['2026-02-17T10:00', false], // mùng 1 Tết
  ])('%s → %s', (local, expected) => {
    expect(office.isWorkingTime(vn(local))).toBe(expected);
  });

  it('uses the Vietnamese local date near midnight, not the UTC date', () => {
    // 00:30 Saturday in Hà Nội is still Friday 17:30 in UTC.
    expect(office.isWorkingDay(vn('2026-03-07T00:30'))).toBe(false);
    expect(office.isWorkingDay(vn('2026-03-06T23:30'))).toBe(true);
    expect(office.isWorkingDay(vn('2026-03-09T06:00'))).toBe(true); // Sunday 23:00 UTC
  });

  it('nextWorkingInstant', () => {
    expect(iso(office.nextWorkingInstant(vn('2026-03-02T10:00')))).toBe(iso(vn('2026-03-02T10:00')));
    expect(iso(office.nextWorkingInstant(vn('2026-03-02T11:30')))).toBe(iso(vn('2026-03-02T13:30')));
    expect(iso(office.nextWorkingInstant(vn('2026-03-02T05:00')))).toBe(iso(vn('2026-03-02T07:30')));
    expect(iso(office.nextWorkingInstant(vn('2026-03-06T17:00')))).toBe(iso(vn('2026-03-09T07:30')));
    expect(iso(office.nextWorkingInstant(vn('2026-02-13T18:00')))).toBe(iso(vn('2026-02-23T07:30')));
  });
});

describe('addWorkingHours', () => {
  it.each([
    ['same morning', '2026-03-02T08:00', 1, '2026-03-02T09:00'],
    ['ends exactly at the lunch break', '2026-03-02T07:30', 4, '2026-03-02T11:30'],
    ['across lunch', '2026-03-02T10:00', 2, '2026-03-02T14:00'],
    ['a full day ends at 17:00', '2026-03-02T07:30', 7.5, '2026-03-02T17:00'],
    ['across the night', '2026-03-02T16:00', 2, '2026-03-03T08:30'],
    ['starting at night', '2026-03-02T20:00', 1, '2026-03-03T08:30'],
    ['starting at lunch', '2026-03-02T12:00', 0.5, '2026-03-02T14:00'],
    ['across the weekend', '2026-03-06T16:00', 2, '2026-03-09T08:30'],
    ['starting on Saturday', '2026-03-07T10:00', 1, '2026-03-09T08:30'],
    ['across Tết 2026 (14–22 Feb)', '2026-02-13T16:00', 2, '2026-02-23T08:30'],
    ['across Giỗ Tổ + 30/4 + 1/5', '2026-04-24T16:00', 17, '2026-05-04T08:30'],
    ['on the make-up Saturday', '2026-08-21T16:00', 2, '2026-08-22T08:30'],
    ['across the National Day break', '2026-08-28T16:30', 1, '2026-09-03T08:00'],
    ['fractional minutes', '2026-03-02T11:00', 0.75, '2026-03-02T13:45'],
  ])('%s', (_label, start, hours, expected) => {
    expect(iso(office.addWorkingHours(vn(start), hours))).toBe(iso(vn(expected)));
  });

  it('0 hours returns the start; negative or non-finite hours throw', () => {
    expect(iso(office.addWorkingHours(vn('2026-03-07T10:00'), 0))).toBe(iso(vn('2026-03-07T10:00')));
    expect(() => office.addWorkingHours(vn('2026-03-02T10:00'), -1)).toThrow(RangeError);
    expect(() => office.addWorkingHours(vn('2026-03-02T10:00'), Number.NaN)).toThrow(RangeError);
    expect(() => office.addWorkingHours(new Date(Number.NaN), 1)).toThrow(RangeError);
  });

  it('is the inverse of workingMillisBetween (deterministic random sample 2025–2027)', () => {
    let seed = 12345;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const from = vn('2025-01-01T00:00').getTime();
    const span = vn('2027-06-01T00:00').getTime() - from;
    for (let i = 0; i < 400; i++) {
      const start = new Date(from + Math.floor(rand() * span));
      const hours = Math.round(rand() * 200 * 60) / 60;
      const end = office.addWorkingHours(start, hours);
      expect(office.workingMillisBetween(start, end)).toBe(Math.round(hours * HOUR));
      expect(end.getTime()).toBeGreaterThanOrEqual(start.getTime());
      if (hours > 0) expect(office.workingMillisBetween(start, new Date(end.getTime() - 1))).toBe(Math.round(hours * HOUR) - 1);
    }
  });
});

describe('workingMillisBetween', () => {
  it('counts only office hours', () => {
    expect(office.workingMillisBetween(vn('2026-03-02T07:30'), vn('2026-03-02T17:00'))).toBe(7.5 * HOUR);
    expect(office.workingMillisBetween(vn('2026-03-02T00:00'), vn('2026-03-03T00:00'))).toBe(7.5 * HOUR);
    expect(office.workingMillisBetween(vn('2026-03-02T11:00'), vn('2026-03-02T14:00'))).toBe(1 * HOUR);
    expect(office.workingMillisBetween(vn('2026-03-06T16:00'), vn('2026-03-09T08:00'))).toBe(1.5 * HOUR);
    expect(office.workingMillisBetween(vn('2026-02-14T00:00'), vn('2026-02-23T00:00'))).toBe(0);
    expect(office.workingMillisBetween(vn('2026-03-09T08:00'), vn('2026-03-06T16:00'))).toBe(-1.5 * HOUR);
    expect(office.workingMillisBetween(vn('2026-03-02T10:00'), vn('2026-03-02T10:00'))).toBe(0);
  });

  it('a whole year: 2026 has 250 working days (261 weekdays − 12 days off + Sat 22/8) = 1875 h', () => {
    expect(office.workingMillisBetween(vn('2026-01-01T00:00'), vn('2027-01-01T00:00'))).toBe(1875 * HOUR);
  });
});

describe('addWorkingDays ("trong thời hạn N ngày làm việc")', () => {
  it.each([
    ['10 days from a Monday', '2026-03-02T10:00', 10, '2026-03-16T17:00'],
    ['receipt time of day does not matter', '2026-03-02T16:59', 10, '2026-03-16T17:00'],
    ['1 day from Friday evening → Monday', '2026-03-06T19:00', 1, '2026-03-09T17:00'],
    ['received on Saturday: Monday is day 1', '2026-08-15T09:00', 5, '2026-08-21T17:00'],
    ['10 days across Tết', '2026-02-13T10:00', 10, '2026-03-06T17:00'],
    ['make-up Saturday counts', '2026-08-20T10:00', 3, '2026-08-24T17:00'],
    ['National Day break skipped', '2026-08-28T10:00', 2, '2026-09-04T17:00'],
  ])('%s', (_label, start, days, expected) => {
    expect(iso(office.addWorkingDays(vn(start), days))).toBe(iso(vn(expected)));
  });

  it('rejects 0, negative and fractional day counts', () => {
    expect(() => office.addWorkingDays(vn('2026-03-02T10:00'), 0)).toThrow(RangeError);
    expect(() => office.addWorkingDays(vn('2026-03-02T10:00'), -2)).toThrow(RangeError);
    expect(() => office.addWorkingDays(vn('2026-03-02T10:00'), 1.5)).toThrow(RangeError);
  });
});

describe('24/7 calendar (police, utilities)', () => {
  it('ignores weekends, holidays and announcements', () => {
    expect(allDay.isWorkingDay('2026-02-17')).toBe(true);
    expect(allDay.isWorkingTime(vn('2026-02-17T03:00'))).toBe(true);
    expect(allDay.isWorkingTime(vn('2026-03-07T23:59:59.999'))).toBe(true);
    expect(iso(allDay.nextWorkingInstant(vn('2026-09-02T02:00')))).toBe(iso(vn('2026-09-02T02:00')));
  });

  it('adds wall-clock hours and counts every millisecond', () => {
    expect(iso(allDay.addWorkingHours(vn('2026-03-07T23:00'), 2))).toBe(iso(vn('2026-03-08T01:00')));
    expect(iso(allDay.addWorkingHours(vn('2026-02-16T12:00'), 72))).toBe(iso(vn('2026-02-19T12:00')));
    expect(allDay.workingMillisBetween(vn('2026-01-01T00:00'), vn('2027-01-01T00:00'))).toBe(365 * 24 * HOUR);
  });

  it('N days end at 24:00 of the N-th day after receipt (Civil Code Art. 148(6))', () => {
    expect(iso(allDay.addWorkingDays(vn('2026-02-17T10:00'), 1))).toBe(iso(vn('2026-02-19T00:00')));
    expect(iso(allDay.addWorkingDays(vn('2026-02-14T23:59'), 3))).toBe(iso(vn('2026-02-18T00:00')));
  });
});

describe('custom schedules', () => {
  it('rejects an invalid schedule', () => {
    const bad: WeeklySchedule = { ...VN_GOVERNMENT_OFFICE_HOURS, week: [[], [{ start: '13:00', end: '12:00' }], [], [], [], [], []] };
    expect(() => new WorkCalendar({ schedule: bad })).toThrow();
    const empty: WeeklySchedule = { ...VN_GOVERNMENT_OFFICE_HOURS, week: [[], [], [], [], [], [], []] };
    expect(() => new WorkCalendar({ schedule: empty })).toThrow(/no working hours/);
  });

  it('supports a Saturday-morning desk', () => {
    const day = [{ start: '07:30', end: '11:30' }, { start: '13:30', end: '17:00' }];
    const schedule: WeeklySchedule = {
      ...VN_GOVERNMENT_OFFICE_HOURS,
      id: 'one-stop',
      week: [[], day, day, day, day, day, [{ start: '07:30', end: '11:30' }]],
    };
    const cal = new WorkCalendar({ schedule });
    expect(cal.isWorkingTime(vn('2026-03-07T09:00'))).toBe(true);
    expect(iso(cal.addWorkingHours(vn('2026-03-06T16:00'), 2))).toBe(iso(vn('2026-03-07T08:30')));
  });
});

describe('performance (day-level stepping)', () => {
  it('10 working days ×2000 and year-long spans ×200 stay well under a second', () => {
    const t0 = performance.now();
    for (let i = 0; i < 2000; i++) office.addWorkingDays(new Date(vn('2026-01-05T08:00').getTime() + i * 3 * HOUR), 10);
    for (let i = 0; i < 200; i++) office.workingMillisBetween(vn('2025-06-01T08:00'), new Date(vn('2026-06-01T08:00').getTime() + i * HOUR));
    office.addWorkingHours(vn('2025-01-01T00:00'), 7.5 * 250 * 3); // ~3 years of office time
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
