import type { Box, RgbImage } from '../types.js';

export interface Point {
  x: number;
  y: number;
}

/**
 * When a detected face is good enough for recognition. A face that fails any gate is still kept
 * as a detection (it says "someone is here at t"), but gets no descriptor: descriptors of tiny,
 * blurred or profile faces land far from the same person's frontal ones and near other people's,
 * so indexing them would produce false matches, and skipping them saves the recogniser's time.
 */
export interface FaceQualityOptions {
  /**
   * Narrowest face box, in frame pixels, that gets a descriptor. The recogniser works on a
   * 150 px aligned crop upscaled from whatever is there. Measured on deepface photos shrunk
   * step by step, the descriptor moves from the full-size one by ≤0.29 at 40 px, ≤0.38 at 32 px
   * and up to 0.55 at 24 px, against a same/different boundary of 0.55. The Hamilton singer's far
   * shot (39 px) was 0.59 from his own photo.
   */
  minFaceWidth: number;
  /** Face width at which the size part of the quality saturates (the landmark net's 112 px input). */
  goodFaceWidth: number;
  /**
   * Lowest sharpness (variance of the Laplacian of the grey face crop resampled to
   * `sharpnessSide` px, see faceSharpness) that gets a descriptor. Measured on deepface photos
   * blurred step by step: in-focus faces score 350–1250; at ~100 the descriptor has drifted
   * ~0.4 from the sharp one, at ~40 ~0.5, the 95th percentile of same-person distances, so
   * below that it no longer reliably stays with its owner. Out-of-focus audience faces in the
   * Hamilton clip score 4–8, and one of them came within 0.60 of an unrelated person's photo.
   */
  minSharpness: number;
  /** Sharpness at which the sharpness part of the quality saturates (a clean video face ~300). */
  goodSharpness: number;
  /**
   * Smallest distance between the eye centres relative to the face box width. Frontal faces
   * measure 0.39–0.48; the ratio falls with the cosine of the yaw, so 0.35 is roughly 40° of
   * turn. Beyond that the recogniser (trained on aligned near-frontal faces) is unreliable:
   * three-quarter views of Obama at 0.31–0.35 were 0.62–0.69 from his own photos, a profile
   * of Lin-Manuel Miranda at 0.08 was 0.72 from his.
   */
  minEyeRatio: number;
  /** Eye ratio of a frontal face, where the pose part of the quality saturates. */
  frontalEyeRatio: number;
  /**
   * Largest left/right asymmetry of the nose tip between the jaw ends (0 frontal, 1 profile).
   * A second pose check for turned heads whose eye landmarks still look spread out; frontal
   * photos measure 0.0–0.2, turned audience faces in the Hamilton clip up to 0.59.
   */
  maxYawAsymmetry: number;
  /**
   * Lowest detector score that gets a descriptor. The default equals the detector's default
   * minConfidence, i.e. no extra gate: a low score mostly means a partly hidden face (a hand, a
   * microphone), and the Hamilton singer's frames scored 0.41–0.47 still gave descriptors 0.46–0.57
   * from his photo. Raise it to recognise only faces the detector is sure of.
   */
  minUsableScore: number;
  /** Side of the square grid the face crop is resampled to before measuring sharpness. */
  sharpnessSide: number;
}

export const DEFAULT_FACE_QUALITY: FaceQualityOptions = {
  minFaceWidth: 40,
  goodFaceWidth: 112,
  minSharpness: 40,
  goodSharpness: 300,
  minEyeRatio: 0.35,
  frontalEyeRatio: 0.45,
  maxYawAsymmetry: 0.6,
  minUsableScore: 0.4,
  sharpnessSide: 64,
};

export interface FaceQualityInput {
  box: Box;
  score: number;
  /** Sharpness of the face crop (faceSharpness). */
  sharpness: number;
  /** Head pose from the landmarks (facePose). */
  pose: FacePose;
}

