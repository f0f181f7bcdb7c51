import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Logger } from '../../shared/logger';
import { emailEvent, type EmailEventPayload } from './mime';

/** The largest mail the listener takes (RFC 1870 SIZE); larger ones get 552. */
export const MAX_MAIL_BYTES = 25 * 1024 * 1024;

export type AcceptMail = (key: string, payload: EmailEventPayload) => Promise<void>;

const smtpError = (code: number, message: string): Error & { responseCode: number } =>
  Object.assign(new Error(message), { responseCode: code });

/**
 * The hub's own inbound mail listener: plain SMTP, no AUTH, no STARTTLS (it sits behind the
 * public MX, which terminates TLS and relays here). Every message is stored durably before the
 * 250 reply; a storage failure answers 451 so the sending MTA keeps it and retries.
 */
export class SmtpListener {
  private readonly server: SMTPServer;

  constructor(
    private readonly accept: AcceptMail,
    private readonly log: Logger,
    private readonly maxBytes = MAX_MAIL_BYTES,
  ) {
    this.server = new SMTPServer({
      banner: '1022 Hub',
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      size: maxBytes,
      rejectOversized: true,
      logger: false,
      maxClients: 200,
      socketTimeout: 60_000,
      closeTimeout: 5_000,
      onData: (stream, session, callback) => this.onData(stream, session, callback),
    });
    // Client sockets that reset or time out surface here; without a listener they would crash the process.
    this.server.on('error', (err) => this.log.debug({ err: err.message }, 'smtp listener connection error'));
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const net = this.server.server;
      const onError = (err: Error) => reject(err);
      net.once('error', onError);
      this.server.listen(port, host, () => {
        net.off('error', onError);
        const addr = net.address();
        resolve(typeof addr === 'object' && addr ? addr.port : port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.server.listening) return resolve();
      this.server.close(() => resolve());
    });
  }

  private onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void): void {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let answered = false;
    const done = (err: Error | null, message?: string) => {
      if (answered) return;
      answered = true;
      callback(err, message);
    };
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= this.maxBytes) chunks.push(chunk); // keep draining an oversized message, but not in memory
    });
    stream.on('error', (err) => {
      this.log.warn({ err: err.message }, 'smtp data stream failed');
      done(smtpError(451, '4.3.0 Temporary failure while receiving the message, try again later'));
    });
    stream.on('end', () => {
      if (stream.sizeExceeded || bytes > this.maxBytes) {
        done(smtpError(552, `5.3.4 Message exceeds fixed maximum message size ${this.maxBytes}`));
        return;
      }
      const raw = Buffer.concat(chunks, bytes);
      const mailFrom = session.envelope.mailFrom;
      void (async () => {
        const { key, payload } = await emailEvent(raw, {
          from: mailFrom ? mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
        });
        await this.accept(key, payload);
        return key;
      })().then(
        (key) => done(null, `OK: queued as ${key.length > 80 ? key.slice(0, 80) : key}`),
        (err: unknown) => {
          this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'could not store an inbound mail; answering 451');
          done(smtpError(451, '4.3.0 Temporary failure, try again later'));
        },
      );
    });
  }
}
