import type { ChannelFactory, ChannelModule } from '../types';
import { ImapPoller, parseImapUrl } from './imap';
import { SmtpListener, MAX_MAIL_BYTES } from './listener';
import { parseEmailEvent } from './mime';
import { EmailSender, emailIdentity } from './sender';

/**
 * Email: the hub's own SMTP listener (SMTP_INBOUND_PORT, 0 = off) for citizens' mail, and replies
 * through nodemailer (SMTP_URL; unset = logged, not sent), and optional IMAP polling of a mailbox
 * (IMAP_URL) whose unseen mail is stored like the listener's. The channel is on when the listener
 * is, when SMTP_URL is set (replies only), or when IMAP_URL is set; with all off, replies are held.
 */
export const emailChannel: ChannelFactory = (ctx) => {
  const { config, log } = ctx;
  const listening = config.smtpInboundPort !== 0;
  const identity = emailIdentity(config.smtpUrl, config.publicBaseUrl);
  const sender = new EmailSender({ db: ctx.db, log, smtpUrl: config.smtpUrl, identity, reportHealth: ctx.reportHealth });
  let listener: SmtpListener | null = null;
  let poller: ImapPoller | null = null;
  const acceptMail = async (key: string, payload: unknown) => {
    await ctx.acceptEvents('email', [{ key, payload }]);
  };

  const module: ChannelModule = {
    channel: 'email',
    enabled: listening || !!config.smtpUrl || !!config.imap,
    sender,

    async parse(event) {
      const { messages, ignored } = await parseEmailEvent(event, identity.address);
      if (ignored) log.info({ eventId: event.id, reason: ignored }, 'inbound mail ignored');
      return messages;
    },

    async start() {
      // IMAP polling is background work: in the processes that run jobs (not in api-only ones).
      if (config.imap && config.role !== 'api' && !poller) {
        poller = new ImapPoller(parseImapUrl(config.imap.url), config.imap.pollSeconds * 1000, acceptMail,
          (ok, reason) => ctx.reportHealth('email', ok, reason), log, MAX_MAIL_BYTES);
        poller.start();
        log.info({ pollSeconds: config.imap.pollSeconds }, 'email: IMAP polling is on');
      }
      // The listener takes mail like a webhook does: in the processes that serve requests.
      if (!listening || config.role === 'worker' || listener) return;
      const l = new SmtpListener(acceptMail, log, MAX_MAIL_BYTES);
      try {
        const port = await l.listen(config.smtpInboundPort, config.host);
        listener = l;
        log.info({ port, host: config.host }, 'email: SMTP listener is up');
      } catch (err) {
        // Another process on this host may hold the port: the rest of the hub keeps running.
        log.error({ err: (err as Error).message, host: config.host, port: config.smtpInboundPort }, 'email: SMTP listener could not bind; no mail is received by this process');
      }
    },

    async stop() {
      const l = listener;
      const p = poller;
      listener = null;
      poller = null;
      await p?.stop();
      await l?.close();
      sender.close();
    },
  };
  return module;
};
