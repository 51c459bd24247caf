/**
 * The contract every vector index implements, so the search code never knows whether it talks to
 * a brute-force scan, an embedded ANN library or (later) a distributed engine.
 *
 * Ids are the store's integer row ids (keyframe ids for segment embeddings); vectors are compared
 * by cosine similarity, so implementations normalise what they are given and `score` is the
 * cosine in [-1, 1], higher is better.
 */
export interface VectorItem {
  readonly id: number;
  readonly vector: Float32Array;
}

export interface SearchHit {
  readonly id: number;
  /** Cosine similarity to the query, higher is better. */
  readonly score: number;
}

/**
 * The ids a search may return, produced by the store query that applies library, namespace,
 * media type, time range and custom-field filters. A `Set<number>` satisfies it as is; a sorted
 * id array becomes one through `sortedIdFilter`. Indexes apply it inside recall: they never
 * return an id outside it, and they keep looking until they found k allowed ids (or all of them).
 */
export interface CandidateFilter {
  readonly size: number;
  has(id: number): boolean;
  [Symbol.iterator](): Iterator<number>;
}

export interface VectorIndex {
  readonly dim: number;
  /** Number of vectors held. */
  readonly size: number;
  /** Inserts or replaces vectors by id: applying the same upsert twice leaves one copy. */
  upsert(items: readonly VectorItem[]): void;
  /** Removes ids; ids that are not held are ignored. */
  remove(ids: readonly number[]): void;
  has(id: number): boolean;
  /** The k most similar vectors, best first, restricted to `filter` when given. */
  search(query: Float32Array, k: number, filter?: CandidateFilter): SearchHit[];
  close(): void;
}

/** A filter over an ascending id array (what `SELECT id … ORDER BY id` returns), without copying it into a Set. */
export function sortedIdFilter(ids: ArrayLike<number>): CandidateFilter {
  return {
    size: ids.length,
    has(id: number): boolean {
      let lo = 0;
      let hi = ids.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const value = ids[mid]!;
        if (value === id) return true;
        if (value < id) lo = mid + 1;
        else hi = mid - 1;
      }
      return false;
    },
    *[Symbol.iterator](): Iterator<number> {
      for (let i = 0; i < ids.length; i++) yield ids[i]!;
    },
  };
}

export class VectorDimensionError extends Error {
  constructor(expected: number, actual: number) {
    super(`vector has ${actual} dimensions, the index holds ${expected}`);
    this.name = 'VectorDimensionError';
  }
}
