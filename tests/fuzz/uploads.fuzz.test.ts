import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { deflateRawSync, gzipSync } from 'node:zlib';
import type { Request } from 'express';
import fc from 'fast-check';
import { contentDisposition, sanitiseFileName } from '../../src/attachments/file-name';
import { assertAcceptedUploads, readReportForm, UPLOAD_LIMITS } from '../../src/attachments/multipart';
import { sniffType } from '../../src/attachments/sniff';
import { HubError } from '../../src/shared/errors';
import { startTestHub, type TestHub } from '../helpers/hub';
import { check, expectNo5xx, fuzz, fuzzAsync, hostileString, randomBytes, serve, Tally, type FuzzServer } from './support';

// A fuzz failure is a finding: it must not pass on a retry with another seed.
jest.retryTimes(0);
// Thousands of cases per test: on a loaded machine that can pass jest's default 30 s.
jest.setTimeout(120_000);

const tally = new Tally('uploads');
afterAll(() => tally.write());

// ---------- files: real, hostile, and in between ----------

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]), Buffer.alloc(64, 7), Buffer.from([0xff, 0xd9])]);
const GIF = Buffer.from('GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;', 'latin1');
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n', 'latin1');
const HTML = Buffer.from('<!doctype html><html><script>fetch("/api/v1/tickets").then(r=>r.text()).then(alert)</script></html>');

/** A real zip holding one file that inflates to `mb` megabytes of zeros (a classic zip bomb, a few kB on the wire). */
function zipBomb(mb: number): Buffer {
  const name = Buffer.from('bomb.bin');
  const data = deflateRawSync(Buffer.alloc(mb * 1024 * 1024));
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(8, 8);
  local.writeUInt32LE(data.length, 18); local.writeUInt32LE(mb * 1024 * 1024, 22); local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6); central.writeUInt16LE(8, 10);
  central.writeUInt32LE(data.length, 20); central.writeUInt32LE(mb * 1024 * 1024, 24); central.writeUInt16LE(name.length, 28);
  const eocd = Buffer.alloc(22);
  const cdOffset = 30 + name.length + data.length;
  eocd.writeUInt32LE(0x06054b50, 0); eocd.writeUInt16LE(1, 8); eocd.writeUInt16LE(1, 10);
  eocd.writeUInt32LE(46 + name.length, 12); eocd.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, name, data, central, name, eocd]);
}
const ZIP_BOMB = zipBomb(64);
const GZIP_BOMB = gzipSync(Buffer.alloc(64 * 1024 * 1024));

type Sample = { label: string; data: Buffer; accepted: boolean };
const SAMPLES: Sample[] = [
  { label: 'png', data: PNG, accepted: true },
  { label: 'jpeg', data: JPEG, accepted: true },
  { label: 'gif', data: GIF, accepted: true },
  { label: 'pdf', data: PDF, accepted: true },
  { label: 'zip bomb', data: ZIP_BOMB, accepted: false },
  { label: 'gzip bomb', data: GZIP_BOMB, accepted: false },
  // Polyglots: judged by their first bytes, stored under that type, served with nosniff and a sandbox CSP.
  { label: 'jpeg + html', data: Buffer.concat([JPEG, HTML]), accepted: true },
  { label: 'GIFAR (gif + zip)', data: Buffer.concat([GIF, zipBomb(1)]), accepted: true },
  { label: 'pdf + javascript', data: Buffer.concat([PDF, Buffer.from('<< /S /JavaScript /JS (app.alert(1)) >>')]), accepted: true },
  { label: 'html + jpeg', data: Buffer.concat([HTML, JPEG]), accepted: false },
  { label: 'svg with BOM', data: Buffer.from('\ufeff  <svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'), accepted: false },
  { label: 'exe', data: Buffer.concat([Buffer.from('MZ\x90\x00', 'latin1'), Buffer.alloc(100)]), accepted: false },
  { label: 'elf', data: Buffer.from('\x7fELF\x02\x01\x01\x00', 'latin1'), accepted: false },
  { label: 'script', data: Buffer.from('#!/bin/sh\nrm -rf /\n'), accepted: false },
  { label: 'empty', data: Buffer.alloc(0), accepted: false },
  { label: 'riff other', data: Buffer.from('RIFF\x00\x00\x00\x00AVI LIST', 'latin1'), accepted: false },
  { label: 'ftyp unknown', data: Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypxxxx', 'latin1'), Buffer.alloc(12)]), accepted: false },
];

/** Magic bytes of every accepted and refused family, followed by anything. */
const MAGICS = ['\xff\xd8\xff', '\x89PNG\r\n\x1a\n', 'GIF87a', 'GIF89a', 'RIFF\0\0\0\0WEBP', 'RIFF\0\0\0\0WAVE', '\0\0\0\x18ftypheic', '\0\0\0\x18ftypisom', '\0\0\0\x18ftypqt  ',
  '%PDF-', 'ID3', '\xff\xfb\x90\x64', 'OggS', '#!AMR\n', '#!AMR-WB\n', 'MZ', '\x7fELF', '\xcf\xfa\xed\xfe', 'PK\x03\x04', '\x1f\x8b', 'Rar!', '7z\xbc\xaf\x27\x1c', '<', ' \n<svg', '\ufeff<html'];
const bytes: fc.Arbitrary<Buffer> = fc.oneof(
  randomBytes,
  fc.tuple(fc.constantFrom(...MAGICS), fc.uint8Array({ maxLength: 64 })).map(([m, tail]) => Buffer.concat([Buffer.from(m, m.startsWith('\ufeff') ? 'utf8' : 'latin1'), Buffer.from(tail)])),
  fc.constantFrom(...SAMPLES).map((s) => s.data),
);

const ACCEPTED_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/heic', 'image/heic-sequence', 'image/heif', 'image/heif-sequence', 'image/avif',
  'audio/wav', 'audio/mp4', 'audio/mpeg', 'audio/ogg', 'audio/amr', 'audio/amr-wb', 'video/mp4', 'video/3gpp', 'video/3gpp2', 'video/quicktime', 'application/pdf']);

