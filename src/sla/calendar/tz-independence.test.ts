/**
 * The calendar must give the same answers whatever the server TZ (Docker is usually UTC).
 * Jest sandboxes process.env, so setting TZ in-process does not reach V8; the same computations
 * run instead in child processes (tsx) started with different TZ values, in parallel.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO_ROOT = path.resolve(__dirname, '../../..');

const SCRIPT = `
import * as cal from ${JSON.stringify(path.join(__dirname, 'index'))};
const vn = (local: string): Date => new Date(local + '+07:00');
const office = cal.createVietnamWorkCalendar();
const allDay = new cal.WorkCalendar({ schedule: cal.ROUND_THE_CLOCK });
const result = {
  tet: [1985, 2007, 2025, 2026, 2027, 2028, 2030, 2053].map(cal.lunarNewYearDate),
  hung: [2009, 2025, 2026, 2027, 2028, 2030, 2037].map(cal.hungKingsDate),
  holidays2027: cal.vietnamHolidays(2027),
  display2026: office.holidays(2026),
  workingDay: ['2026-02-16', '2026-02-23', '2026-08-22', '2026-09-03'].map((d) => office.isWorkingDay(d)),
  localDate: [office.isWorkingDay(vn('2026-03-07T00:30')), office.isWorkingDay(vn('2026-03-06T23:30'))],
  workingTime: [office.isWorkingTime(vn('2026-03-02T07:29')), office.isWorkingTime(vn('2026-03-02T07:30'))],
  plusHours: office.addWorkingHours(vn('2026-02-13T16:00'), 2).toISOString(),
  plusDays: office.addWorkingDays(vn('2026-02-13T10:00'), 10).toISOString(),
  allDayDays: allDay.addWorkingDays(vn('2026-02-17T10:00'), 1).toISOString(),
  millis2026: office.workingMillisBetween(vn('2026-01-01T00:00'), vn('2027-01-01T00:00')),
};
console.log(JSON.stringify({ offset: new Date(2026, 0, 15).getTimezoneOffset(), result }));
`;

interface Snapshot {
  tet: string[];
  hung: string[];
  workingDay: boolean[];
  localDate: boolean[];
  workingTime: boolean[];
  plusHours: string;
  plusDays: string;
  allDayDays: string;
  millis2026: number;
}

describe('independence from the process timezone', () => {
  let dir = '';
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calendar-tz-'));
    fs.writeFileSync(path.join(dir, 'snapshot.ts'), SCRIPT);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('gives identical, correct results under UTC, New York, UTC+14 and Hồ Chí Minh', async () => {
    const zones: [string, number][] = [
      ['UTC', 0],
      ['America/New_York', 300], // January: EST
      ['Pacific/Kiritimati', -840],
      ['Asia/Ho_Chi_Minh', -420],
    ];
    const outputs = await Promise.all(
      zones.map(([tz]) =>
        run(process.execPath, ['--import', 'tsx', path.join(dir, 'snapshot.ts')], { cwd: REPO_ROOT, env: { ...process.env, TZ: tz } }),
      ),
    );
    const parsed = outputs.map(({ stdout }) => JSON.parse(stdout) as { offset: number; result: Snapshot });
    parsed.forEach((p, i) => expect(p.offset).toBe(zones[i][1])); // each child really ran in its zone
    for (const p of parsed.slice(1)) expect(p.result).toEqual(parsed[0].result);

    const r = parsed[0].result;
    expect(r.tet).toEqual(['1985-01-21', '2007-02-17', '2025-01-29', '2026-02-17', '2027-02-06', '2028-01-26', '2030-02-02', '2053-02-18']);
    expect(r.hung.slice(1, 6)).toEqual(['2025-04-07', '2026-04-26', '2027-04-16', '2028-04-04', '2030-04-12']);
    expect(r.workingDay).toEqual([false, true, true, true]);
    expect(r.localDate).toEqual([false, true]);
    expect(r.workingTime).toEqual([false, true]);
    expect(r.plusHours).toBe('2026-02-23T01:30:00.000Z'); // Mon 23 Feb 08:30 +07
    expect(r.plusDays).toBe('2026-03-06T10:00:00.000Z'); // Fri 6 Mar 17:00 +07
    expect(r.allDayDays).toBe('2026-02-18T17:00:00.000Z'); // 24:00 of 18 Feb +07
    expect(r.millis2026).toBe(1875 * 3_600_000);
  });
});
