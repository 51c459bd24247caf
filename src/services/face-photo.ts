import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { ApiError, invalidParameter } from '../api/errors.js';
import { DEFAULT_FACE_QUALITY } from '../analysis/face/face-quality.js';
import type { Box, FaceDetection } from '../analysis/types.js';
import type { WorkerPool } from '../jobs/worker-pool.js';
import { InputResolver, type InputResolverOptions } from '../media/input-resolver.js';
import { MediaError } from '../media/media-error.js';
import { probeImage } from '../media/image-probe.js';
import type { MediaProbe } from '../types.js';
import type { RecognitionSample } from '../store/recognition-repository.js';

/**
 * A face photo is one person's portrait; larger files are almost certainly not that, and the limit
 * keeps a request from downloading gigabytes before the caller hears about it.
 */
export const FACE_PHOTO_MAX_BYTES = 20 * 1024 * 1024;

/**
 * When the second-largest face covers at least this share of the largest one's area, the photo
 * does not say whose face is meant. Two people side by side (face_recognition's two_people.jpg)
 * measure 0.94 and are refused; in the 60-odd deepface portraits the only second face is a
 * background one at 0.08, taken without complaint. Between those the largest face wins: a
 * portrait with someone behind the subject stays usable, at the risk of taking the wrong one of
 * two people who stand at clearly different distances.
 */
export const AMBIGUOUS_FACE_AREA_RATIO = 0.9;

/** The faces a detector found in the analysed picture, in that picture's pixels. */
export interface DetectedFaces {
  width: number;
  height: number;
  detections: FaceDetection[];
}

export interface FaceDetector {
  detect(file: string, probe: MediaProbe): Promise<DetectedFaces>;
}

/**
 * Detection in a worker thread through the pool's analyse-faces task, so loading face-api and
 * running it never blocks HTTP. The task scales large stills down before analysis and says to
 * what size (`frame`), which is the picture the boxes are in.
 */
export function poolFaceDetector(pool: WorkerPool): FaceDetector {
  return {
    async detect(file, probe) {
      const result = await pool.run({ task: 'analyse-faces', path: file, probe, fps: 1 });
      return { width: result.frame.width, height: result.frame.height, detections: result.tracks.flatMap((track) => track.detections) };
    },
  };
}

/** The one face of a face photo, ready to be stored or searched for. */
/** The one face of a photo: the face fields of a stored recognition sample. */
export type FacePhoto = Pick<RecognitionSample, 'imageWidth' | 'imageHeight' | 'box' | 'score' | 'quality' | 'descriptor'>;

export interface FacePhotoReaderOptions extends InputResolverOptions {
  /** Where http(s) photos are downloaded to, each in a folder of its own removed afterwards. */
  scratchDir: string;
  detector: FaceDetector;
  maxBytes?: number;
}

/**
 * Turns a photo URL into the descriptor of the face it shows: fetched under the same rules as asset
 * inputs (http(s) through the SSRF policy, file:// inside the roots, upload://), decoded by sharp,
 * faces detected off the main thread, then the largest face, which must be unambiguous and good
 * enough for recognition. Every refusal is an ApiError with its own code, so recognition samples
 * and face search report the same problem the same way.
 */
export class FacePhotoReader {
  private readonly resolver: InputResolver;
  private readonly maxBytes: number;

  constructor(private readonly options: FacePhotoReaderOptions) {
    this.maxBytes = Math.min(options.maxBytes ?? FACE_PHOTO_MAX_BYTES, options.urlPolicy.maxBytes);
    this.resolver = new InputResolver({ ...options, urlPolicy: { ...options.urlPolicy, maxBytes: this.maxBytes } });
  }

  async read(url: string, parameter: string): Promise<FacePhoto> {
    try {
      this.resolver.check(url);
    } catch (error) {
      if (error instanceof MediaError) throw invalidParameter(parameter, `${error.message}.`);
      throw error;
    }
    const scratch = path.join(this.options.scratchDir, randomUUID());
    try {
      const file = await this.fetch(url, scratch, parameter);
      const probe = await this.decode(file, parameter);
      let faces: DetectedFaces;
      try {
        faces = await this.options.detector.detect(file, probe);
      } catch (error) {
        if (error instanceof MediaError) throw unreadable(parameter, error.message);
        throw error;
      }
      return pickFace(faces, probe, parameter);
    } finally {
      await fs.rm(scratch, { recursive: true, force: true });
    }
  }

