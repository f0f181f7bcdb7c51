import fs from 'node:fs';
import path from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Database, Queryable } from './database';

function wrapTx(tx: Transaction): Queryable {
  return {
    async query<Row>(sql: string, params?: readonly unknown[]) {
      const res = await tx.query<Row>(sql, params as unknown[] | undefined);
      return res.rows;
    },
    async exec(sql: string) {
      await tx.exec(sql);
    },
  };
}

export type PgliteDatabase = Database & { readonly engine: 'pglite'; /** gzip tarball of the data folder (tests clone it). */ dump(): Promise<Blob> };

export function wrapPglite(db: PGlite): PgliteDatabase {
  return {
    engine: 'pglite',
    dump: () => db.dumpDataDir('gzip'),
    async query<Row>(sql: string, params?: readonly unknown[]) {
      const res = await db.query<Row>(sql, params as unknown[] | undefined);
      return res.rows;
    },
    async exec(sql: string) {
      await db.exec(sql);
    },
    transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      // PGlite is one connection: its transaction() queues behind any running one.
      return db.transaction((tx) => fn(wrapTx(tx)));
    },
    async ping() {
      await db.query('SELECT 1');
    },
    async close() {
      await db.close();
    },
  };
}

/** Embedded PostgreSQL in DATA_DIR/pglite (or in memory for `memory://`). */
export async function openPglite(dataDir: string | 'memory://', loadDataDir?: Blob): Promise<PgliteDatabase> {
  if (dataDir !== 'memory://') fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  // PGlite reads the options argument only when a data dir string comes first: with
  // `undefined` it ignored loadDataDir and opened an empty database. 'memory://' is in-memory.
  const db = new PGlite(dataDir, loadDataDir ? { loadDataDir } : {});
  await db.waitReady;
  return wrapPglite(db);
}
