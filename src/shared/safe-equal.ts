import { timingSafeEqual } from 'node:crypto';

/**
 * Constant-time string comparison. Compares byte lengths first: equal string lengths can still
 * differ in bytes (non-ASCII), and timingSafeEqual throws on buffers of unequal length.
 */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
