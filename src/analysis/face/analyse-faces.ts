import { sampleVideoFrames, sampledFrameSize } from '../frame-sampler.js';
import { decodeImage } from '../image-decoder.js';
import type { FaceDetection, FaceTrack } from '../types.js';
import type { MediaProbe } from '../../types.js';
import { loadFaceAnalyser, type FaceAnalyser, type FaceAnalyserOptions } from './face-analyser.js';
import { linkFaceTracks, type FaceTrackingOptions } from './face-tracker.js';
import type { DetectorPrecision } from './ssd-onnx.js';

export interface FaceAnalysis {
  detections: FaceDetection[];
  tracks: FaceTrack[];
  framesSampled: number;
  /** Frames that went through the full detector (all of them unless the gate is on). */
  framesAnalysed: number;
  /** Size of the pictures the boxes are in (the upright picture, possibly scaled down). */
  frame: { width: number; height: number };
}

/**
 * Smallest score of the small face detector for which a video frame gets the full analysis. On the
 * bench videos and 218 photos, 0.2 let through every frame holding a face big enough to be
 * recognised (0.3 already lost a 355 px close-up that the small detector scored 0.26); see
 * TinyFaceGate.
 */
export const DEFAULT_FACE_GATE_SCORE = 0.2;

/**
 * With the gate on, a frame is analysed at least this often anyway: faces below ~40 px are out of
 * the small detector's reach, and once one of them is found the frames after it are analysed
 * while it stays. On the Hamilton clip this brings back the singer far away on stage and the
 * pianist (0–1 s, 30–39 px) at 8% more time over the bench videos than the gate alone.
 */
export const DEFAULT_ANALYSE_EVERY_SECONDS = 4;

/**
 * The detector's arithmetic on video frames unless told otherwise: video frames are many and each
 * costs a detector run, so they get the 8-bit detector (~2.3× faster); on the bench videos it
 * gives the same usable faces and the same tracks as float32 (docs/benchmarks/int8.md). A photo
 * is analysed once and keeps face-api's float32 arithmetic.
 */
export const DEFAULT_VIDEO_FACE_DETECTOR: DetectorPrecision = 'int8';

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
  /**
   * Frames on which the small detector's best face score is below this skip SSD, landmarks and
   * descriptors; 0 analyses every frame. Default DEFAULT_FACE_GATE_SCORE.
   */
  gate?: number;
  /**
   * With the gate on, analyse a frame at least once in this many seconds whatever the small
   * detector says; 0 never. Default DEFAULT_ANALYSE_EVERY_SECONDS.
   */
  analyseEvery?: number;
}

/** Faces of a still image: every face is its own track at t=0. */
export async function analyseImageFaces(path: string, options: ImageFaceOptions = {}): Promise<FaceAnalysis> {
  const analyser = await loadFaceAnalyser(options.analyser);
  const image = await decodeImage(path, options.maxSide === undefined ? {} : { maxSide: options.maxSide });
  const detections = await analyser.detect({ time: 0, image });
  return {
    detections,
    tracks: linkFaceTracks(detections),
    framesSampled: 1,
    framesAnalysed: 1,
    frame: { width: image.width, height: image.height },
  };
}

/**
 * Faces of a video, sampled at a fixed rate and linked into tracks. Frames are streamed from
 * ffmpeg and dropped after detection, so memory holds one frame plus the (small) detections
 * however long the video is.
 *
 * Most sampled frames of most videos show no face, and the full analysis costs ten times the
 * small detector's look, so a frame is analysed only when the small detector sees a face
 * candidate, when the frame before it had faces (so a track does not lose its last moments to one
 * frame the small detector scores low), or when no frame was analysed for `analyseEvery` seconds.
 */
export async function analyseVideoFaces(path: string, probe: MediaProbe, options: VideoFaceOptions): Promise<FaceAnalysis> {
  const analyser: FaceAnalyser = await loadFaceAnalyser({ detector: DEFAULT_VIDEO_FACE_DETECTOR, ...options.analyser });
  const gate = options.gate ?? DEFAULT_FACE_GATE_SCORE;
  const every = options.analyseEvery ?? DEFAULT_ANALYSE_EVERY_SECONDS;
  let nextDue = 0;
  const detections: FaceDetection[] = [];
  let framesSampled = 0;
  let framesAnalysed = 0;
  let previousHadFaces = false;
  const frames = sampleVideoFrames(path, probe, { fps: options.fps, maxSide: options.maxSide, signal: options.signal });
  for await (const frame of frames) {
    options.signal?.throwIfAborted();
    framesSampled += 1;
    const due = every > 0 && frame.time >= nextDue - 1e-6;
    if (gate > 0 && !previousHadFaces && !due && (await analyser.faceScore(frame.image)) < gate) continue;
    nextDue = frame.time + every;
    const found = await analyser.detect(frame);
    detections.push(...found);
    framesAnalysed += 1;
    previousHadFaces = found.length > 0;
  }
  return {
    detections,
    tracks: linkFaceTracks(detections, options.tracking),
    framesSampled,
    framesAnalysed,
    frame: sampledFrameSize(probe, options.maxSide),
  };
}
