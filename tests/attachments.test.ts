import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import supertest from 'supertest';
import { contentDisposition, sanitiseFileName } from '../src/attachments/file-name';
import { sniffType } from '../src/attachments/sniff';
import { FsAttachmentStore, InvalidStorageKeyError } from '../src/attachments/store';
import type { ChannelFactory, InboundMessage } from '../src/channels/types';
import { ENGINES } from './helpers/db';
import { loginAs, seedPeople, startTestHub, type TestHub } from './helpers/hub';

// ---------- real file bytes, built here ----------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (b: Buffer) => {
  let c = 0xffffffff;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type: string, data: Buffer) => {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
};
/** A valid w×h RGB PNG (decodable by any viewer). */
function png(w = 2, h = 2, seed = 0): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 2;
  const raw = Buffer.alloc(h * (1 + w * 3));
  for (let y = 0; y < h; y++) for (let x = 0; x < w * 3; x++) raw[y * (1 + w * 3) + 1 + x] = (x * 40 + y * 90 + seed) & 0xff;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n', 'latin1');
const EXE = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), Buffer.alloc(120, 0x41)]);
const ZIP = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0]), Buffer.alloc(60, 1)]);
const HTML = Buffer.from('<!doctype html><html><script>alert(document.cookie)</script></html>');
const SVG = Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const ftyp = (brand: string) => Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from(`ftyp${brand}`, 'latin1'), Buffer.alloc(12)]);

// ---------- pure parts: no database ----------

describe('attachment type sniffing, names and keys', () => {
  test.each([
    ['JPEG', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46]), 'image/jpeg'],
    ['PNG', png(), 'image/png'],
    ['GIF', Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'), 'image/gif'],
    ['WEBP', Buffer.from('RIFF\x24\x00\x00\x00WEBPVP8 ', 'latin1'), 'image/webp'],
    ['HEIC', ftyp('heic'), 'image/heic'],
    ['HEIF (mif1)', ftyp('mif1'), 'image/heif'],
    ['PDF', PDF, 'application/pdf'],
    ['MP3 with ID3', Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x00', 'latin1'), 'audio/mpeg'],
    ['MP3 frame sync', Buffer.from([0xff, 0xfb, 0x90, 0x64, 0, 0]), 'audio/mpeg'],
    ['WAV', Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt ', 'latin1'), 'audio/wav'],
    ['OGG', Buffer.from('OggS\x00\x02\x00\x00', 'latin1'), 'audio/ogg'],
    ['MP4', ftyp('isom'), 'video/mp4'],
    ['M4A', ftyp('M4A '), 'audio/mp4'],
    ['3GP', ftyp('3gp4'), 'video/3gpp'],
    ['AMR', Buffer.from('#!AMR\n\x3c\x00', 'latin1'), 'audio/amr'],
  ])('%s is recognised from its bytes', (_n, bytes, type) => {
    const r = sniffType(bytes);
    expect(r.ok && r.contentType).toBe(type);
  });

  test.each([
    ['Windows executable', EXE, 'executable'],
    ['ELF executable', Buffer.from('\x7fELF\x02\x01\x01\x00', 'latin1'), 'executable'],
    ['shell script', Buffer.from('#!/bin/sh\nrm -rf /\n'), 'executable'],
    ['zip', ZIP, 'archive'],
    ['HTML', HTML, 'markup'],
    ['SVG', SVG, 'markup'],
    ['plain text', Buffer.from('just some words'), 'unknown'],
    ['an ADTS AAC frame is not MP3', Buffer.from([0xff, 0xf1, 0x50, 0x80, 0, 0]), 'unknown'],
    ['empty', Buffer.alloc(0), 'empty'],
  ])('%s is refused with a reason', (_n, bytes, code) => {
    const r = sniffType(bytes);
    expect(r.ok).toBe(false);
    if (!r.ok) { expect(r.code).toBe(code); expect(r.reasonVi.length).toBeGreaterThan(10); expect(r.reasonEn.length).toBeGreaterThan(10); }
  });

  test('file names: no paths, no controls, no bidi tricks, bounded, extension from the real type', () => {
    expect(sanitiseFileName('../../etc/passwd.png', ['png'])).toBe('passwd.png');
    expect(sanitiseFileName('C:\\Users\\lan\\Ảnh ổ gà.JPG', ['jpg', 'jpeg'])).toBe('Ảnh ổ gà.jpg');
    expect(sanitiseFileName('scan.pdf', ['png'])).toBe('scan.png');
    expect(sanitiseFileName('photo\u202egnp.exe', ['png'])).toBe('photognp.png');
    expect(sanitiseFileName('a\r\nb\u0000c.png', ['png'])).toBe('abc.png');
    expect(sanitiseFileName('...', ['pdf'])).toBe('tep-dinh-kem.pdf');
    expect(sanitiseFileName('', ['jpg'])).toBe('tep-dinh-kem.jpg');
    const long = sanitiseFileName(`${'ổ'.repeat(500)}.png`, ['png']);
    expect(Array.from(long).length).toBeLessThanOrEqual(120);
    expect(long.endsWith('.png')).toBe(true);
    const cd = contentDisposition('Ảnh "đường" ổ gà.png', 'inline');
    expect(cd).toMatch(/^inline; filename="[A-Za-z0-9._ -]+"; filename\*=UTF-8''[A-Za-z0-9%._-]+$/);
    expect(cd).toContain('filename="Anh _duong_ o ga.png"');
  });

  test('the filesystem store refuses keys that could leave its folder', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-att-store-'));
    const store = new FsAttachmentStore(root);
    for (const bad of ['../x', '/etc/passwd', 'a/../../b', 'a\\b', 'A/B', '', 'a//b', '.hidden']) {
      await expect(store.put(bad, Buffer.from('x'))).rejects.toBeInstanceOf(InvalidStorageKeyError);
    }
    await store.put('t1/5-0-abc', Buffer.from('hello'));
    const s = await store.get('t1/5-0-abc');
    const chunks: Buffer[] = [];
    for await (const c of s!) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('hello');
    expect(await store.get('t1/missing')).toBeNull();
    await store.delete('t1/5-0-abc');
    await store.delete('t1/5-0-abc');
    expect(fs.readdirSync(path.join(root, 't1'))).toEqual([]);
    fs.rmSync(root, { recursive: true, force: true });
  });
});

