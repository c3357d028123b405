/**
 * Token buckets keyed by source. A station sends 25 frames/s; the bucket allows a
 * sustained rate above that plus a burst, so honest stations never notice it while a
 * flood from one source is cut to the same rate as everyone else.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly ratePerS: number,
    private readonly burst: number,
    private readonly maxKeys = 50_000,
  ) {}

  /** True when `key` may send one more frame at time `nowMs`. */
  allow(key: string, nowMs: number): boolean {
    let b = this.buckets.get(key);
    if (b === undefined) {
      if (this.buckets.size >= this.maxKeys) this.evictIdle(nowMs);
      b = { tokens: this.burst, at: nowMs };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.burst, b.tokens + ((nowMs - b.at) * this.ratePerS) / 1000);
      b.at = nowMs;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Buckets that have refilled completely carry no state worth keeping. */
  evictIdle(nowMs: number): void {
    const full = (this.burst / this.ratePerS) * 1000;
    for (const [k, b] of this.buckets) if (nowMs - b.at >= full) this.buckets.delete(k);
    if (this.buckets.size >= this.maxKeys) this.buckets.clear();
  }

  get size(): number {
    return this.buckets.size;
  }
}
