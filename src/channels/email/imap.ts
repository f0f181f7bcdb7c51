import { ImapFlow } from 'imapflow';
import type { Logger } from '../../shared/logger';
import type { AcceptMail } from './listener';
import { emailEvent } from './mime';

/** Unseen messages taken in one poll; the rest wait for the next round. */
const MAX_PER_POLL = 200;

export type ImapTarget = { host: string; port: number; secure: boolean; user: string; pass: string; mailbox: string };

/** imaps://user:pass@host:993/INBOX → connection settings (config has validated the shape). */
export function parseImapUrl(url: string): ImapTarget {
  const u = new URL(url);
  const secure = u.protocol === 'imaps:';
  const mailbox = decodeURIComponent(u.pathname.replace(/^\/+/, '').replace(/\/+$/, ''));
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: u.port ? Number(u.port) : secure ? 993 : 143,
    secure,
    user: decodeURIComponent(u.username),
    pass: decodeURIComponent(u.password),
    mailbox: mailbox || 'INBOX',
  };
}

type Health = (ok: boolean, reason?: string) => Promise<void>;

/**
 * Optional IMAP polling: every round (and once at start) the mailbox's unseen messages are stored
 * through the same path as the SMTP listener's mail, and marked \Seen only after they were stored:
 * a crash in between re-reads them, and the event key (Message-ID or hash) makes that harmless.
 * One poll at a time; a failing poll is logged and retried next round, never thrown.
 */
export class ImapPoller {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private client: ImapFlow | null = null;
  private stopped = false;
  /** We told channel_health that the mailbox fails; a later good poll says it works again. */
  private reportedDown = false;

  constructor(
    private readonly target: ImapTarget,
    private readonly pollMs: number,
    private readonly accept: AcceptMail,
    private readonly health: Health,
    private readonly log: Logger,
    private readonly maxBytes: number,
  ) {}

  start(): void {
    this.stopped = false;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.pollMs);
    this.timer.unref();
  }

  /** Runs one poll unless one is still running (no overlap). */
  private tick(): void {
    if (this.stopped || this.running) return;
    this.running = this.poll().finally(() => {
      this.running = null;
    });
  }

  /** One poll now, or the one already running; resolves when it ended (for tests and stop). */
  async pollNow(): Promise<void> {
    if (!this.running && !this.stopped) this.tick();
    await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const c = this.client;
    if (c) await c.logout().catch(() => c.close());
    await this.running;
  }

  private async poll(): Promise<void> {
    const { host, port, secure, user, pass, mailbox } = this.target;
    const client = new ImapFlow({
      host, port, secure, auth: { user, pass }, logger: false, disableAutoIdle: true,
      connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 5 * 60_000,
    });
    // Socket errors surface here too; without a listener they would crash the process.
    client.on('error', (err: Error) => this.log.debug({ err: err.message }, 'email: IMAP connection error'));
    this.client = client;
    let stage: 'connect' | 'process' = 'connect';
    try {
      await client.connect();
      await client.mailboxOpen(mailbox);
      stage = 'process';
      if (this.reportedDown) {
        this.reportedDown = false;
        await this.health(true);
      }
      const uids = (await client.search({ seen: false }, { uid: true })) || [];
      let stored = 0;
      for (const uid of uids.slice(0, MAX_PER_POLL)) {
        if (this.stopped) break;
        const msg = await client.fetchOne(String(uid), { uid: true, size: true, envelope: true, source: { maxLength: this.maxBytes + 1 } }, { uid: true });
        if (!msg) continue;
        if (!msg.source || (msg.size ?? msg.source.length) > this.maxBytes) {
          // Like the listener's 552: not taken. Marked read so it is not fetched every round; it stays in the mailbox.
          this.log.warn({ uid, size: msg.size, mailbox }, 'email: IMAP message too large or empty; marked read, not taken');
        } else {
          const env = msg.envelope;
          const { key, payload } = await emailEvent(msg.source, {
            // No SMTP envelope here: the From header stands in for MAIL FROM (a Return-Path of <> still marks a bounce).
            from: returnPath(msg.source) ?? env?.sender?.[0]?.address ?? env?.from?.[0]?.address ?? '',
            to: [...(env?.to ?? []), ...(env?.cc ?? [])].map((a) => a.address ?? '').filter(Boolean),
          });
          await this.accept(key, payload);
          stored++;
        }
        await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
      }
      if (stored) this.log.info({ stored, mailbox }, 'email: IMAP mail taken');
    } catch (err) {
      const reason = `IMAP ${stage === 'connect' ? 'login/connection' : 'poll'} failed: ${(err as Error).message}`;
      this.log.error({ err: (err as Error).message, host, mailbox }, `email: ${reason}`);
      if (stage === 'connect' && !this.stopped) {
        this.reportedDown = true;
        await this.health(false, reason).catch(() => undefined);
      }
    } finally {
      this.client = null;
      if (client.usable) await client.logout().catch(() => client.close());
      else client.close();
    }
  }
}

/** The Return-Path header's address: '' for <> (a bounce), null when there is none. */
function returnPath(raw: Buffer): string | null {
  const head = raw.subarray(0, Math.min(raw.length, 64 * 1024)).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const m = /^return-path:[ \t]*<([^>]*)>/im.exec(end >= 0 ? head.slice(0, end) : head);
  return m ? m[1]!.trim() : null;
}