// ---------- through the hub, on both engines ----------

/** A channel whose raw events are already normalised messages (with attachment URLs). */
const fakeChannel: ChannelFactory = () => ({
  channel: 'zalo',
  enabled: true,
  parse: (e) => {
    const p = e.payload as Omit<InboundMessage, 'sentAt'> & { sentAt: string };
    return [{ ...p, sentAt: new Date(p.sentAt) }];
  },
});

type Media = { server: http.Server; base: string; hits: Record<string, number>; flakyFailures: number };
async function startMediaServer(): Promise<Media> {
  const m: Media = { server: null as unknown as http.Server, base: '', hits: {}, flakyFailures: 1 };
  const photo = png(3, 3, 7);
  m.server = http.createServer((req, res) => {
    const p = new URL(req.url!, 'http://x').pathname;
    m.hits[p] = (m.hits[p] ?? 0) + 1;
    res.on('error', () => undefined);
    if (p === '/photo.png') { res.writeHead(200, { 'content-type': 'image/png' }); res.end(photo); return; }
    if (p === '/redirect-to-photo') { res.writeHead(302, { location: '/photo.png' }); res.end(); return; }
    if (p === '/redirect-to-file') { res.writeHead(302, { location: 'file:///etc/passwd' }); res.end(); return; }
    if (p === '/flaky.png') {
      if (m.hits[p]! <= m.flakyFailures) { res.writeHead(503); res.end('busy'); return; }
      res.writeHead(200, { 'content-type': 'image/png' }); res.end(photo); return;
    }
    if (p === '/page.png') { res.writeHead(200, { 'content-type': 'image/png' }); res.end(HTML); return; }
    if (p === '/declared-huge.png') { res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(30 * 1024 * 1024) }); res.write(photo); return; }
    if (p === '/endless.png') {
      // No Content-Length: the cap must hold while streaming.
      res.writeHead(200, { 'content-type': 'image/png' });
      const block = Buffer.alloc(1024 * 1024, 0x42);
      let sent = 0;
      const pump = () => {
        while (sent < 40) { sent++; if (!res.write(block)) { res.once('drain', pump); return; } }
        res.end();
      };
      res.write(photo.subarray(0, 8));
      pump();
      return;
    }
    res.writeHead(404); res.end('not found');
  });
  await new Promise<void>((r) => m.server.listen(0, '127.0.0.1', r));
  m.base = `http://127.0.0.1:${(m.server.address() as AddressInfo).port}`;
  return m;
}

