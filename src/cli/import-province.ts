import { importProvince } from '../admin-units/import';
import { loadConfig } from '../config';
import { migrate } from '../db/migrate';
import { openDatabase } from '../db/open';

/**
 * npm run import-province -- CODE [BOUNDARIES.geojson]
 * Loads a province and its communes (2025 structure) from data/vn-admin/units-34.json.
 */
async function run() {
  const [code, boundaries] = process.argv.slice(2);
  if (!code || !/^\d{2}$/.test(code)) {
    process.stderr.write('usage: npm run import-province -- <2-digit province code> [communes.geojson]\n');
    process.exit(2);
  }
  const db = await openDatabase(loadConfig());
  await migrate(db);
  const r = await importProvince(db, code, boundaries);
  process.stdout.write(`${r.province}: ${r.communes} communes, ${r.boundaries} boundaries\n`);
  await db.close();
}
run().catch((e) => { process.stderr.write(`import failed: ${e instanceof Error ? e.message : String(e)}\n`); process.exit(1); });
