/**
 * Scalar kernels for the exact index. They are written for V8: plain indexed loops over
 * Float32Arrays, unrolled by 8 so the JIT keeps eight independent accumulators in registers
 * (measured ~2x faster than the naive loop for 512-d vectors).
 */

/** Dot product of `a` (all of it) with `b[offset … offset + a.length)`. */
export function dotAt(a: Float32Array, b: Float32Array, offset: number): number {
  const n = a.length;
  const tail = n - (n % 8);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  let s5 = 0;
  let s6 = 0;
  let s7 = 0;
  let i = 0;
  for (; i < tail; i += 8) {
    const o = offset + i;
    s0 += a[i]! * b[o]!;
    s1 += a[i + 1]! * b[o + 1]!;
    s2 += a[i + 2]! * b[o + 2]!;
    s3 += a[i + 3]! * b[o + 3]!;
    s4 += a[i + 4]! * b[o + 4]!;
    s5 += a[i + 5]! * b[o + 5]!;
    s6 += a[i + 6]! * b[o + 6]!;
    s7 += a[i + 7]! * b[o + 7]!;
  }
  for (; i < n; i++) s0 += a[i]! * b[offset + i]!;
  return s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
}

/** A unit-length copy of `vector` (cosine similarity becomes a dot product). Zero vectors stay zero. */
export function normalized(vector: Float32Array): Float32Array {
  const out = new Float32Array(vector.length);
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i]! * vector[i]!;
  if (sum === 0 || !Number.isFinite(sum)) return out;
  const scale = 1 / Math.sqrt(sum);
  for (let i = 0; i < vector.length; i++) out[i] = vector[i]! * scale;
  return out;
}

/**
 * Keeps the k best (id, score) pairs seen so far in a binary min-heap on parallel typed arrays, so
 * a scan over a million vectors allocates nothing per candidate.
 */
export class TopK {
  private readonly ids: Float64Array;
  private readonly scores: Float64Array;
  private count = 0;

  constructor(private readonly k: number) {
    this.ids = new Float64Array(Math.max(1, k));
    this.scores = new Float64Array(Math.max(1, k));
  }

  /** The score a candidate must beat to enter (−Infinity until k are held). */
  get threshold(): number {
    return this.count < this.k ? -Infinity : this.scores[0]!;
  }

  get length(): number {
    return this.count;
  }

  push(id: number, score: number): void {
    if (this.k <= 0) return;
    if (this.count < this.k) {
      let i = this.count++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (this.scores[parent]! <= score) break;
        this.scores[i] = this.scores[parent]!;
        this.ids[i] = this.ids[parent]!;
        i = parent;
      }
      this.scores[i] = score;
      this.ids[i] = id;
      return;
    }
    if (score <= this.scores[0]!) return;
    // Replace the root (the worst kept) and sift down.
    let i = 0;
    const n = this.count;
    while (true) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.scores[right]! < this.scores[left]! ? right : left;
      if (this.scores[child]! >= score) break;
      this.scores[i] = this.scores[child]!;
      this.ids[i] = this.ids[child]!;
      i = child;
    }
    this.scores[i] = score;
    this.ids[i] = id;
  }

  /** Best first; ties broken by the smaller id so results are deterministic. */
  sorted(): { id: number; score: number }[] {
    const out: { id: number; score: number }[] = [];
    for (let i = 0; i < this.count; i++) out.push({ id: this.ids[i]!, score: this.scores[i]! });
    return out.sort((a, b) => b.score - a.score || a.id - b.id);
  }
}
