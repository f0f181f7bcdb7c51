import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Hub } from '../../hub';
import { WEBHOOK_PATH as FACEBOOK_WEBHOOK } from '../../channels/facebook';
import { WEBHOOK_BASE as TWILIO_WEBHOOKS } from '../../channels/twilio/webhook';
import { HubError } from '../../shared/errors';
import { CHANNELS, type Channel } from '../../workflow/types';
import { errorBody, parse } from '../errors';
import { currentStaff, requireStaff } from '../session';

export const channelSwitchSchema = z.strictObject({ enabled: z.boolean() });
const channelParam = z.enum(CHANNELS);

/** How long a platform is asked to wait before retrying a webhook of a switched-off channel. */
export const RETRY_AFTER_SECONDS = 120;

/**
 * The webhook calls that bring citizens' messages in, per channel. Only these are refused while a
 * channel is off: Meta's subscription handshake, Twilio's delivery receipts for replies already
 * sent, and the later steps of a call already in progress still go through.
 */
const INTAKE_WEBHOOKS: Partial<Record<Channel, readonly string[]>> = {
  facebook: [FACEBOOK_WEBHOOK],
  zalo: ['/webhooks/zalo'],
  sms: [`${TWILIO_WEBHOOKS}/sms`],
  phone: [`${TWILIO_WEBHOOKS}/voice`],
};

const normalisePath = (p: string) => (p.length > 1 ? p.replace(/\/+$/, '') : p).toLowerCase();

/**
 * In front of a channel's webhooks: while an admin has it switched off, its intake webhooks answer
 * 503 with Retry-After, before anything is read or stored, so the platform keeps the event and
 * delivers it later (nothing is acknowledged, so nothing is lost). Unreadable switch state lets
 * the call through: the channel's own storage step answers 503 itself when the database is down.
 */
export function channelSwitchGuard(hub: Pick<Hub, 'channelSwitches'>, channel: Channel): RequestHandler {
  const paths = new Set((INTAKE_WEBHOOKS[channel] ?? []).map(normalisePath));
  return (req, res, next) => {
    if (req.method !== 'POST' || !paths.has(normalisePath(req.path))) return next();
    hub.channelSwitches.isOn(channel).then((on) => {
      if (on) return next();
      res.set('Retry-After', String(RETRY_AFTER_SECONDS)).status(503).json(errorBody(new HubError('unavailable', 'channel_switched_off',
        `Kênh ${channel} đang tạm tắt; vui lòng gửi lại sau.`, `The ${channel} channel is switched off for now; retry later.`)));
    }, () => next());
  };
}

/** Admins switch a configured channel off and on; replies held meanwhile go out when it is on again. */
export function adminChannelRoutes(hub: Hub): Router {
  const r = Router();

  r.patch('/api/v1/channels/:channel', requireStaff('admin'), async (req, res) => {
    const channel = parse(channelParam, req.params.channel);
    const { enabled } = parse(channelSwitchSchema, req.body);
    const module = hub.channels.find((c) => c.channel === channel);
    if (!module) {
      throw new HubError('conflict', 'channel_not_switchable', `Kênh ${channel} không bật tắt được ở đây (cổng thông tin, ứng dụng, Open311 luôn mở).`,
        `The ${channel} channel cannot be switched here (the portal, the app and Open311 are always on).`);
    }
    if (!module.enabled) {
      throw new HubError('conflict', 'channel_not_configured', `Kênh ${channel} chưa được cấu hình (thiếu khóa bí mật trong biến môi trường) nên luôn tắt.`,
        `The ${channel} channel is not configured (its secrets are unset in the environment), so it is always off.`);
    }
    const { before } = await hub.channelSwitches.set(channel, enabled, currentStaff(res).id);
    let released = 0;
    // Switched back on: the replies held meanwhile are queued now rather than at the next minute's release.
    if (enabled && !before.enabled && hub.senders.get(channel)) released = await hub.notifier.releaseHeld(1000, [channel], `on-${Date.now()}`);
    const state = (await hub.channelStatus()).find((c) => c.channel === channel)!;
    res.json({ ...state, releasedReplies: released });
  });

  return r;
}
