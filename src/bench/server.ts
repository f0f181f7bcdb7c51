import express from 'express';
import http from 'node:http';
import { loadConfig } from '../config';
import { openPostgres } from '../db/postgres';
import { createApp } from '../http/app';
import { createHub } from '../hub';
import { silentLogger } from '../shared/logger';

/**
 * A server under benchmark, in its own process so the load generator does not share its event loop.
 * MODE=baseline: the bare minimum (express + one INSERT); MODE=hub: the full intake path.
 */
async function main() {
  const mode = process.env.BENCH_MODE;
  const url = process.env.DATABASE_URL!;
  const port = Number(process.env.PORT);
  let server: http.Server;
  if (mode === 'baseline') {
    const db = await openPostgres(url, 20);
    await db.exec('CREATE TABLE IF NOT EXISTS bench_baseline (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())');
    const app = express();
    app.use(express.json());
    app.post('/api/v1/reports', async (req, res) => {
      const rows = await db.query<{ id: number }>('INSERT INTO bench_baseline (body) VALUES ($1) RETURNING id', [JSON.stringify(req.body)]);
      res.status(201).json({ id: rows[0]!.id });
    });
    server = http.createServer(app);
  } else {
    const hub = await createHub(loadConfig({ ...process.env, DEMO: '0', LOG_LEVEL: 'silent' }), { log: silentLogger });
    await hub.start();
    server = http.createServer(createApp(hub));
  }
  // Event-loop delay, to tell a stalled server from a slow database when latency tails appear.
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const stop = () => {
    if (process.env.BENCH_LOOP_REPORT) console.error(`  [${mode}] event-loop delay p50 ${(loop.percentile(50) / 1e6).toFixed(0)} ms, p99 ${(loop.percentile(99) / 1e6).toFixed(0)} ms, max ${(loop.max / 1e6).toFixed(0)} ms`);
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  server.listen(port, '127.0.0.1', () => process.send?.({ ready: true }));
}
main().catch((e) => { console.error(e); process.exit(1); });
