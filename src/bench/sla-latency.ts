/**
 * Breach notice latency: how long after a deadline the hub announces the breach (live event and
 * staff notices), with timers as delayed jobs (the sweep, the safety net, is turned off here so it
 * cannot hide a slow timer). Baseline in the same run: a bare setTimeout aimed at each deadline.
 */
import { loadConfig } from '../config';
import { createHub } from '../hub';
import { silentLogger } from '../shared/logger';
import { nearestRank } from './percentile';
import { createScratchDatabase, dropScratchDatabase } from './scratch-db';

export type LatencyFigures = { label: string; tickets: number; breached: number; p50: number; p99: number; max: number };

const TICKETS = Number(process.env.BENCH_SLA_TICKETS ?? 300);

function stats(label: string, samples: number[], tickets: number): LatencyFigures {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => nearestRank(s, q) ?? NaN;
  return { label, tickets, breached: s.length, p50: at(0.5), p99: at(0.99), max: s[s.length - 1] ?? NaN };
}

async function measureHub(label: string, adminUrl: string, redisUrl?: string): Promise<LatencyFigures> {
  const name = `hub_bench_sla_latency${redisUrl ? '_redis' : ''}`;
  const config = loadConfig({
    DATABASE_URL: await createScratchDatabase(adminUrl, name), ...(redisUrl ? { REDIS_URL: redisUrl, QUEUE_PREFIX: `bench-sla-${process.pid}` } : {}),
    DEMO: '0', LOG_LEVEL: 'silent', SMTP_INBOUND_PORT: '0', SLA_SWEEP_SECONDS: '3600', DATA_DIR: '/tmp/hub-bench-unused',
  });
  const hub = await createHub(config, { log: silentLogger });
  try {
    // A 24/7 police desk with a 7.2-second response target for urgent security reports.
    const [agency] = await hub.db.query<{ id: number }>(
      `INSERT INTO agencies (code, name_vi, name_en, kind, always_on) VALUES ('ca-bench', 'Công an (bench)', 'Police (bench)', 'police', true) RETURNING id`);
    await hub.db.query(`INSERT INTO routing_rules (category_code, agency_id) VALUES ('an-ninh-trat-tu', $1)`, [agency!.id]);
    await hub.db.query(`INSERT INTO sla_policies (category_code, priority, response_amount, response_unit, resolution_amount, resolution_unit)
      VALUES ('an-ninh-trat-tu', 'urgent', 0.002, 'working_hours', 1, 'working_days')`);
    await hub.slaSettings.refresh();
    await hub.start();
    const latencies: number[] = [];
    const off = hub.live.subscribe((e) => {
      if (e.type === 'sla.breached' && e.sla?.clock === 'response') latencies.push(Date.now() - Date.parse(e.sla.dueAt));
    });
    for (let i = 0; i < TICKETS; i++) {
      await hub.intake.submit({ channel: 'web', text: `Đánh nhau trước quán karaoke số ${i}, có người bị thương`, categoryCode: 'an-ninh-trat-tu', priority: 'urgent' });
      hub.afterCommit();
      await new Promise((r) => setTimeout(r, 10));
    }
    const until = Date.now() + 60_000;
    while (latencies.length < TICKETS && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    off();
    return stats(label, latencies, TICKETS);
  } finally {
    await hub.close();
    await dropScratchDatabase(adminUrl, name);
  }
}

/** The floor: Node's own timer aimed at the same kind of deadlines, under no load. */
async function measureBaseline(): Promise<LatencyFigures> {
  const latencies: number[] = [];
  await Promise.all(Array.from({ length: TICKETS }, (_, i) => new Promise<void>((resolve) => {
    const due = Date.now() + 2000 + i * 10;
    setTimeout(() => { latencies.push(Date.now() - due); resolve(); }, due - Date.now());
  })));
  return stats('baseline: setTimeout at each deadline', latencies, TICKETS);
}

export async function benchSlaLatency(adminUrl: string, redisUrl: string): Promise<LatencyFigures[]> {
  return [
    await measureBaseline(),
    await measureHub('hub: timers as jobs in PostgreSQL', adminUrl),
    await measureHub('hub: timers as BullMQ delayed jobs', adminUrl, redisUrl),
  ];
}

export function printSlaLatency(rows: LatencyFigures[]): void {
  console.log(`SLA breach notice latency after the deadline (${TICKETS} urgent tickets, 7.2 s response target, sweep off)`);
  for (const r of rows) {
    console.log(`  ${r.label.padEnd(40)} breached ${String(r.breached).padStart(4)}/${r.tickets}   p50 ${String(r.p50).padStart(4)} ms   p99 ${String(r.p99).padStart(4)} ms   max ${String(r.max).padStart(4)} ms`);
  }
  console.log('  target: p99 < 1,000 ms');
}
