import os from 'node:os';
import path from 'node:path';

/** Real services on loopback, as on these machines and in CI. */
export const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Each jest run has its own templates (named after the run's process id, which global setup puts in
 * HUB_TEST_RUN for the workers), so several runs on one machine never touch each other's databases.
 */
export const RUN_ID = process.env.HUB_TEST_RUN ?? String(process.pid);
export const TEMPLATE_DB = `hub_tpl_${RUN_ID}`;
export const DB_PREFIX = `hub_t_${RUN_ID}_`;
export const PGLITE_TEMPLATE = path.join(os.tmpdir(), `hub-1022-pglite-template-${RUN_ID}.tar.gz`);

export function urlForDatabase(name: string): string {
  const u = new URL(TEST_PG_URL);
  u.pathname = '/' + name;
  return u.toString();
}
