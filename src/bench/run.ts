import autocannon from 'autocannon';
import { fork } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Client } from 'pg';
import { benchUnderstanding, printUnderstanding } from './understanding';
import { createScratchDatabase, dropScratchDatabase } from './scratch-db';
import { benchSlaSweep, printSlaSweep } from './sla-sweep';
import { benchSlaLatency, printSlaLatency } from './sla-latency';
import { benchIocFeed, printIocFeed } from '../ioc/bench';
import { benchConsole, printConsole } from './console';
import { nearestRank } from './percentile';

/**
 * npm run bench: report intake (POST /api/v1/reports, durable, real PostgreSQL) against a bare
 * baseline (express + one INSERT into the same database), measured in the same run.
 * BENCH_DATABASE_URL (default the local test server), BENCH_SECONDS, BENCH_CONNECTIONS.
 */
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 200);
const OUT_DIR = path.resolve(__dirname, '../../bench-output');

const freePort = () => new Promise<number>((res) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => res(p)); }); });


const TEXTS = [
  'Đèn đường trước số 12 Nguyễn Văn Linh, phường Hiến Nam bị hỏng 3 hôm nay, tối rất tối.',
  'rac o dau ngo 45 Le Loi 3 ngay nay k ai thu gom, boc mui lam a',
  'Ổ gà lớn giữa đường Điện Biên gần ngã tư, xe máy dễ ngã, đề nghị sửa sớm.',
  'Quán karaoke số 8 Tô Hiệu hát đến 1h sáng, cả khu không ngủ được.',
];

type AtRate = { rate: number; rps: number; p50: number; p99: number; errors: number;
  /** What the errors were: an HTTP status with the start of its body, or a socket error code. */
  errorKinds: Record<string, number> };
type Figures = { label: string; rps: number; p50: number; p99: number; errors: number; non2xx: number; total: number;
  /** Of the errors, requests unanswered after autocannon's 10 s. */
  timeouts?: number;
  /** The same server at fixed offered rates (open loop): latency when it is not saturated. */
  atRates?: AtRate[];
  /**
   * The hub answers once a report is durable; triage, routing and the acknowledgement follow as jobs.
   * Reports still waiting for them when the saturated run ended, and how long they took to finish.
   */
  backlog?: { reports: number; waiting: number; drainSeconds: number; endToEndPerSecond: number } };

/**
 * A closed loop of 200 clients keeps 200 requests in flight: by Little's law the mean latency is
 * 200 ÷ throughput (≈ 75 ms for a baseline at ~2,700 req/s), so a p99 under 50 ms at 200 saturating
 * clients needs more than 4,000 durable commits a second, which the baseline itself does not reach
 * here. Latency is therefore also measured with 200 connections at fixed offered rates.
 */
const RATES = (process.env.BENCH_RATES ?? '100,200,300').split(',').map(Number).filter((r) => r > 0);

/**
 * An open-loop load: one request every 1000/rate ms whatever the answers do (autocannon's rate
 * limit sends each second's requests in a burst), over keep-alive connections.
 */
async function openLoop(port: number, rate: number, seconds: number, body: () => string): Promise<AtRate> {
  const http = await import('node:http');
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const latencies: number[] = [];
  let errors = 0;
  const errorKinds: Record<string, number> = {};
  const failed = (kind: string) => { errors++; errorKinds[kind] = (errorKinds[kind] ?? 0) + 1; };
  const pending: Promise<void>[] = [];
  const t0 = performance.now();
  const total = Math.round(rate * seconds);
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const payload = body();
    pending.push(new Promise<void>((resolve) => {
      const start = performance.now();
      const req = http.request({ host: '127.0.0.1', port, path: '/api/v1/reports', method: 'POST', agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => { if (text.length < 120) text += d; });
        res.on('end', () => { if (res.statusCode !== 201) failed(`${res.statusCode} ${text.slice(0, 120)}`); latencies.push(performance.now() - start); resolve(); });
      });
      req.on('error', (e: NodeJS.ErrnoException) => { failed(e.code ?? e.message); resolve(); });
      req.end(payload);
    }));
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => Math.round(nearestRank(latencies, p) ?? 0);
  return { rate, rps: latencies.length / elapsed, p50: q(0.5), p99: q(0.99), errors, errorKinds };
}

