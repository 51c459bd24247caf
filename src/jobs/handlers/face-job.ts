import type { AnalysisConfig } from '../../config.js';
import { MediaError } from '../../media/media-error.js';
import type { Store } from '../../store/store.js';
import type { JobHandler } from '../scheduler.js';
import type { WorkerPool } from '../worker-pool.js';

/**
 * The face index: faces detected on the image, or on frames sampled from the video at the
 * configured rate, described, and linked into tracks that are stored with their per-timestamp
 * boxes and a representative embedding.
 */
export function createFaceJob(deps: { store: Store; pool: WorkerPool; analysis: AnalysisConfig }): JobHandler {
  return async (_job, asset, signal) => {
    if (asset.mediaType === 'audio') return { tracks: 0, note: 'an audio asset has no faces to find' };
    const probe = deps.store.assets.probe(asset.id);
    if (!asset.localPath || !probe) throw new MediaError('the asset has not been ingested', { retryable: true });
    const result = await deps.pool.run(
      { task: 'analyse-faces', path: asset.localPath, probe, fps: deps.analysis.faceSampleFps, gate: deps.analysis.faceGateScore },
      signal,
    );
    if (signal.aborted) throw signal.reason;
    deps.store.analysis.replaceFaceTracks(asset.id, result.tracks);
    return {
      tracks: result.tracks.length,
      framesSampled: result.framesSampled,
      framesAnalysed: result.framesAnalysed,
      detections: result.detections,
      usableDetections: result.usableDetections,
    };
  };
}
