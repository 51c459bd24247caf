import fs from 'node:fs/promises';
import sharp from 'sharp';
import { runProcess } from './run-process.js';
import { MediaError } from './media-error.js';
import type { MediaProbe } from '../types.js';

export const THUMBNAIL_WIDTH = 320;

/**
 * Writes a JPEG thumbnail of an image or video (a frame near one second in, or the middle of a
 * shorter clip). ffmpeg applies rotation metadata itself. Audio has no picture: returns false.
 */
export async function writeThumbnail(
  source: string,
  probe: MediaProbe,
  destination: string,
  signal?: AbortSignal,
): Promise<boolean> {
  if (probe.kind === 'audio' || probe.width === null) return false;
  if (probe.kind === 'image') return writeImageThumbnail(source, destination);
  const seek = probe.kind === 'video' ? Math.min(1, (probe.duration ?? 0) / 2) : 0;
  const part = `${destination}.part.jpg`;
  try {
    await runProcess(
      'ffmpeg',
      [
        '-nostdin', '-v', 'error', '-y',
        ...(seek > 0 ? ['-ss', seek.toFixed(3)] : []),
        '-i', source,
        '-frames:v', '1',
        '-vf', `scale='min(${THUMBNAIL_WIDTH},iw)':-2`,
        '-q:v', '4',
        part,
      ],
      { timeoutMs: 120_000, signal },
    );
    await fs.rename(part, destination);
    return true;
  } catch (error) {
    await fs.rm(part, { force: true });
    if (signal?.aborted) throw error;
    throw new MediaError(`could not decode a frame for the thumbnail: ${(error as Error).message}`, { cause: error });
  }
}

/** Stills go through sharp: it applies EXIF orientation and reads AVIF/HEIF, which ffmpeg may not. */
async function writeImageThumbnail(source: string, destination: string): Promise<boolean> {
  const part = `${destination}.part.jpg`;
  try {
    await sharp(source, { pages: 1 })
      .rotate()
      .resize({ width: THUMBNAIL_WIDTH, withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 80 })
      .toFile(part);
    await fs.rename(part, destination);
    return true;
  } catch (error) {
    await fs.rm(part, { force: true });
    throw new MediaError(`could not decode the image for the thumbnail: ${(error as Error).message}`, { cause: error });
  }
}
