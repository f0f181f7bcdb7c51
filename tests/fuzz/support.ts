import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Express } from 'express';
import fc from 'fast-check';

/**
 * Shared pieces of the fuzz suite (issue #8): hostile values, structure-aware mutation of valid
 * platform payloads, a per-case time budget, an HTTP client that sends exactly the bytes it is given,
 * and a tally of the cases each file ran (written to tests/fuzz/.counts/<file>.json).
 */

/** A pure parser gets this much CPU time per case; more is treated as a hang (ReDoS, quadratic loops). */
export const CASE_BUDGET_MS = 200;
/** An HTTP answer must come back within this (the brief: "within a few seconds"). */
export const HTTP_BUDGET_MS = 5_000;

// ---------------------------------------------------------------------------------------------
// Counting and running properties

export class Tally {
  private readonly runs = new Map<string, number>();
  constructor(private readonly file: string) {}

  hit(name: string): void {
    this.runs.set(name, (this.runs.get(name) ?? 0) + 1);
  }

  get(name: string): number {
    return this.runs.get(name) ?? 0;
  }

  total(): number {
    let n = 0;
    for (const v of this.runs.values()) n += v;
    return n;
  }

  /** tests/fuzz/.counts/<file>.json: how many cases each property ran in the last run of this file. */
  write(): void {
    const dir = path.join(__dirname, '.counts');
    fs.mkdirSync(dir, { recursive: true });
    const properties = Object.fromEntries([...this.runs.entries()].sort(([a], [b]) => a.localeCompare(b)));
    fs.writeFileSync(path.join(dir, `${this.file}.json`), JSON.stringify({ file: this.file, total: this.total(), properties, at: new Date().toISOString() }, null, 2) + '\n');
  }
}

function overBudget(ms: number, budget: number): Error {
  return new Error(`one case took ${ms.toFixed(0)} ms, over its budget of ${budget} ms`);
}

/** CPU time of one call in ms: unlike wall time it does not grow while other jobs hold the machine's cores. */
function cpuMs(fn: () => void): number {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

/**
 * Runs a synchronous property `numRuns` times (plus the fixed `examples`, regression cases found by
 * earlier runs), each case within `budgetMs` of CPU time, and checks that every case really ran.
 * A case over budget is timed once more: a slow path (ReDoS, quadratic loop) is slow both times,
 * a one-off (JIT warm-up, a garbage collection) is not.
 */
export function fuzz<T>(tally: Tally, name: string, arb: fc.Arbitrary<T>, predicate: (v: T) => void,
  opts: { numRuns: number; examples?: NoInfer<T>[]; budgetMs?: number }): void {
  const budget = opts.budgetMs ?? CASE_BUDGET_MS;
  const before = tally.get(name);
  fc.assert(fc.property(arb, (v) => {
    tally.hit(name);
    const ms = cpuMs(() => predicate(v));
    if (ms > budget) {
      const again = cpuMs(() => predicate(v));
      if (again > budget) throw overBudget(Math.min(ms, again), budget);
    }
  }), { numRuns: opts.numRuns, examples: (opts.examples ?? []).map((e) => [e] as [T]) });
  expect(tally.get(name) - before).toBeGreaterThanOrEqual(opts.numRuns);
}

/**
 * The asynchronous twin of `fuzz`: each case within `budgetMs` of CPU time (the in-process server's
 * work included), and a case that has not settled within `hangMs` of wall time fails as a hang.
 */
export async function fuzzAsync<T>(tally: Tally, name: string, arb: fc.Arbitrary<T>, predicate: (v: T) => Promise<void>,
  opts: { numRuns: number; examples?: NoInfer<T>[]; budgetMs?: number; hangMs?: number }): Promise<void> {
  const budget = opts.budgetMs ?? CASE_BUDGET_MS;
  const hangMs = opts.hangMs ?? 2 * HTTP_BUDGET_MS;
  const before = tally.get(name);
  // CPU time of one run of the case, failing it as a hang if it has not settled within hangMs.
  const timed = async (v: T): Promise<number> => {
    const c0 = process.cpuUsage();
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`case did not settle within ${hangMs} ms (hang)`)), hangMs);
    });
    try {
      await Promise.race([predicate(v), hang]);
    } finally {
      clearTimeout(timer);
    }
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  };
  await fc.assert(fc.asyncProperty(arb, async (v) => {
    tally.hit(name);
    const ms = await timed(v);
    // As in `fuzz`: over budget twice is a slow path; once is the process's own noise (the CPU
    // clock is the whole process's: a garbage collection or JIT during the case counts too).
    if (ms > budget) {
      const again = await timed(v);
      if (again > budget) throw overBudget(Math.min(ms, again), budget);
    }
  }), { numRuns: opts.numRuns, examples: (opts.examples ?? []).map((e) => [e] as [T]) });
  expect(tally.get(name) - before).toBeGreaterThanOrEqual(opts.numRuns);
}

