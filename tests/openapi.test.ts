import express, { Router, type RequestHandler } from 'express';
import supertest from 'supertest';
import { startTestHub, type TestHub } from './helpers/hub';
import { ALL_CHANNELS_ENV, HTTP_METHODS, isPage, key, routeTable, toTemplate, type Entry } from './helpers/route-table';

/**
 * The OpenAPI document at /api/docs covers every HTTP route of the app, and only routes that
 * exist: the express route table is walked (every channel on, so the webhooks are mounted) and
 * compared with the document's paths. A route added without documentation fails here.
 */

type Operation = { summary?: unknown; responses?: Record<string, unknown>; parameters?: { name: string; in: string; required?: boolean }[]; tags?: string[]; security?: Record<string, string[]>[] };
type OpenApiDoc = {
  openapi: string;
  paths: Record<string, Record<string, Operation | unknown>>;
  tags?: { name: string }[];
  components: { securitySchemes: Record<string, unknown>; schemas?: Record<string, unknown> };
};

function documented(doc: OpenApiDoc): Entry[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    HTTP_METHODS.filter((m) => item[m] !== undefined).map((method) => ({ method, path })));
}

/** Routes of the app the document lacks (pages aside), and documented operations no route serves. */
function compare(doc: OpenApiDoc, routes: readonly Entry[]) {
  const inDoc = new Set(documented(doc).map(key));
  const api = routes.filter((r) => !isPage(r)).map((r) => ({ method: r.method, path: toTemplate(r.path) }));
  const inApp = new Set(api.map(key));
  return {
    undocumented: [...new Set(api.map(key).filter((k) => !inDoc.has(k)))].sort(),
    stale: [...inDoc].filter((k) => !inApp.has(k)).sort(),
  };
}

