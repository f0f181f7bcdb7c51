/**
 * The real type of a file, from its first bytes. The declared type and the file name's extension
 * are never trusted: a citizen's phone, a platform or an attacker can say anything about them.
 * Only the types a report needs are accepted (photos, voice, short video, PDF); everything else is
 * refused with a reason the citizen can understand.
 */
export type AttachmentKind = 'image' | 'audio' | 'video' | 'file';

export type SniffedType = { ok: true; contentType: string; kind: AttachmentKind; extensions: string[] };
export type RefusedType = { ok: false; code: RefusalCode; reasonVi: string; reasonEn: string };
export type RefusalCode = 'empty' | 'executable' | 'archive' | 'markup' | 'unknown';

const ascii = (b: Buffer, start: number, end: number) => b.subarray(start, end).toString('latin1');
const starts = (b: Buffer, bytes: number[], at = 0) => b.length >= at + bytes.length && bytes.every((x, i) => b[at + i] === x);

const accept = (contentType: string, kind: AttachmentKind, ...extensions: string[]): SniffedType => ({ ok: true, contentType, kind, extensions });

// ISO base media (ftyp box at offset 4): the major brand tells HEIF images from MP4/M4A/3GP/MOV.
const FTYP_BRANDS: Record<string, SniffedType> = {
  heic: accept('image/heic', 'image', 'heic'), heix: accept('image/heic', 'image', 'heic'),
  heim: accept('image/heic', 'image', 'heic'), heis: accept('image/heic', 'image', 'heic'),
  hevc: accept('image/heic-sequence', 'image', 'heics'), hevx: accept('image/heic-sequence', 'image', 'heics'),
  mif1: accept('image/heif', 'image', 'heif', 'heic'), msf1: accept('image/heif-sequence', 'image', 'heifs'),
  avif: accept('image/avif', 'image', 'avif'),
  'M4A ': accept('audio/mp4', 'audio', 'm4a'), 'M4B ': accept('audio/mp4', 'audio', 'm4a', 'm4b'),
  'M4V ': accept('video/mp4', 'video', 'mp4', 'm4v'), 'M4VP': accept('video/mp4', 'video', 'mp4', 'm4v'),
  isom: accept('video/mp4', 'video', 'mp4'), iso2: accept('video/mp4', 'video', 'mp4'), iso4: accept('video/mp4', 'video', 'mp4'),
  iso5: accept('video/mp4', 'video', 'mp4'), iso6: accept('video/mp4', 'video', 'mp4'),
  mp41: accept('video/mp4', 'video', 'mp4'), mp42: accept('video/mp4', 'video', 'mp4'), avc1: accept('video/mp4', 'video', 'mp4'),
  dash: accept('video/mp4', 'video', 'mp4'), MSNV: accept('video/mp4', 'video', 'mp4'), 'f4v ': accept('video/mp4', 'video', 'mp4'),
  '3gp4': accept('video/3gpp', 'video', '3gp'), '3gp5': accept('video/3gpp', 'video', '3gp'), '3gp6': accept('video/3gpp', 'video', '3gp'),
  '3gp7': accept('video/3gpp', 'video', '3gp'), '3gs7': accept('video/3gpp', 'video', '3gp'), '3ge6': accept('video/3gpp', 'video', '3gp'),
  '3g2a': accept('video/3gpp2', 'video', '3g2'), '3g2b': accept('video/3gpp2', 'video', '3g2'), '3g2c': accept('video/3gpp2', 'video', '3g2'),
  // iPhones record video as QuickTime.
  'qt  ': accept('video/quicktime', 'video', 'mov'),
};

const refuse = (code: RefusalCode, reasonVi: string, reasonEn: string): RefusedType => ({ ok: false, code, reasonVi, reasonEn });
const NOT_ALLOWED_VI = 'Chỉ nhận ảnh (JPEG, PNG, GIF, WEBP, HEIC), âm thanh (MP3, WAV, OGG, M4A, AMR), video (MP4, 3GP, MOV) và PDF.';
const NOT_ALLOWED_EN = 'Only photos (JPEG, PNG, GIF, WEBP, HEIC), audio (MP3, WAV, OGG, M4A, AMR), video (MP4, 3GP, MOV) and PDF are accepted.';

