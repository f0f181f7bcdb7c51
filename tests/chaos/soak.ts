/**
 * npm run bench:soak — the hub at a steady rate for a long time (not in CI).
 *
 * 1 API + 1 worker process (SOAK_APIS / SOAK_WORKERS) on PostgreSQL and Redis, SOAK_RATE reports a
 * second (default 10, far above a province's peak hour) spread over every channel for SOAK_MINUTES
 * (default 30). Every 10 s it samples each process's resident memory (VmRSS from /proc) and the
 * latency of the requests answered in that interval. After a warm-up (SOAK_WARMUP_MINUTES, default
 * 5) it checks:
 *  - each process's resident memory at the end is within 10 % of its value after warm-up
 *    (averages of the first and last minute after warm-up, so one GC does not decide it);
 *  - p99 latency is stable: the last fifth's p99 is within 1.5× of the first fifth's after warm-up;
 *  - the worker keeps up: nothing is left pending a minute after the load stops.
 * It writes the curves as an SVG chart and the samples as JSON into bench-output/soak/, prints the
 * figures, and exits non-zero when a check fails.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { nearestRank } from '../../src/bench/percentile';
import { CHANNELS, ROOT, attempt, log, makeReport, ok, sleep, startCluster, type Proc } from './cluster';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 30);
const WARMUP_MINUTES = Number(process.env.SOAK_WARMUP_MINUTES ?? Math.min(5, MINUTES / 4));
const RATE = Number(process.env.SOAK_RATE ?? 10);
const SAMPLE_SECONDS = 10;
const OUT = path.join(ROOT, 'bench-output', 'soak');

type Sample = { t: number; rssMb: Record<string, number>; p50: number | null; p99: number | null; requests: number; failed: number };

function rssMb(p: Proc): number | null {
  const pid = p.child?.pid;
  if (!pid) return null;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** A small line chart: resident memory per process (left axis) and p99 latency (right axis). */
function chart(samples: Sample[], names: string[], warmupT: number): string {
  const W = 900, H = 420, L = 60, R = 70, T = 40, B = 50;
  const tMax = Math.max(...samples.map((s) => s.t), 1);
  const rssMax = Math.max(...samples.flatMap((s) => names.map((n) => s.rssMb[n] ?? 0)), 1) * 1.15;
  const p99Max = Math.max(...samples.map((s) => s.p99 ?? 0), 1) * 1.15;
  const x = (t: number) => L + ((W - L - R) * t) / tMax;
  const yL = (v: number) => H - B - ((H - T - B) * v) / rssMax;
  const yR = (v: number) => H - B - ((H - T - B) * v) / p99Max;
  const colours = ['#1565c0', '#2e7d32', '#6a1b9a', '#ef6c00'];
  const line = (pts: [number, number][], colour: string, dash = '') =>
    `<polyline fill="none" stroke="${colour}" stroke-width="2" ${dash ? `stroke-dasharray="${dash}"` : ''} points="${pts.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ')}"/>`;
  const parts: string[] = [];
  parts.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>`);
  parts.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-family="sans-serif">1022 Hub soak: ${RATE} reports/s for ${MINUTES} min — resident memory (MB, solid) and p99 latency (ms, dashed)</text>`);
  for (let i = 0; i <= 5; i++) {
    const v = (rssMax * i) / 5, y = yL(v);
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y}" y2="${y}" stroke="#eee"/><text x="${L - 6}" y="${y + 4}" text-anchor="end" font-size="11" font-family="sans-serif">${v.toFixed(0)}</text>`);
    parts.push(`<text x="${W - R + 6}" y="${yR((p99Max * i) / 5) + 4}" font-size="11" font-family="sans-serif" fill="#c62828">${((p99Max * i) / 5).toFixed(0)}</text>`);
  }
  for (let m = 0; m <= tMax / 60; m += Math.max(1, Math.round(tMax / 60 / 10))) {
    parts.push(`<text x="${x(m * 60)}" y="${H - B + 18}" text-anchor="middle" font-size="11" font-family="sans-serif">${m} min</text>`);
  }
  parts.push(`<line x1="${x(warmupT)}" x2="${x(warmupT)}" y1="${T}" y2="${H - B}" stroke="#999" stroke-dasharray="3 3"/><text x="${x(warmupT) + 4}" y="${T + 12}" font-size="11" font-family="sans-serif" fill="#666">warm-up ends</text>`);
  names.forEach((n, i) => {
    parts.push(line(samples.filter((s) => s.rssMb[n] !== undefined).map((s) => [x(s.t), yL(s.rssMb[n]!)]), colours[i % colours.length]!));
    parts.push(`<text x="${L + 10 + i * 110}" y="${H - 12}" font-size="12" font-family="sans-serif" fill="${colours[i % colours.length]}">■ ${n} RSS</text>`);
  });
  parts.push(line(samples.filter((s) => s.p99 !== null).map((s) => [x(s.t), yR(s.p99!)]), '#c62828', '6 4'));
  parts.push(`<text x="${L + 10 + names.length * 110}" y="${H - 12}" font-size="12" font-family="sans-serif" fill="#c62828">- - p99 latency</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${parts.join('')}</svg>\n`;
}

