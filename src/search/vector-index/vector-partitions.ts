import { ExactVectorIndex } from './exact-vector-index.js';
import type { SearchHit } from './vector-index.js';

/**
 * Coarse partitions of a vector set (the "lists" of an IVF index): spherical k-means centroids,
 * each vector labelled with its nearest one.
 *
 * They let a filtered search that allows too many ids for a full exact scan, and too few for ANN
 * post-filtering to keep its recall, visit only the allowed vectors in the lists nearest to the
 * query (ExactVectorIndex.searchPartitioned). Unlike ANN post-filtering this works whatever the
 * filter's correlation with the query: a library whose content is far from the query still has
 * its nearest lists.
 */
export class VectorPartitions {
  private constructor(private readonly centroids: ExactVectorIndex) {}

  get count(): number {
    return this.centroids.size;
  }

  get dim(): number {
    return this.centroids.dim;
  }

  /** Centroids from a snapshot (unit vectors, `stride` floats each). */
  static fromCentroids(dim: number, rows: Float32Array, stride: number): VectorPartitions {
    const count = rows.length / stride;
    const centroids = new ExactVectorIndex(dim, count);
    const items = [];
    for (let i = 0; i < count; i++) items.push({ id: i, vector: rows.subarray(i * stride, i * stride + dim) });
    centroids.upsert(items);
    return new VectorPartitions(centroids);
  }

  /**
   * Spherical k-means on a random sample of `source` (`lists` × 32 vectors, the usual IVF rule of
   * thumb); a few iterations suffice, since recall comes from probing several lists.
   */
  static train(source: ExactVectorIndex, lists: number, seed = 1, iterations = 6): VectorPartitions {
    const ids = Array.from(source.ids());
    let state = seed >>> 0 || 1;
    const random = (): number => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      state >>>= 0;
      return state / 4294967296;
    };
    for (let i = ids.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [ids[i], ids[j]] = [ids[j]!, ids[i]!];
    }
    const sample = ids.slice(0, Math.min(ids.length, lists * 32)).map((id) => Float32Array.from(source.vectorOf(id)!));
    const count = Math.max(1, Math.min(lists, sample.length));
    const dim = source.dim;
    const centroids = new ExactVectorIndex(dim, count);
    centroids.upsert(sample.slice(0, count).map((vector, id) => ({ id, vector })));
    const sums = new Float64Array(count * dim);
    const members = new Int32Array(count);
    for (let iteration = 0; iteration < iterations; iteration++) {
      sums.fill(0);
      members.fill(0);
      for (const vector of sample) {
        const list = centroids.search(vector, 1)[0]!.id;
        members[list]!++;
        for (let d = 0; d < dim; d++) sums[list * dim + d]! += vector[d]!;
      }
      const updated = [];
      for (let list = 0; list < count; list++) {
        // An emptied list restarts at a random sample vector rather than staying useless.
        const vector = members[list]
          ? Float32Array.from(sums.subarray(list * dim, (list + 1) * dim))
          : sample[Math.floor(random() * sample.length)]!;
        updated.push({ id: list, vector });
      }
      centroids.upsert(updated);
    }
    return new VectorPartitions(centroids);
  }

  /** The list of a (unit) vector. */
  nearest(vector: Float32Array): number {
    return this.centroids.search(vector, 1)[0]!.id;
  }

  /** Every list, nearest to the query first. */
  ranked(query: Float32Array): SearchHit[] {
    return this.centroids.search(query, this.centroids.size);
  }

  /** The centroids as stored (for snapshots). */
  centroidRows(): Float32Array {
    return this.centroids.rowsView().vectors;
  }
}
