/** Nearest-rank percentile of samples already sorted ascending (p in [0, 1]); undefined when there are none. */
export function nearestRank(sorted: readonly number[], p: number): number | undefined {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}
