import type { Box, FaceDetection, FaceTrack } from '../types.js';
import { assignMinCost } from './assignment.js';
import { SAME_PERSON_DESCRIPTOR_DISTANCE, faceDistance, representativeEmbedding } from './face-embedding.js';

export {
  SAME_PERSON_DESCRIPTOR_DISTANCE,
  SAME_PERSON_EMBEDDING_DISTANCE,
  faceDistance,
  l2Normalise,
  representativeEmbedding,
} from './face-embedding.js';

export interface FaceTrackingOptions {
  /**
   * Longest time, in seconds, a track may go unseen and still continue. Faces vanish for a
   * sample or two when the head turns, a hand passes or the detector's score dips; 1.5 s bridges
   * that at 2 fps (two missed samples) without gluing together separate appearances.
   */
  maxGap: number;
  /** Smallest box overlap that links two detections when descriptors cannot decide. */
  minIou: number;
  /**
   * Alternatively, the largest move of the box centre, in face widths, that links two detections
   * of similar size when descriptors cannot decide. At 2 fps a face moves a lot between samples
   * (the Hamilton singer's 80 px face moved 54 px in 0.5 s, IoU 0.17); 0.75 widths still keeps
   * two faces side by side, whose centres are at least a width apart, from being confused.
   */
  maxCentreShift: number;
  /**
   * Largest raw descriptor distance for the same person; a larger one forbids a link even when
   * the boxes overlap (two people crossing), a smaller one allows it even when they do not (a
   * cut to another shot of the same person within maxGap).
   */
  maxDescriptorDistance: number;
  /**
   * Largest raw descriptor distance that still links two detections whose boxes also agree
   * (overlap or a small move, as above). Consecutive samples of one face that turns or blurs can
   * drift just past maxDescriptorDistance: the Hamilton singer's faces at 4.0 and 4.5 s lay 0.543
   * apart with the float32 detector and 0.568 with the 8-bit one (a one-off measurement), against
   * 0.55, and the track split in two. Different people in the deepface pairs start at 0.583 and two of them in the
   * same place within maxGap is rare, so up to 0.6 (face-api's own same-person limit) the place
   * decides. Such links are only made in a second assignment, between the tracks and detections
   * the first (identity and box-only links) left unmatched, so they never displace a link the
   * first one made.
   */
  maxDescriptorDistanceInPlace: number;
}

export const DEFAULT_FACE_TRACKING: FaceTrackingOptions = {
  maxGap: 1.5,
  minIou: 0.3,
  maxCentreShift: 0.75,
  maxDescriptorDistance: SAME_PERSON_DESCRIPTOR_DISTANCE,
  maxDescriptorDistanceInPlace: 0.6,
};

interface OpenTrack {
  detections: FaceDetection[];
  lastBox: Box;
  lastTime: number;
  /** The most recent usable descriptor: appearance drifts slowly, so the latest is the best reference. */
  lastDescriptor: Float32Array | null;
}

/** Floating-point slack when comparing sample times (i / fps) with maxGap. */
const TIME_EPSILON = 1e-6;

/**
 * Links face detections sampled over time into per-person tracks. At each sample time, the open
 * tracks and that time's detections are matched by one optimal assignment (Hungarian method), so
 * that when two faces cross, each keeps the partner that fits it best overall rather than the
 * first greedy pick. Pairs with descriptors on both sides are judged by identity (and preferred
 * over box-only links); otherwise by box overlap or a small move of a similar-sized box. A detection that matches no track starts one;
 * a track unseen for longer than maxGap is closed. Detections at one time never share a track,
 * so an image (all at t=0) gives one track per face.
 */
