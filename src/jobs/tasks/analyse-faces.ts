import { analyseImageFaces, analyseVideoFaces } from '../../analysis/face/analyse-faces.js';
import type { AnalyseFacesResult, AnalyseFacesTask } from '../worker-tasks.js';

/**
 * Video frames are sampled at most this large: SSD looks at 512×512 anyway, and the recogniser
 * crops faces from the sampled frame, so more pixels would only help faces too small to match.
 */
const VIDEO_FRAME_MAX_SIDE = 960;

export async function analyseFaces(task: AnalyseFacesTask, signal?: AbortSignal): Promise<AnalyseFacesResult> {
  const analysis =
    task.probe.kind === 'image'
      ? await analyseImageFaces(task.path)
      : await analyseVideoFaces(task.path, task.probe, {
          fps: task.fps,
          maxSide: VIDEO_FRAME_MAX_SIDE,
          ...(task.gate === undefined ? {} : { gate: task.gate }),
          ...(task.detector === undefined ? {} : { analyser: { detector: task.detector } }),
          ...(signal ? { signal } : {}),
        });
  return {
    tracks: analysis.tracks,
    framesSampled: analysis.framesSampled,
    framesAnalysed: analysis.framesAnalysed,
    detections: analysis.detections.length,
    usableDetections: analysis.detections.filter((d) => d.usable).length,
    frame: analysis.frame,
  };
}