/** A cheap assertion for hot loops (jest's expect costs about a millisecond per call on a loaded machine). */
export function check(cond: boolean, what: string, value?: unknown): asserts cond {
  if (cond) return;
  let shown: string;
  try { shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 300)) : String(value); } catch { shown = '(unprintable)'; }
  throw new Error(value === undefined ? what : `${what}: ${shown.slice(0, 300)}`);
}

/** Calls fn; anything thrown must be an instance of one of `allowed` (the module's declared error). */
export function throwsOnly(fn: () => unknown, ...allowed: (abstract new (...args: never[]) => Error)[]): { threw: boolean; error?: Error } {
  try {
    fn();
    return { threw: false };
  } catch (err) {
    if (allowed.some((C) => err instanceof C)) return { threw: true, error: err as Error };
    throw new Error(`threw something other than ${allowed.map((c) => c.name).join('/') || 'nothing'}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Hostile values

/** Odd but real text: Vietnamese in both normal forms, emoji, bidi and zero-width marks, NUL, lone surrogates, path and prototype words. */
export const SPECIAL_STRINGS: readonly string[] = [
  '', ' ', '\u0000', 'a\u0000b', '\u202e', 'photo\u202egnp.exe', '\u200f', '\u200e', '\u2066', '\u200b', '\ufeff', '\u00a0', '\u3000',
  '\ud800', '\udfff', 'x\ud83dy', '\r\n', '\n\n\n', '\t', '\\', '"', "'", '<', '>', '&', '<script>alert(1)</script>', ']]>',
  '%00', '%', '%zz', '%E0%A4%A', '+', '=', '&=&', '../', '..\\', '../../etc/passwd', '/etc/passwd', 'C:\\Windows\\win.ini',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf',
  'Nguyễn Văn Ấn', 'Nguyễn Văn Ấn'.normalize('NFD'), 'Ổ gà lớn trước số 10 đường Lê Lợi', 'Ổ gà lớn trước số 10 đường Lê Lợi'.normalize('NFD'),
  'đường', 'Đ', 'a\u0301\u0301\u0301\u0301\u0301', '😀', '👨‍👩‍👧‍👦', '🇻🇳', 'ẞ', 'İ', 'ﷺ', 'עברית', 'العربية', '中文',
  'null', 'undefined', 'NaN', 'true', '-0', '1e309', '-1', '0x10', '123456789012345678901234', '8309393969812345678',
  'PA-2501-ABCDE', 'pa-2501-abcde', 'http://127.0.0.1/x', 'https://example.invalid/a.jpg', 'javascript:alert(1)', 'file:///etc/passwd',
  'mac=', 'sha256=', '=?utf-8?B?w4E=?=', '{"a":1}', '[]',
];

const bigRepeat = fc.tuple(fc.constantFrom('a', 'ổ', 'ổ'.normalize('NFD'), '😀', '\u0000', '<', ' ', '%', '\n'), fc.integer({ min: 1_000, max: 40_000 }))
  .map(([c, n]) => c.repeat(n));

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
  { weight: 3, arbitrary: fc.array(fc.oneof(fc.constantFrom(...SPECIAL_STRINGS), fc.string({ unit: 'binary', maxLength: 4 })), { maxLength: 10 }).map((a) => a.join('')) },
  { weight: 1, arbitrary: bigRepeat },
);

export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(), fc.double(),
  fc.constantFrom(0, -0, 1, -1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e21, 1e308, -1e308, Number.MIN_VALUE, 123456789012345678901234567890,
    Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, 90.0000001, -180.5, 1_700_000_000_000, 1_700_000_000),
);

/** Nested arrays/objects `depth` levels deep (built without recursion). */
export function nested(depth: number, leaf: unknown = 1, kind: 'array' | 'object' | 'mixed' = 'mixed'): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = kind === 'array' || (kind === 'mixed' && i % 2 === 0) ? [v] : { a: v };
  return v;
}

/** JSON text nested `depth` levels deep: deeper than JSON.stringify (recursive) can ever write back. */
export function deepJsonText(depth: number, kind: 'array' | 'object' = 'array'): string {
  return kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

/** An object whose OWN keys are the dangerous ones (as JSON.parse makes them), never its prototype. */
export function withOwnKeys(entries: [string, unknown][]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

export const hostileScalar: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 2, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.constantFrom(true, false, null) },
);

/** JSON-shaped hostile values: scalars, random JSON, prototype keys, deep nesting. */
export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: hostileScalar },
  { weight: 2, arbitrary: fc.jsonValue({ stringUnit: 'binary', maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.array(fc.tuple(fc.constantFrom(...PROTO_KEYS), hostileScalar), { minLength: 1, maxLength: 3 }).map(withOwnKeys) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 10, max: 1_000 }), hostileScalar, fc.constantFrom('array', 'object', 'mixed') as fc.Arbitrary<'array' | 'object' | 'mixed'>)
    .map(([d, leaf, kind]) => nested(d, leaf, kind)) },
  { weight: 1, arbitrary: fc.array(hostileScalar, { maxLength: 8 }) },
  { weight: 1, arbitrary: fc.dictionary(hostileString, hostileScalar, { maxKeys: 6 }) },
);

/** Anything at all, JSON or not (for pure functions that take `unknown`). */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileJson },
  { weight: 2, arbitrary: fc.anything({ withBoxedValues: true, withMap: true, withSet: true, withObjectString: true, withNullPrototype: true, withBigInt: true,
    withDate: true, withTypedArray: true, withSparseArray: true, stringUnit: 'binary', maxDepth: 4 }) },
);

// ---------------------------------------------------------------------------------------------
// Structure-aware mutation of valid payloads

type Key = string | number;
const MAX_PATH_DEPTH = 12;

function pathsOf(v: unknown, prefix: Key[] = [], out: Key[][] = []): Key[][] {
  out.push(prefix);
  if (prefix.length >= MAX_PATH_DEPTH || v === null || typeof v !== 'object') return out;
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...prefix, i], out));
  else for (const k of Object.keys(v)) pathsOf((v as Record<string, unknown>)[k], [...prefix, k], out);
  return out;
}

function setOwn(target: Record<Key, unknown> | unknown[], key: Key, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export type MutationOp = 'delete' | 'replace' | 'wrongType' | 'extraKey' | 'huge' | 'nfd' | 'bidi' | 'emoji' | 'nul' | 'wrapInArray' | 'stringifyNumber' | 'duplicate';
const OPS: MutationOp[] = ['delete', 'replace', 'wrongType', 'extraKey', 'huge', 'nfd', 'bidi', 'emoji', 'nul', 'wrapInArray', 'stringifyNumber', 'duplicate'];

const WRONG_TYPES: unknown[] = [null, 0, -1, 1.5, true, false, '', 'x', [], {}, [null], { '': '' }, '1', 1e400, Number.NaN];

/** Applies one mutation at the n-th path of `copy`, in place; returns the new root. */
export function mutateAt(copy: unknown, n: number, op: MutationOp, generated: unknown, text: string): unknown {
  // fast-check may show a generated value again while shrinking: never mutate it in place.
  let value = generated;
  try { value = structuredClone(generated); } catch { /* too deep to clone: it is only ever inserted, never changed */ }
  const paths = pathsOf(copy);
  const p = paths[n % paths.length]!;
  if (p.length === 0) return op === 'wrapInArray' ? [copy] : op === 'replace' ? value : copy;
  const parent = p.slice(0, -1).reduce<unknown>((o, k) => (o as Record<Key, unknown>)[k], copy) as Record<Key, unknown> | unknown[];
  const key = p[p.length - 1]!;
  const cur = (parent as Record<Key, unknown>)[key];
  const asText = typeof cur === 'string' ? cur : 'Ổ gà lớn đường Lê Lợi';
  const at = text.length % (asText.length + 1);
  switch (op) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete (parent as Record<Key, unknown>)[key];
      break;
    case 'replace': setOwn(parent, key, value); break;
    case 'wrongType': setOwn(parent, key, WRONG_TYPES[text.length % WRONG_TYPES.length]); break;
    case 'extraKey': {
      const target = cur !== null && typeof cur === 'object' && !Array.isArray(cur) ? (cur as Record<Key, unknown>) : (Array.isArray(parent) ? null : parent);
      if (target) setOwn(target, text || '__proto__', value);
      else (parent as unknown[]).push(value);
      break;
    }
    case 'huge': setOwn(parent, key, (asText || 'x').repeat(Math.ceil(20_000 / Math.max(1, asText.length)))); break;
    case 'nfd': setOwn(parent, key, asText.normalize('NFD')); break;
    case 'bidi': setOwn(parent, key, asText.slice(0, at) + '\u202e\u200f' + asText.slice(at)); break;
    case 'emoji': setOwn(parent, key, asText.slice(0, at) + '👨‍👩‍👧‍👦🇻🇳😀' + asText.slice(at)); break;
    case 'nul': setOwn(parent, key, asText.slice(0, at) + '\u0000' + asText.slice(at)); break;
    case 'wrapInArray': setOwn(parent, key, [cur]); break;
    case 'stringifyNumber': setOwn(parent, key, typeof cur === 'number' ? String(cur) : typeof cur === 'string' && cur.trim() !== '' && !Number.isNaN(Number(cur)) ? Number(cur) : cur); break;
    case 'duplicate': setOwn(parent, key, Array.isArray(cur) ? [...cur, ...cur] : cur); break;
  }
  return copy;
}

/** 1–4 structure-aware mutations of one of the valid samples. */
export function mutated<T>(samples: readonly T[]): fc.Arbitrary<unknown> {
  return fc.tuple(
    fc.nat({ max: samples.length - 1 }),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom(...OPS), hostileJson, hostileString), { minLength: 1, maxLength: 4 }),
    // One copy, mutated in place: inserted values (some thousands of levels deep) are never cloned.
  ).map(([i, muts]) => muts.reduce<unknown>((v, [n, op, value, text]) => mutateAt(v, n, op, value, text), structuredClone(samples[i])));
}

// ---------------------------------------------------------------------------------------------
// Raw bytes

export const randomBytes: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 16 }).chain((a) => fc.integer({ min: 100, max: 5_000 }).map((n) => Buffer.concat(Array(n).fill(Buffer.from(a))))) },
);

// ---------------------------------------------------------------------------------------------
// A raw HTTP client against the real app

export type RawResponse = { status: number; headers: http.IncomingHttpHeaders; body: Buffer; ms: number };
export type FuzzServer = {
  base: string;
  send(method: string, urlPath: string, opts?: { headers?: Record<string, string>; body?: Buffer | string }): Promise<RawResponse>;
  close(): Promise<void>;
};

/** The app on a real socket: requests carry exactly the given bytes and headers (no client-side JSON or form encoding). */
export async function serve(app: Express): Promise<FuzzServer> {
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  return {
    base: `http://127.0.0.1:${port}`,
    send(method, urlPath, opts = {}) {
      const body = opts.body === undefined ? undefined : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body, 'utf8');
      const t0 = performance.now();
      return new Promise<RawResponse>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, agent,
          headers: { ...(body ? { 'content-length': String(body.length) } : {}), ...opts.headers } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), ms: performance.now() - t0 }));
          res.on('error', reject);
        });
        req.setTimeout(HTTP_BUDGET_MS, () => req.destroy(new Error(`no answer within ${HTTP_BUDGET_MS} ms`)));
        req.on('error', (err: NodeJS.ErrnoException) => {
          // The server may answer (413, 403) and close before reading a large body: that answer counts.
          if (err.code === 'EPIPE' || err.code === 'ECONNRESET') return;
          reject(err);
        });
        req.end(body);
      });
    },
    async close() {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Header values Node's client will send (printable, no CR/LF/NUL); others cannot reach the server anyway. */
export const headerValue: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'abcXYZ019 ;=/+-_.,:"\'()[]{}<>@?*%!#$&^~`|\\\t'.split('')), maxLength: 60 }),
  fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'application/json; charset=utf-16',
    'text/plain', 'text/xml', 'application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=koi8-r', 'multipart/form-data',
    'multipart/form-data; boundary=', 'multipart/form-data; boundary=x', 'application/octet-stream', '*/*', 'application/', ';', 'json',
    'application/json; charset=utf-8; charset=ascii', 'APPLICATION/JSON', 'application/vnd.api+json', 'image/png'),
).filter((v) => { try { http.validateHeaderValue('x', v); return true; } catch { return false; } });

