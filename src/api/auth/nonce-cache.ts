/**
 * Remembers recently used signature nonces so a captured request cannot be replayed.
 *
 * A request whose timestamp is T is accepted while the server clock is within [T - skew, T + skew],
 * a span of 2 x skew. Keeping each nonce for 2 x skew after it was first accepted therefore covers
 * every moment at which a replay could still pass the timestamp check; older entries are useless.
 *
 * The cache lives in memory only and is lost on restart. That is acceptable because the timestamp
 * window bounds the exposure: after a restart only requests signed in the last skew interval could
 * be replayed, and only once each. The size bound drops the oldest entries first under a flood, which
 * trades the same narrow exposure for a hard memory limit.
 */
export interface NonceCacheOptions {
  /** How long a nonce is remembered after first use, in milliseconds (inclusive). */
  readonly retentionMs: number;
  /** Upper bound on remembered nonces; the oldest are forgotten first. */
  readonly maxEntries?: number;
}

export const DEFAULT_MAX_NONCES = 1_000_000;

export class NonceCache {
  private readonly retentionMs: number;
  private readonly maxEntries: number;
  // Map iterates in insertion order, so the first entry is always the oldest: expiry and the size
  // bound both work by trimming from the front, O(1) amortised per insert.
  private readonly expiries = new Map<string, number>();

  constructor(options: NonceCacheOptions) {
    if (!(options.retentionMs > 0)) {
      throw new RangeError('NonceCache retentionMs must be a positive number of milliseconds');
    }
    const maxEntries = options.maxEntries ?? DEFAULT_MAX_NONCES;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError('NonceCache maxEntries must be a positive integer');
    }
    this.retentionMs = options.retentionMs;
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.expiries.size;
  }

  /**
   * Records the nonce for this key id and returns true, or returns false if it was already seen
   * within the retention period.
   */
  checkAndRemember(accessKeyId: string, nonce: string, nowMs: number): boolean {
    this.evictExpired(nowMs);
    // Length-prefixed so that no (key id, nonce) pair can collide with another.
    const key = `${accessKeyId.length}:${accessKeyId}:${nonce}`;
    const expiresAt = this.expiries.get(key);
    // Inclusive: the timestamp window is closed at both ends, so the last instant must still block.
    if (expiresAt !== undefined && expiresAt >= nowMs) {
      return false;
    }
    // Delete first so a re-inserted key moves to the back and the front stays the oldest.
    this.expiries.delete(key);
    this.expiries.set(key, nowMs + this.retentionMs);
    while (this.expiries.size > this.maxEntries) {
      const oldest = this.expiries.keys().next();
      if (oldest.done) {
        break;
      }
      this.expiries.delete(oldest.value);
    }
    return true;
  }

  private evictExpired(nowMs: number): void {
    for (const [key, expiresAt] of this.expiries) {
      if (expiresAt >= nowMs) {
        // Entries are in insertion order with a fixed retention, so the rest are younger. A clock
        // that steps backwards only delays eviction; it never lets a live entry be dropped early.
        break;
      }
      this.expiries.delete(key);
    }
  }
}
