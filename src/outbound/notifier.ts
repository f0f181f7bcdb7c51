import type { Logger } from '../shared/logger';
import type { LiveBus, LiveEvent } from '../shared/live-bus';
import { notices } from './notices';
import { AlreadyClaimedError, ChannelOffError, PermanentDeliveryError, RetryLaterError, type Interactive, type Recipient, type SenderRegistry } from './senders';

export type TicketContext = {
  id: number;
  code: string;
  trackingToken: string;
  status: string;
  channel: string;
  categoryCode: string | null;
  priority: string;
  agencyId: number | null;
  agencyName: string | null;
  communeCode: string | null;
  statusReason: string | null;
  resolution: string | null;
  mergedIntoCode: string | null;
  createdAt: Date;
  recipient: Recipient;
};

export type DeliveryRecord = {
  id: number;
  ticketId: number;
  channel: string;
  body: string;
  deliveryStatus: string;
  direction: string;
  interactive?: Interactive | null;
};

/** Storage the notifier needs; SQL in src/db/outbound-store.ts. */
export interface OutboundStore {
  ticketContext(ref: { id: number } | { code: string }): Promise<TicketContext | null>;
  mergedInto(ticketId: number): Promise<TicketContext[]>;
  /** A notice to every active staff member of these roles (e.g. urgent reports to the operators on duty). */
  notifyRoles(roles: string[], ticketId: number, kind: string, body: string, dedupeKey: string): Promise<number>;
  /** Whether a message with this dedupe key exists (e.g. the acknowledgement was already written). */
  hasMessage(dedupeKey: string): Promise<boolean>;
  /** Creates the outbound message once per dedupe key; returns its id either way. */
  createOutbound(ticketId: number, channel: string, body: string, dedupeKey: string, status?: 'queued' | 'delivered', interactive?: Interactive | null): Promise<{ id: number; created: boolean }>;
  messageForDelivery(messageId: number): Promise<DeliveryRecord | null>;
  setDelivery(messageId: number, status: 'queued' | 'sent' | 'delivered' | 'failed' | 'held', externalId: string | null, error: string | null): Promise<void>;
  /** Ids of held outbound messages on these channels, oldest first. */
  heldMessages(channels: string[], limit: number): Promise<number[]>;
  /** Ids of outbound messages still queued after this many seconds, oldest first. */
  staleQueued(olderThanSeconds: number, limit: number): Promise<number[]>;
  /**
   * Moves a queued or held message to 'sending'; false when it is not (another worker has it, or it
   * went already). Only the claimant sends: a stalled job picked up again cannot send twice.
   */
  claimForSending(messageId: number): Promise<boolean>;
  /** Claims older than this whose process died mid-send: staff replies queued again, automatic notices 'unconfirmed'. */
  recoverStaleSending(olderThanSeconds: number, limit: number, resendChannels: string[]): Promise<{ requeued: number[]; unconfirmed: number }>;
}

/** Queues a delivery job; `retryKey` distinguishes a later retry of the same message from the first try. */
export type EnqueueDelivery = (messageId: number, retryKey?: string, delayMs?: number) => Promise<void>;

/**
 * Turns ticket events into what the citizen hears (on the channel they used) and what the
 * console sees live. Every method is safe to run twice: messages are keyed by dedupe keys.
 */
export class Notifier {
  constructor(
    private readonly store: OutboundStore,
    private readonly senders: SenderRegistry,
    private readonly enqueueDelivery: EnqueueDelivery,
    private readonly live: LiveBus,
    private readonly publicBaseUrl: string,
    private readonly log: Logger,
  ) {}

  trackingUrl(t: Pick<TicketContext, 'code' | 'trackingToken'>): string {
    return `${this.publicBaseUrl}/track/${encodeURIComponent(t.code)}?token=${encodeURIComponent(t.trackingToken)}`;
  }

  /**
   * One message to the citizen of a ticket, on their channel, once per dedupe key (a survey, a
   * reminder, a thank-you). False when the ticket does not exist.
   */
  async tell(ref: { id: number } | { code: string }, body: string, dedupeKey: string, interactive?: Interactive | null): Promise<boolean> {
    const t = await this.store.ticketContext(ref);
    if (!t) return false;
    await this.say(t, body, dedupeKey, interactive);
    return true;
  }

  private async say(t: TicketContext, body: string, dedupeKey: string, interactive?: Interactive | null): Promise<void> {
    if (this.senders.get(t.channel)?.deliversOnStore) {
      // The tracking page or app shows it: one insert, already delivered.
      await this.store.createOutbound(t.id, t.channel, body, dedupeKey, 'delivered', interactive);
      return;
    }
    const { id, created } = await this.store.createOutbound(t.id, t.channel, body, dedupeKey, 'queued', interactive);
    // Send now, in this job; only a failure costs a separate delivery job (with retries and backoff).
    // A message created just now needs no re-read; one that existed may have been sent already.
    try {
      if (created) await this.send({ id, ticketId: t.id, channel: t.channel, body, deliveryStatus: 'queued', direction: 'outbound', interactive }, t, 1, 2);
      else await this.deliver(id, 1, 2, t);
    } catch {
      await this.enqueueDelivery(id);
    }
  }

