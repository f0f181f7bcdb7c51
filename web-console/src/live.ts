import { useEffect, useRef, useState } from 'react';
import { io } from 'socket.io-client';

/** The shape of the hub's `ticket` events on /staff (src/shared/live-bus.ts LiveEvent). */
export type LiveEvent = {
  type: 'ticket.created' | 'ticket.updated' | 'message.delivery' | 'ticket.urgent' | 'sla.warning' | 'sla.breached';
  signals?: string[];
  ticket: { code: string; status: string; priority: string; agencyId: number | null };
};

export type LiveState = {
  connected: boolean;
  /** Bumped once per debounced burst of events: views reload when it changes. */
  tick: number;
  /** Ticket codes touched in the last burst (the open ticket reloads only if it is one of them). */
  codes: ReadonlySet<string>;
};

const DEBOUNCE_MS = 300;

/**
 * Connects to /staff while someone is logged in (the session cookie authenticates the socket, so
 * it must be opened after login and closed at logout). Bursts of events, e.g. an assignment that
 * also starts SLA clocks, become one refresh.
 */
export function useLive(enabled: boolean, onUrgent: (e: LiveEvent) => void): LiveState {
  const [state, setState] = useState<LiveState>({ connected: false, tick: 0, codes: new Set() });
  const urgentRef = useRef(onUrgent);
  urgentRef.current = onUrgent;

  useEffect(() => {
    if (!enabled) return;
    const socket = io('/staff', { path: '/socket.io', withCredentials: true });
    let pending = new Set<string>();
    let timer: ReturnType<typeof setTimeout> | null = null;
    socket.on('connect', () => setState((s) => ({ ...s, connected: true })));
    socket.on('disconnect', () => setState((s) => ({ ...s, connected: false })));
    socket.on('connect_error', () => setState((s) => ({ ...s, connected: false })));
    socket.on('ticket', (e: LiveEvent) => {
      if (e.type === 'ticket.urgent') urgentRef.current(e);
      pending.add(e.ticket.code);
      if (timer) return;
      timer = setTimeout(() => {
        const codes = pending;
        pending = new Set();
        timer = null;
        setState((s) => ({ ...s, tick: s.tick + 1, codes }));
      }, DEBOUNCE_MS);
    });
    return () => {
      if (timer) clearTimeout(timer);
      socket.close();
      setState({ connected: false, tick: 0, codes: new Set() });
    };
  }, [enabled]);
  return state;
}
