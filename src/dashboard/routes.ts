import { Router } from 'express';
import { z } from 'zod';
import { ticketScope } from '../access/policy';
import { DashboardStore } from '../db/dashboard-store';
import type { Hub } from '../hub';
import { parse } from '../http/errors';
import { currentStaff, requireStaff } from '../http/session';
import { IocFeed } from '../ioc/feed';
import { MAX_DAYS } from '../ioc/routes';
import { resolvePeriod } from '../ioc/period';
import { IocStore } from '../ioc/store';
import { outline, type Ring } from './outline';
import { HubError, notFound } from '../shared/errors';

export const dashboardQuery = z.strictObject({ from: z.string().max(40).optional(), to: z.string().max(40).optional() });
const MAX_POINTS = 5000;

/**
 * The supervisors' dashboard (and the IOC wall screen they show it on): the IOC summary's numbers
 * and daily series for staff sessions, and the map of open reports. The IOC feed itself stays behind
 * IOC keys, as the contract says; this is the same data for logged-in staff.
 */
export function dashboardRoutes(hub: Hub): Router {
  const r = Router();
  const feed = new IocFeed(new IocStore(hub.readDb));
  const store = new DashboardStore(hub.db);
  let outlines: Promise<{ code: string; name: string; rings: Ring[] }[]> | null = null;

  r.get('/api/v1/dashboard', requireStaff('supervisor', 'admin', 'operator'), async (req, res) => {
    const q = parse(dashboardQuery, req.query);
    const period = resolvePeriod(q, new Date(), { align: 'day', maxDays: MAX_DAYS, defaultDays: 30 });
    const [summary, received, resolved, breached, satisfiedRate] = await Promise.all([
      feed.summary(period),
      feed.timeseries('received', 'day', period), feed.timeseries('resolved', 'day', period),
      feed.timeseries('breached', 'day', period), feed.timeseries('satisfiedRate', 'day', period),
    ]);
    res.set('Cache-Control', 'no-store').json({
      summary,
      series: { received: received.points, resolved: resolved.points, breached: breached.points, satisfiedRate: satisfiedRate.points },
    });
  });

  // One commune's outline (public map data, like /api/v1/admin-units): the ticket view draws the
  // report's place in its commune. Simplified once per commune.
  const single = new Map<string, { code: string; name: string; rings: Ring[] } | null>();
  r.get('/api/v1/admin-units/:code/outline', async (req, res) => {
    const code = String(req.params.code);
    if (!/^\d{1,6}$/.test(code)) throw new HubError('invalid', 'invalid_unit_code', 'Mã đơn vị hành chính gồm 1–6 chữ số.', 'An administrative unit code is 1–6 digits.');
    if (!single.has(code)) {
      const row = await store.communeBoundary(code);
      // Unknown codes are not remembered: an import may add them later.
      if (!row) throw notFound('admin_unit_outline');
      single.set(code, { code: row.code, name: row.name, rings: outline(row.boundary, 0.0003) });
    }
    res.set('Cache-Control', 'public, max-age=3600').json(single.get(code));
  });

  r.get('/api/v1/dashboard/map', requireStaff('supervisor', 'admin', 'operator', 'agency_lead'), async (_req, res) => {
    const scope = ticketScope(currentStaff(res));
    // Boundaries do not change while the hub runs: simplified once.
    // The area locator's own rows (src/db/area-store.ts): communes are the units under a province.
    outlines ??= hub.areas.units().then((units) => units.filter((u) => u.provinceCode !== null && u.boundary)
      .map((u) => ({ code: u.code, name: u.name, rings: outline(u.boundary) })))
      .catch((err: unknown) => { outlines = null; throw err; });
    const [communes, open, byCommune] = await Promise.all([outlines, store.openPoints(scope, new Date(), MAX_POINTS), store.openByCommune(scope)]);
    res.set('Cache-Control', 'no-store').json({ communes, open, openByCommune: byCommune, truncated: open.length === MAX_POINTS });
  });
  return r;
}