  async onTicketCreated(code: string, stored?: { acknowledged?: boolean; live?: LiveEvent['ticket'] }): Promise<void> {
    if (stored?.acknowledged && stored.live) {
      // Acknowledged with the ticket itself (portal, app): only the live event remains.
      this.live.publish({ type: 'ticket.created', ticket: stored.live });
      return;
    }
    const t = await this.store.ticketContext({ code });
    if (!t) return;
    await this.say(t, notices.received({ code: t.code, trackingUrl: this.trackingUrl(t), agencyName: t.agencyName }), `ack-${t.code}`);
    this.live.publish({ type: 'ticket.created', ticket: this.liveView(t) });
  }

  /** True until the acknowledgement of this ticket has been written (sent or not). */
  async acknowledgementPending(code: string): Promise<boolean> {
    return !(await this.store.hasMessage(`ack-${code}`));
  }

  /** `quiet`: the citizen was already told in another message (the acknowledgement named the agency). */
  async onTransition(code: string, action: string, to: string, eventKey: string, quiet = false): Promise<void> {
    const t = await this.store.ticketContext({ code });
    if (!t) return;
    const ctx = { code: t.code, trackingUrl: this.trackingUrl(t), agencyName: t.agencyName, reason: t.statusReason, otherCode: t.mergedIntoCode };
    if ((action === 'assign' || action === 'transfer') && !quiet) await this.say(t, notices.assigned(ctx), `${action}-${eventKey}`);
    if (to === 'rejected') await this.say(t, notices.rejected(ctx), `rejected-${eventKey}`);
    if (to === 'merged') await this.say(t, notices.merged(ctx), `merged-${eventKey}`);
    if (to === 'resolved' && t.resolution) {
      // Citizens whose duplicates were merged into this ticket get the same outcome.
      for (const m of await this.store.mergedInto(t.id)) {
        await this.say(m, notices.resolvedForMerged({ code: m.code, trackingUrl: this.trackingUrl(m), otherCode: t.code }, t.resolution), `resolved-${eventKey}-${m.code}`);
      }
    }
    this.live.publish({ type: 'ticket.updated', action, ticket: this.liveView(t) });
  }

  /** Danger now: the on-duty operators' consoles raise it at once, whatever queue they are looking at. */
  async flagUrgent(code: string, signals: string[]): Promise<void> {
    const t = await this.store.ticketContext({ code });
    if (!t) return;
    this.live.publish({ type: 'ticket.urgent', ticket: this.liveView(t), signals });
    // Also kept as a notice, so an operator who was not looking at the console sees it next.
    await this.store.notifyRoles(['operator', 'supervisor'], t.id, 'ticket.urgent',
      `Phản ánh khẩn cấp ${t.code}${signals.length ? `: ${signals.join(', ')}` : ''} / Urgent report ${t.code}`, `urgent:${t.id}`);
    this.log.warn({ ticket: code, signals }, 'urgent report');
  }

  /** Sends one stored outbound message on its channel; a message already sent is left alone. */
  async deliver(messageId: number, attempt: number, maxAttempts: number, known?: TicketContext): Promise<void> {
    const m = await this.store.messageForDelivery(messageId);
    if (!m || m.direction !== 'outbound' || !['queued', 'held'].includes(m.deliveryStatus)) return;
    const t = known?.id === m.ticketId ? known : await this.store.ticketContext({ id: m.ticketId });
    if (!t) return;
    await this.send(m, t, attempt, maxAttempts);
  }

