import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type HeaderValue, type ParsedMail } from 'mailparser';
import { cleanText } from '../../shared/text';
import { findTicketCode } from '../../workflow/ticket-code';
import type { InboundAttachment, InboundMessage, StoredWebhookEvent } from '../types';

/** What the SMTP listener stores for one accepted mail (webhook_events.payload). */
export type EmailEventPayload = {
  /** The whole message as received (RFC 5322), base64. */
  raw: string;
  /** Envelope sender (MAIL FROM); '' for the null sender of bounces. */
  from: string;
  /** Envelope recipients (RCPT TO). */
  to: string[];
  /** Header fields read at acceptance, for threading our replies without decoding `raw` again. */
  messageId: string | null;
  subject: string | null;
  references: string[];
  /** The From header's address, lower-case. */
  sender: string | null;
};

/** Longest Message-ID used as an event key; longer ones (or none) fall back to a content hash. */
const MAX_KEY = 300;
/** Longest text kept from one mail: the rest is usually quoted history or pasted documents. */
const MAX_TEXT = 20_000;

// eslint-disable-next-line no-control-regex
const MESSAGE_ID = /^<[^<>\s\u0000-\u001f\u007f]+>$/;
// PostgreSQL text and jsonb refuse NUL; other control characters are noise.
// eslint-disable-next-line no-control-regex
const noControls = (s: string) => s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();

/** A Message-ID as we store and compare it: "<…>", trimmed; null when absent or not one. */
export function normaliseMessageId(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  let s = v.trim();
  if (!s) return null;
  if (!s.startsWith('<')) s = `<${s}>`;
  return MESSAGE_ID.test(s) && s.length <= MAX_KEY ? s : null;
}

function idList(v: unknown): string[] {
  const parts = Array.isArray(v) ? v : typeof v === 'string' ? v.split(/\s+/) : [];
  const out: string[] = [];
  for (const p of parts) {
    const id = normaliseMessageId(p);
    if (id && !out.includes(id)) out.push(id);
  }
  return out;
}

function firstAddress(a: AddressObject | AddressObject[] | undefined): { address: string; name: string } | null {
  const list = Array.isArray(a) ? a : a ? [a] : [];
  for (const o of list) {
    for (const v of o.value) {
      if (v.address) return { address: noControls(v.address).toLowerCase(), name: cleanText(v.name ?? '') };
      for (const g of v.group ?? []) if (g.address) return { address: noControls(g.address).toLowerCase(), name: cleanText(g.name ?? '') };
    }
  }
  return null;
}

/**
 * Fields mailparser reads with its address parser, in every MIME part. That parser slows down much
 * faster than its input grows (a folded From of 180 KB took 3 s of CPU; found by fuzzing), and it
 * runs before the SMTP answer and in the inbound job: one such mail would stall the whole process.
 */
const ADDRESS_FIELD = /^(?:from|to|cc|bcc|sender|reply-to|delivered-to|return-path|disposition-notification-to|list-[a-z0-9-]*)[ \t]*:[^\n]*(?:\n[ \t][^\n]*)*/gim;
/** No real address field comes near this; a longer one is cut (at a line end when it can be). */
const MAX_ADDRESS_FIELD = 4 * 1024;
/** All address fields of one mail together; past this they keep their name and lose their value. */
const MAX_ADDRESS_BYTES = 64 * 1024;

/** The mail as it is parsed: address fields bounded (see above), every other byte as received. */
export function boundAddressFields(raw: Buffer): Buffer {
  const text = raw.toString('latin1'); // one char per byte: any byte sequence survives the round trip
  let budget = MAX_ADDRESS_BYTES;
  const out = text.replace(ADDRESS_FIELD, (field: string) => {
    const keep = Math.min(MAX_ADDRESS_FIELD, budget);
    if (field.length <= keep) {
      budget -= field.length;
      return field;
    }
    const name = field.slice(0, field.indexOf(':') + 1);
    const lineEnd = field.lastIndexOf('\n', keep);
    let kept = lineEnd > name.length ? field.slice(0, lineEnd) : field.slice(0, Math.max(keep, name.length));
    if (field.endsWith('\r') && !kept.endsWith('\r')) kept += '\r';
    budget = Math.max(0, budget - kept.length);
    return kept;
  });
  return out.length === text.length ? raw : Buffer.from(out, 'latin1');
}

