import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { AttachmentStore } from '../attachments/store';
import type { Database } from '../db/database';
import {
  BACKUP_FORMAT, BACKUP_FORMAT_VERSION, BackupError, MANIFEST_FILE, attachmentFile, tableFile, type Manifest,
} from './manifest';
import { NOT_DUMPED, TEXT_SETTINGS, appliedMigrations, exportTable, readSequences, readTables } from './table-data';
import { TarWriter } from './tar';

export type BackupResult = {
  file: string;
  manifest: Manifest;
  /** Size of the archive on disk. */
  bytes: number;
  /** Time spent in the snapshot transaction, and in total. */
  snapshotMs: number;
  ms: number;
  warnings: string[];
};

export type BackupOptions = { onProgress?: (line: string) => void; now?: () => Date };

async function readAll(stream: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  return Buffer.concat(parts);
}

/**
 * Backs the hub up into one .tar.gz: every table's rows (COPY text format) read in one
 * REPEATABLE READ, READ ONLY transaction (a consistent snapshot on PostgreSQL while the hub keeps
 * running; PGlite has a single connection anyway), the attachment files those rows name, and a
 * manifest with row counts and sha256 checksums. Tables are staged in a temporary folder next to
 * the output, so the snapshot transaction ends before the archive is compressed and no table is
 * ever held in memory. The archive appears under its name only once complete.
 */
export async function createBackup(db: Database, store: AttachmentStore, outFile: string, opts: BackupOptions = {}): Promise<BackupResult> {
  const t0 = Date.now();
  const progress = opts.onProgress ?? (() => undefined);
  const out = path.resolve(outFile);
  if (fs.existsSync(out)) {
    throw new BackupError('output_exists', `Tệp ${out} đã tồn tại: chọn tên khác.`, `${out} already exists: choose another name.`);
  }
  await fsp.mkdir(path.dirname(out), { recursive: true });
  const staging = await fsp.mkdtemp(path.join(path.dirname(out), '.hub-backup-'));
  const partial = `${out}.${randomBytes(4).toString('hex')}.partial`;
  const warnings: string[] = [];
  const createdAt = (opts.now?.() ?? new Date()).toISOString();
  let abort: () => void = () => undefined;
  try {
    const snap = await db.transaction(async (tx) => {
      // First statement of the transaction, as SET TRANSACTION requires.
      await tx.exec(`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; ${TEXT_SETTINGS}`);
      const serverVersion = (await tx.query<{ v: string }>('SELECT version() AS v'))[0]!.v;
      const migrations = await appliedMigrations(tx);
      const tables = (await readTables(tx)).filter((t) => !NOT_DUMPED.has(t.name));
      const dumped: Manifest['tables'] = [];
      for (const t of tables) {
        const fh = await fsp.open(path.join(staging, `${t.name}.tsv`), 'w');
        try {
          const d = await exportTable(tx, t, async (chunk) => { await fh.write(chunk); });
          dumped.push({ name: t.name, file: tableFile(t.name), columns: t.columns.map((c) => ({ name: c.name, type: c.type })), ...d });
          progress(`  ${t.name}: ${d.rows} rows`);
        } finally {
          await fh.close();
        }
      }
      const sequences = await readSequences(tx);
      const files = tables.some((t) => t.name === 'attachments')
        ? await tx.query<{ key: string; sha256: string }>(
          'SELECT DISTINCT ON (storage_key COLLATE "C") storage_key AS key, sha256 FROM attachments ORDER BY storage_key COLLATE "C", id COLLATE "C"')
        : [];
      return { serverVersion, migrations, tables: dumped, sequences, files };
    });
    const snapshotMs = Date.now() - t0;

    const manifest: Manifest = {
      format: BACKUP_FORMAT, formatVersion: BACKUP_FORMAT_VERSION, createdAt, engine: db.engine,
      serverVersion: snap.serverVersion, migrations: snap.migrations, tables: snap.tables, sequences: snap.sequences,
      attachments: [], missingAttachments: [],
    };
    const gzip = createGzip({ level: 6 });
    const sink = fs.createWriteStream(partial, { flags: 'wx' });
    // A write error (disk full) must fail the backup, not leave it waiting for 'drain' forever.
    sink.on('error', (e) => gzip.destroy(e));
    gzip.pipe(sink);
    const done = finished(sink);
    done.catch(() => undefined); // awaited below; this only keeps an early failure from being "unhandled"
    abort = () => { gzip.destroy(); sink.destroy(); };
    const tar = new TarWriter(gzip, new Date(createdAt));
    for (const t of manifest.tables) await tar.add(t.file, t.bytes, fs.createReadStream(path.join(staging, `${t.name}.tsv`)));
    // The files the snapshot's rows name, one in memory at a time (ingest caps them at 20 MB).
    for (const f of snap.files) {
      const stream = await store.get(f.key);
      if (!stream) {
        manifest.missingAttachments.push(f.key);
        warnings.push(`attachment ${f.key}: no file in the store`);
        continue;
      }
      const data = await readAll(stream);
      const sha256 = createHash('sha256').update(data).digest('hex');
      if (sha256 !== f.sha256) warnings.push(`attachment ${f.key}: the file's sha256 differs from the one recorded at ingest (backed up as found)`);
      await tar.add(attachmentFile(f.key), data.length, data);
      manifest.attachments.push({ key: f.key, file: attachmentFile(f.key), size: data.length, sha256 });
    }
    if (manifest.attachments.length) progress(`  attachments: ${manifest.attachments.length} files`);
    // Last, because it carries the attachments' checksums; a restore reads the whole archive first anyway.
    const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2) + '\n', 'utf8');
    await tar.add(MANIFEST_FILE, manifestBytes.length, manifestBytes);
    await tar.finish();
    gzip.end();
    await done;
    const fh = await fsp.open(partial, 'r+');
    try { await fh.sync(); } finally { await fh.close(); }
    await fsp.rename(partial, out);
    const bytes = (await fsp.stat(out)).size;
    return { file: out, manifest, bytes, snapshotMs, ms: Date.now() - t0, warnings };
  } catch (err) {
    abort();
    await fsp.rm(partial, { force: true });
    throw err;
  } finally {
    await fsp.rm(staging, { recursive: true, force: true });
  }
}
