import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import IORedis from 'ioredis';
import { Server, type Namespace, type Socket } from 'socket.io';
import type { Hub } from '../hub';
import { attachIocNamespace } from '../ioc/stream';
import type { LiveEvent } from '../shared/live-bus';
import type { StaffUser } from '../workflow/types';
import { cookieValue, originIsHub, SESSION_COOKIE } from './session';

export const STAFF_NAMESPACE = '/staff';
export const STAFF_EVENT = 'ticket';

const SEES_ALL = new Set(['operator', 'supervisor', 'admin']);
const ROOM_ALL = 'all';
const agencyRoom = (agencyId: number) => `agency:${agencyId}`;
const staffRoom = (staffId: number) => `staff:${staffId}`;

/** Who receives a live event: everything for operators, supervisors and admins; an agency only its own tickets. */
export function roomsFor(e: LiveEvent): string[] {
  return e.ticket.agencyId === null ? [ROOM_ALL] : [ROOM_ALL, agencyRoom(e.ticket.agencyId)];
}

function attachStaffNamespace(io: Server, hub: Pick<Hub, 'live' | 'config' | 'staff'>): () => void {
  const nsp: Namespace = io.of(STAFF_NAMESPACE);
  nsp.use((socket: Socket, next) => {
    const h = socket.handshake.headers;
    // A page elsewhere cannot ride a staff member's cookie into the live stream (same rule as writes).
    if (!originIsHub(h.origin || undefined, h.host, hub.config.publicBaseUrl)) return next(Object.assign(new Error('origin_not_allowed'), { data: { message: 'Nguồn kết nối không hợp lệ.', messageEn: 'Origin not allowed.' } }));
    const token = cookieValue(h.cookie, SESSION_COOKIE);
    if (!token || token.length > 200) return next(Object.assign(new Error('login_required'), { data: { message: 'Cần đăng nhập.', messageEn: 'Login required.' } }));
    hub.staff.session(token).then((s) => {
      if (!s) return next(Object.assign(new Error('login_required'), { data: { message: 'Phiên đăng nhập đã hết hạn.', messageEn: 'The session has expired.' } }));
      (socket.data as { user?: StaffUser }).user = s.user;
      next();
    }, () => next(new Error('unavailable')));
  });
  nsp.on('connection', (socket) => {
    const user = (socket.data as { user: StaffUser }).user;
    // Agency roles join only their agency's room: another agency's tickets never reach them.
    void socket.join(SEES_ALL.has(user.role) ? ROOM_ALL : user.agencyId !== null ? agencyRoom(user.agencyId) : `none:${user.id}`);
    // Its own room as well, so a change to the account (deactivated, new role or agency) ends its connections.
    void socket.join(staffRoom(user.id));
  });
  // One broadcast to the union of rooms: a socket in several of them gets the event once, and
  // with the Redis adapter it is one publish for every API process.
  const stopEvents = hub.live.subscribe((e) => { nsp.to(roomsFor(e)).emit(STAFF_EVENT, e); });
  // The console reconnects and the handshake re-reads the session: a deactivated account is
  // refused, a changed one joins the rooms of its new role (through the adapter, in every process).
  const stopAccess = hub.live.onAccessChanged((staffId) => { nsp.in(staffRoom(staffId)).disconnectSockets(true); });
  return () => { stopEvents(); stopAccess(); };
}

export type LiveStreams = { io: Server; close(): Promise<void> };

/**
 * socket.io on the hub's HTTP server (path /socket.io): `/staff` for the console (session cookie,
 * RBAC by room) and `/ioc` for the IOC (API key, personal data removed). Nothing on the main namespace.
 *
 * With REDIS_URL the namespaces go through the socket.io Redis adapter, so an event produced in any
 * process (an API process, or a worker that threaded a webhook) reaches the consoles and IOC clients
 * connected to every API process, exactly once: each process broadcasts only its own events.
 * A worker passes no HTTP server: it serves no sockets and only publishes.
 */
export function attachLiveStreams(server: HttpServer | null, hub: Pick<Hub, 'live' | 'config' | 'log' | 'staff'>): LiveStreams {
  const io = server ? new Server(server, { serveClient: false }) : new Server({ serveClient: false });
  const redis: IORedis[] = [];
  if (hub.config.redisUrl) {
    const pub = new IORedis(hub.config.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    const sub = pub.duplicate();
    for (const c of [pub, sub]) {
      // A Redis restart costs live events published meanwhile (consoles re-read on reconnect), never a crash.
      c.on('error', (err: Error) => hub.log.warn({ err: err.message }, 'live stream: Redis connection error'));
      redis.push(c);
    }
    io.adapter(createAdapter(pub, sub, { key: `${hub.config.queuePrefix}:live` }));
  }
  io.use((_socket, next) => next(new Error('namespace_not_served')));
  const stops = [attachIocNamespace(io, hub), attachStaffNamespace(io, hub)];
  return {
    io,
    async close() {
      for (const stop of stops) stop();
      // A server-less instance has no engine to close (socket.io's close() assumes one).
      if (server) await io.close();
      for (const c of redis) c.disconnect();
    },
  };
}
