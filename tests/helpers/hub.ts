import supertest from 'supertest';
import type { Express } from 'express';
import { loadConfig } from '../../src/config';
import type { Database } from '../../src/db/database';
import { createApp } from '../../src/http/app';
import { createHub, type Hub, type HubOptions } from '../../src/hub';
import { silentLogger } from '../../src/shared/logger';
import { hashPassword } from '../../src/staff/password';
import type { StaffRole } from '../../src/workflow/types';
import { freshDatabase, type Engine } from './db';

export type TestHub = { hub: Hub; app: Express; db: Database; close(): Promise<void> };

/** Tests send many requests from 127.0.0.1: per-IP limits are off unless a test sets them (tests/rate-limit.test.ts). */
export const RATE_LIMITS_OFF = {
  RATE_LIMIT_REPORTS_PER_MINUTE: '0', RATE_LIMIT_TRACKING_PER_MINUTE: '0', RATE_LIMIT_OPEN311_PER_MINUTE: '0',
  RATE_LIMIT_PUBLIC_PER_MINUTE: '0', RATE_LIMIT_LOGIN_PER_MINUTE: '0',
};

export async function startTestHub(engine: Engine, env: Record<string, string> = {}, opts: HubOptions & { start?: boolean } = {}): Promise<TestHub> {
  const db = opts.db ?? (await freshDatabase(engine));
  const config = loadConfig({ DATA_DIR: '/tmp/hub-test-unused', PUBLIC_BASE_URL: 'http://hub.test', DEMO: '0', LOG_LEVEL: 'silent', SMTP_INBOUND_PORT: '0', ...RATE_LIMITS_OFF, ...env });
  const hub = await createHub(config, { log: silentLogger, relayPollMs: 50, ...opts, db });
  if (opts.start !== false) await hub.start();
  const app = createApp(hub);
  return {
    hub, app, db,
    async close() {
      await hub.close();
      if (!opts.db) await db.close();
    },
  };
}

/** Fixture: agencies A and B, and one user per role (agency users in A or B). */
export async function seedPeople(db: Database) {
  const hash = await hashPassword('correct horse battery');
  const agency = async (code: string, name: string) =>
    (await db.query<{ id: number }>(`INSERT INTO agencies (code, name_vi, name_en, kind) VALUES ($1,$2,$2,'department') RETURNING id`, [code, name]))[0]!.id;
  const a = await agency('agency-a', 'Đơn vị A');
  const b = await agency('agency-b', 'Đơn vị B');
  const user = async (email: string, role: StaffRole, agencyId: number | null) =>
    (await db.query<{ id: number }>(`INSERT INTO staff_users (email, display_name, role, agency_id, password_hash) VALUES ($1,$1,$2,$3,$4) RETURNING id`,
      [email, role, agencyId, hash]))[0]!.id;
  return {
    agencyA: a, agencyB: b, password: 'correct horse battery',
    ids: {
      operator: await user('op@test.vn', 'operator', null),
      supervisor: await user('sup@test.vn', 'supervisor', null),
      admin: await user('admin@test.vn', 'admin', null),
      staffA: await user('staff.a@test.vn', 'agency_staff', a),
      leadA: await user('lead.a@test.vn', 'agency_lead', a),
      staffA2: await user('staff2.a@test.vn', 'agency_staff', a),
      staffB: await user('staff.b@test.vn', 'agency_staff', b),
    },
  };
}

/** A logged-in supertest agent that sends the CSRF token on writes. */
export async function loginAs(app: Express, email: string, password = 'correct horse battery') {
  const agent = supertest.agent(app);
  const res = await agent.post('/api/v1/auth/login').send({ email, password });
  if (res.status !== 200) throw new Error(`login failed for ${email}: ${res.status} ${JSON.stringify(res.body)}`);
  const csrf = res.body.csrfToken as string;
  return {
    agent,
    get: (url: string) => agent.get(url),
    post: (url: string, body: unknown = {}) => agent.post(url).set('x-csrf-token', csrf).send(body as object),
    patch: (url: string, body: unknown = {}) => agent.patch(url).set('x-csrf-token', csrf).send(body as object),
    del: (url: string) => agent.delete(url).set('x-csrf-token', csrf),
  };
}

export async function submitReport(app: Express, body: Record<string, unknown> = {}) {
  return supertest(app).post('/api/v1/reports').send({ channel: 'web', text: 'Ổ gà lớn trước số 10 đường Lê Lợi, xe máy dễ ngã', ...body });
}
