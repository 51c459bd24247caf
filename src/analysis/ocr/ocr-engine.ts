import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Ocr from '@gutenye/ocr-node';
import sharp from 'sharp';
import { decodeImage } from '../image-decoder.js';
import { perThread } from '../per-thread.js';
import type { Box, OcrLine, RgbImage } from '../types.js';

export interface OcrEngineOptions {
  /**
   * onnxruntime threads per session. One by default: the worker pool already runs one analyser per
   * core, and more threads per session would only make them fight over the same cores.
   */
  threads?: number;
  /**
   * Longest side the text detector sees; larger pictures are scaled down first. 960 is PaddleOCR's
   * own default detection limit (det_limit_side_len).
   */
  maxSide?: number;
}

/** What @gutenye/ocr-node returns per line: text, mean character probability, 4-corner polygon. */
interface LibraryLine {
  text: string;
  mean: number;
  box?: number[][];
}

interface LibraryOcr {
  detect(image: string | Buffer): Promise<LibraryLine[]>;
}

/** PaddleOCR's detector works on sides that are multiples of 32. */
const DETECTOR_STRIDE = 32;

/**
 * PaddleOCR v4 (Chinese + English) through @gutenye/ocr-node on onnxruntime-node.
 *
 * Detection gates recognition: the library's detect() runs the text detector over the whole
 * picture and then the recogniser once per line crop the detector found, so a picture without text
 * costs one detector pass and no recognition at all. The library offers no public way to call the
 * two stages separately, and none is needed for that gate.
 *
 * Pictures reach the library as an in-memory PNG (its image loader hands its argument to sharp,
 * which takes a Buffer as readily as a path), so no temporary files are written. The picture is
 * padded on the right and bottom to the detector's multiple of 32 beforehand; otherwise the library
 * letterboxes it with centred padding and its boxes would be shifted against our pixels.
 */
export class OcrEngine {
  private constructor(
    private readonly ocr: LibraryOcr,
    private readonly maxSide: number,
  ) {}

  static async load(options: OcrEngineOptions = {}): Promise<OcrEngine> {
    await useFastInputConversion();
    const threads = options.threads ?? 1;
    const ocr = (await Ocr.create({
      onnxOptions: { intraOpNumThreads: threads, interOpNumThreads: 1 },
    })) as LibraryOcr;
    return new OcrEngine(ocr, options.maxSide ?? 960);
  }

  /**
   * Lines of text in a picture, top to bottom, with the library's confidence (mean character
   * probability; it drops lines below 0.5) and an axis-aligned box in the picture's pixels. A file
   * path is decoded with decodeImage first, so its boxes are in the pixels of the upright picture at
   * analysis size, like every other analyser's boxes for that file.
   */
  async recognise(input: RgbImage | string, time: number): Promise<OcrLine[]> {
    const image = typeof input === 'string' ? await decodeImage(input) : input;
    if (image.width < 1 || image.height < 1) return [];
    const { png, scale } = await detectorInput(image, this.maxSide);
    const lines = await this.ocr.detect(png);
    return lines
      .map((line) => ({
        time,
        text: line.text.trim(),
        confidence: line.mean,
        box: line.box ? polygonToBox(line.box, scale, image) : null,
      }))
      .filter((line) => line.text.length > 0);
  }
}

/**
 * The picture as the detector should see it: at most maxSide, padded with white to multiples of
 * 32 on the right and bottom (so coordinates keep their origin), PNG without compression because
 * it is decoded again at once.
 */
async function detectorInput(image: RgbImage, maxSide: number): Promise<{ png: Buffer; scale: number }> {
  const scale = Math.min(1, maxSide / Math.max(image.width, image.height));
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  let pipeline = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
  if (scale < 1) pipeline = pipeline.resize(width, height, { fit: 'fill' });
  const png = await pipeline
    .extend({
      right: roundUp(width, DETECTOR_STRIDE) - width,
      bottom: roundUp(height, DETECTOR_STRIDE) - height,
      background: { r: 255, g: 255, b: 255 },
    })
    .png({ compressionLevel: 0 })
    .toBuffer();
  return { png, scale: width / image.width };
}

