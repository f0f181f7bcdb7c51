import type { Channel } from '../workflow/types';
import type { Database } from './database';
import { writeAudit } from './audit-admin-store';

export type ChannelSwitch = { channel: Channel; enabled: boolean; changedBy: number | null; changedAt: Date | null };

/** How long another process's switch may take to reach this one (API processes and workers alike). */
export const SWITCH_CACHE_MS = 5_000;

type SwitchRow = { channel: Channel; enabled: boolean; changed_by: number | null; changed_at: Date };

/**
 * Admins switch a configured channel off and on at runtime. The switch lives in the database so
 * every process agrees; each process reads it through a short cache (a switch made here is seen
 * here at once, elsewhere within SWITCH_CACHE_MS). No row means on.
 */
export class ChannelSwitches {
  private cache: { at: number; rows: Promise<Map<Channel, ChannelSwitch>> } | null = null;

  constructor(private readonly db: Database, private readonly cacheMs = SWITCH_CACHE_MS) {}

  private all(): Promise<Map<Channel, ChannelSwitch>> {
    if (!this.cache || Date.now() - this.cache.at > this.cacheMs) {
      const rows = this.db.query<SwitchRow>('SELECT * FROM channel_settings').then((list) =>
        new Map(list.map((r) => [r.channel, { channel: r.channel, enabled: r.enabled, changedBy: r.changed_by, changedAt: r.changed_at }])));
      this.cache = { at: Date.now(), rows };
      // A failed read is not cached: the next call asks again.
      rows.catch(() => { if (this.cache?.rows === rows) this.cache = null; });
    }
    return this.cache.rows;
  }

  async isOn(channel: Channel | string): Promise<boolean> {
    return (await this.all()).get(channel as Channel)?.enabled ?? true;
  }

  /** The given channels that are switched on, in their order. */
  async onOf(channels: readonly string[]): Promise<string[]> {
    const all = await this.all();
    return channels.filter((c) => all.get(c as Channel)?.enabled ?? true);
  }

  async get(channel: Channel): Promise<ChannelSwitch> {
    return (await this.all()).get(channel) ?? { channel, enabled: true, changedBy: null, changedAt: null };
  }

  async list(): Promise<Map<Channel, ChannelSwitch>> {
    return this.all();
  }

  /** Sets the switch (with its audit row); returns the previous and the new state. */
  async set(channel: Channel, enabled: boolean, staffId: number): Promise<{ before: ChannelSwitch; after: ChannelSwitch }> {
    const result = await this.db.transaction(async (tx) => {
      const prev = await tx.query<SwitchRow>('SELECT * FROM channel_settings WHERE channel = $1 FOR UPDATE', [channel]);
      const before: ChannelSwitch = prev[0]
        ? { channel, enabled: prev[0].enabled, changedBy: prev[0].changed_by, changedAt: prev[0].changed_at }
        : { channel, enabled: true, changedBy: null, changedAt: null };
      const rows = await tx.query<SwitchRow>(
        `INSERT INTO channel_settings (channel, enabled, changed_by, changed_at) VALUES ($1, $2, $3, now())
         ON CONFLICT (channel) DO UPDATE SET enabled = EXCLUDED.enabled, changed_by = EXCLUDED.changed_by, changed_at = EXCLUDED.changed_at
         RETURNING *`, [channel, enabled, staffId]);
      const r = rows[0]!;
      const after: ChannelSwitch = { channel, enabled: r.enabled, changedBy: r.changed_by, changedAt: r.changed_at };
      await writeAudit(tx, 'channel', channel, 'updated', staffId, { enabled: before.enabled }, { enabled: after.enabled });
      return { before, after };
    });
    this.cache = null;
    return result;
  }
}
