import fs from 'node:fs/promises';
import { scaleTrackBoxes, uprightSize, writeFaceCrops } from '../../analysis/face/face-crops.js';
import type { FaceTrack } from '../../analysis/types.js';
import type { AnalysisConfig } from '../../config.js';
import { MediaError } from '../../media/media-error.js';
import type { FaceClusterer } from '../../services/face-clustering.js';
import type { FaceLabeller } from '../../services/face-labeller.js';
import type { MediaFiles } from '../../store/media-files.js';
import type { Store } from '../../store/store.js';
import type { JobHandler } from '../scheduler.js';
import type { WorkerPool } from '../worker-pool.js';
import type { Asset } from '../../types.js';

export interface FaceJobDeps {
  store: Store;
  pool: WorkerPool;
  analysis: AnalysisConfig;
  files: MediaFiles;
  labeller: FaceLabeller;
  clusterer: FaceClusterer;
}

/**
 * The face index: faces detected on the image, or on frames sampled from the video at the
 * configured rate, described, and linked into tracks that are stored with their per-timestamp
 * boxes (in the upright source's pixels) and a representative embedding. Then, without more
 * analysis: a face crop per track, registered persons attached (FaceLabeller) and the tracks
 * placed into the library's automatic persons (FaceClusterer).
 */
export function createFaceJob(deps: FaceJobDeps): JobHandler {
  return async (_job, asset, signal) => {
    if (asset.mediaType === 'audio') return { tracks: 0, note: 'an audio asset has no faces to find' };
    const probe = deps.store.assets.probe(asset.id);
    if (!asset.localPath || !probe) throw new MediaError('the asset has not been ingested', { retryable: true });
    const result = await deps.pool.run(
      { task: 'analyse-faces', path: asset.localPath, probe, fps: deps.analysis.faceSampleFps, gate: deps.analysis.faceGateScore, detector: deps.analysis.videoFaceDetector },
      signal,
    );
    if (signal.aborted) throw signal.reason;
    const upright = uprightSize(probe);
    const tracks = upright ? scaleTrackBoxes(result.tracks, result.frame, upright) : result.tracks;
    // Crops are written beside the current ones and swapped in only once the tracks they belong to
    // are stored: until then the old crops keep matching the old tracks (person covers).
    const faceDir = deps.files.faceDir(asset.id);
    const nextDir = `${faceDir}.next`;
    let crops: number;
    let stored: { labelled: number; persons: number };
    try {
      crops = await writeFaceCrops(asset.localPath, probe, tracks, nextDir, signal);
      signal.throwIfAborted();
      stored = storeTracks(deps, asset, tracks);
    } catch (error) {
      await fs.rm(nextDir, { recursive: true, force: true });
      throw error;
    }
    await fs.rm(faceDir, { recursive: true, force: true });
    await fs.rename(nextDir, faceDir);
    const { labelled, persons } = stored;
    return {
      tracks: tracks.length,
      framesSampled: result.framesSampled,
      framesAnalysed: result.framesAnalysed,
      detections: result.detections,
      usableDetections: result.usableDetections,
      faceCrops: crops,
      recognisedTracks: labelled,
      personsTouched: persons,
    };
  };
}

/**
 * Replaces the asset's tracks and, in the same transaction, labels them with registered persons
 * and places them into persons: before clustering, so a recognised track joins the person named
 * as its entity; and after, so a track that joined a named person carries that person's name.
 */
function storeTracks(deps: FaceJobDeps, asset: Asset, tracks: FaceTrack[]): { labelled: number; persons: number } {
  const library = deps.store.libraries.get(asset.library);
  return deps.store.transaction(() => {
    const previousPersons = deps.store.faces.personIdsOfAsset(asset.id);
    deps.store.analysis.replaceFaceTracks(asset.id, tracks);
    if (library) deps.labeller.labelAsset(library, asset.id);
    const touched = deps.clusterer.assignAsset(asset.library, asset.id);
    deps.clusterer.refresh(previousPersons);
    const labelled = library ? deps.labeller.labelAsset(library, asset.id) : 0;
    return { labelled, persons: new Set([...touched, ...previousPersons]).size };
  });
}
