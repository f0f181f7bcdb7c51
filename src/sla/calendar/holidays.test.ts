import {
  computeVietnamHolidays,
  hungKingsDate,
  lunarNewYearDate,
  MAX_HOLIDAY_YEAR,
  MIN_HOLIDAY_YEAR,
  vietnamHolidays,
} from './holidays';

const dates = (year: number): string[] => vietnamHolidays(year).map((h) => h.date);
const substitutes = (year: number) => vietnamHolidays(year).filter((h) => h.substituteFor);
const weekday = (iso: string): number => new Date(`${iso}T00:00:00Z`).getUTCDay();

describe('lunar dates (UTC+7, date-chinese CalendarVietnamese)', () => {
  it.each([
    [2025, '2025-01-29'],
    [2026, '2026-02-17'],
    [2027, '2027-02-06'],
    [2028, '2028-01-26'],
    [2030, '2030-02-02'],
    // Years where the UTC+8 (Chinese) calendar differs from the Vietnamese one.
    [1985, '1985-01-21'],
    [2007, '2007-02-17'],
    [2023, '2023-01-22'],
    [2024, '2024-02-10'],
  ])('Tết %i is %s', (year, expected) => {
    expect(lunarNewYearDate(year)).toBe(expected);
  });

  it.each([
    [2025, '2025-04-07'],
    [2026, '2026-04-26'],
    [2027, '2027-04-16'],
    [2028, '2028-04-04'],
    [2030, '2030-04-12'],
    [2020, '2020-04-02'], // leap 4th month that year
    [2023, '2023-04-29'], // leap 2nd month: the holiday is in the regular 3rd month after it
    [2024, '2024-04-18'],
  ])("Hùng Kings' day %i is %s", (year, expected) => {
    expect(hungKingsDate(year)).toBe(expected);
  });

  it('rejects years outside 1968–2099', () => {
    expect(() => vietnamHolidays(1967)).toThrow(RangeError);
    expect(() => vietnamHolidays(2100)).toThrow(RangeError);
    expect(() => vietnamHolidays(2026.5)).toThrow(RangeError);
  });
});