/** Reports whose triage job has not run yet, and the total stored. */
async function backlogOf(c: Client): Promise<{ waiting: number; reports: number }> {
  const [row] = (await c.query<{ waiting: number; reports: number }>(
    `SELECT count(*) FILTER (WHERE understood_at IS NULL)::int AS waiting, count(*)::int AS reports FROM tickets`)).rows;
  return row!;
}

/** Waits until every stored report has been through its jobs; returns the seconds it took. */
async function drained(c: Client, timeoutMs = 600_000): Promise<number> {
  const t0 = Date.now();
  while ((await backlogOf(c)).waiting > 0 && Date.now() - t0 < timeoutMs) await new Promise((res) => setTimeout(res, 250));
  return (Date.now() - t0) / 1000;
}

async function measure(label: string, mode: 'baseline' | 'hub', dbUrl: string, redisUrl?: string, topology: 'one process' | 'api + worker' = 'one process'): Promise<Figures> {
  const port = await freePort();
  const start = async (role: 'all' | 'api' | 'worker', listen: number) => {
    const child = fork(path.join(__dirname, 'server.js'), [], {
      // The load comes from one address: the per-IP report limit is off, the benchmark measures the intake path.
      env: { ...process.env, BENCH_MODE: mode, HUB_ROLE: role, DATABASE_URL: dbUrl, PORT: String(listen), DB_POOL_SIZE: process.env.BENCH_POOL ?? '20', REDIS_URL: redisUrl ?? '',
        QUEUE_PREFIX: `bench-${process.pid}-${mode}-${port}`, SMTP_INBOUND_PORT: '0', RATE_LIMIT_REPORTS_PER_MINUTE: '0' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => { child.once('message', () => resolve()); child.once('exit', (c) => reject(new Error(`${mode} ${role} server exited ${c}`))); });
    return child;
  };
  // The README's larger deployment: requests in one process, jobs in another (same database and queue).
  const children = topology === 'api + worker' ? [await start('api', port), await start('worker', await freePort())] : [await start('all', port)];
  // Many different citizens, as on a real day; each request a new report.
  let n = 0;
  const body = () => {
    n += 1;
    return JSON.stringify({ channel: n % 2 ? 'app' : 'web', text: TEXTS[n % TEXTS.length], contact: { phone: `09${String(10_000_000 + ((n * 7919) % 80_000_000)).padStart(8, '0')}` } });
  };
  const requests = [{
    method: 'POST' as const, path: '/api/v1/reports', headers: { 'content-type': 'application/json' },
    setupRequest: (req: autocannon.Request) => { req.body = body(); return req; },
  }];
  const db = new Client({ connectionString: dbUrl });
  await db.connect();
  const run = (duration: number) => autocannon({ url: `http://127.0.0.1:${port}`, connections: CONNECTIONS, duration, requests });
  await run(3); // warm-up: JIT, pool, caches
  if (mode === 'hub') await drained(db);
  const before = mode === 'hub' ? (await backlogOf(db)).reports : 0;
  const t0 = Date.now();
  const r = await run(SECONDS);
  let backlog: Figures['backlog'];
  if (mode === 'hub') {
    const end = await backlogOf(db);
    const drainSeconds = await drained(db);
    const reports = end.reports - before;
    backlog = { reports, waiting: end.waiting, drainSeconds, endToEndPerSecond: reports / ((Date.now() - t0) / 1000) };
  }
  // Each fixed rate starts with nothing left over from the run before it.
  const atRates: AtRate[] = [];
  for (const rate of RATES) {
    await new Promise((res) => setTimeout(res, 2000));
    atRates.push(await openLoop(port, rate, Math.min(SECONDS, 10), body));
    if (mode === 'hub') await drained(db);
  }
  await db.end();
  for (const child of children) {
    child.kill('SIGTERM');
    await new Promise((res) => child.once('exit', res));
  }
  return { label, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx, total: r.requests.total,
    timeouts: r.timeouts, atRates, backlog };
}

const SECRETS = {
  ZALO_APP_ID: '102719276611582260', ZALO_OA_SECRET: 'bench-zalo-oa-secret', ZALO_OA_ACCESS_TOKEN: 'bench-zalo-token',
  FACEBOOK_APP_SECRET: 'bench-fb-secret', FACEBOOK_VERIFY_TOKEN: 'bench-fb-verify', FACEBOOK_PAGE_TOKEN: 'bench-fb-page',
};

/** A platform stand-in that accepts every send, so acknowledgements cost what they cost. */
async function fakePlatform(): Promise<{ url: string; close(): void }> {
  const http = await import('node:http');
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.url?.startsWith('/v3.0') ? '{"error":0,"message":"Success","data":{"message_id":"z"}}' : '{"recipient_id":"1","message_id":"m"}');
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}

type WebhookFigures = Figures & { ticketsPerSecond: number; processedSeconds: number; tickets: number };

/**
 * Signed Zalo and Facebook messages (every request a new citizen and message id) into the webhook;
 * then how long until every accepted event has become a ticket.
 */
async function measureWebhooks(dbUrl: string, redisUrl: string): Promise<WebhookFigures> {
  const port = await freePort();
  const fake = await fakePlatform();
  const child = fork(path.join(__dirname, 'server.js'), [], {
    env: { ...process.env, BENCH_MODE: 'hub', DATABASE_URL: dbUrl, PORT: String(port), DB_POOL_SIZE: '20', REDIS_URL: redisUrl, QUEUE_PREFIX: `bench-${process.pid}-webhooks`,
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, SMTP_INBOUND_PORT: '0', ...SECRETS, ZALO_API_URL: fake.url, ZALO_OAUTH_URL: fake.url, FACEBOOK_GRAPH_URL: fake.url },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => { child.once('message', () => resolve()); child.once('exit', (c) => reject(new Error(`hub exited ${c}`))); });
  let n = 0;
  const run0 = String(Date.now() % 1_000_000_000); // Zalo ids are digits only
  const requests = [{
    method: 'POST' as const, path: '/webhooks/zalo', headers: { 'content-type': 'application/json' },
    setupRequest: (req: autocannon.Request) => {
      n += 1;
      const id = `${run0}${n}`;
      if (n % 2) {
        const ts = String(Date.now());
        const body = JSON.stringify({ app_id: SECRETS.ZALO_APP_ID, user_id_by_app: '7300' + id, event_name: 'user_send_text', timestamp: ts,
          sender: { id: '83' + id.padStart(16, '0') }, recipient: { id: '1423847451268726170' }, message: { msg_id: 'z' + id, text: TEXTS[n % TEXTS.length] } });
        const sig = createHash('sha256').update(SECRETS.ZALO_APP_ID + body + ts + SECRETS.ZALO_OA_SECRET).digest('hex');
        return { ...req, path: '/webhooks/zalo', body, headers: { 'content-type': 'application/json', 'x-zevent-signature': `mac=${sig}` } };
      }
      const body = JSON.stringify({ object: 'page', entry: [{ id: '1122', time: Date.now(), messaging: [{ sender: { id: '24' + id }, recipient: { id: '1122' },
        timestamp: Date.now(), message: { mid: 'm_' + id, text: TEXTS[n % TEXTS.length] } }] }] });
      const sig = 'sha256=' + createHmac('sha256', SECRETS.FACEBOOK_APP_SECRET).update(body).digest('hex');
      return { ...req, path: '/webhooks/facebook', body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': sig } };
    },
  }];
  const c = new Client({ connectionString: dbUrl });
  await c.connect();
  const count = async () => Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM webhook_events WHERE processed_at IS NOT NULL`)).rows[0]!.n);
  const before = await count();
  const t0 = Date.now();
  const r = await autocannon({ url: `http://127.0.0.1:${port}`, connections: CONNECTIONS, duration: SECONDS, requests });
  const accepted = r['2xx'];
  // Durable already; now wait for the queue to turn every accepted event into a ticket (or message).
  let done = before;
  while (Date.now() - t0 < 600_000 && (done = await count()) - before < accepted) await new Promise((res) => setTimeout(res, 250));
  const processedSeconds = (Date.now() - t0) / 1000;
  const tickets = Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM tickets WHERE channel IN ('zalo','facebook')`)).rows[0]!.n);
  const outcomes = (await c.query<{ channel: string; outcome: string; n: string }>(
    `SELECT channel, coalesce(outcome, 'pending') AS outcome, count(*) AS n FROM webhook_events GROUP BY 1, 2 ORDER BY 1, 2`)).rows;
  console.log(`  webhook events by outcome: ${outcomes.map((o) => `${o.channel}/${o.outcome} ${o.n}`).join(', ')}`);
  await c.end();
  child.kill('SIGTERM');
  await new Promise((res) => child.once('exit', res));
  fake.close();
  return { label: 'webhooks: signed Zalo + Facebook → tickets', rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors,
    non2xx: r.non2xx, total: r.requests.total, ticketsPerSecond: (done - before) / processedSeconds, processedSeconds, tickets };
}

async function main() {
  // `npm run bench -- understanding|sla|console|ioc|intake|webhooks` runs one part; no argument runs them all.
  const only = process.argv[2];
  fs.mkdirSync(OUT_DIR, { recursive: true });
  if (!only || only === 'understanding') {
    const understanding = benchUnderstanding(Number(process.env.BENCH_CPU_SECONDS ?? 3));
    printUnderstanding(understanding);
    fs.writeFileSync(path.join(OUT_DIR, 'understanding.json'), JSON.stringify({ at: new Date().toISOString(), ...understanding }, null, 2));
  }
  if (!only || only === 'sla') {
    const sweep = await benchSlaSweep(ADMIN_URL);
    printSlaSweep(sweep);
    fs.writeFileSync(path.join(OUT_DIR, 'sla-sweep.json'), JSON.stringify({ at: new Date().toISOString(), ...sweep }, null, 2));
    const latency = await benchSlaLatency(ADMIN_URL, process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379');
    printSlaLatency(latency);
    fs.writeFileSync(path.join(OUT_DIR, 'sla-latency.json'), JSON.stringify({ at: new Date().toISOString(), latency }, null, 2));
  }
  if (!only || only === 'console') {
    const figures = await benchConsole();
    printConsole(figures);
    fs.writeFileSync(path.join(OUT_DIR, 'console.json'), JSON.stringify({ at: new Date().toISOString(), ...figures }, null, 2));
  }
  if (!only || only === 'ioc') {
    const feed = await benchIocFeed(ADMIN_URL);
    printIocFeed(feed);
    fs.writeFileSync(path.join(OUT_DIR, 'ioc-feed.json'), JSON.stringify({ at: new Date().toISOString(), ...feed }, null, 2));
  }
  const REDIS = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const row = (f: Figures) => `  ${f.label.padEnd(44)} ${f.rps.toFixed(0).padStart(7)} req/s   p50 ${String(f.p50).padStart(4)} ms   p99 ${String(f.p99).padStart(4)} ms   errors ${f.errors + f.non2xx}${f.errors + f.non2xx ? ` (${f.timeouts ?? 0} timed out after 10 s, ${f.non2xx} non-2xx)` : ''}`;
  if (!only || only === 'intake') {
    // Every measurement on its own empty database and queue: no run inherits another's backlog.
    console.log(`Report intake, ${CONNECTIONS} concurrent clients, ${SECONDS} s each, PostgreSQL at ${new URL(ADMIN_URL).host}`);
    // The baseline runs before and after the hub: this machine's speed drifts by ±20 % within
    // minutes, and the ratio is taken against the mean of the two, not whichever ran at a good time.
    const first = await measure('baseline: express + 1 INSERT (before)', 'baseline', await createScratchDatabase(ADMIN_URL, 'hub_bench_baseline'));
    const hub = await measure('hub: POST /api/v1/reports, jobs in Postgres', 'hub', await createScratchDatabase(ADMIN_URL, 'hub_bench_pg'));
    const hubRedis = await measure('hub: POST /api/v1/reports, jobs on BullMQ', 'hub', await createScratchDatabase(ADMIN_URL, 'hub_bench_redis'), REDIS);
    const split = await measure('hub: api + worker processes, jobs in Postgres', 'hub', await createScratchDatabase(ADMIN_URL, 'hub_bench_split'), undefined, 'api + worker');
    await dropScratchDatabase(ADMIN_URL, 'hub_bench_baseline');
    const second = await measure('baseline: express + 1 INSERT (after)', 'baseline', await createScratchDatabase(ADMIN_URL, 'hub_bench_baseline'));
    const baseline = { rps: (first.rps + second.rps) / 2, p99: Math.max(first.p99, second.p99) };
    console.log(row(first));
    console.log(row(second));
    console.log(row(hub));
    console.log(row(hubRedis));
    console.log(row(split));
    const ratio = hub.rps / baseline.rps;
    const ratioRedis = hubRedis.rps / baseline.rps;
    const ratioSplit = split.rps / baseline.rps;
    console.log(`  ratio to baseline throughput (mean ${baseline.rps.toFixed(0)} req/s): ${ratio.toFixed(2)} (jobs in Postgres), ${ratioRedis.toFixed(2)} (BullMQ), ${ratioSplit.toFixed(2)} (api + worker); target ≥ 0.50`);
    for (const f of [hub, hubRedis, split]) {
      const b = f.backlog!;
      console.log(`  ${f.label}: ${b.reports} reports in the saturated run, ${b.waiting} still waiting for triage at its end (jobs yield to requests), all done ${b.drainSeconds.toFixed(1)} s later: ${b.endToEndPerSecond.toFixed(0)} reports/s triaged end to end`);
    }
    console.log(`  p99 saturated: baseline ${baseline.p99} ms (the worse of its two runs), hub ${hub.p99} / ${hubRedis.p99} / ${split.p99} ms (${CONNECTIONS} closed-loop clients; Little's law: ${CONNECTIONS} in flight ÷ ${baseline.rps.toFixed(0)} req/s = ${(CONNECTIONS / baseline.rps * 1000).toFixed(0)} ms mean for the baseline itself)`);
    for (const f of [first, second, hub, hubRedis, split]) {
      for (const a of f.atRates!) {
        console.log(`  at ${String(a.rate).padStart(4)} req/s offered over ${CONNECTIONS} connections: ${f.label.padEnd(44)} p50 ${String(a.p50).padStart(4)} ms   p99 ${String(a.p99).padStart(4)} ms ${a.p99 < 50 ? '(< 50: met)' : '(≥ 50: not met)'}   (${a.rps.toFixed(0)} req/s served, errors ${a.errors}${a.errors ? `: ${JSON.stringify(a.errorKinds)}` : ''})`);
      }
    }
    fs.writeFileSync(path.join(OUT_DIR, 'intake.json'), JSON.stringify({ at: new Date().toISOString(), connections: CONNECTIONS, seconds: SECONDS, baseline: { before: first, after: second }, hub, hubRedis, split, ratio, ratioRedis, ratioSplit }, null, 2));
    for (const name of ['hub_bench_baseline', 'hub_bench_pg', 'hub_bench_redis', 'hub_bench_split']) await dropScratchDatabase(ADMIN_URL, name);
  }
  if (!only || only === 'webhooks') {
    const webhooks = await measureWebhooks(await createScratchDatabase(ADMIN_URL, 'hub_bench_webhooks'), REDIS);
    console.log(row(webhooks));
    console.log(`  webhook acceptance ${webhooks.rps.toFixed(0)} req/s; every accepted event processed into tickets/messages in ${webhooks.processedSeconds.toFixed(1)} s = ${webhooks.ticketsPerSecond.toFixed(0)} events/s end to end (${webhooks.tickets} Zalo/Facebook tickets)`);
    fs.writeFileSync(path.join(OUT_DIR, 'webhooks.json'), JSON.stringify({ at: new Date().toISOString(), connections: CONNECTIONS, seconds: SECONDS, webhooks }, null, 2));
    await dropScratchDatabase(ADMIN_URL, 'hub_bench_webhooks');
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
