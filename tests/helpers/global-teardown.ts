import fs from 'node:fs';
import { Client } from 'pg';
import { PGLITE_TEMPLATE, TEMPLATE_DB, TEST_PG_URL } from './env';

export default async function globalTeardown(): Promise<void> {
  const admin = new Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
  await admin.end();
  fs.rmSync(PGLITE_TEMPLATE, { force: true });
}
