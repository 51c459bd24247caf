import { randomUUID } from 'node:crypto';
import { ApiError, invalidParameter } from '../api/errors.js';
import type { JobScheduler } from '../jobs/scheduler.js';
import type { InputResolver } from '../media/input-resolver.js';
import { MediaError } from '../media/media-error.js';
import type { MediaFiles } from '../store/media-files.js';
import type { Store } from '../store/store.js';
import type { Asset, IndexType, Job, MediaType } from '../types.js';
import type { LibraryService } from './library-service.js';
import { parseMsgBody } from './msg-body.js';

export interface InsertRequest {
  library: string;
  input: string;
  mediaId?: string;
  mediaType: MediaType;
  namespace: string;
  msgBody: Record<string, unknown>;
}

/** Assets and their index jobs (InsertMediaToSearchLib … SearchIndexJobRerun). */
export class MediaService {
  constructor(
    private readonly store: Store,
    private readonly libraries: LibraryService,
    private readonly scheduler: JobScheduler,
    private readonly resolver: InputResolver,
    private readonly files: MediaFiles,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Records the asset and queues its jobs in one transaction, then returns: the file is fetched
   * and analysed in the background. Once this returns the asset survives any crash.
   */
  insert(request: InsertRequest): string {
    this.libraries.require(request.library);
    this.checkInput(request.input);
    const metadata = parseMsgBody(request.msgBody);
    const mediaId = request.mediaId ?? randomUUID().replace(/-/g, '');
    const now = this.now();
    this.store.transaction(() => {
      if (request.input.startsWith('upload://')) this.requireUnclaimedUpload(request.input);
      const id = this.store.assets.insert({
        library: request.library,
        mediaId,
        namespace: request.namespace,
        mediaType: request.mediaType,
        input: request.input,
        metadata,
        msgBody: request.msgBody,
        now,
      });
      if (id === undefined) {
        throw new ApiError(
          'MediaAlreadyExists',
          `MediaId "${mediaId}" already exists in search library "${request.library}"; use UpdateMediaToSearchLib to change it or choose another MediaId.`,
        );
      }
      this.store.jobs.enqueue(id, 'ingest', now);
      for (const indexType of this.store.libraries.activeIndexTypes(request.library)) {
        this.store.jobs.enqueue(id, indexType, now);
      }
    });
    this.scheduler.wake();
    return mediaId;
  }

  update(library: string, mediaId: string, namespace: string | undefined, msgBody: Record<string, unknown>): void {
    const asset = this.require(library, mediaId, namespace);
    const metadata = parseMsgBody(msgBody);
    this.store.assets.updateMetadata(asset.id, metadata, { ...asset.msgBody, ...msgBody }, this.now());
  }

  /** Deletes the asset, its jobs (running ones are aborted) and the files mediasearch made for it. */
  async delete(library: string, mediaId: string, namespace: string | undefined): Promise<void> {
    const asset = this.require(library, mediaId, namespace);
    this.scheduler.cancelAsset(asset.id);
    this.store.assets.delete(asset.id);
    await this.files.removeAssetFiles(asset.id, asset.input);
  }

  /** The index jobs of an asset (the internal ingest job is folded into their status). */
  jobs(library: string, mediaId: string): { asset: Asset; jobs: Job[] } {
    const asset = this.require(library, mediaId, undefined);
    return { asset, jobs: this.store.jobs.forAsset(asset.id).filter((job) => job.kind !== 'ingest') };
  }

  /**
   * Re-runs the given index types (default: every active one) for the listed assets. An asset
   * whose file failed to ingest is fetched again first. Returns the MediaIds that do not exist.
   */
  rerun(library: string, mediaIds: readonly string[], tasks: readonly IndexType[], namespace: string | undefined): string[] {
    this.libraries.require(library);
    const indexTypes = tasks.length > 0 ? tasks : this.store.libraries.activeIndexTypes(library);
    for (const indexType of indexTypes) {
      if (!this.store.libraries.getIndex(library, indexType)) {
        throw invalidParameter('Task', `the search library "${library}" has no ${indexType} index; create it first.`);
      }
    }
    const missing: string[] = [];
    const superseded: number[] = [];
    const now = this.now();
    this.store.transaction(() => {
      for (const mediaId of mediaIds) {
        const asset = this.store.assets.get(library, mediaId);
        if (!asset || (namespace !== undefined && asset.namespace !== namespace)) {
          missing.push(mediaId);
          continue;
        }
        superseded.push(...this.store.jobs.runningFor(asset.id, indexTypes));
        if (asset.ingestState === 'failed') {
          this.store.assets.resetIngest(asset.id);
          this.store.jobs.enqueue(asset.id, 'ingest', now);
        }
        for (const indexType of indexTypes) this.store.jobs.enqueue(asset.id, indexType, now, { reindex: true });
      }
    });
    // Runs that were in flight are stale now: stop them (their outcome could not be recorded anyway).
    this.scheduler.cancelJobs(superseded);
    this.scheduler.wake();
    return missing;
  }

  /** Namespace isolates: a caller naming another namespace than the asset's cannot see it. */
  require(library: string, mediaId: string, namespace: string | undefined): Asset {
    this.libraries.require(library);
    const asset = this.store.assets.get(library, mediaId);
    if (!asset || (namespace !== undefined && asset.namespace !== namespace)) {
      throw new ApiError(
        'MediaNotFound',
        `MediaId "${mediaId}" does not exist in search library "${library}"${namespace !== undefined ? ` and namespace "${namespace}"` : ''}.`,
      );
    }
    return asset;
  }

  private checkInput(input: string): void {
    try {
      this.resolver.check(input);
    } catch (error) {
      if (error instanceof MediaError) throw invalidParameter('Input', `${error.message}.`);
      throw error;
    }
  }

  private requireUnclaimedUpload(input: string): void {
    const claimed = this.store.db.prepare('SELECT media_id, library FROM assets WHERE input = ? LIMIT 1').get(input) as
      | { media_id: string; library: string }
      | undefined;
    if (claimed) {
      throw invalidParameter(
        'Input',
        `${input} was already inserted as MediaId "${claimed.media_id}" in "${claimed.library}"; upload the file again for another asset.`,
      );
    }
  }
}
