import nodemailer from 'nodemailer';
import type { Queryable } from '../../db/database';
import type { Logger } from '../../shared/logger';
import { PermanentDeliveryError, type ChannelSender, type OutboundMessage, type SendResult } from '../../outbound/senders';
import type { Channel } from '../../workflow/types';
import { normaliseMessageId } from './mime';

export type EmailIdentity = { from: string; address: string; domain: string };

/**
 * Who the hub's mail comes from: the SMTP_URL user when it is an address (providers such as
 * Microsoft 365 or Gmail only relay mail from the authenticated mailbox), otherwise
 * 1022@<PUBLIC_BASE_URL host>. Replies from citizens go there, so its MX must reach the listener.
 */
export function emailIdentity(smtpUrl: string | undefined, publicBaseUrl: string): EmailIdentity {
  let address: string | null = null;
  if (smtpUrl) {
    try {
      const user = decodeURIComponent(new URL(smtpUrl).username);
      if (/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(user)) address = user.toLowerCase();
    } catch { /* not a URL: nodemailer reports it on send */ }
  }
  if (!address) {
    let host = 'localhost';
    try { host = new URL(publicBaseUrl).hostname || host; } catch { /* keep localhost */ }
    address = `1022@${host}`;
  }
  const domain = address.split('@')[1]!;
  return { from: `"Tổng đài 1022" <${address}>`, address, domain };
}

type ThreadRow = { direction: 'inbound' | 'outbound'; external_id: string; subject: string | null; refs: unknown; sender: string | null };

/** The headers that keep our reply in the citizen's thread, read from the ticket's stored mail. */
export type ThreadInfo = { inReplyTo: string | null; references: string[]; subject: string | null; lastSender: string | null };

export async function loadThread(db: Queryable, ticketCode: string, citizenEmails: string[]): Promise<ThreadInfo> {
  const rows = await db.query<ThreadRow>(
    `SELECT m.direction, m.external_id, e.payload->>'subject' AS subject, e.payload->'references' AS refs, e.payload->>'sender' AS sender
     FROM messages m
     JOIN tickets t ON t.id = m.ticket_id
     LEFT JOIN webhook_events e ON m.direction = 'inbound' AND e.channel = 'email' AND e.event_key = m.external_id
     WHERE t.code = $1 AND m.channel = 'email' AND m.external_id IS NOT NULL
     ORDER BY m.id`, [ticketCode]);
  const inbound = rows.filter((r) => r.direction === 'inbound' && normaliseMessageId(r.external_id));
  // Someone else may have quoted the code into this ticket: answer the citizen's own last mail.
  const own = inbound.filter((r) => r.sender && citizenEmails.includes(r.sender));
  const parent = (own.length ? own : inbound).at(-1) ?? null;
  if (!parent) return { inReplyTo: null, references: [], subject: null, lastSender: null };
  const refs: string[] = [];
  const add = (v: unknown) => {
    const id = normaliseMessageId(v);
    if (id && !refs.includes(id)) refs.push(id);
  };
  if (Array.isArray(parent.refs)) parent.refs.forEach(add);
  for (const r of rows.slice(0, rows.indexOf(parent))) add(r.external_id);
  add(parent.external_id);
  // RFC 5322 §3.6.4: the parent's references, then the parent; trimmed to the first and the latest.
  const references = refs.length > 20 ? [refs[0]!, ...refs.slice(-19)] : refs;
  return { inReplyTo: parent.external_id, references, subject: parent.subject, lastSender: parent.sender };
}

/** "[PA-…] …", or "Re: [PA-…] <the citizen's subject>" when answering their mail. */
export function replySubject(code: string, citizenSubject: string | null): string {
  let base = (citizenSubject ?? '').replace(/\s+/g, ' ').trim();
  if (!base) return `[${code}] Phản hồi từ Tổng đài 1022`;
  for (let i = 0; i < 5; i++) {
    const next = base.replace(/^(re|fwd?|tl|trả lời|aw|sv|vs)\s*(\[\d+\])?\s*:\s*/i, '');
    if (next === base) break;
    base = next;
  }
  if (!base.toUpperCase().includes(code.toUpperCase())) base = `[${code}] ${base}`;
  if (base.length > 200) base = `${base.slice(0, 199)}…`;
  return `Re: ${base}`;
}

