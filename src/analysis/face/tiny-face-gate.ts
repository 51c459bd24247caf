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
import type { RgbImage } from '../types.js';
import type { FaceApi } from './face-api-loader.js';

type TfTensor = ReturnType<FaceApi['tf']['tensor']>;

interface ConvParams {
  filters: TfTensor;
  bias: TfTensor;
}
interface SeparableParams {
  depthwise_filter: TfTensor;
  pointwise_filter: TfTensor;
  bias: TfTensor;
}
interface TinyParams {
  conv0: ConvParams;
  conv1: SeparableParams;
  conv2: SeparableParams;
  conv3: SeparableParams;
  conv4: SeparableParams;
  conv5: SeparableParams;
  conv6?: SeparableParams;
  conv7?: SeparableParams;
  conv8: ConvParams;
}

/** face-api's TinyFaceDetector constants (tinyFaceDetector/const.ts). */
const MEAN_RGB = [117.001, 114.697, 97.404] as const;
const ANCHORS = 5;
const BOX_ENCODING = 5;
const LEAKY_ALPHA = 0.10000000149011612;

/**
 * A cheap "is there a face here at all?" test for video frames: face-api's TinyFaceDetector (a
 * small Tiny-YOLO v2 with separable convolutions, weights in the npm package) on onnxruntime at a
 * small input size, reduced to its best box score. At 320 px it costs 4–6 ms a frame (35 ms on
 * tfjs-wasm), against ~35 ms for SSD and ~35 ms more for landmarks and descriptors of a face, so
 * frames in which it sees nothing skip all of those.
 *
 * What it misses, measured on the bench videos and 218 photos (Flickr8k, deepface, the
 * face_recognition examples) against SSD at 0.4: at a 0.2 threshold every face large enough to
 * be recognised (a usable detection) sat in a frame the gate opened; the frames it kept shut held
 * only faces 10–32 px wide (distant people, vtest's pedestrians), which SSD finds but the quality
 * gate never describes. Its anchors start at ~50 px of its input, so such faces are out of its
 * reach at any affordable input size. It does not reproduce SSD's boxes (its own are larger and
 * coarser), so it decides only whether SSD runs.
 */
export class TinyFaceGate {
  private constructor(private readonly session: InferenceSession) {}

  static async create(faceapi: FaceApi, modelDir: string, inputSize: number): Promise<TinyFaceGate> {
    const net = faceapi.nets.tinyFaceDetector;
    if (!net.params) await net.loadFromDisk(modelDir);
    const params = net.params as unknown as TinyParams;
    return new TinyFaceGate(await createOnnxSession(buildGraph(params, inputSize)));
  }

  /** The best face score in the picture (0–1), as TinyFaceDetector would rank its candidates. */
  async bestScore(image: RgbImage): Promise<number> {
    // face-api's toBatchTensor(size, false) pads with zeros after the picture on the short side.
    const side = Math.max(image.width, image.height);
    const out = await this.session.run(pictureFeeds(image.data, image.width, image.height, [0, 0, side - image.height, side - image.width]));
    const grid = out.grid!;
    const [, channels, rows, cols] = grid.dims as [number, number, number, number];
    const values = grid.data as Float32Array;
    let best = -Infinity;
    for (let anchor = 0; anchor < Math.min(ANCHORS, channels / BOX_ENCODING); anchor++) {
      const plane = (anchor * BOX_ENCODING + 4) * rows * cols;
      for (let i = 0; i < rows * cols; i++) best = Math.max(best, values[plane + i]!);
    }
    return 1 / (1 + Math.exp(-best));
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** TinyYolov2Base.runMobilenet with isFirstLayerConv2d, in NCHW; output [1, 25, cells, cells]. */
function buildGraph(params: TinyParams, inputSize: number): OnnxGraph {
  const g = new GraphBuilder();
  const values = (t: TfTensor) => t.dataSync() as Float32Array;
  const conv = (x: string, filters: TfTensor, bias: Float32Array | null, depthwise: boolean, pads: number[]) => {
    const w = onnxConvWeights(filters.shape, values(filters), depthwise);
    const inputs = [x, g.constant('w', w.dims, w.data)];
    if (bias) inputs.push(g.constant('b', [bias.length], bias));
    return g.op('Conv', inputs, { kernel_shape: w.dims.slice(2), pads, group: w.group });
  };
  const leaky = (x: string) => g.op('LeakyRelu', [x], { alpha: { float: LEAKY_ALPHA } });
  // TensorFlow's "same" 2×2 pooling pads only at the end, when at all.
  const pool = (x: string, stride: number) => g.op('MaxPool', [x], { kernel_shape: [2, 2], strides: [stride, stride], auto_pad: { string: 'SAME_UPPER' } });
  const separable = (x: string, p: SeparableParams) =>
    leaky(conv(conv(x, p.depthwise_filter, null, true, [1, 1, 1, 1]), p.pointwise_filter, values(p.bias), false, [0, 0, 0, 0]));

  let x = squarePictureInput(g, inputSize, MEAN_RGB, 255);
  x = leaky(conv(x, params.conv0.filters, values(params.conv0.bias), false, [0, 0, 0, 0]));
  x = pool(x, 2);
  for (const layer of [params.conv1, params.conv2, params.conv3, params.conv4]) x = pool(separable(x, layer), 2);
  x = pool(separable(x, params.conv5), 1);
  if (params.conv6) x = separable(x, params.conv6);
  if (params.conv7) x = separable(x, params.conv7);
  const grid = conv(x, params.conv8.filters, values(params.conv8.bias), false, [0, 0, 0, 0]);
  g.nodes.push({ op: 'Identity', inputs: [grid], outputs: ['grid'] });
  return {
    name: 'face_api_tiny_face_detector',
    nodes: g.nodes,
    initializers: g.initializers,
    inputs: PICTURE_INPUTS,
    outputs: [{ name: 'grid', dims: [1, ANCHORS * BOX_ENCODING, 'cells', 'cells'] }],
    opset: 13,
  };
}
