import { EventEmitter } from 'node:events';

/** Ticket events for live listeners (console, IOC stream). Carries no personal data. */
export type LiveEvent = {
  type: 'ticket.created' | 'ticket.updated' | 'message.delivery' | 'ticket.urgent' | 'sla.warning' | 'sla.breached';
  /** For SLA events: which clock and its deadline. */
  sla?: { clock: string; dueAt: string };
  /** For 'ticket.urgent': the danger words that made it urgent (no personal data). */
  signals?: string[];
  action?: string;
  messageId?: number;
  status?: string;
  ticket: {
    code: string; status: string; channel: string; categoryCode: string | null; priority: string;
    agencyId: number | null; communeCode: string | null; createdAt: string;
  };
};

export class LiveBus {
  private readonly emitter = new EventEmitter();
  constructor() {
    this.emitter.setMaxListeners(1000);
  }
  publish(e: LiveEvent): void {
    this.emitter.emit('event', e);
  }
  subscribe(fn: (e: LiveEvent) => void): () => void {
    this.emitter.on('event', fn);
    return () => this.emitter.off('event', fn);
  }
  /** A staff account's access changed (deactivated, role or agency changed): its live connections must be re-checked. */
  accessChanged(staffId: number): void {
    this.emitter.emit('access', staffId);
  }
  onAccessChanged(fn: (staffId: number) => void): () => void {
    this.emitter.on('access', fn);
    return () => this.emitter.off('access', fn);
  }
}
