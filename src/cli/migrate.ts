import { loadConfig } from '../config';
import { migrate } from '../db/migrate';
import { openDatabase } from '../db/open';

/** npm run migrate: applies pending migrations to DATABASE_URL (or the embedded database). */
async function run() {
  const config = loadConfig();
  const db = await openDatabase(config);
  const applied = await migrate(db);
  process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema is up to date\n');
  await db.close();
}
run().catch((e) => { process.stderr.write(`migration failed: ${e instanceof Error ? e.message : String(e)}\n`); process.exit(1); });
