import { runProcess } from '../../media/run-process.js';

/** One frame's difference to its predecessor, as ffmpeg's `scene` score (0 = same, 1 = unrelated). */
export interface FrameChange {
  time: number;
  score: number;
}

export interface ShotDetectionOptions {
  /** A change at least this large is always a cut. */
  hardThreshold: number;
  /** A change below this is never a cut (noise, flashes in dark footage). */
  minScore: number;
  /** A change in between is a cut when it is this many times the mean change around it. */
  contrastRatio: number;
  /** Half-width of the neighbourhood, in frames, that the mean change is taken over. */
  window: number;
  /** Cuts closer than this (seconds) to the previous cut are dropped: no shot is shorter. */
  minShotSeconds: number;
}

/**
 * Defaults chosen on the shared test videos (score / ratio to the mean of ±15 frames):
 * cityCC0.mpg's cut 0.41 / 69×; the three cuts of short_hamilton_clip.mp4 (dark stage footage)
 * only 0.20-0.25 but 13-21×; the handheld one-shot cockatoo.mp4 has motion spikes of 0.19 / 6.8×
 * and 0.15 / 4.3× that are not cuts. No fixed threshold separates those; an isolated spike against
 * its neighbourhood does (the idea of PySceneDetect's adaptive detector), with 10× between 6.8 and
 * 12.8. `npm run bench:ingest` prints the cuts found in every shared video.
 */
export const DEFAULT_SHOT_DETECTION: ShotDetectionOptions = {
  hardThreshold: 0.4,
  minScore: 0.12,
  contrastRatio: 10,
  window: 15,
  minShotSeconds: 0.5,
};

/**
 * Frame-to-frame change scores of a video, one ffmpeg pass on a downscaled picture. Only cuts are
 * wanted from it, not pictures, so it is made cheap: the decoder skips its deblocking filter (H.264
 * and the like; others ignore the option) and the picture is scaled to 160 px wide (area
 * averaging, so a 1080p or 4K frame does not alias into flicker). On the shared videos that took
 * about a third off the pass's CPU (2.9 → 1.8–2.1 s in one-off timings, the same cuts) and the margins stayed as
 * they were: cuts at 97× (cityCC0) and 13–23× (Hamilton) their neighbourhood's mean, cockatoo's
 * largest non-cut spike at 8.2× (8.3× at 320 px bicubic) against the 10× threshold.
 */
export async function measureFrameChanges(file: string, signal?: AbortSignal): Promise<FrameChange[]> {
  const { stdout } = await runProcess(
    'ffmpeg',
    [
      '-nostdin', '-v', 'error', '-skip_loop_filter', 'all', '-i', file, '-an', '-sn', '-dn',
      '-vf', "scale=160:-2:flags=area,select='gte(scene,0)',metadata=print:key=lavfi.scene_score:file=-",
      '-f', 'null', '-',
    ],
    { timeoutMs: 30 * 60_000, signal, maxStdoutBytes: 512 * 1024 * 1024 },
  );
  return parseFrameChanges(stdout);
}

/** Parses `metadata=print` output: a "frame:N pts:P pts_time:T" line, then "lavfi.scene_score=S". */
export function parseFrameChanges(output: string): FrameChange[] {
  const changes: FrameChange[] = [];
  let time: number | null = null;
  for (const line of output.split('\n')) {
    const at = line.indexOf('pts_time:');
    if (at >= 0) {
      time = Number.parseFloat(line.slice(at + 9));
      continue;
    }
    if (time !== null && line.startsWith('lavfi.scene_score=')) {
      const score = Number.parseFloat(line.slice('lavfi.scene_score='.length));
      if (Number.isFinite(time) && Number.isFinite(score)) changes.push({ time, score });
      time = null;
    }
  }
  return changes;
}

/** Times (seconds) where a new shot starts, in order. */
export function findCuts(changes: FrameChange[], options: ShotDetectionOptions = DEFAULT_SHOT_DETECTION): number[] {
  const cuts: number[] = [];
  const firstTime = changes[0]?.time ?? 0;
  for (let i = 0; i < changes.length; i++) {
    const { time, score } = changes[i]!;
    if (score < options.minScore) continue;
    let isCut = score >= options.hardThreshold;
    if (!isCut) {
      let sum = 0;
      let count = 0;
      for (let j = Math.max(0, i - options.window); j <= Math.min(changes.length - 1, i + options.window); j++) {
        if (j === i) continue;
        sum += changes[j]!.score;
        count += 1;
      }
      const around = count > 0 ? sum / count : 0;
      isCut = score >= options.contrastRatio * Math.max(around, 1e-3);
    }
    if (!isCut) continue;
    const previous = cuts.length > 0 ? cuts[cuts.length - 1]! : firstTime;
    if (time - previous < options.minShotSeconds) {
      // Two cuts too close: keep the stronger one.
      if (cuts.length > 0 && score > scoreAt(changes, previous)) cuts[cuts.length - 1] = time;
      continue;
    }
    cuts.push(time);
  }
  return cuts;
}

function scoreAt(changes: FrameChange[], time: number): number {
  return changes.find((c) => c.time === time)?.score ?? 0;
}
