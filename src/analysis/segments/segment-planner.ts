import type { SegmentPlan } from '../types.js';

export interface SegmentPlanOptions {
  /** Longest segment; longer shots are split into equal pieces no longer than this. */
  maxSegmentSeconds: number;
  /** One keyframe per this many seconds of segment (at least one per segment). */
  keyframeEverySeconds: number;
}

export const DEFAULT_SEGMENT_PLAN: SegmentPlanOptions = { maxSegmentSeconds: 10, keyframeEverySeconds: 5 };

/**
 * Turns shot cuts into segments. A long shot is split into equal pieces (not a 10 s piece plus a
 * 0.3 s sliver), so every segment has a representative length. Keyframes sit at the centres of equal
 * sub-intervals: a centre frame is away from the cut, where dissolves and motion blur live.
 */
export function planSegments(duration: number, cuts: number[], options: SegmentPlanOptions = DEFAULT_SEGMENT_PLAN): SegmentPlan[] {
  const end = Math.max(duration, 0);
  const bounds = [0, ...cuts.filter((t) => t > 0 && t < end), end];
  const segments: SegmentPlan[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const from = bounds[i]!;
    const to = bounds[i + 1]!;
    if (to - from <= 0) continue;
    const pieces = Math.max(1, Math.ceil((to - from) / options.maxSegmentSeconds - 1e-9));
    const pieceLength = (to - from) / pieces;
    for (let p = 0; p < pieces; p++) {
      const pieceFrom = from + p * pieceLength;
      const pieceTo = p === pieces - 1 ? to : pieceFrom + pieceLength;
      segments.push({
        index: segments.length,
        from: round3(pieceFrom),
        to: round3(pieceTo),
        keyframeTimes: keyframeTimes(pieceFrom, pieceTo, options.keyframeEverySeconds),
      });
    }
  }
  if (segments.length === 0) segments.push({ index: 0, from: 0, to: round3(end), keyframeTimes: [0] });
  return segments;
}

/** An image is one segment at t=0 with its only keyframe at 0. */
export function imageSegments(): SegmentPlan[] {
  return [{ index: 0, from: 0, to: 0, keyframeTimes: [0] }];
}

function keyframeTimes(from: number, to: number, every: number): number[] {
  const count = Math.max(1, Math.round((to - from) / every));
  const step = (to - from) / count;
  return Array.from({ length: count }, (_, k) => round3(from + (k + 0.5) * step));
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
