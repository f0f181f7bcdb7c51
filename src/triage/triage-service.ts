import type { RoutingTable } from '../routing/rules';
import type { Clock, SlaRecorder, TransactionRunner } from '../workflow/ports';
import type { TicketClassification } from '../workflow/types';
import type { WorkflowService } from '../workflow/workflow-service';
import { DEFAULT_DUPLICATE_RULES, findProbableDuplicate, searchBox, type DuplicateRules } from './duplicates';
import { chooseCategory, planUnderstanding, type AreaFinding, type UnderstandingPlan } from './understanding';

/** What automatic triage reads from: each is loaded once and refreshed when admins change it. */
export type UnderstandingSources = {
  classify(text: string): TicketClassification;
  /**
   * Area locator and routing table as of now, loaded before the ticket's transaction opens: an
   * embedded database has one connection, and a load inside the transaction would wait on itself.
   */
  snapshot(): Promise<UnderstandingSnapshot>;
};

export type UnderstandingSnapshot = {
  locate(input: { lat: number | null; lng: number | null; address: string | null; text: string; profileCommuneCode: string | null }): AreaFinding;
  routing: RoutingTable;
};

export type TriageOptions = { confidenceThreshold: number; duplicates: DuplicateRules };
export const DEFAULT_TRIAGE_OPTIONS: TriageOptions = { confidenceThreshold: 0.55, duplicates: DEFAULT_DUPLICATE_RULES };

const SYSTEM = { kind: 'system' } as const;

/**
 * Reads a new ticket the way a 1022 operator would, in one transaction with the ticket locked:
 * category, priority, area, agency, probable duplicate; assigns it when nothing is in doubt,
 * otherwise leaves it in the triage queue with the reasons. Runs once per ticket (a retried job
 * finds it understood and stops).
 */
export class TriageService {
  constructor(
    private readonly store: TransactionRunner,
    private readonly workflow: WorkflowService,
    private readonly sources: UnderstandingSources,
    private readonly clock: Clock,
    private readonly options: TriageOptions = DEFAULT_TRIAGE_OPTIONS,
    /** Starts the SLA clocks once category and priority are known (from receipt, not from now). */
    private readonly sla?: SlaRecorder,
  ) {}

  /**
   * `acknowledgementWillNameAgency`: the citizen's acknowledgement has not gone out yet and will
   * name the agency, so the assignment needs no notice of its own.
   */
  async understand(code: string, given?: { category?: boolean; priority?: boolean }, opts: { acknowledgementWillNameAgency?: boolean } = {}): Promise<UnderstandingPlan | null> {
    const { locate, routing } = await this.sources.snapshot();
    const at = this.clock.now();
    return this.store.transaction(async (tx) => {
      const ticket = await tx.lockTicketByCode(code);
      if (!ticket || ticket.understoodAt || ticket.status !== 'received') return null;
      const classification = this.sources.classify(ticket.description);
      const profileCommuneCode = ticket.communeCode ? null : await tx.citizenLastCommune(ticket.citizenId, ticket.id);
      const area = ticket.communeCode
        ? { communeCode: ticket.communeCode, provinceCode: ticket.provinceCode, via: 'given' as const, detail: '' }
        : locate({ lat: ticket.locationLat, lng: ticket.locationLng, address: ticket.address, text: ticket.description, profileCommuneCode });
      const category = chooseCategory(ticket, { category: !!given?.category }, classification, this.options.confidenceThreshold);
      const communeCode = ticket.communeCode ?? area.communeCode;
      let duplicate = null;
      if (category) {
        const rules = this.options.duplicates;
        const hasPoint = ticket.locationLat !== null && ticket.locationLng !== null;
        if (hasPoint || communeCode) {
          const candidates = await tx.duplicateCandidates({
            categoryCode: category, since: new Date(ticket.createdAt.getTime() - rules.windowHours * 3_600_000), excludeId: ticket.id,
            box: hasPoint ? searchBox(ticket.locationLat!, ticket.locationLng!, rules.radiusMetres) : null,
            communeCode, limit: 200,
          });
          duplicate = findProbableDuplicate({ id: ticket.id, categoryCode: category, communeCode, lat: ticket.locationLat, lng: ticket.locationLng,
            text: ticket.description, createdAt: ticket.createdAt }, candidates, rules);
        }
      }
      const plan = planUnderstanding({
        ticket, given: { category: !!given?.category, priority: !!given?.priority }, classification, area,
        route: (input) => routing.decide(input), duplicate, confidenceThreshold: this.options.confidenceThreshold,
      });
      // The clocks start (from receipt) with the category and priority now known, on the calendar
      // of whoever holds the ticket: the assignment records them itself, with its agency's calendar.
      // Unassigned, they are written with the understanding, in the same update.
      const fold = this.sla && plan.assignTo === null
        ? this.sla.fold({ ...ticket, categoryCode: plan.categoryCode, priority: plan.priority, communeCode: plan.communeCode, provinceCode: plan.provinceCode }, [], at)
        : null;
      const understood = await tx.recordUnderstanding(ticket, plan, at, fold);
      if (fold) await this.sla!.recorded(tx, understood, fold);
      if (plan.assignTo !== null) {
        await this.workflow.actIn(tx, understood, { action: 'assign', agencyId: plan.assignTo, note: plan.routing.reasonVi }, SYSTEM, at,
          { citizenAlreadyTold: opts.acknowledgementWillNameAgency });
      }
      return plan;
    });
  }
}
