import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { RequestAuthenticator } from './api/auth/request-authenticator.js';
import { FileUrlSigner } from './api/file-url-signer.js';
import { MediaFileUrls } from './api/media-file-urls.js';
import { buildServer } from './api/server.js';
import type { Config } from './config.js';
import { createAiLabelJob } from './jobs/handlers/ai-label-job.js';
import { createFaceJob } from './jobs/handlers/face-job.js';
import { createIngestJob } from './jobs/handlers/ingest-job.js';
import { createMmJob, modelNotInstalledMessage } from './jobs/handlers/mm-job.js';
import { JobScheduler } from './jobs/scheduler.js';
import { WorkerPool } from './jobs/worker-pool.js';
import { InputResolver } from './media/input-resolver.js';
import { createModelCatalog, type ModelCatalog } from './models/model-catalog.js';
import { isModelInstalled } from './models/model-paths.js';
import { MODEL_REGISTRY } from './models/registry.js';
import { AiLabelSearchService } from './services/ai-label-search-service.js';
import { LibraryService } from './services/library-service.js';
import { MediaQueryService } from './services/media-query-service.js';
import { MediaService } from './services/media-service.js';
import { backfillFaceTracks } from './services/face-backfill.js';
import { FaceClusterer } from './services/face-clustering.js';
import { FaceLabeller } from './services/face-labeller.js';
import { FacePhotoReader, poolFaceDetector } from './services/face-photo.js';
import { FaceSearchService } from './services/face-search-service.js';
import { PersonService } from './services/person-service.js';
import { RecognitionService } from './services/recognition-service.js';
import { DEFAULT_SEARCH_SETTINGS, SearchService } from './services/search-service.js';
import { QueryEncoder } from './search/query-encoder.js';
import { VectorIndexRegistry } from './search/vector-index-registry.js';
import { UploadService } from './services/upload-service.js';
import { MediaFiles } from './store/media-files.js';
import { Store } from './store/store.js';

const DAY_MS = 24 * 3600_000;

/** The whole server wired together: store, worker pool, scheduler, services and HTTP layer. */
export class App {
  readonly store: Store;
  readonly server: FastifyInstance;
  readonly scheduler: JobScheduler;
  readonly log: Logger;
  private readonly pool: WorkerPool;
  /**
   * Face photos of requests (SearchMediaByFace, CreateRecognitionSample) are analysed on a thread of
   * their own: in the main pool they would queue behind index jobs, minutes for a long video. It
   * starts on the first such request and ends when idle, so a server that never gets one pays nothing.
   */
  private readonly interactivePool: WorkerPool;
  private readonly uploads: UploadService;
  private readonly vectorIndexes: VectorIndexRegistry;
  readonly search: SearchService;
  private ready = false;
  private readonly backfillFaces: () => { libraries: number; tracks: number };
  private housekeeping: NodeJS.Timeout | undefined;

  readonly catalog: ModelCatalog;

