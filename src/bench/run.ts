import autocannon from 'autocannon';
import { fork } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Client } from 'pg';

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

async function freshDatabase(name: string): Promise<string> {
  const c = new Client({ connectionString: ADMIN_URL });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const u = new URL(ADMIN_URL);
  u.pathname = '/' + name;
  return u.toString();
}

const TEXTS = [
  'Đèn đường trước số 12 Nguyễn Văn Linh, phường Hiến Nam bị hỏng 3 hôm nay, tối rất tối.',
  'rac o dau ngo 45 Le Loi 3 ngay nay k ai thu gom, boc mui lam a',
  'Ổ gà lớn giữa đường Điện Biên gần ngã tư, xe máy dễ ngã, đề nghị sửa sớm.',
  'Quán karaoke số 8 Tô Hiệu hát đến 1h sáng, cả khu không ngủ được.',
];

type Figures = { label: string; rps: number; p50: number; p99: number; errors: number; non2xx: number; total: number };

async function measure(label: string, mode: 'baseline' | 'hub', dbUrl: string, redisUrl?: string): Promise<Figures> {
  const port = await freePort();
  const child = fork(path.join(__dirname, 'server.js'), [], {
    env: { ...process.env, BENCH_MODE: mode, DATABASE_URL: dbUrl, PORT: String(port), DB_POOL_SIZE: '20', REDIS_URL: redisUrl ?? '' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => { child.once('message', () => resolve()); child.once('exit', (c) => reject(new Error(`${mode} server exited ${c}`))); });
  // Many different citizens, as on a real day; each request a new report.
  let n = 0;
  const requests = [{
    method: 'POST' as const, path: '/api/v1/reports', headers: { 'content-type': 'application/json' },
    setupRequest: (req: autocannon.Request) => {
      n += 1;
      req.body = JSON.stringify({ channel: n % 2 ? 'app' : 'web', text: TEXTS[n % TEXTS.length], contact: { phone: `09${String(10_000_000 + ((n * 7919) % 80_000_000)).padStart(8, '0')}` } });
      return req;
    },
  }];
  const run = (duration: number) => autocannon({ url: `http://127.0.0.1:${port}`, connections: CONNECTIONS, duration, requests });
  await run(3); // warm-up: JIT, pool, caches
  const r = await run(SECONDS);
  child.kill('SIGTERM');
  await new Promise((res) => child.once('exit', res));
  return { label, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx, total: r.requests.total };
}

async function main() {
  const dbUrl = await freshDatabase('hub_bench');
  console.log(`Report intake, ${CONNECTIONS} concurrent clients, ${SECONDS} s each, PostgreSQL at ${new URL(ADMIN_URL).host}`);
  const baseline = await measure('baseline: express + 1 INSERT', 'baseline', dbUrl);
  const hub = await measure('hub: POST /api/v1/reports, jobs in Postgres', 'hub', dbUrl);
  const hubRedis = await measure('hub: POST /api/v1/reports, jobs on BullMQ', 'hub', dbUrl, process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379');
  const c = new Client({ connectionString: dbUrl });
  await c.connect();
  const stored = (await c.query<{ n: string }>('SELECT count(*) AS n FROM tickets')).rows[0]!.n;
  await c.end();
  const row = (f: Figures) => `  ${f.label.padEnd(44)} ${f.rps.toFixed(0).padStart(7)} req/s   p50 ${String(f.p50).padStart(4)} ms   p99 ${String(f.p99).padStart(4)} ms   errors ${f.errors + f.non2xx}`;
  console.log(row(baseline));
  console.log(row(hub));
  console.log(row(hubRedis));
  const ratio = hub.rps / baseline.rps;
  const ratioRedis = hubRedis.rps / baseline.rps;
  console.log(`  ratio to baseline throughput: ${ratio.toFixed(2)} (jobs in Postgres), ${ratioRedis.toFixed(2)} (BullMQ); target ≥ 0.50`);
  console.log(`  p99: baseline ${baseline.p99} ms, hub ${hub.p99} ms / ${hubRedis.p99} ms (target < 50 ms at ${CONNECTIONS} clients)`);
  console.log(`  tickets stored by both hub runs: ${stored}`);
  fs.mkdirSync(OUT_DIR, { recursive: true });
  fs.writeFileSync(path.join(OUT_DIR, 'intake.json'), JSON.stringify({ at: new Date().toISOString(), connections: CONNECTIONS, seconds: SECONDS, baseline, hub, hubRedis, ratio, ratioRedis }, null, 2));
  const drop = new Client({ connectionString: ADMIN_URL });
  await drop.connect();
  await drop.query('DROP DATABASE IF EXISTS hub_bench WITH (FORCE)');
  await drop.end();
}
main().catch((e) => { console.error(e); process.exit(1); });
