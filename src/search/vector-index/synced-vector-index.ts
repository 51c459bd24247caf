import fs from 'node:fs';
import path from 'node:path';
import { ExactVectorIndex } from './exact-vector-index.js';
import { reconcileIds, replayChanges, type ChangesAfter } from './index-sync.js';
import { PlannedVectorIndex, DEFAULT_PLANNER, type PlannerOptions, type SearchPlan } from './planned-vector-index.js';
import type { CandidateFilter, SearchHit } from './vector-index.js';
import { readSnapshot, syncDirectory, writeSnapshot } from './vector-snapshot.js';
import { VectorPartitions } from './vector-partitions.js';
import { ZvecVectorIndex, type ZvecIndexOptions } from './zvec-vector-index.js';

export interface AnnSettings extends Omit<ZvecIndexOptions, 'dir' | 'dim'> {
  /** Below this many vectors no ANN index is kept (the planner scans exactly anyway). */
  readonly minSize?: number;
  /** Re-optimise once this share of the vectors is outside the HNSW graph. */
  readonly reoptimizeAt?: number;
  /** Threads zvec may use to build the graph (0: its choice). */
  readonly buildThreads?: number;
}

export interface PartitionSettings {
  /** Below this many vectors no partitions are trained (the exact filtered scan is cheap enough). */
  readonly minSize?: number;
  /** Number of lists for n vectors (default √n / 2: ~2,000 vectors a list at a million). */
  readonly lists?: (n: number) => number;
}

export interface SyncedVectorIndexOptions {
  /** Folder owned by this index: `vectors.snap`, `ann/` (zvec) and `ann.json`. */
  readonly dir: string;
  readonly dim: number;
  /** Identity of the vectors (e.g. the embedding model); files written for another tag are rebuilt. */
  readonly tag: string;
  /** The store's change sequence for these vectors. */
  readonly changesAfter: ChangesAfter;
  /** false: exact search only. */
  readonly ann?: AnnSettings | false;
  /** Coarse partitions for mid-selectivity filters; false: none. */
  readonly partitions?: PartitionSettings | false;
  readonly planner?: PlannerOptions;
  /** Recovery and maintenance events (rebuilds, corrupt files), for the caller's logger. */
  readonly onEvent?: (event: VectorIndexEvent) => void;
}

export type VectorIndexEvent =
  | { type: 'snapshot-loaded'; vectors: number; watermark: number }
  | { type: 'snapshot-unusable'; reason: string }
  | { type: 'replayed'; upserted: number; removed: number; watermark: number }
  | { type: 'ann-unusable'; reason: string }
  | { type: 'ann-reconciled'; added: number; removed: number }
  | { type: 'ann-build-started'; vectors: number }
  | { type: 'ann-ready'; vectors: number; ms: number }
  | { type: 'ann-build-failed'; reason: string }
  | { type: 'partitions-ready'; lists: number; ms: number }
  | { type: 'partitions-failed'; reason: string };

interface AnnState {
  readonly tag: string;
  readonly dim: number;
  readonly watermark: number;
  readonly settings: string;
}

const SNAPSHOT_FILE = 'vectors.snap';
const ANN_DIR = 'ann';
const ANN_STATE_FILE = 'ann.json';
const BUILD_CHUNK = 2_000;
const ANN_RETRY_MS = 60_000;
const DEFAULT_PARTITION_MIN_SIZE = 50_000;

const yieldToEventLoop = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * A vector index kept in step with SQLite, the source of truth.
 *
 * - The exact index (all vectors, full precision) is loaded from a one-file snapshot when it is
 *   intact and matches (dimension, tag), else rebuilt by replaying the store's change sequence
 *   from 0; then the changes after the snapshot's watermark are replayed.
 * - The zvec ANN index is opened from its folder when `ann.json` vouches for it (same tag,
 *   dimension and settings) and replayed from its own watermark; if it cannot be opened, or its
 *   count still disagrees with the exact index after replay, it is reconciled id by id or rebuilt.
 *   A rebuild runs in the background, chunked so the event loop keeps serving; until it is done
 *   the planner answers exactly (slower, never wrong).
 * - Writes are idempotent upserts/removals by id, so replaying a range twice after a crash is
 *   harmless, and a batch the crashed process half-wrote is simply written again.
 * - `checkpoint()` writes the snapshot (temp file + rename) and then `ann.json`, each stamped with
 *   the watermark they reflect.
 */