// ---------- names: traversal, absolute paths, NUL, reserved, long, lookalikes, bidi ----------

const MARK = `fz${cryptoRandomBytes(4).toString('hex')}`;
const NAMES = [
  `../../${MARK}.png`, `../../../../../../tmp/${MARK}.png`, `/etc/${MARK}`, `/${MARK}.png`, `C:\\Windows\\${MARK}.png`, `\\\\server\\share\\${MARK}.png`,
  `..\\..\\${MARK}.png`, `a/../../${MARK}.png`, `${MARK}\u0000.png`, `${MARK}.png\u0000.exe`, 'CON', 'NUL.txt', 'COM1.png', 'LPT9', 'aux.pdf', 'prn',
  `${'ổ'.repeat(300)}.png`, `${'a'.repeat(5000)}.png`, `..${'\u2215'}..${'\u2215'}${MARK}.png`, `..\uff0f..\uff0f${MARK}.png`, `\u2024\u2024/${MARK}.png`,
  `photo\u202egnp.exe`, `ảnh\u200bhiện\u200dtrường.jpg`, '.', '..', '...', '', ' ', '.htaccess', '~', `${MARK}.png `, `${MARK}.png.`, 'a"b.png', "a'b.png",
  'a;b=c.png', 'a\r\nContent-Type: text/html\r\n\r\n<script>.png', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', 'Ảnh ổ gà.JPG', 'Ảnh ổ gà.JPG'.normalize('NFD'), '😀.png', '🇻🇳.pdf',
];
const fileName = fc.oneof(fc.constantFrom(...NAMES), hostileString.filter((s) => s.length < 2_000));

