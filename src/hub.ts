import type { HubConfig } from './config';
import { Catalog, loadCategories } from './db/catalog';
import type { Database } from './db/database';
import { migrate } from './db/migrate';
import { openDatabase } from './db/open';
import { openPostgres } from './db/postgres';
import { SqlOutboundStore } from './db/outbound-store';
import { TicketQueries } from './db/ticket-queries';
import { sqlTransactionRunner } from './db/ticket-store';
import { IntakeService } from './intake/intake-service';
import { BullMqJobQueue } from './jobs/bullmq-driver';
import { InProcessJobQueue } from './jobs/inprocess-driver';
import { OutboxRelay } from './jobs/outbox-relay';
import type { JobHandler, JobName, JobQueue } from './jobs/queue';
import { Notifier } from './outbound/notifier';
import { SurveyService } from './satisfaction/survey-service';
import { sqlSurveyRunner } from './db/survey-store';
import { BatchingIntakeWriter } from './db/intake-batcher';
import { ChannelOffError, PortalSender, SenderRegistry, switchable } from './outbound/senders';
import { LiveBus, type LiveEvent } from './shared/live-bus';
import { notices } from './outbound/notices';
import type { Channel } from './workflow/types';
import { createLogger, type Logger } from './shared/logger';
import { StaffStore } from './staff/staff-store';
import { systemClock, type Clock } from './workflow/ports';
import { CHANNEL_FACTORIES } from './channels/registry';
import type { ChannelFactory, ChannelModule } from './channels/types';
import { ChannelStore } from './db/channel-store';
import { ChannelSwitches, type ChannelSwitch } from './db/channel-admin-store';
import { classifierWithinChoices } from './classify/active-categories';
import { SqlInboundStore } from './db/inbound-store';
import { InboundService } from './intake/inbound-service';
import { WorkflowService } from './workflow/workflow-service';
import path from 'node:path';
import { AttachmentService, platformCredentials, type AttachmentOptions } from './attachments/service';
import { FsAttachmentStore, type AttachmentStore } from './attachments/store';
import { RoutingStore } from './db/routing-store';
import { AreaStore } from './db/area-store';
import { Understanding } from './triage/understanding-sources';
import { DEFAULT_TRIAGE_OPTIONS, TriageService } from './triage/triage-service';
import { ReportClassifier } from './classify/classifier';
import { SlaSettingsStore } from './db/sla-store';
import { SlaEngine } from './sla/sla-engine';
import { SlaService, type MailStaff } from './sla/sla-service';
import nodemailer from 'nodemailer';
import { emailIdentity } from './channels/email/sender';
import { createGuards, type Guards } from './http/guards';

/** SLA warnings and breaches by mail to staff: over SMTP_URL, or logged when it is unset. */
function staffMailer(config: HubConfig, log: Logger): MailStaff {
  const transport = config.smtpUrl ? nodemailer.createTransport(config.smtpUrl) : nodemailer.createTransport({ jsonTransport: true });
  const from = emailIdentity(config.smtpUrl, config.publicBaseUrl).from;
  return async (to, subject, text) => {
    await transport.sendMail({ from, to, subject, text });
    if (!config.smtpUrl) log.info({ to, subject }, 'staff mail (SMTP_URL unset: logged, not sent)');
  };
}

// The shipped model is read once per process, however many hubs a test run builds.
let sharedClassifier: ReportClassifier | null = null;
const defaultClassifier = (): ReportClassifier => (sharedClassifier ??= ReportClassifier.loadDefault());

