import path from 'node:path';
import { FsAttachmentStore } from '../attachments/store';
import { loadConfig } from '../config';
import { openDatabase } from '../db/open';
import { createBackup } from '../ops/backup';
import { BackupError } from '../ops/manifest';
import { formatBytes, textTable } from '../ops/summary';

/**
 * npm run backup -- [--out FILE]
 * Backs up the hub's database (DATABASE_URL, or the embedded PGlite in DATA_DIR) and its
 * attachment files into one .tar.gz. On PostgreSQL the hub may keep running (one consistent
 * snapshot); an embedded PGlite database must not be open in a running hub at the same time.
 */
function parseArgs(argv: string[]): { out: string } {
  let out: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--out' && argv[i + 1]) out = argv[++i]!;
    else if (a.startsWith('--out=')) out = a.slice(6);
    else {
      process.stderr.write('usage: npm run backup -- [--out FILE.tar.gz]\n');
      process.exit(2);
    }
  }
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return { out: out ?? path.join('backups', `hub-1022-${stamp}.tar.gz`) };
}

async function run() {
  const { out } = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    process.stdout.write(`backing up ${config.databaseUrl ? 'PostgreSQL' : `PGlite in ${config.dataDir}`} …\n`);
    // Where createHub keeps attachment files.
    const store = new FsAttachmentStore(path.join(config.dataDir, 'attachments'));
    const r = await createBackup(db, store, out);
    const rows = r.manifest.tables.map((t) => [t.name, t.rows, formatBytes(t.bytes), t.sha256.slice(0, 16)]);
    process.stdout.write(textTable(['table', 'rows', 'data', 'sha256 (start)'], rows));
    const files = r.manifest.attachments;
    process.stdout.write(`attachments: ${files.length} files, ${formatBytes(files.reduce((s, a) => s + a.size, 0))}`
      + (r.manifest.missingAttachments.length ? `, ${r.manifest.missingAttachments.length} missing from the store` : '') + '\n');
    for (const w of r.warnings) process.stdout.write(`warning: ${w}\n`);
    process.stdout.write(`\nbackup written: ${r.file} (${formatBytes(r.bytes)}, ${r.ms} ms; snapshot ${r.snapshotMs} ms)\n`);
  } finally {
    await db.close();
  }
}

run().catch((e) => {
  if (e instanceof BackupError) process.stderr.write(`sao lưu thất bại: ${e.messageVi}\nbackup failed: ${e.messageEn}\n`);
  else process.stderr.write(`backup failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
