import type { Server as HttpServer } from 'node:http';
import { Server, type Namespace, type Socket } from 'socket.io';
import type { Hub } from '../hub';
import { attachIocNamespace } from '../ioc/stream';
import type { LiveEvent } from '../shared/live-bus';
import type { StaffUser } from '../workflow/types';
import { cookieValue, SESSION_COOKIE } from './session';

export const STAFF_NAMESPACE = '/staff';
export const STAFF_EVENT = 'ticket';

const SEES_ALL = new Set(['operator', 'supervisor', 'admin']);
const ROOM_ALL = 'all';
const agencyRoom = (agencyId: number) => `agency:${agencyId}`;

/**
 * The browser's Origin must be the hub itself (the console is served by it): a page elsewhere
 * cannot ride a staff member's cookie into the live stream. No Origin (non-browser clients) is
 * fine: they need the cookie anyway.
 */
export function sameOrigin(origin: string | undefined, host: string | undefined, publicBaseUrl: string): boolean {
  if (!origin) return true;
  try {
    const o = new URL(origin);
    return o.host === host || o.origin === new URL(publicBaseUrl).origin;
  } catch {
    return false;
  }
}

/** Who receives a live event: everything for operators, supervisors and admins; an agency only its own tickets. */
export function roomsFor(e: LiveEvent): string[] {
  return e.ticket.agencyId === null ? [ROOM_ALL] : [ROOM_ALL, agencyRoom(e.ticket.agencyId)];
}

function attachStaffNamespace(io: Server, hub: Pick<Hub, 'live' | 'config' | 'staff'>): () => void {
  const nsp: Namespace = io.of(STAFF_NAMESPACE);
  nsp.use((socket: Socket, next) => {
    const h = socket.handshake.headers;
    if (!sameOrigin(h.origin, h.host, hub.config.publicBaseUrl)) return next(Object.assign(new Error('origin_not_allowed'), { data: { message: 'Nguồn kết nối không hợp lệ.', messageEn: 'Origin not allowed.' } }));
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
  });
  return hub.live.subscribe((e) => {
    for (const room of roomsFor(e)) nsp.to(room).emit(STAFF_EVENT, e);
  });
}

export type LiveStreams = { io: Server; close(): Promise<void> };

/**
 * socket.io on the hub's HTTP server (path /socket.io): `/staff` for the console (session cookie,
 * RBAC by room) and `/ioc` for the IOC (API key, personal data removed). Nothing on the main namespace.
 * Events of this process only: several API processes need the socket.io Redis adapter.
 */
export function attachLiveStreams(server: HttpServer, hub: Pick<Hub, 'live' | 'config' | 'log' | 'staff'>): LiveStreams {
  const io = new Server(server, { serveClient: false });
  io.use((_socket, next) => next(new Error('namespace_not_served')));
  const stops = [attachIocNamespace(io, hub), attachStaffNamespace(io, hub)];
  return {
    io,
    async close() {
      for (const stop of stops) stop();
      await io.close();
    },
  };
}
