/**
 * Durations (first response, resolution) are kept as log-scale histograms: bucket b holds
 * [1.05^b − 1, 1.05^(b+1) − 1) seconds, the same buckets as the SQL function ioc_duration_bucket.
 * A median cannot be summed from rollups, but bucket counts can; the median read back from them
 * lies within the bucket(s) holding the true median, i.e. within ~5 % of it (10 % when the two
 * middle values fall in neighbouring buckets), at every scale from seconds to months.
 */
export const BUCKET_RATIO = 1.05;

export const bucketLowerSeconds = (b: number): number => BUCKET_RATIO ** b - 1;
export const bucketUpperSeconds = (b: number): number => BUCKET_RATIO ** (b + 1) - 1;

/** Mirror of ioc_duration_bucket (the database's own function is the one that counts). */
export function bucketOf(seconds: number): number {
  return Math.floor(Math.log(1 + Math.max(seconds, 0)) / Math.log(BUCKET_RATIO));
}

export type BucketCount = { bucket: number; count: number };

/**
 * Quantile p (0..1) in seconds, interpolated as PostgreSQL's percentile_cont does between ranks,
 * with the values of a bucket taken as evenly spread across it. null when there are no values.
 */
export function quantileFromHistogram(buckets: readonly BucketCount[], p: number): number | null {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${p}`);
  const sorted = buckets.filter((b) => b.count > 0).sort((a, b) => a.bucket - b.bucket);
  const total = sorted.reduce((n, b) => n + b.count, 0);
  if (total === 0) return null;
  const valueAtRank = (k: number): number => {
    let before = 0;
    for (const b of sorted) {
      if (k < before + b.count) {
        const lo = bucketLowerSeconds(b.bucket);
        return lo + ((k - before + 0.5) / b.count) * (bucketUpperSeconds(b.bucket) - lo);
      }
      before += b.count;
    }
    throw new Error('rank outside the histogram');
  };
  const pos = p * (total - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = valueAtRank(lo);
  return lo === hi ? a : a + (valueAtRank(hi) - a) * (pos - lo);
}
