import path from 'node:path';
import type { Logger } from 'pino';
import type { Db } from '../store/database.js';
import { FaceRepository } from '../store/face-repository.js';
import type { ChangesAfter } from './vector-index/index-sync.js';
import { keyframeVectorChanges, latestVectorChange } from './vector-index/sqlite-vector-changes.js';
import { SyncedVectorIndex, type SyncedVectorIndexOptions } from './vector-index/synced-vector-index.js';

/** Identity (tag) of the face track index: the recogniser that made the embeddings. */
export const FACE_TRACK_INDEX = 'face-api-resnet34-128';
export const FACE_EMBEDDING_DIM = 128;

const faceTrackChanges = (db: Db): ChangesAfter => new FaceRepository(db).trackEmbeddingChanges();

/** How often a changed index writes its snapshot, so a restart replays little. */
const CHECKPOINT_EVERY_MS = 5 * 60_000;

/**
 * One keyframe-vector index per embedding model (vectors of different models live in different
 * spaces and never share an index), opened on first use under `<dataDir>/vector-index/<model>/`
 * and kept in step with SQLite by replaying its change sequence before every search.
 */
export class VectorIndexRegistry {
  private readonly indexes = new Map<string, SyncedVectorIndex>();
  private readonly checkpointed = new Map<string, number>();
  private modelsCache: { seq: number; models: string[] } | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly dir: string,
    private readonly log: Logger,
    private readonly overrides: Partial<Pick<SyncedVectorIndexOptions, 'ann' | 'partitions' | 'planner'>> = {},
  ) {}

  /** Starts periodic checkpoints. */
  start(): void {
    this.timer = setInterval(() => this.checkpointChanged(), CHECKPOINT_EVERY_MS).unref();
  }

  /** Models that have keyframe vectors in the store (cached until the next vector change). */
  models(): string[] {
    const seq = latestVectorChange(this.db);
    if (this.modelsCache?.seq !== seq) {
      const rows = this.db.prepare('SELECT DISTINCT model FROM keyframe_vectors').all() as { model: string }[];
      this.modelsCache = { seq, models: rows.map((r) => r.model) };
    }
    return this.modelsCache.models;
  }

  /** The model's index, up to date with the store. */
  get(model: string, dim: number): SyncedVectorIndex {
    return this.open(model, safeFolderName(model), dim, () => keyframeVectorChanges(this.db, model));
  }

  /**
   * The index of face track embeddings (face-api's 128-d recogniser, unit length), all libraries
   * together like the keyframe indexes; searches narrow to a library with an allow-list. Its folder
   * name cannot collide with a model's: registry names never start with "_".
   */
  faceTracks(): SyncedVectorIndex {
    return this.open(FACE_TRACK_INDEX, '_face-tracks', FACE_EMBEDDING_DIM, () => faceTrackChanges(this.db));
  }

  private open(key: string, folder: string, dim: number, changes: () => ChangesAfter): SyncedVectorIndex {
    let index = this.indexes.get(key);
    if (index && index.dim !== dim) {
      throw new Error(`the ${key} vector index holds ${index.dim}-d vectors, the model gives ${dim}`);
    }
    if (!index) {
      const log = this.log.child({ component: 'vector-index', model: key });
      index = SyncedVectorIndex.open({
        dir: path.join(this.dir, folder),
        dim,
        tag: key,
        changesAfter: changes(),
        onEvent: (event) => log.info(event, `vector index: ${event.type}`),
        ...this.overrides,
      });
      this.indexes.set(key, index);
      this.checkpointed.set(key, index.watermark);
    }
    index.sync();
    return index;
  }

  checkpointChanged(): void {
    for (const [model, index] of this.indexes) {
      if (index.watermark === this.checkpointed.get(model)) continue;
      try {
        index.checkpoint();
        this.checkpointed.set(model, index.watermark);
      } catch (error) {
        this.log.warn({ err: error, model }, 'vector index checkpoint failed; the next start replays more changes');
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    for (const index of this.indexes.values()) await index.close();
    this.indexes.clear();
  }
}

/** Model names are registry names (letters, digits, - _ .), but a folder name must never climb out. */
function safeFolderName(model: string): string {
  return model.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
}
