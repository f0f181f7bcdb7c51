import { once } from 'node:events';
import type { Writable } from 'node:stream';

/**
 * A minimal POSIX tar (ustar, with pax headers for long names) writer and streaming reader: enough
 * for the backup archive, readable by any `tar` (`tar tzvf backup.tar.gz`), with no dependency.
 * Only regular files are written; the reader skips directories and other entry types.
 */

const BLOCK = 512;
const ZEROS = Buffer.alloc(BLOCK * 2);
/** 11 octal digits: the largest size the classic field holds; larger ones use GNU base-256. */
const OCTAL_SIZE_LIMIT = 8 ** 11;

export class TarFormatError extends Error {}

function writeString(h: Buffer, offset: number, length: number, value: string): void {
  const b = Buffer.from(value, 'utf8');
  if (b.length > length) throw new TarFormatError(`tar header field too long: ${value.slice(0, 60)}`);
  b.copy(h, offset);
}

function writeOctal(h: Buffer, offset: number, length: number, value: number): void {
  writeString(h, offset, length, value.toString(8).padStart(length - 1, '0') + '\0');
}

function writeSize(h: Buffer, size: number): void {
  if (size < OCTAL_SIZE_LIMIT) return writeOctal(h, 124, 12, size);
  // GNU base-256: high bit set, big-endian value in the remaining bytes.
  h[124] = 0x80;
  let v = BigInt(size);
  for (let i = 135; i > 124; i--) {
    h[i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

function header(name: string, size: number, type: '0' | 'x', mtime: Date): Buffer {
  const h = Buffer.alloc(BLOCK);
  writeString(h, 0, 100, name);
  writeOctal(h, 100, 8, 0o644);
  writeOctal(h, 108, 8, 0);
  writeOctal(h, 116, 8, 0);
  writeSize(h, size);
  writeOctal(h, 136, 12, Math.floor(mtime.getTime() / 1000));
  h.fill(0x20, 148, 156); // the checksum is computed with its own field as spaces
  h.write(type, 156, 'latin1');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  writeString(h, 265, 32, 'hub1022');
  writeString(h, 297, 32, 'hub1022');
  let sum = 0;
  for (const byte of h) sum += byte;
  writeString(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return h;
}

/** A pax "path" record: its length prefix counts itself, so it is found by iteration. */
function paxPath(name: string): Buffer {
  const body = ` path=${name}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return Buffer.from(`${len}${body}`, 'utf8');
}

const padding = (size: number) => (BLOCK - (size % BLOCK)) % BLOCK;

/** Writes entries to a stream (a gzip stream, usually), honouring backpressure. */
export class TarWriter {
  constructor(private readonly out: Writable, private readonly mtime = new Date()) {}

  private async write(b: Buffer): Promise<void> {
    if (!this.out.write(b)) await once(this.out, 'drain');
  }

  /** One file of exactly `size` bytes; `source` must yield that many bytes. */
  async add(name: string, size: number, source: Buffer | AsyncIterable<Buffer>): Promise<void> {
    if (Buffer.byteLength(name) > 100) {
      const pax = paxPath(name);
      await this.write(header(`PaxHeaders/${String(Math.abs(hashName(name)))}`, pax.length, 'x', this.mtime));
      await this.write(pax);
      await this.write(Buffer.alloc(padding(pax.length)));
      name = name.slice(0, 99);
      // The classic field keeps a truncated name for old readers; pax-aware ones use the record.
      while (Buffer.byteLength(name) > 100) name = name.slice(0, -1);
    }
    await this.write(header(name, size, '0', this.mtime));
    let written = 0;
    if (Buffer.isBuffer(source)) {
      await this.write(source);
      written = source.length;
    } else {
      for await (const chunk of source) {
        written += chunk.length;
        if (written > size) throw new TarFormatError(`${name}: more bytes than announced (${size})`);
        await this.write(chunk);
      }
    }
    if (written !== size) throw new TarFormatError(`${name}: ${written} bytes written, ${size} announced`);
    await this.write(Buffer.alloc(padding(size)));
  }

  /** The end-of-archive marker; the caller ends the stream. */
  async finish(): Promise<void> {
    await this.write(ZEROS);
  }
}

function hashName(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** Pulls exact byte counts out of a chunked stream. */
class ByteReader {
  private chunks: Buffer[] = [];
  private length = 0;
  private done = false;
  constructor(private readonly source: AsyncIterator<Buffer>) {}

  private async fill(n: number): Promise<void> {
    while (this.length < n && !this.done) {
      const r = await this.source.next();
      if (r.done) this.done = true;
      else if (r.value.length) {
        this.chunks.push(r.value);
        this.length += r.value.length;
      }
    }
  }

  /** Exactly n bytes, or fewer only at the end of the stream. */
  async read(n: number): Promise<Buffer> {
    await this.fill(n);
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const out = all.subarray(0, Math.min(n, all.length));
    const rest = all.subarray(out.length);
    this.chunks = rest.length ? [rest] : [];
    this.length = rest.length;
    return out;
  }

  /** Up to n bytes, whatever is buffered or arrives next (for streaming bodies). */
  async readSome(n: number): Promise<Buffer> {
    if (this.length === 0) await this.fill(1);
    if (this.length === 0) return Buffer.alloc(0);
    const first = this.chunks[0]!;
    if (first.length <= n) {
      this.chunks.shift();
      this.length -= first.length;
      return first;
    }
    this.chunks[0] = first.subarray(n);
    this.length -= n;
    return first.subarray(0, n);
  }
}

function readString(h: Buffer, offset: number, length: number): string {
  const field = h.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? length : end).toString('utf8');
}

function readNumber(h: Buffer, offset: number, length: number): number {
  if (h[offset]! & 0x80) {
    let v = 0n;
    for (let i = offset + 1; i < offset + length; i++) v = (v << 8n) | BigInt(h[i]!);
    return Number(v);
  }
  const s = readString(h, offset, length).trim();
  if (!/^[0-7]*$/.test(s)) throw new TarFormatError(`invalid number in a tar header: ${JSON.stringify(s)}`);
  return s ? parseInt(s, 8) : 0;
}

export type TarEntry = {
  name: string;
  size: number;
  /** The entry's bytes; must be consumed (or ignored: what is left is skipped). */
  body(): AsyncGenerator<Buffer>;
};

/**
 * Entries of a tar stream in order, regular files only. Header checksums are checked, so a
 * damaged header is an error rather than a wrong file name.
 */
export async function* readTar(source: AsyncIterable<Buffer>): AsyncGenerator<TarEntry> {
  const reader = new ByteReader(source[Symbol.asyncIterator]());
  let paxName: string | null = null;
  for (;;) {
    const h = await reader.read(BLOCK);
    if (h.length === 0) return; // some writers omit the end marker
    if (h.length < BLOCK) throw new TarFormatError('truncated tar header');
    if (h.every((b) => b === 0)) return;
    const stored = readNumber(h, 148, 8);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
    if (sum !== stored) throw new TarFormatError('tar header checksum mismatch');
    const size = readNumber(h, 124, 12);
    const type = String.fromCharCode(h[156]!);
    const prefix = h.toString('latin1', 257, 262) === 'ustar' ? readString(h, 345, 155) : '';
    let name = prefix ? `${prefix}/${readString(h, 0, 100)}` : readString(h, 0, 100);

    let remaining = size;
    const body = async function* (): AsyncGenerator<Buffer> {
      while (remaining > 0) {
        const chunk = await reader.readSome(Math.min(remaining, 1 << 20));
        if (chunk.length === 0) throw new TarFormatError(`truncated tar entry ${name}`);
        remaining -= chunk.length;
        yield chunk;
      }
    };
    const skipRest = async () => {
      for await (const _ of body()) { /* discard */ }
      const pad = padding(size);
      if (pad && (await reader.read(pad)).length < pad) throw new TarFormatError('truncated tar padding');
    };

    if (type === 'x') {
      const chunks: Buffer[] = [];
      for await (const c of body()) chunks.push(c);
      paxName = parsePaxPath(Buffer.concat(chunks)) ?? paxName;
      await skipRest();
      continue;
    }
    if (type === 'g') { await skipRest(); continue; }
    if (paxName !== null) name = paxName;
    paxName = null;
    if (type === '0' || type === '\0') yield { name, size, body };
    await skipRest();
  }
}

function parsePaxPath(b: Buffer): string | null {
  let path: string | null = null;
  let i = 0;
  while (i < b.length) {
    const space = b.indexOf(0x20, i);
    if (space < 0) break;
    const len = Number(b.toString('latin1', i, space));
    if (!Number.isInteger(len) || len <= 0) throw new TarFormatError('invalid pax header');
    const record = b.toString('utf8', space + 1, i + len - 1);
    const eq = record.indexOf('=');
    if (record.slice(0, eq) === 'path') path = record.slice(eq + 1);
    i += len;
  }
  return path;
}
