/**
 * One data-access port over two engines: embedded PGlite (no DATABASE_URL) and PostgreSQL.
 * Repositories take a Queryable, so the same SQL runs inside or outside a transaction,
 * on either engine.
 */
export type SqlParam = string | number | boolean | null | Date | string[] | number[] | Record<string, unknown> | unknown[];

export interface Queryable {
  /** One parameterised statement; rows come back with int8/count() as numbers on both engines. */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly engine: 'pglite' | 'postgres';
  /** Runs fn in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** A quick round trip for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Errors from either engine carry the SQLSTATE in `code`. */
export function sqlState(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err) {
    const c = (err as { code: unknown }).code;
    return typeof c === 'string' ? c : undefined;
  }
  return undefined;
}

export const UNIQUE_VIOLATION = '23505';
export const SERIALIZATION_FAILURE = '40001';
