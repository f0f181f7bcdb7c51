import fs from 'node:fs';
import { Client } from 'pg';
import { loadCategories } from '../../src/db/catalog';
import { migrate } from '../../src/db/migrate';
import { openPglite } from '../../src/db/pglite';
import { openPostgres } from '../../src/db/postgres';

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

/** Migrates once per run: a Postgres template database and a PGlite data dump, cloned per test file. */
export default async function globalSetup(): Promise<void> {
  process.env.HUB_TEST_RUN = String(process.pid);
  const { PGLITE_TEMPLATE, TEMPLATE_DB, TEST_PG_URL, urlForDatabase } = await import('./env');
  const admin = new Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  // Leftovers of interrupted earlier runs (their process is gone); other live runs are left alone.
  const stale = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname ~ '^hub_(t|tpl)_[0-9]+'`);
  for (const r of stale.rows) {
    const pid = Number(/^hub_(?:t|tpl)_(\d+)/.exec(r.datname)?.[1]);
    if (!alive(pid)) await admin.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
  }
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  await admin.end();
  const pg = await openPostgres(urlForDatabase(TEMPLATE_DB), 2);
  await migrate(pg);
  await loadCategories(pg);
  await pg.close();

  const lite = await openPglite('memory://');
  await migrate(lite);
  await loadCategories(lite);
  const blob = await lite.dump();
  fs.writeFileSync(PGLITE_TEMPLATE, Buffer.from(await blob.arrayBuffer()));
  await lite.close();
}