export class SyncedVectorIndex {
  private currentWatermark: number;
  /** The background build of partitions and/or the ANN index, when one runs. */
  private maintenance: Promise<void> | null = null;
  private optimizing: Promise<void> | null = null;
  private closed = false;
  /** Set when close() starts, so a background build stops at its next chunk instead of finishing. */
  private closing = false;
  /** A failed build is retried by a later sync(), but not before this time (ms since epoch). */
  private annRetryAt = 0;
  private partitionRetryAt = 0;
  private upsertsSinceOptimize = 0;
  private readonly annSettings: Required<AnnSettings> | null;

  private constructor(
    private readonly options: SyncedVectorIndexOptions,
    readonly planned: PlannedVectorIndex,
    watermark: number,
  ) {
    this.currentWatermark = watermark;
    this.annSettings =
      options.ann === false
        ? null
        : {
            minSize: DEFAULT_PLANNER.exactBelowSize,
            reoptimizeAt: 0.1,
            buildThreads: 0,
            m: 32,
            efConstruction: 200,
            quantization: 'int8',
            refine: false,
            ef: options.planner?.ef ?? DEFAULT_PLANNER.ef,
            ...options.ann,
          };
  }

  static open(options: SyncedVectorIndexOptions): SyncedVectorIndex {
    fs.mkdirSync(options.dir, { recursive: true });
    const emit = options.onEvent ?? (() => {});
    const { exact, watermark: snapshotWatermark } = loadExact(options, emit);
    const index = new SyncedVectorIndex(options, new PlannedVectorIndex(exact, null, options.planner), snapshotWatermark);

    const ann = index.openAnn();
    // Each index replays from its own watermark: re-upserting what zvec already holds would push
    // those vectors out of its graph into the unindexed segment.
    const exactReplay = replayChanges([exact], options.changesAfter, snapshotWatermark);
    let watermark = Math.max(exactReplay.watermark, snapshotWatermark);
    emit({ type: 'replayed', upserted: exactReplay.upserted, removed: exactReplay.removed, watermark });
    if (ann) {
      const annWatermark = Math.max(replayChanges([ann.index], options.changesAfter, ann.watermark).watermark, ann.watermark);
      // A writer on another connection may have committed between the two replays; the older
      // watermark is safe (the next sync replays the difference into both, idempotently).
      watermark = Math.min(watermark, annWatermark);
    }
    index.currentWatermark = watermark;

    if (ann) {
      if (ann.index.size !== exact.size) {
        const result = reconcileIds(ann.index, exact);
        emit({ type: 'ann-reconciled', ...result });
      }
      index.planned.replaceAnn(ann.index);
      index.maybeOptimize(true);
    }
    index.maybeMaintain();
    return index;
  }

  get watermark(): number {
    return this.currentWatermark;
  }

  get size(): number {
    return this.planned.size;
  }

  get dim(): number {
    return this.planned.dim;
  }

  /** Applies the store's changes since the watermark; call after writers commit vectors, or periodically. */
  sync(): { upserted: number; removed: number } {
    this.assertOpen();
    const replay = replayChanges([this.planned], this.options.changesAfter, this.currentWatermark);
    this.currentWatermark = replay.watermark;
    this.upsertsSinceOptimize += replay.upserted;
    if (this.planned.annIndex) this.maybeOptimize(false);
    this.maybeMaintain();
    return { upserted: replay.upserted, removed: replay.removed };
  }

  search(query: Float32Array, k: number, filter?: CandidateFilter): SearchHit[] {
    this.assertOpen();
    return this.planned.search(query, k, filter);
  }

  searchWithPlan(query: Float32Array, k: number, filter?: CandidateFilter): { hits: SearchHit[]; plan: SearchPlan } {
    this.assertOpen();
    return this.planned.searchWithPlan(query, k, filter);
  }

  /** Resolves once no ANN build or optimisation is running (immediately when none is). */
  async whenIdle(): Promise<void> {
    while (this.maintenance || this.optimizing) await (this.maintenance ?? this.optimizing);
  }

  /** Persists the exact snapshot and the ANN watermark, so the next start replays only what follows. */
  checkpoint(): void {
    this.assertOpen();
    const { dir, dim, tag } = this.options;
    const exact = this.planned.exact;
    const partitions = exact.partitioned ? { labels: exact.labelsView(), centroids: exact.partitioned.centroidRows() } : null;
    writeSnapshot(
      path.join(dir, SNAPSHOT_FILE),
      { ...exact.rowsView(), partitions },
      { dim, stride: exact.stride, watermark: this.currentWatermark, tag },
    );
    // Only an ANN index that is attached holds everything up to the watermark (a building one does not).
    if (this.planned.annIndex && this.annSettings) {
      const state: AnnState = { tag, dim, watermark: this.currentWatermark, settings: settingsKey(this.annSettings) };
      writeJsonAtomically(path.join(dir, ANN_STATE_FILE), state);
    }
  }

