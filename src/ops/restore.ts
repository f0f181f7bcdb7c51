import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { AttachmentStore } from '../attachments/store';
import type { Database, Queryable } from '../db/database';
import { migrate, readMigrations, type Migration } from '../db/migrate';
import { decodeCopyLine, splitLines } from './copy-text';
import {
  BACKUP_FORMAT_VERSION, BackupError, MANIFEST_FILE, manifestSchema, type Manifest, type TableManifest,
} from './manifest';
import { NOT_DUMPED, TEXT_SETTINGS, appliedMigrations, exportTable, ident, readTables, type Table } from './table-data';
import { TarFormatError, readTar, type TarEntry } from './tar';

/** Rows the hub writes by itself at every start (data/categories.json): not a sign of a used database. */
const RELOADED_AT_START = new Set(['categories', 'priorities']);
const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;
const BATCH_ROWS = 1000;
const BATCH_BYTES = 4 * 1024 * 1024;

export type RestoreResult = {
  manifest: Manifest;
  tables: { name: string; rows: number; sha256: string }[];
  attachments: { files: number; bytes: number };
  /** How triggers and foreign keys were kept quiet during the load. */
  triggerMode: 'replica' | 'owner';
  /** Migrations newer than the backup, applied after the data was loaded and verified. */
  migratedAfter: string[];
  ms: number;
};

export type RestoreOptions = { onProgress?: (line: string) => void; migrations?: Migration[] };

const corrupt = (why: string) => new BackupError('archive_corrupt',
  `Tệp sao lưu bị hỏng hoặc không đầy đủ (${why}). Không có gì được thay đổi.`,
  `The backup archive is damaged or incomplete (${why}). Nothing was changed.`);

function asCorrupt(err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (err instanceof TarFormatError) return corrupt(err.message);
  if (typeof code === 'string' && code.startsWith('Z_')) return corrupt(`gzip: ${(err as Error).message}`);
  return err;
}

async function* guarded<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    for await (const x of source) yield x;
  } catch (err) {
    throw asCorrupt(err);
  }
}

/**
 * The archive's entries, with gzip and tar damage reported as one clear error, wherever it shows
 * (an entry's body is read by the caller, outside this generator).
 */
async function* entries(file: string): AsyncGenerator<TarEntry> {
  const raw = fs.createReadStream(file);
  const gunzip = createGunzip();
  raw.on('error', (e) => gunzip.destroy(e));
  raw.pipe(gunzip);
  try {
    for await (const e of guarded(readTar(gunzip))) yield { ...e, body: () => guarded(e.body()) };
  } finally {
    raw.destroy();
    gunzip.destroy();
  }
}

/**
 * Reads the whole archive once: every entry's size and sha256 (and a table's line count) must
 * match the manifest, and nothing may be missing or extra. Touches no database.
 */
