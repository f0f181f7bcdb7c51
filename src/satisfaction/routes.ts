import path from 'node:path';
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { Hub } from '../hub';
import { parse } from '../http/errors';
import { HubError } from '../shared/errors';
import { checkReopen, SCORE_LABELS, type Survey } from './survey';
import type { SurveyView } from './survey-service';

// The survey page lives with the portal's static files (tsc does not copy them; the path works from src/ and dist/).
const PAGE = path.resolve(__dirname, '../../src/channels/web/public/danh-gia.html');

const TOKEN = /^[A-Za-z0-9_-]{16,64}$/;

export const answerSchema = z.object({
  score: z.number().int().min(1).max(5).nullable().optional(),
  satisfied: z.boolean().nullable().optional(),
  comment: z.string().max(2000).nullable().optional(),
  reopen: z.boolean().optional(),
}).strict();

function tokenOf(req: Request): string {
  const t = String(req.params.token ?? '');
  if (!TOKEN.test(t)) {
    throw new HubError('not_found', 'survey_unknown', 'Không tìm thấy phiếu khảo sát.', 'No such survey.');
  }
  return t;
}

const answerOf = (s: Survey) => s.status === 'answered'
  ? { satisfied: s.satisfied, score: s.score, comment: s.comment, answeredAt: s.answeredAt?.toISOString() ?? null }
  : null;

/**
 * The citizen's survey, reached by its single-use token (the link sent by email, web and app; the
 * same API serves the app). Nothing here needs a login, and nothing returns personal data: the
 * token holder sees the ticket's code, its category, agency and official answer.
 */
export function surveyRoutes(hub: Hub): Router {
  const r = Router();
  const view = (v: SurveyView) => ({
    code: v.ticket.code,
    status: v.survey.status,
    ticketStatus: v.ticket.status,
    category: v.ticket.categoryName,
    agency: v.ticket.agencyName,
    resolution: v.ticket.resolution,
    resolvedAt: v.ticket.resolvedAt?.toISOString() ?? null,
    expiresAt: v.survey.expiresAt.toISOString(),
    scores: [5, 4, 3, 2, 1].map((n) => ({ score: n, label: SCORE_LABELS[n] })),
    answer: answerOf(v.survey),
    reopenAllowed: checkReopen(v.survey, v.ticket, hub.config.survey, new Date()) === 'ok',
    reopenRequested: v.survey.reopenRequestedAt !== null,
    /** Whether a "not satisfied" answer could still reopen the ticket. */
    reopenPossible: v.ticket.surveyReopens < hub.config.survey.maxReopens && ['resolved', 'closed'].includes(v.ticket.status),
  });

  r.get('/api/v1/surveys/:token', async (req, res) => {
    res.set('Cache-Control', 'no-store').json(view(await hub.surveys.view(tokenOf(req))));
  });

  r.post('/api/v1/surveys/:token', async (req, res) => {
    const token = tokenOf(req);
    const body = parse(answerSchema, req.body);
    const result = await hub.surveys.answer(token, body, { channel: 'web', ref: null });
    if (result.reopened) hub.afterCommit();
    res.json({ ...view(result.view), reopened: result.reopened, reopenAllowed: result.reopenAllowed });
  });

  r.post('/api/v1/surveys/:token/reopen', async (req, res) => {
    await hub.surveys.requestReopen(tokenOf(req));
    hub.afterCommit();
    res.json(view(await hub.surveys.view(tokenOf(req))));
  });

  r.post('/api/v1/surveys/:token/opt-out', async (req, res) => {
    const v = await hub.surveys.view(tokenOf(req));
    await hub.surveys.setOptOut(v.ticket.citizenId, true);
    res.json({ optedOut: true });
  });

  r.get('/danh-gia/:token', (_req, res) => {
    res.set('Cache-Control', 'no-store').sendFile(PAGE);
  });
  return r;
}