  private async send(m: DeliveryRecord, t: TicketContext, attempt: number, maxAttempts: number): Promise<void> {
    const messageId = m.id;
    const sender = this.senders.get(m.channel);
    if (!sender) {
      // No adapter is configured for this channel: keep the reply, visible as held, not dropped.
      await this.store.setDelivery(messageId, 'held', null, `kênh ${m.channel} chưa được cấu hình / channel ${m.channel} is not configured`);
      return;
    }
    // The claim ('sending') is taken as late as possible: senders that look things up first (tokens,
    // the citizen's id) take it right before their network call, so a process killed before the
    // request left leaves the message queued, not in doubt.
    let claimed = false;
    const claim = async () => {
      if (claimed) return;
      if (!(await this.store.claimForSending(messageId))) throw new AlreadyClaimedError();
      claimed = true;
    };
    try {
      if (!sender.claimsLate) await claim();
      const result = await sender.send({ messageId, ticketCode: t.code, channel: m.channel, body: m.body, recipient: t.recipient, interactive: m.interactive ?? null, claim });
      if (!claimed) await claim(); // a sender that made no call without claiming: record it all the same
      await this.store.setDelivery(messageId, result.status, result.externalId ?? null, null);
      this.live.publish({ type: 'message.delivery', ticket: this.liveView(t), messageId, status: result.status });
    } catch (err) {
      // Another attempt is sending it (or sent it): nothing to do here.
      if (err instanceof AlreadyClaimedError) return;
      const reason = err instanceof Error ? err.message : String(err);
      if (err instanceof ChannelOffError) {
        // Switched off by an admin: kept as held, like a channel without a sender; released when it is on again.
        await this.store.setDelivery(messageId, 'held', null, reason);
        return;
      }
      if (err instanceof RetryLaterError) {
        // Stays queued, with the reason visible to staff, and goes out when the platform allows.
        await this.store.setDelivery(messageId, 'queued', null, reason.slice(0, 500));
        await this.enqueueDelivery(messageId, `at-${err.retryAt.getTime()}`, Math.max(0, err.retryAt.getTime() - Date.now()));
        return;
      }
      if (err instanceof PermanentDeliveryError || attempt >= maxAttempts) {
        await this.store.setDelivery(messageId, 'failed', null, reason.slice(0, 500));
        this.log.warn({ ticket: t.code, messageId, reason }, 'delivery failed for good');
        this.live.publish({ type: 'message.delivery', ticket: this.liveView(t), messageId, status: 'failed' });
        await this.fallBack(t, m, messageId);
        return;
      }
      // The platform refused or could not be reached: unclaimed again, and the queue retries with backoff.
      if (claimed) await this.store.setDelivery(messageId, 'queued', null, reason.slice(0, 500));
      throw err;
    }
  }

  /**
   * The citizen's own channel could not take the reply (outside Messenger's 24-hour window, not a
   * Zalo follower, blocked): send it by SMS or email when we know how to reach them that way.
   */
  private async fallBack(t: TicketContext, m: DeliveryRecord, failedId: number): Promise<void> {
    const r = t.recipient;
    const options: [string, boolean][] = [['sms', !!r.phone || r.identities.some((i) => i.kind === 'phone')], ['email', !!r.email || r.identities.some((i) => i.kind === 'email')]];
    const via = options.find(([channel, reachable]) => reachable && channel !== m.channel && this.senders.get(channel));
    if (!via) return;
    const { id, created } = await this.store.createOutbound(t.id, via[0], m.body, `fallback-${failedId}`);
    if (created) {
      this.log.info({ ticket: t.code, messageId: failedId, via: via[0] }, 'reply re-routed to another channel');
      await this.enqueueDelivery(id);
    }
  }

  /**
   * Replies held while a channel was off or down: try them again (oldest first), on `channels`
   * (default: every channel with a sender). `retryKey` names this release when it is not the
   * minute's periodic one (a channel switched back on releases at once).
   */
  async releaseHeld(limit = 50, channels: string[] = this.senders.channels(), retryKey?: string): Promise<number> {
    const held = await this.store.heldMessages(channels, limit);
    const key = retryKey ?? `held-${Math.floor(Date.now() / 60_000)}`;
    for (const id of held) await this.enqueueDelivery(id, key);
    return held.length;
  }

  /**
   * Deliveries stuck longer than `olderThanSeconds`: still 'queued' means their job was lost (a Redis
   * flush), so they are queued again under the same job id, which a still-existing job ignores;
   * still 'sending' means their process died mid-send (see recoverStaleSending for what follows).
   */
  async recoverStaleDeliveries(olderThanSeconds: number, limit = 200): Promise<number> {
    const ids = await this.store.staleQueued(olderThanSeconds, limit);
    for (const id of ids) await this.enqueueDelivery(id);
    const { requeued, unconfirmed } = await this.store.recoverStaleSending(olderThanSeconds, limit, this.senders.resendWhenInterrupted());
    for (const id of requeued) await this.enqueueDelivery(id, `recovered-${Date.now()}`);
    if (unconfirmed) this.log.warn({ unconfirmed }, 'automatic notices whose sending was interrupted are marked unconfirmed, not sent again');
    return ids.length + requeued.length;
  }

  /** What live listeners get: no names, phones, emails or exact addresses. */
  liveView(t: TicketContext) {
    return {
      code: t.code, status: t.status, channel: t.channel, categoryCode: t.categoryCode, priority: t.priority,
      agencyId: t.agencyId, communeCode: t.communeCode, createdAt: t.createdAt.toISOString(),
    };
  }
}