describe('OpenAPI document (pglite)', () => {
  let t: TestHub;
  let doc: OpenApiDoc;
  let table: ReturnType<typeof routeTable>;

  beforeAll(async () => {
    t = await startTestHub('pglite', ALL_CHANNELS_ENV, { start: false });
    const res = await supertest(t.app).get('/api/docs');
    expect(res.status).toBe(200);
    doc = res.body as OpenApiDoc;
    table = routeTable(t.app);
  });
  afterAll(async () => { await t?.close(); });

  test('every channel is on, so its webhooks are in the route table', () => {
    const paths = new Set(table.routes.map((r) => r.path));
    for (const p of ['/webhooks/facebook', '/webhooks/zalo', '/webhooks/twilio/sms', '/webhooks/twilio/voice']) expect(paths).toContain(p);
  });

  test('every route of the app is documented, and every documented operation exists', () => {
    expect(table.problems).toEqual([]);
    expect(table.routes.length).toBeGreaterThan(50);
    const { undocumented, stale } = compare(doc, table.routes);
    expect(undocumented).toEqual([]);
    expect(stale).toEqual([]);
  });

  test('the walk finds nested, prefixed and multi-path routes, and an undocumented one fails the comparison', () => {
    const h: RequestHandler = (_req, res) => { res.end(); };
    const probe = express();
    const inner = Router();
    inner.get('/items/:id', h);
    inner.post(['/things.json', '/things.xml'], h);
    const outer = Router();
    outer.use(inner);
    probe.use('/nested', outer);
    probe.get('/healthz', h);
    probe.get('/track/:code', h);
    probe.route('/anything').all(h); // app.all() lists every method; route().all() is one _all entry
    const found = routeTable(probe);
    expect(found.problems).toEqual([]);
    expect(found.routes.map(key).sort()).toEqual([
      'ALL /anything', 'GET /healthz', 'GET /nested/items/:id', 'GET /track/:code', 'POST /nested/things.json', 'POST /nested/things.xml',
    ]);
    const { undocumented } = compare(doc, found.routes);
    // /healthz is documented and /track/:code is a page; the rest are not documented.
    expect(undocumented).toEqual(['ALL /anything', 'GET /nested/items/{id}', 'POST /nested/things.json', 'POST /nested/things.xml']);

    // The real app with one route more: the comparison names it.
    const extra = routeTable(t.app).routes.concat({ method: 'get', path: '/api/v1/not-documented/:id' });
    expect(compare(doc, extra).undocumented).toEqual(['GET /api/v1/not-documented/{id}']);

    // A sub-app hides its routes: that is a problem, not a pass.
    const withSubApp = express();
    withSubApp.use('/sub', express());
    expect(routeTable(withSubApp).problems).toHaveLength(1);
  });

  test('every operation has a summary, tags, security and responses; path parameters match the path', () => {
    expect(doc.openapi).toBe('3.1.0');
    const tagNames = new Set((doc.tags ?? []).map((x) => x.name));
    const schemes = new Set(Object.keys(doc.components.securitySchemes));
    const faults: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      const ops = HTTP_METHODS.filter((m) => item[m] !== undefined);
      if (ops.length === 0) faults.push(`${path}: no operation`);
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
      for (const m of ops) {
        const op = item[m] as Operation;
        const where = `${m.toUpperCase()} ${path}`;
        if (typeof op.summary !== 'string' || op.summary.trim() === '') faults.push(`${where}: no summary`);
        if (!op.responses || Object.keys(op.responses).length === 0) faults.push(`${where}: no responses`);
        for (const [status, r] of Object.entries(op.responses ?? {})) {
          if (!/^[1-5]\d\d$/.test(status)) faults.push(`${where}: response key "${status}"`);
          if (typeof (r as { description?: unknown }).description !== 'string') faults.push(`${where}: response ${status} without description`);
        }
        if (!op.tags?.length) faults.push(`${where}: no tags`);
        for (const tag of op.tags ?? []) if (!tagNames.has(tag)) faults.push(`${where}: tag "${tag}" not declared`);
        if (!Array.isArray(op.security)) faults.push(`${where}: security not stated`);
        for (const req of op.security ?? []) for (const s of Object.keys(req)) if (!schemes.has(s)) faults.push(`${where}: unknown security scheme "${s}"`);
        const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path');
        for (const name of templated) {
          const p = pathParams.find((x) => x.name === name);
          if (!p) faults.push(`${where}: {${name}} has no path parameter`);
          else if (p.required !== true) faults.push(`${where}: path parameter ${name} is not required`);
        }
        for (const p of pathParams) if (!templated.includes(p.name)) faults.push(`${where}: path parameter ${p.name} is not in the path`);
        const seen = new Set<string>();
        for (const p of op.parameters ?? []) {
          const k = `${p.in}:${p.name}`;
          if (seen.has(k)) faults.push(`${where}: parameter ${k} twice`);
          seen.add(k);
        }
      }
    }
    expect(faults).toEqual([]);
  });

  test('every $ref points at a component that exists', () => {
    const refs: string[] = [];
    const collect = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(collect);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === '$ref' && typeof x === 'string') refs.push(x);
          else collect(x);
        }
      }
    };
    collect(doc.paths);
    expect(refs.length).toBeGreaterThan(0);
    const broken = refs.filter((r) => {
      const m = /^#\/components\/(schemas|securitySchemes)\/(.+)$/.exec(r);
      return !m || !(m[2]! in ((doc.components as Record<string, Record<string, unknown> | undefined>)[m[1]!] ?? {}));
    });
    expect(broken).toEqual([]);
  });

  test('security schemes: session cookie and CSRF header, IOC bearer key, Open311 api_key, platform signatures', () => {
    const s = doc.components.securitySchemes as Record<string, { type: string; in?: string; name?: string; scheme?: string }>;
    expect(s.session).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'hub_session' });
    expect(s.csrf).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-CSRF-Token' });
    expect(s.iocKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(s.open311ApiKey).toMatchObject({ type: 'apiKey', name: 'api_key' });
    const op = (path: string, m: string) => doc.paths[path]![m] as Operation;
    // A staff write needs the session and the CSRF header; a read the session alone.
    expect(op('/api/v1/tickets', 'post').security).toEqual([{ session: [], csrf: [] }]);
    expect(op('/api/v1/tickets', 'get').security).toEqual([{ session: [] }]);
    expect(op('/api/v1/ioc/summary', 'get').security).toEqual([{ iocKey: [] }]);
    expect(op('/api/v1/reports', 'post').security).toEqual([]);
    expect(op('/open311/v2/requests.json', 'post').security).toEqual([{ open311ApiKey: [] }]);
    // Each webhook states its platform's signature header.
    const header = (path: string, m: string) => (op(path, m).parameters ?? []).filter((p) => p.in === 'header' && p.required).map((p) => p.name);
    expect(header('/webhooks/facebook', 'post')).toEqual(['X-Hub-Signature-256']);
    expect(header('/webhooks/zalo', 'post')).toEqual(['X-ZEvent-Signature']);
    for (const [path, item] of Object.entries(doc.paths)) {
      if (path.startsWith('/webhooks/twilio/')) expect(header(path, 'post')).toEqual(['X-Twilio-Signature']);
      else if (path === '/webhooks/facebook' && item.get) expect(header(path, 'get')).toEqual([]);
    }
  });
});
