import type { ChannelFactory } from './types';

/**
 * Every platform channel the hub speaks. Adding a channel: a folder under src/channels/ that
 * exports a ChannelFactory, and one line here. (The web portal and the app use the citizen API.)
 */
export const CHANNEL_FACTORIES: ChannelFactory[] = [];
