import type { TranscriptPiece } from '../types.js';
import { PocketsphinxEngine, findPocketsphinx, type PocketsphinxOptions } from './pocketsphinx-engine.js';
import type { SpeechGate } from './speech-gate.js';
import { DEFAULT_SPEECH_GATE_THRESHOLD } from './speech-regions.js';

/** What an engine heard in a file. */
export interface Transcript {
  /** In time order, in seconds of the file; [] when it has no audio or nothing was recognised. */
  pieces: TranscriptPiece[];
  /** Length of the decoded audio stream. */
  audioSeconds: number;
  /** How much of it the recogniser was given: all of it without a speech gate, else what the gate let through. */
  speechSeconds: number;
}

/**
 * A speech recogniser. Engines take any audio or video file ffmpeg can read and decode it
 * themselves, because each wants its own sample format.
 *
 * Adding sherpa-onnx (better accuracy, Chinese models): an engine class whose `transcribe` decodes
 * the file with ffmpeg to 16 kHz mono float PCM (`-f f32le -ac 1 -ar 16000 pipe:1`), feeds it to a
 * `sherpa-onnx-node` OfflineRecognizer built from a downloaded model directory (e.g. a Paraformer
 * or Whisper export: encoder/decoder .onnx + tokens.txt) in the chunks the speech gate finds
 * (speech-gate.ts), and maps each chunk's text and timestamps to TranscriptPieces. Its `find…` function returns null
 * when the npm package or the model directory is missing, and `selectSpeechEngine` tries it before
 * pocketsphinx under `engine: 'auto'`. Nothing else changes: callers only see this interface.
 */
export interface SpeechEngine {
  /** Engine and model, recorded with the transcript, e.g. "pocketsphinx/en-us". */
  readonly name: string;
  /** BCP 47 tag of the language the model recognises. */
  readonly language: string;
  /**
   * Transcript of the file's first audio stream. Rejects with a MediaError when ffmpeg cannot
   * decode the file.
   */
  transcribe(audioPath: string, options?: { signal?: AbortSignal }): Promise<Transcript>;
}

export type SpeechEngineName = 'pocketsphinx';

export interface SpeechConfig {
  /** Which engine to use: 'auto' (default) takes the first one installed, 'none' turns speech off. */
  engine?: 'auto' | 'none' | SpeechEngineName;
  pocketsphinx?: PocketsphinxOptions;
  /**
   * Speech probability (Silero VAD) from which audio reaches the recogniser; 0 turns the gate off
   * and everything is transcribed. Default 0.5.
   */
  gateThreshold?: number;
}


export type SpeechEngineChoice = { engine: SpeechEngine; reason: null } | { engine: null; reason: string };

export const NO_SPEECH_ENGINE_REASON =
  'no speech engine installed (install Debian\'s pocketsphinx and pocketsphinx-en-us packages for English transcripts)';

/**
 * The speech engine to use, or null with a sentence saying why there is none, for the job log
 * ("transcripts skipped: …"). Only checks that the programs and model files are present; it does
 * not run them.
 */
export async function selectSpeechEngine(config: SpeechConfig = {}): Promise<SpeechEngineChoice> {
  const wanted = config.engine ?? 'auto';
  if (wanted === 'none') return { engine: null, reason: 'speech recognition is turned off' };
  const found = await findPocketsphinx(config.pocketsphinx);
  const threshold = config.gateThreshold ?? DEFAULT_SPEECH_GATE_THRESHOLD;
  const gate: SpeechGate | null = threshold > 0 ? { threshold } : null;
  if (found.ok) return { engine: new PocketsphinxEngine(found.setup, gate), reason: null };
  if (wanted === 'pocketsphinx') return { engine: null, reason: `pocketsphinx is not usable: ${found.problem}` };
  return { engine: null, reason: `${NO_SPEECH_ENGINE_REASON}; pocketsphinx: ${found.problem}` };
}
