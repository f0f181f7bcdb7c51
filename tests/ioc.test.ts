import http from 'node:http';
import type { AddressInfo } from 'node:net';
import supertest from 'supertest';
import WebSocket from 'ws';
import { quantileFromHistogram } from '../src/ioc/histogram';
import { ceilHour, floorHour, periodPieces } from '../src/ioc/period';
import { IocStore } from '../src/ioc/store';
import { toIocEvent } from '../src/ioc/stream';
import { attachLiveStreams, type LiveStreams } from '../src/http/live-streams';
import { UNCLASSIFIED, type IocSummary, type KpiFigures } from '../src/ioc/summary';
import { CHANNELS } from '../src/workflow/types';
import type { LiveEvent } from '../src/shared/live-bus';
import { seededRandom } from '../src/shared/random';
import { ENGINES } from './helpers/db';
import { loginAs, seedPeople, startTestHub, submitReport, type TestHub } from './helpers/hub';

/**
 * The IOC feed (contracts.md "IOC data feed"): IOC key required, the contract's shape, numbers equal
 * to a direct count over tickets for random ticket histories, and no personal data on the stream.
 */

const KEY = 'ioc-key-3f9a2c';
const OTHER_KEY = 'ioc-key-second-71b0';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;


/** A bare socket.io v4 client over a WebSocket (socket.io-client is not installed): enough for /ioc. */
function ioClient(port: number, opts: { token?: string; headers?: Record<string, string> } = {}) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, { headers: opts.headers });
  const events: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const ready = new Promise<{ ok: boolean; message?: string }>((resolve, reject) => {
    ws.on('message', (data) => {
      const s = String(data);
      raw.push(s);
      if (s.startsWith('0{')) ws.send(`40/ioc,${JSON.stringify(opts.token !== undefined ? { token: opts.token } : {})}`);
      else if (s === '2') ws.send('3');
      else if (s.startsWith('40/ioc,')) resolve({ ok: true });
      else if (s.startsWith('44/ioc,')) resolve({ ok: false, message: (JSON.parse(s.slice(7)) as { message: string }).message });
      else if (s.startsWith('42/ioc,')) {
        const [name, payload] = JSON.parse(s.slice(7)) as [string, Record<string, unknown>];
        if (name === 'ticket') events.push(payload);
      }
    });
    ws.on('error', reject);
  });
  return { events, raw, ready, close: () => ws.close() };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(ENGINES)('IOC feed on %s', (engine) => {
  let t: TestHub;
  let people: Awaited<ReturnType<typeof seedPeople>>;
  let agencyC: number;
  const ioc = (url: string) => supertest(t.app).get(url).set('Authorization', `Bearer ${KEY}`);

  beforeAll(async () => {
    t = await startTestHub(engine, { IOC_API_KEYS: `${KEY},${OTHER_KEY}` });
    people = await seedPeople(t.db);
    agencyC = (await t.db.query<{ id: number }>(
      `INSERT INTO agencies (code, name_vi, name_en, kind) VALUES ('agency-c', 'Đơn vị C', 'Agency C', 'commune') RETURNING id`))[0]!.id;
  });
  afterAll(() => t.close());

  test('the summary and the time series answer only with an IOC key', async () => {
    for (const url of ['/api/v1/ioc/summary', '/api/v1/ioc/timeseries?metric=received&interval=day']) {
      const none = await supertest(t.app).get(url);
      expect(none.status).toBe(401);
      expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(none.body.error).toMatchObject({ code: 'ioc_key_required' });
      expect(none.body.error.message).toMatch(/khóa IOC/);
      expect((await supertest(t.app).get(url).set('Authorization', 'Bearer not-a-key')).status).toBe(401);
      expect((await supertest(t.app).get(url).set('Authorization', KEY)).status).toBe(401); // no "Bearer"
      // A staff session is not a key.
      const admin = await loginAs(t.app, 'admin@test.vn');
      expect((await admin.get(url)).status).toBe(401);
      expect((await ioc(url)).status).toBe(200);
      expect((await supertest(t.app).get(url).set('Authorization', `bearer ${OTHER_KEY}`)).status).toBe(200);
    }
  });

  test('bad parameters are a 400 that says what is wrong', async () => {
    const bad = async (url: string, re: RegExp) => {
      const res = await ioc(url);
      expect(res.status).toBe(400);
      expect(`${res.body.error.message} ${res.body.error.messageEn}`).toMatch(re);
    };
    await bad('/api/v1/ioc/summary?from=yesterday', /ISO 8601/);
    await bad('/api/v1/ioc/summary?from=2025-03-01T00:00:00', /ISO 8601/);
    await bad('/api/v1/ioc/summary?from=2025-03-02&to=2025-03-01', /"to" must be after "from"/);
    await bad('/api/v1/ioc/summary?from=2023-01-01&to=2025-03-01', /at most 400 days\.$/);
    await bad('/api/v1/ioc/timeseries?metric=received&interval=hour&from=2025-01-01&to=2025-03-01', /at most 31 days at hourly interval/);
    await bad('/api/v1/ioc/timeseries?metric=opened', /metric/);
    await bad('/api/v1/ioc/timeseries?metric=received&interval=week', /interval/);
    await bad('/api/v1/ioc/timeseries?interval=day', /metric/);
  });

  test('the summary has the contract\u2019s shape, with rates in [0, 1] or null', async () => {
    const res = await ioc('/api/v1/ioc/summary');
    expect(res.status).toBe(200);
    const s = res.body;
    expect(Object.keys(s)).toEqual(expect.arrayContaining(['from', 'to', 'totals', 'byChannel', 'byCategory', 'byAgency', 'sla', 'satisfaction']));
    expect(Object.keys(s.totals).sort()).toEqual(['closed', 'open', 'overdue', 'received', 'resolved']);
    expect(Object.keys(s.sla)).toEqual(expect.arrayContaining(['onTimeRate', 'breached', 'dueSoon', 'medianFirstResponseMinutes', 'medianResolutionHours']));
    expect(Object.keys(s.satisfaction)).toEqual(expect.arrayContaining(['averageScore', 'responses', 'satisfiedRate']));
    expect(s.satisfaction).toMatchObject({ responses: 0, satisfiedRate: null, averageScore: null });
    expect(Object.keys(s.byChannel).sort()).toEqual([...CHANNELS].sort());
    expect(Date.parse(s.to) - Date.parse(s.from)).toBeGreaterThanOrEqual(30 * DAY);
    for (const v of [...Object.values(s.totals), ...Object.values(s.byChannel), ...Object.values(s.byCategory)]) expect(Number.isInteger(v)).toBe(true);
  });

  test('property: for random ticket histories, every summary and time-series number equals a direct count over tickets', async () => {
    const rng = seededRandom(20251122); // a failure replays with the same seed
    const now = Date.now();
    const categories = (await t.db.query<{ code: string }>('SELECT code FROM categories ORDER BY sort_order LIMIT 5')).map((r) => r.code);
    const cats = [...categories, null];
    const agencies = [people.agencyA, people.agencyB, agencyC, null];
    const communes = ['11953', '11983', '12010', null];
    const citizen = (await t.db.query<{ id: number }>(`INSERT INTO citizens (display_name) VALUES ('Người thử') RETURNING id`))[0]!.id;

    // Tickets received over the last ~100 days (three month boundaries and more), in one multi-row statement.
    const N = 160;
    const created = Array.from({ length: N }, () => now - HOUR - Math.floor(rng.next() * 100 * DAY));
    const inserted = await t.db.query<{ id: number; created_at: Date }>(
      `INSERT INTO tickets (code, tracking_token, status, channel, citizen_id, category_code, agency_id, commune_code, description, search_text, created_at, updated_at, status_changed_at)
       SELECT 'PR-' || $7 || '-' || i, 'tok', 'received', ch, $1, cat, ag, com, 'x', 'x', at, at, at
       FROM unnest($2::text[], $3::text[], $4::bigint[], $5::text[], $6::timestamptz[]) WITH ORDINALITY AS u(ch, cat, ag, com, at, i)
       RETURNING id, created_at`,
      [citizen, created.map(() => rng.pick(CHANNELS)), created.map(() => rng.pick(cats)), created.map(() => rng.pick(agencies)),
        created.map(() => rng.pick(communes)), created.map((c) => new Date(c)), Date.now().toString(36).toUpperCase()]);
    const live = new Map(inserted.map((r) => [r.id, new Date(r.created_at).getTime()]));
    const after = (id: number) => new Date(live.get(id)! + Math.floor(rng.next() * (now - live.get(id)!)));
    const OPEN = ['triaged', 'assigned', 'in_progress', 'waiting_for_citizen', 'reopened', 'transferred', 'returned'];

    const ops: ((id: number) => [string, unknown[]])[] = [
      (id) => ['UPDATE tickets SET category_code = $2 WHERE id = $1', [id, rng.pick(cats)]],
      (id) => ['UPDATE tickets SET agency_id = $2 WHERE id = $1', [id, rng.pick(agencies)]],
      (id) => ['UPDATE tickets SET commune_code = $2 WHERE id = $1', [id, rng.pick(communes)]],
      (id) => ['UPDATE tickets SET first_response_at = COALESCE(first_response_at, $2) WHERE id = $1', [id, after(id)]],
      (id) => [`UPDATE tickets SET status = 'resolved', resolved_at = $2, sla_outcome = $3 WHERE id = $1`,
        [id, after(id), rng.pick(['on_time', 'on_time', 'late_with_extension', 'late', null])]],
      (id) => [`UPDATE tickets SET status = 'closed', closed_at = greatest(resolved_at, $2) WHERE id = $1 AND resolved_at IS NOT NULL`, [id, after(id)]],
      (id) => [`UPDATE tickets SET status = 'reopened', resolved_at = NULL, closed_at = NULL, sla_outcome = NULL WHERE id = $1`, [id]],
      (id) => ['UPDATE tickets SET sla_breached_at = COALESCE(sla_breached_at, $2) WHERE id = $1', [id, after(id)]],
      (id) => [`UPDATE tickets SET status = $2 WHERE id = $1`, [id, rng.pick(['rejected', 'merged'])]],
      (id) => [`UPDATE tickets SET status = $2, sla_resolution_due_at = $3 WHERE id = $1`,
        [id, rng.pick(OPEN), new Date(now + Math.floor((rng.next() * 4 - 2) * DAY))]],
      (id) => [`UPDATE tickets SET sla_outcome = $2 WHERE id = $1`, [id, rng.pick(['on_time', 'late', null])]],
      // The citizen's survey answer (a new one replaces the last), sometimes without a score, sometimes withdrawn.
      (id) => {
        const score = rng.pick([1, 2, 3, 4, 5, 5, null]);
        return ['UPDATE tickets SET satisfaction_satisfied = $2, satisfaction_score = $3, satisfaction_answered_at = $4 WHERE id = $1',
          [id, score === null ? rng.pick([true, false]) : score >= 3, score, after(id)]];
      },
      (id) => ['UPDATE tickets SET satisfaction_satisfied = NULL, satisfaction_score = NULL, satisfaction_answered_at = NULL WHERE id = $1', [id]],
    ];
    const summaries: number[] = [];
    for (let round = 0; round < 6; round++) {
      for (let k = 0; k < 90; k++) {
        const id = rng.pick([...live.keys()]);
        const [sql, params] = rng.pick(ops)(id);
        await t.db.query(sql, params);
      }
      // Statements touching many rows at once, and a deletion now and then.
      await t.db.query('UPDATE tickets SET commune_code = $1 WHERE id % 7 = $2 AND citizen_id = $3', [rng.pick(communes), rng.int(0, 6), citizen]);
      await t.db.query('UPDATE tickets SET agency_id = $1 WHERE category_code IS NOT DISTINCT FROM $2 AND citizen_id = $3', [rng.pick(agencies), rng.pick(cats), citizen]);
      const gone = rng.pick([...live.keys()]);
      await t.db.query('DELETE FROM tickets WHERE id = $1', [gone]);
      live.delete(gone);
      // Read (and so fold) after some rounds only: the rest stays in the delta the readers add.
      if (rng.next() < 0.5) summaries.push((await ioc('/api/v1/ioc/summary?from=2000-01-01T00:00:00Z&to=2001-01-01T00:00:00Z')).status);
    }
    expect(summaries.every((s) => s === 200)).toBe(true);

    // The real writers too: intake, automatic triage, staff actions, SLA clocks.
    const operator = await loginAs(t.app, 'op@test.vn');
    const staffA = await loginAs(t.app, 'staff.a@test.vn');
    for (let i = 0; i < 4; i++) {
      const r = await submitReport(t.app, { text: `Đèn đường số ${i + 3} bị hỏng, tối om nguy hiểm`, contact: { phone: `09123400${i}${i}` } });
      expect(r.status).toBe(201);
      await t.hub.settle();
      const code = r.body.code as string;
      const tk = (await operator.get(`/api/v1/tickets/${code}`)).body;
      if (tk.status === 'received') expect((await operator.post(`/api/v1/tickets/${code}/actions/triage`, { category: 'dien-chieu-sang', priority: 'normal' })).status).toBe(200);
      if (i === 3) continue;
      expect((await operator.post(`/api/v1/tickets/${code}/actions/assign`, { agencyId: people.agencyA })).status).toBe(200);
      expect((await staffA.post(`/api/v1/tickets/${code}/actions/accept`)).status).toBe(200);
      if (i >= 1) expect((await staffA.post(`/api/v1/tickets/${code}/actions/resolve`, { resolution: 'Đã thay bóng đèn.' })).status).toBe(200);
      if (i === 2) expect((await operator.post(`/api/v1/tickets/${code}/actions/reopen`, { reason: 'Người dân báo đèn vẫn hỏng.' })).status).toBe(200);
    }
    await t.hub.settle();
    expect((await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM tickets WHERE first_response_at IS NOT NULL AND citizen_id <> $1`, [citizen]))[0]!.n).toBeGreaterThan(0);

    // Readers add what is not folded yet: the same answers before and after a fold.
    const store = new IocStore(t.db);
    expect(await store.pendingDeltas()).toBeGreaterThan(0);
    const pieces = periodPieces(floorHour(now - 101 * DAY + 7 * HOUR), ceilHour(now));
    const read = async () => ({
      marginals: (await store.marginals(pieces)).sort((a, b) => `${a.dim}/${a.key}`.localeCompare(`${b.dim}/${b.key}`)),
      series: await Promise.all((['h', 'd'] as const).map(async (g) => (await store.series('resolved', g, new Date(pieces.from), new Date(pieces.to)))
        .map((x) => [new Date(x.start).toISOString(), x.value]).sort())),
    });
    const unfolded = await read();
    expect(await store.fold()).toBeGreaterThan(0);
    expect(await store.pendingDeltas()).toBe(0);
    expect(await read()).toEqual(unfolded);

    // Windows: the default, a long one across months, hours only, and random ones (not aligned).
    const windows: { from?: number; to?: number }[] = [{}, { from: now - 101 * DAY + 1234, to: now + HOUR }, { from: created[0]! - 3 * HOUR - 999, to: created[0]! + 9 * HOUR + 17 }];
    for (let i = 0; i < 4; i++) {
      const from = now - 100 * DAY + Math.floor(rng.next() * 99 * DAY);
      windows.push({ from, to: Math.min(now + HOUR, from + HOUR + Math.floor(rng.next() * 70 * DAY)) });
    }
    for (const w of windows) {
      const qs = w.from === undefined ? '' : `?from=${new Date(w.from).toISOString()}&to=${new Date(w.to!).toISOString()}`;
      const res = await ioc(`/api/v1/ioc/summary${qs}`);
      expect(res.status).toBe(200);
      await expectSummaryMatchesTickets(res.body);
    }

    for (const metric of ['received', 'resolved', 'breached'] as const) {
      const col = { received: 'created_at', resolved: 'resolved_at', breached: 'sla_breached_at' }[metric];
      for (const [interval, span] of [['day', 100 * DAY], ['hour', 31 * DAY], ['hour', 2 * DAY]] as const) {
        const from = new Date(now - span + 4321).toISOString();
        const res = await ioc(`/api/v1/ioc/timeseries?metric=${metric}&interval=${interval}&from=${from}&to=${new Date(now).toISOString()}`);
        expect(res.status).toBe(200);
        const body = res.body as { metric: string; interval: string; from: string; to: string; points: { t: string; value: number }[] };
        expect(body).toMatchObject({ metric, interval });
        const step = interval === 'day' ? DAY : HOUR;
        expect(body.points).toHaveLength((Date.parse(body.to) - Date.parse(body.from)) / step);
        const bucket = interval === 'day'
          ? `date_trunc('day', ${col} AT TIME ZONE 'Asia/Ho_Chi_Minh') AT TIME ZONE 'Asia/Ho_Chi_Minh'` : `date_trunc('hour', ${col}, 'UTC')`;
        const direct = await t.db.query<{ b: Date; n: number }>(
          `SELECT ${bucket} AS b, count(*)::int AS n FROM tickets WHERE ${col} >= $1 AND ${col} < $2 GROUP BY 1`, [body.from, body.to]);
        const expected = new Map(direct.map((r) => [new Date(r.b).toISOString(), r.n]));
        expect(body.points.reduce((n, p) => n + p.value, 0)).toBe(direct.reduce((n, r) => n + r.n, 0));
        for (const p of body.points) expect([p.t, p.value]).toEqual([p.t, expected.get(p.t) ?? 0]);
        if (interval === 'day') expect(new Date(body.points[0]!.t).getUTCHours()).toBe(17); // local midnight
      }
    }
    for (const [interval, span] of [['day', 100 * DAY], ['hour', 31 * DAY]] as const) {
      const from = new Date(now - span + 999).toISOString();
      const sat = await ioc(`/api/v1/ioc/timeseries?metric=satisfiedRate&interval=${interval}&from=${from}&to=${new Date(now).toISOString()}`);
      expect(sat.status).toBe(200);
      const bucket = interval === 'day'
        ? `date_trunc('day', satisfaction_answered_at AT TIME ZONE 'Asia/Ho_Chi_Minh') AT TIME ZONE 'Asia/Ho_Chi_Minh'` : `date_trunc('hour', satisfaction_answered_at, 'UTC')`;
      const direct = await t.db.query<{ b: Date; n: number; yes: number }>(
        `SELECT ${bucket} AS b, count(*)::int AS n, count(*) FILTER (WHERE satisfaction_satisfied)::int AS yes FROM tickets
         WHERE satisfaction_answered_at >= $1 AND satisfaction_answered_at < $2 AND satisfaction_satisfied IS NOT NULL GROUP BY 1`, [sat.body.from, sat.body.to]);
      expect(direct.length).toBeGreaterThan(0);
      const expected = new Map(direct.map((r) => [new Date(r.b).toISOString(), r.yes / r.n]));
      for (const p of sat.body.points as { t: string; value: number | null }[]) {
        const want = expected.get(p.t);
        if (want === undefined) expect([p.t, p.value]).toEqual([p.t, null]);
        else expect(p.value).toBeCloseTo(want, 12);
      }
    }

    // Incremental maintenance ends where a rebuild from scratch ends.
    const snapshot = async () => ({
      hourly: await t.db.query(`SELECT hour, channel, category_code, agency_id, commune_code, received, resolved, closed, breached, first_response_n,
          first_response_ms_sum, resolution_ms_sum, on_time, late_with_extension, late,
          cohort_excluded, cohort_processed, cohort_on_time, cohort_late_with_extension, cohort_late,
          rated, rated_satisfied, score_sum, score_n, cohort_rated, cohort_satisfied
        FROM ioc_rollup_hourly WHERE (received, resolved, closed, breached, first_response_n, on_time, late_with_extension, late,
          cohort_excluded, cohort_processed, cohort_on_time, cohort_late_with_extension, cohort_late) <> (0,0,0,0,0,0,0,0,0,0,0,0,0)
          OR first_response_ms_sum <> 0 OR resolution_ms_sum <> 0
          OR (rated, rated_satisfied, score_sum, score_n, cohort_rated, cohort_satisfied) <> (0,0,0,0,0,0)
        ORDER BY hour, channel, category_code, agency_id, commune_code`),
      marginal: await t.db.query(`SELECT grain, dim, start, key, received, resolved, closed, breached, first_response_n,
          first_response_ms_sum, resolution_ms_sum, on_time, late_with_extension, late,
          cohort_excluded, cohort_processed, cohort_on_time, cohort_late_with_extension, cohort_late,
          rated, rated_satisfied, score_sum, score_n, cohort_rated, cohort_satisfied
        FROM ioc_rollup_marginal WHERE (received, resolved, closed, breached, first_response_n, on_time, late_with_extension, late,
          cohort_excluded, cohort_processed, cohort_on_time, cohort_late_with_extension, cohort_late) <> (0,0,0,0,0,0,0,0,0,0,0,0,0)
          OR first_response_ms_sum <> 0 OR resolution_ms_sum <> 0
          OR (rated, rated_satisfied, score_sum, score_n, cohort_rated, cohort_satisfied) <> (0,0,0,0,0,0)
        ORDER BY grain, dim, start, key`),
    });
    await t.db.query('SELECT ioc_rollup_fold()');
    expect((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ioc_rollup_delta'))[0]!.n).toBe(0);
    const incremental = await snapshot();
    expect(incremental.marginal.length).toBeGreaterThan(100);
    await t.db.query('SELECT ioc_rollup_rebuild()');
    expect(await snapshot()).toEqual(incremental);
  });

  /** Every number of one summary against plain SQL over tickets for the period it reports. */
  async function expectSummaryMatchesTickets(s: IocSummary): Promise<void> {
    const p = [s.from, s.to];
    const inP = (col: string) => `${col} >= $1 AND ${col} < $2`;
    const [tot] = await t.db.query<Record<string, number>>(`SELECT
        count(*) FILTER (WHERE ${inP('created_at')})::int AS received,
        count(*) FILTER (WHERE ${inP('resolved_at')})::int AS resolved,
        count(*) FILTER (WHERE ${inP('closed_at')})::int AS closed,
        count(*) FILTER (WHERE ${inP('sla_breached_at')})::int AS breached,
        count(*) FILTER (WHERE ${inP('resolved_at')} AND sla_outcome = 'on_time')::int AS on_time,
        count(*) FILTER (WHERE ${inP('resolved_at')} AND sla_outcome = 'late_with_extension')::int AS late_ext,
        count(*) FILTER (WHERE ${inP('resolved_at')} AND sla_outcome IS NOT NULL)::int AS measured,
        count(*) FILTER (WHERE ${inP('first_response_at')})::int AS frt_n,
        coalesce(sum(round(greatest(extract(epoch FROM first_response_at - created_at), 0) * 1000)) FILTER (WHERE ${inP('first_response_at')}), 0)::bigint AS frt_ms
      FROM tickets`, p);
    const [pit] = await t.db.query<Record<string, number>>(`SELECT
        count(*) FILTER (WHERE status NOT IN ('resolved', 'closed', 'rejected', 'merged'))::int AS open,
        count(*) FILTER (WHERE status IN ('received', 'triaged', 'assigned', 'in_progress', 'reopened', 'transferred', 'returned') AND sla_resolution_due_at < $1)::int AS overdue,
        count(*) FILTER (WHERE status IN ('received', 'triaged', 'assigned', 'in_progress', 'reopened', 'transferred', 'returned')
          AND sla_resolution_due_at > $1 AND sla_resolution_due_at <= $2)::int AS due_soon
      FROM tickets`, [s.asOf, new Date(Date.parse(s.asOf) + DAY)]);
    const r = (n: number, d: number) => (d > 0 ? n / d : null);
    expect(s.totals).toEqual({ received: tot!.received, open: pit!.open, resolved: tot!.resolved, closed: tot!.closed, overdue: pit!.overdue });
    expect(s.sla).toMatchObject({ breached: tot!.breached, dueSoon: pit!.due_soon, measured: tot!.measured, onTimeRate: r(tot!.on_time, tot!.measured),
      lateWithExtensionRate: r(tot!.late_ext, tot!.measured) });
    expect(s.sla.averageFirstResponseMinutes).toBe(tot!.frt_n > 0 ? tot!.frt_ms / tot!.frt_n / 60_000 : null);
    const answered = `${inP('satisfaction_answered_at')} AND satisfaction_satisfied IS NOT NULL`;
    const [sat] = await t.db.query<{ n: number; yes: number; scored: number; score_sum: number }>(`SELECT count(*)::int AS n,
        count(*) FILTER (WHERE satisfaction_satisfied)::int AS yes, count(satisfaction_score)::int AS scored,
        coalesce(sum(satisfaction_score), 0)::int AS score_sum FROM tickets WHERE ${answered}`, p);
    expect(s.satisfaction).toEqual({ responses: sat!.n, satisfiedRate: r(sat!.yes, sat!.n), averageScore: sat!.scored > 0 ? sat!.score_sum / sat!.scored : null,
      satisfied: sat!.yes, notSatisfied: sat!.n - sat!.yes, scored: sat!.scored });

    // Medians: exactly what the histogram of the same tickets gives, and within its resolution of the true median.
    for (const [field, col, unit] of [['medianFirstResponseMinutes', 'first_response_at', 60], ['medianResolutionHours', 'resolved_at', 3600]] as const) {
      const secs = `greatest(extract(epoch FROM ${col} - created_at), 0)::float8`;
      const hist = await t.db.query<{ bucket: number; count: number }>(
        `SELECT ioc_duration_bucket(${secs})::int AS bucket, count(*)::int AS count FROM tickets WHERE ${inP(col)} GROUP BY 1`, p);
      const [exact] = await t.db.query<{ m: number | null }>(`SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ${secs}) AS m FROM tickets WHERE ${inP(col)}`, p);
      const est = quantileFromHistogram(hist, 0.5);
      const got = s.sla[field];
      if (est === null) { expect(got).toBeNull(); continue; }
      expect(got).toBeCloseTo(est / unit, 9);
      expect(Math.abs(got! * unit - exact!.m!)).toBeLessThanOrEqual(0.1 * exact!.m! + 1e-6);
    }

    const byChannel = Object.fromEntries(CHANNELS.map((c) => [c, 0]));
    for (const row of await t.db.query<{ k: string; n: number }>(`SELECT channel AS k, count(*)::int AS n FROM tickets WHERE ${inP('created_at')} GROUP BY 1`, p)) byChannel[row.k] = row.n;
    expect(s.byChannel).toEqual(byChannel);
    const byCategory: Record<string, number> = Object.fromEntries(
      (await t.db.query<{ code: string }>('SELECT code FROM categories WHERE active')).map((c) => [c.code, 0]));
    for (const row of await t.db.query<{ k: string; n: number }>(
      `SELECT coalesce(category_code, '${UNCLASSIFIED}') AS k, count(*)::int AS n FROM tickets WHERE ${inP('created_at')} GROUP BY 1`, p)) byCategory[row.k] = row.n;
    expect(s.byCategory).toEqual(byCategory);

    // Per dimension: the contract's byAgency and the cohort KPIs. A member is listed when anything happened to it in the period.
    const any = `(${['created_at', 'resolved_at', 'closed_at', 'sla_breached_at', 'first_response_at'].map(inP).join(') OR (')}) OR (${answered})`;
    type DimRow = { k: string | number | null; received: number; resolved: number; on_time: number; measured: number; excluded: number;
      processed: number; c_on_time: number; c_ext: number; c_late: number; c_rated: number; c_sat: number };
    const perDim = (expr: string) => t.db.query<DimRow>(`SELECT ${expr} AS k,
        count(*) FILTER (WHERE ${inP('created_at')})::int AS received,
        count(*) FILTER (WHERE ${inP('resolved_at')})::int AS resolved,
        count(*) FILTER (WHERE ${inP('resolved_at')} AND sla_outcome = 'on_time')::int AS on_time,
        count(*) FILTER (WHERE ${inP('resolved_at')} AND sla_outcome IS NOT NULL)::int AS measured,
        count(*) FILTER (WHERE ${inP('created_at')} AND status IN ('rejected', 'merged'))::int AS excluded,
        count(*) FILTER (WHERE ${inP('created_at')} AND status IN ('resolved', 'closed') AND resolved_at IS NOT NULL)::int AS processed,
        count(*) FILTER (WHERE ${inP('created_at')} AND status IN ('resolved', 'closed') AND resolved_at IS NOT NULL AND sla_outcome = 'on_time')::int AS c_on_time,
        count(*) FILTER (WHERE ${inP('created_at')} AND status IN ('resolved', 'closed') AND resolved_at IS NOT NULL AND sla_outcome = 'late_with_extension')::int AS c_ext,
        count(*) FILTER (WHERE ${inP('created_at')} AND status IN ('resolved', 'closed') AND resolved_at IS NOT NULL AND sla_outcome = 'late')::int AS c_late,
        count(*) FILTER (WHERE ${inP('created_at')} AND satisfaction_answered_at IS NOT NULL AND satisfaction_satisfied IS NOT NULL)::int AS c_rated,
        count(*) FILTER (WHERE ${inP('created_at')} AND satisfaction_answered_at IS NOT NULL AND satisfaction_satisfied)::int AS c_sat
      FROM tickets WHERE ${any} GROUP BY 1`, p);
    const kpi = (x: DimRow): KpiFigures => {
      const eligible = x.received - x.excluded;
      const measured = x.c_on_time + x.c_ext + x.c_late;
      return { received: x.received, excluded: x.excluded, eligible, processed: x.processed, processedRate: r(x.processed, eligible), measured,
        onTime: x.c_on_time, lateWithExtension: x.c_ext, late: x.c_late, onTimeRate: r(x.c_on_time, measured),
        lateWithExtensionRate: r(x.c_ext, measured), lateRate: r(x.c_late, measured),
        rated: x.c_rated, satisfied: x.c_sat, notSatisfied: x.c_rated - x.c_sat,
        satisfiedRate: r(x.c_sat, x.c_rated), notSatisfiedRate: r(x.c_rated - x.c_sat, x.c_rated) };
    };
    const agencies = new Map((await t.db.query<{ id: number; code: string; name_vi: string }>('SELECT id, code, name_vi FROM agencies')).map((a) => [Number(a.id), a]));
    const agencyRows = await perDim('agency_id');
    const agencyOf = (k: DimRow['k']) => (k === null ? { agency: null, agencyId: null, name: null }
      : { agency: agencies.get(Number(k))!.code, agencyId: Number(k), name: agencies.get(Number(k))!.name_vi });
    const sortBy = <T>(xs: readonly T[], key: (x: T) => string | number | null) => [...xs].sort((a, b) => String(key(a)).localeCompare(String(key(b))));
    expect(sortBy(s.byAgency, (x) => x.agencyId)).toEqual(sortBy(agencyRows.map((x) => ({ ...agencyOf(x.k), received: x.received, resolved: x.resolved,
      onTimeRate: r(x.on_time, x.measured) })), (x) => x.agencyId));
    expect(sortBy(s.kpi.byAgency, (x) => x.agencyId)).toEqual(sortBy(agencyRows.map((x) => ({ ...agencyOf(x.k), ...kpi(x) })), (x) => x.agencyId));
    expect(sortBy(s.kpi.byCategory, (x) => x.category)).toEqual(sortBy((await perDim('category_code')).map((x) => ({ category: x.k as string | null, ...kpi(x) })), (x) => x.category));
    // No admin units are loaded here, so communes have no names.
    const [overall] = await perDim(`'all'`);
    expect(s.kpi.overall).toEqual(kpi(overall ?? { k: null, received: 0, resolved: 0, on_time: 0, measured: 0, excluded: 0, processed: 0, c_on_time: 0, c_ext: 0, c_late: 0, c_rated: 0, c_sat: 0 }));
    for (const x of [s.sla.onTimeRate, s.sla.lateWithExtensionRate, s.kpi.overall.processedRate, ...s.byAgency.map((a) => a.onTimeRate)]) {
      if (x !== null) expect(x >= 0 && x <= 1).toBe(true);
    }
  }

  test('/metrics speaks the Prometheus text format, with counts that match the tickets', async () => {
    const res = await supertest(t.app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = res.text;
    for (const line of text.trim().split('\n')) {
      expect(line).toMatch(/^(# (HELP|TYPE) [a-z_:][a-z0-9_:]* .+|[a-z_:][a-z0-9_:]*(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.e+-]+|NaN)$/i);
    }
    expect(text).toContain('# TYPE hub1022_tickets_received_total counter');
    const sample = (name: string) => Number(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
    const byChannel = new Map((await t.db.query<{ channel: string; n: number }>('SELECT channel, count(*)::int AS n FROM tickets GROUP BY channel')).map((r) => [r.channel, r.n]));
    for (const c of CHANNELS) expect(sample(`hub1022_tickets_received_total{channel="${c}"}`)).toBe(byChannel.get(c) ?? 0);
    const [d] = await t.db.query<{ breached: number; open: number }>(`SELECT count(sla_breached_at)::int AS breached,
      count(*) FILTER (WHERE status NOT IN ('resolved', 'closed', 'rejected', 'merged'))::int AS open FROM tickets`);
    expect(sample('hub1022_sla_breached_total')).toBe(d!.breached);
    const open = [...text.matchAll(/^hub1022_tickets_open\{status="[a-z_]+"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    expect(open).toBe(d!.open);
    expect(text).toMatch(/^process_resident_memory_bytes \d+$/m);
    expect(text).toMatch(/^hub1022_jobs\{state="pending"\} \d+$/m);
  });

  describe('live stream /ioc', () => {
    let server: http.Server;
    let stream: LiveStreams;
    let port: number;
    beforeAll(async () => {
      server = http.createServer(t.app);
      stream = attachLiveStreams(server, t.hub);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => stream.close());

    test('connecting needs an IOC key, in the handshake auth or the Authorization header', async () => {
      for (const opts of [{}, { token: 'wrong-key' }, { headers: { authorization: 'Bearer wrong-key' } }]) {
        const c = ioClient(port, opts);
        expect(await c.ready).toEqual({ ok: false, message: 'ioc_key_required' });
        c.close();
      }
      for (const opts of [{ token: KEY }, { headers: { authorization: `Bearer ${OTHER_KEY}` } }]) {
        const c = ioClient(port, opts);
        expect(await c.ready).toEqual({ ok: true });
        c.close();
      }
      // Nothing on the main namespace.
      const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
      const answer = await new Promise<string>((resolve) => {
        ws.on('message', (m) => { const s = String(m); if (s.startsWith('0{')) ws.send('40'); else if (s.startsWith('44')) resolve(s); });
      });
      expect(answer).toMatch(/namespace_not_served/);
      ws.close();
    });

    test('ticket events reach the IOC without names, phone numbers, e-mails, addresses or report text', async () => {
      const c = ioClient(port, { token: KEY });
      expect((await c.ready).ok).toBe(true);
      const pii = { name: 'Trần Thị Bí Mật', phone: '0987 654 321', email: 'bi.mat@example.vn', address: 'Số 17 ngõ Kín, phường Hiến Nam', text: 'Cống thoát nước trước nhà Trần Thị Bí Mật bị tắc, nước tràn vào sân' };
      const res = await submitReport(t.app, { text: pii.text, contact: { name: pii.name, phone: pii.phone, email: pii.email }, location: { lat: 20.66, lng: 106.05, address: pii.address } });
      expect(res.status).toBe(201);
      await t.hub.settle();
      const code = res.body.code as string;
      const operator = await loginAs(t.app, 'op@test.vn');
      const tk = (await operator.get(`/api/v1/tickets/${code}`)).body;
      if (tk.status === 'received') expect((await operator.post(`/api/v1/tickets/${code}/actions/triage`, { category: 'moi-truong', priority: 'high' })).status).toBe(200);
      expect((await operator.post(`/api/v1/tickets/${code}/actions/assign`, { agencyId: people.agencyB })).status).toBe(200);
      await t.hub.settle();
      await until(() => c.events.filter((e) => e.code === code).length >= 2);
      const mine = c.events.filter((e) => e.code === code);
      expect(mine.map((e) => e.type)).toEqual(expect.arrayContaining(['ticket.created', 'ticket.updated']));
      expect(mine.find((e) => e.action === 'assign')).toMatchObject({ status: 'assigned', agencyId: people.agencyB, channel: 'web' });
      const allowed = ['type', 'action', 'code', 'status', 'channel', 'categoryCode', 'priority', 'agencyId', 'communeCode', 'createdAt', 'sla'].sort();
      for (const e of c.events) expect(Object.keys(e).sort()).toEqual(allowed);
      const wire = c.raw.join('\n');
      for (const secret of [pii.name, pii.phone, pii.phone.replace(/\s/g, ''), '987654321', pii.email, pii.address, 'Ngõ Kín', 'Cống thoát nước', tk.trackingToken ?? 'no-token']) {
        expect(wire.toLowerCase()).not.toContain(secret.toLowerCase());
      }
      expect(wire).not.toMatch(/trackingToken|description|contact|citizen|address|phone|email|lat|lng/i);
      c.close();
    });

    test('only whitelisted, well-formed fields leave the hub, whatever a live event carries', () => {
      const base = { code: 'HY-2511-4K7QZ', status: 'assigned', channel: 'zalo', categoryCode: 'moi-truong', priority: 'high', agencyId: 4, communeCode: '11953', createdAt: '2025-11-20T01:02:03.000Z' };
      const tampered = {
        type: 'sla.breached', action: 'assign', sla: { clock: 'resolution', dueAt: '2025-11-21T01:00:00Z', note: 'gọi 0912345678' },
        signals: ['cháy'], messageId: 7, status: 'sent',
        ticket: { ...base, description: 'nhà ông A', citizen: { phone: '0912345678' }, address: 'Số 1 ngõ 2' },
      } as unknown as LiveEvent;
      expect(toIocEvent(tampered)).toEqual({ type: 'sla.breached', action: 'assign', ...base, sla: { clock: 'resolution', dueAt: '2025-11-21T01:00:00.000Z' } });
      expect(toIocEvent({ type: 'message.delivery', ticket: base, messageId: 1, status: 'sent' })).toBeNull();
      // A field holding something else than its kind of value stops the event rather than leaking it.
      expect(toIocEvent({ type: 'ticket.updated', ticket: { ...base, communeCode: 'Số 1 ngõ 2, Hiến Nam' } })).toBeNull();
      expect(toIocEvent({ type: 'ticket.updated', ticket: { ...base, code: 'Nguyễn Văn A 0912345678' } })).toBeNull();
      expect(toIocEvent({ type: 'ticket.updated', action: 'gọi cho bà B', ticket: base })).toMatchObject({ action: null });
    });
  });
});
