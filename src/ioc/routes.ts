import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Hub } from '../hub';
import { errorBody, parse } from '../http/errors';
import { hasIocKey } from '../http/session';
import { HubError } from '../shared/errors';
import { IocFeed, TIMESERIES_METRICS } from './feed';
import { collectMetrics, PROMETHEUS_CONTENT_TYPE, renderPrometheus } from './metrics';
import { resolvePeriod } from './period';
import { IocStore } from './store';

/** Summary and daily series: a little over a year; hourly series: a month of points (744). */
export const MAX_DAYS = 400;
export const MAX_HOURLY_DAYS = 31;

export const periodQuery = z.object({ from: z.string().max(40).optional(), to: z.string().max(40).optional() });
export const seriesQuery = periodQuery.extend({
  metric: z.enum(TIMESERIES_METRICS),
  interval: z.enum(['hour', 'day']).default('day'),
});

/** The contract: a bearer key from IOC_API_KEYS, nothing else (a staff session is not a key). */
export function requireIocKey(keys: readonly string[]): RequestHandler {
  return (req, res, next) => {
    if (hasIocKey(req, keys)) return next();
    const e = new HubError('unauthenticated', 'ioc_key_required', 'Cần khóa IOC hợp lệ (Authorization: Bearer <khóa>).',
      'A valid IOC key is required (Authorization: Bearer <key>).');
    res.status(401).set('WWW-Authenticate', 'Bearer realm="1022 IOC"').json(errorBody(e));
  };
}

/**
 * The IOC data feed (contracts.md "IOC data feed"): summary and time series behind an IOC key,
 * and /metrics for operators. /metrics is open, like /healthz: it carries aggregates only, and the
 * hub listens on HOST (127.0.0.1 unless the operator chooses otherwise).
 */
export function iocRoutes(hub: Hub): Router {
  const r = Router();
  const store = new IocStore(hub.readDb);
  const feed = new IocFeed(store);
  const key = requireIocKey(hub.config.iocApiKeys);

  r.get('/api/v1/ioc/summary', key, async (req, res) => {
    const q = parse(periodQuery, req.query);
    const period = resolvePeriod(q, new Date(), { align: 'hour', maxDays: MAX_DAYS, defaultDays: 30 });
    res.set('Cache-Control', 'no-store').json(await feed.summary(period));
  });

  r.get('/api/v1/ioc/timeseries', key, async (req, res) => {
    const q = parse(seriesQuery, req.query);
    const hourly = q.interval === 'hour';
    const period = resolvePeriod(q, new Date(), { align: q.interval, maxDays: hourly ? MAX_HOURLY_DAYS : MAX_DAYS, defaultDays: hourly ? 2 : 30, hourly });
    res.set('Cache-Control', 'no-store').json(await feed.timeseries(q.metric, q.interval, period));
  });

  r.get('/metrics', async (_req, res) => {
    const families = await collectMetrics(store, { queueDriver: hub.queue.driver });
    res.set('Content-Type', PROMETHEUS_CONTENT_TYPE).set('Cache-Control', 'no-store').send(renderPrometheus(families));
  });
  return r;
}
