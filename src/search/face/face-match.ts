import { faceDistance, SAME_PERSON_EMBEDDING_DISTANCE } from '../../analysis/face/face-embedding.js';
import type { CandidateFilter, VectorIndex } from '../vector-index/vector-index.js';

/** What face search needs of a vector index. */
export type FaceIndex = Pick<VectorIndex, 'search' | 'size'>;

/**
 * Largest distance between a query face and a track (both unit-length face-api embeddings) that
 * counts as the same person: the boundary measured on the deepface pairs (see
 * SAME_PERSON_EMBEDDING_DISTANCE and docs/benchmarks/faces.md).
 */
export const FACE_MATCH_DISTANCE = SAME_PERSON_EMBEDDING_DISTANCE;

/**
 * Width of the score's transition around the boundary. Same-person distances of the deepface pairs
 * sit at 0.2–0.36 and different-person ones at 0.39–0.7, so 0.03 takes a face 0.06 inside the
 * boundary to 0.88 and one 0.06 outside to 0.12.
 */
const SCORE_WIDTH = 0.03;

/**
 * Score in [0, 1] of a match at this distance: a logistic curve that is 0.5 exactly at the
 * decision boundary, so every returned match scores above 0.5 and a caller can demand more
 * certainty with a higher cut (0.9 ≈ distance 0.30). Not fitted per library: the recogniser's
 * metric is fixed, so the same distance means the same thing everywhere.
 */
export function faceMatchScore(distance: number): number {
  return 1 / (1 + Math.exp((distance - FACE_MATCH_DISTANCE) / SCORE_WIDTH));
}

/** Euclidean distance of two unit vectors from their cosine. */
export function unitDistanceFromCosine(cosine: number): number {
  return Math.sqrt(Math.max(0, 2 - 2 * cosine));
}

export interface TrackMatch {
  trackId: number;
  distance: number;
}

/** First page of a range search; doubled while every hit is still inside the range. */
const FIRST_K = 256;

/**
 * Every vector of the index within `maxDistance` of the query (a range search), nearest first,
 * among the allowed ids. Vector indexes answer k-nearest queries, so k doubles until the k-th hit
 * falls outside the range or fewer than k come back; the answer is exact whenever the index's top-k
 * is (the exact scan always, zvec nearly: every hit it returns is re-scored exactly).
 */
export function tracksWithin(index: FaceIndex, query: Float32Array, maxDistance: number, allowed?: CandidateFilter): TrackMatch[] {
  const limit = allowed ? allowed.size : index.size;
  if (limit === 0) return [];
  for (let k = Math.min(FIRST_K, limit); ; k = Math.min(k * 2, limit)) {
    const hits = index.search(query, k, allowed);
    const matches = hits.map((hit) => ({ trackId: hit.id, distance: unitDistanceFromCosine(hit.score) }));
    const inside = matches.filter((match) => match.distance <= maxDistance);
    if (inside.length < hits.length || hits.length < k || k >= limit) return inside;
  }
}

/** The nearest of several sample vectors (a registered person's faces) to a face, by distance. */
export function nearestSampleDistance(face: Float32Array, samples: readonly { embedding: Float32Array }[]): number {
  let best = Infinity;
  for (const sample of samples) best = Math.min(best, faceDistance(face, sample.embedding));
  return best;
}
