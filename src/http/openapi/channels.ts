import { get, headerParam, json, post, PUBLIC, queryParam, ref, type Access, type JsonSchema, type Paths, type Response } from './common';

/**
 * Platform webhooks (contracts.md): each is mounted only while its channel is on (otherwise 404)
 * and verifies its platform's signature over the raw request.
 */

const text = (description: string, type = 'text/plain'): Response => ({ description, content: { [type]: { schema: { type: 'string' } } } });
const twiml = (description: string): Response => text(description, 'text/xml');
const channelOff: Response = { description: 'The channel is off (its secrets are unset)', content: json(ref('Error')) };

export const webhookSecuritySchemes: Record<string, JsonSchema> = {
  facebookSignature: { type: 'apiKey', in: 'header', name: 'X-Hub-Signature-256', description: 'sha256=<hex HMAC-SHA256 of the raw body with FACEBOOK_APP_SECRET>' },
  zaloSignature: { type: 'apiKey', in: 'header', name: 'X-ZEvent-Signature', description: 'Hex SHA-256 (plain) of app_id + raw body + timestamp + ZALO_OA_SECRET; optional "mac=" prefix' },
  twilioSignature: { type: 'apiKey', in: 'header', name: 'X-Twilio-Signature', description: 'Twilio\'s signature over PUBLIC_BASE_URL + path (+ query) and the form fields, checked with twilio.validateRequest' },
};

const FACEBOOK: Access = {
  kind: 'webhook', scheme: 'facebookSignature',
  header: headerParam('X-Hub-Signature-256', '`sha256=` + lowercase hex HMAC-SHA256 of the raw body bytes with FACEBOOK_APP_SECRET. Bad or missing → 403.', { type: 'string', pattern: '^sha256=[0-9a-fA-F]{64}$' }),
};
const ZALO: Access = {
  kind: 'webhook', scheme: 'zaloSignature',
  header: headerParam('X-ZEvent-Signature', 'Hex SHA-256 (plain, not HMAC) of ZALO_APP_ID + raw body + the body\'s `timestamp` + ZALO_OA_SECRET, with or without a `mac=` prefix. Bad or missing → 403.'),
};
const TWILIO: Access = {
  kind: 'webhook', scheme: 'twilioSignature',
  header: headerParam('X-Twilio-Signature', 'Twilio\'s signature (HMAC-SHA1, base64, with TWILIO_AUTH_TOKEN) of PUBLIC_BASE_URL + path + query and the sorted form fields. Bad or missing → 403.'),
};

const form = (fields: Record<string, string>, required: string[] = []) => ({
  required: true,
  content: { 'application/x-www-form-urlencoded': { schema: {
    type: 'object', additionalProperties: { type: 'string' }, ...(required.length ? { required } : {}),
    properties: Object.fromEntries(Object.entries(fields).map(([k, d]) => [k, { type: 'string', description: d }])),
  } } },
});

/** What every Twilio webhook can answer besides its success. */
const twilioFailures = (extra: Record<number, Response> = {}): Record<number, Response> => ({
  403: text('Missing or wrong X-Twilio-Signature'),
  404: channelOff,
  413: twiml('Body too large (empty TwiML)'),
  415: twiml('Not application/x-www-form-urlencoded (empty TwiML)'),
  ...extra,
});

const callFields = { CallSid: 'The call', From: 'Caller (E.164)', To: 'Called number' };

/** An IVR step: answers TwiML; a failure while the caller listens is an apology and a hang-up, never a 5xx. */
function ivrStep(summary: string, description: string, fields: Record<string, string>, query: string[] = []) {
  return post(TWILIO, {
    summary, description, tags: ['webhooks'],
    parameters: query.map((q) => queryParam(q, 'Carried by the hub in the callback URL it gave Twilio (signed with it)')),
    requestBody: form({ ...callFields, ...fields }),
    responses: { 200: twiml('TwiML: the next step of the call'), ...twilioFailures({ 400: twiml('Unreadable body (empty TwiML)') }) },
  });
}

