import type { InferenceSession } from 'onnxruntime-node';
import {
  GraphBuilder,
  centredSquarePads,
  PICTURE_INPUTS,
  pictureFeeds,
  createOnnxSession,
  onnxConvWeights,
  squarePictureInput,
  type OnnxGraph,
} from '../onnx-graph.js';
import type { FaceApi } from './face-api-loader.js';

type TfTensor = ReturnType<FaceApi['tf']['tensor']>;
type Tensor3D = ReturnType<FaceApi['tf']['tensor3d']>;

/** The parts of face-api's loaded FaceRecognitionNet parameters this module reads (faceRecognitionNet/types.ts). */
interface ConvLayerParams {
  conv: { filters: TfTensor; bias: TfTensor };
  scale: { weights: TfTensor; biases: TfTensor };
}
interface ResidualLayerParams {
  conv1: ConvLayerParams;
  conv2: ConvLayerParams;
}
type RecognitionParams = Record<string, ResidualLayerParams> & { conv32_down: ConvLayerParams; fc: TfTensor };

/** Side of the square crop the recogniser looks at (FaceRecognitionNet.forwardInput). */
const INPUT_SIZE = 150;
/** face-api's mean RGB for this net; the centred picture is then divided by 255. */
const MEAN_RGB = [122.782, 117.001, 104.298] as const;
export const DESCRIPTOR_LENGTH = 128;

/** The residual stages of FaceRecognitionNet.forwardInput in order; "down" stages halve the grid. */
const STAGES = [
  'conv32_1',
  'conv32_2',
  'conv32_3',
  'conv64_down',
  'conv64_1',
  'conv64_2',
  'conv64_3',
  'conv128_down',
  'conv128_1',
  'conv128_2',
  'conv256_down',
  'conv256_1',
  'conv256_2',
  'conv256_down_out',
] as const;

/**
 * face-api's 128-d face descriptor (FaceRecognitionNet, a ResNet-34-like net from dlib) with the
 * same weights, run on onnxruntime's native kernels instead of tfjs-wasm. The graph is written in
 * memory from the weights face-api already loaded. It takes the aligned face crop face-api's
 * extractFaceTensors cut (8-bit RGB of any size) and does in the graph what
 * `computeFaceDescriptor` does on tfjs before the net: centre the crop on a black square
 * (padToSquare with isCenterImage), resize bilinearly to 150 × 150 (no align-corners, no
 * half-pixel centres), subtract the mean RGB and divide by 255. The descriptor is the raw output of
 * the last fully connected layer, not normalised, as face-api returns it.
 */
export class OnnxFaceRecogniser {
  private constructor(private readonly session: InferenceSession) {}

  static async create(faceapi: FaceApi): Promise<OnnxFaceRecogniser> {
    const params = faceapi.nets.faceRecognitionNet.params as unknown as RecognitionParams | undefined;
    if (!params) throw new Error('the face recognition weights are not loaded');
    return new OnnxFaceRecogniser(await createOnnxSession(buildGraph(params)));
  }

  /** The descriptor of an RGB face crop ([h, w, 3], values 0–255), as computeFaceDescriptor gives it. */
  async describe(pixels: Uint8Array, width: number, height: number): Promise<Float32Array> {
    // computeFaceDescriptor answers an empty crop with zeros rather than running the net.
    if (width <= 0 || height <= 0) return new Float32Array(DESCRIPTOR_LENGTH);
    // padToSquare(…, isCenterImage=true): round(diff / 2) zeros after the picture, the rest before.
    const out = await this.session.run(pictureFeeds(pixels, width, height, centredSquarePads(width, height)));
    return Float32Array.from(out.descriptor!.data as Float32Array);
  }

