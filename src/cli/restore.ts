import path from 'node:path';
import { FsAttachmentStore } from '../attachments/store';
import { loadConfig } from '../config';
import { openDatabase } from '../db/open';
import { BackupError } from '../ops/manifest';
import { restoreBackup, verifyArchive } from '../ops/restore';
import { formatBytes, textTable } from '../ops/summary';

/**
 * npm run restore -- FILE.tar.gz        restore into an empty hub (DATABASE_URL or DATA_DIR)
 * npm run restore -- --check FILE.tar.gz  only check the archive against its manifest
 * The hub must not be running on the target while it is restored.
 */
async function run() {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const files = args.filter((a) => a !== '--check');
  if (files.length !== 1 || files[0]!.startsWith('--')) {
    process.stderr.write('usage: npm run restore -- [--check] FILE.tar.gz\n');
    process.exit(2);
  }
  const file = path.resolve(files[0]!);
  if (check) {
    const m = await verifyArchive(file);
    process.stdout.write(`archive ok: ${m.tables.length} tables, ${m.tables.reduce((s, t) => s + t.rows, 0)} rows, `
      + `${m.attachments.length} attachments; made ${m.createdAt} on ${m.engine}, schema ${m.migrations.at(-1) ?? '(none)'}\n`);
    return;
  }
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    process.stdout.write(`restoring ${file} into ${config.databaseUrl ? 'PostgreSQL' : `PGlite in ${config.dataDir}`} …\n`);
    const store = new FsAttachmentStore(path.join(config.dataDir, 'attachments'));
    const r = await restoreBackup(db, store, file, { onProgress: (l) => process.stdout.write(l + '\n') });
    const want = new Map(r.manifest.tables.map((t) => [t.name, t]));
    const rows = r.tables.map((t) => [t.name, t.rows, want.get(t.name)!.rows, t.sha256 === want.get(t.name)!.sha256 ? 'ok' : 'DIFFERENT']);
    process.stdout.write('\n' + textTable(['table', 'rows restored', 'rows in backup', 'checksum'], rows));
    process.stdout.write(`attachments: ${r.attachments.files} files, ${formatBytes(r.attachments.bytes)}, read back and checked\n`);
    if (r.manifest.missingAttachments.length) process.stdout.write(`note: ${r.manifest.missingAttachments.length} attachments were already missing when the backup was made\n`);
    if (r.migratedAfter.length) process.stdout.write(`migrations applied after the restore: ${r.migratedAfter.join(', ')}\n`);
    process.stdout.write(`\nrestored and verified in ${r.ms} ms (triggers quiet via ${r.triggerMode === 'replica' ? 'session_replication_role' : 'table ownership'})\n`);
  } finally {
    await db.close();
  }
}

run().catch((e) => {
  if (e instanceof BackupError) process.stderr.write(`khôi phục thất bại: ${e.messageVi}\nrestore failed: ${e.messageEn}\n`);
  else process.stderr.write(`restore failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