describe('upload parser layer (pure)', () => {
  test('sniffType: any bytes are an accepted type with extensions, or a refusal with reasons in both languages', () => {
    fuzz(tally, 'pure: sniffType', bytes, (b) => {
      const r = sniffType(b);
      if (r.ok) check(ACCEPTED_TYPES.has(r.contentType) && r.extensions.length > 0 && ['image', 'audio', 'video', 'file'].includes(r.kind), 'accepted', r.contentType);
      else check(['empty', 'executable', 'archive', 'markup', 'unknown'].includes(r.code) && r.reasonVi.length > 10 && r.reasonEn.length > 10, 'refusal', r.code);
      // Only the first bytes decide: anything appended never changes the verdict of a long enough file.
      if (b.length >= 600) check(JSON.stringify(sniffType(Buffer.concat([b, Buffer.from('<html>')]))) === JSON.stringify(r), 'appended bytes changed the verdict');
    }, { numRuns: 2_000 });
  });

  test('the known samples: polyglots go by their first bytes, bombs and markup are refused', () => {
    for (const s of SAMPLES) expect([s.label, sniffType(s.data).ok]).toEqual([s.label, s.accepted]);
  });

  test('sanitiseFileName: no path, no control or bidi character, bounded, extension of the real type, idempotent', () => {
    const exts = fc.constantFrom<string[]>([], ['png'], ['jpg', 'jpeg'], ['pdf'], ['heif', 'heic']);
    fuzz(tally, 'pure: sanitiseFileName', fc.tuple(fc.oneof(fileName, fc.constant(null), fc.constant(undefined)), exts), ([name, ext]) => {
      const out = sanitiseFileName(name, ext);
      check(out.length > 0 && !/[/\\]/.test(out), 'path separator', out);
      // eslint-disable-next-line no-control-regex
      check(!/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff<>:"|?*]/.test(out), 'unsafe character', out);
      check(Array.from(out).length <= 120 && !/^[.\s]/.test(out), 'length or leading dot', out);
      if (ext.length) check(ext.some((e) => out.endsWith(`.${e}`)), 'extension', out);
      check(sanitiseFileName(out, ext) === out, 'not idempotent', out);
      // Content-Disposition: a header Node will send, ASCII, and the UTF-8 name recoverable from filename*.
      const cd = contentDisposition(out, 'attachment');
      http.validateHeaderValue('content-disposition', cd);
      check(/^[\x20-\x7e]*$/.test(cd), 'non-ASCII header', cd);
      check(decodeURIComponent(cd.slice(cd.indexOf("UTF-8''") + 7)) === out, 'filename* does not decode back', cd);
    }, {
      numRuns: 2_000,
      // Found here: a lone surrogate survived sanitising and made contentDisposition throw a URIError.
      examples: [['\ud800', []], ['a\udc00.png', ['png']]],
    });
  });

  test('assertAcceptedUploads: throws the declared 415 exactly when some file is refused', () => {
    const files = fc.array(fc.record({ fileName, declaredType: fc.option(fc.constantFrom('image/png', 'application/pdf', 'text/html', ''), { nil: null }), data: bytes }), { maxLength: 6 });
    fuzz(tally, 'pure: assertAcceptedUploads', files, (fs_) => {
      let threw: unknown = null;
      try { assertAcceptedUploads(fs_, sniffType); } catch (err) { threw = err; }
      const refused = fs_.some((f) => !sniffType(f.data).ok);
      check(refused === (threw !== null), 'refusal mismatch');
      if (threw) check(threw instanceof HubError && threw.kind === 'unsupported_media' && !/[\u0000-\u001f]/.test(threw.messageVi), 'error', String(threw));
    }, { numRuns: 1_500 });
  });
});

// ---------- multipart bodies ----------

type Part = { name: string; filename?: string; type?: string; data: Buffer; headers?: string[] };

/** Browsers escape '"', CR and LF in multipart file names as %22, %0D, %0A (WHATWG HTML). */
const browserEscape = (n: string) => n.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

function multipartBody(boundary: string, parts: Part[], opts: { close?: boolean; raw?: boolean } = {}): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const fn = p.filename === undefined ? '' : `; filename="${opts.raw ? p.filename : browserEscape(p.filename)}"`;
    const head = [`--${boundary}`, `Content-Disposition: form-data; name="${p.name}"${fn}`, ...(p.type !== undefined ? [`Content-Type: ${p.type}`] : []), ...(p.headers ?? [])];
    chunks.push(Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'utf8'), p.data, Buffer.from('\r\n'));
  }
  if (opts.close !== false) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

