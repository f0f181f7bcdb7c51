import { useEffect, useState } from 'react';

/** A small history router under /console/ (the hub answers every /console/* path with the page). */
const BASE = '/console';

export type Route =
  | { name: 'queues'; queue: string | null }
  | { name: 'ticket'; code: string }
  | { name: 'phone' }
  | { name: 'overview' }
  | { name: 'admin'; tab: AdminTab };

/** The screens of the Quản trị / Administration area, in menu order. */
export const ADMIN_TABS = ['users', 'categories', 'agencies', 'routing', 'aliases', 'sla', 'calendar', 'channels'] as const;
export type AdminTab = (typeof ADMIN_TABS)[number];
const isAdminTab = (s: string): s is AdminTab => (ADMIN_TABS as readonly string[]).includes(s);

export function parseRoute(pathname: string, search: string): Route {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  const ticket = /^\/tickets\/([^/]+)\/?$/.exec(rest);
  if (ticket) return { name: 'ticket', code: decodeURIComponent(ticket[1]!).toUpperCase() };
  if (/^\/phone\/?$/.test(rest)) return { name: 'phone' };
  if (/^\/overview\/?$/.test(rest)) return { name: 'overview' };
  const admin = /^\/admin(?:\/([a-z]+))?\/?$/.exec(rest);
  if (admin) return { name: 'admin', tab: admin[1] && isAdminTab(admin[1]) ? admin[1] : 'users' };
  return { name: 'queues', queue: new URLSearchParams(search).get('queue') };
}

export function hrefOf(r: Route): string {
  if (r.name === 'ticket') return `${BASE}/tickets/${encodeURIComponent(r.code)}`;
  if (r.name === 'phone') return `${BASE}/phone`;
  if (r.name === 'overview') return `${BASE}/overview`;
  if (r.name === 'admin') return `${BASE}/admin/${r.tab}`;
  return `${BASE}/${r.queue ? `?queue=${encodeURIComponent(r.queue)}` : ''}`;
}

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => listeners.forEach((l) => l()));

export function navigate(r: Route): void {
  const href = hrefOf(r);
  if (href !== location.pathname + location.search) history.pushState(null, '', href);
  listeners.forEach((l) => l());
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname, location.search));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.pathname, location.search));
    listeners.add(on);
    return () => { listeners.delete(on); };
  }, []);
  return route;
}

/** A same-app link: a normal <a> (open in new tab works), client-side navigation on a plain click. */
export function linkProps(r: Route): { href: string; onClick: (e: { button: number; metaKey: boolean; ctrlKey: boolean; shiftKey: boolean; preventDefault(): void }) => void } {
  return {
    href: hrefOf(r),
    onClick: (e) => {
      if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
      e.preventDefault();
      navigate(r);
    },
  };
}
