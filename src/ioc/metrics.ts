import { CHANNELS } from '../workflow/types';
import type { IocStore } from './store';

/**
 * GET /metrics for operators: Prometheus text exposition format 0.0.4. Everything here is an
 * aggregate (no ticket, no person), read from the rollups and from small indexes, so a scrape
 * every 15 s costs little; each scrape also folds the rollup delta.
 */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type Sample = { labels?: Record<string, string>; value: number };
export type MetricFamily = { name: string; help: string; type: 'counter' | 'gauge'; samples: Sample[] };

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export function renderPrometheus(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const f of families) {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(f.name)) throw new Error(`invalid metric name ${f.name}`);
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels ?? {});
      const l = labels.length ? `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
      lines.push(`${f.name}${l} ${formatValue(s.value)}`);
    }
  }
  return lines.join('\n') + '\n';
}

const DUE_SOON_MS = 24 * 3_600_000;

export async function collectMetrics(store: IocStore, opts: { queueDriver: 'bullmq' | 'inprocess'; now?: Date }): Promise<MetricFamily[]> {
  await store.fold();
  const now = opts.now ?? new Date();
  const [lifetime, open, pit, outbox, deltas, jobs] = await Promise.all([
    store.lifetime(), store.openByStatus(), store.pointInTime(now, new Date(now.getTime() + DUE_SOON_MS)), store.outboxPending(),
    store.pendingDeltas(), opts.queueDriver === 'inprocess' ? store.jobsByState() : Promise.resolve(null),
  ]);
  const received = new Map(lifetime.filter((r) => r.dim === 'channel').map((r) => [r.key, r.received]));
  const breached = lifetime.find((r) => r.dim === 'all')?.breached ?? 0;
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  const families: MetricFamily[] = [
    { name: 'hub1022_tickets_received_total', help: 'Tickets received, by channel.', type: 'counter',
      samples: CHANNELS.map((c) => ({ labels: { channel: c }, value: received.get(c) ?? 0 })) },
    { name: 'hub1022_sla_breached_total', help: 'Tickets that missed an SLA deadline (first breach of each ticket).', type: 'counter',
      samples: [{ value: breached }] },
    { name: 'hub1022_tickets_open', help: 'Open tickets now, by status.', type: 'gauge',
      samples: open.sort((a, b) => (a.status < b.status ? -1 : 1)).map((r) => ({ labels: { status: r.status }, value: r.n })) },
    { name: 'hub1022_tickets_overdue', help: 'Open tickets past their resolution deadline now (not counting those waiting for the citizen).', type: 'gauge',
      samples: [{ value: pit.overdue }] },
    { name: 'hub1022_tickets_due_soon', help: 'Open tickets whose resolution deadline falls within the next 24 hours.', type: 'gauge',
      samples: [{ value: pit.dueSoon }] },
    { name: 'hub1022_outbox_pending', help: 'Outbox rows not yet handed to the job queue.', type: 'gauge', samples: [{ value: outbox }] },
    { name: 'hub1022_ioc_rollup_pending_deltas', help: 'IOC rollup changes not folded yet (after this scrape folded).', type: 'gauge',
      samples: [{ value: deltas }] },
  ];
  if (jobs) {
    families.push({ name: 'hub1022_jobs', help: 'Jobs of the in-process queue, by state.', type: 'gauge',
      samples: jobs.map((j) => ({ labels: { state: j.state }, value: j.n })) });
  }
  families.push(
    { name: 'process_cpu_user_seconds_total', help: 'User CPU time spent in seconds.', type: 'counter', samples: [{ value: cpu.user / 1e6 }] },
    { name: 'process_cpu_system_seconds_total', help: 'System CPU time spent in seconds.', type: 'counter', samples: [{ value: cpu.system / 1e6 }] },
    { name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes.', type: 'gauge', samples: [{ value: mem.rss }] },
    { name: 'process_start_time_seconds', help: 'Start time of the process since unix epoch in seconds.', type: 'gauge',
      samples: [{ value: Math.round(Date.now() / 1000 - process.uptime()) }] },
    { name: 'nodejs_heap_size_used_bytes', help: 'Process heap size used from Node.js in bytes.', type: 'gauge', samples: [{ value: mem.heapUsed }] },
    { name: 'nodejs_heap_size_total_bytes', help: 'Process heap size from Node.js in bytes.', type: 'gauge', samples: [{ value: mem.heapTotal }] },
  );
  return families;
}
