/**
 * Understanding benchmarks, single thread (one core): classifications per second against the
 * text normalisation alone (the floor every classification pays), and routing decisions per
 * second (area from a point or an address, then the rule table) against the rule table alone.
 */
import path from 'node:path';
import { ReportClassifier } from '../classify/classifier';
import { readJsonlFile } from '../classify/dataset';
import { normaliseReport } from '../classify/normalise';
import { adminUnitRowsFromFiles } from '../routing/locate/data-files';
import { AreaLocator } from '../routing/locate/locator';
import { RoutingTable, type RoutingRule } from '../routing/rules';
import { DEMO_AGENCIES, COMMUNE_CATEGORIES } from '../demo/agencies';

type Rate = { perSecond: number; p99Micros: number; n: number };

/** Runs `fn` over the inputs round-robin for `seconds` after a warm-up; per-call latency sampled. */
function rate<T>(inputs: T[], fn: (x: T) => unknown, seconds: number): Rate {
  const warmUntil = performance.now() + 300;
  for (let i = 0; performance.now() < warmUntil; i++) fn(inputs[i % inputs.length]!);
  const samples: number[] = [];
  const start = performance.now();
  let now = start;
  let n = 0;
  while (now - start < seconds * 1000) {
    const t0 = now;
    fn(inputs[n % inputs.length]!);
    now = performance.now();
    samples.push(now - t0);
    n++;
  }
  samples.sort((a, b) => a - b);
  return { perSecond: Math.round(n / ((now - start) / 1000)), p99Micros: Math.round(samples[Math.floor(samples.length * 0.99)]! * 1000), n };
}

export type UnderstandingFigures = {
  normalise: Rate; classify: Rate; classifyRatio: number;
  ruleTable: Rate; routeByPoint: Rate; routeByAddress: Rate; rules: number;
};

export function benchUnderstanding(seconds = 3): UnderstandingFigures {
  const dataDir = path.resolve(__dirname, '../../data');
  const texts = readJsonlFile(path.join(dataDir, 'classify/heldout.jsonl')).map((e) => e.text);
  const classifier = ReportClassifier.loadDefault();
  const normalise = rate(texts, (t) => normaliseReport(t), seconds);
  const classify = rate(texts, (t) => classifier.classify(t), seconds);

  // The demo province's rule set, as seeded: category rules, commune rules, keyword rules, a fallback.
  const units = adminUnitRowsFromFiles('33', {
    unitsFile: path.join(dataDir, 'vn-admin/units-34.json'), boundariesFile: path.join(dataDir, 'vn-admin/hung-yen-communes.geojson'),
  });
  const locator = AreaLocator.forProvince('33', { units });
  const communes = units.filter((u) => u.provinceCode === '33');
  let id = 1;
  const rules: RoutingRule[] = [];
  DEMO_AGENCIES.forEach((a, i) => {
    for (const c of a.categories ?? []) rules.push({ id: id++, categoryCode: c, communeCode: null, keyword: null, agencyId: i + 1, precedence: 100, active: true });
  });
  // A commune committee rule for every commune, as a province that delegates local order would have.
  for (const u of communes) for (const c of COMMUNE_CATEGORIES) rules.push({ id: id++, categoryCode: c, communeCode: u.code, keyword: null, agencyId: 100, precedence: 50, active: true });
  rules.push({ id: id++, categoryCode: 'dien-chieu-sang', communeCode: null, keyword: 'den duong', agencyId: 1, precedence: 100, active: true });
  rules.push({ id: id++, categoryCode: null, communeCode: null, keyword: null, agencyId: 9, precedence: 1000, active: true });
  const table = new RoutingTable(rules);
  const categories = ['giao-thong', 'moi-truong', 'trat-tu-do-thi', 'dien-chieu-sang', 'y-te'];
  const points = communes.filter((u) => u.bbox).map((u, i) => {
    const [minLng, minLat, maxLng, maxLat] = u.bbox!;
    return { lat: (minLat + maxLat) / 2, lng: (minLng + maxLng) / 2, category: categories[i % categories.length]!, text: texts[i % texts.length]! };
  });
  const addresses = communes.map((u, i) => ({ address: `số ${i + 1} ngõ 3, ${i % 2 ? u.fullName : u.fullName.normalize('NFD').replace(/[\u0300-\u036f]/g, '')}`,
    category: categories[i % categories.length]!, text: texts[i % texts.length]! }));
  const ruleTable = rate(points, (p) => table.decide({ categoryCode: p.category, communeCode: '11953', text: p.text }), seconds);
  const routeByPoint = rate(points, (p) => {
    const area = locator.locate({ lat: p.lat, lng: p.lng });
    return table.decide({ categoryCode: p.category, communeCode: area.communeCode, text: p.text });
  }, seconds);
  const routeByAddress = rate(addresses, (a) => {
    const area = locator.locate({ address: a.address, text: a.text });
    return table.decide({ categoryCode: a.category, communeCode: area.communeCode, text: a.text });
  }, seconds);
  return { normalise, classify, classifyRatio: classify.perSecond / normalise.perSecond, ruleTable, routeByPoint, routeByAddress, rules: table.size };
}

export function printUnderstanding(f: UnderstandingFigures): void {
  const row = (label: string, r: Rate) => `  ${label.padEnd(52)} ${String(r.perSecond).padStart(9)} /s   p99 ${String(r.p99Micros).padStart(5)} µs`;
  console.log('Understanding reports, one core (single thread)');
  console.log(row('baseline: text normalisation only', f.normalise));
  console.log(row('classification (category + priority + explanation)', f.classify));
  console.log(`  classification ${f.classifyRatio.toFixed(2)} × normalisation; target ≥ 5,000 classifications/s`);
  console.log(row(`baseline: rule table only (${f.rules} rules)`, f.ruleTable));
  console.log(row('routing decision: point → commune → rule', f.routeByPoint));
  console.log(row('routing decision: address text → commune → rule', f.routeByAddress));
  console.log(`  routing ${(f.routeByPoint.perSecond / f.ruleTable.perSecond).toFixed(2)} (point) / ${(f.routeByAddress.perSecond / f.ruleTable.perSecond).toFixed(2)} (address) × rule table alone`);
}