export interface FaceQuality {
  quality: number;
  usable: boolean;
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/**
 * Combines size, sharpness, detector score and pose into one number in [0,1]. A geometric mean,
 * so that one bad factor (a sharp but tiny face, a big but blurred one) pulls the whole quality
 * down instead of being averaged away; tracks keep their best face and weight descriptors by it.
 */
export function assessFaceQuality(input: FaceQualityInput, options: FaceQualityOptions = DEFAULT_FACE_QUALITY): FaceQuality {
  const size = clamp01(input.box.width / options.goodFaceWidth);
  const sharp = clamp01(input.sharpness / options.goodSharpness);
  const pose = clamp01(Math.min(1 - input.pose.yawAsymmetry, input.pose.eyeRatio / options.frontalEyeRatio));
  const score = clamp01(input.score);
  const quality = Math.pow(Math.max(size, 1e-3) * Math.max(sharp, 1e-3) * Math.max(pose, 1e-3) * Math.max(score, 1e-3), 1 / 4);
  const usable =
    input.box.width >= options.minFaceWidth &&
    input.sharpness >= options.minSharpness &&
    input.pose.eyeRatio >= options.minEyeRatio &&
    input.pose.yawAsymmetry <= options.maxYawAsymmetry &&
    input.score >= options.minUsableScore;
  return { quality: Math.round(quality * 1000) / 1000, usable };
}

/**
 * Variance of the Laplacian of the grey face crop, a standard focus measure: edges of eyes, lips
 * and hair give large second derivatives when sharp and small ones when blurred or heavily
 * compressed. The crop is first resampled to side×side (area-averaged when larger, bilinear when
 * smaller) so that numbers are comparable across face sizes: blur that vanishes at the
 * recogniser's own scale should not count against a large face.
 */
export function faceSharpness(image: RgbImage, box: Box, side = DEFAULT_FACE_QUALITY.sharpnessSide): number {
  const grey = resampleGrey(image, box, side);
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let y = 1; y < side - 1; y++) {
    for (let x = 1; x < side - 1; x++) {
      const i = y * side + x;
      const lap = grey[i - side]! + grey[i + side]! + grey[i - 1]! + grey[i + 1]! - 4 * grey[i]!;
      sum += lap;
      sumSq += lap * lap;
      n += 1;
    }
  }
  const mean = sum / n;
  return sumSq / n - mean * mean;
}

/** Grey levels (BT.601 luma) of the box resampled to side×side. */
function resampleGrey(image: RgbImage, box: Box, side: number): Float32Array {
  const out = new Float32Array(side * side);
  const x0 = Math.max(0, box.x);
  const y0 = Math.max(0, box.y);
  const x1 = Math.min(image.width, box.x + box.width);
  const y1 = Math.min(image.height, box.y + box.height);
  const w = Math.max(1e-6, x1 - x0);
  const h = Math.max(1e-6, y1 - y0);
  const luma = (px: number, py: number) => {
    const cx = Math.min(image.width - 1, Math.max(0, px));
    const cy = Math.min(image.height - 1, Math.max(0, py));
    const i = (cy * image.width + cx) * 3;
    return 0.299 * image.data[i]! + 0.587 * image.data[i + 1]! + 0.114 * image.data[i + 2]!;
  };
  const stepX = w / side;
  const stepY = h / side;
  for (let oy = 0; oy < side; oy++) {
    for (let ox = 0; ox < side; ox++) {
      const sx = x0 + ox * stepX;
      const sy = y0 + oy * stepY;
      let value: number;
      if (stepX > 1 && stepY > 1) {
        // Shrinking: average every source pixel that falls in the cell, like an area filter.
        let acc = 0;
        let count = 0;
        for (let py = Math.floor(sy); py < Math.ceil(sy + stepY); py++) {
          for (let px = Math.floor(sx); px < Math.ceil(sx + stepX); px++) {
            acc += luma(px, py);
            count += 1;
          }
        }
        value = acc / count;
      } else {
        const fx = sx + stepX / 2 - 0.5;
        const fy = sy + stepY / 2 - 0.5;
        const ix = Math.floor(fx);
        const iy = Math.floor(fy);
        const ax = fx - ix;
        const ay = fy - iy;
        value =
          (1 - ay) * ((1 - ax) * luma(ix, iy) + ax * luma(ix + 1, iy)) +
          ay * ((1 - ax) * luma(ix, iy + 1) + ax * luma(ix + 1, iy + 1));
      }
      out[oy * side + ox] = value;
    }
  }
  return out;
}

export interface FacePose {
  /** |l − r| / (l + r) of the nose-tip-to-jaw-end distances: 0 frontal, towards 1 as the head turns. */
  yawAsymmetry: number;
  /** Distance between the eye centres divided by the face box width (~0.45 frontal, → 0 in profile). */
  eyeRatio: number;
}

/**
 * How far the head is turned, from 68-point landmarks (iBUG order: jaw 0–16, nose tip 30, eyes
 * 36–41 and 42–47), measured two ways because each fails differently: the eye spacing shrinks
 * with the cosine of the yaw, and the nose tip moves towards one jaw end.
 */
export function facePose(landmarks: readonly Point[], box: Box): FacePose {
  const left = landmarks[0];
  const right = landmarks[16];
  const nose = landmarks[30];
  if (!left || !right || !nose || landmarks.length < 48 || box.width <= 0) return { yawAsymmetry: 1, eyeRatio: 0 };
  const l = Math.hypot(nose.x - left.x, nose.y - left.y);
  const r = Math.hypot(right.x - nose.x, right.y - nose.y);
  const leftEye = centre(landmarks.slice(36, 42));
  const rightEye = centre(landmarks.slice(42, 48));
  return {
    yawAsymmetry: l + r > 0 ? Math.abs(l - r) / (l + r) : 1,
    eyeRatio: Math.hypot(leftEye.x - rightEye.x, leftEye.y - rightEye.y) / box.width,
  };
}

function centre(points: readonly Point[]): Point {
  let x = 0;
  let y = 0;
  for (const p of points) {
    x += p.x;
    y += p.y;
  }
  return { x: x / points.length, y: y / points.length };
}
