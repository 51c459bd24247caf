import { RowLookup } from './row-lookup.js';
import { SCAN_BLOCK, VectorArena } from './vector-arena.js';
import { TopK, normalized } from './vector-math.js';
import { VectorDimensionError, type CandidateFilter, type SearchHit, type VectorIndex, type VectorItem } from './vector-index.js';
import type { VectorPartitions } from './vector-partitions.js';

/**
 * Brute-force cosine search over unit vectors stored contiguously in a WebAssembly memory and
 * scored by a SIMD kernel (vector-arena.ts), in blocks of rows.
 *
 * Exact by construction, so it is the reference for recall, the whole index while a library is
 * small, and the planner's choice when a filter leaves few candidates: its cost is proportional
 * to the number of vectors it touches, and with an allow-list it touches only those.
 * It also holds the full-precision vectors that ANN candidates are re-scored with.
 *
 * Rows are kept dense (a removal moves the last row into the hole) so a scan never skips gaps.
 */
export class ExactVectorIndex implements VectorIndex {
  private readonly arena: VectorArena;
  private rowIds: Float64Array;
  private readonly rowOf = new RowLookup();
  private rows = 0;
  /** Optional coarse partitions, with each row's list (moves with the row). */
  private partitions: VectorPartitions | null = null;
  private labels = new Int32Array(0);

  constructor(
    readonly dim: number,
    initialCapacity = 1024,
  ) {
    if (!Number.isInteger(dim) || dim <= 0) throw new Error(`invalid vector dimension ${dim}`);
    this.arena = new VectorArena(dim, initialCapacity);
    this.rowIds = new Float64Array(this.arena.capacity);
  }

  get partitioned(): VectorPartitions | null {
    return this.partitions;
  }

  /** Floats per stored row (dim padded to a multiple of 16). */
  get stride(): number {
    return this.arena.stride;
  }

  get size(): number {
    return this.rows;
  }

  has(id: number): boolean {
    return this.rowOf.has(id);
  }

  /** The stored unit vector of `id`: a view that is valid until the next write. */
  vectorOf(id: number): Float32Array | undefined {
    const row = this.rowOf.get(id);
    if (row === undefined) return undefined;
    const at = row * this.arena.stride;
    return this.arena.vectors.subarray(at, at + this.dim);
  }

  /** Ids in row order. */
  *ids(): IterableIterator<number> {
    for (let row = 0; row < this.rows; row++) yield this.rowIds[row]!;
  }

  upsert(items: readonly VectorItem[]): void {
    for (const item of items) {
      if (item.vector.length !== this.dim) throw new VectorDimensionError(this.dim, item.vector.length);
    }
    for (const item of items) {
      let row = this.rowOf.get(item.id);
      if (row === undefined) {
        this.ensureCapacity(this.rows + 1);
        row = this.rows++;
        this.rowOf.set(item.id, row);
        this.rowIds[row] = item.id;
      }
      const unit = normalized(item.vector);
      this.arena.vectors.set(unit, row * this.arena.stride);
      if (this.partitions) this.labels[row] = this.partitions.nearest(unit);
    }
  }

  remove(ids: readonly number[]): void {
    const stride = this.arena.stride;
    for (const id of ids) {
      const row = this.rowOf.get(id);
      if (row === undefined) continue;
      const last = this.rows - 1;
      if (row !== last) {
        const lastId = this.rowIds[last]!;
        this.arena.vectors.copyWithin(row * stride, last * stride, (last + 1) * stride);
        this.rowIds[row] = lastId;
        this.labels[row] = this.labels[last]!;
        this.rowOf.set(lastId, row);
      }
      this.rowOf.delete(id);
      this.rows = last;
    }
  }

  search(query: Float32Array, k: number, filter?: CandidateFilter): SearchHit[] {
    if (query.length !== this.dim) throw new VectorDimensionError(this.dim, query.length);
    if (k <= 0 || this.rows === 0) return [];
    const top = new TopK(k);
    const { arena, rowIds } = this;
    arena.setQuery(normalized(query));
    if (!filter) {
      for (let first = 0; first < this.rows; first += SCAN_BLOCK) {
        const count = Math.min(SCAN_BLOCK, this.rows - first);
        const scores = arena.scanRange(first, count);
        for (let i = 0; i < count; i++) {
          if (scores[i]! > top.threshold) top.push(rowIds[first + i]!, scores[i]!);
        }
      }
    } else if (filter.size < this.rows) {
      // Visit only the allowed ids: the cost follows the filter, not the index.
      const block = arena.rowsBlock;
      let count = 0;
      const flush = (): void => {
        const scores = arena.scanRows(count);
        for (let i = 0; i < count; i++) {
          if (scores[i]! > top.threshold) top.push(rowIds[block[i]!]!, scores[i]!);
        }
        count = 0;
      };
      for (const id of filter) {
        const row = this.rowOf.get(id);
        if (row === undefined) continue;
        block[count++] = row;
        if (count === SCAN_BLOCK) flush();
      }
      if (count > 0) flush();
    } else {
      for (let first = 0; first < this.rows; first += SCAN_BLOCK) {
        const count = Math.min(SCAN_BLOCK, this.rows - first);
        const scores = arena.scanRange(first, count);
        for (let i = 0; i < count; i++) {
          const id = rowIds[first + i]!;
          if (scores[i]! > top.threshold && filter.has(id)) top.push(id, scores[i]!);
        }
      }
    }
    return top.sorted();
  }

