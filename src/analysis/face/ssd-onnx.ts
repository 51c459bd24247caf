import type { InferenceSession } from 'onnxruntime-node';
import {
  GraphBuilder,
  PICTURE_INPUTS,
  pictureFeeds,
  createOnnxSession,
  onnxConvWeights,
  squarePictureInput,
  type OnnxGraph,
} from '../onnx-graph.js';
import { quantiseConvGraph, type CalibratedRanges } from '../quantise-conv-graph.js';
import type { RgbImage } from '../types.js';
import type { FaceApi } from './face-api-loader.js';
import { SSD_ACTIVATION_RANGES } from './ssd-activation-ranges.js';

type TfTensor = ReturnType<FaceApi['tf']['tensor']>;
type FaceDetectionInstance = InstanceType<FaceApi['FaceDetection']>;

/** Side of the square picture face-api's SSD MobileNet v1 looks at. */
const INPUT_SIZE = 512;
/** face-api's fixed NMS overlap for this detector (SsdMobilenetv1.locateFaces). */
const NMS_IOU = 0.5;
/** TensorFlow's batch-norm epsilon in face-api's MobileNet v1. */
const BATCH_NORM_EPSILON = 0.0010000000474974513;

/** The parts of face-api's loaded SSD parameters this module reads (shapes as TensorFlow stores them). */
interface PointwiseParams {
  filters: TfTensor;
  batch_norm_offset: TfTensor;
}
interface DepthwiseParams {
  filters: TfTensor;
  batch_norm_scale: TfTensor;
  batch_norm_offset: TfTensor;
  batch_norm_mean: TfTensor;
  batch_norm_variance: TfTensor;
}
interface ConvParams {
  filters: TfTensor;
  bias: TfTensor;
}
interface SsdParams {
  mobilenetv1: Record<string, PointwiseParams | { depthwise_conv: DepthwiseParams; pointwise_conv: PointwiseParams }>;
  prediction_layer: Record<string, PointwiseParams | { box_encoding_predictor: ConvParams; class_predictor: ConvParams }>;
  output_layer: { extra_dim: TfTensor };
}

/**
 * float32 is face-api's arithmetic; int8 is the same network in 8-bit (quantise-conv-graph.ts,
 * activation ranges measured by `npm run calibrate:int8`), about 2.3 times faster on one core.
 * Its scores differ from float32's by a few thousandths typically and up to ~0.1 on hard faces,
 * so faces scored near the 0.4 threshold can change sides (docs/benchmarks/int8.md).
 */
export type DetectorPrecision = 'float32' | 'int8';

/**
 * Convolutions at the start of the network that stay float32 in the int8 detector: the full
 * resolution layers with few channels, where 8 bits cost the most accuracy for the least time
 * (with all of them in 8 bits two of the Hamilton clip's audience faces fell from 0.54 to 0.34).
 * The output heads stay float32 too.
 */
const FLOAT_CONVOLUTIONS = 4;

export interface SsdDetectorOptions {
  minConfidence: number;
  maxResults: number;
}

/**
 * The detector's input picture: the decoded picture, or that picture centred on a larger black
 * square (offsets > 0), as the face analyser hands small photos to the detector.
 */
export interface DetectorInput {
  width: number;
  height: number;
  offsetX: number;
  offsetY: number;
}

/**
 * face-api's SSD MobileNet v1 face detector with the same weights, run on onnxruntime's native
 * kernels instead of tfjs-wasm: about five times faster on one core (wasm SIMD is 128 bits wide
 * and has no fused multiply-add). The graph is written in memory from the weights face-api
 * already loaded, so nothing is downloaded or stored. Pre-processing (pad to a square at the bottom
 * right, bilinear resize to 512, scale to −1…1; inside the graph, from the 8-bit picture), box
 * decoding and non-maximum suppression are face-api's own, step for step, so the detections are
 * the same up to float rounding (the test compares both on real photos).
 */
