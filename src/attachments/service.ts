import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { InboundAttachment } from '../channels/types';
import type { HubConfig } from '../config';
import type { Database } from '../db/database';
import type { Logger } from '../shared/logger';
import { downloadLimited } from './download';
import { sanitiseFileName } from './file-name';
import { sniffType, type RefusedType, type SniffedType } from './sniff';
import type { AttachmentStore } from './store';

export type AttachmentOptions = {
  /** Hard cap per downloaded file (platform URLs). */
  maxDownloadBytes: number;
  /** Hard cap per file handed over as bytes (email, multipart; multipart has its own lower limit). */
  maxInlineBytes: number;
  downloadTimeoutMs: number;
  /** Tries per URL for transient failures (network, timeout, 429, 5xx), with these pauses between them. */
  retryDelaysMs: number[];
  /** Credentials for a platform's own media URLs (Twilio recordings); only for the exact hosts they belong to. */
  credentialsFor?: (url: URL) => Record<string, string> | undefined;
  /** Files of one message taken in parallel. */
  concurrency: number;
};

export const DEFAULT_ATTACHMENT_OPTIONS: AttachmentOptions = {
  maxDownloadBytes: 20 * 1024 * 1024,
  maxInlineBytes: 20 * 1024 * 1024,
  downloadTimeoutMs: 15_000,
  retryDelaysMs: [500, 2000],
  concurrency: 3,
};

/** One entry of messages.attachments (jsonb). A file that could not be taken carries `error`. */
export type AttachmentEntry = {
  id: string; fileName: string; contentType: string; size: number; url?: string;
  error?: { code: string; message: string };
};

export type AttachmentRecord = {
  id: string; ticketId: number; messageId: number | null; fileName: string; contentType: string; size: number;
  sha256: string; storageKey: string; sourceUrl: string | null; createdAt: Date;
};

export type IngestOutcome =
  | { index: number; id: string; status: 'stored'; contentType: string; size: number; fileName: string }
  | { index: number; id: string; status: 'existing' }
  | { index: number; id: string; status: 'failed'; code: string; reason: string };

type AttachmentRow = {
  id: string; ticket_id: number; message_id: number | null; file_name: string; content_type: string; size: number;
  sha256: string; storage_key: string; source_url: string | null; created_at: Date;
};

const toRecord = (r: AttachmentRow): AttachmentRecord => ({
  id: r.id, ticketId: Number(r.ticket_id), messageId: r.message_id === null ? null : Number(r.message_id), fileName: r.file_name,
  contentType: r.content_type, size: Number(r.size), sha256: r.sha256, storageKey: r.storage_key, sourceUrl: r.source_url, createdAt: r.created_at,
});

/** What a check of bytes says before anything is stored (the multipart route refuses early with it). */
export function inspectBytes(data: Buffer): SniffedType | RefusedType {
  return sniffType(data);
}

/** A URL as provenance: signed query strings (tokens that expire) are not kept. */
function provenance(raw: string | undefined): string | null {
  if (!raw) return null;
  try {
    const u = new URL(raw);
    return `${u.origin}${u.pathname}`.slice(0, 1000);
  } catch {
    return null;
  }
}

const entryIndex = (id: string) => Number(id.slice(id.lastIndexOf('-') + 1));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Takes a message's attachments in: bytes or a URL → sniffed type → sha256 → store → an
 * `attachments` row and an entry in the message's `attachments` list. The id of the i-th attachment
 * of message m is `m-i`, so a retried job or a retried upload never stores a file twice. A file
 * that cannot be taken (404, too big, refused type) is recorded on the message and as a ticket
 * event; it never fails the message itself.
 */
export class AttachmentService {
  readonly options: AttachmentOptions;

  constructor(
    private readonly db: Database,
    readonly store: AttachmentStore,
    private readonly log: Logger,
    options: Partial<AttachmentOptions> = {},
  ) {
    this.options = { ...DEFAULT_ATTACHMENT_OPTIONS, ...options };
  }

  /** The first inbound message of a ticket: where a portal/app upload belongs. */
  async firstInboundMessageId(ticketId: number): Promise<number | null> {
    const rows = await this.db.query<{ id: number }>(
      `SELECT id FROM messages WHERE ticket_id = $1 AND direction = 'inbound' ORDER BY id LIMIT 1`, [ticketId]);
    return rows[0] ? Number(rows[0].id) : null;
  }