async function main() {
  const cluster = await startCluster({
    out: OUT, tag: 'soak', apis: Number(process.env.SOAK_APIS ?? 1), workers: Number(process.env.SOAK_WORKERS ?? 1),
    env: { RECOVERY_AFTER_SECONDS: '120' },
  });
  const procs = [...cluster.apis, ...cluster.workers];
  const names = procs.map((p) => p.name);
  log(`${names.join(', ')} up; ${RATE} reports/s for ${MINUTES} min (warm-up ${WARMUP_MINUTES} min)`);

  const samples: Sample[] = [];
  let window: number[] = [];
  let failed = 0;
  let n = 0;
  const t0 = Date.now();
  const end = t0 + MINUTES * 60_000;
  const inFlight = new Set<Promise<void>>();
  const sampler = setInterval(() => {
    const lat = window.sort((a, b) => a - b);
    const rss: Record<string, number> = {};
    for (const p of procs) { const v = rssMb(p); if (v !== null) rss[p.name] = v; }
    samples.push({ t: (Date.now() - t0) / 1000, rssMb: rss, p50: nearestRank(lat, 0.5) ?? null, p99: nearestRank(lat, 0.99) ?? null, requests: lat.length, failed });
    window = [];
    failed = 0;
    const last = samples[samples.length - 1]!;
    if (samples.length % 6 === 0) log(`${(last.t / 60).toFixed(0)} min: ${Object.entries(rss).map(([k, v]) => `${k} ${v.toFixed(0)} MB`).join(', ')}; p99 ${last.p99?.toFixed(1)} ms`);
  }, SAMPLE_SECONDS * 1000);

  // Open loop: a report is offered at its time whether or not earlier ones were answered.
  while (Date.now() < end) {
    const due = t0 + (n / RATE) * 1000;
    if (due > Date.now()) await sleep(due - Date.now());
    const r = makeReport(n++);
    const p = (async () => {
      const started = performance.now();
      const status = await attempt(r);
      if (ok(status)) window.push(performance.now() - started);
      else failed += 1;
    })();
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }
  await Promise.all(inFlight);
  clearInterval(sampler);

  // The worker must keep up: a minute after the load, nothing is pending.
  const db = new Client({ connectionString: cluster.dbUrl });
  await db.connect();
  let pending = -1;
  for (let i = 0; i < 30; i++) {
    pending = Number((await db.query<{ n: string }>(`SELECT (SELECT count(*) FROM outbox WHERE completed_at IS NULL) + (SELECT count(*) FROM webhook_events WHERE processed_at IS NULL) AS n`)).rows[0]!.n);
    if (pending === 0) break;
    await sleep(2000);
  }
  const tickets = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM tickets')).rows[0]!.n);
  await db.end();

  const warm = samples.filter((s) => s.t >= WARMUP_MINUTES * 60);
  const perMinute = 60 / SAMPLE_SECONDS;
  const first = warm.slice(0, perMinute);
  const last = warm.slice(-perMinute);
  const fifth = Math.max(1, Math.floor(warm.length / 5));
  const pool = (xs: Sample[]) => mean(xs.map((s) => s.p99 ?? 0).filter((v) => v > 0));
  const checks: [string, boolean, string][] = [];
  for (const name of names) {
    const a = mean(first.map((s) => s.rssMb[name] ?? 0));
    const b = mean(last.map((s) => s.rssMb[name] ?? 0));
    checks.push([`${name} memory within 10 %`, Math.abs(b - a) / a <= 0.10, `${a.toFixed(1)} MB after warm-up → ${b.toFixed(1)} MB at the end (${(((b - a) / a) * 100).toFixed(1)} %)`]);
  }
  const p99a = pool(warm.slice(0, fifth));
  const p99b = pool(warm.slice(-fifth));
  checks.push(['p99 latency stable', p99b <= p99a * 1.5, `first fifth after warm-up ${p99a.toFixed(1)} ms, last fifth ${p99b.toFixed(1)} ms (×${(p99b / p99a).toFixed(2)})`]);
  checks.push(['worker keeps up', pending === 0, `${pending} pending a minute after the load; ${tickets} tickets from ${n} reports offered`]);
  const totalFailed = samples.reduce((a, s) => a + s.failed, 0);
  checks.push(['no failed request', totalFailed === 0, `${totalFailed} failed`]);

  fs.writeFileSync(path.join(OUT, 'soak.svg'), chart(samples, names, WARMUP_MINUTES * 60));
  fs.writeFileSync(path.join(OUT, 'samples.json'), JSON.stringify(samples, null, 1));
  const allLat = warm.map((s) => s.p50 ?? 0).filter((v) => v > 0);
  const summary = [
    '',
    `soak: ${n} reports over ${CHANNELS.length} channels at ${RATE}/s for ${MINUTES} min on ${names.join(' + ')}; median of per-interval p50 ${nearestRank([...allLat].sort((a, b) => a - b), 0.5)?.toFixed(1) ?? '-'} ms`,
    ...checks.map(([name, pass, detail]) => `${pass ? 'PASS' : 'FAIL'} ${name}: ${detail}`),
    `chart: ${path.relative(ROOT, path.join(OUT, 'soak.svg'))}; samples: ${path.relative(ROOT, path.join(OUT, 'samples.json'))}`,
    '',
  ].join('\n');
  process.stdout.write(summary);
  fs.writeFileSync(path.join(OUT, 'summary.txt'), summary);
  const passed = checks.every(([, pass]) => pass);
  await cluster.stop(!passed);
  process.exit(passed ? 0 : 1);
}

main().catch((err) => {
  process.stderr.write(`soak run failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(2);
});
