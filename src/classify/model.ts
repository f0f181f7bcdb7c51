/**
 * Sparse linear text models in log space: a shared TF-IDF vocabulary and softmax "heads"
 * (multinomial logistic regression trained with AdaGrad, or multinomial Naive Bayes). Written
 * here because natural's BayesClassifier underflows on long texts and its logistic regression
 * uses dense matrices (see design/stack-notes.md).
 */
import { mulberry32 } from '../shared/random';

/** A sparse vector: parallel feature indices and values. */
export interface SparseVector {
  idx: number[];
  val: number[];
}

export interface VocabularyJson {
  features: string[];
  /** Inverse document frequency per feature, rounded. */
  idf: number[];
}

export interface HeadJson {
  labels: string[];
  bias: number[];
  /** Feature-major: weights[f * labels.length + c], stored as integers: weight × scale. */
  weights: number[];
  /** Quantisation: integers keep the JSON small, and 1/100 is far below what changes a decision. */
  scale: number;
}

export class Vocabulary {
  readonly index = new Map<string, number>();
  constructor(readonly features: string[], readonly idf: Float64Array) {
    features.forEach((f, i) => this.index.set(f, i));
  }

  /** Keeps features present in at least `minDf` documents. */
  static build(docs: string[][], minDf: number): Vocabulary {
    const df = new Map<string, number>();
    for (const d of docs) for (const f of new Set(d)) df.set(f, (df.get(f) ?? 0) + 1);
    const kept = [...df.entries()].filter(([, n]) => n >= minDf).sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const idf = new Float64Array(kept.length);
    kept.forEach(([, n], i) => (idf[i] = Math.log((1 + docs.length) / (1 + n)) + 1));
    return new Vocabulary(kept.map(([f]) => f), idf);
  }

  static fromJson(json: VocabularyJson): Vocabulary {
    return new Vocabulary(json.features, Float64Array.from(json.idf));
  }

  toJson(): VocabularyJson {
    return { features: this.features, idf: Array.from(this.idf, (v) => round(v, 3)) };
  }

  /** Sublinear TF × IDF, L2-normalised, so long texts do not outvote short ones. */
  vectorise(feats: string[]): SparseVector {
    const counts = new Map<number, number>();
    for (const f of feats) {
      const i = this.index.get(f);
      if (i !== undefined) counts.set(i, (counts.get(i) ?? 0) + 1);
    }
    const idx: number[] = [];
    const val: number[] = [];
    let norm = 0;
    for (const [i, n] of counts) {
      const v = (1 + Math.log(n)) * this.idf[i];
      idx.push(i);
      val.push(v);
      norm += v * v;
    }
    norm = Math.sqrt(norm) || 1;
    for (let k = 0; k < val.length; k++) val[k] /= norm;
    return { idx, val };
  }
}

export class LinearHead {
  constructor(readonly labels: string[], readonly bias: Float64Array, readonly weights: Float32Array) {}

  static fromJson(json: HeadJson): LinearHead {
    return new LinearHead(json.labels, Float64Array.from(json.bias), Float32Array.from(json.weights, (w) => w / json.scale));
  }

  toJson(scale = 100): HeadJson {
    return { labels: this.labels, bias: Array.from(this.bias, (v) => round(v, 4)), weights: Array.from(this.weights, (w) => Math.round(w * scale)), scale };
  }

  scores(x: SparseVector): Float64Array {
    const L = this.labels.length;
    const s = Float64Array.from(this.bias);
    for (let k = 0; k < x.idx.length; k++) {
      const base = x.idx[k] * L;
      const v = x.val[k];
      for (let c = 0; c < L; c++) s[c] += v * this.weights[base + c];
    }
    return s;
  }

  probabilities(x: SparseVector, temperature = 1): Float64Array {
    return softmax(this.scores(x), temperature);
  }

  /** Per-feature contribution to label c relative to the average label: what pushed towards c. */
  contributions(x: SparseVector, c: number): { feature: number; weight: number }[] {
    const L = this.labels.length;
    const out: { feature: number; weight: number }[] = [];
    for (let k = 0; k < x.idx.length; k++) {
      const base = x.idx[k] * L;
      let mean = 0;
      for (let j = 0; j < L; j++) mean += this.weights[base + j];
      out.push({ feature: x.idx[k], weight: x.val[k] * (this.weights[base + c] - mean / L) });
    }
    return out.sort((a, b) => b.weight - a.weight);
  }
}