  /** Waits for background work, checkpoints and releases everything. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    await this.whenIdle();
    this.checkpoint();
    this.closed = true;
    this.planned.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('vector index is closed');
  }

  private get annDir(): string {
    return path.join(this.options.dir, ANN_DIR);
  }

  /** The ANN index from disk when its state file vouches for it; otherwise removes what is there. */
  private openAnn(): { index: ZvecVectorIndex; watermark: number } | null {
    const settings = this.annSettings;
    const emit = this.options.onEvent ?? (() => {});
    const stateFile = path.join(this.options.dir, ANN_STATE_FILE);
    if (!settings || !fs.existsSync(this.annDir)) return null;
    try {
      const state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as AnnState;
      if (state.tag !== this.options.tag || state.dim !== this.options.dim || state.settings !== settingsKey(settings)) {
        throw new Error('written for other vectors or settings');
      }
      if (!Number.isFinite(state.watermark)) throw new Error('bad watermark');
      return { index: ZvecVectorIndex.open({ dir: this.annDir, dim: this.options.dim, ...settings }), watermark: state.watermark };
    } catch (error) {
      emit({ type: 'ann-unusable', reason: errorText(error) });
      this.discardAnnFiles();
      return null;
    }
  }

  private discardAnnFiles(): void {
    fs.rmSync(path.join(this.options.dir, ANN_STATE_FILE), { force: true });
    fs.rmSync(this.annDir, { recursive: true, force: true });
  }

  /** Starts the background build of whatever derived structure is missing and due. */
  private maybeMaintain(): void {
    if (this.maintenance || this.closing) return;
    const now = Date.now();
    const size = this.planned.size;
    const partitionSettings = this.options.partitions === false ? null : (this.options.partitions ?? {});
    const needPartitions =
      partitionSettings !== null &&
      !this.planned.exact.partitioned &&
      size >= (partitionSettings.minSize ?? DEFAULT_PARTITION_MIN_SIZE) &&
      now >= this.partitionRetryAt;
    const annSettings = this.annSettings;
    const needAnn = annSettings !== null && !this.planned.annIndex && size >= annSettings.minSize && now >= this.annRetryAt;
    if (!needPartitions && !needAnn) return;
    this.maintenance = (async () => {
      if (needPartitions) await this.buildPartitions(partitionSettings);
      if (needAnn && !this.closing) await this.buildAnn(annSettings);
    })().finally(() => {
      this.maintenance = null;
    });
  }

  /**
   * Trains partitions on a sample (blocking, a few seconds at a million vectors), then labels every
   * vector in chunks, yielding between them; vectors written meanwhile are labelled on attach.
   */
  private async buildPartitions(settings: PartitionSettings): Promise<void> {
    const emit = this.options.onEvent ?? (() => {});
    const started = performance.now();
    const exact = this.planned.exact;
    const startWatermark = this.currentWatermark;
    try {
      const lists = Math.max(1, Math.round(settings.lists?.(exact.size) ?? Math.max(16, Math.sqrt(exact.size) / 2)));
      const partitions = VectorPartitions.train(exact, lists);
      const ids = Array.from(exact.ids());
      const listOf = new Map<number, number>();
      for (let start = 0; start < ids.length; start += BUILD_CHUNK) {
        await yieldToEventLoop();
        if (this.closing) return;
        for (const id of ids.slice(start, start + BUILD_CHUNK)) {
          const vector = exact.vectorOf(id);
          if (vector) listOf.set(id, partitions.nearest(vector));
        }
      }
      for (let after = startWatermark; ; ) {
        const changes = this.options.changesAfter(after, 5_000);
        for (const change of changes) listOf.delete(change.id); // changed meanwhile: labelled afresh below
        if (changes.length === 0) break;
        after = changes[changes.length - 1]!.seq;
      }
      exact.attachPartitions(partitions, (id) => listOf.get(id));
      emit({ type: 'partitions-ready', lists: partitions.count, ms: Math.round(performance.now() - started) });
    } catch (error) {
      emit({ type: 'partitions-failed', reason: errorText(error) });
      this.partitionRetryAt = Date.now() + ANN_RETRY_MS;
    }
  }

