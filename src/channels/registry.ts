import { facebookChannel } from './facebook';
import { emailChannel } from './email';
import type { ChannelFactory } from './types';
import { twilioSmsChannel, twilioVoiceChannel } from './twilio';
import { zaloChannel } from './zalo';

/**
 * Every platform channel the hub speaks. Adding a channel: a folder under src/channels/ that
 * exports a ChannelFactory, and one line here. (The web portal and the app use the citizen API.)
 */
export const CHANNEL_FACTORIES: ChannelFactory[] = [emailChannel, facebookChannel, zaloChannel, twilioSmsChannel, twilioVoiceChannel];
