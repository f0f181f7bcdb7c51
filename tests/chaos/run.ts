/**
 * npm run test:chaos — the hub as a province would deploy it, under load and faults.
 *
 * 2 API processes (HUB_ROLE=api) and 2 workers (HUB_ROLE=worker), built from this checkout, on
 * loopback against a fresh PostgreSQL database and a Redis server of the run's own (so restarting
 * it touches nothing else on the machine). Fake platform servers stand in for Zalo, Facebook,
 * Twilio and the outbound mail relay. A load of CHAOS_REPORTS reports (default 5,000) goes out over
 * every channel: signed Zalo, Messenger and Twilio SMS webhooks, SMTP mail, the web and app report
 * API and Open311, spread over both API processes, with platform-style retries of the same message
 * ids. Mid-run the test kills -9 one API process and one worker (and starts them again, as a
 * supervisor would), and restarts Redis empty.
 *
 * Afterwards, read from PostgreSQL and the fakes:
 *  - every report whose request was answered 2xx (250 for mail) exists exactly once;
 *  - every citizen of a messaging channel got exactly one acknowledgement;
 *  - every SLA timer that came due fired exactly once (and none is left unfired);
 *  - no outbox row, webhook event or delivery is left pending.
 * It prints these counts and exits non-zero when one fails.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { CHANNELS, ROOT, closeMail, deliver, log, makeReport, sleep, startCluster, type Report } from './cluster';

const REPORTS = Number(process.env.CHAOS_REPORTS ?? 5000);
const RATE = Number(process.env.CHAOS_RATE ?? 60); // reports per second offered
const DRAIN_SECONDS = Number(process.env.CHAOS_DRAIN_SECONDS ?? 600);
const OUT = path.join(ROOT, 'bench-output', 'chaos');

async function main() {
  const cluster = await startCluster({ out: OUT, tag: 'chaos', apis: 2, workers: 2, slaSeconds: 36 });
  const { dbUrl, dbName, redis, fakes } = cluster;
  const api1 = cluster.apis[0]!;
  const api2 = cluster.apis[1]!;
  const w1 = cluster.workers[0]!;
  log(`4 processes up: api ${api1.port}, ${api2.port}, redis ${redis.port}, database ${dbName}; ${REPORTS} reports at ${RATE}/s`);

  // The load, open loop at a fixed rate, with the faults on a schedule relative to its length.
  const reports = Array.from({ length: REPORTS }, (_, i) => makeReport(i));
  const loadSeconds = REPORTS / RATE;
  const faults: { at: number; what: string; run: () => Promise<void> }[] = [
    { at: 0.25, what: 'kill -9 api-2', run: async () => { api2.kill9(); } },
    { at: 0.35, what: 'kill -9 worker-1', run: async () => { w1.kill9(); } },
    { at: 0.45, what: 'api-2 started again', run: async () => { api2.start(); } },
    { at: 0.55, what: 'Redis restarted (empty)', run: async () => { await redis.restart(); } },
    { at: 0.65, what: 'worker-1 started again', run: async () => { w1.start(); } },
  ];
  const t0 = Date.now();
  const faultRuns = (async () => {
    for (const f of faults) {
      const wait = t0 + f.at * loadSeconds * 1000 - Date.now();
      if (wait > 0) await sleep(wait);
      await f.run();
      log(`fault: ${f.what}`);
    }
  })();
  const inFlight: Promise<void>[] = [];
  for (const r of reports) {
    const due = t0 + (r.n / RATE) * 1000;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(deliver(r));
    if (r.n % 1000 === 999) log(`${r.n + 1} reports offered`);
  }
  await faultRuns;
  await Promise.all(inFlight);
  closeMail();
  const loadEnd = Date.now();
  log(`load done in ${((loadEnd - t0) / 1000).toFixed(1)} s; ${reports.filter((r) => r.acknowledged).length} acknowledged`);

  // Drain: everything acknowledged must be worked off, however long recovery takes.
  const db = new Client({ connectionString: dbUrl });
  await db.connect();
  const one = async (sql: string) => Number((await db.query<{ n: string }>(sql)).rows[0]!.n);
  const pending = async () => ({
    outbox: await one(`SELECT count(*) AS n FROM outbox WHERE completed_at IS NULL`),
    webhooks: await one(`SELECT count(*) AS n FROM webhook_events WHERE processed_at IS NULL`),
    deliveries: await one(`SELECT count(*) AS n FROM messages WHERE direction = 'outbound' AND delivery_status IN ('queued', 'sending')`),
    slaOverdue: await one(`SELECT count(*) AS n FROM tickets WHERE sla_next_timer_at < now() - interval '20 seconds'`),
  });
  let left = await pending();
  const drainEnd = Date.now() + DRAIN_SECONDS * 1000;
  while (Date.now() < drainEnd) {
    left = await pending();
    if (left.outbox + left.webhooks + left.deliveries + left.slaOverdue === 0) break;
    await sleep(2000);
  }
  // SLA timers keep coming due after the load: let the ones due within the window fire, then count.
  await sleep(3000);
  left = await pending();
  const drained = (Date.now() - loadEnd) / 1000;
  log(`drained in ${drained.toFixed(1)} s: ${JSON.stringify(left)}`);

  // ------------------------------------------------------------------------------------------
  // The counts
  const rows = (await db.query<{ token: string; tickets: string; messages: string }>(
    `SELECT substring(body from '\\[(CX\\d{6})\\]') AS token, count(DISTINCT ticket_id) AS tickets, count(*) AS messages
     FROM messages WHERE direction = 'inbound' AND body ~ '\\[CX\\d{6}\\]' GROUP BY 1`)).rows;
  const found = new Map(rows.map((r) => [r.token, { tickets: Number(r.tickets), messages: Number(r.messages) }]));
  const acknowledged = reports.filter((r) => r.acknowledged);
  const missing = acknowledged.filter((r) => !found.has(r.token));
  const duplicated = reports.filter((r) => { const f = found.get(r.token); return f && (f.tickets > 1 || f.messages > 1); });
  const unacknowledgedButStored = reports.filter((r) => !r.acknowledged && found.has(r.token)).length;

  const ackCount = (r: Report) => {
    const m = r.channel === 'zalo' ? fakes.zalo : r.channel === 'facebook' ? fakes.facebook : r.channel === 'sms' ? fakes.sms : r.channel === 'email' ? fakes.email : null;
    return m ? (m.get(r.channel === 'email' ? r.sender.toLowerCase() : r.sender) ?? 0) : null;
  };
  const messaging = acknowledged.filter((r) => ackCount(r) !== null);
  const noAck = messaging.filter((r) => ackCount(r) === 0);
  const manyAcks = messaging.filter((r) => (ackCount(r) ?? 0) > 1);

  const slaFired = await one(`SELECT count(*) AS n FROM ticket_events WHERE type IN ('sla.warning', 'sla.breached')`);
  const slaTwice = await one(`SELECT count(*) AS n FROM (SELECT ticket_id, type, data->>'clock', data->>'dueAt' FROM ticket_events
                              WHERE type IN ('sla.warning', 'sla.breached') GROUP BY 1, 2, 3, 4 HAVING count(*) > 1) d`);
  const slaTickets = await one(`SELECT count(DISTINCT ticket_id) AS n FROM ticket_events WHERE type IN ('sla.warning', 'sla.breached')`);
  const tickets = await one(`SELECT count(*) AS n FROM tickets`);
  const unconfirmed = await one(`SELECT count(*) AS n FROM messages WHERE direction = 'outbound' AND delivery_status = 'unconfirmed'`);
  const jobsFailed = await one(`SELECT count(*) AS n FROM outbox WHERE failed`);
  await db.end();

  const byChannel = CHANNELS.map((c) => {
    const of = reports.filter((r) => r.channel === c);
    return `${c} ${of.filter((r) => r.acknowledged).length}/${of.length}`;
  }).join(', ');
  const retried = reports.filter((r) => r.attempts > 1).length;
  const duplicatesSent = reports.filter((r) => r.statuses.some((s) => s.startsWith('dup:'))).length;
  const checks: [string, boolean, string][] = [
    ['every acknowledged report exists', missing.length === 0, `${acknowledged.length - missing.length}/${acknowledged.length} found${missing.length ? `; missing e.g. ${missing.slice(0, 5).map((r) => `${r.token}(${r.channel}:${r.statuses.join('/')})`).join(' ')}` : ''}`],
    ['no report stored twice', duplicated.length === 0, `${duplicated.length} duplicated${duplicated.length ? ` e.g. ${duplicated.slice(0, 5).map((r) => r.token).join(' ')}` : ''}`],
    ['exactly one acknowledgement per messaging citizen', noAck.length === 0 && manyAcks.length === 0,
      `${messaging.length - noAck.length - manyAcks.length}/${messaging.length} exactly one; ${noAck.length} none, ${manyAcks.length} more than one${noAck.length + manyAcks.length ? ` e.g. ${[...noAck, ...manyAcks].slice(0, 5).map((r) => `${r.token}(${r.channel}:${ackCount(r)})`).join(' ')}` : ''}`],
    ['every SLA timer due fired exactly once', slaTwice === 0 && left.slaOverdue === 0, `${slaFired} warnings/breaches on ${slaTickets} tickets; ${slaTwice} fired twice; ${left.slaOverdue} overdue unfired`],
    ['nothing left pending', left.outbox === 0 && left.webhooks === 0 && left.deliveries === 0, `outbox ${left.outbox}, webhook events ${left.webhooks}, deliveries ${left.deliveries}`],
  ];
  const summary = [
    '',
    `chaos run: ${REPORTS} reports over ${CHANNELS.length} channels at ${RATE}/s (${byChannel} acknowledged), ${retried} retried by the sender, ${duplicatesSent} delivered twice on purpose`,
    `faults: ${faults.map((f) => f.what).join('; ')}`,
    `tickets ${tickets}; stored though never acknowledged ${unacknowledgedButStored}; deliveries left unconfirmed by a kill ${unconfirmed}; jobs failed for good ${jobsFailed}; drain ${drained.toFixed(1)} s`,
    ...checks.map(([name, pass, detail]) => `${pass ? 'PASS' : 'FAIL'} ${name}: ${detail}`),
    `mail: ${fakes.smtpAccepted} SMTP transactions (citizens' acknowledgements and staff SLA notices) for ${[...fakes.email.values()].reduce((a, b) => a + b, 0)} distinct Message-IDs per mailbox (a copy re-sent after an interrupted conversation keeps its Message-ID)`,
    `fake platforms refused: ${fakes.rejected.length}${fakes.rejected.length ? ` e.g. ${fakes.rejected.slice(0, 3).join('; ')}` : ''}`,
    '',
  ].join('\n');
  process.stdout.write(summary);
  fs.writeFileSync(path.join(OUT, 'summary.txt'), summary);
  fs.writeFileSync(path.join(OUT, 'reports.json'), JSON.stringify(reports.filter((r) => !r.acknowledged || r.attempts > 1), null, 1));

  const passed = checks.every(([, pass]) => pass);
  await cluster.stop(!passed);
  if (!passed) log(`database ${dbName} kept for inspection; process logs in ${OUT}`);
  process.exit(checks.every(([, pass]) => pass) ? 0 : 1);
}

main().catch((err) => {
  process.stderr.write(`chaos run failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(2);
});
