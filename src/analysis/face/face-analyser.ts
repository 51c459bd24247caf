import { perThread } from '../per-thread.js';
import type { FaceDetection, RgbImage, TimedFrame } from '../types.js';
import { bundledFaceModelDir, loadFaceApi, type FaceApi } from './face-api-loader.js';
import { OnnxFaceLandmarker } from './landmarks-onnx.js';
import { OnnxFaceRecogniser } from './recognition-onnx.js';
import { OnnxSsdDetector, type DetectorInput, type DetectorPrecision } from './ssd-onnx.js';
import { TinyFaceGate } from './tiny-face-gate.js';
import { DEFAULT_FACE_QUALITY, assessFaceQuality, faceSharpness, facePose, type FaceQualityOptions } from './face-quality.js';

export interface FaceAnalyserOptions {
  /**
   * Lowest SSD score kept as a detection. At 0.4 the Hamilton clip's medium shots of the singer
   * (scores 0.41–0.47 in some frames) stay in one track instead of breaking into pieces; between
   * 0.3 and 0.6 Flickr photos give mostly real tiny or turned faces and a few dogs; the tiny and
   * turned ones fail the quality gate and get no descriptor.
   */
  minConfidence?: number;
  /** Most faces per frame (SSD keeps the best-scored ones). */
  maxFaces?: number;
  /**
   * Pictures whose longest side is smaller than this are centred on a black square of this side
   * before detection. SSD resizes every input to 512×512; a tight face crop would then fill the
   * whole input, a scale the detector hardly saw in training (a tight 80 px crop of Obama's face
   * scored 0.70 alone and 0.96 padded, a 150 px one 0.95 and 0.99). On 80 small Flickr photos the
   * padding found 75 faces instead of 64. Larger frames are untouched, so video costs nothing.
   */
  minDetectorSide?: number;
  /** Quality gate; see FaceQualityOptions. */
  quality?: Partial<FaceQualityOptions>;
  /**
   * The detector's arithmetic (ssd-onnx.ts). float32 by default; video frames use int8 unless
   * configured otherwise (analyseVideoFaces).
   */
  detector?: DetectorPrecision;
  /** Folder with face-api's weight files; defaults to the npm package's own `model/`. */
  modelDir?: string;
}

export interface FaceAnalyser {
  /** Faces in the frame, boxes in the frame's pixels; descriptors only for usable faces. */
  detect(frame: TimedFrame): Promise<FaceDetection[]>;
  /**
   * The small detector's best face score for the picture (see TinyFaceGate): a few milliseconds,
   * for deciding whether detect() is worth running on a video frame.
   */
  faceScore(image: RgbImage): Promise<number>;
}

const DEFAULTS = { minConfidence: 0.4, maxFaces: 50, minDetectorSide: 320 };
/** Input side of the small detector behind faceScore(); see TinyFaceGate for how it was chosen. */
const GATE_INPUT_SIZE = 320;

/**
 * SSD MobileNet v1 detection, 68-point landmarks and the 128-d ResNet-34 descriptor of face-api.
 * The three networks run on onnxruntime (ssd-onnx.ts, landmarks-onnx.ts, recognition-onnx.ts:
 * same weights and results, several times faster than tfjs-wasm); the crops are cut by face-api
 * on tfjs as before. The networks load once per thread; analysers share them. The recogniser,
 * the most expensive step after detection, runs only on faces that pass the quality gate.
 */
export async function loadFaceAnalyser(options: FaceAnalyserOptions = {}): Promise<FaceAnalyser> {
  const faceapi = await loadFaceApi(options.modelDir);
  const settings = {
    minConfidence: options.minConfidence ?? DEFAULTS.minConfidence,
    maxFaces: options.maxFaces ?? DEFAULTS.maxFaces,
    minDetectorSide: options.minDetectorSide ?? DEFAULTS.minDetectorSide,
    quality: { ...DEFAULT_FACE_QUALITY, ...options.quality },
  };
  const [ssd, landmarker, recogniser] = await Promise.all([
    onnxSsd[options.detector ?? 'float32'](faceapi),
    onnxLandmarker(faceapi),
    onnxRecogniser(faceapi),
  ]);
  const modelDir = options.modelDir ?? bundledFaceModelDir();
  return {
    detect: (frame) => detectFaces(faceapi, { ssd, landmarker, recogniser }, settings, frame),
    faceScore: async (image) => (await tinyGate(faceapi, modelDir)).bestScore(image),
  };
}

/** Built on first use, so threads that only see photos never load the small detector. */
const tinyGate = perThread((faceapi: FaceApi, modelDir: string) => TinyFaceGate.create(faceapi, modelDir, GATE_INPUT_SIZE));
const onnxSsd: Record<DetectorPrecision, (faceapi: FaceApi) => Promise<OnnxSsdDetector>> = {
  float32: perThread((faceapi: FaceApi) => OnnxSsdDetector.create(faceapi, 'float32')),
  int8: perThread((faceapi: FaceApi) => OnnxSsdDetector.create(faceapi, 'int8')),
};
const onnxLandmarker = perThread((faceapi: FaceApi) => OnnxFaceLandmarker.create(faceapi));
const onnxRecogniser = perThread((faceapi: FaceApi) => OnnxFaceRecogniser.create(faceapi));

interface Networks {
  ssd: OnnxSsdDetector;
  landmarker: OnnxFaceLandmarker;
  recogniser: OnnxFaceRecogniser;
}

