import { analyseFaces } from './tasks/analyse-faces.js';
import { analyseKeyframeText } from './tasks/analyse-keyframe-text.js';
import { embedKeyframes } from './tasks/embed-keyframes.js';
import { transcribe } from './tasks/transcribe.js';
import { segmentMedia } from '../analysis/segments/segment-media.js';
import { probeMedia } from '../media/ffprobe.js';
import { probeImage } from '../media/image-probe.js';
import { writeThumbnail } from '../media/thumbnail.js';
import { encodeWorkerError, type PrepareMediaResult, type PrepareMediaTask, type WorkerTask } from './worker-tasks.js';

/**
 * Probe (sharp first for stills, so AVIF/HEIF count as images; ffprobe for the rest), thumbnail,
 * then segments and keyframes. A file of the wrong kind comes back without segments: the ingest
 * job rejects it with the reason, and no keyframes were cut for nothing.
 */
async function prepareMedia(task: PrepareMediaTask): Promise<PrepareMediaResult> {
  const probe = (await probeImage(task.path)) ?? (await probeMedia(task.path));
  if (task.expectedKind !== undefined && probe.kind !== task.expectedKind) {
    return { probe, thumbnail: false, cuts: [], segments: [] };
  }
  const thumbnail = await writeThumbnail(task.path, probe, task.thumbnailPath);
  const segmented = await segmentMedia(task.path, probe, task.keyframeDir, task.segmentation);
  return { probe, thumbnail, ...segmented };
}

/** Entry point of every worker thread (Piscina calls the default export once per task). */
export default async function runTask(task: WorkerTask): Promise<unknown> {
  try {
    switch (task.task) {
      case 'prepare-media':
        return await prepareMedia(task);
      case 'embed-keyframes':
        return await embedKeyframes(task);
      case 'analyse-faces':
        return await analyseFaces(task);
      case 'analyse-keyframe-text':
        return await analyseKeyframeText(task);
      case 'transcribe':
        return await transcribe(task);
    }
  } catch (error) {
    throw encodeWorkerError(error);
  }
}
