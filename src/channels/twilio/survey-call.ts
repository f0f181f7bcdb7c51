import { Router, type Response } from 'express';
import twilio from 'twilio';
import type { ChannelContext, InboundMessage, StoredWebhookEvent } from '../types';
import { WEBHOOK_BASE, callerPhone, field, queryOf, sendTwiml, twilioBodyErrors, twilioHandler, type TwilioParams } from './webhook';

/**
 * The satisfaction survey of a caller, by keypad on a callback (the phone sender places the call):
 * /survey         the call is answered → "press 1 to 5" (<Gather numDigits=1>)
 * /survey/answer  Digits 1–5 → stored as the event `${CallSid}:survey`; 1–2 ("not satisfied") →
 *                 "press 1 to have the report handled again" → /survey/reopen
 * /survey/reopen  Digits 1 → stored as `${CallSid}:survey-reopen`
 * The survey's token rides in the query string (Twilio signs the full URL). Each stored event
 * parses to a message carrying the survey button payload, which the survey service records.
 */

const VOICE = { language: 'vi-VN', voice: 'Google.vi-VN-Standard-A' } as const;
const TOKEN = /^[A-Za-z0-9_-]{16,64}$/;
export const SURVEY_CALL_PATH = `${WEBHOOK_BASE}/survey`;

export type SurveyCallPayload = { step: 'survey'; answer: string; token: string; params: TwilioParams };

const PROMPTS = {
  ask: 'Xin chào, đây là Tổng đài 1022. Phản ánh của quý vị đã được xử lý. Xin đánh giá mức độ hài lòng: ' +
    'nhấn 5 nếu rất hài lòng, 4 hài lòng, 3 bình thường, 2 chưa hài lòng, 1 không hài lòng.',
  noAnswer: 'Tổng đài chưa nhận được đánh giá. Cảm ơn quý vị, xin chào.',
  thanks: 'Cảm ơn quý vị đã đánh giá. Xin chào.',
  offerReopen: 'Cảm ơn quý vị. Nếu muốn yêu cầu xử lý lại phản ánh, xin nhấn phím 1. Nếu không, xin nhấn phím 2 hoặc gác máy.',
  reopened: 'Yêu cầu xử lý lại đã được ghi nhận. Xin chào.',
  busy: 'Xin lỗi, hệ thống đang bận. Xin chào.',
};

/** A stored survey event → the message that carries the answer (with the survey button's payload). */
export function parseSurveyCall(event: StoredWebhookEvent): InboundMessage[] {
  const pl = event.payload as Partial<SurveyCallPayload> | null;
  if (!pl || pl.step !== 'survey' || typeof pl.token !== 'string' || !TOKEN.test(pl.token) || typeof pl.answer !== 'string') return [];
  const p = (pl.params ?? {}) as TwilioParams;
  const callSid = field(p, 'CallSid');
  if (!callSid || !/^([1-5]|MO-LAI)$/.test(pl.answer)) return [];
  // On a call the hub placed, the citizen is the one called ("To").
  const phone = callerPhone(field(p, 'To'));
  const reopen = pl.answer === 'MO-LAI';
  return [{
    channel: 'phone',
    externalId: `${callSid}:${reopen ? 'survey-reopen' : 'survey'}`,
    identity: phone ? { kind: 'phone', value: phone } : null,
    text: reopen ? 'Yêu cầu xử lý lại (bàn phím) / asked to reopen (keypad)' : `Đánh giá qua tổng đài: ${pl.answer}/5 / rated by keypad`,
    payload: `#KS ${pl.token} ${pl.answer}`,
    attachments: [],
    sentAt: event.receivedAt,
    kind: 'postback',
  }];
}

export function surveyCallRoutes(ctx: ChannelContext): Router {
  const router = Router();
  const url = (path: string, token: string) => `${ctx.config.publicBaseUrl}${SURVEY_CALL_PATH}${path}?t=${encodeURIComponent(token)}`;
  const twiml = (res: Response, build: (vr: InstanceType<typeof twilio.twiml.VoiceResponse>) => void) => {
    const vr = new twilio.twiml.VoiceResponse();
    build(vr);
    sendTwiml(res, vr.toString());
  };
  const goodbye = (res: Response, text: string) => twiml(res, (vr) => { vr.say(VOICE, text); vr.hangup(); });
  const handler = (h: Parameters<typeof twilioHandler>[3]) => twilioHandler(ctx.config, ctx.log, (res) => goodbye(res, PROMPTS.busy), h);
  const tokenOf = (q: URLSearchParams) => { const t = q.get('t') ?? ''; return TOKEN.test(t) ? t : null; };

  router.post(SURVEY_CALL_PATH, ...handler(async (_p, req, res) => {
    const token = tokenOf(queryOf(req));
    if (!token) { goodbye(res, PROMPTS.busy); return; }
    twiml(res, (vr) => {
      const g = vr.gather({ input: ['dtmf'], numDigits: 1, timeout: 8, method: 'POST', action: url('/answer', token) });
      g.say(VOICE, PROMPTS.ask);
      vr.say(VOICE, PROMPTS.noAnswer);
      vr.hangup();
    });
  }));

  router.post(`${SURVEY_CALL_PATH}/answer`, ...handler(async (p, req, res) => {
    const token = tokenOf(queryOf(req));
    const callSid = field(p, 'CallSid');
    const digit = field(p, 'Digits')?.slice(0, 1) ?? '';
    if (!token || !callSid || !/^[1-5]$/.test(digit)) { goodbye(res, PROMPTS.noAnswer); return; }
    const payload: SurveyCallPayload = { step: 'survey', answer: digit, token, params: p };
    await ctx.acceptEvents('phone', [{ key: `${callSid}:survey`, payload, sender: field(p, 'To') ?? null }]);
    if (Number(digit) >= 3) { goodbye(res, PROMPTS.thanks); return; }
    twiml(res, (vr) => {
      const g = vr.gather({ input: ['dtmf'], numDigits: 1, timeout: 8, method: 'POST', action: url('/reopen', token) });
      g.say(VOICE, PROMPTS.offerReopen);
      vr.say(VOICE, PROMPTS.thanks);
      vr.hangup();
    });
  }));

  router.post(`${SURVEY_CALL_PATH}/reopen`, ...handler(async (p, req, res) => {
    const token = tokenOf(queryOf(req));
    const callSid = field(p, 'CallSid');
    if (!token || !callSid || field(p, 'Digits')?.slice(0, 1) !== '1') { goodbye(res, PROMPTS.thanks); return; }
    const payload: SurveyCallPayload = { step: 'survey', answer: 'MO-LAI', token, params: p };
    await ctx.acceptEvents('phone', [{ key: `${callSid}:survey-reopen`, payload, sender: field(p, 'To') ?? null }]);
    goodbye(res, PROMPTS.reopened);
  }));

  router.use(twilioBodyErrors);
  return router;
}

/** Where the phone sender asks Twilio to fetch the call's instructions. */
export const surveyCallUrl = (publicBaseUrl: string, token: string) => `${publicBaseUrl}${SURVEY_CALL_PATH}?t=${encodeURIComponent(token)}`;
