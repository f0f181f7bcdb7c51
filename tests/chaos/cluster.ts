/**
 * A province's deployment on loopback, for the chaos test and the soak benchmark: a fresh
 * PostgreSQL database with Hưng Yên's agencies and routing, a Redis server of the run's own, fake
 * platform servers, and N API + M worker processes started from dist/main.js. Also the citizens'
 * side: each channel's request, signed the way its platform signs it, with platform-style retries.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { Client } from 'pg';
import twilio from 'twilio';
import { loadCategories } from '../../src/db/catalog';
import { migrate } from '../../src/db/migrate';
import { openPostgres } from '../../src/db/postgres';
import { seedDemo } from '../../src/demo/seed';
import { freePort } from '../helpers/net';
import { FakePlatforms } from './fakes';

export const ROOT = path.resolve(__dirname, '../..');
export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PUBLIC_BASE = 'http://1022.chaos.test';
let OUT = path.join(ROOT, 'bench-output', 'chaos');
let TAG = 'chaos';

export const S = {
  ZALO_APP_ID: '102719276611582260', ZALO_OA_SECRET: 'chaos-oa-secret', ZALO_APP_SECRET: 'chaos-app-secret', ZALO_TOKEN: 'chaos-zalo-at',
  FB_SECRET: 'chaos-fb-secret', FB_VERIFY: 'chaos-verify', FB_PAGE_TOKEN: 'chaos-page-token', PAGE_ID: '104857600000001',
  TW_SID: 'AC' + 'c'.repeat(32), TW_TOKEN: 'chaos-twilio-token', TW_FROM: '+15005550006', OPEN311_KEY: 'chaos-open311-key',
};

export type Channel = 'zalo' | 'facebook' | 'sms' | 'email' | 'web' | 'app' | 'open311';
export const CHANNELS: Channel[] = ['zalo', 'facebook', 'sms', 'email', 'web', 'app', 'open311'];
const TEXTS = [
  'Ổ gà lớn giữa đường, xe máy dễ ngã', 'Rác thải tồn đọng nhiều ngày đầu ngõ bốc mùi', 'Đèn đường hỏng cả đoạn, buổi tối rất tối',
  'Quán karaoke hát to sau 23 giờ', 'Cống thoát nước bị tắc, nước tràn ra đường', 'Hồ sơ cấp giấy chứng nhận đất chậm so với hẹn',
  'Cay xanh do chan ngang duong sau mua bao', 'Nuoc sinh hoat bi mat tu sang den gio',
];

export type Report = {
  n: number; channel: Channel; token: string; sender: string; eventId: string; text: string;
  acknowledged: boolean; attempts: number; statuses: string[];
};

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const log = (s: string) => process.stdout.write(`[${TAG} ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

// ---------------------------------------------------------------------------------------------
// Processes

/** Every child this run started: killed when the run ends, however it ends. */
const children = new Set<ChildProcess>();
process.on('exit', () => { for (const c of children) c.kill('SIGKILL'); });

export class Proc {
  child: ChildProcess | null = null;
  starts = 0;
  constructor(readonly name: string, readonly env: Record<string, string>, readonly port: number | null) {}
  start() {
    this.starts += 1;
    const out = fs.openSync(path.join(OUT, `${this.name}.log`), 'a');
    this.child = spawn(process.execPath, [path.join(ROOT, 'dist/main.js')], { env: { ...process.env, ...this.env }, stdio: ['ignore', out, out] });
    const child = this.child;
    children.add(child);
    child.on('exit', () => { children.delete(child); fs.closeSync(out); });
  }
  kill9() { this.child?.kill('SIGKILL'); this.child = null; }
  async stop() {
    const c = this.child;
    if (!c) return;
    this.child = null;
    c.kill('SIGTERM');
    await Promise.race([new Promise((r) => c.once('exit', r)), sleep(10_000).then(() => c.kill('SIGKILL'))]);
  }
  async ready(timeoutMs = 60_000) {
    if (this.port === null) { await sleep(1500); return; }
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      try { if ((await fetch(`http://127.0.0.1:${this.port}/readyz`)).status === 200) return; } catch { /* not yet */ }
      await sleep(200);
    }
    throw new Error(`${this.name} not ready in time (see ${OUT}/${this.name}.log)`);
  }
}

