export type Recipient = {
  citizenId: number;
  displayName: string | null;
  phone: string | null;
  email: string | null;
  identities: { kind: string; value: string }[];
};

/** A one-tap answer the citizen can pick (Zalo button, Messenger quick reply); `payload` comes back as their message. */
export type QuickReply = { title: string; payload: string };

/** What a message offers besides its text. Channels without buttons send the text alone, which says how to answer. */
export type Interactive = { choices: QuickReply[]; surveyToken?: string };

export type OutboundMessage = {
  messageId: number;
  ticketCode: string;
  channel: string;
  body: string;
  recipient: Recipient;
  interactive?: Interactive | null;
  /**
   * Senders with `claimsLate` call this right before their first network call: it marks the
   * message as being sent, or throws AlreadyClaimedError when another attempt has it.
   */
  claim?: () => Promise<void>;
};

/** Another attempt is sending this message (or has sent it): this one must not. */
export class AlreadyClaimedError extends Error {
  constructor() { super('already being sent by another attempt'); }
}

export type SendResult = { status: 'sent' | 'delivered'; externalId?: string | null };

/** A failure the platform will not fix by retrying (no address, blocked user…). */
export class PermanentDeliveryError extends Error {}

/** The platform will take the message, but not before a known time (e.g. Zalo's night-time block). */
export class RetryLaterError extends Error {
  constructor(message: string, readonly retryAt: Date) {
    super(message);
  }
}

/** An admin switched the channel off: the reply is kept (held) and goes out when it is switched on again. */
export class ChannelOffError extends Error {
  constructor(readonly channel: string) {
    super(`kênh ${channel} đang tắt / channel ${channel} is switched off`);
  }
}

/** One per channel; issue-specific adapters (Zalo, Facebook, Twilio) register theirs here. */
export interface ChannelSender {
  readonly channel: string;
  /** Storing the message is its delivery (portal, app, Open311): no send call is needed. */
  readonly deliversOnStore?: boolean;
  /**
   * A send is a conversation of several round trips (SMTP) rather than one request: when the
   * process dies mid-send, the message most likely did not arrive, so recovery sends it again
   * instead of marking it unconfirmed.
   */
  readonly resendWhenInterrupted?: boolean;
  /** Calls `message.claim()` itself, right before the request leaves (after its own lookups). */
  readonly claimsLate?: boolean;
  send(message: OutboundMessage): Promise<SendResult>;
}

/** The sender, refusing with ChannelOffError while its channel is switched off (checked at each send). */
export function switchable(sender: ChannelSender, isOn: (channel: string) => Promise<boolean>): ChannelSender {
  return {
    channel: sender.channel,
    deliversOnStore: sender.deliversOnStore,
    resendWhenInterrupted: sender.resendWhenInterrupted,
    claimsLate: sender.claimsLate,
    async send(message) {
      if (!(await isOn(sender.channel))) throw new ChannelOffError(sender.channel);
      return sender.send(message);
    },
  };
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
  /** Channels whose interrupted sends are sent again rather than marked unconfirmed. */
  resendWhenInterrupted(): string[] {
    return [...this.senders.values()].filter((s) => s.resendWhenInterrupted).map((s) => s.channel);
  }
}

/**
 * Web portal, app and Open311 citizens read replies where they reported: on the tracking page
 * or through the API. Storing the message is the delivery.
 */
export class PortalSender implements ChannelSender {
  readonly deliversOnStore = true;
  constructor(readonly channel: 'web' | 'app' | 'open311') {}
  async send(): Promise<SendResult> {
    return { status: 'delivered' };
  }
}