export class OnnxSsdDetector {
  private constructor(
    private readonly faceapi: FaceApi,
    private readonly session: InferenceSession,
    private readonly anchors: Float32Array,
  ) {}

  /** `calibration` replaces the committed activation ranges of the int8 detector (for the calibration script). */
  static async create(
    faceapi: FaceApi,
    precision: DetectorPrecision = 'float32',
    calibration: CalibratedRanges = SSD_ACTIVATION_RANGES,
  ): Promise<OnnxSsdDetector> {
    const params = ssdParams(faceapi);
    const graph = buildSsdGraph(params);
    const session =
      precision === 'float32'
        ? await createOnnxSession(graph)
        : await createOnnxSession(quantiseConvGraph(graph, { calibration, floatConvolutions: FLOAT_CONVOLUTIONS, floatHeads: true }), {
            keepFloatConvolutions: true,
          });
    return new OnnxSsdDetector(faceapi, session, params.output_layer.extra_dim.dataSync() as Float32Array);
  }

  /**
   * Faces in the picture placed as `input` says, as face-api's `ssdMobilenetv1.locateFaces` returns
   * them for that input (boxes in input pixels).
   */
  async locateFaces(image: RgbImage, input: DetectorInput, options: SsdDetectorOptions): Promise<FaceDetectionInstance[]> {
    const { width, height } = input;
    const out = await this.session.run(ssdFeeds(image, input));
    const encodings = out.boxes!.data as Float32Array;
    const classes = out.classes!.data as Float32Array;
    const count = this.anchors.length / 4;
    const boxes = new Float32Array(count * 4);
    const scores = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      decodeBox(this.anchors, encodings, i, boxes);
      scores[i] = 1 / (1 + Math.exp(-classes[i * 3 + 1]!));
    }
    const kept = nonMaxSuppression(boxes, scores, Math.min(options.maxResults, count), NMS_IOU, options.minConfidence);
    // face-api maps boxes back through the size the picture would have inside the 512 square.
    const scale = INPUT_SIZE / Math.max(height, width);
    const padX = INPUT_SIZE / Math.round(width * scale);
    const padY = INPUT_SIZE / Math.round(height * scale);
    return kept.map((i) => {
      const top = Math.max(0, boxes[i * 4]!) * padY;
      const bottom = Math.min(1, boxes[i * 4 + 2]!) * padY;
      const left = Math.max(0, boxes[i * 4 + 1]!) * padX;
      const right = Math.min(1, boxes[i * 4 + 3]!) * padX;
      return new this.faceapi.FaceDetection(scores[i]!, new this.faceapi.Rect(left, top, right - left, bottom - top), { height, width });
    });
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** The detector graph's feeds for a picture placed as `input` says. */
export function ssdFeeds(image: RgbImage, input: DetectorInput): ReturnType<typeof pictureFeeds> {
  const { width, height, offsetX, offsetY } = input;
  // face-api's padToSquare(…, isCenterImage=false) adds zeros after the input on its short side.
  const side = Math.max(width, height);
  return pictureFeeds(image.data, image.width, image.height, [offsetY, offsetX, side - image.height - offsetY, side - image.width - offsetX]);
}

function ssdParams(faceapi: FaceApi): SsdParams {
  const params = faceapi.nets.ssdMobilenetv1.params as unknown as SsdParams | undefined;
  if (!params) throw new Error('the SSD MobileNet v1 weights are not loaded');
  return params;
}

/** The float32 detector graph of face-api's loaded weights, for measuring activation ranges. */
export function ssdFloatGraph(faceapi: FaceApi): OnnxGraph {
  return buildSsdGraph(ssdParams(faceapi));
}

/** face-api's decodeBoxesLayer for anchor i: centre/size offsets scaled by 10 and 5. */
function decodeBox(anchors: Float32Array, encodings: Float32Array, i: number, out: Float32Array): void {
  const [a0, a1, a2, a3] = [anchors[i * 4]!, anchors[i * 4 + 1]!, anchors[i * 4 + 2]!, anchors[i * 4 + 3]!];
  const [e0, e1, e2, e3] = [encodings[i * 4]!, encodings[i * 4 + 1]!, encodings[i * 4 + 2]!, encodings[i * 4 + 3]!];
  const size0 = a2 - a0;
  const size1 = a3 - a1;
  const centre0 = a0 + size0 / 2;
  const centre1 = a1 + size1 / 2;
  const half0 = (Math.exp(e2 / 5) * size0) / 2;
  const half1 = (Math.exp(e3 / 5) * size1) / 2;
  const mid0 = (e0 / 10) * size0 + centre0;
  const mid1 = (e1 / 10) * size1 + centre1;
  out[i * 4] = mid0 - half0;
  out[i * 4 + 1] = mid1 - half1;
  out[i * 4 + 2] = mid0 + half0;
  out[i * 4 + 3] = mid1 + half1;
}

/** face-api's nonMaxSuppression (ssdMobilenetv1/nonMaxSuppression.ts) on plain arrays. */
function nonMaxSuppression(boxes: Float32Array, scores: Float32Array, maxOutput: number, iouThreshold: number, scoreThreshold: number): number[] {
  const candidates: { score: number; index: number }[] = [];
  scores.forEach((score, index) => {
    if (score > scoreThreshold) candidates.push({ score, index });
  });
  candidates.sort((a, b) => b.score - a.score);
  const selected: number[] = [];
  for (const candidate of candidates) {
    if (selected.length >= maxOutput) break;
    let suppressed = false;
    for (let j = selected.length - 1; j >= 0; j--) {
      const overlap = boxIou(boxes, candidate.index, selected[j]!);
      if (overlap === 0) continue;
      if (overlap > iouThreshold) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) selected.push(candidate.index);
  }
  return selected;
}

function boxIou(boxes: Float32Array, i: number, j: number): number {
  const box = (k: number) => {
    const [y0, x0, y1, x1] = [boxes[k * 4]!, boxes[k * 4 + 1]!, boxes[k * 4 + 2]!, boxes[k * 4 + 3]!];
    return { top: Math.min(y0, y1), left: Math.min(x0, x1), bottom: Math.max(y0, y1), right: Math.max(x0, x1) };
  };
  const a = box(i);
  const b = box(j);
  const areaA = (a.bottom - a.top) * (a.right - a.left);
  const areaB = (b.bottom - b.top) * (b.right - b.left);
  if (areaA <= 0 || areaB <= 0) return 0;
  const inter =
    Math.max(Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top), 0) * Math.max(Math.min(a.right, b.right) - Math.max(a.left, b.left), 0);
  return inter / (areaA + areaB - inter);
}

