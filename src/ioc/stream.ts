import { Server, type Socket } from 'socket.io';
import type { Hub } from '../hub';
import { bearerToken, isIocKey } from '../http/session';
import type { LiveEvent } from '../shared/live-bus';
import { CHANNELS, TICKET_STATUSES } from '../workflow/types';

/**
 * socket.io namespace /ioc: live ticket events for the IOC, as 'ticket' events. Only the fields
 * below leave the hub, each checked against the shape it must have, so no name, phone number,
 * e-mail, address, report text or reply can reach the IOC even if a future live event carries one.
 * Delivery receipts (message.delivery) are not IOC business and are not forwarded.
 */
export type IocTicketEvent = {
  type: 'ticket.created' | 'ticket.updated' | 'ticket.urgent' | 'sla.warning' | 'sla.breached';
  action: string | null;
  code: string; status: string; channel: string; categoryCode: string | null; priority: string;
  agencyId: number | null; communeCode: string | null; createdAt: string;
  sla: { clock: 'response' | 'resolution'; dueAt: string } | null;
};

export const IOC_NAMESPACE = '/ioc';
export const IOC_EVENT = 'ticket';

const FORWARDED = new Set<IocTicketEvent['type']>(['ticket.created', 'ticket.updated', 'ticket.urgent', 'sla.warning', 'sla.breached']);
const CODE = /^[A-Z0-9][A-Z0-9-]{2,39}$/;
const SLUG = /^[a-z0-9][a-z0-9_-]{0,59}$/;
const COMMUNE = /^\d{1,10}$/;

const isoOrNull = (v: unknown): string | null => {
  if (typeof v !== 'string' || v.length > 40) return null;
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
};
const match = (v: unknown, re: RegExp): v is string => typeof v === 'string' && re.test(v);

/** The IOC's view of a live event, or null when it is not forwarded or does not have the expected shape. */
export function toIocEvent(e: LiveEvent): IocTicketEvent | null {
  const type = e.type as IocTicketEvent['type'];
  if (!FORWARDED.has(type)) return null;
  const t = e.ticket;
  const createdAt = isoOrNull(t.createdAt);
  if (!match(t.code, CODE) || !(TICKET_STATUSES as readonly string[]).includes(t.status) || !(CHANNELS as readonly string[]).includes(t.channel)
    || !match(t.priority, SLUG) || createdAt === null) return null;
  if (t.categoryCode !== null && !match(t.categoryCode, SLUG)) return null;
  if (t.communeCode !== null && !match(t.communeCode, COMMUNE)) return null;
  if (t.agencyId !== null && !Number.isSafeInteger(t.agencyId)) return null;
  let sla: IocTicketEvent['sla'] = null;
  if (e.sla) {
    const dueAt = isoOrNull(e.sla.dueAt);
    if ((e.sla.clock !== 'response' && e.sla.clock !== 'resolution') || dueAt === null) return null;
    sla = { clock: e.sla.clock, dueAt };
  }
  return {
    type, action: match(e.action, SLUG) ? e.action : null,
    code: t.code, status: t.status, channel: t.channel, categoryCode: t.categoryCode, priority: t.priority,
    agencyId: t.agencyId, communeCode: t.communeCode, createdAt, sla,
  };
}

/** The key a client presents: handshake auth `{ token }`, or an `Authorization: Bearer` header. */
export function handshakeKey(auth: unknown, authorization: string | undefined): string | null {
  if (auth && typeof auth === 'object' && 'token' in auth) {
    const token = (auth as { token: unknown }).token;
    if (typeof token === 'string' && token.length > 0) return token.replace(/^Bearer\s+/i, '');
  }
  return bearerToken(authorization);
}

/**
 * Serves /ioc on the hub's socket.io server (src/http/live-streams.ts): an IOC key in the handshake,
 * one subscription to the live bus for all clients, events stripped to the whitelisted fields.
 * Returns the unsubscribe.
 */
export function attachIocNamespace(io: Server, hub: Pick<Hub, 'live' | 'config' | 'log'>): () => void {
  const nsp = io.of(IOC_NAMESPACE);
  nsp.use((socket: Socket, next) => {
    const key = handshakeKey(socket.handshake.auth, socket.handshake.headers.authorization);
    if (isIocKey(key, hub.config.iocApiKeys)) return next();
    const err = new Error('ioc_key_required') as Error & { data?: unknown };
    err.data = { message: 'Cần khóa IOC hợp lệ.', messageEn: 'A valid IOC key is required.' };
    next(err);
  });
  return hub.live.subscribe((e) => {
    const event = toIocEvent(e);
    if (event) nsp.emit(IOC_EVENT, event);
    else if (FORWARDED.has(e.type as IocTicketEvent['type'])) hub.log.warn({ type: e.type }, 'live event not forwarded to the IOC: unexpected shape');
  });
}
