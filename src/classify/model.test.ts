import { LinearHead, mulberry32, softmax, trainNaiveBayes, trainSoftmax, Vocabulary } from './model';

const docs = [
  ['w:ngap', 'w:nuoc', 'w:cong'],
  ['w:ngap', 'w:nuoc', 'w:mua'],
  ['w:cong', 'w:nuoc', 'w:tac'],
  ['w:den', 'w:duong', 'w:hong'],
  ['w:den', 'w:toi', 'w:hong'],
  ['w:den', 'w:duong', 'w:chay'],
];
const ys = [0, 0, 0, 1, 1, 1];
const labels = ['cap-thoat-nuoc', 'dien-chieu-sang'];

describe('Vocabulary', () => {
  it('keeps features by document frequency and weights rare ones higher', () => {
    const v = Vocabulary.build(docs, 2);
    expect(v.features).toEqual(['w:cong', 'w:den', 'w:duong', 'w:hong', 'w:ngap', 'w:nuoc']);
    expect(v.idf[v.index.get('w:cong')!]).toBeGreaterThan(v.idf[v.index.get('w:nuoc')!]);
  });

  it('vectorises to a unit vector and ignores unknown features', () => {
    const v = Vocabulary.build(docs, 1);
    const x = v.vectorise(['w:ngap', 'w:ngap', 'w:nuoc', 'w:unknown']);
    expect(x.idx).toHaveLength(2);
    expect(Math.hypot(...x.val)).toBeCloseTo(1, 10);
    expect(v.vectorise([]).idx).toEqual([]);
  });

  it('round-trips through JSON', () => {
    const v = Vocabulary.build(docs, 1);
    const back = Vocabulary.fromJson(JSON.parse(JSON.stringify(v.toJson())));
    expect(back.features).toEqual(v.features);
    expect(back.vectorise(['w:den']).val[0]).toBeCloseTo(1);
  });
});

describe('linear heads', () => {
  const v = Vocabulary.build(docs, 1);
  const xs = docs.map((d) => v.vectorise(d));

  it('softmax regression learns a separable toy problem, deterministically', () => {
    const opt = { epochs: 30, learningRate: 0.5, l2: 1e-5, balanced: false, seed: 7 };
    const head = trainSoftmax(xs, ys, labels, v.features.length, opt);
    const p = head.probabilities(v.vectorise(['w:ngap', 'w:cong']));
    expect(p[0]).toBeGreaterThan(0.8);
    expect(head.probabilities(v.vectorise(['w:den', 'w:hong']))[1]).toBeGreaterThan(0.8);
    const again = trainSoftmax(xs, ys, labels, v.features.length, opt);
    expect(Array.from(again.weights)).toEqual(Array.from(head.weights));
  });

  it('balanced weighting raises a rare label', () => {
    const skewed = [0, 0, 0, 0, 0, 1];
    const plain = trainSoftmax(xs, skewed, labels, v.features.length, { epochs: 5, learningRate: 0.3, l2: 1e-4, balanced: false, seed: 1 });
    const balanced = trainSoftmax(xs, skewed, labels, v.features.length, { epochs: 5, learningRate: 0.3, l2: 1e-4, balanced: true, seed: 1 });
    const x = v.vectorise(['w:den', 'w:duong']);
    expect(balanced.probabilities(x)[1]).toBeGreaterThan(plain.probabilities(x)[1]);
  });

  it('naive Bayes in log space prefers the right label and never underflows', () => {
    const head = trainNaiveBayes(xs, ys, labels, v.features.length);
    const long = Array.from({ length: 500 }, (_, i) => (i % 2 ? 'w:den' : 'w:hong'));
    const p = head.probabilities(v.vectorise(long));
    expect(p[1]).toBeGreaterThan(p[0]);
    expect(Number.isFinite(p[0])).toBe(true);
  });

  it('explains with the features that pushed towards a label', () => {
    const head = trainSoftmax(xs, ys, labels, v.features.length);
    const top = head.contributions(v.vectorise(['w:ngap', 'w:den', 'w:nuoc']), 0)[0];
    expect(['w:ngap', 'w:nuoc']).toContain(v.features[top.feature]);
  });

  it('round-trips through JSON with integer weights', () => {
    const head = trainSoftmax(xs, ys, labels, v.features.length);
    const json = head.toJson();
    expect(json.weights).toHaveLength(v.features.length * 2);
    expect(json.weights.every(Number.isInteger)).toBe(true);
    const back = LinearHead.fromJson(JSON.parse(JSON.stringify(json)));
    const x = v.vectorise(['w:ngap']);
    expect(back.probabilities(x)[0]).toBeCloseTo(head.probabilities(x)[0], 2);
  });
});

describe('helpers', () => {
  it('softmax is stable and sums to one; temperature flattens', () => {
    const p = softmax(Float64Array.from([1000, 999, 0]), 1);
    expect(p[0] + p[1] + p[2]).toBeCloseTo(1, 12);
    expect(p[0]).toBeGreaterThan(p[1]);
    expect(softmax(Float64Array.from([2, 0]), 4)[0]).toBeLessThan(softmax(Float64Array.from([2, 0]), 1)[0]);
  });

  it('mulberry32 is deterministic in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 100 }, () => a());
    expect(xs).toEqual(Array.from({ length: 100 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});