type SmtpError = Error & { code?: string; responseCode?: number; permanent?: boolean };

const CONNECTION_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EAUTH', 'ENOAUTH', 'EPROTOCOL', 'ECONNREFUSED', 'ECONNRESET']);

/**
 * Replies by mail through nodemailer (SMTP_URL; unset: JSON transport, logged and not sent).
 * Every mail gets our own Message-ID, returned as the message's externalId, so the citizen's
 * answer (In-Reply-To) threads back to the ticket.
 */
export class EmailSender implements ChannelSender {
  readonly channel = 'email';
  // SMTP accepts a message only at the end of DATA: a sender killed mid-conversation most likely
  // sent nothing, so it is sent again. If it had arrived, the second copy carries the same
  // Message-ID, which mail clients (Gmail, Outlook, Thunderbird) show as one message.
  readonly resendWhenInterrupted = true;
  private readonly transport: ReturnType<typeof nodemailer.createTransport>;

  constructor(
    private readonly deps: {
      db: Queryable;
      log: Logger;
      smtpUrl?: string;
      identity: EmailIdentity;
      reportHealth(channel: Channel, ok: boolean, reason?: string): Promise<void>;
    },
  ) {
    this.transport = deps.smtpUrl
      ? nodemailer.createTransport(deps.smtpUrl)
      : nodemailer.createTransport({ jsonTransport: true });
  }

  async send(m: OutboundMessage): Promise<SendResult> {
    const citizenEmails = [
      ...m.recipient.identities.filter((i) => i.kind === 'email').map((i) => i.value.toLowerCase()),
      ...(m.recipient.email ? [m.recipient.email.toLowerCase()] : []),
    ];
    const thread = await loadThread(this.deps.db, m.ticketCode, citizenEmails);
    // The address that wrote to us, when it is the citizen's; else their known address.
    const to = (thread.lastSender && citizenEmails.includes(thread.lastSender) ? thread.lastSender : null) ?? m.recipient.email ?? citizenEmails[0];
    if (!to) throw new PermanentDeliveryError('người dân không có địa chỉ email / citizen has no email address');

    // One Message-ID per stored message, the same on every attempt (see resendWhenInterrupted).
    const messageId = `<${m.ticketCode}.${m.messageId}@${this.deps.identity.domain}>`;
    try {
      const info = await this.transport.sendMail({
        from: this.deps.identity.from,
        to,
        subject: replySubject(m.ticketCode, thread.subject),
        text: m.body,
        messageId,
        ...(thread.inReplyTo ? { inReplyTo: thread.inReplyTo, references: thread.references } : {}),
        headers: { 'X-Hub-Ticket': m.ticketCode },
      });
      if (!this.deps.smtpUrl) this.deps.log.info({ ticket: m.ticketCode, messageId: m.messageId }, 'email reply logged, not sent (SMTP_URL is unset)');
      else this.deps.log.info({ ticket: m.ticketCode, messageId: m.messageId, serverReply: info.response }, 'email reply handed to the relay');
      await this.deps.reportHealth('email', true).catch(() => undefined);
      return { status: 'sent', externalId: messageId };
    } catch (err) {
      const e = err as SmtpError;
      const reason = `${e.code ?? 'ERROR'}${e.responseCode ? ` ${e.responseCode}` : ''}: ${e.message}`.slice(0, 400);
      if (e.code !== 'EAUTH' && (e.permanent === true || (e.responseCode !== undefined && e.responseCode >= 500))) {
        // The relay refused this mail or this address: retrying will not change that.
        throw new PermanentDeliveryError(`thư bị từ chối / mail rejected: ${reason}`);
      }
      if (!e.code || CONNECTION_CODES.has(e.code) || (e.responseCode !== undefined && e.responseCode >= 400)) {
        await this.deps.reportHealth('email', false, `SMTP: ${reason}`).catch(() => undefined);
      }
      throw new Error(`mail transport failed: ${reason}`);
    }
  }

  close(): void {
    this.transport.close();
  }
}
