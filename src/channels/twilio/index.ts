import type { ChannelContext, ChannelFactory, ChannelModule } from '../types';
import { TwilioSmsSender } from './sender';
import { parseSms, smsRoutes } from './sms';
import { parseVoice, voiceRoutes } from './voice';
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
    routes: enabled ? smsRoutes(ctx) : undefined,
    parse: parseSms,
    sender: enabled ? sender(ctx, 'sms') : undefined,
  };
};

export const twilioVoiceChannel: ChannelFactory = (ctx): ChannelModule => {
  const enabled = twilioEnabled(ctx.config);
  return {
    channel: 'phone',
    enabled,
    routes: enabled ? voiceRoutes(ctx) : undefined,
    parse: parseVoice,
    sender: enabled ? sender(ctx, 'phone') : undefined,
  };
};
