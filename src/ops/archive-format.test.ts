import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { decodeCopyLine, encodeCopyLine, splitLines } from './copy-text';
import { TarFormatError, TarWriter, readTar } from './tar';

/** The archive's building blocks: COPY text lines and the tar writer/reader. */

async function* chunked(b: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

async function writeTar(files: { name: string; data: Buffer }[]): Promise<Buffer> {
  const out = new PassThrough();
  const parts: Buffer[] = [];
  out.on('data', (c: Buffer) => parts.push(c));
  const tar = new TarWriter(out, new Date('2026-11-20T00:00:00Z'));
  for (const f of files) await tar.add(f.name, f.data.length, chunked(f.data, 777));
  await tar.finish();
  out.end();
  return Buffer.concat(parts);
}

async function readAllEntries(b: Buffer, chunk: number): Promise<{ name: string; data: Buffer }[]> {
  const got: { name: string; data: Buffer }[] = [];
  for await (const e of readTar(chunked(b, chunk))) {
    const parts: Buffer[] = [];
    for await (const c of e.body()) parts.push(c);
    got.push({ name: e.name, data: Buffer.concat(parts) });
  }
  return got;
}

describe('COPY text lines', () => {
  test('values with tabs, newlines, backslashes, NULL and the text "\\N" survive a round trip', () => {
    const row = ['a\tb', 'line1\nline2\r\n', 'C:\\path\\N', '\\N', null, '', 'Nguyễn Văn Ánh 😀', '{"k": "v\\"q"}'];
    const line = encodeCopyLine(row);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toMatch(/[\n\r]/);
    expect(decodeCopyLine(line.slice(0, -1))).toEqual(row);
  });

  test('any row round-trips (property)', () => {
    fc.assert(fc.property(fc.array(fc.option(fc.string({ unit: 'binary' }), { nil: null }), { minLength: 1, maxLength: 8 }), (row) => {
      const line = encodeCopyLine(row);
      expect(decodeCopyLine(line.slice(0, -1))).toEqual(row);
    }), { numRuns: 300 });
  });

  test('PostgreSQL\'s own escapes are understood; byte escapes are refused rather than guessed', () => {
    expect(decodeCopyLine('a\\bb\\fc\\vd\\\\e\\.')).toEqual(['a\bb\fc\vd\\e.']);
    expect(() => decodeCopyLine('\\101')).toThrow(/unsupported escape/);
    expect(() => decodeCopyLine('\\x41')).toThrow(/unsupported escape/);
  });

  test('lines are split on raw newlines only, across chunk boundaries, multi-byte characters intact', async () => {
    const text = encodeCopyLine(['Hưng Yên', 'a\nb']) + encodeCopyLine(['Đà Nẵng', null]);
    const lines: string[] = [];
    for await (const l of splitLines(chunked(Buffer.from(text), 3))) lines.push(l);
    expect(lines.map(decodeCopyLine)).toEqual([['Hưng Yên', 'a\nb'], ['Đà Nẵng', null]]);
  });
});

describe('tar writer and reader', () => {
  const longKey = `attachments/t123/${'a'.repeat(90)}/${'b'.repeat(60)}-0-9f86d081884c7d65`;
  const files = [
    { name: 'tables/tickets.tsv', data: Buffer.from('1\tPA-2611-4K7QZ\n2\tPA-2611-9ZZ01\n') },
    { name: 'tables/empty.tsv', data: Buffer.alloc(0) },
    { name: longKey, data: Buffer.alloc(1500, 7) },
    { name: 'manifest.json', data: Buffer.from('{"format":"x"}\n') },
  ];

  test('entries come back in order with their bytes, whatever the chunk size; long names via pax', async () => {
    const tar = await writeTar(files);
    expect(tar.length % 512).toBe(0);
    for (const size of [1, 100, 512, 4096, tar.length]) {
      expect(await readAllEntries(tar, size)).toEqual(files);
    }
  });

  test('the system tar lists and extracts the archive', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-tar-'));
    try {
      const file = path.join(dir, 'a.tar.gz');
      fs.writeFileSync(file, gzipSync(await writeTar(files)));
      const list = spawnSync('tar', ['-tzf', file], { encoding: 'utf8' });
      expect(list.status).toBe(0);
      expect(list.stdout.trim().split('\n')).toEqual(files.map((f) => f.name));
      expect(spawnSync('tar', ['-xzf', file, '-C', dir]).status).toBe(0);
      expect(fs.readFileSync(path.join(dir, longKey))).toEqual(files[2]!.data);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a damaged header is an error, not a wrong file', async () => {
    const tar = await writeTar(files);
    const bad = Buffer.from(tar);
    bad[3] ^= 0x20; // a letter of the first name
    await expect(readAllEntries(bad, 512)).rejects.toThrow(TarFormatError);
    await expect(readAllEntries(tar.subarray(0, 700), 512)).rejects.toThrow(/truncated/);
  });

  test('the writer refuses a source that does not match the announced size', async () => {
    const tar = new TarWriter(new PassThrough());
    await expect(tar.add('x', 10, chunked(Buffer.alloc(5), 5))).rejects.toThrow(/5 bytes written, 10 announced/);
    await expect(tar.add('y', 1, chunked(Buffer.alloc(5), 5))).rejects.toThrow(/more bytes than announced/);
  });
});
