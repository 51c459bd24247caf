import fs from 'node:fs';
import { MediaError } from '../../media/media-error.js';
import { ProcessError, runProcess } from '../../media/run-process.js';

/**
 * The one audio format of the speech path: headerless signed 16-bit little-endian mono PCM at
 * 16 kHz (about 115 MB an hour), which pocketsphinx reads and Silero VAD expects.
 */
export const PCM_SAMPLE_RATE = 16_000;
export const PCM_BYTES_PER_SAMPLE = 2;
export const PCM_BYTES_PER_SECOND = PCM_SAMPLE_RATE * PCM_BYTES_PER_SAMPLE;

const PCM_OUTPUT = ['-ac', '1', '-ar', String(PCM_SAMPLE_RATE), '-f', 's16le'];
const PCM_INPUT = ['-f', 's16le', '-ar', String(PCM_SAMPLE_RATE), '-ac', '1'];
const FFMPEG_TIMEOUT_MS = 30 * 60_000;

function loudnorm(lufs: number): string[] {
  return ['-af', `loudnorm=I=${lufs}`];
}

/**
 * Writes the first audio stream of a file as PCM, brought to `loudnessLufs` (EBU R128 integrated)
 * when given; false when the file has no audio stream (a silent video has nothing to transcribe,
 * which is not an error).
 */
export async function decodePcm(
  input: string,
  output: string,
  options: { loudnessLufs?: number; signal?: AbortSignal } = {},
): Promise<boolean> {
  const { loudnessLufs, signal } = options;
  try {
    await runProcess(
      'ffmpeg',
      [
        '-nostdin', '-v', 'error', '-y', '-i', input, '-map', '0:a:0', '-vn', '-sn', '-dn',
        ...(loudnessLufs === undefined ? [] : loudnorm(loudnessLufs)), ...PCM_OUTPUT, output,
      ],
      { timeoutMs: FFMPEG_TIMEOUT_MS, signal },
    );
    return true;
  } catch (error) {
    signal?.throwIfAborted();
    if (!(error instanceof ProcessError)) throw error;
    if (/matches no streams/.test(error.stderr)) return false;
    throw mediaError('ffmpeg could not decode the audio', error);
  }
}

/**
 * Brings a PCM file to `loudnessLufs`. ffmpeg's loudnorm works at 192 kHz inside and costs more
 * than decoding (~0.75 s of CPU per 30 s of sound), so the speech path runs it on speech alone.
 */
export async function normalisePcmLoudness(input: string, output: string, loudnessLufs: number, signal?: AbortSignal): Promise<void> {
  await runProcess(
    'ffmpeg',
    ['-nostdin', '-v', 'error', '-y', ...PCM_INPUT, '-i', input, ...loudnorm(loudnessLufs), ...PCM_OUTPUT, output],
    { timeoutMs: FFMPEG_TIMEOUT_MS, signal },
  ).catch((error: unknown) => {
    signal?.throwIfAborted();
    if (!(error instanceof ProcessError)) throw error;
    throw mediaError('ffmpeg could not normalise the speech audio', error);
  });
}

/** A missing ffmpeg or one that ran out of time says nothing about the file: those are retried. */
function mediaError(what: string, error: ProcessError): MediaError {
  return new MediaError(`${what}: ${describeProcessFailure(error)}`, { retryable: error.exitCode === null, cause: error });
}

/**
 * What went wrong, in one line: the runner's own message when the program was missing or stopped,
 * else the last ERROR/FATAL line of its log (pocketsphinx logs mostly INFO) or its last line.
 */
export function describeProcessFailure(error: ProcessError): string {
  if (error.exitCode === null) return error.message;
  const lines = error.stderr.trim().split('\n').filter((line) => line.trim().length > 0);
  const meaningful = lines.filter((line) => /^(ERROR|FATAL)\b/.test(line.trim()));
  return (meaningful[meaningful.length - 1] ?? lines[lines.length - 1] ?? 'no error output').trim();
}

/** Whole blocks of `size` samples of a PCM file, in order, read in chunks (a last partial block is left out). */
export async function* pcmBlocks(pcmFile: string, size: number, signal?: AbortSignal): AsyncGenerator<Int16Array> {
  const blockBytes = size * PCM_BYTES_PER_SAMPLE;
  let pending = Buffer.alloc(0);
  for await (const chunk of fs.createReadStream(pcmFile, { highWaterMark: blockBytes * 64 }) as AsyncIterable<Buffer>) {
    signal?.throwIfAborted();
    const bytes = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    let offset = 0;
    for (; offset + blockBytes <= bytes.length; offset += blockBytes) {
      const block = new Int16Array(size);
      for (let i = 0; i < size; i++) block[i] = bytes.readInt16LE(offset + 2 * i);
      yield block;
    }
    pending = Buffer.from(bytes.subarray(offset));
  }
}
