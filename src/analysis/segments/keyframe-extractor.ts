import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { MediaError } from '../../media/media-error.js';
import { ProcessError, runProcess } from '../../media/run-process.js';

export const KEYFRAME_MAX_SIDE = 1024;
/** Keyframe times per ffmpeg process, bounding the length of the select expression. */
const TIMES_PER_PROCESS = 200;
/** Fit inside KEYFRAME_MAX_SIDE² without enlarging small videos. */
const SCALE_FILTER =
  `scale=w='min(${KEYFRAME_MAX_SIDE}\\,iw)':h='min(${KEYFRAME_MAX_SIDE}\\,ih)'` +
  ':force_original_aspect_ratio=decrease:force_divisible_by=2';

export interface ExtractedKeyframe {
  /** The time the keyframe was planned for. */
  time: number;
  /** The time of the frame actually decoded (the first frame at or after `time`). */
  frameTime: number;
  /** File name inside the keyframe folder. */
  file: string;
  width: number;
  height: number;
}

/**
 * Writes one JPEG per requested time (longest side ≤ KEYFRAME_MAX_SIDE, upright: ffmpeg applies
 * rotation metadata) in one sequential decode. Input seeking (`-ss` before `-i`) would be cheaper
 * but lands on garbage in files whose index marks non-IDR frames as keyframes (cockatoo.mp4 in the
 * shared data decodes green blocks after a seek), so a `select` filter picks the first frame at or
 * after each time instead. Times past the last frame yield no file and are left out.
 */
export async function extractVideoKeyframes(
  source: string,
  times: number[],
  folder: string,
  signal?: AbortSignal,
): Promise<ExtractedKeyframe[]> {
  await fs.mkdir(folder, { recursive: true });
  const sorted = [...new Set(times)].sort((a, b) => a - b);
  const extracted: ExtractedKeyframe[] = [];
  for (let start = 0; start < sorted.length; start += TIMES_PER_PROCESS) {
    const batch = sorted.slice(start, start + TIMES_PER_PROCESS);
    const prefix = `batch${start}-`;
    // metadata=print reports the time of every selected frame, in the order the files are written.
    const { stdout } = await runProcess(
      'ffmpeg',
      [
        '-nostdin', '-v', 'error', '-y', '-i', source, '-an', '-sn', '-dn',
        '-vf',
        `select='${selectExpression(batch)}',metadata=add:key=ms.keyframe:value=1,` +
          `metadata=print:key=ms.keyframe:file=-,` +
          SCALE_FILTER,
        '-fps_mode', 'passthrough', '-q:v', '3', path.join(folder, `${prefix}%05d.jpg`),
      ],
      { timeoutMs: 30 * 60_000, signal },
    ).catch((error: unknown) => {
      if (signal?.aborted) throw error;
      const reason = error instanceof ProcessError ? error.stderr.trim().split('\n').pop() : String(error);
      throw new MediaError(`ffmpeg could not decode the keyframes: ${reason ?? 'unknown error'}`, { cause: error });
    });
    const frameTimes = parseSelectedFrameTimes(stdout);
    const frames: { time: number; file: string; width: number; height: number }[] = [];
    for (let k = 0; k < frameTimes.length; k++) {
      const written = path.join(folder, `${prefix}${String(k + 1).padStart(5, '0')}.jpg`);
      const file = keyframeFileName(start + k);
      const meta = await sharp(written).metadata().catch(() => null);
      if (!meta?.width || !meta.height) break;
      await fs.rename(written, path.join(folder, file));
      frames.push({ time: frameTimes[k]!, file, width: meta.width, height: meta.height });
    }
    // Each requested time gets the first selected frame at or after it (or the stream's first frame).
    for (const time of batch) {
      const frame = frames.find((f) => f.time >= time - 1e-3) ?? (time < (frames[0]?.time ?? 0) ? frames[0] : undefined);
      if (frame) extracted.push({ time, frameTime: frame.time, file: frame.file, width: frame.width, height: frame.height });
    }
  }
  if (sorted.length > 0 && extracted.length === 0) {
    throw new MediaError('no frame of the video could be decoded for its keyframes');
  }
  return extracted;
}

/**
 * True for the first frame at or after each time: prev_t < T <= t. The first frame has no prev_t
 * (NaN) and is taken for every time before it: video streams may start late (the hamilton clip's
 * first picture is at 0.85 s) and a keyframe planned at 0.75 s must not vanish.
 */
function selectExpression(times: number[]): string {
  return times
    .map((time) => {
      const at = Math.max(0, time).toFixed(3);
      return `gte(t\\,${at})*(isnan(prev_t)+lt(prev_t\\,${at}))`;
    })
    .join('+');
}

/** The keyframe of an image: the picture itself, upright (EXIF orientation), as a bounded JPEG. */
export async function extractImageKeyframe(source: string, folder: string): Promise<ExtractedKeyframe> {
  await fs.mkdir(folder, { recursive: true });
  const file = keyframeFileName(0);
  try {
    const info = await sharp(source, { pages: 1 })
      .rotate()
      .resize({ width: KEYFRAME_MAX_SIDE, height: KEYFRAME_MAX_SIDE, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 88 })
      .toFile(path.join(folder, file));
    return { time: 0, frameTime: 0, file, width: info.width, height: info.height };
  } catch (error) {
    throw new MediaError(`the image could not be decoded: ${(error as Error).message}`, { cause: error });
  }
}

function keyframeFileName(index: number): string {
  return `${String(index).padStart(5, '0')}.jpg`;
}

function parseSelectedFrameTimes(output: string): number[] {
  const times: number[] = [];
  for (const match of output.matchAll(/pts_time:(-?[0-9.]+)/g)) times.push(Number.parseFloat(match[1]!));
  return times;
}
