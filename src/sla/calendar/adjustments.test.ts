import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DEFAULT_CALENDAR_DATA_DIR,
  loadAdjustmentFiles,
  loadAdjustments,
  parseAdjustmentFile,
  parseAdjustments,
  WorkCalendar,
} from './index';

describe('calendar adjustments (zod-validated data)', () => {
  it('ships a valid vn-2026.json', () => {
    const files = loadAdjustmentFiles(DEFAULT_CALENDAR_DATA_DIR);
    const f2026 = files.find((f) => f.year === 2026);
    expect(f2026?.source).toMatch(/9441\/TB-BNV/);
    const byDate = new Map(f2026?.adjustments.map((a) => [a.date, a.kind]));
    expect(byDate.get('2026-08-22')).toBe('working_day');
    expect(byDate.get('2026-08-31')).toBe('day_off');
    expect(byDate.get('2026-02-14')).toBe('day_off');
    expect(byDate.get('2026-02-22')).toBe('day_off');
  });

  it('accepts a well-formed list', () => {
    expect(parseAdjustments([{ date: '2027-11-24', kind: 'day_off', reason: 'Ngày Văn hóa Việt Nam' }])).toEqual([
      { date: '2027-11-24', kind: 'day_off', reason: 'Ngày Văn hóa Việt Nam' },
    ]);
  });

  it.each([
    ['impossible date', [{ date: '2026-02-30', kind: 'day_off', reason: 'x' }]],
    ['bad format', [{ date: '26-2-1', kind: 'day_off', reason: 'x' }]],
    ['unknown kind', [{ date: '2026-02-02', kind: 'half_day', reason: 'x' }]],
    ['empty reason', [{ date: '2026-02-02', kind: 'day_off', reason: '  ' }]],
    ['unknown field', [{ date: '2026-02-02', kind: 'day_off', reason: 'x', hours: 4 }]],
    ['duplicate date', [
      { date: '2026-02-02', kind: 'day_off', reason: 'x' },
      { date: '2026-02-02', kind: 'working_day', reason: 'y' },
    ]],
  ])('rejects %s', (_label, input) => {
    expect(() => parseAdjustments(input)).toThrow();
    expect(() => new WorkCalendar({ adjustments: input as never })).toThrow();
  });

  it('rejects a file whose dates are outside its year', () => {
    expect(() =>
      parseAdjustmentFile({ country: 'VN', year: 2027, source: 'TB', adjustments: [{ date: '2026-12-31', kind: 'day_off', reason: 'x' }] }),
    ).toThrow(/không thuộc năm 2027/);
  });

  it('loads every vn-YYYY.json of a directory and reports the bad file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calendar-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'vn-2027.json'),
        JSON.stringify({ country: 'VN', year: 2027, source: 'test', adjustments: [{ date: '2027-11-24', kind: 'day_off', reason: 'Ngày Văn hóa Việt Nam' }] }),
      );
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
      const cal = new WorkCalendar({ adjustments: loadAdjustments(dir) });
      expect(cal.isWorkingDay('2027-11-24')).toBe(false);
      expect(cal.holidays(2027).find((h) => h.date === '2027-11-24')?.name_vi).toBe('Ngày Văn hóa Việt Nam');

      fs.writeFileSync(path.join(dir, 'vn-2028.json'), JSON.stringify({ country: 'VN', year: 2029, source: 'x', adjustments: [] }));
      expect(() => loadAdjustmentFiles(dir)).toThrow(/vn-2028\.json/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(loadAdjustments(path.join(dir, 'missing'))).toEqual([]);
  });
});
