import fs from 'node:fs';
import { Client } from 'pg';
import type { Database } from '../../src/db/database';
import { openPglite } from '../../src/db/pglite';
import { openPostgres } from '../../src/db/postgres';
import { DB_PREFIX, PGLITE_TEMPLATE, TEMPLATE_DB, TEST_PG_URL, urlForDatabase } from './env';

export type Engine = 'postgres' | 'pglite';
export const ENGINES: Engine[] = ['postgres', 'pglite'];

let counter = 0;

/** A fresh, migrated database for one test file: a copy of the template, dropped by close(). */
export async function freshDatabase(engine: Engine): Promise<Database & { url?: string }> {
  if (engine === 'pglite') {
    const blob = new Blob([fs.readFileSync(PGLITE_TEMPLATE)]);
    return openPglite('memory://', blob);
  }
  const name = `${DB_PREFIX}${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const admin = new Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}" TEMPLATE ${TEMPLATE_DB}`);
  await admin.end();
  const url = urlForDatabase(name);
  const db = await openPostgres(url, 10);
  return {
    ...db,
    url,
    async close() {
      await db.close();
      const a = new Client({ connectionString: TEST_PG_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await a.end();
    },
  };
}
