import path from 'node:path';
import type { AnalysisConfig } from '../../config.js';
import { MediaError } from '../../media/media-error.js';
import type { ModelCatalog } from '../../models/model-catalog.js';
import { isModelInstalled } from '../../models/model-paths.js';
import type { MediaFiles } from '../../store/media-files.js';
import type { Store } from '../../store/store.js';
import type { JobHandler } from '../scheduler.js';
import type { WorkerPool } from '../worker-pool.js';

/** Keyframes per worker task: small enough that cancelling a long video stops within seconds. */
const KEYFRAMES_PER_TASK = 32;

/** The message of an mm job that failed for want of model files (App re-queues these after a pull). */
export function modelNotInstalledMessage(model: string): string {
  return `model ${model} not installed; run \`mediasearch models pull ${model}\``;
}

/**
 * The mm index: embeds every keyframe of the asset with the configured visual-language model and
 * stores the vectors with the model's name. A library never silently mixes models: while it holds
 * vectors of another model, only a job queued by SearchIndexJobRerun (a deliberate re-index) may
 * write vectors of the configured one.
 */
export function createMmJob(deps: {
  store: Store;
  files: MediaFiles;
  pool: WorkerPool;
  catalog: ModelCatalog;
  analysis: AnalysisConfig;
}): JobHandler {
  return async (job, asset, signal) => {
    const keyframes = deps.store.analysis.keyframes(asset.id);
    if (keyframes.length === 0) {
      return { model: null, vectors: 0, note: `a${asset.mediaType === 'audio' ? 'n audio' : ''} asset without pictures has nothing to embed` };
    }
    const name = deps.analysis.mmModel;
    const spec = deps.catalog.find(name);
    if (!spec) {
      throw new MediaError(
        `the configured model ${name} (MEDIASEARCH_MM_MODEL) is not a known model; known: ${deps.catalog.models.map((m) => m.name).join(', ')}`,
      );
    }
    if (!(await isModelInstalled(deps.analysis.modelDir, spec))) throw new MediaError(modelNotInstalledMessage(spec.name));

    const others = deps.store.analysis.vectorModelsInLibrary(asset.library, asset.id).filter((m) => m.model !== spec.name);
    if (others.length > 0 && !job.reindex) {
      const [held] = others;
      throw new MediaError(
        `the search library ${asset.library} holds ${held!.vectors} vectors of model ${held!.model} (${held!.dim}-d) ` +
          `but the server is configured with ${spec.name} (${spec.dimension}-d); re-index the library's media with ` +
          `SearchIndexJobRerun (Task=mm) to switch models, or set MEDIASEARCH_MM_MODEL=${held!.model}`,
      );
    }

    const folder = deps.files.keyframeDir(asset.id);
    const vectors: Float32Array[] = [];
    for (let start = 0; start < keyframes.length; start += KEYFRAMES_PER_TASK) {
      const batch = keyframes.slice(start, start + KEYFRAMES_PER_TASK);
      const result = await deps.pool.run(
        { task: 'embed-keyframes', spec, modelDir: deps.analysis.modelDir, files: batch.map((k) => path.join(folder, k.file)) },
        signal,
      );
      if (result.dimension !== spec.dimension) {
        throw new MediaError(`model ${spec.name} produced ${result.dimension}-d vectors, the registry says ${spec.dimension}`);
      }
      vectors.push(...result.vectors);
    }
    if (signal.aborted) throw signal.reason;
    deps.store.analysis.replaceKeyframeVectors(
      asset.id,
      spec.name,
      keyframes.map((k, i) => ({ keyframeId: k.id, segmentId: k.segmentId, vector: vectors[i]! })),
    );
    return { model: spec.name, dimension: spec.dimension, vectors: vectors.length };
  };
}
