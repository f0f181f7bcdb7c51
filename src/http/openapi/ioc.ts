import { TIMESERIES_METRICS } from '../../ioc/feed';
import { MAX_DAYS, MAX_HOURLY_DAYS, periodQuery, seriesQuery } from '../../ioc/routes';
import { get, ok, PUBLIC, queryParams, ref, type JsonSchema, type Paths } from './common';

/** The IOC data feed (contracts.md "IOC data feed") and /metrics. */

const periodNotes = {
  from: 'ISO 8601 instant with a zone, or YYYY-MM-DD (local midnight, Asia/Ho_Chi_Minh); years 2000–2099',
  to: 'Exclusive end, same forms as from; default now',
};

const rate: JsonSchema = { type: ['number', 'null'], minimum: 0, maximum: 1 };
const kpi: JsonSchema = {
  type: 'object',
  properties: Object.fromEntries([
    ...['received', 'excluded', 'eligible', 'processed', 'measured', 'onTime', 'lateWithExtension', 'late', 'rated', 'satisfied', 'notSatisfied'].map((k) => [k, { type: 'integer' }]),
    ...['processedRate', 'onTimeRate', 'lateWithExtensionRate', 'lateRate', 'satisfiedRate', 'notSatisfiedRate'].map((k) => [k, rate]),
  ]),
};
const counts: JsonSchema = { type: 'object', additionalProperties: { type: 'integer' } };

/** The contract's fields are required; the rest is the hub's own addition. Rates are fractions, null where nothing was measured. */
export const iocSchemas: Record<string, JsonSchema> = {
  IocSummary: {
    type: 'object',
    required: ['from', 'to', 'totals', 'byChannel', 'byCategory', 'byAgency', 'sla', 'satisfaction'],
    properties: {
      from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' },
      asOf: { type: 'string', format: 'date-time' }, timeZone: { type: 'string' },
      totals: { type: 'object', required: ['received', 'open', 'resolved', 'closed', 'overdue'], properties: Object.fromEntries(['received', 'open', 'resolved', 'closed', 'overdue'].map((k) => [k, { type: 'integer' }])) },
      byChannel: counts,
      byCategory: { ...counts, description: 'Key "unclassified" for tickets without a category' },
      byAgency: { type: 'array', items: { type: 'object', required: ['agency', 'received', 'resolved', 'onTimeRate'], properties: {
        agency: { type: ['string', 'null'] }, agencyId: { type: ['integer', 'null'] }, name: { type: ['string', 'null'] },
        received: { type: 'integer' }, resolved: { type: 'integer' }, onTimeRate: rate,
      } } },
      sla: { type: 'object', required: ['onTimeRate', 'breached', 'dueSoon', 'medianFirstResponseMinutes', 'medianResolutionHours'], properties: {
        onTimeRate: rate, breached: { type: 'integer' }, dueSoon: { type: 'integer' },
        medianFirstResponseMinutes: { type: ['number', 'null'] }, medianResolutionHours: { type: ['number', 'null'] },
        measured: { type: 'integer' }, lateWithExtensionRate: rate, lateRate: rate,
        averageFirstResponseMinutes: { type: ['number', 'null'] }, averageResolutionHours: { type: ['number', 'null'] }, medianMethod: { const: 'histogram' },
      } },
      satisfaction: { type: 'object', required: ['responses', 'satisfiedRate', 'averageScore'], properties: {
        responses: { type: 'integer' }, satisfiedRate: rate, averageScore: { type: ['number', 'null'] },
        satisfied: { type: 'integer' }, notSatisfied: { type: 'integer' }, scored: { type: 'integer' },
      } },
      kpi: { type: 'object', description: 'KPIs over the reports received in the period, as of now', properties: {
        basis: { const: 'received_in_period' }, overall: kpi,
        byAgency: { type: 'array', items: { allOf: [kpi, { type: 'object', properties: { agency: { type: ['string', 'null'] }, agencyId: { type: ['integer', 'null'] }, name: { type: ['string', 'null'] } } }] } },
        byCategory: { type: 'array', items: { allOf: [kpi, { type: 'object', properties: { category: { type: ['string', 'null'] } } }] } },
        byCommune: { type: 'array', items: { allOf: [kpi, { type: 'object', properties: { commune: { type: ['string', 'null'] }, name: { type: ['string', 'null'] } } }] } },
      } },
    },
  },
  IocTimeseries: {
    type: 'object',
    required: ['metric', 'interval', 'from', 'to', 'points'],
    properties: {
      metric: { type: 'string', enum: [...TIMESERIES_METRICS] }, interval: { type: 'string', enum: ['hour', 'day'] },
      from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' }, timeZone: { type: 'string' },
      points: { type: 'array', description: 'Every bucket, oldest first; zeros included (null for satisfiedRate where nobody answered)', items: {
        type: 'object', properties: { t: { type: 'string', format: 'date-time' }, value: { type: ['number', 'null'] } },
      } },
    },
  },
};

const iocErrors = { 401: 'No valid IOC key (Authorization: Bearer <one of IOC_API_KEYS>); WWW-Authenticate: Bearer', 400: 'Invalid parameter or period (validation_failed, invalid_period)' };

export function iocPaths(): Paths {
  return {
    '/api/v1/ioc/summary': { get: get({ kind: 'ioc' }, {
      summary: 'IOC summary of a period', tags: ['ioc'],
      description: `Period widened to whole hours; at most ${MAX_DAYS} days; default the last 30 days. Cache-Control: no-store.`,
      parameters: queryParams(periodQuery, periodNotes),
      responses: { 200: ok('The summary', ref('IocSummary')) }, errors: [400], errorText: iocErrors,
    }) },
    '/api/v1/ioc/timeseries': { get: get({ kind: 'ioc' }, {
      summary: 'IOC time series of one metric', tags: ['ioc'],
      description: `Buckets of whole hours or local days; at most ${MAX_DAYS} days (${MAX_HOURLY_DAYS} at hourly interval); default 30 days (2 hourly).`,
      parameters: queryParams(seriesQuery, { ...periodNotes, metric: 'What to count per bucket', interval: 'Bucket size' }),
      responses: { 200: ok('The series', ref('IocTimeseries')) }, errors: [400], errorText: iocErrors,
    }) },
    '/metrics': { get: get(PUBLIC, {
      summary: 'Prometheus metrics', tags: ['ioc'],
      description: 'Aggregates only (no personal data), open like /healthz; the hub listens on HOST.',
      responses: { 200: { description: 'Prometheus text format 0.0.4', content: { 'text/plain; version=0.0.4; charset=utf-8': { schema: { type: 'string' } } } } },
    }) },
  };
}