interface Settings {
  minConfidence: number;
  maxFaces: number;
  minDetectorSide: number;
  quality: FaceQualityOptions;
}

/**
 * face-api's 68-point landmarks on each detected box, as `detectAllFaces(…).withFaceLandmarks()`
 * does after detection (crop, landmark net, landmarks shifted into the picture); the net itself
 * runs on onnxruntime (landmarks-onnx.ts).
 */
async function withLandmarks(
  faceapi: FaceApi,
  landmarker: OnnxFaceLandmarker,
  input: InputTensor,
  located: InstanceType<FaceApi['FaceDetection']>[],
) {
  const crops = await faceapi.extractFaceTensors(input, located);
  try {
    const found = [];
    for (const [i, crop] of crops.entries()) {
      const landmarks = await landmarker.detectLandmarksTensor(crop);
      found.push(faceapi.extendWithFaceLandmarks(faceapi.extendWithFaceDetection({}, located[i]!), landmarks));
    }
    return found;
  } finally {
    for (const crop of crops) crop.dispose();
  }
}

type InputTensor = ReturnType<FaceApi['tf']['tensor3d']>;

async function detectFaces(
  faceapi: FaceApi,
  { ssd, landmarker, recogniser }: Networks,
  settings: Settings,
  frame: TimedFrame,
): Promise<FaceDetection[]> {
  const { image } = frame;
  const placement = detectorInput(image, settings.minDetectorSide);
  const located = await ssd.locateFaces(image, placement, { minConfidence: settings.minConfidence, maxResults: settings.maxFaces });
  if (located.length === 0) return [];
  // Landmarks and descriptors crop from the picture as the detector saw it, in tfjs.
  const { offsetX, offsetY } = placement;
  const input = toInputTensor(faceapi, image, placement);
  try {
    const found = await withLandmarks(faceapi, landmarker, input, located);
    const detections: FaceDetection[] = [];
    for (const face of found) {
      const raw = face.detection.box;
      const box = clipBox(raw.x - offsetX, raw.y - offsetY, raw.width, raw.height, image);
      if (box.width < 1 || box.height < 1) continue;
      const points = face.landmarks.positions.map((p) => ({ x: p.x - offsetX, y: p.y - offsetY }));
      // Pose is judged against the unclipped box: a face cut by the frame edge is not narrower.
      const fullBox = { x: raw.x - offsetX, y: raw.y - offsetY, width: raw.width, height: raw.height };
      const { quality, usable } = assessFaceQuality(
        {
          box,
          score: face.detection.score,
          sharpness: faceSharpness(image, box, settings.quality.sharpnessSide),
          pose: facePose(points, fullBox),
        },
        settings.quality,
      );
      const descriptor = usable ? await describe(faceapi, recogniser, input, face.landmarks) : null;
      detections.push({ time: frame.time, box, score: round(face.detection.score, 4), descriptor, quality, usable });
    }
    return detections;
  } finally {
    input.dispose();
  }
}

/**
 * The recogniser's input is the dlib-style alignment of the landmarks (eyes and mouth at fixed
 * relative positions), cut from the same tensor the detector saw, as face-api's own
 * withFaceDescriptors() does; the net itself runs on onnxruntime (recognition-onnx.ts, the
 * same descriptor as computeFaceDescriptor to ~1e-6).
 */
async function describe(
  faceapi: FaceApi,
  recogniser: OnnxFaceRecogniser,
  input: ReturnType<FaceApi['tf']['tensor3d']>,
  landmarks: InstanceType<FaceApi['FaceLandmarks68']>,
): Promise<Float32Array | null> {
  const aligned = landmarks.align(null, { useDlibAlignment: true });
  const crops = await faceapi.extractFaceTensors(input, [aligned]);
  try {
    const [crop] = crops;
    if (!crop) return null;
    return await recogniser.describeTensor(crop);
  } finally {
    for (const crop of crops) crop.dispose();
  }
}

/** The picture as the detector gets it: itself, or centred on a black square of minSide when smaller. */
export function detectorInput(image: RgbImage, minSide: number): DetectorInput {
  if (Math.max(image.width, image.height) >= minSide) return { width: image.width, height: image.height, offsetX: 0, offsetY: 0 };
  return {
    width: minSide,
    height: minSide,
    offsetX: Math.floor((minSide - image.width) / 2),
    offsetY: Math.floor((minSide - image.height) / 2),
  };
}

/** RGB pixels straight into an int32 HWC tensor (no canvas), placed as the detector saw them. */
function toInputTensor(faceapi: FaceApi, image: RgbImage, placement: DetectorInput): InputTensor {
  const { tf } = faceapi;
  const { width, height, offsetX, offsetY } = placement;
  if (width === image.width && height === image.height) return tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
  return tf.tidy(() =>
    tf.pad(tf.tensor3d(image.data, [image.height, image.width, 3], 'int32'), [
      [offsetY, height - image.height - offsetY],
      [offsetX, width - image.width - offsetX],
      [0, 0],
    ]),
  );
}

function clipBox(x: number, y: number, width: number, height: number, image: RgbImage) {
  const x0 = Math.max(0, Math.round(x));
  const y0 = Math.max(0, Math.round(y));
  const x1 = Math.min(image.width, Math.round(x + width));
  const y1 = Math.min(image.height, Math.round(y + height));
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
