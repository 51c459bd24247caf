import fs from 'node:fs/promises';
import type { InputResolver } from '../../media/input-resolver.js';
import { MediaError } from '../../media/media-error.js';
import type { MediaFiles } from '../../store/media-files.js';
import type { Store } from '../../store/store.js';
import type { SegmentPlanOptions } from '../../analysis/segments/segment-planner.js';
import type { JobHandler } from '../scheduler.js';
import type { WorkerPool } from '../worker-pool.js';

/**
 * The first job of every asset: bring the file here, confirm it is decodable media of the declared
 * type, cut a thumbnail, and split it into segments with keyframes. The index jobs wait for it, so
 * a file is fetched and decoded for segmentation once, whichever analysers run after.
 */
export function createIngestJob(deps: {
  store: Store;
  resolver: InputResolver;
  files: MediaFiles;
  pool: WorkerPool;
  segmentation: SegmentPlanOptions;
}): JobHandler {
  return async (_job, asset, signal) => {
    const assetDir = deps.files.assetDir(asset.id);
    await fs.mkdir(assetDir, { recursive: true });
    const localPath = await deps.resolver.materialise(asset.input, assetDir, signal);
    const { size } = await fs.stat(localPath);
    const thumbnailPath = deps.files.thumbnailPath(asset.id);
    const keyframeDir = deps.files.keyframeDir(asset.id);
    const { probe, thumbnail, cuts, segments } = await deps.pool.run(
      {
        task: 'prepare-media',
        path: localPath,
        thumbnailPath,
        keyframeDir,
        segmentation: deps.segmentation,
        expectedKind: asset.mediaType,
      },
      signal,
    );
    if (probe.kind !== asset.mediaType) {
      throw new MediaError(
        `the asset was inserted with MediaType=${asset.mediaType}${asset.mediaType === 'video' ? ' (the default)' : ''} ` +
          `but the file is ${probe.kind === 'video' ? 'a' : 'an'} ${probe.kind} (${probe.formatName}); ` +
          `delete it and insert it again with MediaType=${probe.kind}`,
      );
    }
    if (signal.aborted) throw signal.reason;
    deps.store.transaction(() => {
      deps.store.assets.markIngested(asset.id, {
        localPath,
        fileSize: size,
        probe,
        thumbnail: thumbnail ? thumbnailPath : null,
      });
      deps.store.analysis.replaceSegments(asset.id, segments);
    });
    return {
      bytes: size,
      format: probe.formatName,
      duration: probe.duration,
      width: probe.width,
      height: probe.height,
      cuts,
      segments: segments.length,
      keyframes: segments.reduce((n, s) => n + s.keyframes.length, 0),
    };
  };
}
