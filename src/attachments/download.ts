/**
 * Fetching an attachment a platform points to (Zalo, Facebook, Twilio recordings): http/https only,
 * redirects followed by hand (each hop checked, credentials dropped when the host changes), a hard
 * size cap enforced while streaming, and an overall timeout.
 */
export type DownloadOptions = {
  maxBytes: number;
  timeoutMs: number;
  maxRedirects?: number;
  /** Headers for the first host only (e.g. Twilio's basic auth); never sent after a redirect to another host. */
  headers?: Record<string, string>;
};

export type DownloadResult =
  | { ok: true; data: Buffer; finalUrl: string; declaredType: string | null }
  /** permanent: retrying cannot help (404, too big, bad scheme); otherwise a network error, timeout, 429 or 5xx. */
  | { ok: false; permanent: boolean; code: string; reason: string };

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

const fail = (permanent: boolean, code: string, reason: string): DownloadResult => ({ ok: false, permanent, code, reason });

function parseHttpUrl(raw: string, base?: string): URL | null {
  try {
    const u = new URL(raw, base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : null;
  } catch {
    return null;
  }
}

export async function downloadLimited(rawUrl: string, opts: DownloadOptions): Promise<DownloadResult> {
  const first = parseHttpUrl(rawUrl);
  if (!first) return fail(true, 'unsupported_url', 'only http and https URLs are fetched');
  let url: URL = first;
  const firstOrigin = url.origin;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), opts.timeoutMs);
  try {
    for (let hop = 0; ; hop++) {
      const headers = url.origin === firstOrigin ? { ...(opts.headers ?? {}) } : {};
      let res: Response;
      try {
        res = await fetch(url, { redirect: 'manual', signal: controller.signal, headers: { 'user-agent': '1022-hub/attachments', ...headers } });
      } catch (err) {
        if (controller.signal.aborted) return fail(false, 'timeout', `no complete answer within ${opts.timeoutMs} ms`);
        return fail(false, 'network', `fetch failed: ${(err as Error).message}`);
      }
      if (REDIRECTS.has(res.status)) {
        await res.body?.cancel().catch(() => undefined);
        const next = res.headers.get('location');
        if (hop >= (opts.maxRedirects ?? 5)) return fail(true, 'too_many_redirects', 'too many redirects');
        const nextUrl: URL | null = next ? parseHttpUrl(next, url.toString()) : null;
        if (!nextUrl) return fail(true, 'unsupported_redirect', `redirect to a non-http(s) or invalid location: ${String(next).slice(0, 100)}`);
        url = nextUrl;
        continue;
      }
      if (!res.ok) {
        await res.body?.cancel().catch(() => undefined);
        const transient = res.status === 408 || res.status === 429 || res.status >= 500;
        return fail(!transient, `http_${res.status}`, `the server answered ${res.status}`);
      }
      const declared = Number(res.headers.get('content-length'));
      if (Number.isFinite(declared) && declared > opts.maxBytes) {
        await res.body?.cancel().catch(() => undefined);
        return fail(true, 'too_large', `the file is ${declared} bytes; the limit is ${opts.maxBytes}`);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      if (res.body) {
        const reader = res.body.getReader();
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            size += value.byteLength;
            if (size > opts.maxBytes) {
              await reader.cancel().catch(() => undefined);
              return fail(true, 'too_large', `the file is larger than the limit of ${opts.maxBytes} bytes`);
            }
            chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
          }
        } catch (err) {
          if (controller.signal.aborted) return fail(false, 'timeout', `no complete answer within ${opts.timeoutMs} ms`);
          return fail(false, 'network', `download interrupted: ${(err as Error).message}`);
        }
      }
      return { ok: true, data: Buffer.concat(chunks, size), finalUrl: url.toString(), declaredType: res.headers.get('content-type') };
    }
  } finally {
    clearTimeout(timer);
  }
}