export class RedisProc {
  child: ChildProcess | null = null;
  constructor(readonly port: number) {}
  async start() {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' });
    this.child = child;
    children.add(child);
    child.on('exit', () => children.delete(child));
    for (let i = 0; i < 100; i++) {
      if (await new Promise<boolean>((r) => { const s = net.connect(this.port, '127.0.0.1', () => { s.end(); r(true); }); s.on('error', () => r(false)); })) return;
      await sleep(50);
    }
    throw new Error('redis-server did not start');
  }
  async restart() {
    const c = this.child;
    c?.kill('SIGKILL');
    if (c) await new Promise((r) => c.once('exit', r));
    await sleep(1000);
    await this.start();
  }
  stop() { this.child?.kill('SIGKILL'); }
}

// ---------------------------------------------------------------------------------------------
// Sending, the way each platform does it (signatures, retries of the same message id)

let apiPorts: number[] = [];
let smtpInboundPort = 0;
let rr = 0;
const nextApi = () => apiPorts[rr++ % apiPorts.length]!;

export async function post(pathname: string, body: string, headers: Record<string, string>, port = nextApi()): Promise<number> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), 10_000);
  try {
    const res = await fetch(`http://127.0.0.1:${port}${pathname}`, { method: 'POST', body, headers, signal: ctl.signal });
    await res.arrayBuffer();
    return res.status;
  } finally {
    clearTimeout(timer);
  }
}

function zaloRequest(r: Report) {
  const ts = String(Date.now());
  const body = JSON.stringify({
    app_id: S.ZALO_APP_ID, user_id_by_app: '7300442764876318465', event_name: 'user_send_text', timestamp: ts,
    sender: { id: r.sender }, recipient: { id: '1423847451268726170' }, message: { text: r.text, msg_id: r.eventId },
  });
  const mac = createHash('sha256').update(S.ZALO_APP_ID + body + ts + S.ZALO_OA_SECRET).digest('hex');
  return { path: '/webhooks/zalo', body, headers: { 'content-type': 'application/json', 'x-zevent-signature': `mac=${mac}` } };
}

function facebookRequest(r: Report) {
  const body = JSON.stringify({
    object: 'page',
    entry: [{ id: S.PAGE_ID, time: Date.now(), messaging: [{ sender: { id: r.sender }, recipient: { id: S.PAGE_ID }, timestamp: Date.now(), message: { mid: r.eventId, text: r.text } }] }],
  });
  const sig = 'sha256=' + createHmac('sha256', S.FB_SECRET).update(body).digest('hex');
  return { path: '/webhooks/facebook', body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': sig } };
}

function smsRequest(r: Report) {
  const params: Record<string, string> = {
    ToCountry: 'US', SmsMessageSid: r.eventId, NumMedia: '0', SmsSid: r.eventId, SmsStatus: 'received', Body: r.text,
    FromCountry: 'VN', To: S.TW_FROM, NumSegments: '1', MessageSid: r.eventId, AccountSid: S.TW_SID, From: r.sender, ApiVersion: '2010-04-01',
  };
  const sig = twilio.getExpectedTwilioSignature(S.TW_TOKEN, `${PUBLIC_BASE}/webhooks/twilio/sms`, params);
  return { path: '/webhooks/twilio/sms', body: new URLSearchParams(params).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sig } };
}

function reportRequest(r: Report) {
  const body = JSON.stringify({ channel: r.channel, text: r.text, clientRef: r.eventId, contact: { name: 'Công dân thử nghiệm' } });
  return { path: '/api/v1/reports', body, headers: { 'content-type': 'application/json' } };
}

function open311Request(r: Report) {
  const body = new URLSearchParams({
    api_key: S.OPEN311_KEY, service_code: 'giao-thong', lat: '20.6464', long: '106.0512', description: r.text,
    device_id: 'chaos-device', client_request_id: r.eventId,
  }).toString();
  return { path: '/open311/v2/requests.json', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } };
}

