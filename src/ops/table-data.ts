import { createHash } from 'node:crypto';
import type { Queryable } from '../db/database';
import { encodeCopyLine } from './copy-text';

/**
 * The schema as the backup sees it (tables, columns, keys, dependencies, sequences) and the one
 * export routine that both the backup and the restore's verification run, so a table's checksum
 * means the same thing on both sides and on both engines.
 */

export type Column = { name: string; type: string; identity: '' | 'a' | 'd'; collatable: boolean; typeName: string };
export type Table = { name: string; columns: Column[]; primaryKey: string[]; references: string[]; userTriggers: boolean };

/**
 * schema_migrations is recreated by migrate() (the manifest lists the versions instead);
 * login_throttle holds failed-login counters that expire within minutes: transient, not data.
 * Everything else is kept, derived tables included (IOC rollups, published texts): they are part
 * of the same snapshot, cheaper to copy than to rebuild, and nothing rebuilds them on its own.
 */
export const NOT_DUMPED = new Set(['schema_migrations', 'login_throttle']);

export const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Session settings that make every value's text form independent of the server's configuration
 * (time zone, date style), so checksums agree between PGlite and PostgreSQL. Transaction-local.
 */
export const TEXT_SETTINGS = `SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres';
  SET LOCAL extra_float_digits = 1; SET LOCAL bytea_output = 'hex'`;

export async function readTables(q: Queryable): Promise<Table[]> {
  const cols = await q.query<{ table: string; name: string; type: string; identity: string; generated: string; collatable: boolean; type_name: string }>(
    `SELECT c.relname::text AS table, a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type,
       a.attidentity::text AS identity, a.attgenerated::text AS generated, t.typcollation <> 0 AS collatable, t.typname::text AS type_name
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     JOIN pg_type t ON t.oid = a.atttypid
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
     ORDER BY c.relname, a.attnum`);
  const keys = await q.query<{ table: string; columns: string[] }>(
    `SELECT c.relname::text AS table, array_agg(a.attname::text ORDER BY k.ord) AS columns
     FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
     WHERE n.nspname = 'public' AND con.contype = 'p'
     GROUP BY c.relname`);
  const refs = await q.query<{ table: string; ref: string }>(
    `SELECT DISTINCT c.relname::text AS table, r.relname::text AS ref
     FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_class r ON r.oid = con.confrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND con.contype = 'f'`);
  const triggers = await q.query<{ table: string }>(
    `SELECT DISTINCT c.relname::text AS table FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND NOT tg.tgisinternal`);
  const byName = new Map<string, Table>();
  for (const c of cols) {
    let t = byName.get(c.table);
    if (!t) byName.set(c.table, (t = { name: c.table, columns: [], primaryKey: [], references: [], userTriggers: false }));
    // Generated columns are computed on insert: neither dumped nor loaded.
    if (c.generated) continue;
    t.columns.push({ name: c.name, type: c.type, identity: c.identity as Column['identity'], collatable: c.collatable, typeName: c.type_name });
  }
  for (const k of keys) { const t = byName.get(k.table); if (t) t.primaryKey = k.columns; }
  for (const r of refs) { const t = byName.get(r.table); if (t && r.ref !== r.table) t.references.push(r.ref); }
  for (const tg of triggers) { const t = byName.get(tg.table); if (t) t.userTriggers = true; }
  return loadOrder([...byName.values()]);
}

/** Referenced tables before the tables that reference them; a cycle keeps name order. */
export function loadOrder(tables: Table[]): Table[] {
  const sorted = [...tables].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const names = new Set(sorted.map((t) => t.name));
  const out: Table[] = [];
  const placed = new Set<string>();
  while (out.length < sorted.length) {
    const ready = sorted.filter((t) => !placed.has(t.name) && t.references.every((r) => placed.has(r) || !names.has(r)));
    const next = ready.length ? ready : sorted.filter((t) => !placed.has(t.name)).slice(0, 1);
    for (const t of next) { out.push(t); placed.add(t.name); }
  }
  return out;
}

