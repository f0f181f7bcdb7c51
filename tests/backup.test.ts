import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Client } from 'pg';
import supertest from 'supertest';
import { FsAttachmentStore } from '../src/attachments/store';
import type { Database } from '../src/db/database';
import { readMigrations } from '../src/db/migrate';
import { openPostgres } from '../src/db/postgres';
import { DEMO_PASSWORD, seedDemo } from '../src/demo/seed';
import { createBackup } from '../src/ops/backup';
import { BackupError } from '../src/ops/manifest';
import { restoreBackup } from '../src/ops/restore';
import { freshDatabase, type Engine } from './helpers/db';
import { DB_PREFIX, TEST_PG_URL, urlForDatabase } from './helpers/env';
import { loginAs, startTestHub } from './helpers/hub';

/**
 * Backup and restore (issue #8): the demo data plus attachments and pending work, backed up on
 * each engine and restored into empty instances (PGlite → PGlite, PostgreSQL → PostgreSQL,
 * PGlite → PostgreSQL, and as a non-superuser owner). The comparison reads both databases with
 * its own queries (record text of every row), not with the tool's checksums.
 */
jest.setTimeout(120_000);

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(3000)]);
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n', 'latin1');
// Text that COPY format, JSON and the cross-engine comparison all have to get right.
const AWKWARD = 'Lê\tThị "Hoa" \\N \\ back\\slash\nhai dòng\r\n😀 ổ gà';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

type Source = { engine: Engine; db: Database; dir: string; archive: string; webCode: string; photoId: string; demoCode: string };

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-backup-test-'));
const sources = new Map<Engine, Source>();
/** The seeded PostgreSQL database and its copy on PGlite, compared right after the restore. */
let carried: { want: Record<string, string>; got: Record<string, string>; wantFiles: Record<string, string>; gotFiles: Record<string, string> };

/**
 * Work done natively on a source: a portal report with a photo and a PDF whose notices stay
 * pending (the hub is not started), awkward text in jsonb and text columns, real-typed values.
 */
async function addNativeWork(engine: Engine, db: Database, dir: string): Promise<{ webCode: string; photoId: string }> {
  const t = await startTestHub(engine, {}, { db, start: false, attachments: { store: new FsAttachmentStore(dir) } });
  try {
    const res = await supertest(t.app).post('/api/v1/reports')
      .field('report', JSON.stringify({ channel: 'web', text: `Đèn đường hỏng trước số 5 phố Hiến (${engine}) — ${AWKWARD}`, contact: { name: AWKWARD, phone: '0912345678' } }))
      .attach('attachments', PNG, { filename: 'ảnh đèn.png', contentType: 'image/png' })
      .attach('attachments', PDF, { filename: `biên bản ${engine}.pdf`, contentType: 'application/pdf' });
    expect(res.status).toBe(201);
    await db.query(`INSERT INTO settings (key, value) VALUES ($1, $2)`, [`backup-test-${engine}`, JSON.stringify({ text: AWKWARD, list: [1.5, null, 'x'], n: 0.1 })]);
    await db.query(`INSERT INTO sla_policies (priority, response_amount, response_unit, resolution_amount, resolution_unit, warn_at_fraction)
      VALUES ($1, 1.5, 'working_hours', 3, 'working_days', 0.7)`, [engine === 'postgres' ? 'urgent' : 'high']);
    return { webCode: res.body.code, photoId: res.body.attachments[0].id };
  } finally {
    await t.close();
  }
}

/**
 * The demo seed is the slow part (5–6 s per engine on a quiet machine, several times that under
 * load), so it runs once, on PostgreSQL; PGlite gets the same data by a restore (itself a checked
 * round trip, postgres → pglite) and then work of its own.
 */
