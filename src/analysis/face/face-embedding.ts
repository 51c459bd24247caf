import type { FaceDetection } from '../types.js';

/**
 * Largest Euclidean distance between two raw face-api descriptors (norms ~1.4–1.6) of the same
 * person. On the 520 labelled deepface pairs same-person distances reach 0.554 (95th percentile
 * 0.50) and different-person ones start at 0.583 (5th percentile 0.73); 0.55 splits them with one
 * same-person pair lost. face-api's own example uses 0.6, which lets one different pair in.
 */
export const SAME_PERSON_DESCRIPTOR_DISTANCE = 0.55;

/**
 * The same boundary for L2-normalised vectors (track embeddings): on the same pairs, normalised
 * same-person distances reach 0.356 and different-person ones start at 0.386.
 */
export const SAME_PERSON_EMBEDDING_DISTANCE = 0.37;

/** Euclidean distance, the metric face-api's recogniser was trained for (dlib's ResNet-34 metric loss). */
export function faceDistance(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`face vectors differ in length (${a.length} vs ${b.length})`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    sum += d * d;
  }
  return Math.sqrt(sum);
}

/** Copy scaled to unit length; null for the zero vector, which has no direction. */
export function l2Normalise(vector: Float32Array): Float32Array | null {
  let sum = 0;
  for (const v of vector) sum += v * v;
  const norm = Math.sqrt(sum);
  if (!(norm > 0) || !Number.isFinite(norm)) return null;
  const out = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = vector[i]! / norm;
  return out;
}

/**
 * One vector for a person from many sightings: the quality-weighted mean of the usable
 * descriptors, L2-normalised. Better faces dominate, and averaging cancels the per-frame noise
 * of pose and lighting; unusable detections (no descriptor) are ignored. Null if none is usable.
 * Each descriptor is normalised before averaging so that no sighting weighs more just because
 * the recogniser returned a longer vector for it.
 */
export function representativeEmbedding(detections: readonly FaceDetection[]): Float32Array | null {
  let sum: Float32Array | null = null;
  for (const detection of detections) {
    if (!detection.usable || detection.descriptor === null) continue;
    const unit = l2Normalise(detection.descriptor);
    if (unit === null) continue;
    sum ??= new Float32Array(unit.length);
    if (unit.length !== sum.length) throw new RangeError('face descriptors of different lengths in one track');
    // A usable face of quality 0 still counts a little rather than vanishing from the mean.
    const weight = Math.max(detection.quality, 1e-3);
    for (let i = 0; i < unit.length; i++) sum[i]! += weight * unit[i]!;
  }
  return sum === null ? null : l2Normalise(sum);
}
