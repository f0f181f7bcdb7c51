import { foldVietnamese } from '../shared/text';
import type { Clock, TransactionRunner } from '../workflow/ports';
import { newTicketCode, newTrackingToken } from '../workflow/ticket-code';
import type { Attachment, Channel, IdentityKind, Priority, Ticket } from '../workflow/types';

/** One report as every channel delivers it, after the channel adapter has parsed its payload. */
export type InboundReport = {
  channel: Channel;
  text: string;
  categoryCode?: string | null;
  priority?: Priority;
  location?: { lat: number; lng: number; address?: string | null } | null;
  address?: string | null;
  contact?: { name?: string | null; phone?: string | null; email?: string | null; shareWithAgency?: boolean };
  /** Channel identities (Zalo user id, Facebook PSID, app account…), already normalised. */
  identities?: { kind: IdentityKind; value: string }[];
  /** Makes a retried submission one ticket; scoped to the channel. */
  idempotencyKey?: string | null;
  externalMessageId?: string | null;
  attachments?: Attachment[];
  publishable?: boolean;
  provinceCode?: string | null;
  communeCode?: string | null;
};

export type IntakeResult = { ticket: Ticket; created: boolean };

export class IntakeService {
  constructor(
    private readonly store: TransactionRunner,
    private readonly clock: Clock,
    private readonly codePrefix: string,
    /**
     * Channels whose citizens read replies where they reported (portal, app): their
     * acknowledgement is stored with the ticket, in the same statement, already delivered.
     */
    private readonly instantAck?: { channels: ReadonlySet<Channel>; text(code: string, trackingToken: string): string },
  ) {}

  /**
   * Citizen, ticket, first message, 'created' event and the outbox row that announces it:
   * one transaction, so an acknowledged report is never half-stored and never lost.
   */
  async submit(report: InboundReport): Promise<IntakeResult> {
    try {
      return await this.submitOnce(report);
    } catch (err) {
      // Two copies of the same submission raced: the loser finds the winner's ticket.
      if (report.idempotencyKey && this.store.isUniqueViolation(err)) return this.submitOnce(report);
      throw err;
    }
  }

  private async submitOnce(report: InboundReport): Promise<IntakeResult> {
    const at = this.clock.now();
    const writer = this.store.intake;
    if (report.idempotencyKey) {
      const existing = await writer.findTicketByIdempotencyKey(report.idempotencyKey);
      if (existing) return { ticket: existing, created: false };
    }
    const identities = [...(report.identities ?? [])];
    const phone = report.contact?.phone ?? null;
    const email = report.contact?.email ?? null;
    if (phone) identities.push({ kind: 'phone', value: phone });
    if (email) identities.push({ kind: 'email', value: email });
    const address = report.location?.address ?? report.address ?? null;
    // 32^5 codes a month: a collision is rare; draw again rather than fail.
    for (let attempt = 0; attempt < 5; attempt++) {
      const code = newTicketCode(this.codePrefix, at);
      const trackingToken = newTrackingToken();
      const ack = this.instantAck?.channels.has(report.channel) ? this.instantAck.text(code, trackingToken) : null;
      const ticket = await writer.recordIntake({
        ticket: {
          code,
          trackingToken,
          channel: report.channel,
          citizenId: 0, // the store links the resolved citizen
          categoryCode: report.categoryCode ?? null,
          priority: report.priority ?? 'normal',
          description: report.text,
          searchText: foldVietnamese([code, report.text, address ?? ''].join(' ')),
          locationLat: report.location?.lat ?? null,
          locationLng: report.location?.lng ?? null,
          address,
          provinceCode: report.provinceCode ?? null,
          communeCode: report.communeCode ?? null,
          idempotencyKey: report.idempotencyKey ?? null,
          publishable: report.publishable ?? true,
          at,
        },
        identities,
        citizen: { displayName: report.contact?.name ?? null, phone, email, contactConsent: report.contact?.shareWithAgency ?? false },
        message: {
          direction: 'inbound', channel: report.channel, externalId: report.externalMessageId ?? null,
          visibility: 'public', body: report.text, attachments: report.attachments ?? [], deliveryStatus: 'received',
        },
        event: {
          actorKind: 'citizen', type: 'created', fromStatus: null, toStatus: 'received',
          data: { channel: report.channel, categoryCode: report.categoryCode ?? null },
        },
        acknowledgement: ack ? { body: ack, dedupeKey: `ack-${code}` } : null,
        // With the acknowledgement stored, the job only announces the ticket: it needs no read.
        outbox: {
          topic: 'ticket.created',
          payload: {
            code,
            // What the sender chose is kept; automatic triage fills in only the rest.
            given: { category: !!report.categoryCode, priority: report.priority !== undefined },
            ...(ack ? { acknowledged: true, live: { code, status: 'received', channel: report.channel, categoryCode: report.categoryCode ?? null,
              priority: report.priority ?? 'normal', agencyId: null, communeCode: report.communeCode ?? null, createdAt: at.toISOString() } } : {}),
          },
        },
      });
      if (ticket) return { ticket, created: true };
    }
    throw new Error('could not allocate a unique ticket code');
  }
}
