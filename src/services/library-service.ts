import { ApiError } from '../api/errors.js';
import type { JobScheduler } from '../jobs/scheduler.js';
import type { Store } from '../store/store.js';
import {
  DEFAULT_LIBRARY,
  INDEX_TYPES,
  type IndexStatus,
  type IndexType,
  type Library,
  type LibraryIndex,
  type SearchLibConfig,
} from '../types.js';
import type { MediaFiles } from '../store/media-files.js';

export interface LibraryWithIndexes extends Library {
  indexes: LibraryIndex[];
}

/** Search libraries and their index types (the CreateSearchLib… and …SearchIndex actions). */
export class LibraryService {
  constructor(
    private readonly store: Store,
    private readonly scheduler: JobScheduler,
    private readonly files: MediaFiles,
    private readonly now: () => number = Date.now,
  ) {}

  /** The default library exists from the first start, with every index type active. */
  ensureDefaultLibrary(): void {
    if (!this.store.libraries.get(DEFAULT_LIBRARY)) {
      this.store.libraries.create(DEFAULT_LIBRARY, {}, INDEX_TYPES, this.now());
    }
  }

  /**
   * New libraries start with all three index types active so inserted media is searchable at once;
   * CreateSearchIndex on an existing type is then an idempotent update, which keeps SDK code that
   * creates its indexes explicitly working.
   */
  create(name: string, config: SearchLibConfig): void {
    if (!this.store.libraries.create(name, config, INDEX_TYPES, this.now())) {
      throw new ApiError('SearchLibAlreadyExists', `The search library "${name}" already exists; choose another SearchLibName.`);
    }
  }

  alter(name: string, config: SearchLibConfig): void {
    this.require(name);
    this.store.libraries.updateConfig(name, config, this.now());
  }

  get(name: string): LibraryWithIndexes {
    const library = this.require(name);
    return { ...library, indexes: this.store.libraries.indexes(name) };
  }

  list(offset: number, limit: number): { libraries: LibraryWithIndexes[]; total: number } {
    const { libraries, total } = this.store.libraries.list(offset, limit);
    return {
      libraries: libraries.map((library) => ({ ...library, indexes: this.store.libraries.indexes(library.name) })),
      total,
    };
  }

  /** Deletes the library with every asset, job and derived file; running jobs are aborted. */
  async drop(name: string): Promise<void> {
    this.require(name);
    const assets = this.store.db
      .prepare('SELECT id, input FROM assets WHERE library = ?')
      .all(name) as { id: number; input: string }[];
    this.store.libraries.setStatus(name, 'deleting', this.now());
    for (const asset of assets) this.scheduler.cancelAsset(asset.id);
    this.store.libraries.delete(name);
    await Promise.all(assets.map((asset) => this.files.removeAssetFiles(asset.id, asset.input)));
    if (name === DEFAULT_LIBRARY) this.ensureDefaultLibrary();
  }

  /** Creates or re-activates an index type and queues analysis for assets that lack it. */
  createIndex(library: string, indexType: IndexType, status: IndexStatus, config: Record<string, unknown>): void {
    this.require(library);
    this.store.transaction(() => {
      this.store.libraries.upsertIndex(library, indexType, status, config, this.now());
      if (status === 'Active') this.backfill(library, indexType);
    });
    this.scheduler.wake();
  }

  alterIndex(
    library: string,
    indexType: IndexType,
    change: { status?: IndexStatus; config?: Record<string, unknown> },
  ): void {
    const index = this.requireIndex(library, indexType);
    const status = change.status ?? index.status;
    this.store.transaction(() => {
      this.store.libraries.upsertIndex(library, indexType, status, change.config ?? index.config, this.now());
      if (status === 'Active' && index.status !== 'Active') this.backfill(library, indexType);
    });
    this.scheduler.wake();
  }

  getIndex(library: string, indexType: IndexType): { index: LibraryIndex; mediaTotal: number } {
    const index = this.requireIndex(library, indexType);
    const { n } = this.store.db
      .prepare(
        `SELECT count(*) AS n FROM jobs JOIN assets ON assets.id = jobs.asset_id
         WHERE assets.library = ? AND jobs.kind = ? AND jobs.state = 'success'`,
      )
      .get(library, indexType) as { n: number };
    return { index, mediaTotal: n };
  }

  /** Clears an index type's jobs (and, once analysis exists, its data); later inserts skip it. */
  dropIndex(library: string, indexType: IndexType): void {
    this.requireIndex(library, indexType);
    const cancelled = this.store.transaction(() => {
      const ids = this.store.jobs.deleteForLibraryIndex(library, indexType);
      this.store.libraries.deleteIndex(library, indexType);
      return ids;
    });
    this.scheduler.cancelJobs(cancelled);
  }

  require(name: string): Library {
    const library = this.store.libraries.get(name);
    if (!library) {
      throw new ApiError(
        'SearchLibNotFound',
        `The search library "${name}" does not exist. Create it with CreateSearchLib or list libraries with ListSearchLib.`,
      );
    }
    if (library.status === 'deleting') {
      throw new ApiError('OperationConflict', `The search library "${name}" is being deleted.`);
    }
    return library;
  }

  private requireIndex(library: string, indexType: IndexType): LibraryIndex {
    this.require(library);
    const index = this.store.libraries.getIndex(library, indexType);
    if (!index) {
      throw new ApiError(
        'IndexNotFound',
        `The search library "${library}" has no ${indexType} index. Create it with CreateSearchIndex.`,
      );
    }
    return index;
  }

  private backfill(library: string, indexType: IndexType): void {
    const now = this.now();
    // Assets whose file could not be ingested get a failed job with that reason rather than one
    // that would wait forever; SearchIndexJobRerun retries them.
    this.store.db
      .prepare(
        `INSERT INTO jobs (asset_id, kind, state, attempts, run_after, submitted_at, finished_at, error)
         SELECT id, ?, CASE WHEN ingest_state = 'failed' THEN 'failed' ELSE 'queued' END, 0, ?, ?,
                CASE WHEN ingest_state = 'failed' THEN ? END,
                CASE WHEN ingest_state = 'failed' THEN 'the media file could not be ingested: ' || ingest_error END
         FROM assets
         WHERE library = ? AND NOT EXISTS (SELECT 1 FROM jobs WHERE jobs.asset_id = assets.id AND jobs.kind = ?)`,
      )
      .run(indexType, now, now, now, library, indexType);
  }
}