/**
 * MobileNet v1 with the SSD prediction layers, as face-api's mobileNetV1.ts, predictionLayer.ts
 * and boxPredictionLayer.ts compute it: NHWC input, TensorFlow "same" padding (SAME_UPPER), batch
 * norm folded into the depthwise convolutions, ReLU6 as Clip(0, 6). The outputs are the raw box
 * encodings [1, N, 4] and class logits [1, N, 3] in face-api's anchor order (row, column, anchor).
 */
function buildSsdGraph(params: SsdParams): OnnxGraph {
  const g = new GraphBuilder();
  const zero = g.constant('zero', [], Float32Array.of(0));
  const six = g.constant('six', [], Float32Array.of(6));

  /** A convolution with TensorFlow's filter layout and "same" padding. */
  const conv = (x: string, shape: number[], source: Float32Array, bias: Float32Array, stride: number, depthwise = false): string => {
    const weights = onnxConvWeights(shape, source, depthwise);
    return g.op('Conv', [x, g.constant('w', weights.dims, weights.data), g.constant('b', [bias.length], bias)], {
      kernel_shape: weights.dims.slice(2),
      strides: [stride, stride],
      auto_pad: { string: 'SAME_UPPER' },
      group: weights.group,
    });
  };
  const values = (t: TfTensor) => t.dataSync() as Float32Array;
  const relu6 = (x: string) => g.op('Clip', [x, zero, six]);
  const pointwise = (x: string, p: PointwiseParams, stride: number) =>
    relu6(conv(x, p.filters.shape, values(p.filters), values(p.batch_norm_offset), stride));
  /** Depthwise convolution with its batch norm folded into weights and bias. */
  const depthwise = (x: string, p: DepthwiseParams, stride: number) => {
    const scale = values(p.batch_norm_scale);
    const mean = values(p.batch_norm_mean);
    const variance = values(p.batch_norm_variance);
    const channels = scale.length;
    const factor = Float32Array.from(scale, (s, c) => s / Math.sqrt(variance[c]! + BATCH_NORM_EPSILON));
    const weights = Float32Array.from(values(p.filters), (v, k) => v * factor[k % channels]!);
    const bias = Float32Array.from(values(p.batch_norm_offset), (o, c) => o - mean[c]! * factor[c]!);
    return relu6(conv(x, p.filters.shape, weights, bias, stride, true));
  };

  // face-api: x / 127.5 − 1.
  let x = squarePictureInput(g, INPUT_SIZE, [127.5, 127.5, 127.5], 127.5);
  const net = params.mobilenetv1;
  x = pointwise(x, net.conv_0 as PointwiseParams, 2);
  let conv11 = '';
  for (let i = 1; i <= 13; i++) {
    const pair = net[`conv_${i}`] as { depthwise_conv: DepthwiseParams; pointwise_conv: PointwiseParams };
    x = depthwise(x, pair.depthwise_conv, [2, 4, 6, 12].includes(i) ? 2 : 1);
    x = pointwise(x, pair.pointwise_conv, 1);
    if (i === 11) conv11 = x;
  }
  const prediction = params.prediction_layer;
  const extra: string[] = [];
  let y = x;
  for (let i = 0; i <= 7; i++) {
    y = pointwise(y, prediction[`conv_${i}`] as PointwiseParams, i % 2 === 1 ? 2 : 1);
    extra.push(y);
  }
  const sources = [conv11, x, extra[1]!, extra[3]!, extra[5]!, extra[7]!];
  const boxes: string[] = [];
  const classes: string[] = [];
  const boxShape = g.int64s('box_shape', [1, -1, 4]);
  const classShape = g.int64s('class_shape', [1, -1, 3]);
  sources.forEach((source, i) => {
    const predictor = prediction[`box_predictor_${i}`] as { box_encoding_predictor: ConvParams; class_predictor: ConvParams };
    // Back to NHWC before flattening, so anchors come out in face-api's order.
    const head = (p: ConvParams, shape: string) =>
      g.op('Reshape', [g.op('Transpose', [conv(source, p.filters.shape, values(p.filters), values(p.bias), 1)], { perm: [0, 2, 3, 1] }), shape]);
    boxes.push(head(predictor.box_encoding_predictor, boxShape));
    classes.push(head(predictor.class_predictor, classShape));
  });
  g.nodes.push({ op: 'Concat', inputs: boxes, outputs: ['boxes'], attributes: { axis: 1 } });
  g.nodes.push({ op: 'Concat', inputs: classes, outputs: ['classes'], attributes: { axis: 1 } });
  return {
    name: 'face_api_ssd_mobilenetv1',
    nodes: g.nodes,
    initializers: g.initializers,
    inputs: PICTURE_INPUTS,
    outputs: [
      { name: 'boxes', dims: [1, 'anchors', 4] },
      { name: 'classes', dims: [1, 'anchors', 3] },
    ],
    opset: 13,
  };
}