  private async fetch(url: string, scratch: string, parameter: string): Promise<string> {
    let file: string;
    try {
      await fs.mkdir(scratch, { recursive: true });
      file = await this.resolver.materialise(url, scratch, AbortSignal.timeout(this.options.urlPolicy.timeoutMs));
    } catch (error) {
      if (!(error instanceof MediaError)) throw error;
      // url-fetcher words its size refusal "… the N-byte limit"; that one is the caller's to fix by size.
      if (/byte limit/.test(error.message)) throw tooLarge(parameter, this.maxBytes);
      throw new ApiError('ImageUnreadable', `The image at ${parameter} could not be fetched: ${error.message}.`);
    }
    const { size } = await fs.stat(file);
    if (size > this.maxBytes) throw tooLarge(parameter, this.maxBytes);
    return file;
  }

  /** Fully decodes a small version so a truncated or corrupt file is refused here, not in the worker. */
  private async decode(file: string, parameter: string): Promise<MediaProbe> {
    const probe = await probeImage(file);
    if (!probe) throw unreadable(parameter, 'it is not a JPEG, PNG, WebP, GIF, TIFF, AVIF or HEIF image');
    try {
      await sharp(file).rotate().resize(256, 256, { fit: 'inside', withoutEnlargement: true }).raw().toBuffer();
    } catch (error) {
      throw unreadable(parameter, `the image data is damaged (${(error as Error).message.trim()})`);
    }
    return probe;
  }
}

const unreadable = (parameter: string, reason: string) =>
  new ApiError('ImageUnreadable', `The image at ${parameter} cannot be read: ${reason}.`);

const tooLarge = (parameter: string, maxBytes: number) =>
  new ApiError(
    'PayloadTooLarge',
    `The image at ${parameter} is larger than ${maxBytes} bytes, the limit for face photos; send a smaller JPEG or PNG.`,
  );

const area = (box: Box) => box.width * box.height;

/** The largest face, refused when none, when another is about as large, or when it is unusable. */
export function pickFace(faces: DetectedFaces, probe: MediaProbe, parameter: string): FacePhoto {
  const sorted = [...faces.detections].sort((a, b) => area(b.box) - area(a.box));
  const [largest, second] = sorted;
  if (!largest) {
    throw new ApiError(
      'FaceNotFound',
      `No face was found in the image at ${parameter}; use a photo in which the person's face is clearly visible.`,
    );
  }
  if (second && area(second.box) >= AMBIGUOUS_FACE_AREA_RATIO * area(largest.box)) {
    const similar = sorted.filter((d) => area(d.box) >= AMBIGUOUS_FACE_AREA_RATIO * area(largest.box)).length;
    throw new ApiError(
      'MultipleFacesFound',
      `The image at ${parameter} shows ${similar} faces of about the same size (within ${Math.round(
        (1 - AMBIGUOUS_FACE_AREA_RATIO) * 100,
      )}% of the largest one's area), so it is unclear whose face is meant; crop the photo to one person.`,
    );
  }
  if (!largest.usable || largest.descriptor === null) {
    const width = Math.round(largest.box.width);
    throw new ApiError(
      'FaceQualityTooLow',
      width < DEFAULT_FACE_QUALITY.minFaceWidth
        ? `The face in the image at ${parameter} is ${width} px wide as analysed; recognition needs at least ` +
            `${DEFAULT_FACE_QUALITY.minFaceWidth} px. Use a closer or larger photo of the face.`
        : `The face in the image at ${parameter} is too blurred, turned away or partly hidden for recognition ` +
            `(quality ${largest.quality}); use a sharp, frontal photo.`,
    );
  }
  const imageWidth = probe.width ?? faces.width;
  const imageHeight = probe.height ?? faces.height;
  const sx = faces.width > 0 ? imageWidth / faces.width : 1;
  const sy = faces.height > 0 ? imageHeight / faces.height : 1;
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    imageWidth,
    imageHeight,
    box: {
      x: round(largest.box.x * sx),
      y: round(largest.box.y * sy),
      width: round(largest.box.width * sx),
      height: round(largest.box.height * sy),
    },
    score: largest.score,
    quality: largest.quality,
    descriptor: largest.descriptor,
  };
}
