import os from 'node:os';
import path from 'node:path';

/** Real services on loopback, as on these machines and in CI. */
export const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TEMPLATE_DB = 'hub_test_template';
export const PGLITE_TEMPLATE = path.join(os.tmpdir(), 'hub-1022-pglite-template.tar.gz');

export function urlForDatabase(name: string): string {
  const u = new URL(TEST_PG_URL);
  u.pathname = '/' + name;
  return u.toString();
}
