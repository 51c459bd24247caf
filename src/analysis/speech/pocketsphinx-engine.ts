import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ProcessError, runProcess } from '../../media/run-process.js';
import { decodePcm, describeProcessFailure, normalisePcmLoudness, PCM_BYTES_PER_SECOND } from './pcm-audio.js';
import { DEFAULT_PIECE_OPTIONS, parsePocketsphinxTimes, wordsToPieces, type PieceOptions } from './pocketsphinx-output.js';
import type { SpeechEngine, Transcript } from './speech-engine.js';
import { findSpeechRegions, toSourceTimes, writeJoinedSpeech, type SpeechGate } from './speech-gate.js';

export interface PocketsphinxOptions {
  /** Program name or path; Debian's pocketsphinx package installs pocketsphinx_continuous. */
  binary?: string;
  /** Model folder as Debian's pocketsphinx-en-us lays it out: en-us/ (acoustic), en-us.lm.bin, cmudict-en-us.dict. */
  modelDir?: string;
  pieces?: PieceOptions;
}

export const DEFAULT_POCKETSPHINX_BINARY = 'pocketsphinx_continuous';
export const DEFAULT_POCKETSPHINX_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';

/** A pocketsphinx installation that was found complete. */
export interface PocketsphinxSetup {
  binary: string;
  acousticModel: string;
  languageModel: string;
  dictionary: string;
  pieces: PieceOptions;
}

export type PocketsphinxLookup = { ok: true; setup: PocketsphinxSetup } | { ok: false; problem: string };

/**
 * Loudness the audio is brought to before decoding (EBU R128 integrated, LUFS). pocketsphinx
 * normalises cepstra with a running mean that starts from the model's cmninit, which matches
 * fairly quiet speech: on full-scale audio the first utterance is mostly misrecognised until the
 * mean catches up. Measured on espeak-ng sentences, -30 LUFS got the first utterance right where
 * the unnormalised audio ("hello world" → "oh wow really") and -23 LUFS did not.
 */
const TARGET_LOUDNESS_LUFS = -30;

/**
 * Caps on the decoder's search (active HMMs and distinct word exits per 10 ms frame; the defaults
 * are 30000 and unlimited). On music and background noise the search explodes and decoding ran at
 * 2× real time; capped, the bench's three sound tracks (31 s of a room, 10 s of a stage song, 14 s
 * of a bird) took 2.2× less CPU. On 246 words of espeak-ng sentences, clean and with pink noise,
 * the transcripts stayed within one word of the uncapped ones (word error rate 0.382 → 0.390,
 * 0.179 → 0.187, 0.699 → 0.691). Tighter caps cost more: 5000 lost three words of the 120 and
 * 3000 a sixth of them; -topn 2/3, -ds 2 and narrower beams lost words for less speed.
 */
const SEARCH_LIMITS = ['-maxhmmpf', '6000', '-maxwpf', '20'];

/** Finds the pocketsphinx program and model files without running anything. */
export async function findPocketsphinx(options: PocketsphinxOptions = {}): Promise<PocketsphinxLookup> {
  const binaryName = options.binary ?? DEFAULT_POCKETSPHINX_BINARY;
  const binary = await findExecutable(binaryName);
  if (binary === null) return { ok: false, problem: `${binaryName} not found on PATH (Debian package: pocketsphinx)` };
  const modelDir = options.modelDir ?? DEFAULT_POCKETSPHINX_MODEL_DIR;
  const setup: PocketsphinxSetup = {
    binary,
    acousticModel: path.join(modelDir, 'en-us'),
    languageModel: path.join(modelDir, 'en-us.lm.bin'),
    dictionary: path.join(modelDir, 'cmudict-en-us.dict'),
    pieces: options.pieces ?? DEFAULT_PIECE_OPTIONS,
  };
  for (const file of [path.join(setup.acousticModel, 'mdef'), setup.languageModel, setup.dictionary]) {
    if (!(await readable(file))) {
      return { ok: false, problem: `model file ${file} is missing (Debian package: pocketsphinx-en-us)` };
    }
  }
  return { ok: true, setup };
}

