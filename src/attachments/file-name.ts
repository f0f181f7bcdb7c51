/**
 * Display names of attachments. They are shown to staff and sent back in Content-Disposition, and
 * never used to build a storage path (keys come from ids, see store.ts).
 */
const MAX_NAME_CHARS = 120;
// C0/C1 controls, bidi overrides and isolates (a classic "gpj.exe" trick), zero-width characters.
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
// Half a surrogate pair is no character at all, and encodeURIComponent (Content-Disposition) throws on it.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The last path segment, without controls, reserved characters or leading dots, at most 120 characters. */
export function sanitiseFileName(declared: string | null | undefined, extensions: readonly string[], fallbackBase = 'tep-dinh-kem'): string {
  let name = String(declared ?? '').normalize('NFC').replace(UNSAFE_CHARS, '').replace(LONE_SURROGATE, '');
  name = name.split(/[\\/]/).pop() ?? '';
  name = name.replace(/[<>:"|?*]/g, '_').replace(/\s+/g, ' ').trim().replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
  const dot = name.lastIndexOf('.');
  let base = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  if (!base) base = fallbackBase;
  // The extension follows the sniffed type: a PNG named "scan.pdf" becomes "scan.png".
  const finalExt = extensions.length === 0 ? ext : extensions.includes(ext) ? ext : extensions[0]!;
  const suffix = finalExt ? `.${finalExt}` : '';
  const chars = Array.from(base);
  if (chars.length + suffix.length > MAX_NAME_CHARS) base = chars.slice(0, MAX_NAME_CHARS - suffix.length).join('').trimEnd();
  return base + suffix;
}

/**
 * RFC 6266 Content-Disposition with an ASCII fallback and the UTF-8 name in filename*, so a
 * Vietnamese name survives and no quote or newline can break the header.
 */
export function contentDisposition(fileName: string, disposition: 'inline' | 'attachment'): string {
  const fallback = fileName.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, (c) => (c === 'đ' ? 'd' : 'D'))
    .replace(/[^A-Za-z0-9._ -]/g, '_') || 'file';
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${disposition}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
