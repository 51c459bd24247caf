import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { runProcess } from '../../media/run-process.js';
import type { Box, FaceTrack } from '../types.js';
import type { MediaProbe } from '../../types.js';

/** Side of the square face crops (list thumbnails on the web page: 2× a 64 px tile). */
export const FACE_CROP_SIZE = 128;

/** Margin around the detector's box, as a share of its larger side: hair and chin make a face recognisable to people. */
const CROP_MARGIN = 0.35;

/** The picture size boxes are measured in after this module: the upright source, in pixels. */
export function uprightSize(probe: MediaProbe): { width: number; height: number } | null {
  if (probe.width === null || probe.height === null) return null;
  const quarterTurn = probe.rotation === 90 || probe.rotation === 270;
  return quarterTurn ? { width: probe.height, height: probe.width } : { width: probe.width, height: probe.height };
}

/**
 * Rescales the tracks' boxes from the analysed pictures (video frames are sampled at most 960 px,
 * photos decoded at most 1600 px) to the upright source's pixels, which is what the API promises
 * (BoxPosition in pixels of the media).
 */
export function scaleTrackBoxes(
  tracks: readonly FaceTrack[],
  from: { width: number; height: number },
  to: { width: number; height: number },
): FaceTrack[] {
  const sx = to.width / from.width;
  const sy = to.height / from.height;
  if (Math.abs(sx - 1) < 1e-9 && Math.abs(sy - 1) < 1e-9) return [...tracks];
  return tracks.map((track) => ({
    ...track,
    detections: track.detections.map((d) => ({
      ...d,
      box: { x: d.box.x * sx, y: d.box.y * sy, width: d.box.width * sx, height: d.box.height * sy },
    })),
  }));
}

/** The detection that shows a track's face best: the best usable one, else the most confident. */
export function bestDetection(track: FaceTrack): { time: number; box: Box } | undefined {
  const usable = track.detections.filter((d) => d.usable);
  const pool = usable.length > 0 ? usable : track.detections;
  let best = pool[0];
  for (const d of pool) if (usable.length > 0 ? d.quality > best!.quality : d.score > best!.score) best = d;
  return best && { time: best.time, box: best.box };
}

/** A square around the box with margin, clipped to the picture, in whole pixels. */
export function cropRegion(box: Box, size: { width: number; height: number }): { x: number; y: number; width: number; height: number } {
  const side = Math.max(box.width, box.height) * (1 + 2 * CROP_MARGIN);
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const x0 = Math.max(0, Math.floor(cx - side / 2));
  const y0 = Math.max(0, Math.floor(cy - side / 2));
  const x1 = Math.min(size.width, Math.ceil(cx + side / 2));
  const y1 = Math.min(size.height, Math.ceil(cy + side / 2));
  return { x: x0, y: y0, width: Math.max(1, x1 - x0), height: Math.max(1, y1 - y0) };
}

/**
 * Writes `<dir>/<seq>.jpg`, a FACE_CROP_SIZE square of the best face of each track that has an
 * embedding, from the source file (photos through sharp, video frames through one ffmpeg seek
 * each). Only those tracks can belong to a person, whose cover a crop is; the many tiny or blurred
 * tracks of a crowd get none, which keeps the seeks few. A crop that fails is skipped: crops are
 * for people to look at, never needed by search. Returns how many were written.
 */
export async function writeFaceCrops(
  file: string,
  probe: MediaProbe,
  tracks: readonly FaceTrack[],
  dir: string,
  signal?: AbortSignal,
): Promise<number> {
  const size = uprightSize(probe);
  if (!size) return 0;
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  let written = 0;
  for (const [seq, track] of tracks.entries()) {
    signal?.throwIfAborted();
    if (track.embedding === null) continue;
    const best = bestDetection(track);
    if (!best) continue;
    const region = cropRegion(best.box, size);
    const destination = path.join(dir, `${seq}.jpg`);
    try {
      if (probe.kind === 'image') {
        await sharp(file, { pages: 1 })
          .rotate()
          .extract({ left: region.x, top: region.y, width: region.width, height: region.height })
          .resize(FACE_CROP_SIZE, FACE_CROP_SIZE, { fit: 'cover' })
          .jpeg({ quality: 85 })
          .toFile(destination);
      } else {
        await runProcess(
          'ffmpeg',
          [
            '-nostdin', '-v', 'error', '-ss', best.time.toFixed(3), '-i', file, '-frames:v', '1', '-an',
            '-vf', `crop=${region.width}:${region.height}:${region.x}:${region.y},scale=${FACE_CROP_SIZE}:${FACE_CROP_SIZE}`,
            '-q:v', '3', '-y', destination,
          ],
          { timeoutMs: 30_000, ...(signal ? { signal } : {}) },
        );
      }
      written += 1;
    } catch {
      await fs.rm(destination, { force: true });
    }
  }
  return written;
}