/**
 * English speech recognition with CMU pocketsphinx (Debian's 0.8+5prealpha build) and its US
 * English model. ffmpeg first decodes the file's first audio stream to headerless 16 kHz mono
 * 16-bit PCM in a temporary folder (about 115 MB per hour). With a speech gate, Silero VAD then
 * keeps only the stretches with speech, joined end to end, and only those are brought to the
 * recogniser's loudness and decoded; word times are moved back to the file's clock.
 * pocketsphinx_continuous cuts its input into utterances at silences (its own VAD) and reports
 * word times and posteriors (`-time yes`). Streaming through a pipe instead is not possible from
 * Node: child stdio are socket pairs, which pocketsphinx cannot open as `-infile /dev/stdin`
 * (ENXIO). Recognition runs at roughly a third to a half of real time on one core.
 */
export class PocketsphinxEngine implements SpeechEngine {
  readonly name = 'pocketsphinx/en-us';
  readonly language = 'en-US';

  constructor(
    private readonly setup: PocketsphinxSetup,
    private readonly gate: SpeechGate | null = null,
  ) {}

  async transcribe(audioPath: string, options: { signal?: AbortSignal } = {}): Promise<Transcript> {
    const { signal } = options;
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'mediasearch-speech-'));
    const file = (name: string) => path.join(folder, name);
    try {
      // With a gate the loudness normalisation runs afterwards, on the speech alone (pcm-audio.ts).
      const normalise = this.gate === null ? { loudnessLufs: TARGET_LOUDNESS_LUFS } : {};
      if (!(await decodePcm(audioPath, file('audio.raw'), { ...normalise, ...(signal ? { signal } : {}) }))) {
        return { pieces: [], audioSeconds: 0, speechSeconds: 0 };
      }
      const audioSeconds = (await fs.stat(file('audio.raw'))).size / PCM_BYTES_PER_SECOND;
      if (this.gate === null) {
        const words = await this.recognise(file('audio.raw'), audioSeconds, signal);
        return { pieces: wordsToPieces(words, this.setup.pieces), audioSeconds, speechSeconds: audioSeconds };
      }
      const regions = await findSpeechRegions(file('audio.raw'), this.gate, signal);
      if (regions.length === 0) return { pieces: [], audioSeconds, speechSeconds: 0 };
      // Each intermediate file is removed once used: an hour of sound is ~115 MB in this format.
      const joined = await writeJoinedSpeech(file('audio.raw'), regions, file('speech.raw'), signal);
      await fs.rm(file('audio.raw'));
      await normalisePcmLoudness(file('speech.raw'), file('speech-normalised.raw'), TARGET_LOUDNESS_LUFS, signal);
      await fs.rm(file('speech.raw'));
      const utterances = await this.recognise(file('speech-normalised.raw'), joined.seconds, signal);
      const words = utterances.map((utterance) => toSourceTimes(utterance, joined));
      return { pieces: wordsToPieces(words, this.setup.pieces), audioSeconds, speechSeconds: joined.seconds };
    } finally {
      await fs.rm(folder, { recursive: true, force: true });
    }
  }

  private async recognise(pcm: string, seconds: number, signal: AbortSignal | undefined) {
    const { stdout } = await runProcess(
      this.setup.binary,
      [
        '-infile', pcm, '-time', 'yes',
        '-hmm', this.setup.acousticModel, '-lm', this.setup.languageModel, '-dict', this.setup.dictionary,
        ...SEARCH_LIMITS,
      ],
      // Far beyond its usual speed, so only a stuck decoder is stopped.
      { timeoutMs: 60_000 + 4 * seconds * 1000, signal },
    ).catch((error: unknown) => {
      signal?.throwIfAborted();
      if (!(error instanceof ProcessError)) throw error;
      throw new Error(`${path.basename(this.setup.binary)} failed: ${describeProcessFailure(error)}`, { cause: error });
    });
    return parsePocketsphinxTimes(stdout);
  }
}

async function findExecutable(name: string): Promise<string | null> {
  const candidates = name.includes('/')
    ? [path.resolve(name)]
    : (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, name));
  for (const candidate of candidates) {
    try {
      await fs.access(candidate, fs.constants.X_OK);
      if ((await fs.stat(candidate)).isFile()) return candidate;
    } catch {
      // not in this folder
    }
  }
  return null;
}

async function readable(file: string): Promise<boolean> {
  try {
    await fs.access(file, fs.constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