/** An answer that proves the server did not fail: no 5xx, and in time. */
export function expectNo5xx(res: RawResponse, what: string): void {
  if (res.status >= 500) {
    throw new Error(`${what}: HTTP ${res.status} ${res.body.toString('utf8').slice(0, 300)}`);
  }
  if (res.ms > HTTP_BUDGET_MS) throw new Error(`${what}: answered after ${res.ms.toFixed(0)} ms`);
}

// ---------------------------------------------------------------------------------------------
// The shape every channel parser must return

type ParsedMessage = {
  channel: string; externalId: string; identity: { kind: string; value: string } | null; text: string;
  attachments: { fileName: string; url?: string; data?: Buffer; kind?: string; declaredType?: string | null }[];
  location?: { lat: number; lng: number; address?: string | null } | null; sentAt: Date; kind: string;
  replyTo?: { ticketCode?: string | null; externalIds?: string[] }; payload?: string | null;
};

/** A parser's output is well typed: the fields the inbound service reads are of their declared types and ranges. */
export function expectWellTyped(messages: unknown, channel: string): void {
  const fail = (why: string, m: unknown) => { throw new Error(`${why}: ${JSON.stringify(m, (_k, v: unknown) => (typeof v === 'string' && v.length > 200 ? `${v.slice(0, 200)}…` : v)).slice(0, 600)}`); };
  if (!Array.isArray(messages)) fail('not an array', messages);
  for (const raw of messages as unknown[]) {
    const m = raw as ParsedMessage;
    if (m.channel !== channel) fail('wrong channel', m);
    if (typeof m.externalId !== 'string' || m.externalId === '') fail('externalId', m);
    if (m.identity !== null && (typeof m.identity?.kind !== 'string' || typeof m.identity.value !== 'string' || m.identity.value === '')) fail('identity', m);
    if (typeof m.text !== 'string') fail('text', m);
    if (!(m.sentAt instanceof Date) || Number.isNaN(m.sentAt.getTime())) fail('sentAt', m);
    if (!['message', 'comment', 'postback', 'call'].includes(m.kind)) fail('kind', m);
    if (!Array.isArray(m.attachments)) fail('attachments', m);
    for (const a of m.attachments) {
      if (typeof a.fileName !== 'string' || a.fileName === '') fail('attachment fileName', m);
      if (a.url !== undefined && (typeof a.url !== 'string' || !/^https?:\/\//i.test(a.url))) fail('attachment url', m);
      if (a.url === undefined && !Buffer.isBuffer(a.data)) fail('attachment without url or bytes', m);
      if (a.kind !== undefined && !['image', 'audio', 'video', 'file'].includes(a.kind)) fail('attachment kind', m);
    }
    const l = m.location;
    if (l !== undefined && l !== null) {
      if (!Number.isFinite(l.lat) || !Number.isFinite(l.lng) || Math.abs(l.lat) > 90 || Math.abs(l.lng) > 180) fail('location', m);
    }
    if (m.replyTo !== undefined) {
      if (m.replyTo.ticketCode != null && typeof m.replyTo.ticketCode !== 'string') fail('replyTo.ticketCode', m);
      if (m.replyTo.externalIds !== undefined && !(Array.isArray(m.replyTo.externalIds) && m.replyTo.externalIds.every((x) => typeof x === 'string'))) fail('replyTo.externalIds', m);
    }
    if (m.payload !== undefined && m.payload !== null && typeof m.payload !== 'string') fail('payload', m);
  }
}

// ---------------------------------------------------------------------------------------------
// URLs

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Percent-encodes a string as its UTF-8 bytes (a lone surrogate is written as U+FFFD, as any UTF-8 encoder does). */
export function pct(s: string): string {
  return encodeURIComponent(s.replace(LONE_SURROGATE, '\ufffd'));
}

/** Any value as a urlencoded form: an object's entries as fields (non-strings as JSON), anything else as one raw field. */
export function formEncode(v: unknown): string {
  const text = (x: unknown) => { try { return typeof x === 'string' ? x : JSON.stringify(x) ?? ''; } catch { return ''; } };
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return Object.entries(v).map(([k, x]) => `${pct(k)}=${pct(text(x))}`).join('&');
  return pct(text(v));
}

/** A query string: encoded hostile pairs, repeated and bracketed names, and raw malformed escapes. */
export function queryString(names: readonly string[]): fc.Arbitrary<string> {
  const name = fc.oneof(fc.constantFrom(...names), fc.constantFrom(...names).map((n) => `${n}[]`), fc.constantFrom(...names).map((n) => `${n}[a][b]`), hostileString.filter((s) => s.length < 200).map(pct));
  const value = fc.oneof(hostileString.filter((s) => s.length < 3000).map(pct), fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '', '=', '%2F..%2F', '1', 'json', 'xml'));
  return fc.array(fc.tuple(name, value), { maxLength: 8 }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'));
}