describe('statutory holidays (Labour Code Art. 112) and substitutes (Art. 111(3))', () => {
  it('2026 without announcements: Tết 29 Chạp + mùng 1–4, Giỗ Tổ Sunday → Monday 27/4, 2/9 + 3/9', () => {
    expect(vietnamHolidays(2026)).toEqual([
      { date: '2026-01-01', name_vi: 'Tết Dương lịch', name_en: "New Year's Day" },
      { date: '2026-02-16', name_vi: 'Tết Nguyên đán (29 tháng Chạp)', name_en: "Lunar New Year (Tết) – lunar New Year's Eve" },
      { date: '2026-02-17', name_vi: 'Tết Nguyên đán (mùng 1)', name_en: 'Lunar New Year (Tết) – day 1' },
      { date: '2026-02-18', name_vi: 'Tết Nguyên đán (mùng 2)', name_en: 'Lunar New Year (Tết) – day 2' },
      { date: '2026-02-19', name_vi: 'Tết Nguyên đán (mùng 3)', name_en: 'Lunar New Year (Tết) – day 3' },
      { date: '2026-02-20', name_vi: 'Tết Nguyên đán (mùng 4)', name_en: 'Lunar New Year (Tết) – day 4' },
      { date: '2026-04-26', name_vi: 'Giỗ Tổ Hùng Vương (10/3 âm lịch)', name_en: "Hùng Kings' Commemoration Day" },
      {
        date: '2026-04-27',
        name_vi: 'Nghỉ bù Giỗ Tổ Hùng Vương (10/3 âm lịch)',
        name_en: "Hùng Kings' Commemoration Day (substitute day)",
        substituteFor: '2026-04-26',
      },
      { date: '2026-04-30', name_vi: 'Ngày Chiến thắng (Giải phóng miền Nam, thống nhất đất nước)', name_en: 'Reunification Day' },
      { date: '2026-05-01', name_vi: 'Ngày Quốc tế Lao động', name_en: 'International Labour Day' },
      { date: '2026-09-02', name_vi: 'Quốc khánh', name_en: 'National Day' },
      { date: '2026-09-03', name_vi: 'Quốc khánh (ngày liền kề)', name_en: 'National Day (adjacent day)' },
    ]);
  });

  it('names the eve 30 tháng Chạp in a long year (2024) and 29 in a short one (2025)', () => {
    expect(vietnamHolidays(2024).find((h) => h.date === '2024-02-09')?.name_vi).toBe('Tết Nguyên đán (30 tháng Chạp)');
    expect(vietnamHolidays(2025).find((h) => h.date === '2025-01-28')?.name_vi).toBe('Tết Nguyên đán (29 tháng Chạp)');
  });

  it('Tết on a weekend (2027: Sat 6/2, Sun 7/2) adds the next working days after the holiday block', () => {
    expect(dates(2027).filter((d) => d.startsWith('2027-02'))).toEqual([
      '2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11',
    ]);
    expect(substitutes(2027).map((h) => [h.date, h.substituteFor])).toEqual([
      ['2027-02-10', '2027-02-06'],
      ['2027-02-11', '2027-02-07'],
      ['2027-05-03', '2027-05-01'],
    ]);
  });

  it('2030: Tết on Saturday 2/2 → substitutes Wed 6/2 and Thu 7/2', () => {
    expect(substitutes(2030).filter((h) => h.date.startsWith('2030-02')).map((h) => h.date)).toEqual(['2030-02-06', '2030-02-07']);
  });

  it('30/4 Saturday + 1/5 Sunday (2022) → Monday 2/5 and Tuesday 3/5', () => {
    expect(substitutes(2022).map((h) => [h.date, h.substituteFor])).toEqual([
      ['2022-01-03', '2022-01-01'],
      ['2022-04-11', '2022-04-10'],
      ['2022-05-02', '2022-04-30'],
      ['2022-05-03', '2022-05-01'],
      ['2022-09-05', '2022-09-03'],
    ]);
  });

  it('2/9 on Sunday (2029): the adjacent day 3/9 is already a holiday, so the substitute is 4/9', () => {
    expect(substitutes(2029).find((h) => h.substituteFor === '2029-09-02')?.date).toBe('2029-09-04');
  });

  it('holds for every year 1968–2099: 11 statutory days, substitutes on free weekdays, Tết/Giỗ Tổ in range', () => {
    for (let y = MIN_HOLIDAY_YEAR; y <= MAX_HOLIDAY_YEAR; y++) {
      const list = computeVietnamHolidays(y);
      const statutory = list.filter((h) => !h.substituteFor);
      expect(statutory).toHaveLength(11);
      const ds = list.map((h) => h.date);
      expect(new Set(ds).size).toBe(ds.length);
      expect([...ds].sort()).toEqual(ds);
      const weekendDays = statutory.filter((h) => [0, 6].includes(weekday(h.date))).length;
      const subs = list.filter((h) => h.substituteFor);
      expect(subs).toHaveLength(weekendDays);
      for (const s of subs) {
        expect([0, 6]).not.toContain(weekday(s.date));
        expect(s.date > (s.substituteFor ?? '')).toBe(true);
      }
      const tet = lunarNewYearDate(y);
      expect(tet >= `${y}-01-21` && tet <= `${y}-02-20`).toBe(true);
      const hung = hungKingsDate(y);
      expect(hung >= `${y}-03-29` && hung <= `${y}-04-29`).toBe(true);
    }
  });

  it('returns copies, so callers cannot corrupt the cache', () => {
    const first = vietnamHolidays(2026);
    first[0].date = 'x';
    first.pop();
    expect(vietnamHolidays(2026)[0].date).toBe('2026-01-01');
    expect(vietnamHolidays(2026)).toHaveLength(12);
  });
});
