import { findCuts, measureFrameChanges } from './shot-detector.js';
import { extractImageKeyframe, extractVideoKeyframes } from './keyframe-extractor.js';
import { imageSegments, planSegments, type SegmentPlanOptions } from './segment-planner.js';
import type { NewSegment } from '../../store/analysis-repository.js';
import type { MediaProbe } from '../../types.js';

export interface SegmentedMedia {
  /** Times where shots change (videos only). */
  cuts: number[];
  segments: NewSegment[];
}

/**
 * Cuts an asset into segments with keyframes written to `keyframeDir`: an image is one segment at
 * 0 whose keyframe is the upright picture; a video is split at its shot cuts and long shots are
 * split again; audio gets time segments without keyframes (its text comes from speech).
 */
export async function segmentMedia(
  source: string,
  probe: MediaProbe,
  keyframeDir: string,
  options: SegmentPlanOptions,
  signal?: AbortSignal,
): Promise<SegmentedMedia> {
  if (probe.kind === 'image') {
    const keyframe = await extractImageKeyframe(source, keyframeDir);
    const [plan] = imageSegments();
    return { cuts: [], segments: [{ seq: plan!.index, from: 0, to: 0, keyframes: [keyframe] }] };
  }
  const duration = probe.duration ?? 0;
  if (probe.kind === 'audio') {
    const plans = planSegments(duration, [], options);
    return { cuts: [], segments: plans.map((p) => ({ seq: p.index, from: p.from, to: p.to, keyframes: [] })) };
  }
  const cuts = findCuts(await measureFrameChanges(source, signal));
  const plans = planSegments(duration, cuts, options);
  const keyframes = await extractVideoKeyframes(source, plans.flatMap((p) => p.keyframeTimes), keyframeDir, signal);
  const byTime = new Map(keyframes.map((k) => [k.time, k]));
  return {
    cuts,
    segments: plans.map((p) => ({
      seq: p.index,
      from: p.from,
      to: p.to,
      keyframes: p.keyframeTimes.flatMap((t) => {
        const k = byTime.get(t);
        return k ? [k] : [];
      }),
    })),
  };
}
