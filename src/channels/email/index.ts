import type { ChannelFactory, ChannelModule } from '../types';
import { SmtpListener, MAX_MAIL_BYTES } from './listener';
import { parseEmailEvent } from './mime';
import { EmailSender, emailIdentity } from './sender';

/**
 * Email: the hub's own SMTP listener (SMTP_INBOUND_PORT, 0 = off) for citizens' mail, and replies
 * through nodemailer (SMTP_URL; unset = logged, not sent). The channel is on when the listener is,
 * or when SMTP_URL is set (replies only); with both off, email replies are held.
 */
export const emailChannel: ChannelFactory = (ctx) => {
  const { config, log } = ctx;
  const listening = config.smtpInboundPort !== 0;
  const identity = emailIdentity(config.smtpUrl, config.publicBaseUrl);
  const sender = new EmailSender({ db: ctx.db, log, smtpUrl: config.smtpUrl, identity, reportHealth: ctx.reportHealth });
  let listener: SmtpListener | null = null;

  const module: ChannelModule = {
    channel: 'email',
    enabled: listening || !!config.smtpUrl,
    sender,

    async parse(event) {
      const { messages, ignored } = await parseEmailEvent(event, identity.address);
      if (ignored) log.info({ eventId: event.id, reason: ignored }, 'inbound mail ignored');
      return messages;
    },

    async start() {
      // The listener takes mail like a webhook does: in the processes that serve requests.
      if (!listening || config.role === 'worker' || listener) return;
      const l = new SmtpListener(async (key, payload) => {
        await ctx.acceptEvents('email', [{ key, payload }]);
      }, log, MAX_MAIL_BYTES);
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
      listener = null;
      await l?.close();
      sender.close();
    },
  };
  return module;
};
