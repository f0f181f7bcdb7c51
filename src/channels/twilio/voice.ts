import { Router, type Response } from 'express';
import twilio from 'twilio';
import { cleanText } from '../../shared/text';
import type { ChannelContext, InboundMessage, StoredWebhookEvent } from '../types';
import { RECORDING_ONLY_TEXT, prompts } from './prompts';
import { EMPTY_TWIML, WEBHOOK_BASE, callerPhone, field, queryOf, sendTwiml, twilioBodyErrors, twilioHandler, type TwilioParams } from './webhook';

type VoiceResponse = InstanceType<typeof twilio.twiml.VoiceResponse>;

/**
 * The IVR, and how one call becomes one report
 * --------------------------------------------
 * /voice          greeting + <Gather numDigits=1> menu (1 report, 2 status)
 * /voice/menu     digit 1 → <Gather input=speech vi-VN>: "say briefly what and where"
 *                 digit 2 → the status of the caller's latest ticket, read out
 *                 anything else → the menu once more, then a polite goodbye
 * /voice/speech   gets SpeechResult; answers <Record> whose action (/voice/recorded) and
 *                 recordingStatusCallback (/voice/recording) URLs both carry the transcript and the
 *                 caller in their query string (Twilio signs the full URL, so it is tamper-proof)
 * /voice/recorded Record's action: RecordingUrl/RecordingSid (also reached by <Redirect> when the
 *                 recording was empty) → stored as event `${CallSid}:recorded`
 * /voice/recording recordingStatusCallback (completed|absent) → stored as `${CallSid}:recording`
 *
 * Both stored events parse to the SAME message: externalId = CallSid, text = transcript,
 * attachment = the recording. Whichever is processed first makes the ticket; the other is a
 * duplicate of the same message id. So retries and the two callbacks make one ticket, and a report
 * survives a caller who hangs up mid-recording (the status callback still arrives). Twilio's own
 * transcription is not used: it does not support Vietnamese.
 */

const VOICE = { language: 'vi-VN', voice: 'Google.vi-VN-Standard-A' } as const;
const MAX_TRANSCRIPT = 500; // keeps the callback URLs well under Twilio's URL length limit
const MAX_RECORDING_SECONDS = 120;

type Carried = { from: string | null; speech: string | null; confidence: string | null };
export type VoiceEventPayload = { step: 'recorded' | 'recording'; params: TwilioParams; carried: Carried };

function say(target: { say: VoiceResponse['say'] }, text: string): void {
  target.say(VOICE, text);
}

function recordingAttachmentUrl(url: string): string {
  // Without an extension Twilio serves WAV; MP3 is a tenth of the size and plays everywhere.
  return /\.(mp3|wav)$/i.test(url) ? url : `${url}.mp3`;
}