async function makeSources(): Promise<void> {
  const pg = await freshDatabase('postgres');
  const pgDir = path.join(root, 'src-postgres');
  const seeding = await startTestHub('postgres', {}, { db: pg, start: false });
  await seedDemo(pg, { sla: seeding.hub.sla, agenciesLoaded: () => seeding.hub.slaSettings.refresh() });
  await seeding.hub.sla.flush(); // SLA timers: pending jobs
  await seeding.close();
  const pgWork = await addNativeWork('postgres', pg, pgDir);
  const demoCode = (await pg.query<{ code: string }>(`SELECT code FROM tickets WHERE status = 'closed' ORDER BY id LIMIT 1`))[0]!.code;
  const pgArchive = (await createBackup(pg, new FsAttachmentStore(pgDir), path.join(root, 'postgres.tar.gz'))).file;
  sources.set('postgres', { engine: 'postgres', db: pg, dir: pgDir, archive: pgArchive, demoCode, ...pgWork });

  const lite = await freshDatabase('pglite');
  const liteDir = path.join(root, 'src-pglite');
  await restoreBackup(lite, new FsAttachmentStore(liteDir), pgArchive);
  carried = { want: await digests(pg), got: await digests(lite), wantFiles: fileDigests(pgDir), gotFiles: fileDigests(liteDir) };
  const liteWork = await addNativeWork('pglite', lite, liteDir);
  const liteArchive = (await createBackup(lite, new FsAttachmentStore(liteDir), path.join(root, 'pglite.tar.gz'))).file;
  sources.set('pglite', { engine: 'pglite', db: lite, dir: liteDir, archive: liteArchive, demoCode, ...liteWork });
}

/** count(*) and an md5 over each row's record text, sorted bytewise: independent of the tool's format. */
async function digests(db: Database, skip: string[] = []): Promise<Record<string, string>> {
  return db.transaction(async (tx) => {
    await tx.exec(`SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL extra_float_digits = 1`);
    const tables = await tx.query<{ name: string }>(
      `SELECT tablename::text AS name FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN ('schema_migrations', 'login_throttle') ORDER BY 1`);
    const out: Record<string, string> = {};
    for (const { name } of tables) {
      if (skip.includes(name)) continue;
      const [r] = await tx.query<{ n: number; h: string }>(
        `SELECT count(*)::int AS n, md5(coalesce(string_agg(x.r, E'\\n' ORDER BY x.r COLLATE "C"), '')) AS h FROM (SELECT t::text AS r FROM "${name}" t) x`);
      out[name] = `${r!.n}:${r!.h}`;
    }
    return out;
  });
}

function fileDigests(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = sha(fs.readFileSync(p));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

const count = async (db: Database, sql: string) => Number((await db.query<{ n: number }>(sql))[0]!.n);

async function expectRefused(p: Promise<unknown>, code: string, pattern: RegExp): Promise<BackupError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(BackupError);
  const e = err as BackupError;
  expect(e.code).toBe(code);
  expect(e.messageEn).toMatch(pattern);
  expect(e.messageVi.length).toBeGreaterThan(10);
  return e;
}

beforeAll(makeSources);

afterAll(async () => {
  for (const s of sources.values()) await s.db.close();
  fs.rmSync(root, { recursive: true, force: true });
});

test('postgres → pglite: the seeded demo arrives identical (every table, every file)', () => {
  expect(Object.keys(carried.want).length).toBeGreaterThan(25);
  expect(carried.got).toEqual(carried.want);
  expect(Object.keys(carried.wantFiles)).toHaveLength(2);
  expect(carried.gotFiles).toEqual(carried.wantFiles);
});

describe.each([['pglite', 'pglite'], ['postgres', 'postgres'], ['pglite', 'postgres']] as const)('%s → %s', (from, to) => {
  test('every table and file comes back identical, and the restored hub works', async () => {
    const s = sources.get(from)!;
    const target = await freshDatabase(to);
    const dir = path.join(root, `dst-${from}-${to}-${randomBytes(3).toString('hex')}`);
    try {
      const r = await restoreBackup(target, new FsAttachmentStore(dir), s.archive);
      expect(r.triggerMode).toBe('replica');
      expect(r.migratedAfter).toEqual([]);

      const [want, got] = await Promise.all([digests(s.db), digests(target)]);
      expect(Object.keys(want).length).toBeGreaterThan(25);
      expect(got).toEqual(want);
      expect(fileDigests(dir)).toEqual(fileDigests(s.dir));
      expect(Object.keys(fileDigests(dir))).toHaveLength(from === 'pglite' ? 4 : 2);
      // Pending work survived; the IOC rollups were restored as dumped, not counted again by triggers.
      expect(await count(target, 'SELECT count(*) AS n FROM outbox WHERE completed_at IS NULL')).toBeGreaterThan(0);
      expect(await count(target, `SELECT count(*) AS n FROM jobs WHERE status = 'pending'`)).toBeGreaterThan(0);
      expect(await count(target, 'SELECT (SELECT coalesce(sum(received), 0) FROM ioc_rollup_delta) + (SELECT coalesce(sum(received), 0) FROM ioc_rollup_hourly) AS n'))
        .toBe(await count(target, 'SELECT count(*) AS n FROM tickets'));

      const t = await startTestHub(to, {}, { db: target, attachments: { store: new FsAttachmentStore(dir) } });
      try {
        const admin = await loginAs(t.app, 'admin@1022.demo', DEMO_PASSWORD);
        const [demoRow] = await s.db.query<{ description: string }>('SELECT description FROM tickets WHERE code = $1', [s.demoCode]);
        const demo = await admin.get(`/api/v1/tickets/${s.demoCode}`);
        expect(demo.status).toBe(200);
        expect(demo.body.description).toBe(demoRow!.description);
        expect(demo.body.events.length).toBeGreaterThan(3);
        const web = await admin.get(`/api/v1/tickets/${s.webCode}`);
        expect(web.status).toBe(200);
        expect(web.body.description).toContain(AWKWARD);
        const photo = await admin.get(`/api/v1/attachments/${s.photoId}`).buffer(true).parse((res, cb) => {
          const parts: Buffer[] = []; res.on('data', (c: Buffer) => parts.push(c)); res.on('end', () => cb(null, Buffer.concat(parts)));
        });
        expect(photo.status).toBe(200);
        expect(Buffer.compare(photo.body as Buffer, PNG)).toBe(0);
        // Sequences were moved past the restored ids: a new report gets a new row, not a collision.
        const fresh = await supertest(t.app).post('/api/v1/reports').send({ channel: 'web', text: 'Cống thoát nước bị tắc sau khi khôi phục dữ liệu' });
        expect(fresh.status).toBe(201);
        // The pending work runs on the restored hub.
        await t.hub.settle(30_000);
        expect(await count(target, 'SELECT count(*) AS n FROM outbox WHERE completed_at IS NULL')).toBe(0);
      } finally {
        await t.close();
      }
    } finally {
      await target.close();
    }
  });
});