const mailer = () => nodemailer.createTransport({ host: '127.0.0.1', port: smtpInboundPort, secure: false, ignoreTLS: true, pool: true, maxConnections: 4 });
let mailTransport: ReturnType<typeof mailer> | null = null;
export function closeMail() { mailTransport?.close(); mailTransport = null; }

async function sendMail(r: Report): Promise<number> {
  mailTransport ??= mailer();
  try {
    await mailTransport.sendMail({ from: r.sender, to: '1022@hub.chaos.test', subject: 'Phản ánh', text: r.text, messageId: `<${r.eventId}@citizen.chaos.test>` });
    return 250;
  } catch (err) {
    const code = (err as { responseCode?: number }).responseCode;
    return code ?? 0;
  }
}

export async function attempt(r: Report): Promise<number> {
  if (r.channel === 'email') return sendMail(r);
  const req = r.channel === 'zalo' ? zaloRequest(r) : r.channel === 'facebook' ? facebookRequest(r) : r.channel === 'sms' ? smsRequest(r)
    : r.channel === 'open311' ? open311Request(r) : reportRequest(r);
  try { return await post(req.path, req.body, req.headers); } catch { return 0; }
}

export const ok = (status: number) => (status >= 200 && status < 300) || status === 250;

/** A platform's delivery: retried with backoff until answered 2xx (Meta and Zalo retry for hours; here up to ~60 s). */
export async function deliver(r: Report, duplicateRate = 0.15): Promise<void> {
  for (let i = 0; i < 8; i++) {
    r.attempts += 1;
    const status = await attempt(r);
    r.statuses.push(String(status));
    if (ok(status)) { r.acknowledged = true; break; }
    await sleep(Math.min(500 * 2 ** i, 15_000) * (0.5 + Math.random()));
  }
  // Platforms deliver some events twice even after a 200 (at-least-once): 15 % come again.
  if (r.acknowledged && Math.random() < duplicateRate) {
    await sleep(Math.random() * 3000);
    const again = await attempt(r);
    r.statuses.push(`dup:${again}`);
  }
}

export function makeReport(n: number): Report {
  const channel = CHANNELS[n % CHANNELS.length]!;
  const token = `CX${String(n).padStart(6, '0')}`;
  const sender = channel === 'zalo' ? `8309393969${String(800000000 + n)}`
    : channel === 'facebook' ? `7${String(100000000000000 + n)}`
      : channel === 'sms' ? `+8491${String(n).padStart(7, '0')}`
        : channel === 'email' ? `congdan${n}@mail.chaos.test` : '';
  const eventId = channel === 'sms' ? `SM${createHash('md5').update(token).digest('hex')}` : channel === 'facebook' ? `m_${randomBytes(10).toString('hex')}` : randomBytes(12).toString('hex');
  const text = `${TEXTS[n % TEXTS.length]} [${token}]`;
  return { n, channel, token, sender, eventId, text, acknowledged: false, attempts: 0, statuses: [] };
}


export type Cluster = {
  dbUrl: string; dbName: string; redis: RedisProc; fakes: FakePlatforms; apis: Proc[]; workers: Proc[];
  /** Stops every process; drops the database unless kept for inspection. */
  stop(keepDatabase: boolean): Promise<void>;
};

/**
 * Starts the deployment. `slaSeconds`: every agency keeps a 24/7 desk and every SLA target is this
 * short (response; resolution ×3), so timers come due during a run.
 */
