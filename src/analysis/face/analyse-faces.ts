import { sampleVideoFrames } from '../frame-sampler.js';
import { decodeImage } from '../image-decoder.js';
import type { FaceDetection, FaceTrack } from '../types.js';
import type { MediaProbe } from '../../types.js';
import { loadFaceAnalyser, type FaceAnalyser, type FaceAnalyserOptions } from './face-analyser.js';
import { linkFaceTracks, type FaceTrackingOptions } from './face-tracker.js';

export interface FaceAnalysis {
  detections: FaceDetection[];
  tracks: FaceTrack[];
  framesSampled: number;
}

export interface ImageFaceOptions {
  /** Longest side the image is decoded at (decodeImage's default when absent). */
  maxSide?: number;
  analyser?: FaceAnalyserOptions;
}

export interface VideoFaceOptions {
  /** Frames per second to sample; 2 catches a face on screen for half a second. */
  fps: number;
  /** Longest side of the sampled frames. */
  maxSide: number;
  signal?: AbortSignal;
  analyser?: FaceAnalyserOptions;
  tracking?: Partial<FaceTrackingOptions>;
}

/** Faces of a still image: every face is its own track at t=0. */
export async function analyseImageFaces(path: string, options: ImageFaceOptions = {}): Promise<FaceAnalysis> {
  const analyser = await loadFaceAnalyser(options.analyser);
  const image = await decodeImage(path, options.maxSide === undefined ? {} : { maxSide: options.maxSide });
  const detections = await analyser.detect({ time: 0, image });
  return { detections, tracks: linkFaceTracks(detections), framesSampled: 1 };
}

/**
 * Faces of a video, sampled at a fixed rate and linked into tracks. Frames are streamed from
 * ffmpeg and dropped after detection, so memory holds one frame plus the (small) detections
 * however long the video is.
 */
export async function analyseVideoFaces(path: string, probe: MediaProbe, options: VideoFaceOptions): Promise<FaceAnalysis> {
  const analyser: FaceAnalyser = await loadFaceAnalyser(options.analyser);
  const detections: FaceDetection[] = [];
  let framesSampled = 0;
  const frames = sampleVideoFrames(path, probe, { fps: options.fps, maxSide: options.maxSide, signal: options.signal });
  for await (const frame of frames) {
    options.signal?.throwIfAborted();
    detections.push(...(await analyser.detect(frame)));
    framesSampled += 1;
  }
  return { detections, tracks: linkFaceTracks(detections, options.tracking), framesSampled };
}
