import type { ExactVectorIndex } from './exact-vector-index.js';
import type { CandidateFilter, SearchHit, VectorIndex, VectorItem } from './vector-index.js';

/** What the planner needs from an approximate index: unfiltered nearest candidates. */
export interface AnnIndex extends VectorIndex {
  candidates(query: Float32Array, fetch: number, ef?: number): SearchHit[];
}

export type SearchPlan =
  | 'exact'
  | 'exact-filtered'
  | 'partition-filtered'
  | 'ann'
  | 'ann-filtered'
  /** ANN post-filtering found fewer than k allowed ids; answered by partitions or an exact scan. */
  | 'ann-then-exact'
  | 'ann-then-partitions';

export interface PlannerOptions {
  /** Up to this many vectors in total, every search is an exact scan (a few ms; no recall loss). */
  readonly exactBelowSize?: number;
  /** A filter that allows at most this many ids is answered by an exact scan over just those ids. */
  readonly exactMaxCandidates?: number;
  /** ANN results wanted per requested hit before re-scoring (absorbs quantisation error). */
  readonly rerankFactor?: number;
  /** Expected allowed hits per requested one when over-fetching for a filter (2 = twice k). */
  readonly filterOverfetch?: number;
  /**
   * ANN post-filtering is used only for filters allowing at least this share of the vectors:
   * below it, its recall drops (the allowed neighbours sit deep in the ANN ranking).
   */
  readonly annMinSelectivity?: number;
  /** Non-empty partitions (lists) a partitioned filtered search scores at least. */
  readonly partitionProbe?: number;
  /**
   * Beyond this many ANN candidates an exact scan over the allow-list is cheaper (and zvec
   * fetches at most 2048 per query anyway).
   */
  readonly maxAnnFetch?: number;
  /** HNSW search breadth (at least the fetch size). */
  readonly ef?: number;
}

/**
 * Defaults measured with `npm run bench:search` on this project's 2-core machine (512-d; the
 * numbers are in docs/benchmarks/search.md):
 * - the exact scan costs ~0.07 µs per contiguous vector and ~0.1–0.3 µs per allowed id when the
 *   allowed vectors are scattered: 15k allowed ids stay under ~4 ms even at a million vectors;
 * - HNSW recall@10 at a million vectors is bound by the search breadth: ef 256 → 0.92,
 *   512 → 0.96, 1024 → 0.986 (2048 no better), at ~1.4 ms p50; re-scoring 8k candidates is as
 *   good as 30k;
 * - ANN post-filtering loses recall below ~20% selectivity, and silently when the filter is
 *   correlated with content (it finds k allowed ids, just not the nearest ones);
 * - partitioned search keeps recall ≥ 0.98 from ~1% selectivity up, at a lookup per allowed id
 *   plus the lists it scores.
 */
export const DEFAULT_PLANNER: Required<PlannerOptions> = {
  exactBelowSize: 20_000,
  exactMaxCandidates: 15_000,
  rerankFactor: 8,
  filterOverfetch: 4,
  annMinSelectivity: 0.2,
  partitionProbe: 24,
  maxAnnFetch: 2_000,
  ef: 1024,
};

/**
 * The index search code uses: an exact index (full-precision vectors of everything, optionally
 * partitioned into lists) plus an optional ANN index over the same ids, with a per-query choice:
 *
 * - small index, or a filter allowing few ids → exact scan over the allowed ids (recall 1.0, and
 *   cheap exactly because few vectors are visited);
 * - no filter → ANN, re-scored with the exact vectors;
 * - a broad filter (≥ annMinSelectivity) → ANN, fetching k / selectivity × over-fetch candidates,
 *   dropping disallowed ids and re-scoring the rest;
 * - in between → partitioned search: the allowed vectors of the lists nearest to the query;
 * - an ANN answer with fewer than k allowed ids (a filter anti-correlated with the query: the
 *   allowed vectors are far from it) falls back to partitions or the exact scan, so a filter
 *   never loses results.
 *
 * Writes go to both indexes; the exact one is also what a rebuilt ANN index is filled from.
 */
export class PlannedVectorIndex implements VectorIndex {
  private readonly options: Required<PlannerOptions>;
  readonly planCounts: Record<SearchPlan, number> = {
    exact: 0,
    'exact-filtered': 0,
    'partition-filtered': 0,
    ann: 0,
    'ann-filtered': 0,
    'ann-then-exact': 0,
    'ann-then-partitions': 0,
  };

