import { MediaError } from '../media/media-error.js';
import type { SegmentPlanOptions } from '../analysis/segments/segment-planner.js';
import type { SegmentedMedia } from '../analysis/segments/segment-media.js';
import type { DetectorPrecision } from '../analysis/face/ssd-onnx.js';
import type { FaceTrack, LabelHit, OcrLine, TranscriptPiece } from '../analysis/types.js';
import type { ModelSpec } from '../models/model-spec.js';
import type { MediaProbe, MediaType } from '../types.js';

/** Messages the scheduler sends to worker threads; each has a `task` name and plain-data fields. */
export interface PrepareMediaTask {
  task: 'prepare-media';
  /** Local path of the source file. */
  path: string;
  /** Where to write the JPEG thumbnail. */
  thumbnailPath: string;
  /** Folder for the keyframe JPEGs. */
  keyframeDir: string;
  segmentation: SegmentPlanOptions;
  /** The MediaType the asset was inserted with; a file of another kind is not segmented. */
  expectedKind?: MediaType;
}

export interface PrepareMediaResult extends SegmentedMedia {
  probe: MediaProbe;
  thumbnail: boolean;
}

/** Embed keyframe JPEGs with a visual-language model (the mm index). */
export interface EmbedKeyframesTask {
  task: 'embed-keyframes';
  spec: ModelSpec;
  modelDir: string;
  files: string[];
}

export interface EmbedKeyframesResult {
  model: string;
  dimension: number;
  vectors: Float32Array[];
}

/** Detect, describe and track faces: the image itself, or frames sampled from a video. */
export interface AnalyseFacesTask {
  task: 'analyse-faces';
  path: string;
  probe: MediaProbe;
  fps: number;
  /** Video: small-detector score a frame needs for the full analysis; 0 analyses every frame (analyseVideoFaces' default when absent). */
  gate?: number;
  /** Video: the face detector's arithmetic (analyseVideoFaces' default when absent). */
  detector?: DetectorPrecision;
}

export interface AnalyseFacesResult {
  tracks: FaceTrack[];
  framesSampled: number;
  /** Frames that went through detection, landmarks and descriptors (the rest were gated out). */
  framesAnalysed: number;
  detections: number;
  usableDetections: number;
  /** Size of the pictures the tracks' boxes are in. */
  frame: { width: number; height: number };
}

/** Object labels and OCR text on keyframe JPEGs (the aiLabel index). */
export interface AnalyseKeyframeTextTask {
  task: 'analyse-keyframe-text';
  frames: { time: number; file: string }[];
}

export interface AnalyseKeyframeTextResult {
  labels: LabelHit[];
  ocr: OcrLine[];
  /** Keyframes on which the text detector found something, so recognition ran. */
  ocrRecognised: number;
}

/** Speech transcript of the audio track. */
export interface TranscribeTask {
  task: 'transcribe';
  path: string;
  engine: 'auto' | 'pocketsphinx' | 'none';
  /** Silero VAD speech probability from which audio is transcribed; 0 transcribes everything. */
  gate: number;
}

export interface TranscribeResult {
  engine: string | null;
  pieces: TranscriptPiece[];
  /** Seconds of audio decoded, and how many of them the speech gate passed to the engine. */
  audioSeconds: number;
  speechSeconds: number;
  /** Why there is no transcript, when there is none by design (no engine installed). */
  skipped: string | null;
}

export type WorkerTask = PrepareMediaTask | EmbedKeyframesTask | AnalyseFacesTask | AnalyseKeyframeTextTask | TranscribeTask;

export type WorkerTaskResult<T extends WorkerTask> = T extends PrepareMediaTask
  ? PrepareMediaResult
  : T extends EmbedKeyframesTask
    ? EmbedKeyframesResult
    : T extends AnalyseFacesTask
      ? AnalyseFacesResult
      : T extends AnalyseKeyframeTextTask
        ? AnalyseKeyframeTextResult
        : T extends TranscribeTask
          ? TranscribeResult
          : never;

/**
 * Errors cross the thread boundary by structured clone, which keeps only name and message; the
 * worker folds a MediaError's kind and retryability into the message and the scheduler unfolds it,
 * so a bad file still fails its job at once while a crash is retried.
 */
const MARK = /^\[MediaError (retryable|permanent)\] /;

export function encodeWorkerError(error: unknown): unknown {
  if (error instanceof MediaError) {
    return new Error(`[MediaError ${error.retryable ? 'retryable' : 'permanent'}] ${error.message}`);
  }
  return error;
}

export function decodeWorkerError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const match = MARK.exec(error.message);
  if (!match) return error;
  return new MediaError(error.message.slice(match[0].length), { retryable: match[1] === 'retryable' });
}
