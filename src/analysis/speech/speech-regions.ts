/** A stretch of the audio, in seconds from its start, that holds speech. */
export interface SpeechRegion {
  from: number;
  to: number;
}

export interface SpeechRegionOptions {
  /** A frame at or above this speech probability starts speech. */
  threshold: number;
  /** Speech ends after frames below this probability (hysteresis, so a dip mid-word does not split). */
  releaseThreshold: number;
  /** Speech shorter than this is dropped (clicks, a cough). */
  minSpeechSeconds: number;
  /** Below-release stretches shorter than this do not end speech. */
  minSilenceSeconds: number;
  /** Kept on each side of the speech, so the recogniser hears the onset and the tail of the words. */
  paddingSeconds: number;
}

/**
 * Silero VAD's own defaults for its timestamps (threshold 0.5, release 0.15 lower, at least 250 ms
 * of speech, 100 ms of silence to end it: two of our 96 ms frames), with wider padding:
 * pocketsphinx's utterance detector and cepstral mean want some quiet around the words, and
 * 0.4 s on each side cost little.
 */
export const DEFAULT_SPEECH_REGION_OPTIONS: SpeechRegionOptions = {
  threshold: 0.5,
  releaseThreshold: 0.35,
  minSpeechSeconds: 0.25,
  minSilenceSeconds: 0.1,
  paddingSeconds: 0.4,
};

/** Speech probability from which audio reaches the recogniser, unless configured otherwise. */
export const DEFAULT_SPEECH_GATE_THRESHOLD = DEFAULT_SPEECH_REGION_OPTIONS.threshold;

/**
 * Speech regions from per-frame speech probabilities (frame i covers [i·frameSeconds,
 * (i+1)·frameSeconds)), padded, clipped to the audio and merged where the padding meets.
 */
export function speechRegions(
  probabilities: ArrayLike<number>,
  frameSeconds: number,
  options: SpeechRegionOptions = DEFAULT_SPEECH_REGION_OPTIONS,
): SpeechRegion[] {
  const duration = probabilities.length * frameSeconds;
  const raw: SpeechRegion[] = [];
  let start: number | null = null;
  let quietSince: number | null = null;
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i]!;
    const t = i * frameSeconds;
    if (start === null) {
      if (p >= options.threshold) start = t;
      continue;
    }
    if (p >= options.releaseThreshold) {
      quietSince = null;
      continue;
    }
    quietSince ??= t;
    if (t + frameSeconds - quietSince >= options.minSilenceSeconds) {
      raw.push({ from: start, to: quietSince });
      start = null;
      quietSince = null;
    }
  }
  if (start !== null) raw.push({ from: start, to: quietSince ?? duration });

  const merged: SpeechRegion[] = [];
  for (const region of raw) {
    if (region.to - region.from < options.minSpeechSeconds) continue;
    const from = Math.max(0, region.from - options.paddingSeconds);
    const to = Math.min(duration, region.to + options.paddingSeconds);
    const last = merged[merged.length - 1];
    if (last && from <= last.to) last.to = Math.max(last.to, to);
    else merged.push({ from, to });
  }
  return merged;
}

/**
 * The regions laid end to end, as the recogniser hears them, and the way back: a time in the
 * joined audio maps to the source time of the same sample.
 */
export class JoinedSpeech {
  /** Start of each region in the joined audio. */
  private readonly starts: number[] = [];
  readonly seconds: number;

  constructor(readonly regions: readonly SpeechRegion[]) {
    let at = 0;
    for (const region of regions) {
      this.starts.push(at);
      at += region.to - region.from;
    }
    this.seconds = at;
  }

  /** The region a joined time falls in (the last one at a boundary's end, the first before it). */
  regionAt(joinedTime: number): number {
    let index = 0;
    for (let i = 0; i < this.starts.length; i++) if (this.starts[i]! <= joinedTime) index = i;
    return index;
  }

  /** Source time of a joined time, inside region `index` (clamped to it). */
  sourceTime(joinedTime: number, index = this.regionAt(joinedTime)): number {
    const region = this.regions[index];
    if (!region) return joinedTime;
    const offset = Math.min(Math.max(joinedTime - this.starts[index]!, 0), region.to - region.from);
    return region.from + offset;
  }
}
