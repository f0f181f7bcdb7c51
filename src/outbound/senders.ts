import nodemailer from 'nodemailer';
import type { Logger } from '../shared/logger';

export type Recipient = {
  citizenId: number;
  displayName: string | null;
  phone: string | null;
  email: string | null;
  identities: { kind: string; value: string }[];
};

export type OutboundMessage = {
  messageId: number;
  ticketCode: string;
  channel: string;
  body: string;
  recipient: Recipient;
};

export type SendResult = { status: 'sent' | 'delivered'; externalId?: string | null };

/** A failure the platform will not fix by retrying (no address, blocked user…). */
export class PermanentDeliveryError extends Error {}

/** One per channel; issue-specific adapters (Zalo, Facebook, Twilio) register theirs here. */
export interface ChannelSender {
  readonly channel: string;
  send(message: OutboundMessage): Promise<SendResult>;
}

export class SenderRegistry {
  private readonly senders = new Map<string, ChannelSender>();
  register(sender: ChannelSender): void {
    if (this.senders.has(sender.channel)) throw new Error(`two senders for channel ${sender.channel}`);
    this.senders.set(sender.channel, sender);
  }
  get(channel: string): ChannelSender | undefined {
    return this.senders.get(channel);
  }
  channels(): string[] {
    return [...this.senders.keys()];
  }
}

/**
 * Web portal, app and Open311 citizens read replies where they reported: on the tracking page
 * or through the API. Storing the message is the delivery.
 */
export class PortalSender implements ChannelSender {
  constructor(readonly channel: 'web' | 'app' | 'open311') {}
  async send(): Promise<SendResult> {
    return { status: 'delivered' };
  }
}

/** Email through nodemailer; with no SMTP_URL mail is logged (JSON transport), not sent. */
export class EmailSender implements ChannelSender {
  readonly channel = 'email';
  private readonly transport: ReturnType<typeof nodemailer.createTransport>;
  constructor(
    smtpUrl: string | undefined,
    private readonly from: string,
    private readonly log: Logger,
  ) {
    this.transport = smtpUrl ? nodemailer.createTransport(smtpUrl) : nodemailer.createTransport({ jsonTransport: true });
  }
  async send(m: OutboundMessage): Promise<SendResult> {
    if (!m.recipient.email) throw new PermanentDeliveryError('citizen has no email address');
    const info = await this.transport.sendMail({
      from: this.from,
      to: m.recipient.email,
      subject: `[${m.ticketCode}] Phản hồi từ Tổng đài 1022`,
      text: m.body,
      headers: { 'X-Hub-Ticket': m.ticketCode },
    });
    this.log.info({ ticket: m.ticketCode, messageId: m.messageId }, 'email reply handed to transport');
    return { status: 'sent', externalId: info.messageId ?? null };
  }
}
