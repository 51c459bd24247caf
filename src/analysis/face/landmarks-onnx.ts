import type { InferenceSession } from 'onnxruntime-node';
import {
  GraphBuilder,
  centredSquarePads,
  PICTURE_INPUTS,
  pictureFeeds,
  createOnnxSession,
  onnxConvWeights,
  squarePictureInput,
  type AttributeValue,
  type OnnxGraph,
} from '../onnx-graph.js';
import type { FaceApi } from './face-api-loader.js';

type TfTensor = ReturnType<FaceApi['tf']['tensor']>;
type Tensor3D = ReturnType<FaceApi['tf']['tensor3d']>;
type FaceLandmarks68 = InstanceType<FaceApi['FaceLandmarks68']>;

/** The parts of face-api's loaded FaceLandmark68Net parameters this module reads (faceFeatureExtractor/types.ts). */
interface ConvParams {
  filters: TfTensor;
  bias: TfTensor;
}
interface SeparableConvParams {
  depthwise_filter: TfTensor;
  pointwise_filter: TfTensor;
  bias: TfTensor;
}
interface DenseBlock4Params {
  conv0: ConvParams | SeparableConvParams;
  conv1: SeparableConvParams;
  conv2: SeparableConvParams;
  conv3: SeparableConvParams;
}
interface ExtractorParams {
  dense0: DenseBlock4Params;
  dense1: DenseBlock4Params;
  dense2: DenseBlock4Params;
  dense3: DenseBlock4Params;
}
interface ClassifierParams {
  fc: { weights: TfTensor; bias: TfTensor };
}

/** Side of the square crop the landmark net looks at (FaceFeatureExtractor.forwardInput). */
const INPUT_SIZE = 112;
const MEAN_RGB = [122.782, 117.001, 104.298] as const;
const POINTS = 68;

/**
 * face-api's 68-point landmark net (FaceLandmark68Net: four dense blocks of separable
 * convolutions and a fully connected layer) with the same weights, on onnxruntime instead of
 * tfjs-wasm. Like recognition-onnx.ts it takes the 8-bit crop face-api's extractFaceTensors cut
 * from the detection box and does the pre-processing of toBatchTensor(112, true) in the graph
 * (centre on a black square, bilinear resize, mean RGB, / 255); the output is turned into points
 * as FaceLandmark68NetBase.postProcess and detectLandmarks do.
 */
export class OnnxFaceLandmarker {
  private constructor(
    private readonly faceapi: FaceApi,
    private readonly session: InferenceSession,
  ) {}

  static async create(faceapi: FaceApi): Promise<OnnxFaceLandmarker> {
    const net = faceapi.nets.faceLandmark68Net;
    const classifier = net.params as unknown as ClassifierParams | undefined;
    const extractor = net.faceFeatureExtractor.params as unknown as ExtractorParams | undefined;
    if (!classifier || !extractor) throw new Error('the 68-point landmark weights are not loaded');
    return new OnnxFaceLandmarker(faceapi, await createOnnxSession(buildGraph(extractor, classifier)));
  }

  /** The landmarks of a face crop ([h, w, 3], values 0–255) in crop pixels, as detectLandmarks returns them. */
  async detectLandmarks(pixels: Uint8Array, width: number, height: number): Promise<FaceLandmarks68> {
    const out = await this.session.run(pictureFeeds(pixels, width, height, centredSquarePads(width, height)));
    const values = out.landmarks!.data as Float32Array;
    // postProcess: from the padded square back to relative positions in the crop.
    const scale = INPUT_SIZE / Math.max(height, width);
    const scaledWidth = width * scale;
    const scaledHeight = height * scale;
    const padX = scaledWidth < scaledHeight ? Math.abs(scaledWidth - scaledHeight) / 2 : 0;
    const padY = scaledHeight < scaledWidth ? Math.abs(scaledWidth - scaledHeight) / 2 : 0;
    const { Point, FaceLandmarks68 } = this.faceapi;
    const points = Array.from(
      { length: POINTS },
      (_, i) =>
        new Point(
          Math.fround(Math.fround(Math.fround(values[2 * i]! * INPUT_SIZE) - padX) / scaledWidth),
          Math.fround(Math.fround(Math.fround(values[2 * i + 1]! * INPUT_SIZE) - padY) / scaledHeight),
        ),
    );
    return new FaceLandmarks68(points, { width, height });
  }

