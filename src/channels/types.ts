import type { Router } from 'express';
import type { HubConfig } from '../config';
import type { Database } from '../db/database';
import type { ChannelSender } from '../outbound/senders';
import type { Logger } from '../shared/logger';
import type { Channel, IdentityKind } from '../workflow/types';

/** What every channel turns its platform's payload into. */
export type InboundAttachment = {
  fileName: string;
  /** As the platform declared it; the store sniffs the real type from the content. */
  declaredType?: string | null;
  /** Either the bytes (email, multipart) or a URL to fetch them from (Zalo, Facebook, Twilio). */
  data?: Buffer;
  url?: string;
  kind?: 'image' | 'audio' | 'video' | 'file';
};

export type InboundMessage = {
  channel: Channel;
  /** The platform's message id: the same id twice is one message. */
  externalId: string;
  /** Who wrote, as the platform identifies them (Zalo user id, PSID, phone, email). */
  identity: { kind: IdentityKind; value: string } | null;
  profile?: { name?: string | null; phone?: string | null; email?: string | null };
  text: string;
  attachments: InboundAttachment[];
  location?: { lat: number; lng: number; address?: string | null } | null;
  sentAt: Date;
  /** What this message answers: a ticket code it quotes, or ids of earlier messages (email headers). */
  replyTo?: { ticketCode?: string | null; externalIds?: string[] };
  /** A button's hidden payload (Messenger quick reply or postback), when the message came from one. */
  payload?: string | null;
  /** 'comment' for a page comment, 'postback' for a button press, 'call' for a phone call. */
  kind: 'message' | 'comment' | 'postback' | 'call';
};

/**
 * A platform event to store: its key (the same key twice is one event) and, when the platform names
 * one, its sender, so that one sender's events are handled in arrival order.
 */
export type AcceptedEvent = { key: string; payload: unknown; sender?: string | null };

/** A raw platform event, stored before the webhook answers. */
export type StoredWebhookEvent = { id: number; channel: Channel; eventKey: string; payload: unknown; receivedAt: Date };

/** A platform's word on one of our outbound messages, matched by the id the platform gave it. */
export type DeliveryReceipt = {
  /** messages.external_id of our outbound message (the id the send call returned). */
  externalId: string;
  status: 'delivered' | 'failed';
  /** Why it failed, when the platform says. */
  reason?: string | null;
  at: Date;
};

export type ChannelContext = {
  config: HubConfig;
  log: Logger;
  /** The hub's database, for a channel's own small lookups (email threading headers). */
  db: Database;
  /**
   * Stores raw events durably (one transaction with their outbox rows) and returns how many were
   * new. Call it before answering the platform: an acknowledged event is never lost, and the
   * same event key twice is stored once.
   */
  acceptEvents(channel: Channel, events: AcceptedEvent[]): Promise<number>;
  /** For interactive channels (IVR "press 2 for the status of a ticket"). Null when unknown. */
  ticketStatus(code: string): Promise<{ code: string; status: string; agencyName: string | null } | null>;
  /**
   * Marks the channel's outbound side healthy or not (shown in the console and /readyz). Pass
   * 'down' for failures that need a person (revoked token); other failures degrade, and five in a
   * row take the channel down.
   */
  reportHealth(channel: Channel, ok: boolean, reason?: string, severity?: 'degraded' | 'down'): Promise<void>;
  /**
   * Small persistent key/value settings (table `settings`, jsonb), e.g. a channel's refreshed
   * OAuth tokens, so a restart keeps them. Optional: hand-built contexts may leave it out.
   */
  settings?: { get(key: string): Promise<unknown>; set(key: string, value: unknown): Promise<void> };
};

/**
 * One folder per channel exports a factory that returns this. The registry (src/channels/registry.ts)
 * is the only place that names the channels.
 */
export type ChannelModule = {
  readonly channel: Channel;
  /** Off when its secrets are unset: its webhooks answer 404. */
  readonly enabled: boolean;
  /** Webhook endpoints, mounted on the app when the channel is on. */
  routes?: Router;
  /** Turns a stored raw event into normalised messages (run by the inbound job, not the webhook). */
  parse?(event: StoredWebhookEvent): InboundMessage[] | Promise<InboundMessage[]>;
  sender?: ChannelSender;
  /** Delivery receipts in a stored raw event (an event may carry receipts and no message). */
  receipts?(event: StoredWebhookEvent): DeliveryReceipt[];
  start?(): Promise<void>;
  stop?(): Promise<void>;
};

export type ChannelFactory = (ctx: ChannelContext) => ChannelModule;
