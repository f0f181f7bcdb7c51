import { Router } from 'express';
import type { ChannelContext, ChannelFactory, ChannelModule } from '../types';
import { TwilioSmsSender } from './sender';
import { parseSms, smsRoutes } from './sms';
import { statusRoutes, twilioReceipts } from './status';
import { parseVoice, voiceRoutes } from './voice';
import { parseSurveyCall, surveyCallRoutes } from './survey-call';
import { twilioEnabled } from './webhook';

/**
 * Twilio serves two hub channels that share one account: 'sms' (inbound SMS/MMS) and 'phone'
 * (the voice IVR). Both reply by SMS from TWILIO_FROM_NUMBER; without it replies are held
 * (no sender registered), while inbound still works.
 */
function sender(ctx: ChannelContext, channel: 'sms' | 'phone'): TwilioSmsSender | undefined {
  const { accountSid, authToken, fromNumber } = ctx.config.twilio;
  if (!accountSid || !authToken || !fromNumber) return undefined;
  return new TwilioSmsSender(channel, { ...ctx.config.twilio, accountSid, authToken, fromNumber }, ctx);
}

export const twilioSmsChannel: ChannelFactory = (ctx): ChannelModule => {
  const enabled = twilioEnabled(ctx.config);
  return {
    channel: 'sms',
    enabled,
    // The delivery status route serves both channels' senders (see status.ts); it is mounted once, here.
    routes: enabled ? Router().use(smsRoutes(ctx), statusRoutes(ctx)) : undefined,
    parse: parseSms,
    receipts: twilioReceipts,
    sender: enabled ? sender(ctx, 'sms') : undefined,
  };
};

export const twilioVoiceChannel: ChannelFactory = (ctx): ChannelModule => {
  const enabled = twilioEnabled(ctx.config);
  return {
    channel: 'phone',
    enabled,
    routes: enabled ? Router().use(voiceRoutes(ctx), surveyCallRoutes(ctx)) : undefined,
    parse: (event) => [...parseVoice(event), ...parseSurveyCall(event)],
    receipts: twilioReceipts,
    sender: enabled ? sender(ctx, 'phone') : undefined,
  };
};