/** The header block of a raw message (up to the first empty line), capped at 256 KiB. */
function headerBlock(raw: Buffer): Buffer {
  const limit = Math.min(raw.length, 256 * 1024);
  const head = raw.subarray(0, limit);
  const crlf = head.indexOf('\r\n\r\n');
  const lf = head.indexOf('\n\n');
  const ends = [crlf, lf].filter((i) => i >= 0);
  return ends.length ? head.subarray(0, Math.min(...ends)) : head;
}

/**
 * Reads the few header fields the listener stores next to the raw message, and the event key:
 * the Message-ID, or the SHA-256 of the bytes when there is none. Never throws.
 */
export async function readEnvelopeHeaders(raw: Buffer): Promise<{ key: string; messageId: string | null; subject: string | null; references: string[]; sender: string | null }> {
  let parsed: ParsedMail | null = null;
  try {
    parsed = await simpleParser(Buffer.concat([boundAddressFields(headerBlock(raw)), Buffer.from('\r\n\r\n')]), { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  } catch {
    parsed = null;
  }
  const messageId = normaliseMessageId(parsed?.messageId);
  const references = idList(parsed?.references);
  const inReplyTo = idList(parsed?.inReplyTo);
  return {
    key: messageId ?? `sha256:${createHash('sha256').update(raw).digest('hex')}`,
    messageId,
    subject: noControls(parsed?.subject ?? '').slice(0, 500) || null,
    references: [...references, ...inReplyTo.filter((i) => !references.includes(i))].slice(-50),
    sender: noControls(firstAddress(parsed?.from)?.address ?? '') || null,
  };
}

// eslint-disable-next-line no-control-regex
const stripControls = (s: string) => s.replace(/[\u0000-\u001f\u007f]/g, '');

/**
 * The stored event for one inbound mail, whichever way it came (the SMTP listener's envelope, or
 * an IMAP mailbox): key = Message-ID or content hash, so the same mail twice is stored once.
 */
export async function emailEvent(raw: Buffer, envelope: { from: string; to: string[] }): Promise<{ key: string; payload: EmailEventPayload }> {
  const h = await readEnvelopeHeaders(raw);
  return {
    key: h.key,
    payload: {
      raw: raw.toString('base64'),
      from: stripControls(envelope.from),
      to: envelope.to.map(stripControls),
      messageId: h.messageId,
      subject: h.subject,
      references: h.references,
      sender: h.sender,
    },
  };
}

const headerText = (v: HeaderValue | undefined): string => {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x : x.value)).join(' ');
  if (v instanceof Date) return v.toISOString();
  if ('value' in v && typeof v.value === 'string') return v.value;
  if ('text' in v) return v.text;
  return '';
};

const AUTOMATED_SENDER = /^(mailer-daemon|postmaster)([+@]|$)/i;

/**
 * Bounces, delivery reports, auto-replies and list mail never open tickets (RFC 3834, RFC 3464):
 * answering them would loop, and nobody reported anything.
 */
export function automatedReason(mail: ParsedMail, envelopeFrom: string): string | null {
  if (envelopeFrom.trim() === '') return 'null envelope sender (bounce)';
  if (AUTOMATED_SENDER.test(envelopeFrom.trim())) return 'automated envelope sender';
  const from = firstAddress(mail.from)?.address ?? '';
  if (from && AUTOMATED_SENDER.test(from)) return 'automated From address';
  const h = mail.headers;
  const contentType = headerText(h.get('content-type')).toLowerCase();
  if (contentType.startsWith('multipart/report')) return 'delivery or disposition report';
  const autoSubmitted = headerText(h.get('auto-submitted')).trim().toLowerCase();
  if (autoSubmitted && !autoSubmitted.startsWith('no')) return `Auto-Submitted: ${autoSubmitted}`;
  if (h.has('x-autoreply') || h.has('x-autorespond') || h.has('x-autoresponder')) return 'auto-reply header';
  const precedence = headerText(h.get('precedence')).trim().toLowerCase();
  if (['bulk', 'junk', 'auto_reply', 'list'].includes(precedence)) return `Precedence: ${precedence}`;
  if (h.has('list-id') || h.has('list-unsubscribe')) return 'mailing list';
  return null;
}

const QUOTE_HEADER_ONE_LINE = [
  /^on\b.{0,300}\bwrote:\s*$/i,
  /^vào\s.{0,300}\sđã viết:\s*$/i,
  /^le\b.{0,300}\ba écrit\s*:\s*$/i,
  /^am\b.{0,300}\bschrieb.{0,100}:\s*$/i,
];
const SEPARATOR = [
  /^-{2,}\s*(original message|forwarded message|thư gốc|tin nhắn gốc|thư chuyển tiếp)\s*-*\s*$/i,
  /^_{10,}\s*$/,
  /^--\s*$/, // signature delimiter "-- "
  /^(sent from my|gửi từ|được gửi từ)\b.{0,60}$/i,
];

