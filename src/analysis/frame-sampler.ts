import { spawn } from 'node:child_process';
import { MediaError } from '../media/media-error.js';
import type { MediaProbe } from '../types.js';
import type { TimedFrame } from './types.js';

export interface FrameSamplingOptions {
  /** Frames per second to sample. */
  fps: number;
  /** Longest side of the sampled frames (never enlarged). */
  maxSide: number;
  signal?: AbortSignal;
}

/** Upright output size for a video of the probed size, longest side at most maxSide, even numbers. */
export function sampledFrameSize(probe: MediaProbe, maxSide: number): { width: number; height: number } {
  if (probe.width === null || probe.height === null) throw new MediaError('the file has no picture to sample');
  const quarterTurn = probe.rotation === 90 || probe.rotation === 270;
  const width = quarterTurn ? probe.height : probe.width;
  const height = quarterTurn ? probe.width : probe.height;
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const even = (n: number) => Math.max(2, 2 * Math.round((n * scale) / 2));
  return { width: even(width), height: even(height) };
}

/**
 * Streams frames of a video at a fixed rate as raw RGB, decoded by one ffmpeg process (which
 * applies rotation metadata itself). Frame i is the picture shown at i/fps seconds; memory stays at
 * one frame however long the video is.
 */
export async function* sampleVideoFrames(
  file: string,
  probe: MediaProbe,
  options: FrameSamplingOptions,
): AsyncGenerator<TimedFrame> {
  const { width, height } = sampledFrameSize(probe, options.maxSide);
  const frameBytes = width * height * 3;
  const child = spawn(
    'ffmpeg',
    [
      '-nostdin', '-v', 'error', '-i', file, '-an', '-sn', '-dn',
      '-vf', `fps=${options.fps},scale=${width}:${height}:flags=area,format=rgb24`,
      '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], signal: options.signal },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-2000);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on('close', (code) => resolve(code));
    child.on('error', () => resolve(-1));
  });

  // Pipe chunks (64 KiB) are copied straight into the frame being filled: gathering them first
  // with Buffer.concat copied a 960 px frame's bytes about twenty times over.
  let frame = new Uint8Array(frameBytes);
  let filled = 0;
  let index = 0;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < chunk.length) {
        const take = Math.min(frameBytes - filled, chunk.length - offset);
        frame.set(chunk.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled === frameBytes) {
          yield { time: index / options.fps, image: { width, height, data: frame } };
          index += 1;
          frame = new Uint8Array(frameBytes);
          filled = 0;
        }
      }
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  const code = await exited;
  if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
  if (code !== 0 && index === 0) {
    throw new MediaError(`ffmpeg could not decode frames: ${stderr.trim().split('\n').pop() ?? 'unknown error'}`);
  }
}