  constructor(
    readonly exact: ExactVectorIndex,
    private ann: AnnIndex | null,
    options: PlannerOptions = {},
  ) {
    this.options = { ...DEFAULT_PLANNER, ...options };
    if (ann && ann.dim !== exact.dim) throw new Error(`ANN index has ${ann.dim} dimensions, exact index ${exact.dim}`);
  }

  get dim(): number {
    return this.exact.dim;
  }

  get size(): number {
    return this.exact.size;
  }

  get annIndex(): AnnIndex | null {
    return this.ann;
  }

  has(id: number): boolean {
    return this.exact.has(id);
  }

  upsert(items: readonly VectorItem[]): void {
    this.exact.upsert(items);
    this.ann?.upsert(items);
  }

  remove(ids: readonly number[]): void {
    this.exact.remove(ids);
    this.ann?.remove(ids);
  }

  /** The plan `search` would follow for a filter allowing `allowed` ids (undefined: no filter). */
  plan(allowed?: number): 'exact' | 'exact-filtered' | 'partition-filtered' | 'ann' | 'ann-filtered' {
    const total = this.exact.size;
    const partitioned = this.exact.partitioned !== null;
    const o = this.options;
    if (total <= o.exactBelowSize || (!this.ann && !partitioned)) return allowed === undefined ? 'exact' : 'exact-filtered';
    if (allowed === undefined) return this.ann ? 'ann' : 'exact';
    if (allowed <= o.exactMaxCandidates) return 'exact-filtered';
    const annCanFetch = this.ann !== null && this.filteredFetch(1, allowed) <= o.maxAnnFetch;
    if (annCanFetch && allowed >= o.annMinSelectivity * total) return 'ann-filtered';
    if (partitioned) return 'partition-filtered';
    return annCanFetch ? 'ann-filtered' : 'exact-filtered';
  }

  search(query: Float32Array, k: number, filter?: CandidateFilter): SearchHit[] {
    return this.searchWithPlan(query, k, filter).hits;
  }

  searchWithPlan(query: Float32Array, k: number, filter?: CandidateFilter): { hits: SearchHit[]; plan: SearchPlan } {
    const plan = this.plan(filter?.size);
    let result: { hits: SearchHit[]; plan: SearchPlan };
    if (!filter || plan === 'exact' || plan === 'exact-filtered') {
      result =
        plan === 'ann' && this.ann
          ? { hits: this.rescored(query, k, this.ann.candidates(query, k * this.options.rerankFactor, this.options.ef)), plan }
          : { hits: this.exact.search(query, k, filter), plan };
    } else if (plan === 'partition-filtered') {
      result = { hits: this.exact.searchPartitioned(query, k, filter, this.options.partitionProbe), plan };
    } else {
      const fetch = Math.min(this.exact.size, this.filteredFetch(k, filter.size));
      const allowed = this.ann!.candidates(query, fetch, this.options.ef).filter((hit) => filter.has(hit.id));
      if (allowed.length >= k) result = { hits: this.rescored(query, k, allowed), plan };
      else if (this.exact.partitioned) {
        result = { hits: this.exact.searchPartitioned(query, k, filter, this.options.partitionProbe), plan: 'ann-then-partitions' };
      } else result = { hits: this.exact.search(query, k, filter), plan: 'ann-then-exact' };
    }
    this.planCounts[result.plan]++;
    return result;
  }

  /** Swaps in a (re)built ANN index, closing the old one; null serves everything exactly. */
  replaceAnn(ann: AnnIndex | null): void {
    if (this.ann && this.ann !== ann) this.ann.close();
    this.ann = ann;
  }

  close(): void {
    this.ann?.close();
    this.ann = null;
    this.exact.close();
  }

  private filteredFetch(k: number, allowed: number): number {
    const selectivity = Math.max(allowed, 1) / Math.max(this.exact.size, 1);
    return Math.ceil((k * this.options.filterOverfetch) / selectivity);
  }

  private rescored(query: Float32Array, k: number, candidates: SearchHit[]): SearchHit[] {
    return this.exact.score(
      query,
      candidates.map((hit) => hit.id),
      k,
    );
  }
}