describe.each(ENGINES)('attachments on %s', (engine) => {
  let t: TestHub;
  let dataDir: string;
  let media: Media;
  let people: Awaited<ReturnType<typeof seedPeople>>;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `hub-att-${engine}-`));
    media = await startMediaServer();
    t = await startTestHub(engine, { DATA_DIR: dataDir }, { channelFactories: [fakeChannel], attachments: { retryDelaysMs: [20, 20] } });
    people = await seedPeople(t.db);
  });
  afterAll(async () => {
    await t.close();
    media.server.closeAllConnections();
    await new Promise((r) => media.server.close(r));
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const report = (extra: Record<string, unknown> = {}) => JSON.stringify({ channel: 'web', text: 'Ổ gà lớn trước số 10 đường Lê Lợi, kèm ảnh', ...extra });
  const post = () => supertest(t.app).post('/api/v1/reports');
  const rowsOf = (code: string) => t.db.query<{ id: string; file_name: string; content_type: string; size: number; sha256: string; storage_key: string; message_id: number }>(
    'SELECT a.* FROM attachments a JOIN tickets t ON t.id = a.ticket_id WHERE t.code = $1 ORDER BY a.id', [code]);
  const messageAttachments = async (code: string) => (await t.db.query<{ attachments: { id: string; fileName: string; contentType: string; size: number; error?: { code: string } }[] }>(
    `SELECT m.attachments FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE t.code = $1 AND m.direction = 'inbound' ORDER BY m.id LIMIT 1`, [code]))[0]!.attachments;
  const onDisk = (key: string) => path.join(dataDir, 'attachments', ...key.split('/'));
  const filesUnder = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile()).map((d) => path.join(d.parentPath ?? (d as unknown as { path: string }).path, d.name)) : []);
  /** Stores a raw event and waits until the inbound job has processed it (the relay's own poll may have taken the outbox row). */
  const deliver = async (key: string, payload: unknown) => {
    await t.hub.channelStore.acceptEvents('zalo', [{ key, payload }]);
    for (let i = 0; i < 200; i++) {
      await t.hub.relay.dispatchAll();
      await t.hub.queue.drain();
      const [row] = await t.db.query<{ processed_at: Date | null }>('SELECT processed_at FROM webhook_events WHERE event_key = $1', [key]);
      if (row?.processed_at) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`event ${key} was not processed`);
  };
  const ticketCount = async () => (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tickets'))[0]!.n;

  test('a multipart report with a PNG and a PDF becomes a ticket with both files stored', async () => {
    const photo = png(4, 3, 1);
    const res = await post()
      .field('report', report({ clientRef: `mp-${engine}-1`, contact: { name: 'Lan', phone: '0912345678' } }))
      .attach('attachments', photo, { filename: 'Ảnh ổ gà.png', contentType: 'image/png' })
      .attach('attachments', PDF, { filename: 'don-phan-anh.pdf', contentType: 'application/pdf' });
    expect(res.status).toBe(201);
    expect(res.body.code).toMatch(/^PA-\d{4}-[0-9A-Z]{5}$/);
    expect(res.body.trackingToken).toEqual(expect.any(String));
    const rows = await rowsOf(res.body.code);
    expect(rows.map((r) => [r.file_name, r.content_type, r.size])).toEqual([
      ['Ảnh ổ gà.png', 'image/png', photo.length], ['don-phan-anh.pdf', 'application/pdf', PDF.length]]);
    expect(rows[0]!.sha256).toBe(sha(photo));
    expect(fs.readFileSync(onDisk(rows[0]!.storage_key)).equals(photo)).toBe(true);
    expect(fs.readFileSync(onDisk(rows[1]!.storage_key)).equals(PDF)).toBe(true);
    expect(rows[0]!.id).toBe(`${rows[0]!.message_id}-0`);
    const list = await messageAttachments(res.body.code);
    expect(list.map((a) => [a.id, a.fileName, a.contentType, a.size])).toEqual(rows.map((r) => [r.id, r.file_name, r.content_type, r.size]));
    // The JSON answer of the contract, plus what happened to each file.
    expect(res.body.attachments).toEqual(rows.map((r) => ({ id: r.id, status: 'stored' })));
  });

  test('a path in the file name is dropped; the bytes land under DATA_DIR/attachments only', async () => {
    const res = await post().field('report', report())
      .attach('attachments', png(), { filename: '../../etc/passwd.png', contentType: 'image/png' });
    expect(res.status).toBe(201);
    const [row] = await rowsOf(res.body.code);
    expect(row!.file_name).toBe('passwd.png');
    expect(row!.storage_key).toMatch(/^t\d+\/\d+-0-[0-9a-f]{16}$/);
    expect(onDisk(row!.storage_key).startsWith(path.join(dataDir, 'attachments') + path.sep)).toBe(true);
    expect(filesUnder(dataDir).every((f) => f.startsWith(path.join(dataDir, 'attachments')))).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'etc'))).toBe(false);
  });

  test('a PNG declared as a PDF is stored as image/png', async () => {
    const res = await post().field('report', report())
      .attach('attachments', png(), { filename: 'bien-ban.pdf', contentType: 'application/pdf' });
    expect(res.status).toBe(201);
    const [row] = await rowsOf(res.body.code);
    expect(row!.content_type).toBe('image/png');
    expect(row!.file_name).toBe('bien-ban.png');
  });

  test.each([
    ['an executable named as a photo', EXE, 'anh.jpg', 'image/jpeg', 'executable'],
    ['a zip named as a photo', ZIP, 'anh.png', 'image/png', 'archive'],
    ['HTML named as a photo', HTML, 'anh.png', 'image/png', 'markup'],
    ['SVG', SVG, 'logo.svg', 'image/svg+xml', 'markup'],
  ])('%s is refused with 415 and no ticket is made', async (_n, bytes, filename, type, reason) => {
    const before = await ticketCount();
    const res = await post().field('report', report())
      .attach('attachments', png(), { filename: 'ok.png', contentType: 'image/png' })
      .attach('attachments', bytes, { filename, contentType: type });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('unsupported_attachment_type');
    expect(res.body.error.message).toContain(filename);
    expect(res.body.error.messageEn).toContain('refused');
    expect(res.body.error.details).toEqual([{ index: 1, fileName: filename, reason }]);
    expect(await ticketCount()).toBe(before);
  });

  test('too many files, too large a file or too large a field answer 413 with a clear message', async () => {
    const before = await ticketCount();
    let req = post().field('report', report());
    for (let i = 0; i < 6; i++) req = req.attach('attachments', png(2, 2, i), { filename: `a${i}.png`, contentType: 'image/png' });
    const many = await req;
    expect(many.status).toBe(413);
    expect(many.body.error.code).toBe('too_many_attachments');
    expect(many.body.error.message).toContain('tối đa 5');
    expect(many.body.error.messageEn).toContain('At most 5');

    const big = Buffer.concat([png(), Buffer.alloc(10 * 1024 * 1024, 7)]);
    const large = await post().field('report', report()).attach('attachments', big, { filename: 'to.png', contentType: 'image/png' });
    expect(large.status).toBe(413);
    expect(large.body.error.code).toBe('attachment_too_large');
    expect(large.body.error.message).toContain('10 MB');

    const field = await post().field('report', report({ text: 'x'.repeat(101 * 1024) }));
    expect(field.status).toBe(413);
    expect(field.body.error.code).toBe('field_too_large');
    expect(await ticketCount()).toBe(before);

    // Five files of just under 10 MB are fine.
    const five = await (() => {
      let r = post().field('report', report());
      for (let i = 0; i < 5; i++) r = r.attach('attachments', png(2, 2, 10 + i), { filename: `b${i}.png`, contentType: 'image/png' });
      return r;
    })();
    expect(five.status).toBe(201);
    expect(await rowsOf(five.body.code)).toHaveLength(5);
  });

  test('validation is the JSON path\'s: missing text gives the same 400 and message', async () => {
    const json = await post().send({ channel: 'web' });
    const mp = await post().field('report', JSON.stringify({ channel: 'web' })).attach('attachments', png(), 'a.png');
    expect(json.status).toBe(400);
    expect(mp.status).toBe(400);
    expect(mp.body).toEqual(json.body);
    const unknownCat = await post().field('report', report({ category: 'nope' })).attach('attachments', png(), 'a.png');
    expect(unknownCat.status).toBe(400);
    expect(unknownCat.body.error.code).toBe('unknown_category');
    const broken = await post().field('report', '{"channel":"web"').attach('attachments', png(), 'a.png');
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('malformed_json');
    const noReport = await post().attach('attachments', png(), 'a.png');
    expect(noReport.status).toBe(400);
    expect(noReport.body.error.code).toBe('report_field_required');
    const stray = await post().field('report', report()).field('text', 'flat fields are not used');
    expect(stray.status).toBe(400);
    expect(stray.body.error.code).toBe('unknown_form_field');
    const garbage = await post().set('content-type', 'multipart/form-data; boundary=XYZ').send('--XYZ\r\nContent-Disposition: form-data; name="report"\r\n\r\n{"chan');
    expect(garbage.status).toBe(400);
    const noBoundary = await post().set('content-type', 'multipart/form-data').send('whatever');
    expect(noBoundary.status).toBe(400);
    // Without files, multipart is just another way to send the report.
    const plain = await post().field('report', report());
    expect(plain.status).toBe(201);
    // The JSON as a file part (a Blob in FormData, or octet-stream), with five photos: still fine.
    let asFile = post().attach('report', Buffer.from(report()), { filename: 'blob', contentType: 'application/json' });
    for (let i = 0; i < 5; i++) asFile = asFile.attach('attachments', png(2, 2, 30 + i), `c${i}.png`);
    const blob = await asFile;
    expect(blob.status).toBe(201);
    expect(await rowsOf(blob.body.code)).toHaveLength(5);
    const bigBlob = await post().attach('report', Buffer.from(report({ text: 'y'.repeat(101 * 1024) })), { filename: 'blob', contentType: 'application/json' });
    expect(bigBlob.status).toBe(413);
    expect(bigBlob.body.error.code).toBe('field_too_large');
  });

  test('the same clientRef twice with files is one ticket and each file once', async () => {
    const photo = png(5, 5, 9);
    const send = () => post().field('report', report({ clientRef: `dup-${engine}` }))
      .attach('attachments', photo, { filename: 'a.png', contentType: 'image/png' })
      .attach('attachments', PDF, { filename: 'b.pdf', contentType: 'application/pdf' });
    const a = await send();
    const filesAfterFirst = filesUnder(dataDir).length;
    const b = await send();
    const [c, d] = await Promise.all([send(), send()]);
    expect(a.status).toBe(201);
    expect([b.status, c.status, d.status]).toEqual([200, 200, 200]);
    expect(new Set([a.body.code, b.body.code, c.body.code, d.body.code]).size).toBe(1);
    expect(b.body.attachments.map((x: { status: string }) => x.status)).toEqual(['existing', 'existing']);
    expect(await rowsOf(a.body.code)).toHaveLength(2);
    expect(await messageAttachments(a.body.code)).toHaveLength(2);
    expect(filesUnder(dataDir).length).toBe(filesAfterFirst);
  });

  test('files are served to staff who may see the ticket, 404 to another agency, 401 to nobody', async () => {
    const photo = png(6, 2, 3);
    const res = await post().field('report', report())
      .attach('attachments', photo, { filename: 'Ảnh "hiện trường".png', contentType: 'image/png' })
      .attach('attachments', PDF, { filename: 'x.pdf', contentType: 'application/pdf' });
    const [img, pdf] = await rowsOf(res.body.code);
    await t.db.query('UPDATE tickets SET agency_id = $2 WHERE code = $1', [res.body.code, people.agencyA]);

    const anon = await supertest(t.app).get(`/api/v1/attachments/${img!.id}`);
    expect(anon.status).toBe(401);

    const op = await loginAs(t.app, 'op@test.vn');
    const got = await op.get(`/api/v1/attachments/${img!.id}`).buffer(true).parse((r, cb) => {
      const parts: Buffer[] = []; r.on('data', (c: Buffer) => parts.push(c)); r.on('end', () => cb(null, Buffer.concat(parts)));
    });
    expect(got.status).toBe(200);
    expect(Buffer.compare(got.body as Buffer, photo)).toBe(0);
    expect(got.headers['content-type']).toBe('image/png');
    expect(got.headers['x-content-type-options']).toBe('nosniff');
    expect(got.headers['content-disposition']).toMatch(/^inline; filename="Anh _hien truong_.png"; filename\*=UTF-8''/);
    expect(got.headers['content-security-policy']).toContain('sandbox');

    const pdfRes = await op.get(`/api/v1/attachments/${pdf!.id}`);
    expect(pdfRes.status).toBe(200);
    expect(pdfRes.headers['content-type']).toBe('application/pdf');
    expect(pdfRes.headers['content-disposition']).toMatch(/^attachment; /);

    const staffA = await loginAs(t.app, 'staff.a@test.vn');
    expect((await staffA.get(`/api/v1/attachments/${img!.id}`)).status).toBe(200);
    const staffB = await loginAs(t.app, 'staff.b@test.vn');
    const other = await staffB.get(`/api/v1/attachments/${img!.id}`);
    expect(other.status).toBe(404);
    expect((await op.get('/api/v1/attachments/999999-0')).status).toBe(404);
    expect(other.body).toEqual((await staffB.get('/api/v1/attachments/999999-0')).body);
  });

  test('platform URLs are fetched in the inbound job: good files stored, bad ones recorded, the message kept', async () => {
    const ext = `${engine}-url-1`;
    const payload = {
      channel: 'zalo', externalId: ext, identity: { kind: 'zalo', value: `z-${engine}-1` }, text: 'Cống bị tắc, gửi ảnh',
      sentAt: new Date().toISOString(), kind: 'message',
      attachments: [
        { fileName: 'photo.png', url: `${media.base}/photo.png`, kind: 'image' },
        { fileName: 'gone.jpg', url: `${media.base}/missing.jpg`, kind: 'image' },
        { fileName: 'huge.png', url: `${media.base}/declared-huge.png`, kind: 'image' },
        { fileName: 'endless.png', url: `${media.base}/endless.png`, kind: 'image' },
        { fileName: 'page.png', url: `${media.base}/page.png`, kind: 'image' },
        { fileName: 'r.png', url: `${media.base}/redirect-to-photo`, kind: 'image' },
        { fileName: 'evil.png', url: `${media.base}/redirect-to-file`, kind: 'image' },
        { fileName: 'ftp.png', url: 'ftp://127.0.0.1/x.png', kind: 'image' },
        { fileName: 'flaky.png', url: `${media.base}/flaky.png`, kind: 'image' },
      ],
    };
    await deliver(ext, payload);

    const ev = (await t.db.query<{ outcome: string; ticket_id: number }>(`SELECT outcome, ticket_id FROM webhook_events WHERE event_key = $1`, [ext]))[0]!;
    expect(ev.outcome).toBe('ticket_created');
    const code = (await t.db.query<{ code: string }>('SELECT code FROM tickets WHERE id = $1', [ev.ticket_id]))[0]!.code;
    const list = await messageAttachments(code);
    expect(list.map((a) => a.error?.code ?? a.contentType)).toEqual([
      'image/png', 'http_404', 'too_large', 'too_large', 'refused_markup', 'image/png', 'unsupported_redirect', 'unsupported_url', 'image/png']);
    const rows = await rowsOf(code);
    expect(rows.map((r) => r.id.split('-')[1])).toEqual(['0', '5', '8']);
    expect(fs.readFileSync(onDisk(rows[0]!.storage_key)).equals(png(3, 3, 7))).toBe(true);
    const failed = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ticket_events WHERE ticket_id = $1 AND type = 'attachment_failed'`, [ev.ticket_id]);
    expect(failed[0]!.n).toBe(6);
    expect(media.hits['/flaky.png']).toBe(2);

    // The platform sends the same message again: nothing is fetched or stored twice.
    const hitsBefore = { ...media.hits };
    await deliver(`${ext}-again`, payload);
    expect(media.hits).toEqual(hitsBefore);
    expect(await rowsOf(code)).toHaveLength(3);
    expect(await messageAttachments(code)).toHaveLength(9);
    const again = await t.db.query<{ outcome: string }>(`SELECT outcome FROM webhook_events WHERE event_key = $1`, [`${ext}-again`]);
    expect(again[0]!.outcome).toBe('duplicate');
  });

  test('a message whose files all fail still opens its ticket; a platform that keeps failing ends recorded, not retried forever', async () => {
    media.flakyFailures = 100;
    const ext = `${engine}-url-2`;
    const payload = {
      channel: 'zalo', externalId: ext, identity: { kind: 'zalo', value: `z-${engine}-2` }, text: 'Đèn đường hỏng',
      sentAt: new Date().toISOString(), kind: 'message',
      attachments: [{ fileName: 'x.png', url: `${media.base}/flaky.png` }, { fileName: 'y.png', url: 'http://127.0.0.1:1/nothing.png' }],
    };
    const hits = media.hits['/flaky.png'] ?? 0;
    await deliver(ext, payload);
    const ev = (await t.db.query<{ outcome: string; ticket_id: number }>(`SELECT outcome, ticket_id FROM webhook_events WHERE event_key = $1`, [ext]))[0]!;
    expect(ev.outcome).toBe('ticket_created');
    const code = (await t.db.query<{ code: string }>('SELECT code FROM tickets WHERE id = $1', [ev.ticket_id]))[0]!.code;
    expect((await messageAttachments(code)).map((a) => a.error?.code)).toEqual(['http_503', 'network']);
    expect(media.hits['/flaky.png']! - hits).toBe(3); // one try and two retries
    media.flakyFailures = 1;
  });

  test('the portal offers a photo input and the API document describes the multipart form', async () => {
    const page = await supertest(t.app).get('/');
    expect(page.text).toMatch(/<input id="photo-camera" type="file" accept="image\/\*" capture/);
    const docs = await supertest(t.app).get('/api/docs');
    expect(docs.status).toBe(200);
    const post = docs.body.paths['/api/v1/reports'].post;
    expect(Object.keys(post.requestBody.content)).toEqual(['application/json', 'multipart/form-data']);
    expect(post.requestBody.content['multipart/form-data'].schema.required).toEqual(['report']);
    expect(post.parameters[0].name).toBe('X-Device-Id');
    expect(docs.body.paths['/api/v1/attachments/{id}']).toBeDefined();
  });

  test('the app: per-device idempotency with X-Device-Id', async () => {
    const body = { channel: 'app', text: 'Rác thải tồn đọng ở chợ Nam', clientRef: `ref-${engine}-7` };
    const devA = `device-A-${engine}-0001`;
    const devB = `device-B-${engine}-0002`;
    const a1 = await post().set('X-Device-Id', devA).send(body);
    const b1 = await post().set('X-Device-Id', devB).send(body);
    const a2 = await post().set('X-Device-Id', devA).send(body);
    expect([a1.status, b1.status, a2.status]).toEqual([201, 201, 200]);
    expect(a2.body.code).toBe(a1.body.code);
    expect(b1.body.code).not.toBe(a1.body.code);
    const keys = await t.db.query<{ idempotency_key: string }>('SELECT idempotency_key FROM tickets WHERE code = ANY($1::text[]) ORDER BY id', [[a1.body.code, b1.body.code]]);
    expect(keys.map((k) => k.idempotency_key)).toEqual([`app:${devA}:${body.clientRef}`, `app:${devB}:${body.clientRef}`]);

    // Multipart from the app, same device and clientRef: the same ticket.
    const mp = await post().set('X-Device-Id', devA).field('report', JSON.stringify(body)).attach('attachments', png(), 'p.png');
    expect(mp.status).toBe(200);
    expect(mp.body.code).toBe(a1.body.code);
    expect(await rowsOf(a1.body.code)).toHaveLength(1);

    // No device id: the plain key of the contract; the web ignores the header.
    const noDev = await post().send({ ...body, clientRef: `nodev-${engine}` });
    const web = await post().set('X-Device-Id', devA).send({ ...body, channel: 'web', clientRef: `web-${engine}` });
    const k2 = await t.db.query<{ idempotency_key: string }>('SELECT idempotency_key FROM tickets WHERE code = ANY($1::text[]) ORDER BY id', [[noDev.body.code, web.body.code]]);
    expect(k2.map((k) => k.idempotency_key)).toEqual([`app:nodev-${engine}`, `web:web-${engine}`]);

    for (const bad of ['short', 'has space in it', 'x'.repeat(129), 'dev:with:colons']) {
      const r = await post().set('X-Device-Id', bad).send(body);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('invalid_device_id');
    }
  });
});