/** A stored call event → the call's one message (see above), or [] when it carries nothing. */
export function parseVoice(event: StoredWebhookEvent): InboundMessage[] {
  const pl = event.payload as Partial<VoiceEventPayload> | null;
  if (!pl || typeof pl !== 'object' || (pl.step !== 'recorded' && pl.step !== 'recording')) return [];
  const p = (pl.params ?? {}) as TwilioParams;
  const callSid = field(p, 'CallSid');
  if (!callSid) return [];
  // carried comes back from jsonb: read it as untyped, so an odd row is skipped rather than crashing the job.
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const speech = cleanText(text(pl.carried?.speech) ?? '');
  const url = field(p, 'RecordingUrl');
  const hasRecording = Boolean(url && /^https?:\/\//i.test(url) && (pl.step === 'recorded' || field(p, 'RecordingStatus') === 'completed'));
  if (!speech && !hasRecording) return [];
  const phone = callerPhone(field(p, 'From') ?? text(pl.carried?.from));
  const recordingSid = field(p, 'RecordingSid') ?? callSid;
  return [{
    channel: 'phone',
    externalId: callSid,
    identity: phone ? { kind: 'phone', value: phone } : null,
    profile: { phone },
    text: speech || RECORDING_ONLY_TEXT,
    attachments: hasRecording
      ? [{ fileName: `ghi-am-${recordingSid}.mp3`, declaredType: 'audio/mpeg', url: recordingAttachmentUrl(url!), kind: 'audio' }]
      : [],
    sentAt: event.receivedAt,
    kind: 'call',
  }];
}

/**
 * The caller's most recent ticket (any channel) by their phone identity. Ticket codes contain
 * letters, which a keypad cannot type, so the IVR looks the caller up instead of asking for a code.
 */
export async function latestTicketForPhone(ctx: ChannelContext, phone: string) {
  const rows = await ctx.db.query<{ code: string }>(
    `SELECT t.code FROM citizen_identities ci JOIN tickets t ON t.citizen_id = ci.citizen_id
     WHERE ci.kind = 'phone' AND ci.value = $1 ORDER BY t.created_at DESC, t.id DESC LIMIT 1`, [phone]);
  return rows[0] ? ctx.ticketStatus(rows[0].code) : null;
}

export function voiceRoutes(ctx: ChannelContext): Router {
  const router = Router();
  const base = `${ctx.config.publicBaseUrl}${WEBHOOK_BASE}/voice`;
  const url = (path: string, query?: Record<string, string | null | undefined>): string => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v) q.set(k, v);
    const s = q.toString();
    return `${base}${path}${s ? `?${s}` : ''}`;
  };
  const twiml = (res: Response, build: (vr: VoiceResponse) => void, status = 200): void => {
    const vr = new twilio.twiml.VoiceResponse();
    build(vr);
    sendTwiml(res, vr.toString(), status);
  };
  const goodbye = (res: Response, ...lines: string[]) => twiml(res, (vr) => {
    for (const l of lines) say(vr, l);
    vr.hangup();
  });
  // A failure while the caller listens: apologise and hang up rather than Twilio's "application error".
  const politeError = (res: Response) => goodbye(res, prompts.busy);
  // Status callbacks have no caller listening: 503 makes a storage failure visible in Twilio's debugger.
  const unavailable = (res: Response) => sendTwiml(res, EMPTY_TWIML, 503);
  const handler = (onError: (res: Response) => void, h: Parameters<typeof twilioHandler>[3]) =>
    twilioHandler(ctx.config, ctx.log, onError, h);

  const menu = (res: Response, attempt: number, intro: string[]) => twiml(res, (vr) => {
    for (const l of intro) say(vr, l);
    const g = vr.gather({ input: ['dtmf'], numDigits: 1, timeout: 7, method: 'POST', action: url('/menu', { attempt: attempt ? String(attempt) : null }) });
    say(g, prompts.menu);
    // No key pressed: Twilio goes on to the next verb, which counts as one wrong answer.
    vr.redirect({ method: 'POST' }, url('/menu', { attempt: attempt ? String(attempt) : null }));
  });

  const readStatus = async (res: Response, from: string | undefined) => {
    const phone = callerPhone(from);
    if (!phone) { goodbye(res, prompts.hiddenNumber, prompts.goodbye); return; }
    const t = await latestTicketForPhone(ctx, phone);
    goodbye(res, t ? prompts.ticketStatus(t) : prompts.noTicket, prompts.goodbye);
  };

  router.post(`${WEBHOOK_BASE}/voice`, ...handler(politeError, async (p, _req, res) => {
    if (!field(p, 'CallSid')) { goodbye(res, prompts.busy); return; }
    menu(res, 0, [prompts.greeting]);
  }));

  router.post(`${WEBHOOK_BASE}/voice/menu`, ...handler(politeError, async (p, req, res) => {
    const attempt = Number.parseInt(queryOf(req).get('attempt') ?? '0', 10) || 0;
    const digits = field(p, 'Digits');
    if (digits === '1') {
      twiml(res, (vr) => {
        const g = vr.gather({
          input: ['speech'], language: 'vi-VN', speechTimeout: 'auto', timeout: 6, actionOnEmptyResult: true,
          method: 'POST', action: url('/speech'),
        });
        say(g, prompts.askSummary);
        vr.redirect({ method: 'POST' }, url('/speech'));
      });
      return;
    }
    if (digits === '2') {
      await readStatus(res, field(p, 'From'));
      return;
    }
    const why = digits ? prompts.invalid : prompts.noInput;
    if (attempt >= 1) goodbye(res, why, prompts.goodbye);
    else menu(res, 1, [why]);
  }));

  router.post(`${WEBHOOK_BASE}/voice/speech`, ...handler(politeError, async (p, _req, res) => {
    const speech = cleanText(field(p, 'SpeechResult') ?? '').slice(0, MAX_TRANSCRIPT);
    const carried = { from: field(p, 'From'), speech, confidence: field(p, 'Confidence') };
    twiml(res, (vr) => {
      say(vr, prompts.askRecording);
      vr.record({
        action: url('/recorded', carried), method: 'POST',
        maxLength: MAX_RECORDING_SECONDS, timeout: 6, playBeep: true, finishOnKey: '#', trim: 'trim-silence',
        recordingStatusCallback: url('/recording', carried), recordingStatusCallbackMethod: 'POST',
        recordingStatusCallbackEvent: ['completed', 'absent'],
      });
      // Reached only when the recording was empty (Twilio then skips the action): report the transcript alone.
      vr.redirect({ method: 'POST' }, url('/recorded', carried));
    });
  }));

  const carriedOf = (q: URLSearchParams): Carried => ({
    from: q.get('from'), speech: q.get('speech')?.slice(0, MAX_TRANSCRIPT) ?? null, confidence: q.get('confidence'),
  });
  const hasContent = (payload: VoiceEventPayload) => parseVoice({ id: 0, channel: 'phone', eventKey: '', payload, receivedAt: new Date() }).length > 0;

  router.post(`${WEBHOOK_BASE}/voice/recorded`, ...handler(politeError, async (p, req, res) => {
    const callSid = field(p, 'CallSid');
    if (!callSid) { goodbye(res, prompts.busy); return; }
    const payload: VoiceEventPayload = { step: 'recorded', params: p, carried: carriedOf(queryOf(req)) };
    if (!hasContent(payload)) { goodbye(res, prompts.nothingHeard); return; }
    await ctx.acceptEvents('phone', [{ key: `${callSid}:recorded`, payload, sender: field(p, 'From') ?? null }]);
    goodbye(res, prompts.recorded);
  }));

  router.post(`${WEBHOOK_BASE}/voice/recording`, ...handler(unavailable, async (p, req, res) => {
    const callSid = field(p, 'CallSid');
    if (!callSid) { sendTwiml(res, EMPTY_TWIML, 400); return; }
    const status = field(p, 'RecordingStatus');
    const payload: VoiceEventPayload = { step: 'recording', params: p, carried: carriedOf(queryOf(req)) };
    if ((status === 'completed' || status === 'absent' || status === 'failed') && hasContent(payload)) {
      await ctx.acceptEvents('phone', [{ key: `${callSid}:recording`, payload, sender: field(p, 'From') ?? null }]);
    }
    sendTwiml(res, EMPTY_TWIML);
  }));

  router.use(twilioBodyErrors);
  return router;
}
