import sharp from 'sharp';
import { MediaError } from '../media/media-error.js';
import type { RgbImage } from './types.js';

/** Larger pictures are scaled down before analysis; no analyser gains from more pixels. */
export const DEFAULT_ANALYSIS_MAX_SIDE = 1600;

export interface DecodeOptions {
  /** Longest side after decoding (never enlarged). */
  maxSide?: number;
}

/**
 * Decodes an image file or buffer (JPEG, PNG, WebP, GIF first frame, TIFF, AVIF/HEIF as sharp's
 * libvips supports them) into upright 8-bit RGB: EXIF orientation is applied, alpha is flattened
 * onto white (transparent logos stay legible to OCR), colour is converted to sRGB.
 */
export async function decodeImage(input: string | Buffer, options: DecodeOptions = {}): Promise<RgbImage> {
  const maxSide = options.maxSide ?? DEFAULT_ANALYSIS_MAX_SIDE;
  try {
    const { data, info } = await sharp(input, { failOn: 'error', pages: 1 })
      .rotate()
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels after decoding, got ${info.channels}`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (error) {
    throw new MediaError(`the image could not be decoded: ${(error as Error).message}`, { cause: error });
  }
}

/** Encodes RGB pixels as a JPEG file (keyframes and face crops for the web page). */
export async function writeJpeg(image: RgbImage, destination: string, quality = 85): Promise<void> {
  await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .jpeg({ quality, mozjpeg: false })
    .toFile(destination);
}
