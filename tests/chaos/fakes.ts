import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

/**
 * The platforms at the edge of the network, as one local HTTP server plus an SMTP sink. Each
 * checks what it receives the way the platform would (token, auth, shape) and counts what each
 * citizen was sent: the chaos run's "exactly one acknowledgement" is read from these counts.
 * Answers come after a platform-like delay, so sends are in flight when processes are killed.
 */
export type Counts = Map<string, number>;

export class FakePlatforms {
  url = '';
  smtpPort = 0;
  readonly zalo: Counts = new Map();
  readonly facebook: Counts = new Map();
  readonly sms: Counts = new Map();
  /** Mailboxes: distinct Message-IDs per recipient, as mail clients show them (a re-sent copy is one message). */
  readonly email: Counts = new Map();
  private readonly mailIds = new Map<string, Set<string>>();
  /** SMTP transactions accepted, copies included. */
  smtpAccepted = 0;
  rejected: string[] = [];
  private server: http.Server | null = null;
  private smtp: SMTPServer | null = null;

  constructor(private readonly secrets: { zaloToken: string; pageToken: string; twilioSid: string; twilioToken: string }, private readonly delayMs: [number, number] = [20, 120]) {}

  private static bump(m: Counts, k: string) { m.set(k, (m.get(k) ?? 0) + 1); }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const [lo, hi] = this.delayMs;
        setTimeout(() => this.handle(req, Buffer.concat(chunks).toString('utf8'), res), lo + Math.random() * (hi - lo));
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;

    this.smtp = new SMTPServer({
      authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'], logger: false,
      onData: (stream, session, callback) => {
        simpleParser(stream).then((mail) => {
          this.smtpAccepted += 1;
          const id = mail.messageId ?? `no-id-${this.smtpAccepted}`;
          for (const rcpt of session.envelope.rcptTo) {
            const box = rcpt.address.toLowerCase();
            const ids = this.mailIds.get(box) ?? new Set<string>();
            ids.add(id);
            this.mailIds.set(box, ids);
            this.email.set(box, ids.size);
          }
          callback();
        }, (err: Error) => callback(err));
      },
    });
    // A worker killed mid-conversation resets its connection: a real relay shrugs that off too.
    this.smtp.on('error', () => undefined);
    await new Promise<void>((r) => this.smtp!.listen(0, '127.0.0.1', r));
    this.smtpPort = (this.smtp.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise((r) => this.server?.close(r));
    await new Promise<void>((r) => this.smtp?.close(() => r()));
  }

  private json(res: http.ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private handle(req: http.IncomingMessage, raw: string, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    try {
      // Zalo OA: POST /v3.0/oa/message/cs, token in the access_token header, JSON body.
      if (req.method === 'POST' && url.pathname === '/v3.0/oa/message/cs') {
        if (req.headers['access_token'] !== this.secrets.zaloToken) return this.json(res, 200, { error: -216, message: 'Access token is invalid' });
        const body = JSON.parse(raw) as { recipient?: { user_id?: unknown }; message?: { text?: unknown } };
        const uid = body.recipient?.user_id;
        if (typeof uid !== 'string' || !/^\d{15,20}$/.test(uid) || typeof body.message?.text !== 'string') return this.json(res, 200, { error: -201, message: 'Parameters are invalid' });
        FakePlatforms.bump(this.zalo, uid);
        return this.json(res, 200, { error: 0, message: 'Success', data: { message_id: randomBytes(16).toString('hex'), user_id: uid } });
      }
      // Messenger Send API: POST /me/messages?access_token=…
      if (req.method === 'POST' && url.pathname === '/me/messages') {
        if (url.searchParams.get('access_token') !== this.secrets.pageToken && req.headers.authorization !== `Bearer ${this.secrets.pageToken}`) {
          return this.json(res, 400, { error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190 } });
        }
        const body = JSON.parse(raw) as { recipient?: { id?: unknown }; message?: unknown };
        const psid = body.recipient?.id;
        if (typeof psid !== 'string' || !body.message) return this.json(res, 400, { error: { message: '(#100) param recipient must be non-empty.', type: 'OAuthException', code: 100 } });
        FakePlatforms.bump(this.facebook, psid);
        return this.json(res, 200, { recipient_id: psid, message_id: `m_${randomBytes(12).toString('hex')}` });
      }
      // Twilio: POST /2010-04-01/Accounts/{sid}/Messages.json, HTTP basic auth, form body.
      const m = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(url.pathname);
      if (req.method === 'POST' && m) {
        const expected = 'Basic ' + Buffer.from(`${this.secrets.twilioSid}:${this.secrets.twilioToken}`).toString('base64');
        if (m[1] !== this.secrets.twilioSid || req.headers.authorization !== expected) return this.json(res, 401, { code: 20003, message: 'Authenticate', status: 401 });
        const form = new URLSearchParams(raw);
        const to = form.get('To');
        if (!to || !form.get('Body')) return this.json(res, 400, { code: 21604, message: "A 'To' phone number is required.", status: 400 });
        FakePlatforms.bump(this.sms, to);
        return this.json(res, 201, { sid: `SM${randomBytes(16).toString('hex')}`, status: 'queued', to });
      }
      this.rejected.push(`${req.method} ${url.pathname}`);
      this.json(res, 404, { error: 'not found' });
    } catch (err) {
      this.rejected.push(`${req.method} ${url.pathname}: ${(err as Error).message}`);
      this.json(res, 400, { error: 'bad request' });
    }
  }
}