const REPORT = JSON.stringify({ channel: 'web', text: 'Ổ gà lớn trước số 10 đường Lê Lợi, kèm ảnh' });
// Mostly files of accepted types (so that reports do go through), and hostile bytes of every kind.
const uploadBytes = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...SAMPLES.filter((x) => x.accepted)).map((x) => x.data) }, { weight: 2, arbitrary: bytes });
const attachment: fc.Arbitrary<Part> = fc.record({ name: fc.constant('attachments'), filename: fileName, type: fc.constantFrom('image/png', 'image/jpeg', 'application/pdf', 'text/html', 'application/zip', 'image/svg+xml', ''), data: uploadBytes });
const otherPart: fc.Arbitrary<Part> = fc.oneof(
  fc.record({ name: fc.constant('report'), data: fc.oneof(fc.constant(REPORT), hostileString, fc.constant('{"channel":"web"')).map((s) => Buffer.from(s)) }),
  fc.record({ name: fc.constant('report'), filename: fc.constant('blob'), type: fc.constant('application/json'), data: fc.constant(Buffer.from(REPORT)) }),
  fc.record({ name: fc.oneof(hostileString.filter((s) => s.length < 200 && !/["\r\n]/.test(s)), fc.constantFrom('text', 'channel', 'attachments[]', '__proto__')), data: fc.constant(Buffer.from('x')) }),
  fc.record({ name: fc.constant('attachments'), data: fc.constant(Buffer.alloc(0)), filename: fc.constant(undefined) }),
);
type Form = { boundary: string; withReport: boolean; parts: Part[]; close: boolean; raw: boolean };
const form: fc.Arbitrary<Form> = fc.record({
  boundary: fc.oneof(fc.constant('----fuzzBoundary7MA4YWxkTrZu0gW'), fc.stringMatching(/^[A-Za-z0-9'()+_,\-./:=?]{1,70}$/).filter((b) => !/[ ]$/.test(b))),
  withReport: fc.boolean(),
  parts: fc.oneof({ weight: 3, arbitrary: fc.array(attachment, { maxLength: 3 }) }, { weight: 1, arbitrary: fc.array(fc.oneof({ weight: 3, arbitrary: attachment }, { weight: 1, arbitrary: otherPart }), { maxLength: 9 }) }),
  close: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  raw: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
}).map((f) => ({ ...f, parts: f.withReport ? [{ name: 'report', data: Buffer.from(REPORT) } as Part, ...f.parts] : f.parts }));

const EMPTY_NAME_FORM: Form = { boundary: 'b', withReport: true, close: true, raw: false, parts: [{ name: 'report', data: Buffer.from(REPORT) }, { name: '', data: Buffer.from('x') }] };

const CUT_OFF_FORM: Form = { boundary: 'b', withReport: true, close: false, raw: false, parts: [{ name: 'report', data: Buffer.from(REPORT) }, { name: 'attachments', filename: 'a.png', type: 'image/png', data: PNG }] };

/** An express-like request over a stream, fed in random-sized chunks. */
function fakeRequest(body: Buffer, contentType: string, chunk: number): Request {
  const req = new PassThrough() as PassThrough & { headers: Record<string, string> };
  req.headers = { 'content-type': contentType, 'content-length': String(body.length) };
  // At most ~2,000 chunks: one-byte chunks of a large body only make the run slow, not more hostile.
  const size = Math.max(chunk, Math.ceil(body.length / 2_000));
  setImmediate(() => {
    for (let i = 0; i < body.length; i += size) req.write(body.subarray(i, i + size));
    req.end();
  });
  return req as unknown as Request;
}

describe('multipart reader (pure, async)', () => {
  test('readReportForm: a well-formed form gives back its report and files exactly; anything else a HubError; never a hang', async () => {
    const input = fc.tuple(form, fc.integer({ min: 1, max: 70_000 }), fc.constantFrom('multipart/form-data; boundary=', 'multipart/form-data; charset=utf-8; boundary=', 'multipart/form-data;boundary="'));
    await fuzzAsync(tally, 'pure: readReportForm', input, async ([f, chunk, prefix]) => {
      const body = multipartBody(f.boundary, f.parts, f);
      const type = prefix.endsWith('"') ? `${prefix}${f.boundary}"` : `${prefix}${f.boundary}`;
      // A clean form (report first, at most 5 named files, names busboy keeps as they are, a boundary
      // that is a plain token or quoted, and no file holding the boundary) must come back unchanged.
      const rest = f.parts.slice(f.withReport ? 1 : 0);
      const files = rest.filter((p) => p.name === 'attachments');
      const delimiter = Buffer.from(`\r\n--${f.boundary}`);
      const clean = f.withReport && f.close && !f.raw && rest.every((p) => p.name === 'attachments') && files.length <= UPLOAD_LIMITS.files
        && (/^[A-Za-z0-9'+_\-.]+$/.test(f.boundary) || prefix.endsWith('"'))
        && files.every((p) => p.filename !== undefined && p.filename !== '.' && p.filename !== '..' && p.filename.length < 200
          && /^[^/\\%\u0000-\u001f\u007f\ud800-\udfff]+$/.test(p.filename) && !Buffer.concat([Buffer.from('\r\n'), p.data, Buffer.from('\r\n')]).includes(delimiter));
      let out;
      try {
        out = await readReportForm(fakeRequest(body, type, chunk));
      } catch (err) {
        check(err instanceof HubError && (err.kind === 'invalid' || err.kind === 'too_large'), 'rejection', String(err));
        check(!clean, 'a clean form was refused', String(err));
        return;
      }
      check(out.files.length <= UPLOAD_LIMITS.files && out.files.every((x) => x.data.length <= UPLOAD_LIMITS.fileBytes), 'limits');
      if (clean) {
        tally.hit('pure: readReportForm, clean forms compared');
        check(JSON.stringify(out.report) === REPORT, 'report changed');
        check(out.files.length === files.length, 'file count', `${out.files.length} vs ${files.length}`);
        out.files.forEach((x, i) => check(x.fileName === files[i]!.filename && x.data.equals(files[i]!.data), 'file changed', x.fileName));
      }
    }, {
      numRuns: 1_500, hangMs: 5_000,
      // Found here: a part named "" (busboy says undefined) threw inside busboy's event and the promise never settled.
      examples: [[EMPTY_NAME_FORM, 1, 'multipart/form-data; boundary='], [{ ...EMPTY_NAME_FORM, parts: [EMPTY_NAME_FORM.parts[0]!, { name: '', filename: 'a.png', type: 'image/png', data: PNG }] }, 100, 'multipart/form-data; boundary='],
        // Found here: a body ending inside a file part errored busboy's file stream with nobody listening (an uncaught exception).
        [CUT_OFF_FORM, 7, 'multipart/form-data; boundary=']],
    });
    expect(tally.get('pure: readReportForm, clean forms compared')).toBeGreaterThan(100);
  });
});

// ---------- through the real app ----------

describe('multipart uploads through the real app (postgres)', () => {
  let t: TestHub;
  let s: FuzzServer;
  let dataDir: string;
  const filesUnder = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile()).map((d) => path.join(d.parentPath, d.name)) : []);

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-fuzz-uploads-'));
    t = await startTestHub('postgres', { DATA_DIR: dataDir }, { start: false });
    s = await serve(t.app);
  });
  afterAll(async () => {
    await s?.close();
    await t?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('hostile uploads (bombs, polyglots, wrong magic, traversal names, many parts, empty files): never a 5xx, files only under DATA_DIR/attachments', async () => {
    const attachments = path.join(dataDir, 'attachments');
    const input = fc.tuple(form, fc.constantFrom('web', 'app'));
    const statuses = new Map<number, number>();
    await fuzzAsync(tally, 'http: multipart uploads', input, async ([f, channel]) => {
      const parts = f.parts.map((p) => (p.name === 'report' && p.data.toString() === REPORT ? { ...p, data: Buffer.from(REPORT.replace('"web"', `"${channel}"`)) } : p));
      const res = await s.send('POST', '/api/v1/reports', { body: multipartBody(f.boundary, parts, f), headers: { 'content-type': `multipart/form-data; boundary=${f.boundary}` } });
      expectNo5xx(res, 'multipart POST /api/v1/reports');
      check([200, 201, 400, 413, 415].includes(res.status), 'status', res.status);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status !== 201 && res.status !== 200) return;
      // An empty file input (no name, no bytes) is skipped; every other file must have been of an accepted type.
      const sent = parts.filter((p) => p.name === 'attachments' && !(!p.filename && p.data.length === 0));
      // (A part whose header is itself broken is dropped by busboy and never becomes a file: filename=""" sent raw,
      // or a name ending in a backslash, which browsers send as is and busboy reads as escaping the closing quote.)
      if (!f.raw && !sent.some((p) => p.filename?.endsWith('\\'))) check(sent.every((p) => sniffType(p.data).ok), 'a refused file was taken');
      const code = (JSON.parse(res.body.toString()) as { code: string }).code;
      const rows = await t.db.query<{ file_name: string; content_type: string; storage_key: string; size: number }>(
        'SELECT a.file_name, a.content_type, a.storage_key, a.size FROM attachments a JOIN tickets t ON t.id = a.ticket_id WHERE t.code = $1', [code]);
      for (const r of rows) {
        check(ACCEPTED_TYPES.has(r.content_type) && /^t\d+\/\d+-\d+-[0-9a-f]{16}$/.test(r.storage_key), 'row', JSON.stringify(r));
        check(!/[/\\\u0000-\u001f]/.test(r.file_name) && Array.from(r.file_name).length <= 120, 'stored file name', r.file_name);
        const onDisk = path.join(attachments, ...r.storage_key.split('/'));
        check(onDisk.startsWith(attachments + path.sep) && fs.statSync(onDisk).size === Number(r.size), 'file on disk', onDisk);
      }
    }, {
      numRuns: 300, budgetMs: 5_000,
      examples: [[{ boundary: 'b', withReport: true, close: true, raw: false, parts: [{ name: 'report', data: Buffer.from(REPORT) },
        { name: 'attachments', filename: `../../${MARK}.png`, type: 'image/png', data: PNG }, { name: 'attachments', filename: 'bomb.png', type: 'image/png', data: ZIP_BOMB }] }, 'web'],
        // Found here: the first was never answered, the second crashed the process (see the multipart reader above).
        [EMPTY_NAME_FORM, 'web'], [CUT_OFF_FORM, 'web']],
    });
    // The run was not vacuous: reports went through, files were refused, forms were malformed.
    for (const status of [201, 400, 415]) expect([status, (statuses.get(status) ?? 0) > 5]).toEqual([status, true]);
    // Nothing was written anywhere but the attachments folder, and no traversal name landed on disk.
    expect(filesUnder(dataDir).filter((f) => !f.startsWith(attachments + path.sep))).toEqual([]);
    for (const base of [dataDir, attachments, path.dirname(dataDir), os.tmpdir(), process.cwd(), '/', '/etc', '/tmp']) {
      for (const n of NAMES.filter((x) => x.includes(MARK))) expect(fs.existsSync(path.resolve(base, n.replace(/\0.*$/, '')))).toBe(false);
    }
    expect(fs.readdirSync(os.tmpdir()).filter((n) => n.includes(MARK))).toEqual([]);
  });

  test('limits: too many files, too many parts, too large: 413 or 400, quickly', async () => {
    const input = fc.oneof(
      fc.integer({ min: 6, max: 30 }).map((n) => ({ parts: Array.from({ length: n }, (_, i) => ({ name: 'attachments', filename: `a${i}.png`, type: 'image/png', data: PNG }) as Part) })),
      fc.integer({ min: 13, max: 200 }).map((n) => ({ parts: Array.from({ length: n }, () => ({ name: 'report', data: Buffer.from(REPORT) }) as Part) })),
      fc.integer({ min: 10 * 1024 * 1024 + 1, max: 12 * 1024 * 1024 }).map((n) => ({ parts: [{ name: 'attachments', filename: 'to.png', type: 'image/png', data: Buffer.concat([PNG, Buffer.alloc(n)]) } as Part] })),
      fc.integer({ min: 100 * 1024 + 1, max: 300 * 1024 }).map((n) => ({ parts: [{ name: 'report', data: Buffer.from(`{"channel":"web","text":"${'x'.repeat(n)}"}`) } as Part] })),
      fc.integer({ min: 60, max: 2_000 }).map((n) => ({ parts: [{ name: 'report', data: Buffer.from(REPORT), headers: Array.from({ length: n }, (_, i) => `X-H${i}: v`) } as Part] })),
    );
    await fuzzAsync(tally, 'http: multipart limits', input, async ({ parts }) => {
      const res = await s.send('POST', '/api/v1/reports', { body: multipartBody('lim', [{ name: 'report', data: Buffer.from(REPORT) }, ...parts]), headers: { 'content-type': 'multipart/form-data; boundary=lim' } });
      expectNo5xx(res, 'multipart limits');
      check(res.status === 413 || res.status === 400, 'status', res.status);
    }, { numRuns: 60, budgetMs: 5_000 });
  });

  test('afterwards: the hub answers and takes a real report with a photo', async () => {
    expect((await s.send('GET', '/healthz')).status).toBe(200);
    const res = await s.send('POST', '/api/v1/reports', {
      body: multipartBody('ok', [{ name: 'report', data: Buffer.from(REPORT) }, { name: 'attachments', filename: 'Ảnh ổ gà.png', type: 'image/png', data: PNG }]),
      headers: { 'content-type': 'multipart/form-data; boundary=ok' },
    });
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body.toString()).attachments).toEqual([{ id: expect.any(String), status: 'stored' }]);
  });
});