export async function startCluster(o: { out: string; tag: string; apis: number; workers: number; slaSeconds?: number; env?: Record<string, string> }): Promise<Cluster> {
  OUT = o.out;
  TAG = o.tag;
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  if (!fs.existsSync(path.join(ROOT, 'dist/main.js'))) throw new Error('dist/main.js missing: run npm run build first');
  const dbName = `hub_${o.tag}_${process.pid}_${Date.now().toString(36)}`;
  const admin = new Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  await admin.end();
  const u = new URL(PG_URL); u.pathname = '/' + dbName;
  const dbUrl = u.toString();

  const redis = new RedisProc(await freePort());
  await redis.start();
  const fakes = new FakePlatforms({ zaloToken: S.ZALO_TOKEN, pageToken: S.FB_PAGE_TOKEN, twilioSid: S.TW_SID, twilioToken: S.TW_TOKEN });
  await fakes.start();

  // The province: Hưng Yên's units, agencies, staff and routing (no demo tickets). Every agency
  // keeps a 24/7 desk and every SLA target is a minute or two, so timers come due during the run.
  {
    const db = await openPostgres(dbUrl, 2);
    await migrate(db);
    await loadCategories(db);
    await seedDemo(db, { tickets: 0 });
    if (o.slaSeconds) {
      await db.query(`UPDATE agencies SET always_on = true`);
      await db.query(`DELETE FROM sla_policies`);
      await db.query(`INSERT INTO sla_policies (category_code, priority, response_amount, response_unit, resolution_amount, resolution_unit, warn_at_fraction)
                      SELECT NULL, code, $1::real, 'working_hours', $1::real * 3, 'working_hours', 0.5 FROM priorities`, [o.slaSeconds / 3600]);
    }
    await db.close();
  }

  smtpInboundPort = await freePort();
  const prefix = `${o.tag}${process.pid}`;
  const common: Record<string, string> = {
    DATABASE_URL: dbUrl, REDIS_URL: `redis://127.0.0.1:${redis.port}`, QUEUE_PREFIX: prefix, HOST: '127.0.0.1', PUBLIC_BASE_URL: PUBLIC_BASE,
    DEMO: '0', LOG_LEVEL: 'warn', SLA_SWEEP_SECONDS: '5', SMTP_URL: `smtp://127.0.0.1:${fakes.smtpPort}`,
    ZALO_APP_ID: S.ZALO_APP_ID, ZALO_OA_SECRET: S.ZALO_OA_SECRET, ZALO_APP_SECRET: S.ZALO_APP_SECRET, ZALO_OA_ACCESS_TOKEN: S.ZALO_TOKEN,
    ZALO_REFRESH_TOKEN: 'chaos-rt', ZALO_API_URL: fakes.url, ZALO_OAUTH_URL: fakes.url,
    FACEBOOK_APP_SECRET: S.FB_SECRET, FACEBOOK_VERIFY_TOKEN: S.FB_VERIFY, FACEBOOK_PAGE_TOKEN: S.FB_PAGE_TOKEN, FACEBOOK_GRAPH_URL: fakes.url,
    TWILIO_ACCOUNT_SID: S.TW_SID, TWILIO_AUTH_TOKEN: S.TW_TOKEN, TWILIO_FROM_NUMBER: S.TW_FROM, TWILIO_API_URL: fakes.url,
    OPEN311_API_KEYS: S.OPEN311_KEY, IOC_API_KEYS: 'chaos-ioc',
    // A load test from one address: the public rate limits would (rightly) refuse it.
    RATE_LIMIT_REPORTS_PER_MINUTE: '0', RATE_LIMIT_TRACKING_PER_MINUTE: '0', RATE_LIMIT_OPEN311_PER_MINUTE: '0', RATE_LIMIT_PUBLIC_PER_MINUTE: '0',
    RECOVERY_AFTER_SECONDS: '30',
    ...o.env,
  };
  apiPorts = [];
  for (let i = 0; i < o.apis; i++) apiPorts.push(await freePort());
  // The first API process hosts the SMTP listener (one port on a host).
  const apis = apiPorts.map((port, i) => new Proc(`api-${i + 1}`, { ...common, HUB_ROLE: 'api', PORT: String(port), SMTP_INBOUND_PORT: i === 0 ? String(smtpInboundPort) : '0' }, port));
  const workers = Array.from({ length: o.workers }, (_, i) => new Proc(`worker-${i + 1}`, { ...common, HUB_ROLE: 'worker', PORT: '0', SMTP_INBOUND_PORT: '0' }, null));
  for (const p of [...apis, ...workers]) p.start();
  for (const p of [...apis, ...workers]) await p.ready();
  return {
    dbUrl, dbName, redis, fakes, apis, workers,
    async stop(keepDatabase) {
      closeMail();
      for (const p of [...apis, ...workers]) await p.stop();
      redis.stop();
      await fakes.stop();
      if (keepDatabase) return;
      const a = new Client({ connectionString: PG_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
      await a.end();
    },
  };
}
