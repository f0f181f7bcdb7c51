/** Single-thread throughput and tail latency of the classifier (run in the calling thread). */
import { nearestRank } from '../bench/percentile';
import type { Classifies } from './evaluate';

export interface BenchResult {
  perSecond: number;
  p99Micros: number;
  classified: number;
}

export function benchClassifier(classifier: Classifies, texts: string[], seconds = 3): BenchResult {
  if (texts.length === 0) throw new Error('benchClassifier needs at least one text');
  // Warm-up so that the JIT has compiled the hot paths before we measure.
  const warmUntil = performance.now() + Math.min(500, seconds * 200);
  for (let i = 0; performance.now() < warmUntil; i++) classifier.classify(texts[i % texts.length]);

  const samples: number[] = [];
  const start = performance.now();
  const end = start + seconds * 1000;
  let i = 0;
  let now = start;
  while (now < end) {
    const t0 = now;
    classifier.classify(texts[i % texts.length]);
    now = performance.now();
    samples.push(now - t0);
    i++;
  }
  const elapsed = (now - start) / 1000;
  samples.sort((a, b) => a - b);
  const p99 = nearestRank(samples, 0.99)!;
  return { perSecond: Math.round(i / elapsed), p99Micros: Math.round(p99 * 1000), classified: i };
}