  async ingestAll(messageId: number, items: InboundAttachment[]): Promise<IngestOutcome[]> {
    const msg = (await this.db.query<{ ticket_id: number; attachments: AttachmentEntry[] | null }>(
      'SELECT ticket_id, attachments FROM messages WHERE id = $1', [messageId]))[0];
    if (!msg) throw new Error(`message ${messageId} does not exist`);
    const ticketId = Number(msg.ticket_id);
    const rows = await this.db.query<{ id: string }>('SELECT id FROM attachments WHERE message_id = $1', [messageId]);
    const done = new Set([...(msg.attachments ?? []).map((a) => a.id), ...rows.map((r) => r.id)]);
    const out: IngestOutcome[] = new Array(items.length);
    // A few files at a time: a message with several slow URLs must not hold a job worker for minutes.
    let next = 0;
    const worker = async () => {
      for (let index = next++; index < items.length; index = next++) {
        const id = `${messageId}-${index}`;
        out[index] = done.has(id) ? { index, id, status: 'existing' } : await this.ingestOne(ticketId, messageId, index, items[index]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, items.length) }, worker));
    return out;
  }

  /**
   * For the inbound job: a storage or database error is retried with the job; on its last attempt
   * it is logged and the message stays (without the file) rather than the event being lost.
   */
  async ingestForJob(messageId: number, items: InboundAttachment[], ctx: { attempt: number; maxAttempts: number }): Promise<void> {
    try {
      await this.ingestAll(messageId, items);
    } catch (err) {
      if (ctx.attempt < ctx.maxAttempts) throw err;
      this.log.error({ messageId, err: (err as Error).message }, 'attachments could not be stored; the message is kept without them');
    }
  }

  private async ingestOne(ticketId: number, messageId: number, index: number, item: InboundAttachment): Promise<IngestOutcome> {
    const id = `${messageId}-${index}`;
    let data: Buffer;
    if (item.data) {
      data = item.data;
      if (data.length > this.options.maxInlineBytes) {
        return this.recordFailure(ticketId, messageId, index, item, 'too_large', `the file is ${data.length} bytes; the limit is ${this.options.maxInlineBytes}`);
      }
    } else if (item.url) {
      const got = await this.download(item.url);
      if (!got.ok) return this.recordFailure(ticketId, messageId, index, item, got.code, got.reason);
      data = got.data;
    } else {
      return this.recordFailure(ticketId, messageId, index, item, 'no_content', 'the attachment has neither bytes nor a URL');
    }
    const type = sniffType(data);
    if (!type.ok) return this.recordFailure(ticketId, messageId, index, item, `refused_${type.code}`, type.reasonEn);
    const sha256 = createHash('sha256').update(data).digest('hex');
    const fileName = sanitiseFileName(item.fileName, type.extensions);
    const storageKey = `t${ticketId}/${id}-${sha256.slice(0, 16)}`;
    await this.store.put(storageKey, data);
    const entry: AttachmentEntry = { id, fileName, contentType: type.contentType, size: data.length, url: `/api/v1/attachments/${id}` };
    const existingKey = await this.db.transaction(async (tx) => {
      // The message row first: files of one message are taken in parallel, and the foreign key of
      // the insert below would otherwise share-lock the row before FOR UPDATE (a deadlock).
      await tx.query('SELECT id FROM messages WHERE id = $1 FOR UPDATE', [messageId]);
      const inserted = await tx.query<{ id: string }>(
        `INSERT INTO attachments (id, ticket_id, message_id, file_name, content_type, size, sha256, storage_key, source_url)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING RETURNING id`,
        [id, ticketId, messageId, fileName, type.contentType, data.length, sha256, storageKey, provenance(item.url)]);
      if (!inserted[0]) {
        const other = await tx.query<{ storage_key: string }>('SELECT storage_key FROM attachments WHERE id = $1', [id]);
        return other[0]?.storage_key ?? null;
      }
      await this.addEntry(tx, messageId, entry);
      return null;
    });
    if (existingKey !== null) {
      // A concurrent copy won: keep its file, drop ours unless it is the very same object.
      if (existingKey !== storageKey) await this.store.delete(storageKey).catch(() => undefined);
      return { index, id, status: 'existing' };
    }
    this.log.info({ ticketId, messageId, attachment: id, contentType: type.contentType, size: data.length }, 'attachment stored');
    return { index, id, status: 'stored', contentType: type.contentType, size: data.length, fileName };
  }

  private async download(url: string) {
    let last = await downloadLimited(url, this.dl(url));
    for (const pause of this.options.retryDelaysMs) {
      if (last.ok || last.permanent) break;
      await sleep(pause);
      last = await downloadLimited(url, this.dl(url));
    }
    return last;
  }

  private dl(url: string) {
    let headers: Record<string, string> | undefined;
    try { headers = this.options.credentialsFor?.(new URL(url)); } catch { headers = undefined; }
    return { maxBytes: this.options.maxDownloadBytes, timeoutMs: this.options.downloadTimeoutMs, headers };
  }

  private async addEntry(tx: Pick<Database, 'query'>, messageId: number, entry: AttachmentEntry): Promise<boolean> {
    const cur = await tx.query<{ attachments: AttachmentEntry[] | null }>('SELECT attachments FROM messages WHERE id = $1 FOR UPDATE', [messageId]);
    const list = [...(cur[0]?.attachments ?? [])];
    if (list.some((a) => a.id === entry.id)) return false;
    list.push(entry);
    list.sort((a, b) => entryIndex(a.id) - entryIndex(b.id));
    await tx.query('UPDATE messages SET attachments = $2, updated_at = now() WHERE id = $1', [messageId, JSON.stringify(list)]);
    return true;
  }

  private async recordFailure(ticketId: number, messageId: number, index: number, item: InboundAttachment, code: string, reason: string): Promise<IngestOutcome> {
    const id = `${messageId}-${index}`;
    const fileName = sanitiseFileName(item.fileName, []);
    this.log.warn({ ticketId, messageId, attachment: id, code, reason }, 'attachment not taken');
    await this.db.transaction(async (tx) => {
      const added = await this.addEntry(tx, messageId, { id, fileName, contentType: 'application/octet-stream', size: 0, error: { code, message: reason } });
      if (!added) return;
      await tx.query(
        `INSERT INTO ticket_events (ticket_id, actor_kind, type, data) VALUES ($1, 'system', 'attachment_failed', $2)`,
        [ticketId, JSON.stringify({ messageId, attachmentId: id, fileName, code, reason, source: provenance(item.url) })]);
    });
    return { index, id, status: 'failed', code, reason };
  }

  async find(id: string): Promise<(AttachmentRecord & { agencyId: number | null }) | null> {
    if (id.length > 60) return null;
    const rows = await this.db.query<AttachmentRow & { agency_id: number | null }>(
      'SELECT a.*, t.agency_id FROM attachments a JOIN tickets t ON t.id = a.ticket_id WHERE a.id = $1', [id]);
    const r = rows[0];
    return r ? { ...toRecord(r), agencyId: r.agency_id === null ? null : Number(r.agency_id) } : null;
  }

  async listForTicket(ticketId: number): Promise<AttachmentRecord[]> {
    const rows = await this.db.query<AttachmentRow>('SELECT * FROM attachments WHERE ticket_id = $1 ORDER BY created_at, id', [ticketId]);
    return rows.map(toRecord);
  }

  open(record: Pick<AttachmentRecord, 'storageKey'>): Promise<Readable | null> {
    return this.store.get(record.storageKey);
  }
}

/**
 * Platform media that needs the hub's credentials: Twilio recordings (HTTP basic auth with the
 * account SID and auth token) on api.twilio.com or TWILIO_API_URL's host. Nothing else gets any.
 */
export function platformCredentials(config: HubConfig): (url: URL) => Record<string, string> | undefined {
  const { accountSid, authToken, apiUrl } = config.twilio;
  const hosts = new Set(['api.twilio.com']);
  if (apiUrl) { try { hosts.add(new URL(apiUrl).host); } catch { /* validated elsewhere */ } }
  return (url) => {
    if (!accountSid || !authToken || !hosts.has(url.host)) return undefined;
    if (url.protocol !== 'https:' && url.hostname !== '127.0.0.1' && url.hostname !== 'localhost') return undefined;
    return { authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}` };
  };
}