function roundUp(value: number, step: number): number {
  return Math.max(step, Math.ceil(value / step) * step);
}

/** Bounding box of the line polygon, mapped back from detector pixels and kept inside the picture. */
function polygonToBox(points: number[][], scale: number, image: RgbImage): Box | null {
  const xs = points.map((p) => p[0]).filter((v): v is number => Number.isFinite(v));
  const ys = points.map((p) => p[1]).filter((v): v is number => Number.isFinite(v));
  if (xs.length === 0 || ys.length === 0) return null;
  const left = clamp(Math.floor(Math.min(...xs) / scale), 0, image.width);
  const top = clamp(Math.floor(Math.min(...ys) / scale), 0, image.height);
  const right = clamp(Math.ceil(Math.max(...xs) / scale), left, image.width);
  const bottom = clamp(Math.ceil(Math.max(...ys) / scale), top, image.height);
  return { x: left, y: top, width: right - left, height: bottom - top };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

interface RgbaPicture {
  data: ArrayLike<number>;
  width: number;
  height: number;
}

type ImageToInput = (image: RgbaPicture, options?: { mean?: number[]; std?: number[] }) => { data: ArrayLike<number>; width: number; height: number };

let conversionPatched: Promise<void> | undefined;

/**
 * @gutenye/ocr-common turns every picture (the whole keyframe for the text detector, then each
 * line for the recogniser) into the models' planar BGR float input with a per-pixel Array.push
 * loop and array spreads: about 45 ms of the ~125 ms OCR takes on a 1024 × 576 keyframe. The
 * same arithmetic written into a Float32Array takes a few milliseconds. The library has no hook
 * for it, so its ModelBase.prototype.imageToInput is replaced once per thread by this equivalent,
 * which yields the same float32 values ((v / 255 − mean) / std in double precision, then
 * rounded, as Float32Array.from does with the library's numbers). Where a later version of the
 * library has no such method, its own is left alone.
 */
function useFastInputConversion(): Promise<void> {
  conversionPatched ??= (async () => {
    try {
      const requireFromOcrNode = createRequire(createRequire(import.meta.url).resolve('@gutenye/ocr-node'));
      const common = path.dirname(requireFromOcrNode.resolve('@gutenye/ocr-common'));
      const module = (await import(pathToFileURL(path.join(common, 'models', 'ModelBase.js')).href)) as {
        ModelBase?: { prototype: { imageToInput?: ImageToInput } };
      };
      const prototype = module.ModelBase?.prototype;
      if (typeof prototype?.imageToInput !== 'function') return;
      prototype.imageToInput = fastImageToInput;
    } catch {
      // The library's layout changed: keep its own conversion.
    }
  })();
  return conversionPatched;
}

/** Exported for the test that holds it to the library's own conversion. */
export function fastImageToInput(image: RgbaPicture, { mean = [0, 0, 0], std = [1, 1, 1] }: { mean?: number[]; std?: number[] } = {}) {
  const pixels = Math.floor(image.data.length / 4);
  const data = new Float32Array(pixels * 3);
  const source = image.data;
  const [m0, m1, m2] = [mean[0] ?? 0, mean[1] ?? 0, mean[2] ?? 0];
  const [s0, s1, s2] = [std[0] ?? 1, std[1] ?? 1, std[2] ?? 1];
  for (let p = 0, i = 0; p < pixels; p++, i += 4) {
    data[p] = (source[i + 2]! / 255 - m2) / s2;
    data[pixels + p] = (source[i + 1]! / 255 - m1) / s1;
    data[2 * pixels + p] = (source[i]! / 255 - m0) / s0;
  }
  return { data, width: image.width, height: image.height };
}

/** The OCR engine of this thread with default options, loaded on first use. */
export const sharedOcrEngine = perThread(() => OcrEngine.load());