/**
 * The citizen's own words: cuts quoted history ("On … wrote:", "Vào … đã viết:", "> …", an
 * Outlook header block) and the signature. Falls back to the whole text when nothing would remain.
 */
export function stripQuoted(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let cut = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i]!.trim();
    const joined = `${t} ${(lines[i + 1] ?? '').trim()}`; // clients wrap "On …, X <x@y>\nwrote:"
    if (t.startsWith('>')) { cut = i; break; }
    if (QUOTE_HEADER_ONE_LINE.some((re) => re.test(t))) { cut = i; break; }
    if (/^(on|vào)\b/i.test(t) && QUOTE_HEADER_ONE_LINE.some((re) => re.test(joined))) { cut = i; break; }
    if (SEPARATOR.some((re) => re.test(t))) { cut = i; break; }
    if (/^(from|từ|người gửi):\s*\S/i.test(t) && lines.slice(i + 1, i + 4).some((l) => /^(sent|date|gửi|ngày|to|đến):\s*/i.test(l.trim()))) { cut = i; break; }
  }
  const kept = tidy(lines.slice(0, cut).join('\n'));
  return kept || tidy(text);
}

function tidy(text: string): string {
  return text
    .split('\n')
    .map((l) => cleanText(l))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

const kindOf = (type: string): InboundAttachment['kind'] =>
  type.startsWith('image/') ? 'image' : type.startsWith('audio/') ? 'audio' : type.startsWith('video/') ? 'video' : 'file';

export type ParseOutcome = { messages: InboundMessage[]; ignored?: string };

/** One stored mail → the citizen's message, or nothing for bounces and auto-replies. */
export async function parseEmailEvent(event: StoredWebhookEvent, ownAddress: string): Promise<ParseOutcome> {
  const p = event.payload as Partial<EmailEventPayload> | null;
  if (!p || typeof p.raw !== 'string') return { messages: [], ignored: 'payload without raw message' };
  const raw = Buffer.from(p.raw, 'base64');
  const envelopeFrom = typeof p.from === 'string' ? p.from : '';
  let mail: ParsedMail;
  try {
    mail = await simpleParser(boundAddressFields(raw), { skipTextToHtml: true, skipImageLinks: true });
  } catch (err) {
    return { messages: [], ignored: `unparseable MIME: ${(err as Error).message}` };
  }
  const auto = automatedReason(mail, envelopeFrom);
  if (auto) return { messages: [], ignored: auto };
  const from = firstAddress(mail.from) ?? (envelopeFrom ? { address: envelopeFrom.toLowerCase(), name: '' } : null);
  if (from && from.address === ownAddress.toLowerCase()) return { messages: [], ignored: 'our own mail came back' };

  const subject = cleanText(mail.subject ?? '');
  const ticketCode = subject ? findTicketCode(subject) : null;
  const inReplyTo = idList(mail.inReplyTo);
  const externalIds = [...inReplyTo, ...idList(mail.references).filter((i) => !inReplyTo.includes(i))];
  const isReply = !!ticketCode || externalIds.length > 0;

  // mailparser fills `text` from the HTML part when there is no plain-text part.
  const body = stripQuoted(mail.text ?? '');
  let text = isReply || !subject ? body : body ? `${subject}\n\n${body}` : subject;
  if (text.length > MAX_TEXT) text = `${text.slice(0, MAX_TEXT)}\n[…]`;

  const attachments: InboundAttachment[] = mail.attachments
    .filter((a) => Buffer.isBuffer(a.content) && a.content.length > 0)
    .map((a, i) => {
      const type = (a.contentType || 'application/octet-stream').toLowerCase();
      return { fileName: cleanText(a.filename ?? '') || `tep-dinh-kem-${i + 1}`, declaredType: noControls(type), data: a.content, kind: kindOf(type) };
    });

  const sentAt = mail.date && !Number.isNaN(mail.date.getTime()) && mail.date.getTime() <= Date.now() + 3600_000 ? mail.date : event.receivedAt;
  return {
    messages: [{
      channel: 'email',
      externalId: event.eventKey,
      identity: from ? { kind: 'email', value: from.address } : null,
      profile: { name: from?.name || null, email: from?.address ?? null },
      text,
      attachments,
      sentAt,
      replyTo: isReply ? { ticketCode, externalIds } : undefined,
      kind: 'message',
    }],
  };
}