test('as the tables\' owner without superuser, into a new database, with a migration newer than the backup', async () => {
  const s = sources.get('postgres')!;
  const role = 'hub_restore_owner_test';
  const name = `${DB_PREFIX}${process.pid}_owner_${Date.now().toString(36)}`;
  const admin = new Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  // A fixed, idempotently created role (roles are cluster-wide; concurrent runs may share it).
  await admin.query(`DO $$ BEGIN CREATE ROLE ${role} LOGIN NOSUPERUSER; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
  await admin.query(`CREATE DATABASE "${name}" OWNER ${role}`);
  const url = new URL(urlForDatabase(name));
  url.username = role;
  const target = await openPostgres(url.toString(), 4);
  try {
    const later = { version: '9999_after_backup', sql: `ALTER TABLE settings ADD COLUMN note text; UPDATE settings SET note = 'migrated after restore';` };
    const r = await restoreBackup(target, new FsAttachmentStore(path.join(root, 'dst-owner')), s.archive, { migrations: [...readMigrations(), later] });
    expect(r.triggerMode).toBe('owner');
    expect(r.migratedAfter).toEqual(['9999_after_backup']);
    expect(await digests(target, ['settings'])).toEqual(await digests(s.db, ['settings']));
    expect((await target.query<{ note: string }>('SELECT note FROM settings')).map((x) => x.note))
      .toEqual((await s.db.query('SELECT key FROM settings')).map(() => 'migrated after restore'));
    // Triggers are on again and foreign keys back to immediate checks.
    expect(await count(target, `SELECT count(*) AS n FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'O'`)).toBe(0);
    expect(await count(target, `SELECT count(*) AS n FROM pg_constraint WHERE contype = 'f' AND condeferrable`)).toBe(0);
    await expect(target.query('INSERT INTO messages (ticket_id, direction, channel, body, delivery_status) VALUES (999999, $1, $2, $3, $4)',
      ['inbound', 'web', 'x', 'received'])).rejects.toThrow(/foreign key/);
  } finally {
    await target.close();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
});

test('a backup taken while PostgreSQL is being written to is one consistent snapshot', async () => {
  // A copy of the source, so the other tests' comparisons stay valid.
  const live = await freshDatabase('postgres');
  const target = await freshDatabase('postgres');
  try {
    await restoreBackup(live, new FsAttachmentStore(path.join(root, 'live')), sources.get('postgres')!.archive);
    const tickets = (db: Database) => count(db, 'SELECT count(*) AS n FROM tickets');
    const before = await tickets(live);
    // Every insert also appends to ioc_rollup_delta (trigger), a table the backup reads before tickets.
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await live.query(`INSERT INTO tickets (code, tracking_token, status, channel, citizen_id, description, search_text)
          SELECT $1, 'x', 'received', 'web', citizen_id, description, search_text FROM tickets ORDER BY id LIMIT 1`, [`CC-9999-${String(written).padStart(5, '0')}`]);
        written++;
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    const started = written;
    const b = await createBackup(live, new FsAttachmentStore(path.join(root, 'live')), path.join(root, 'live.tar.gz'));
    const during = written - started;
    writing = false;
    await writer;
    expect(during).toBeGreaterThan(5);

    await restoreBackup(target, new FsAttachmentStore(path.join(root, 'live-restored')), b.file);
    const restored = await tickets(target);
    expect(restored).toBeGreaterThan(before);
    expect(restored).toBeLessThan(before + written);
    expect(await count(target, 'SELECT (SELECT coalesce(sum(received), 0) FROM ioc_rollup_delta) + (SELECT coalesce(sum(received), 0) FROM ioc_rollup_hourly) AS n'))
      .toBe(restored);
  } finally {
    await Promise.all([live.close(), target.close()]);
  }
});

describe('refusals', () => {
  test('a database that already holds data is refused, and left as it was', async () => {
    const s = sources.get('pglite')!;
    const before = await digests(s.db);
    const e = await expectRefused(restoreBackup(s.db, new FsAttachmentStore(path.join(root, 'unused')), s.archive), 'target_not_empty', /not empty: .*tickets \(\d+\)/);
    expect(e.messageVi).toContain('Cơ sở dữ liệu đích đã có dữ liệu');
    expect(await digests(s.db)).toEqual(before);
  });

  test('a flipped byte in the archive is refused before anything is touched', async () => {
    const s = sources.get('postgres')!;
    const bytes = fs.readFileSync(s.archive);
    bytes[Math.floor(bytes.length / 2)] ^= 0x01;
    const bad = path.join(root, 'flipped.tar.gz');
    fs.writeFileSync(bad, bytes);
    const target = await freshDatabase('pglite');
    try {
      const before = await digests(target);
      await expectRefused(restoreBackup(target, new FsAttachmentStore(path.join(root, 'dst-flipped')), bad), 'archive_corrupt', /damaged or incomplete \((gzip|tar)/);
      expect(await digests(target)).toEqual(before);
      expect(fs.existsSync(path.join(root, 'dst-flipped'))).toBe(false);
    } finally {
      await target.close();
    }
  });

  test('a table file changed inside an intact gzip fails its checksum; a truncated archive is refused', async () => {
    const s = sources.get('pglite')!;
    const tar = gunzipSync(fs.readFileSync(s.archive));
    const entry = tar.indexOf(Buffer.from('tables/tickets.tsv\0'));
    const at = tar.indexOf(Buffer.from(s.demoCode), entry + 512);
    expect(at).toBeGreaterThan(0);
    tar[at + 3] = tar[at + 3] === 0x39 ? 0x38 : 0x39; // one digit of a ticket code in tables/tickets.tsv
    const edited = path.join(root, 'edited.tar.gz');
    fs.writeFileSync(edited, gzipSync(tar));
    const truncated = path.join(root, 'truncated.tar.gz');
    fs.writeFileSync(truncated, fs.readFileSync(s.archive).subarray(0, 5000));
    const target = await freshDatabase('pglite');
    try {
      await expectRefused(restoreBackup(target, new FsAttachmentStore(path.join(root, 'dst-edited')), edited), 'archive_corrupt', /checksum mismatch in tables\/tickets\.tsv/);
      await expectRefused(restoreBackup(target, new FsAttachmentStore(path.join(root, 'dst-edited')), truncated), 'archive_corrupt', /damaged or incomplete/);
      expect(await count(target, 'SELECT count(*) AS n FROM tickets')).toBe(0);
    } finally {
      await target.close();
    }
  });

  test('a backup from a newer hub (a migration this build does not know) is refused', async () => {
    const s = sources.get('pglite')!;
    const all = readMigrations();
    const target = await freshDatabase('pglite');
    try {
      await expectRefused(restoreBackup(target, new FsAttachmentStore(path.join(root, 'unused')), s.archive, { migrations: all.slice(0, -1) }),
        'archive_unsupported', new RegExp(`newer 1022 Hub \\(migrations ${all.at(-1)!.version}\\)`));
    } finally {
      await target.close();
    }
  });

  test('an existing output file is never overwritten', async () => {
    const s = sources.get('pglite')!;
    const before = sha(fs.readFileSync(s.archive));
    await expectRefused(createBackup(s.db, new FsAttachmentStore(s.dir), s.archive), 'output_exists', /already exists/);
    expect(sha(fs.readFileSync(s.archive))).toBe(before);
  });
});