/** MPEG audio frame header (MP3 without an ID3 tag): 11 sync bits and no reserved values. */
function isMpegAudioFrame(b: Buffer): boolean {
  if (b.length < 4 || b[0] !== 0xff || (b[1]! & 0xe0) !== 0xe0) return false;
  const version = (b[1]! >> 3) & 0x03; // 01 reserved
  const layer = (b[1]! >> 1) & 0x03; // 00 reserved (and ADTS AAC)
  const bitrate = (b[2]! >> 4) & 0x0f; // 1111 invalid
  const sampleRate = (b[2]! >> 2) & 0x03; // 11 reserved
  return version !== 1 && layer !== 0 && bitrate !== 0x0f && sampleRate !== 3;
}

export function sniffType(b: Buffer): SniffedType | RefusedType {
  if (b.length === 0) return refuse('empty', 'Tệp rỗng (0 byte).', 'The file is empty.');
  if (starts(b, [0xff, 0xd8, 0xff])) return accept('image/jpeg', 'image', 'jpg', 'jpeg');
  if (starts(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return accept('image/png', 'image', 'png');
  if (b.length >= 6 && (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a')) return accept('image/gif', 'image', 'gif');
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF') {
    const form = ascii(b, 8, 12);
    if (form === 'WEBP') return accept('image/webp', 'image', 'webp');
    if (form === 'WAVE') return accept('audio/wav', 'audio', 'wav');
  }
  if (b.length >= 12 && ascii(b, 4, 8) === 'ftyp') {
    const t = FTYP_BRANDS[ascii(b, 8, 12)];
    if (t) return t;
  }
  if (b.length >= 5 && ascii(b, 0, 5) === '%PDF-') return accept('application/pdf', 'file', 'pdf');
  if (b.length >= 3 && ascii(b, 0, 3) === 'ID3') return accept('audio/mpeg', 'audio', 'mp3');
  if (isMpegAudioFrame(b)) return accept('audio/mpeg', 'audio', 'mp3');
  if (b.length >= 4 && ascii(b, 0, 4) === 'OggS') return accept('audio/ogg', 'audio', 'ogg', 'oga', 'opus');
  if (b.length >= 9 && ascii(b, 0, 9) === '#!AMR-WB\n') return accept('audio/amr-wb', 'audio', 'awb', 'amr');
  if (b.length >= 6 && ascii(b, 0, 6) === '#!AMR\n') return accept('audio/amr', 'audio', 'amr');

  // Refused, with the clearest reason we can give.
  if (starts(b, [0x4d, 0x5a]) || starts(b, [0x7f, 0x45, 0x4c, 0x46]) || starts(b, [0xcf, 0xfa, 0xed, 0xfe]) ||
      starts(b, [0xce, 0xfa, 0xed, 0xfe]) || starts(b, [0xca, 0xfe, 0xba, 0xbe]) || starts(b, [0x23, 0x21])) {
    return refuse('executable', `Tệp chương trình/mã thực thi không được chấp nhận. ${NOT_ALLOWED_VI}`, `Executable files are refused. ${NOT_ALLOWED_EN}`);
  }
  if (starts(b, [0x50, 0x4b, 0x03, 0x04]) || starts(b, [0x50, 0x4b, 0x05, 0x06]) || starts(b, [0x1f, 0x8b]) ||
      (b.length >= 4 && ascii(b, 0, 4) === 'Rar!') || starts(b, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) {
    return refuse('archive', `Tệp nén (zip, rar, 7z…) không được chấp nhận. ${NOT_ALLOWED_VI}`, `Archives (zip, rar, 7z…) are refused. ${NOT_ALLOWED_EN}`);
  }
  const head = b.subarray(0, 512).toString('utf8').replace(/^\uFEFF/, '').trimStart().toLowerCase();
  if (head.startsWith('<')) {
    return refuse('markup', `Tệp HTML/SVG/XML không được chấp nhận. ${NOT_ALLOWED_VI}`, `HTML, SVG and XML files are refused. ${NOT_ALLOWED_EN}`);
  }
  return refuse('unknown', `Không nhận dạng được loại tệp. ${NOT_ALLOWED_VI}`, `The file type is not recognised. ${NOT_ALLOWED_EN}`);
}