  /** detectLandmarks() for a tfjs crop tensor ([h, w, 3], int32 with values 0–255), e.g. from extractFaceTensors. */
  async detectLandmarksTensor(crop: Tensor3D): Promise<FaceLandmarks68> {
    const [height, width] = crop.shape;
    const values = await crop.data();
    return this.detectLandmarks(Uint8Array.from(values as ArrayLike<number>), width, height);
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/**
 * FaceFeatureExtractor.forwardInput (denseBlock4 × 4, 7 × 7 average pool) and the fully connected
 * classifier, in NCHW. TensorFlow's "same" padding: one pixel all round at stride 1, only at the
 * bottom and right for the stride-2 3 × 3 convolutions on even sides (SAME_UPPER). A separable
 * convolution is the depthwise filter at the block's stride, then the 1 × 1 pointwise one, then the bias.
 */
function buildGraph(extractor: ExtractorParams, classifier: ClassifierParams): OnnxGraph {
  const g = new GraphBuilder();
  const values = (t: TfTensor) => t.dataSync() as Float32Array;
  const conv = (x: string, filters: TfTensor, bias: TfTensor | null, stride: number, depthwise: boolean) => {
    const w = onnxConvWeights(filters.shape, values(filters), depthwise);
    const inputs = [x, g.constant('w', w.dims, w.data)];
    if (bias) inputs.push(g.constant('b', [bias.shape[0]!], values(bias)));
    const attributes: Record<string, AttributeValue> = { kernel_shape: w.dims.slice(2), group: w.group };
    if (w.dims[2] !== 1) Object.assign(attributes, { strides: [stride, stride], auto_pad: { string: 'SAME_UPPER' } });
    return g.op('Conv', inputs, attributes);
  };
  const separable = (x: string, p: SeparableConvParams, stride: number) =>
    conv(conv(x, p.depthwise_filter, null, stride, true), p.pointwise_filter, p.bias, 1, false);
  const relu = (x: string) => g.op('Relu', [x]);
  const add = (a: string, b: string) => g.op('Add', [a, b]);
  const denseBlock = (x: string, p: DenseBlock4Params, first: boolean) => {
    const out1 = relu(first ? conv(x, (p.conv0 as ConvParams).filters, (p.conv0 as ConvParams).bias, 2, false) : separable(x, p.conv0 as SeparableConvParams, 2));
    const out2 = separable(out1, p.conv1, 1);
    const in3 = relu(add(out1, out2));
    const out3 = separable(in3, p.conv2, 1);
    const in4 = relu(add(out1, add(out2, out3)));
    const out4 = separable(in4, p.conv3, 1);
    return relu(add(out1, add(out2, add(out3, out4))));
  };

  let x = squarePictureInput(g, INPUT_SIZE, MEAN_RGB, 255);
  x = denseBlock(x, extractor.dense0, true);
  x = denseBlock(x, extractor.dense1, false);
  x = denseBlock(x, extractor.dense2, false);
  x = denseBlock(x, extractor.dense3, false);
  x = g.op('AveragePool', [x], { kernel_shape: [7, 7], strides: [2, 2] });
  const { weights, bias } = classifier.fc;
  const features = g.op('Reshape', [x, g.int64s('shape', [1, weights.shape[0]!])]);
  const product = g.op('MatMul', [features, g.constant('fc', weights.shape, values(weights))]);
  g.nodes.push({ op: 'Add', inputs: [product, g.constant('fc_bias', [bias.shape[0]!], values(bias))], outputs: ['landmarks'] });
  return {
    name: 'face_api_face_landmark_68_net',
    nodes: g.nodes,
    initializers: g.initializers,
    inputs: PICTURE_INPUTS,
    outputs: [{ name: 'landmarks', dims: [1, 2 * POINTS] }],
    opset: 13,
  };
}