/** The composition root: every service, built once from the configuration. */
export type Hub = {
  config: HubConfig;
  log: Logger;
  db: Database;
  /** Where reporting reads go: READ_DATABASE_URL (a replica) when set, else the same database. */
  readDb: Database;
  catalog: Catalog;
  intake: IntakeService;
  workflow: WorkflowService;
  queries: TicketQueries;
  staff: StaffStore;
  queue: JobQueue;
  relay: OutboxRelay;
  notifier: Notifier;
  senders: SenderRegistry;
  live: LiveBus;
  channels: ChannelModule[];
  channelStore: ChannelStore;
  /** Admins' runtime on/off switch of each configured channel (database, short cache). */
  channelSwitches: ChannelSwitches;
  inbound: InboundService;
  /** Attachment ingest (bytes or URL → sniffed, stored, recorded) and lookup. */
  attachments: AttachmentService;
  /** Routing rules and their audit trail. */
  routing: RoutingStore;
  /** Classifier, area locator and routing table: what automatic triage reads. */
  understanding: Understanding;
  /** Automatic triage of new tickets. */
  triage: TriageService;
  areas: AreaStore;
  /** SLA clocks: recording, timers, the sweep; settings (policies, calendar) cached in memory. */
  sla: SlaService;
  slaSettings: SlaSettingsStore;
  surveys: SurveyService;
  /** Per-IP limits on the public endpoints and the failed-login lockout (Redis, else memory/database). */
  guards: Guards;
  /** Call after a committed change that wrote to the outbox: dispatches without waiting for a poll. */
  afterCommit(): void;
  /**
   * Waits until every outbox row is dispatched and the queue is idle, counting retries due within
   * `backoffHorizonMs` as work in flight (tests and graceful shutdown).
   */
  settle(timeoutMs?: number, backoffHorizonMs?: number): Promise<void>;
  readiness(): Promise<Record<string, string>>;
  channelStatus(): Promise<{ channel: string; enabled: boolean; switchedOn: boolean; changedBy: number | null; changedAt: Date | null; status: string; reason: string | null }[]>;
  /** Starts the relay, and the job workers when this process runs them. */
  start(): Promise<void>;
  close(): Promise<void>;
};

export type HubOptions = { db?: Database; clock?: Clock; log?: Logger; queue?: JobQueue; relayPollMs?: number; threadWindowHours?: number; channelFactories?: ChannelFactory[];
  /** Attachment store (default: files under DATA_DIR/attachments) and ingest limits. */
  attachments?: Partial<AttachmentOptions> & { store?: AttachmentStore } };

