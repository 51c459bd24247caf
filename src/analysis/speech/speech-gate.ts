import fs from 'node:fs/promises';
import { DEFAULT_SPEECH_REGION_OPTIONS, JoinedSpeech, speechRegions, type SpeechRegion } from './speech-regions.js';
import { sharedVoiceActivityDetector, VAD_FRAME_SECONDS, VAD_SAMPLE_RATE } from './voice-activity.js';

/**
 * The cheap gate in front of speech recognition: Silero VAD marks where someone speaks and only
 * those stretches (padded) reach the recogniser, joined end to end. On the shared videos a room
 * recording with no speech in it cost pocketsphinx 7 s of CPU for 31 s of sound and gave eleven
 * one-word guesses; the gate passes 2.5 s of it (docs/benchmarks/speech.md measures what it
 * keeps and loses).
 */
export interface SpeechGate {
  /** Speech probability at which a region starts (Silero's own default is 0.5). */
  threshold: number;
}

const BYTES_PER_SAMPLE = 2;
const COPY_SLICE_BYTES = 1 << 20;

/** Speech regions of a 16 kHz mono s16le file. */
export async function findSpeechRegions(pcmFile: string, gate: SpeechGate, signal?: AbortSignal): Promise<SpeechRegion[]> {
  const vad = await sharedVoiceActivityDetector();
  const probabilities = await vad.fileProbabilities(pcmFile, signal);
  const threshold = gate.threshold;
  return speechRegions(probabilities, VAD_FRAME_SECONDS, {
    ...DEFAULT_SPEECH_REGION_OPTIONS,
    threshold,
    releaseThreshold: Math.max(0.01, threshold - (DEFAULT_SPEECH_REGION_OPTIONS.threshold - DEFAULT_SPEECH_REGION_OPTIONS.releaseThreshold)),
  });
}

/** Writes the regions of a 16 kHz mono s16le file one after another into `output`. */
export async function writeJoinedSpeech(pcmFile: string, regions: readonly SpeechRegion[], output: string): Promise<JoinedSpeech> {
  const source = await fs.open(pcmFile, 'r');
  const target = await fs.open(output, 'w');
  const slice = Buffer.alloc(COPY_SLICE_BYTES);
  try {
    for (const region of regions) {
      const start = Math.round(region.from * VAD_SAMPLE_RATE) * BYTES_PER_SAMPLE;
      const end = Math.round(region.to * VAD_SAMPLE_RATE) * BYTES_PER_SAMPLE;
      // In slices, so an hour of continuous speech is never in memory at once.
      for (let at = start; at < end; at += COPY_SLICE_BYTES) {
        const { bytesRead } = await source.read(slice, 0, Math.min(COPY_SLICE_BYTES, end - at), at);
        if (bytesRead === 0) break;
        await target.write(slice, 0, bytesRead);
      }
    }
  } finally {
    await source.close();
    await target.close();
  }
  return new JoinedSpeech(regions);
}

/** Word or piece times heard in the joined audio, moved back to the source's clock (both ends in the region of the start). */
export function toSourceTimes<T extends { from: number; to: number }>(items: readonly T[], joined: JoinedSpeech): T[] {
  return items.map((item) => {
    const region = joined.regionAt(item.from);
    return { ...item, from: milliseconds(joined.sourceTime(item.from, region)), to: milliseconds(joined.sourceTime(item.to, region)) };
  });
}

/** Rounded to the millisecond, which the recogniser's 10 ms frames do not go below anyway. */
function milliseconds(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
