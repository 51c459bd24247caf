import sharp, { type Metadata } from 'sharp';
import type { MediaProbe } from '../types.js';

/** Still-image formats decoded by sharp (libvips); AVIF/HEIF included, which ffprobe sees as "mov". */
const SHARP_IMAGE_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif', 'heif']);

/**
 * Recognises still images with sharp before ffprobe is asked: ffprobe reports AVIF/HEIF as a
 * one-frame video, and sharp knows EXIF orientation, so width/height here are upright. Returns
 * null for anything sharp does not read as one of those formats (videos, audio, corrupt files).
 */
export async function probeImage(file: string): Promise<MediaProbe | null> {
  let meta: Metadata;
  try {
    meta = await sharp(file).metadata();
  } catch {
    return null;
  }
  if (!meta.format || !SHARP_IMAGE_FORMATS.has(meta.format) || !meta.width || !meta.height) return null;
  const quarterTurn = (meta.orientation ?? 1) >= 5;
  return {
    kind: 'image',
    formatName: meta.format,
    duration: 0,
    width: quarterTurn ? meta.height : meta.width,
    height: quarterTurn ? meta.width : meta.height,
    videoCodec: meta.format,
    audioCodec: null,
    rotation: 0,
  };
}
