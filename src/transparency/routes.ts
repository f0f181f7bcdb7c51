import { Router, type Response } from 'express';
import path from 'node:path';
import { z } from 'zod';
import type { Hub } from '../hub';
import { TransparencyStore, type PublicReportRow } from '../db/transparency-store';
import { parse } from '../http/errors';
import { notFound } from '../shared/errors';
import { ANONYMISER_VERSION, searchTerms, toPublicText } from './anonymise';

// The portal's static folder, as src/http/app.ts computes it (importing it from there would be a cycle).
const PORTAL_DIR = path.resolve(__dirname, '../../src/channels/web/public');

export const MAX_PAGE_SIZE = 50;

export const listQuery = z.object({
  category: z.string().trim().max(50).optional(),
  commune: z.string().trim().max(20).optional(),
  month: z.string().trim().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'tháng phải có dạng YYYY-MM, ví dụ 2025-07 / month must be YYYY-MM, e.g. 2025-07').optional(),
  q: z.string().max(200).optional(),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE, `tối đa ${MAX_PAGE_SIZE} / at most ${MAX_PAGE_SIZE}`).default(20),
});

const item = (r: PublicReportRow) => ({
  code: r.code,
  category: r.categoryCode ? { code: r.categoryCode, name: r.categoryName ?? r.categoryCode } : null,
  commune: r.communeCode ? { code: r.communeCode, name: r.communeName ?? r.communeCode } : null,
  agency: r.agencyName,
  receivedAt: r.receivedAt,
  resolvedAt: r.resolvedAt,
  description: r.description,
  answer: r.answer,
  channel: r.channel,
});

const cached = (res: Response) => res.set('Cache-Control', 'public, max-age=60');

/**
 * The transparency page and its public API: resolved reports the citizen allowed to publish,
 * with the official answer, anonymised. No login. See README.md "Công khai / Transparency".
 */
export function transparencyRoutes(hub: Hub): Router {
  const r = Router();
  const store = new TransparencyStore(hub.db, String(ANONYMISER_VERSION));
  // Published texts are built lazily, by whichever request first needs them: any process, any writer.
  const refresh = () => store.refresh(toPublicText);

  r.get('/api/v1/public/reports', async (req, res) => {
    const q = parse(listQuery, req.query);
    await refresh();
    const terms = searchTerms(q.q ?? '');
    const { items, total } = await store.list({
      categoryCode: q.category || undefined, communeCode: q.commune || undefined, month: q.month,
      terms: terms.length ? terms : undefined,
    }, q.page, q.pageSize);
    cached(res).json({ items: items.map(item), page: q.page, pageSize: q.pageSize, total });
  });

  r.get('/api/v1/public/reports/:code', async (req, res) => {
    const code = req.params.code.trim().toUpperCase();
    await refresh();
    const found = code.length <= 30 ? await store.byCode(code) : null;
    if (!found) throw notFound('report');
    cached(res).json(item(found));
  });

  r.get('/api/v1/public/filters', async (_req, res) => {
    await refresh();
    cached(res).json(await store.filters());
  });

  r.get('/cong-khai', (_req, res) => { res.sendFile(path.join(PORTAL_DIR, 'cong-khai.html')); });
  r.get('/public-reports', (_req, res) => { res.redirect(301, '/cong-khai'); });
  return r;
}