  /** describe() for a tfjs crop tensor ([h, w, 3], int32 or float with values 0–255), e.g. from extractFaceTensors. */
  async describeTensor(crop: Tensor3D): Promise<Float32Array> {
    const [height, width] = crop.shape;
    if (height <= 0 || width <= 0) return new Float32Array(DESCRIPTOR_LENGTH);
    const values = await crop.data();
    return this.describe(Uint8Array.from(values as ArrayLike<number>), width, height);
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/**
 * FaceRecognitionNet.forwardInput (convLayer.ts, residualLayer.ts) in NCHW. A "scale layer" is a
 * per-channel multiply and add after the convolution's bias, so it is folded into the convolution.
 * Padding is TensorFlow's: "valid" for the stride-2 convolutions and pools, "same" (one pixel all
 * round for 3 × 3) for the others. A down block adds its convolution path to the 2 × 2 average
 * pool of its input, the pool's extra channels zero, and the convolution's grid zero-padded at the
 * bottom and right when it came out one smaller than the pool's.
 */
function buildGraph(params: RecognitionParams): OnnxGraph {
  const g = new GraphBuilder();
  const values = (t: TfTensor) => t.dataSync() as Float32Array;
  /** conv → + bias → × scale + offset, as one Conv; returns the output and its [channels, side]. */
  const conv = (x: string, p: ConvLayerParams, stride: number, relu: boolean, same: boolean): string => {
    const shape = p.conv.filters.shape;
    const cout = shape[3]!;
    const scale = values(p.scale.weights);
    const offset = values(p.scale.biases);
    const filters = Float32Array.from(values(p.conv.filters), (v, k) => v * scale[k % cout]!);
    const bias = Float32Array.from(values(p.conv.bias), (b, c) => b * scale[c]! + offset[c]!);
    const w = onnxConvWeights(shape, filters, false);
    const pad = same ? (shape[0]! - 1) / 2 : 0;
    const out = g.op('Conv', [x, g.constant('w', w.dims, w.data), g.constant('b', [cout], bias)], {
      kernel_shape: w.dims.slice(2),
      strides: [stride, stride],
      pads: [pad, pad, pad, pad],
    });
    return relu ? g.op('Relu', [out]) : out;
  };
  const validSide = (side: number, kernel: number, stride: number) => Math.floor((side - kernel) / stride) + 1;

  let x = squarePictureInput(g, INPUT_SIZE, MEAN_RGB, 255);
  x = conv(x, params.conv32_down, 2, true, false);
  let side = validSide(INPUT_SIZE, params.conv32_down.conv.filters.shape[0]!, 2);
  let channels = params.conv32_down.conv.filters.shape[3]!;
  x = g.op('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2] });
  side = validSide(side, 3, 2);

  for (const stage of STAGES) {
    const p = params[stage];
    if (!p) throw new Error(`face recognition weights lack ${stage}`);
    if (stage.endsWith('_down') || stage.endsWith('_down_out')) {
      let out = conv(conv(x, p.conv1, 2, true, false), p.conv2, 1, false, true);
      const outSide = validSide(side, p.conv1.conv.filters.shape[0]!, 2);
      const outChannels = p.conv2.conv.filters.shape[3]!;
      let pooled = g.op('AveragePool', [x], { kernel_shape: [2, 2], strides: [2, 2] });
      const pooledSide = validSide(side, 2, 2);
      if (outSide !== pooledSide) {
        const grow = pooledSide - outSide;
        out = g.op('Pad', [out, g.int64s('pads', [0, 0, 0, 0, 0, 0, grow, grow])]);
      }
      if (outChannels !== channels) pooled = g.op('Pad', [pooled, g.int64s('pads', [0, 0, 0, 0, 0, outChannels - channels, 0, 0])]);
      x = g.op('Relu', [g.op('Add', [pooled, out])]);
      side = pooledSide;
      channels = outChannels;
    } else {
      const out = conv(conv(x, p.conv1, 1, true, true), p.conv2, 1, false, true);
      x = g.op('Relu', [g.op('Add', [out, x])]);
    }
  }

  const pooled = g.op('Reshape', [g.op('GlobalAveragePool', [x]), g.int64s('shape', [1, channels])]);
  const fc = params.fc;
  g.nodes.push({ op: 'MatMul', inputs: [pooled, g.constant('fc', fc.shape, values(fc))], outputs: ['descriptor'] });
  return {
    name: 'face_api_face_recognition_net',
    nodes: g.nodes,
    initializers: g.initializers,
    inputs: PICTURE_INPUTS,
    outputs: [{ name: 'descriptor', dims: [1, fc.shape[1]!] }],
    opset: 13,
  };
}