export interface SoftmaxOptions {
  epochs: number;
  learningRate: number;
  l2: number;
  /** Weight examples by inverse label frequency (for rare labels such as "urgent"). */
  balanced: boolean;
  seed: number;
  /** Return the average of the weights after each epoch of the second half (smoother, generalises better). */
  average?: boolean;
}

export const DEFAULT_SOFTMAX: SoftmaxOptions = { epochs: 25, learningRate: 0.5, l2: 1e-5, balanced: false, seed: 1 };

/** Multinomial logistic regression, AdaGrad SGD with lazy L2 on the touched weights. */
export function trainSoftmax(xs: SparseVector[], ys: number[], labels: string[], nFeatures: number, opt: SoftmaxOptions = DEFAULT_SOFTMAX): LinearHead {
  const L = labels.length;
  const w = new Float32Array(nFeatures * L);
  const g2 = new Float32Array(nFeatures * L).fill(1e-8);
  const b = new Float64Array(L);
  const bg2 = new Float64Array(L).fill(1e-8);
  const freq = new Array<number>(L).fill(0);
  for (const y of ys) freq[y]++;
  const classWeight = freq.map((n) => (opt.balanced && n > 0 ? ys.length / (L * n) : 1));
  const order = xs.map((_, i) => i);
  const rand = mulberry32(opt.seed);
  const head = new LinearHead(labels, b, w);
  const avgW = new Float64Array(opt.average ? w.length : 0);
  const avgB = new Float64Array(L);
  let averaged = 0;
  for (let epoch = 0; epoch < opt.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const i of order) {
      const x = xs[i];
      const p = softmax(head.scores(x), 1);
      const cw = classWeight[ys[i]];
      for (let c = 0; c < L; c++) {
        const g = (p[c] - (c === ys[i] ? 1 : 0)) * cw;
        bg2[c] += g * g;
        b[c] -= (opt.learningRate * g) / Math.sqrt(bg2[c]);
        for (let k = 0; k < x.idx.length; k++) {
          const at = x.idx[k] * L + c;
          const gw = g * x.val[k] + opt.l2 * w[at];
          g2[at] += gw * gw;
          w[at] -= (opt.learningRate * gw) / Math.sqrt(g2[at]);
        }
      }
    }
    if (opt.average && epoch >= opt.epochs / 2) {
      for (let k = 0; k < w.length; k++) avgW[k] += w[k];
      for (let c = 0; c < L; c++) avgB[c] += b[c];
      averaged++;
    }
  }
  if (averaged > 0) {
    for (let k = 0; k < w.length; k++) w[k] = avgW[k] / averaged;
    for (let c = 0; c < L; c++) b[c] = avgB[c] / averaged;
  }
  return head;
}

/** Multinomial Naive Bayes over TF-IDF mass (Rennie et al. 2003), as a linear head in log space. */
export function trainNaiveBayes(xs: SparseVector[], ys: number[], labels: string[], nFeatures: number, alpha = 0.1): LinearHead {
  const L = labels.length;
  const mass = new Float64Array(nFeatures * L);
  const total = new Float64Array(L);
  const docs = new Float64Array(L);
  xs.forEach((x, i) => {
    docs[ys[i]]++;
    for (let k = 0; k < x.idx.length; k++) {
      mass[x.idx[k] * L + ys[i]] += x.val[k];
      total[ys[i]] += x.val[k];
    }
  });
  const w = new Float32Array(nFeatures * L);
  for (let f = 0; f < nFeatures; f++) {
    for (let c = 0; c < L; c++) w[f * L + c] = Math.log((mass[f * L + c] + alpha) / (total[c] + alpha * nFeatures));
  }
  const b = Float64Array.from(docs, (n) => Math.log((n + 1) / (xs.length + L)));
  return new LinearHead(labels, b, w);
}

export function softmax(s: Float64Array, temperature: number): Float64Array {
  let max = -Infinity;
  for (const v of s) if (v > max) max = v;
  const out = new Float64Array(s.length);
  let sum = 0;
  for (let c = 0; c < s.length; c++) {
    out[c] = Math.exp((s[c] - max) / temperature);
    sum += out[c];
  }
  for (let c = 0; c < s.length; c++) out[c] /= sum;
  return out;
}

export function round(v: number, digits: number): number {
  const m = 10 ** digits;
  return Math.round(v * m) / m;
}

/** Training is reproducible: the same seed draws the same shuffles. */
export { mulberry32 };
