import type { Classification } from '../classify/classifier';
import { AreaLocator, type AdminUnitRow, type LocateInput } from '../routing/locate/locator';
import type { RoutingDecision, RoutingTable } from '../routing/rules';
import type { TicketClassification } from '../workflow/types';
import type { UnderstandingSnapshot, UnderstandingSources } from './triage-service';
import type { AreaFinding } from './understanding';

export type ClassifierLike = { classify(text: string): Classification };
export type AreaData = { units(): Promise<AdminUnitRow[]>; aliases(): Promise<{ alias: string; code: string }[]> };

export type Preview = {
  classification: TicketClassification;
  area: AreaFinding;
  routing: RoutingDecision & { categoryCode: string | null };
};

/** How long another process's alias or boundary import may take to reach this one. */
const AREA_CACHE_MS = 60_000;

/**
 * The classifier, the area locator (one per loaded province, built from the database and cached)
 * and the routing table, behind the port automatic triage reads from.
 */
export class Understanding implements UnderstandingSources {
  private locators: { at: number; list: Promise<AreaLocator[]> } | null = null;

  constructor(
    private readonly classifier: ClassifierLike,
    private readonly areaData: AreaData,
    private readonly routingTable: () => Promise<RoutingTable>,
  ) {}

  classify(text: string): TicketClassification {
    const c = this.classifier.classify(text);
    return {
      category: c.category, confidence: c.confidence, priority: c.priority, priorityConfidence: c.priorityConfidence,
      alternatives: c.alternatives, terms: c.explanation.terms, urgentSignals: c.explanation.urgentSignals,
    };
  }

  async snapshot(): Promise<UnderstandingSnapshot> {
    const [locators, routing] = await Promise.all([this.areaLocators(), this.routingTable()]);
    return { locate: (input) => locateWith(locators, input), routing };
  }

  /** Rebuild the locators on next use (after an alias is added or a province imported). */
  invalidateAreas(): void {
    this.locators = null;
  }

  private async areaLocators(): Promise<AreaLocator[]> {
    if (!this.locators || Date.now() - this.locators.at > AREA_CACHE_MS) {
      const list = (async () => {
        const [units, aliases] = await Promise.all([this.areaData.units(), this.areaData.aliases()]);
        const provinces = units.filter((u) => u.provinceCode === null).map((u) => u.code);
        return provinces.map((p) => AreaLocator.forProvince(p, { units, aliases }));
      })();
      this.locators = { at: Date.now(), list };
      list.catch(() => { this.locators = null; });
    }
    return this.locators.list;
  }

  /** The whole understanding step on a text, without a ticket: what would happen to this report. */
  async preview(p: { text: string; categoryCode: string | null; communeCode: string | null; address: string | null; lat: number | null; lng: number | null }): Promise<Preview> {
    const classification = this.classify(p.text);
    const snap = await this.snapshot();
    const area: AreaFinding = p.communeCode
      ? { communeCode: p.communeCode, provinceCode: null, via: 'given', detail: 'Địa bàn do người dùng chọn / area given' }
      : snap.locate({ lat: p.lat, lng: p.lng, address: p.address, text: p.text, profileCommuneCode: null });
    const categoryCode = p.categoryCode ?? classification.category;
    const decision = snap.routing.decide({ categoryCode, communeCode: area.communeCode, text: p.text });
    return { classification, area, routing: { ...decision, categoryCode } };
  }
}

/** Each province answers from the report itself first; the sender's profile only when none can. */
function locateWith(locators: AreaLocator[], input: LocateInput): AreaFinding {
  if (locators.length === 0) return { communeCode: null, provinceCode: null, via: 'none', detail: 'Chưa nạp đơn vị hành chính / no administrative units loaded' };
  for (const l of locators) {
    const r = l.locate({ ...input, profileCommuneCode: null });
    if (r.via !== 'none') return { communeCode: r.communeCode, provinceCode: r.provinceCode, via: r.via, detail: r.detail };
  }
  if (input.profileCommuneCode) {
    for (const l of locators) {
      const r = l.locate({ profileCommuneCode: input.profileCommuneCode });
      if (r.via === 'profile') return { communeCode: r.communeCode, provinceCode: r.provinceCode, via: r.via, detail: r.detail };
    }
  }
  const none = locators[0]!.locate(input);
  return { communeCode: null, provinceCode: none.provinceCode, via: 'none', detail: none.detail };
}