// Types whose ordering does not depend on a collation or on text conversion.
const NATIVE_ORDER = new Set(['int2', 'int4', 'int8', 'numeric', 'float4', 'float8', 'bool', 'date', 'timestamp', 'timestamptz', 'time', 'uuid', 'oid']);

/**
 * A total order that is the same on every server: the primary key (or every column), text
 * compared bytewise (COLLATE "C": the databases' default collations differ), other types by their
 * text form unless their native order is collation-free.
 */
function orderBy(t: Table): string {
  const key = t.primaryKey.length ? t.primaryKey : t.columns.map((c) => c.name);
  return key.map((name) => {
    const c = t.columns.find((x) => x.name === name);
    if (!c) return `${ident(name)}::text COLLATE "C"`;
    if (c.collatable) return `${ident(name)} COLLATE "C"`;
    if (NATIVE_ORDER.has(c.typeName)) return ident(name);
    return `${ident(name)}::text COLLATE "C"`;
  }).join(', ');
}

export type TableDigest = { rows: number; bytes: number; sha256: string };

/**
 * Streams a table as COPY text lines (each column's text form) in its canonical order through a
 * cursor, so memory stays flat however large the table is. Must run inside a transaction with
 * TEXT_SETTINGS applied; `onChunk` receives the bytes (the backup writes them to a file).
 */
export async function exportTable(tx: Queryable, t: Table, onChunk?: (chunk: Buffer) => Promise<void> | void, batch = 2000): Promise<TableDigest> {
  const select = t.columns.map((c, i) => `${ident(c.name)}::text AS c${i}`).join(', ');
  const cursor = `backup_${t.name}`.slice(0, 60);
  await tx.exec(`DECLARE ${ident(cursor)} NO SCROLL CURSOR FOR SELECT ${select || 'NULL'} FROM ${ident(t.name)} ORDER BY ${orderBy(t)}`);
  const hash = createHash('sha256');
  let rows = 0;
  let bytes = 0;
  for (;;) {
    const got = await tx.query<Record<string, string | null>>(`FETCH FORWARD ${batch} FROM ${ident(cursor)}`);
    if (got.length === 0) break;
    let text = '';
    for (const r of got) text += encodeCopyLine(t.columns.map((_c, i) => r[`c${i}`] ?? null));
    const chunk = Buffer.from(text, 'utf8');
    hash.update(chunk);
    rows += got.length;
    bytes += chunk.length;
    if (onChunk) await onChunk(chunk);
    if (got.length < batch) break;
  }
  // (On an error the transaction is rolled back, and the cursor with it.)
  await tx.exec(`CLOSE ${ident(cursor)}`);
  return { rows, bytes, sha256: hash.digest('hex') };
}

export type SequenceState = { name: string; table: string | null; column: string | null; lastValue: string; isCalled: boolean };

export async function readSequences(q: Queryable): Promise<SequenceState[]> {
  const seqs = await q.query<{ name: string; table: string | null; column: string | null }>(
    `SELECT s.relname::text AS name, t.relname::text AS table, a.attname::text AS column
     FROM pg_class s JOIN pg_namespace n ON n.oid = s.relnamespace
     LEFT JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
     LEFT JOIN pg_class t ON t.oid = d.refobjid
     LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
     WHERE s.relkind = 'S' AND n.nspname = 'public'
     ORDER BY s.relname`);
  const out: SequenceState[] = [];
  for (const s of seqs) {
    const v = (await q.query<{ last_value: string; is_called: boolean }>(`SELECT last_value::text AS last_value, is_called FROM ${ident(s.name)}`))[0]!;
    out.push({ name: s.name, table: s.table, column: s.column, lastValue: v.last_value, isCalled: v.is_called });
  }
  return out;
}

export async function appliedMigrations(q: Queryable): Promise<string[]> {
  const exists = (await q.query<{ t: string | null }>(`SELECT to_regclass('public.schema_migrations')::text AS t`))[0]?.t;
  if (!exists) return [];
  return (await q.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version')).map((r) => r.version);
}