export async function createHub(config: HubConfig, opts: HubOptions = {}): Promise<Hub> {
  const log = opts.log ?? createLogger(config.logLevel);
  const db = opts.db ?? (await openDatabase(config));
  const applied = await migrate(db);
  if (applied.length) log.info({ applied }, 'migrations applied');
  await loadCategories(db);
  const catalog = new Catalog(db);
  await catalog.refresh();

  // Background work (relay, jobs, deliveries, inbound processing) gets its own small pool on
  // PostgreSQL, so a burst of jobs can never make citizens' requests queue for a connection.
  const jobPoolSize = Math.max(2, Math.min(8, Math.floor(config.dbPoolSize / 3)));
  const jobDb = opts.db || !config.databaseUrl ? db : await openPostgres(config.databaseUrl, jobPoolSize);
  // Jobs beyond the pool's connections only wait for one, and in a process that also answers
  // requests each extra concurrent job is another burst of work between two requests (measured at
  // 200 reports/s on both roles in one process: p99 60 ms with 16 jobs at once, 40 ms with 6).
  // (With one shared pool, as on PGlite, the drivers' own defaults stay.)
  const jobConcurrency = config.jobConcurrency ?? (jobDb === db ? undefined : jobPoolSize);
  // The IOC feed and the dashboards read aggregates only: a province can point them at a replica
  // so a wall of IOC screens never competes with intake for the primary.
  const readDb = config.readDatabaseUrl && config.databaseUrl ? await openPostgres(config.readDatabaseUrl, Math.max(2, Math.floor(config.dbPoolSize / 2))) : db;
  const clock = opts.clock ?? systemClock;
  const guards = await createGuards(config, db, log, clock);
  // On PostgreSQL, reports arriving together share a commit (src/db/intake-batcher.ts); PGlite has one connection anyway.
  const store = db.engine === 'postgres' ? { ...sqlTransactionRunner(db), intake: new BatchingIntakeWriter(db) } : sqlTransactionRunner(db);
  const queue: JobQueue = opts.queue ?? (config.redisUrl
    ? new BullMqJobQueue(config.redisUrl, log, { prefix: config.queuePrefix, concurrency: jobConcurrency })
    : new InProcessJobQueue(jobDb, log, { concurrency: jobConcurrency }));
  const relay = new OutboxRelay(jobDb, queue, log, { pollMs: opts.relayPollMs, recoverAfterSeconds: config.recoveryAfterSeconds });
  const live = new LiveBus();
  const senders = new SenderRegistry();
  senders.register(new PortalSender('web'));
  senders.register(new PortalSender('app'));
  senders.register(new PortalSender('open311'));
  const notifier = new Notifier(
    new SqlOutboundStore(jobDb), senders,
    (messageId, retryKey, delayMs) => queue.enqueue('message.deliver', { messageId }, { jobId: `deliver-${messageId}${retryKey ? `-${retryKey}` : ''}`, delayMs }),
    live, config.publicBaseUrl, log,
  );

  const num = (v: unknown): number => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`job payload field is not a number: ${String(v)}`);
    return v;
  };
  const instantAck = {
    channels: new Set(senders.channels().filter((c) => senders.get(c)?.deliversOnStore)) as ReadonlySet<Channel>,
    text: (code: string, trackingToken: string) => notices.received({ code, trackingUrl: notifier.trackingUrl({ code, trackingToken }) }),
  };
  const intake = new IntakeService(store, clock, config.ticketCodePrefix, instantAck);
  const slaSettings = new SlaSettingsStore(jobDb);
  await slaSettings.refresh();
  const slaRunner = sqlTransactionRunner(jobDb);
  const sla = new SlaService(new SlaEngine(() => slaSettings.settings()), slaRunner,
    (ticketId, at) => queue.enqueue('sla.timer', { ticketId }, { jobId: `sla-${ticketId}-${at.getTime()}`, delayMs: Math.max(0, at.getTime() - Date.now()) }),
    live, clock, log, staffMailer(config, log));
  const routing = new RoutingStore(db);
  const areas = new AreaStore(db);
  // The classifier files only under categories admins keep active, with their default priorities.
  const understanding = new Understanding(classifierWithinChoices(defaultClassifier(), () => catalog.categoryState()), new AreaStore(jobDb), () => routing.table());
  const workflow = new WorkflowService(store, clock, sla);
  const jobWorkflow = jobDb === db ? workflow : new WorkflowService(slaRunner, clock, sla);
  const triage = new TriageService(slaRunner, jobWorkflow, understanding, clock,
    { ...DEFAULT_TRIAGE_OPTIONS, confidenceThreshold: config.classifyConfidenceThreshold }, sla);
  const queries = new TicketQueries(db);
  const channelStore = new ChannelStore(db);
  const channelSwitches = new ChannelSwitches(db);
  const jobChannelStore = jobDb === db ? channelStore : new ChannelStore(jobDb);
  const { store: attachmentStore, ...attachmentOptions } = opts.attachments ?? {};
  const attachments = new AttachmentService(jobDb, attachmentStore ?? new FsAttachmentStore(path.join(config.dataDir, 'attachments')), log,
    { credentialsFor: platformCredentials(config), ...attachmentOptions });
  const inboundIntake = jobDb === db ? intake : new IntakeService(sqlTransactionRunner(jobDb), clock, config.ticketCodePrefix);
  const surveys = new SurveyService(sqlSurveyRunner(jobDb), jobWorkflow, notifier, clock, () => config.survey, config.publicBaseUrl, log);
  const inbound = new InboundService(new SqlInboundStore(jobDb), inboundIntake, clock, opts.threadWindowHours ?? config.threadWindowHours, surveys);
  const channels = (opts.channelFactories ?? CHANNEL_FACTORIES).map((factory) => factory({
    config, log, db: jobDb,
    acceptEvents: async (channel, events) => {
      // Switched off by an admin: not stored, so not acknowledged (the platform or the sending mail server retries).
      if (!(await channelSwitches.isOn(channel))) throw new ChannelOffError(channel);
      const n = await channelStore.acceptEvents(channel, events);
      if (n) relay.wake();
      return n;
    },
    ticketStatus: async (code) => {
      const v = await queries.publicView(code);
      return v ? { code: v.ticket.code, status: v.ticket.status, agencyName: v.agencyName } : null;
    },
    reportHealth: (channel, ok, reason, severity) => jobChannelStore.reportHealth(channel, ok, reason, severity),
    settings: {
      get: async (key) => (await db.query<{ value: unknown }>('SELECT value FROM settings WHERE key = $1', [key]))[0]?.value ?? null,
      set: async (key, value) => {
        await db.query(`INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, now())
          ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`, [key, JSON.stringify(value)]);
      },
    },
  }));
  for (const c of channels) if (c.enabled && c.sender) senders.register(switchable(c.sender, (ch) => channelSwitches.isOn(ch)));

  // A job that came from the outbox marks its row finished (or failed, after its last attempt), so
  // the relay's sweep can tell a lost job from a finished one.
  const register = (name: JobName, handler: JobHandler) => queue.register(name, async (p, ctx) => {
    const outboxId = /^outbox-(\d+)$/.exec(ctx.jobId)?.[1];
    try {
      await handler(p, ctx);
    } catch (err) {
      if (outboxId && ctx.attempt >= ctx.maxAttempts) await relay.markCompleted(Number(outboxId), true);
      throw err;
    }
    if (outboxId) await relay.markCompleted(Number(outboxId));
  });

  const str = (v: unknown): string => {
    if (typeof v !== 'string') throw new Error(`job payload field is not a string: ${String(v)}`);
    return v;
  };
  register('ticket.created', async (p) => {
    // Read and route the ticket first, so the acknowledgement can say where it went: the citizen
    // gets one message, not "received" and "assigned" seconds apart. A triage failure does not
    // hold the acknowledgement back; the job is retried for the triage alone.
    const code = str(p.code);
    const stored = p as { acknowledged?: boolean; live?: LiveEvent['ticket']; given?: { category?: boolean; priority?: boolean } };
    const ackWillFollow = !stored.acknowledged && (await notifier.acknowledgementPending(code));
    let plan = null;
    let failure: unknown = null;
    try {
      plan = await triage.understand(code, stored.given, { acknowledgementWillNameAgency: ackWillFollow });
    } catch (err) {
      failure = err;
    }
    await notifier.onTicketCreated(code, stored);
    if (plan) relay.wake();
    await sla.flush();
    if (plan?.urgent) await notifier.flagUrgent(code, plan.classification.urgentSignals);
    if (failure) throw failure;
  });
  register('ticket.transitioned', async (p, ctx) => {
    // A citizen's answer resumed a waiting ticket in the inbound path: its clocks resume from then.
    if (p.action === 'citizen_reply' && typeof p.at === 'string') await sla.resume(str(p.code), new Date(p.at));
    await notifier.onTransition(str(p.code), str(p.action), str(p.to), ctx.jobId, p.quiet === true);
    // The citizen is asked how it went, on their channel (after the answer itself went out).
    // (A citizen's message on a resolved ticket is also announced with to = 'resolved': only a resolution asks.)
    if (p.action === 'resolve') await surveys.onResolved(num(p.ticketId));
  });
  register('sla.timer', async (p) => sla.fire(num(p.ticketId)));
  register('message.deliver', async (p, ctx) => notifier.deliver(num(p.messageId), ctx.attempt, ctx.maxAttempts));
  register('webhook.received', async (p, ctx) => {
    // Parse and thread a stored platform event; a failure on the last attempt is recorded, not lost.
    const event = await jobChannelStore.event(num(p.eventId));
    if (!event || event.processedAt) return;
    // One sender's events in arrival order: an earlier one still pending goes first (this job is
    // retried). On its last attempt it goes anyway: out of order is better than not at all.
    if (event.sender && ctx.attempt < ctx.maxAttempts) {
      const earlier = await jobChannelStore.earlierPendingOfSender(event.channel, event.sender, event.id);
      if (earlier !== null) throw new Error(`event ${event.id} waits for event ${earlier} of the same sender`);
    }
    const channel = channels.find((c) => c.channel === event.channel);
    try {
      const receipts = channel?.receipts?.(event) ?? [];
      if (receipts.length) await jobChannelStore.applyReceipts(event.channel, receipts);
      const messages = (await channel?.parse?.(event)) ?? [];
      if (messages.length === 0) { await jobChannelStore.markProcessed(event.id, receipts.length ? 'receipt' : 'ignored', null); return; }
      let last: { outcome: 'ticket_created' | 'message_appended' | 'duplicate'; ticketId: number } | null = null;
      for (const m of messages) {
        const r = await inbound.receive(m);
        // The message is stored first; its files follow (a failed download is recorded, not fatal).
        if (m.attachments?.length) await attachments.ingestForJob(r.messageId, m.attachments, ctx);
        last = { outcome: r.outcome, ticketId: r.ticket.id };
      }
      await jobChannelStore.markProcessed(event.id, last!.outcome, last!.ticketId);
      relay.wake();
    } catch (err) {
      if (ctx.attempt >= ctx.maxAttempts) await jobChannelStore.markProcessed(event.id, 'failed', null, String(err));
      throw err;
    }
  });

  let started = false;
  let heldTimer: NodeJS.Timeout | null = null;
  let slaTimer: NodeJS.Timeout | null = null;
  let surveyTimer: NodeJS.Timeout | null = null;
  return {
    config, log, db, readDb, catalog, queue, relay, notifier, senders, live,
    intake, queries, channels, channelStore, channelSwitches, inbound, attachments,
    workflow, routing, understanding, triage, areas, sla, slaSettings, surveys, guards,
    staff: new StaffStore(db),
    afterCommit: () => {
      relay.wake();
      void sla.flush().catch((e) => log.warn({ err: String(e) }, 'SLA flush failed'));
    },
    async settle(timeoutMs = 15_000, backoffHorizonMs = 5_000) {
      const until = Date.now() + timeoutMs;
      let quiet = 0;
      // Two quiet rounds in a row: a handler may write new outbox rows while the first one drains.
      while (quiet < 2) {
        if (Date.now() > until) throw new Error('hub did not settle in time');
        await relay.dispatchAll();
        // Retries in a short backoff are work in flight; replies delayed for hours are not.
        await queue.drain(Math.max(1, until - Date.now()), backoffHorizonMs);
        await relay.flushCompleted();
        // Quiet = nothing left in the outbox, THEN nothing in the queue, read in that order: a relay
        // (this process's or another's) marks a row dispatched in the same commit that makes its job
        // visible, so no job can hide between the two reads. Read the other way round, a relay
        // committing in between hid a just-created job from both (a flake seen about once in three CI runs).
        const outboxEmpty = (await relay.pendingCount()) === 0;
        quiet = outboxEmpty && !(await queue.busy(backoffHorizonMs)) ? quiet + 1 : 0;
        if (quiet < 2) await new Promise((r) => setTimeout(r, 10));
      }
    },
    async readiness() {
      const checks: Record<string, string> = {};
      try { await db.ping(); checks.database = 'ok'; } catch (e) { checks.database = `failed: ${(e as Error).message}`; }
      if (config.redisUrl) {
        try { await queue.ping(); checks.redis = 'ok'; } catch (e) { checks.redis = `failed: ${(e as Error).message}`; }
      }
      return checks;
    },
    async channelStatus() {
      // Detail for /readyz and the console; an unhealthy channel does not make the hub unready.
      const [health, switches] = await Promise.all([channelStore.health().catch(() => []), channelSwitches.list().catch(() => new Map<Channel, ChannelSwitch>())]);
      return channels.map((c) => {
        const h = health.find((x) => x.channel === c.channel);
        const sw = switches.get(c.channel);
        const switchedOn = sw?.enabled ?? true;
        const status = !c.enabled ? 'off' : !switchedOn ? 'switched_off' : (h?.status ?? 'healthy');
        return { channel: c.channel, enabled: c.enabled, switchedOn, changedBy: sw?.changedBy ?? null, changedAt: sw?.changedAt ?? null, status, reason: h?.reason ?? null };
      });
    },
    async start() {
      if (started) return;
      started = true;
      if (config.role !== 'api') await queue.startWorkers();
      await relay.start();
      for (const c of channels) if (c.enabled) await c.start?.();
      if (config.role !== 'api') {
        // Replies held while their channel was off or down go out once it answers again.
        heldTimer = setInterval(() => {
          channelSwitches.onOf(senders.channels()).then((on) => notifier.releaseHeld(50, on))
            .catch((e) => log.warn({ err: String(e) }, 'held release failed'));
          // Deliveries whose job was lost (Redis restarted empty) or whose process died mid-send.
          notifier.recoverStaleDeliveries(config.recoveryAfterSeconds).catch((e) => log.warn({ err: String(e) }, 'queued resend failed'));
        }, Math.min(60, Math.ceil(config.recoveryAfterSeconds / 2)) * 1000);
        heldTimer.unref();
        // The SLA safety net: whatever a lost timer job or a crash missed, read from the deadline
        // index (the cost follows the number due, not the number open). Settings refresh with it.
        slaTimer = setInterval(() => {
          slaSettings.refresh()
            .then(() => sla.sweep((now, limit) => slaSettings.due(now, limit)))
            .catch((e) => log.warn({ err: String(e) }, 'SLA sweep failed'));
        }, config.slaSweepSeconds * 1000);
        slaTimer.unref();
        // Unanswered surveys get their one reminder (a partial index keeps this to the due ones).
        surveyTimer = setInterval(() => {
          surveys.remindDue().catch((e) => log.warn({ err: String(e) }, 'survey reminders failed'));
        }, 60_000);
        surveyTimer.unref();
      }
    },
    async close() {
      if (heldTimer) clearInterval(heldTimer);
      if (slaTimer) clearInterval(slaTimer);
      if (surveyTimer) clearInterval(surveyTimer);
      for (const c of channels) if (c.enabled) await c.stop?.().catch(() => undefined);
      await relay.stop();
      await queue.close();
      await guards.close();
      if (jobDb !== db) await jobDb.close();
      if (readDb !== db) await readDb.close();
      if (!opts.db) await db.close();
    },
  };
}