  /**
   * Attaches coarse partitions; `listOf(id, row)` gives a row's list when it is already known (a
   * snapshot, a background assignment), else it is computed here (P dot products per row).
   */
  attachPartitions(partitions: VectorPartitions | null, listOf?: (id: number, row: number) => number | undefined): void {
    this.partitions = partitions;
    if (!partitions) return;
    if (partitions.dim !== this.dim) throw new VectorDimensionError(this.dim, partitions.dim);
    if (this.labels.length < this.rowIds.length) this.labels = new Int32Array(this.rowIds.length);
    for (let row = 0; row < this.rows; row++) {
      const id = this.rowIds[row]!;
      const known = listOf?.(id, row);
      this.labels[row] = known ?? partitions.nearest(this.vectorOf(id)!);
    }
  }

  /** The list of each row, in row order (for snapshots). */
  labelsView(): Int32Array {
    return this.labels.subarray(0, this.rows);
  }

  /**
   * Filtered search through the partitions: buckets the allowed rows by list, then scores the
   * allowed rows of the lists nearest to the query until `probe` non-empty lists and at least
   * `minScored` rows were scored. Cost ~ |filter| lookups + the few lists scored, instead of a
   * dot product per allowed id; recall grows with `probe` (measured in docs/benchmarks/search.md).
   */
  searchPartitioned(query: Float32Array, k: number, filter: CandidateFilter, probe: number, minScored = 8 * k): SearchHit[] {
    const partitions = this.partitions;
    if (!partitions) return this.search(query, k, filter);
    if (query.length !== this.dim) throw new VectorDimensionError(this.dim, query.length);
    const unit = normalized(query);
    const lists = partitions.count;
    // Counting sort of the allowed rows by list.
    const allowedRows = new Int32Array(Math.min(filter.size, this.rows));
    const perList = new Int32Array(lists + 1);
    let allowed = 0;
    for (const id of filter) {
      const row = this.rowOf.get(id);
      if (row === undefined) continue;
      allowedRows[allowed++] = row;
      perList[this.labels[row]! + 1]!++;
    }
    for (let list = 0; list < lists; list++) perList[list + 1]! += perList[list]!;
    const byList = new Int32Array(allowed);
    const cursor = perList.slice(0, lists);
    for (let i = 0; i < allowed; i++) {
      const row = allowedRows[i]!;
      byList[cursor[this.labels[row]!]!++] = row;
    }

    const top = new TopK(k);
    const { arena, rowIds } = this;
    const order = partitions.ranked(unit);
    arena.setQuery(unit);
    const block = arena.rowsBlock;
    let probed = 0;
    let scored = 0;
    for (const { id: list } of order) {
      const from = perList[list]!;
      const to = perList[list + 1]!;
      if (from === to) continue;
      for (let start = from; start < to; start += SCAN_BLOCK) {
        const count = Math.min(SCAN_BLOCK, to - start);
        block.set(byList.subarray(start, start + count));
        const scores = arena.scanRows(count);
        for (let i = 0; i < count; i++) {
          if (scores[i]! > top.threshold) top.push(rowIds[block[i]!]!, scores[i]!);
        }
      }
      scored += to - from;
      if (++probed >= probe && scored >= minScored) break;
    }
    return top.sorted();
  }

  /** Exact scores of the given ids (ids not held are skipped), for re-ranking ANN candidates. */
  score(query: Float32Array, ids: Iterable<number>, k: number): SearchHit[] {
    const top = new TopK(k);
    const { arena, rowIds } = this;
    arena.setQuery(normalized(query));
    const block = arena.rowsBlock;
    let count = 0;
    const flush = (): void => {
      const scores = arena.scanRows(count);
      for (let i = 0; i < count; i++) top.push(rowIds[block[i]!]!, scores[i]!);
      count = 0;
    };
    for (const id of ids) {
      const row = this.rowOf.get(id);
      if (row === undefined) continue;
      block[count++] = row;
      if (count === SCAN_BLOCK) flush();
    }
    if (count > 0) flush();
    return top.sorted();
  }

  /**
   * The rows as stored (ids, and unit vectors at `stride` floats each), for snapshots; views valid
   * until the next write.
   */
  rowsView(): { ids: Float64Array; vectors: Float32Array } {
    return { ids: this.rowIds.subarray(0, this.rows), vectors: this.arena.vectors.subarray(0, this.rows * this.arena.stride) };
  }

  /**
   * Room for `count` rows to be filled in place (a snapshot being read): returns the views to fill;
   * `commitFilled` then makes them live. Avoids a second copy of a large snapshot.
   */
  reserveForFill(count: number): { ids: Float64Array; vectors: Float32Array } {
    if (this.rows !== 0) throw new Error('can only fill an empty index');
    this.ensureCapacity(count);
    return { ids: this.rowIds.subarray(0, count), vectors: this.arena.vectors.subarray(0, count * this.arena.stride) };
  }

  commitFilled(count: number): void {
    for (let row = 0; row < count; row++) {
      const id = this.rowIds[row]!;
      if (this.rowOf.has(id)) {
        this.rowOf.clear();
        throw new Error(`duplicate vector id ${id}`);
      }
      this.rowOf.set(id, row);
    }
    this.rows = count;
  }

  close(): void {
    this.partitions = null;
    this.rowOf.clear();
    this.rows = 0;
  }

  private ensureCapacity(rows: number): void {
    if (rows <= this.rowIds.length) return;
    this.arena.ensureRows(rows);
    const rowIds = new Float64Array(this.arena.capacity);
    rowIds.set(this.rowIds.subarray(0, this.rows));
    this.rowIds = rowIds;
    if (this.partitions) {
      const labels = new Int32Array(this.arena.capacity);
      labels.set(this.labels.subarray(0, this.rows));
      this.labels = labels;
    }
  }
}
