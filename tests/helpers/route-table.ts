import type { Express } from 'express';

/**
 * The express route table, walked: every (method, path) the app serves, for tests that must cover
 * every route (the OpenAPI document, the authorisation and CSRF matrices). A route added anywhere
 * shows up here without anyone listing it.
 */

export type Entry = { method: string; path: string };

/** What the router package (express 5) keeps per layer; only the fields the walk reads. */
type Layer = {
  name?: string;
  slash?: boolean;
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean | undefined> };
  handle?: { stack?: unknown };
};

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * HTML pages and their redirects, which are not API operations. The static portal files
 * (`/`, its scripts and styles) come from express.static, which is no route and never listed.
 */
export const NON_API_PAGES: readonly { method: string; path: RegExp; why: string }[] = [
  { method: 'get', path: /^\/$/, why: 'the citizen portal' },
  { method: 'get', path: /^\/track\/:code$/, why: 'the portal, opened on a tracking link' },
  { method: 'get', path: /^\/danh-gia\/:token$/, why: 'the satisfaction survey page' },
  { method: 'get', path: /^\/cong-khai$/, why: 'the transparency page' },
  { method: 'get', path: /^\/public-reports$/, why: 'English address of the transparency page (a redirect)' },
  { method: 'get', path: /^\/console(?![A-Za-z0-9_-])/, why: 'the staff console and its client-side routes' },
];

export const isPage = (e: Entry) => NON_API_PAGES.some((p) => p.method === e.method && p.path.test(e.path));

/** Express `:param` → OpenAPI `{param}`. */
export const toTemplate = (p: string) => p.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');

export const key = (e: Entry) => `${e.method.toUpperCase()} ${e.path}`;

/**
 * Every (method, path) of the app's routes, recursing into nested routers. What cannot be listed
 * (a path that is not a string, a sub-app, a router mounted where the mount path is unknown) is a
 * problem, never silently skipped.
 */
export function routeTable(app: Express): { routes: Entry[]; problems: string[] } {
  const routes: Entry[] = [];
  const problems: string[] = [];
  const join = (prefix: string, p: string) => {
    const full = prefix + p;
    return full.length > 1 ? full.replace(/\/$/, '') : full;
  };
  const walk = (stack: readonly Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const raw = layer.route.path;
        const paths: unknown[] = Array.isArray(raw) ? raw.flat(Infinity) : [raw];
        for (const p of paths) {
          if (typeof p !== 'string') { problems.push(`route with a non-string path ${String(p)} under "${prefix}"`); continue; }
          for (const [m, on] of Object.entries(layer.route.methods)) {
            // `.all()` is stored as _all: no OpenAPI operation can stand for it, so it is never "documented".
            if (on) routes.push({ method: m === '_all' ? 'ALL' : m.toLowerCase(), path: join(prefix, p) });
          }
        }
      } else if (Array.isArray(layer.handle?.stack)) {
        if (layer.slash) walk(layer.handle.stack as Layer[], prefix);
        else if (typeof layer.rawPath === 'string') walk(layer.handle.stack as Layer[], join(prefix, layer.rawPath));
        else problems.push(`router "${layer.name ?? '?'}" mounted at an unreadable path under "${prefix}"`);
      } else if (layer.name === 'mounted_app') {
        problems.push(`a sub-app is mounted under "${prefix}": its routes cannot be listed`);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return { routes, problems };
}

/** Every channel on (fake URLs: nothing is called unless a test starts the hub and sends). */
export const ALL_CHANNELS_ENV: Readonly<Record<string, string>> = {
  FACEBOOK_APP_SECRET: 'fb-app-secret', FACEBOOK_VERIFY_TOKEN: 'fb-verify', FACEBOOK_PAGE_TOKEN: 'fb-page-token', FACEBOOK_GRAPH_URL: 'http://127.0.0.1:9/graph',
  ZALO_APP_ID: '1234567890', ZALO_OA_SECRET: 'zalo-oa-secret', ZALO_APP_SECRET: 'zalo-app-secret', ZALO_OA_ACCESS_TOKEN: 'zalo-at', ZALO_REFRESH_TOKEN: 'zalo-rt',
  ZALO_API_URL: 'http://127.0.0.1:9/zalo', ZALO_OAUTH_URL: 'http://127.0.0.1:9/zalo-oauth',
  TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000', TWILIO_AUTH_TOKEN: 'twilio-token', TWILIO_FROM_NUMBER: '+15005550006', TWILIO_API_URL: 'http://127.0.0.1:9/twilio',
  IOC_API_KEYS: 'ioc-key-1', OPEN311_API_KEYS: 'open311-key-1',
};