export function channelPaths(): Paths {
  return {
    '/webhooks/facebook': {
      get: get(PUBLIC, {
        summary: 'Facebook subscription handshake', tags: ['webhooks'],
        description: 'Answers hub.challenge as plain text when hub.mode=subscribe and hub.verify_token equals FACEBOOK_VERIFY_TOKEN.',
        parameters: [
          queryParam('hub.mode', 'subscribe', { type: 'string', const: 'subscribe' }, true),
          queryParam('hub.verify_token', 'FACEBOOK_VERIFY_TOKEN', { type: 'string' }, true),
          queryParam('hub.challenge', 'Echoed back (≤ 1000 characters)', { type: 'string', maxLength: 1000 }, true),
        ],
        responses: { 200: text('The challenge'), 400: text('hub.challenge missing or too long'), 403: text('Wrong mode or verify token'), 404: channelOff },
      }),
      post: post(FACEBOOK, {
        summary: 'Facebook Messenger and page-feed events', tags: ['webhooks'],
        description: 'Stored before the 200; the same message id twice makes one message. Replies go through the Send API.',
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', description: 'Meta\'s webhook payload: {object: "page", entry: [...]}', properties: { object: { type: 'string' }, entry: { type: 'array' } } } } } },
        responses: {
          200: text('EVENT_RECEIVED'), 400: text('Malformed JSON or not a page webhook'), 403: text('Bad or missing signature'), 404: channelOff,
          413: text('Body over 4 MB'), 415: text('Not application/json'), 503: text('Could not store the events, or an admin switched the channel off (Retry-After); Meta retries'),
        },
      }),
    },
    '/webhooks/zalo': { post: post(ZALO, {
      summary: 'Zalo Official Account events', tags: ['webhooks'],
      description: 'Answers within 2 s; the same message.msg_id twice makes one message. A signed event is always 200 (accepted, duplicate or ignored) unless it could not be stored.',
      requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['app_id', 'event_name', 'timestamp'], properties: { app_id: { type: 'string' }, event_name: { type: 'string' }, timestamp: { type: ['string', 'integer'] } } } } } },
      responses: {
        200: { description: '{ok: "accepted" | "duplicate" | "ignored"}', content: json({ type: 'object', properties: { ok: { type: 'string', enum: ['accepted', 'duplicate', 'ignored'] } } }) },
        400: { description: '{error, message}: empty, unreadable or malformed body, or not an event', content: json({ type: 'object', properties: { error: { type: 'string' }, message: { type: 'string' } } }) },
        403: { description: '{error: "missing_signature" | "bad_signature"}', content: json({ type: 'object', properties: { error: { type: 'string' } } }) },
        404: channelOff,
        413: { description: '{error: "body_too_large"} (over 256 kB)', content: json({ type: 'object', properties: { error: { type: 'string' } } }) },
        503: { description: 'The event could not be stored, or an admin switched the channel off (Retry-After); Zalo retries', content: json({ type: 'object', properties: { error: { type: 'string' }, message: { type: 'string' } } }) },
      },
    }) },

    // ---- Twilio: SMS -----------------------------------------------------------------------------
    '/webhooks/twilio/sms': { post: post(TWILIO, {
      summary: 'Inbound SMS/MMS', tags: ['webhooks'],
      description: 'Stored under MessageSid; the acknowledgement with the ticket code is sent once the ticket exists.',
      requestBody: form({ MessageSid: 'The message', From: 'Sender', To: 'Our number', Body: 'Text', NumMedia: 'MMS items', MediaUrl0: 'First MMS item', MediaContentType0: 'Its type' }, ['MessageSid', 'From']),
      responses: { 200: twiml('Empty <Response/>'), ...twilioFailures({ 400: twiml('MessageSid or From missing (empty TwiML)'), 503: twiml('Could not store the message, or an admin switched the channel off (JSON error, Retry-After)') }) },
    }) },
    '/webhooks/twilio/sms/status': { post: post(TWILIO, {
      summary: 'Delivery status of an SMS the hub sent', tags: ['webhooks'],
      description: 'Final statuses (delivered, undelivered, failed) are stored as receipts of the outbound message.',
      parameters: [queryParam('ch', 'The sending channel (set by the hub in StatusCallback)', { type: 'string', enum: ['sms', 'phone'] })],
      requestBody: form({ MessageSid: 'The message', MessageStatus: 'queued … delivered | undelivered | failed', ErrorCode: 'Twilio error code' }, ['MessageSid', 'MessageStatus']),
      responses: { 204: { description: 'Received' }, ...twilioFailures({ 400: twiml('Missing sid or status, or unknown ch (empty TwiML)'), 503: twiml('Could not store the receipt') }) },
    }) },

    // ---- Twilio: voice IVR ---------------------------------------------------------------------
    '/webhooks/twilio/voice': { post: ivrStep('Incoming call: greeting and menu', 'Vietnamese greeting; press 1 to report, 2 to hear the status of one\'s latest report. While an admin has switched the phone channel off: 503 with Retry-After (JSON error); later steps of a call in progress still answer.', {}) },
    '/webhooks/twilio/voice/menu': { post: ivrStep('IVR menu choice', 'Digit 1 → speech prompt; 2 → status read out; anything else → the menu once more, then goodbye.', { Digits: 'Key pressed' }, ['attempt']) },
    '/webhooks/twilio/voice/speech': { post: ivrStep('Spoken summary received; start the recording', 'Carries the transcript and caller into the recording callbacks\' URLs.', { SpeechResult: 'Transcript (vi-VN)', Confidence: 'Recogniser confidence' }) },
    '/webhooks/twilio/voice/recorded': { post: ivrStep('Recording finished (Record action)', 'Stored as the call\'s report: transcript and recording become one ticket message.', { RecordingUrl: 'The recording', RecordingSid: 'Its sid' }, ['from', 'speech', 'confidence']) },
    '/webhooks/twilio/voice/recording': { post: post(TWILIO, {
      summary: 'Recording status callback', tags: ['webhooks'],
      description: 'completed/absent/failed: stored as the same message as /voice/recorded, so a caller who hangs up mid-recording still makes a report.',
      parameters: ['from', 'speech', 'confidence'].map((q) => queryParam(q, 'Carried by the hub in the callback URL it gave Twilio (signed with it)')),
      requestBody: form({ ...callFields, RecordingStatus: 'completed | absent | failed', RecordingUrl: 'The recording', RecordingSid: 'Its sid' }, ['CallSid']),
      responses: { 200: twiml('Empty <Response/>'), ...twilioFailures({ 400: twiml('CallSid missing (empty TwiML)'), 503: twiml('Could not store the event') }) },
    }) },

    // ---- Twilio: survey by keypad on a callback --------------------------------------------------
    '/webhooks/twilio/survey': { post: ivrStep('Survey call answered: ask for a score 1–5', 'The hub places the call; the survey token rides in ?t=.', {}, ['t']) },
    '/webhooks/twilio/survey/answer': { post: ivrStep('Survey score pressed', 'Digits 1–5 stored as the answer; 1–2 offer to reopen the report.', { Digits: 'Key pressed' }, ['t']) },
    '/webhooks/twilio/survey/reopen': { post: ivrStep('Reopen choice after a "not satisfied" score', 'Digit 1 asks to reopen the report.', { Digits: 'Key pressed' }, ['t']) },
  };
}