export async function verifyArchive(file: string): Promise<Manifest> {
  if (!fs.existsSync(file)) throw new BackupError('archive_corrupt', `Không tìm thấy tệp ${file}.`, `No such file: ${file}.`);
  const seen = new Map<string, { size: number; sha256: string; lines: number }>();
  let manifestText: string | null = null;
  for await (const e of entries(file)) {
    if (seen.has(e.name)) throw corrupt(`${e.name} appears twice`);
    const hash = createHash('sha256');
    const keep: Buffer[] = [];
    let size = 0;
    let lines = 0;
    for await (const chunk of e.body()) {
      hash.update(chunk);
      size += chunk.length;
      for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) lines++;
      if (e.name === MANIFEST_FILE) {
        if (size > MAX_MANIFEST_BYTES) throw corrupt('manifest too large');
        keep.push(chunk);
      }
    }
    seen.set(e.name, { size, sha256: hash.digest('hex'), lines });
    if (e.name === MANIFEST_FILE) manifestText = Buffer.concat(keep).toString('utf8');
  }
  if (manifestText === null) throw corrupt(`no ${MANIFEST_FILE}`);
  let json: unknown;
  try { json = JSON.parse(manifestText); } catch { throw corrupt(`${MANIFEST_FILE} is not JSON`); }
  const format = (json as { format?: unknown; formatVersion?: unknown } | null);
  if (format && typeof format.formatVersion === 'number' && format.formatVersion > BACKUP_FORMAT_VERSION) {
    throw new BackupError('archive_unsupported', `Tệp sao lưu có định dạng mới hơn (phiên bản ${format.formatVersion}): hãy cập nhật 1022 Hub.`,
      `The archive's format (version ${format.formatVersion}) is newer than this hub understands: update 1022 Hub first.`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw corrupt(`${MANIFEST_FILE} is not a 1022 Hub manifest: ${parsed.error.issues[0]?.message ?? ''}`);
  const m = parsed.data;
  const expected = new Map<string, { size: number; sha256: string; rows?: number }>();
  for (const t of m.tables) expected.set(t.file, { size: t.bytes, sha256: t.sha256, rows: t.rows });
  for (const a of m.attachments) expected.set(a.file, { size: a.size, sha256: a.sha256 });
  for (const [name, want] of expected) {
    const got = seen.get(name);
    if (!got) throw corrupt(`${name} is missing`);
    if (got.size !== want.size || got.sha256 !== want.sha256) throw corrupt(`checksum mismatch in ${name}`);
    if (want.rows !== undefined && got.lines !== want.rows) throw corrupt(`${name} has ${got.lines} rows, the manifest says ${want.rows}`);
  }
  for (const name of seen.keys()) if (name !== MANIFEST_FILE && !expected.has(name)) throw corrupt(`unexpected entry ${name}`);
  return m;
}

async function nonEmptyTables(db: Database): Promise<{ table: string; rows: number }[]> {
  const out: { table: string; rows: number }[] = [];
  for (const t of await readTables(db)) {
    if (NOT_DUMPED.has(t.name) || RELOADED_AT_START.has(t.name)) continue;
    const n = Number((await db.query<{ n: number }>(`SELECT count(*) AS n FROM ${ident(t.name)}`))[0]?.n ?? 0);
    if (n > 0) out.push({ table: t.name, rows: n });
  }
  return out;
}

/**
 * Silences triggers (the IOC rollups are restored as dumped, not counted again) and foreign keys
 * for the load. `session_replication_role = replica` needs a superuser (or, on PostgreSQL 15+,
 * `GRANT SET ON PARAMETER session_replication_role`); otherwise, as the tables' owner, user
 * triggers are disabled and the foreign keys are deferred to the end of the load. All of it is
 * transaction-local or undone before commit.
 */
async function quietTriggers(tx: Queryable, tables: Table[]): Promise<{ mode: 'replica' | 'owner'; undo: () => Promise<void> }> {
  await tx.exec('SAVEPOINT restore_replica');
  try {
    await tx.exec('SET LOCAL session_replication_role = replica');
    await tx.exec('RELEASE SAVEPOINT restore_replica');
    return { mode: 'replica', undo: async () => undefined };
  } catch {
    await tx.exec('ROLLBACK TO SAVEPOINT restore_replica');
  }
  const names = new Set(tables.map((t) => t.name));
  const fks = (await tx.query<{ table: string; name: string }>(
    `SELECT c.relname::text AS table, con.conname::text AS name FROM pg_constraint con
     JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND con.contype = 'f' AND NOT con.condeferrable`)).filter((f) => names.has(f.table));
  const withTriggers = tables.filter((t) => t.userTriggers);
  try {
    for (const t of withTriggers) await tx.exec(`ALTER TABLE ${ident(t.name)} DISABLE TRIGGER USER`);
    for (const f of fks) await tx.exec(`ALTER TABLE ${ident(f.table)} ALTER CONSTRAINT ${ident(f.name)} DEFERRABLE INITIALLY DEFERRED`);
  } catch (err) {
    throw new BackupError('schema_mismatch',
      'Không tắt được trigger khi nạp dữ liệu: cần quyền superuser, quyền SET session_replication_role, hoặc là chủ sở hữu các bảng.',
      `Cannot silence triggers for the load: restore as a superuser, as a role granted SET on session_replication_role, or as the tables' owner (${(err as Error).message}).`);
  }
  return {
    mode: 'owner',
    undo: async () => {
      // Every deferred foreign key is checked here, once, over the whole load.
      await tx.exec('SET CONSTRAINTS ALL IMMEDIATE');
      for (const f of fks) await tx.exec(`ALTER TABLE ${ident(f.table)} ALTER CONSTRAINT ${ident(f.name)} NOT DEFERRABLE`);
      for (const t of withTriggers) await tx.exec(`ALTER TABLE ${ident(t.name)} ENABLE TRIGGER USER`);
    },
  };
}

/** Loads one table's COPY lines in batches of INSERT … SELECT over a JSON array (same on both engines). */
async function loadTable(tx: Queryable, tm: TableManifest, target: Table, body: AsyncIterable<Buffer>): Promise<number> {
  const types = tm.columns.map((c) => target.columns.find((x) => x.name === c.name)!.type);
  const identity = target.columns.some((c) => c.identity === 'a');
  const sql = `INSERT INTO ${ident(tm.name)} (${tm.columns.map((c) => ident(c.name)).join(', ')})${identity ? ' OVERRIDING SYSTEM VALUE' : ''}
    SELECT ${types.map((t, i) => `(r->>${i})::${t}`).join(', ')} FROM json_array_elements($1::json) AS r`;
  let batch: (string | null)[][] = [];
  let bytes = 0;
  let rows = 0;
  const flush = async () => {
    if (!batch.length) return;
    await tx.query(sql, [JSON.stringify(batch)]);
    rows += batch.length;
    batch = [];
    bytes = 0;
  };
  for await (const line of splitLines(body)) {
    let values: (string | null)[];
    try { values = decodeCopyLine(line); } catch (e) { throw corrupt(`${tm.file}: ${(e as Error).message}`); }
    if (values.length !== tm.columns.length) throw corrupt(`${tm.file}: a row has ${values.length} columns, expected ${tm.columns.length}`);
    batch.push(values);
    bytes += line.length;
    if (batch.length >= BATCH_ROWS || bytes >= BATCH_BYTES) await flush();
  }
  await flush();
  return rows;
}

/**
 * Restores an archive into an empty hub database and attachment store:
 * 1. the whole archive is checked against its manifest (nothing is touched if it is damaged);
 * 2. the target must hold no data, and the backup's migrations must be known to this build;
 * 3. the schema is migrated to exactly the backup's version;
 * 4. in one transaction: triggers and foreign keys quiet, tables loaded in dependency order,
 *    sequences set (never below a table's largest id), attachment files written and read back,
 *    every table's row count and checksum recomputed from the database and compared with the
 *    manifest; any difference rolls the whole load back;
 * 5. migrations newer than the backup run last, as they would have on the old instance.
 */
export async function restoreBackup(db: Database, store: AttachmentStore, file: string, opts: RestoreOptions = {}): Promise<RestoreResult> {
  const t0 = Date.now();
  const progress = opts.onProgress ?? (() => undefined);
  const manifest = await verifyArchive(file);
  progress(`archive ok: ${manifest.tables.length} tables, ${manifest.attachments.length} attachments (${manifest.engine}, ${manifest.createdAt})`);

  const known = opts.migrations ?? readMigrations();
  const knownVersions = new Set(known.map((m) => m.version));
  const unknown = manifest.migrations.filter((v) => !knownVersions.has(v));
  if (unknown.length) {
    throw new BackupError('archive_unsupported',
      `Bản sao lưu được tạo bởi phiên bản 1022 Hub mới hơn (migration ${unknown.join(', ')}): hãy cập nhật trước khi khôi phục.`,
      `The backup was made by a newer 1022 Hub (migrations ${unknown.join(', ')}): update this hub before restoring.`, { unknown });
  }

  const used = await nonEmptyTables(db);
  if (used.length) {
    const list = used.map((u) => `${u.table} (${u.rows})`).join(', ');
    throw new BackupError('target_not_empty',
      `Cơ sở dữ liệu đích đã có dữ liệu: ${list}. Chỉ khôi phục vào một cơ sở dữ liệu trống.`,
      `The target database is not empty: ${list}. Restore only into an empty database.`, { tables: used });
  }
  const backupVersions = new Set(manifest.migrations);
  const ahead = (await appliedMigrations(db)).filter((v) => !backupVersions.has(v));
  if (ahead.length) {
    throw new BackupError('schema_mismatch',
      `Cơ sở dữ liệu đích đã ở lược đồ mới hơn bản sao lưu (${ahead.join(', ')}): hãy khôi phục vào một cơ sở dữ liệu mới tạo.`,
      `The target database's schema is newer than the backup's (${ahead.join(', ')}): restore into a newly created database.`, { ahead });
  }
  await migrate(db, known.filter((m) => backupVersions.has(m.version)));

  const targetTables = new Map((await readTables(db)).map((t) => [t.name, t]));
  for (const tm of manifest.tables) {
    const t = targetTables.get(tm.name);
    const problem = !t ? 'missing' : tm.columns.find((c) => t.columns.find((x) => x.name === c.name)?.type !== c.type)?.name;
    if (problem) {
      throw new BackupError('schema_mismatch',
        `Lược đồ đích không khớp bản sao lưu ở bảng ${tm.name} (${problem}).`,
        `The target schema does not match the backup at table ${tm.name} (${problem === 'missing' ? 'no such table' : `column ${problem}`}).`);
    }
  }
  const loadTables = manifest.tables.map((tm) => targetTables.get(tm.name)!);
  const byFile = new Map(manifest.tables.map((tm) => [tm.file, tm]));
  const byAttachment = new Map(manifest.attachments.map((a) => [a.file, a]));

  const loaded = await db.transaction(async (tx) => {
    await tx.exec(TEXT_SETTINGS);
    const quiet = await quietTriggers(tx, loadTables);
    // Only the catalogue rows a hub start writes can be there; the archive has its own copy.
    if (loadTables.length) await tx.exec(`TRUNCATE ${loadTables.map((t) => ident(t.name)).join(', ')}`);
    let files = 0;
    let fileBytes = 0;
    for await (const e of entries(file)) {
      const tm = byFile.get(e.name);
      if (tm) {
        const n = await loadTable(tx, tm, targetTables.get(tm.name)!, e.body());
        progress(`  ${tm.name}: ${n} rows`);
        continue;
      }
      const a = byAttachment.get(e.name);
      if (a) {
        const parts: Buffer[] = [];
        for await (const c of e.body()) parts.push(c);
        await store.put(a.key, Buffer.concat(parts));
        const back = await store.get(a.key);
        const hash = createHash('sha256');
        if (back) for await (const c of back) hash.update(c as Buffer);
        if (!back || hash.digest('hex') !== a.sha256) {
          throw new BackupError('verification_failed', `Tệp đính kèm ${a.key} đọc lại không khớp.`, `Attachment ${a.key} does not read back intact.`);
        }
        files++;
        fileBytes += a.size;
      }
    }
    if (files) progress(`  attachments: ${files} files`);

    for (const s of manifest.sequences) {
      const exists = (await tx.query<{ r: string | null }>('SELECT to_regclass($1)::text AS r', [ident(s.name)]))[0]?.r;
      if (!exists) continue;
      let value = BigInt(s.lastValue);
      let called = s.isCalled;
      if (s.table && s.column && targetTables.has(s.table)) {
        const max = (await tx.query<{ m: string | null }>(`SELECT max(${ident(s.column)})::text AS m FROM ${ident(s.table)}`))[0]?.m;
        // Never hand out an id a restored row already has.
        if (max !== null && max !== undefined && (BigInt(max) > value || (BigInt(max) === value && !called))) {
          value = BigInt(max);
          called = true;
        }
      }
      await tx.query('SELECT setval($1::regclass, $2::bigint, $3::boolean)', [ident(s.name), value.toString(), called]);
    }
    await quiet.undo();

    const tables: RestoreResult['tables'] = [];
    const mismatches: string[] = [];
    for (const tm of manifest.tables) {
      const t = targetTables.get(tm.name)!;
      const view: Table = { ...t, columns: tm.columns.map((c) => t.columns.find((x) => x.name === c.name)!) };
      const d = await exportTable(tx, view);
      if (d.rows !== tm.rows || d.sha256 !== tm.sha256) mismatches.push(`${tm.name} (rows ${d.rows}/${tm.rows})`);
      tables.push({ name: tm.name, rows: d.rows, sha256: d.sha256 });
    }
    if (mismatches.length) {
      throw new BackupError('verification_failed',
        `Kiểm tra sau khi nạp thất bại, đã hoàn tác: ${mismatches.join(', ')}.`,
        `Verification after the load failed, the load was rolled back: ${mismatches.join(', ')}.`, { mismatches });
    }
    return { tables, attachments: { files, bytes: fileBytes }, triggerMode: quiet.mode };
  });

  const migratedAfter = await migrate(db, known);
  return { manifest, ...loaded, migratedAfter, ms: Date.now() - t0 };
}