  constructor(readonly config: Config, logger?: Logger, options: { catalog?: ModelCatalog } = {}) {
    this.catalog = options.catalog ?? createModelCatalog(MODEL_REGISTRY);
    this.log = logger ?? pino({ level: config.logLevel });
    fs.mkdirSync(config.dataDir, { recursive: true });
    this.store = Store.open(path.join(config.dataDir, 'mediasearch.db'));
    const files = new MediaFiles(config.dataDir);
    const resolver = new InputResolver({
      files,
      fileRoots: config.fileRoots,
      urlPolicy: config.urlPolicy,
    });
    this.pool = new WorkerPool(config.workers);
    this.interactivePool = new WorkerPool(1, { minThreads: 0, idleTimeoutMs: 5 * 60_000 });
    this.vectorIndexes = new VectorIndexRegistry(this.store.db, path.join(config.dataDir, 'vector-index'), this.log);
    const facePhotos = new FacePhotoReader({
      files,
      fileRoots: config.fileRoots,
      urlPolicy: config.urlPolicy,
      scratchDir: path.join(config.dataDir, 'tmp', 'face-photos'),
      detector: poolFaceDetector(this.interactivePool),
    });
    const recognition = new RecognitionService(this.store, facePhotos);
    const faceIndex = () => this.vectorIndexes.faceTracks();
    const labeller = new FaceLabeller(this.store, (library) => recognition.entitiesOfSearchLib(library), faceIndex);
    recognition.attachLabeller(labeller);
    const clusterer = new FaceClusterer(this.store);
    this.backfillFaces = () => backfillFaceTracks(this.store, labeller, clusterer);
    const ingest = createIngestJob({
      store: this.store,
      resolver,
      files,
      pool: this.pool,
      segmentation: {
        maxSegmentSeconds: config.analysis.segmentMaxSeconds,
        keyframeEverySeconds: config.analysis.keyframeEverySeconds,
      },
    });
    this.scheduler = new JobScheduler(
      this.store,
      {
        ingest,
        mm: createMmJob({ store: this.store, files, pool: this.pool, catalog: this.catalog, analysis: config.analysis }),
        face: createFaceJob({ store: this.store, pool: this.pool, analysis: config.analysis, files, labeller, clusterer }),
        aiLabel: createAiLabelJob({ store: this.store, files, pool: this.pool, analysis: config.analysis }),
      },
      { concurrency: config.workers * 2, maxAttempts: config.jobMaxAttempts, retryBaseMs: config.jobRetryBaseMs },
      this.log.child({ component: 'jobs' }),
    );
    const libraries = new LibraryService(this.store, this.scheduler, files);
    const media = new MediaService(this.store, libraries, this.scheduler, resolver, files);
    this.search = new SearchService(
      this.store,
      libraries,
      media,
      new QueryEncoder(this.catalog, config.analysis.modelDir),
      this.vectorIndexes,
      { ...DEFAULT_SEARCH_SETTINGS, minScore: config.searchMinScore, mmModel: config.analysis.mmModel },
      this.log.child({ component: 'search' }),
    );
    const urlSigner = FileUrlSigner.loadOrCreate(config.dataDir);
    const aiLabelSearch = new AiLabelSearchService(this.store, libraries, new MediaFileUrls(urlSigner));
    this.uploads = new UploadService(files, config.maxMediaBytes);
    libraries.ensureDefaultLibrary();
    this.server = buildServer({
      context: {
        libraries,
        media,
        aiLabelSearch,
        mediaQuery: new MediaQueryService(this.store, libraries),
        search: this.search,
        recognition,
        faceSearch: new FaceSearchService(this.store, libraries, media, facePhotos, faceIndex, config.faceSearchTokenTtlMs),
        persons: new PersonService(this.store, libraries, recognition, clusterer, labeller),
        faceLabeller: labeller,
      },
      authenticator: new RequestAuthenticator({ keys: config.accessKeys, maxClockSkewMs: config.maxClockSkewMs }),
      uploads: this.uploads,
      logger: this.log,
      isReady: () => this.ready,
      health: () => ({ jobs: this.store.jobs.countsByState(), workers: config.workers }),
      mediaFiles: { store: this.store, files, signer: urlSigner },
      publicUrl: config.publicUrl,
    });
  }

  /** Resumes interrupted jobs and starts listening; returns the address actually bound. */
  async start(): Promise<string> {
    await this.retryJobsOfInstalledModel();
    const backfilled = this.backfillFaces();
    if (backfilled.tracks > 0) this.log.info(backfilled, 'labelled and clustered face tracks stored before persons existed');
    this.scheduler.start();
    this.vectorIndexes.start();
    this.housekeeping = setInterval(() => this.removeStaleUploads(), 3600_000).unref();
    this.removeStaleUploads();
    const address = await this.server.listen({ host: this.config.host, port: this.config.port });
    this.ready = true;
    return address;
  }

  /** Graceful shutdown: refuse new calls, let jobs finish or re-queue them, close the store. */
  async stop(): Promise<void> {
    this.ready = false;
    clearInterval(this.housekeeping);
    await this.server.close();
    await this.scheduler.stop(this.config.shutdownGraceMs);
    await this.pool.close();
    await this.interactivePool.close();
    await this.search.close();
    await this.vectorIndexes.close();
    this.store.close();
  }

  /**
   * mm jobs that failed because the model was missing run again once it is installed: pulling the
   * model and restarting is all a user has to do.
   */
  private async retryJobsOfInstalledModel(): Promise<void> {
    const spec = this.catalog.find(this.config.analysis.mmModel);
    if (!spec || !(await isModelInstalled(this.config.analysis.modelDir, spec))) {
      this.log.warn(
        { model: this.config.analysis.mmModel, modelDir: this.config.analysis.modelDir },
        `${modelNotInstalledMessage(this.config.analysis.mmModel)} — mm jobs will fail until then; everything else works`,
      );
      return;
    }
    const requeued = this.store.jobs.requeueFailed('mm', modelNotInstalledMessage(spec.name), Date.now());
    if (requeued > 0) this.log.info({ requeued, model: spec.name }, 'model installed: re-queued mm jobs that were waiting for it');
  }

  private removeStaleUploads(): void {
    const referenced = this.store.db.prepare('SELECT 1 FROM assets WHERE input = ? LIMIT 1');
    const removed = this.uploads.removeStale((input) => referenced.get(input) !== undefined, DAY_MS);
    if (removed > 0) this.log.info({ removed }, 'removed uploads that were never inserted');
  }
}
