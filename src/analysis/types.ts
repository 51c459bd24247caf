/**
 * The contract between the media pipeline and the analysers. Analysers run inside worker threads
 * and return plain data (structured-clone friendly); the main thread persists it. Times are
 * seconds from the start of the asset; boxes are pixels in the upright (rotation-applied) frame.
 */

/** A decoded picture: 8-bit RGB, interleaved, row-major, no padding. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A picture sampled from an asset at `time` seconds (0 for images). */
export interface TimedFrame {
  time: number;
  image: RgbImage;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A shot (or a bounded piece of a long shot) of a video; an image is one segment at t=0. */
export interface SegmentPlan {
  index: number;
  from: number;
  to: number;
  /** Times of the keyframes that represent this segment (at least one). */
  keyframeTimes: number[];
}

/** A visual-language model that maps pictures and texts into one vector space. */
export interface ImageTextEmbedder {
  /** Registry name of the model, recorded with every vector it produces. */
  readonly model: string;
  readonly dimension: number;
  /** L2-normalised embeddings, one per image, in order. */
  embedImages(images: RgbImage[]): Promise<Float32Array[]>;
  /** L2-normalised embeddings, one per text, in order. */
  embedTexts(texts: string[]): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

export interface FaceDetection {
  time: number;
  box: Box;
  /** Detector confidence in [0,1]. */
  score: number;
  /** 128-d face descriptor; null when the face is too small or blurred for recognition. */
  descriptor: Float32Array | null;
  /** Recognition quality in [0,1] (size, sharpness, pose, detector score combined). */
  quality: number;
  /** Whether the face is good enough to be used for matching. */
  usable: boolean;
}

/** Detections of one person linked over time. */
export interface FaceTrack {
  start: number;
  end: number;
  detections: FaceDetection[];
  /** Quality-weighted mean of the usable descriptors, L2-normalised; null if none was usable. */
  embedding: Float32Array | null;
  /** Best quality among the track's detections. */
  quality: number;
}

/** Where a segment text came from; 'face' is a recognised person's name over a face track. */
export type TextSource = 'label' | 'ocr' | 'asr' | 'face';

/** An object or scene label found at `time`. */
export interface LabelHit {
  time: number;
  /** Stable English class name (also the id), e.g. "dog". */
  label: string;
  labelZh: string;
  score: number;
  box: Box | null;
}

export interface OcrLine {
  time: number;
  text: string;
  confidence: number;
  box: Box | null;
}

export interface TranscriptPiece {
  from: number;
  to: number;
  text: string;
  confidence: number | null;
}