  /**
   * Fills a fresh zvec collection from the exact index in chunks (yielding between them), builds
   * the graph off the event loop, replays what changed meanwhile, then attaches it.
   */
  private async buildAnn(settings: Required<AnnSettings>): Promise<void> {
    const emit = this.options.onEvent ?? (() => {});
    const started = performance.now();
    this.discardAnnFiles();
    const exact = this.planned.exact;
    const startWatermark = this.currentWatermark;
    const ids = Array.from(exact.ids());
    emit({ type: 'ann-build-started', vectors: ids.length });
    let ann: ZvecVectorIndex | null = null;
    try {
      ann = ZvecVectorIndex.open({ dir: this.annDir, dim: this.options.dim, ...settings });
      for (let start = 0; start < ids.length; start += BUILD_CHUNK) {
        if (this.closing) throw new Error('closed during build');
        const items = [];
        for (const id of ids.slice(start, start + BUILD_CHUNK)) {
          const vector = exact.vectorOf(id); // removed meanwhile: the replay below removes it anyway
          if (vector) items.push({ id, vector: Float32Array.from(vector) });
        }
        ann.upsert(items);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      await ann.optimize(settings.buildThreads);
      if (this.closing) throw new Error('closed during build');
      replayChanges([ann], this.options.changesAfter, startWatermark);
      // The exact index may be ahead of the store replay only by ids the replay just covered.
      if (ann.size !== exact.size) reconcileIds(ann, exact);
      this.planned.replaceAnn(ann);
      this.upsertsSinceOptimize = 0;
      emit({ type: 'ann-ready', vectors: ann.size, ms: Math.round(performance.now() - started) });
    } catch (error) {
      ann?.close();
      if (!this.closing) {
        emit({ type: 'ann-build-failed', reason: errorText(error) });
        this.annRetryAt = Date.now() + ANN_RETRY_MS;
      }
      this.discardAnnFiles();
    }
  }

  /** Folds recently written vectors into the HNSW graph once enough of them are outside it. */
  private maybeOptimize(onOpen: boolean): void {
    const ann = this.planned.annIndex;
    const settings = this.annSettings;
    if (!(ann instanceof ZvecVectorIndex) || !settings || this.optimizing || this.closing) return;
    const pending = onOpen ? ann.unindexedFraction : this.upsertsSinceOptimize / Math.max(1, ann.size);
    if (pending < settings.reoptimizeAt) return;
    this.upsertsSinceOptimize = 0;
    this.optimizing = ann
      .optimize(settings.buildThreads)
      .catch((error: unknown) => {
        // The unoptimised part is still searched (linearly), so this costs speed, not results.
        this.options.onEvent?.({ type: 'ann-build-failed', reason: `optimize: ${errorText(error)}` });
      })
      .finally(() => {
        this.optimizing = null;
      });
  }
}

function loadExact(
  options: SyncedVectorIndexOptions,
  emit: (event: VectorIndexEvent) => void,
): { exact: ExactVectorIndex; watermark: number } {
  const file = path.join(options.dir, SNAPSHOT_FILE);
  if (fs.existsSync(file)) {
    try {
      const exact = new ExactVectorIndex(options.dim, 1);
      const { header, partitions } = readSnapshot(file, { dim: options.dim, stride: exact.stride, tag: options.tag }, (count) =>
        exact.reserveForFill(count),
      );
      exact.commitFilled(header.count);
      if (partitions && options.partitions !== false) {
        exact.attachPartitions(VectorPartitions.fromCentroids(options.dim, partitions.centroids, exact.stride), (_id, row) => partitions.labels[row]);
      }
      emit({ type: 'snapshot-loaded', vectors: exact.size, watermark: header.watermark });
      return { exact, watermark: header.watermark };
    } catch (error) {
      // Corrupt, truncated, from another model or format: SQLite has everything, rebuild from it.
      emit({ type: 'snapshot-unusable', reason: errorText(error) });
      fs.rmSync(file, { force: true });
    }
  }
  return { exact: new ExactVectorIndex(options.dim), watermark: 0 };
}

function settingsKey(settings: Required<AnnSettings>): string {
  return JSON.stringify({ m: settings.m, efConstruction: settings.efConstruction, quantization: settings.quantization });
}

function writeJsonAtomically(file: string, value: unknown): void {
  const temp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(temp, 'w');
  try {
    fs.writeSync(fd, JSON.stringify(value));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
  syncDirectory(path.dirname(file));
}
