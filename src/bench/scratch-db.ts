import { Client } from 'pg';

/**
 * Benchmarks measure on their own empty databases, created beside the server's admin database and
 * dropped afterwards, so no run inherits another's rows or backlog.
 */
export function scratchDatabaseUrl(adminUrl: string, name: string): string {
  const u = new URL(adminUrl);
  u.pathname = '/' + name;
  return u.toString();
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const c = new Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** Drops the database if a failed run left it, creates it empty, and returns its URL. */
export async function createScratchDatabase(adminUrl: string, name: string): Promise<string> {
  await dropScratchDatabase(adminUrl, name);
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  return scratchDatabaseUrl(adminUrl, name);
}

export async function dropScratchDatabase(adminUrl: string, name: string): Promise<void> {
  await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