export function linkFaceTracks(
  detections: readonly FaceDetection[],
  options: Partial<FaceTrackingOptions> = {},
): FaceTrack[] {
  const settings = { ...DEFAULT_FACE_TRACKING, ...options };
  const byTime = new Map<number, FaceDetection[]>();
  for (const detection of detections) {
    const group = byTime.get(detection.time);
    if (group) group.push(detection);
    else byTime.set(detection.time, [detection]);
  }
  const times = [...byTime.keys()].sort((a, b) => a - b);

  const open: OpenTrack[] = [];
  const closed: OpenTrack[] = [];
  for (const time of times) {
    for (let i = open.length - 1; i >= 0; i--) {
      if (time - open[i]!.lastTime > settings.maxGap + TIME_EPSILON) closed.push(...open.splice(i, 1));
    }
    const current = byTime.get(time)!;
    const taken = new Set<number>();
    const extended = new Set<number>();
    // The assignment maximises the number of links before their cost, so the looser in-place
    // links get a round of their own among what the strict round left over.
    for (const cost of [linkCost, inPlaceLinkCost]) {
      const rows = open.map((_, r) => r).filter((r) => !extended.has(r));
      const columns = current.map((_, c) => c).filter((c) => !taken.has(c));
      const assigned = assignMinCost(rows.map((r) => columns.map((c) => cost(open[r]!, current[c]!, settings))));
      assigned.forEach((column, row) => {
        if (column < 0) return;
        extend(open[rows[row]!]!, current[columns[column]!]!);
        extended.add(rows[row]!);
        taken.add(columns[column]!);
      });
    }
    current.forEach((detection, index) => {
      if (taken.has(index)) return;
      open.push({ detections: [], lastBox: detection.box, lastTime: detection.time, lastDescriptor: null });
      extend(open[open.length - 1]!, detection);
    });
  }
  closed.push(...open);

  return closed
    .map((track) => toFaceTrack(track.detections))
    .sort((a, b) => a.start - b.start || a.detections[0]!.box.x - b.detections[0]!.box.x);
}

function describedOnBothSides(track: OpenTrack, detection: FaceDetection): track is OpenTrack & { lastDescriptor: Float32Array } {
  return track.lastDescriptor !== null && detection.descriptor !== null && detection.usable;
}

function inPlace(track: OpenTrack, detection: FaceDetection, settings: FaceTrackingOptions): boolean {
  return iou(track.lastBox, detection.box) >= settings.minIou || isNear(track.lastBox, detection.box, settings.maxCentreShift);
}

/**
 * Lower is better; Infinity forbids the link. With descriptors on both sides identity decides
 * (cost 0–2: closer descriptors and more overlap cost less); otherwise the boxes do (2–3), so an
 * identity-confirmed link costs less than a box-only one.
 */
function linkCost(track: OpenTrack, detection: FaceDetection, settings: FaceTrackingOptions): number {
  const overlap = iou(track.lastBox, detection.box);
  if (describedOnBothSides(track, detection)) {
    const distance = faceDistance(track.lastDescriptor, detection.descriptor!);
    return distance <= settings.maxDescriptorDistance ? 1 + distance / settings.maxDescriptorDistance - overlap : Infinity;
  }
  return inPlace(track, detection, settings) ? 3 - overlap : Infinity;
}

/** The second round: descriptors a little past the identity limit, linked only where the boxes agree. */
function inPlaceLinkCost(track: OpenTrack, detection: FaceDetection, settings: FaceTrackingOptions): number {
  if (!describedOnBothSides(track, detection) || !inPlace(track, detection, settings)) return Infinity;
  const distance = faceDistance(track.lastDescriptor, detection.descriptor!);
  return distance > settings.maxDescriptorDistance && distance <= settings.maxDescriptorDistanceInPlace ? distance - iou(track.lastBox, detection.box) : Infinity;
}

/** Centres within maxShift widths of each other and widths within a factor of 1.5. */
function isNear(a: Box, b: Box, maxShift: number): boolean {
  const width = Math.max(a.width, b.width);
  if (width <= 0 || Math.min(a.width, b.width) * 1.5 < width) return false;
  const dx = a.x + a.width / 2 - (b.x + b.width / 2);
  const dy = a.y + a.height / 2 - (b.y + b.height / 2);
  return Math.hypot(dx, dy) <= maxShift * width;
}

function extend(track: OpenTrack, detection: FaceDetection): void {
  track.detections.push(detection);
  track.lastBox = detection.box;
  track.lastTime = detection.time;
  if (detection.usable && detection.descriptor !== null) track.lastDescriptor = detection.descriptor;
}

function toFaceTrack(detections: FaceDetection[]): FaceTrack {
  return {
    start: detections[0]!.time,
    end: detections[detections.length - 1]!.time,
    detections,
    embedding: representativeEmbedding(detections),
    quality: detections.reduce((best, d) => Math.max(best, d.quality), 0),
  };
}

/** Intersection over union of two boxes (0 when either is empty). */
export function iou(a: Box, b: Box): number {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width);
  const y1 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}
