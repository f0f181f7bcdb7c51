import { createHash } from 'node:crypto';
import { Pool, types, type PoolClient } from 'pg';
import type { Database, Queryable } from './database';

// int8 (ids, count(*)) as numbers, matching PGlite. Our ids stay far below 2^53.
types.setTypeParser(20, (v) => Number(v));

// Parameterised statements are prepared once per connection (named by a hash of their text):
// the hot paths (intake, claims) skip parsing and planning on every call.
const names = new Map<string, string>();
function statementName(sql: string): string {
  let n = names.get(sql);
  if (!n) {
    n = 'h' + createHash('sha1').update(sql).digest('hex').slice(0, 20);
    names.set(sql, n);
  }
  return n;
}

function wrap(client: Pool | PoolClient): Queryable {
  return {
    async query<Row>(sql: string, params?: readonly unknown[]) {
      const res = params && params.length
        ? await client.query({ name: statementName(sql), text: sql, values: params as unknown[] })
        : await client.query(sql);
      return res.rows as Row[];
    },
    async exec(sql: string) {
      await client.query(sql);
    },
  };
}

export async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pool = new Pool({ connectionString: url, max: poolSize, idleTimeoutMillis: 30_000 });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  const q = wrap(pool);
  return {
    engine: 'postgres',
    query: q.query,
    exec: q.exec,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      await pool.end();
    },
  };
}
