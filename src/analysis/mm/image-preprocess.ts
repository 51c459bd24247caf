import type { ImagePreprocessing, ResampleFilter } from '../../models/model-spec.js';
import type { RgbImage } from '../types.js';

/**
 * Image preprocessing for CLIP-family image towers, as Hugging Face image processors do it in
 * Python: PIL resize, centre crop, rescale, normalise, channels first.
 *
 * The resize is a port of Pillow's separable convolution resampler (libImaging/Resample.c) rather
 * than sharp's: the published models were trained and evaluated with PIL (or torchvision on PIL
 * images), whose filters widen with the scale factor (antialiasing) and round to 8 bits between the
 * horizontal and the vertical pass. libvips kernels, and transformers.js' sharp `affine` path,
 * produce visibly different pixels on downscaling, which shifts the embeddings. Pictures reaching
 * here are at most a few megapixels (the decoder caps the long side), so plain loops are fast
 * enough (tens of milliseconds).
 */

interface Filter {
  support: number;
  weight(x: number): number;
}

const FILTERS: Record<Exclude<ResampleFilter, 'nearest'>, Filter> = {
  box: { support: 0.5, weight: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
  bilinear: {
    support: 1,
    weight: (x) => {
      const a = Math.abs(x);
      return a < 1 ? 1 - a : 0;
    },
  },
  hamming: {
    support: 1,
    weight: (x) => {
      const a = Math.abs(x);
      if (a === 0) return 1;
      if (a >= 1) return 0;
      const px = a * Math.PI;
      return (Math.sin(px) / px) * (0.54 + 0.46 * Math.cos(px));
    },
  },
  bicubic: {
    support: 2,
    weight: (x) => {
      // Keys' cubic with a = -0.5, as Pillow uses.
      const a = -0.5;
      const t = Math.abs(x);
      if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
      if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
      return 0;
    },
  },
  lanczos: {
    support: 3,
    weight: (x) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0),
  },
};

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

/** Hugging Face / PIL numbering of the `resample` field. */
const RESAMPLE_BY_NUMBER: Record<number, ResampleFilter> = {
  0: 'nearest',
  1: 'lanczos',
  2: 'bilinear',
  3: 'bicubic',
  4: 'box',
  5: 'hamming',
};

/** Fixed-point precision of Pillow's 8-bit resampler: 32 bits minus 8 for the value and 2 for headroom. */
const PRECISION_BITS = 22;

interface Coefficients {
  ksize: number;
  /** Per output position: first input index and number of taps. */
  bounds: Int32Array;
  /** Fixed-point weights, `ksize` per output position. */
  weights: Int32Array;
}

function precomputeCoefficients(inSize: number, outSize: number, filter: Filter): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const row = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let total = 0;
    for (let x = 0; x < xmax; x++) {
      const w = filter.weight((x + xmin - center + 0.5) / filterScale);
      row[x] = w;
      total += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = total !== 0 ? row[x]! / total : row[x]!;
      // Pillow converts with C's truncating (int) cast after adding ±0.5.
      weights[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * (1 << PRECISION_BITS)) : Math.trunc(0.5 + w * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, weights };
}

function clip8(accumulator: number): number {
  const value = accumulator >> PRECISION_BITS;
  return value < 0 ? 0 : value > 255 ? 255 : value;
}

function resampleHorizontal(input: RgbImage, outWidth: number, filter: Filter): RgbImage {
  const { ksize, bounds, weights } = precomputeCoefficients(input.width, outWidth, filter);
  const out = new Uint8Array(outWidth * input.height * 3);
  const half = 1 << (PRECISION_BITS - 1);
  for (let y = 0; y < input.height; y++) {
    const rowStart = y * input.width * 3;
    for (let xx = 0; xx < outWidth; xx++) {
      const xmin = bounds[xx * 2]!;
      const xmax = bounds[xx * 2 + 1]!;
      let r = half;
      let g = half;
      let b = half;
      for (let x = 0; x < xmax; x++) {
        const k = weights[xx * ksize + x]!;
        const p = rowStart + (x + xmin) * 3;
        r += input.data[p]! * k;
        g += input.data[p + 1]! * k;
        b += input.data[p + 2]! * k;
      }
      const o = (y * outWidth + xx) * 3;
      out[o] = clip8(r);
      out[o + 1] = clip8(g);
      out[o + 2] = clip8(b);
    }
  }
  return { width: outWidth, height: input.height, data: out };
}

function resampleVertical(input: RgbImage, outHeight: number, filter: Filter): RgbImage {
  const { ksize, bounds, weights } = precomputeCoefficients(input.height, outHeight, filter);
  const out = new Uint8Array(input.width * outHeight * 3);
  const half = 1 << (PRECISION_BITS - 1);
  const stride = input.width * 3;
  for (let yy = 0; yy < outHeight; yy++) {
    const ymin = bounds[yy * 2]!;
    const ymax = bounds[yy * 2 + 1]!;
    for (let x = 0; x < input.width; x++) {
      let r = half;
      let g = half;
      let b = half;
      for (let y = 0; y < ymax; y++) {
        const k = weights[yy * ksize + y]!;
        const p = (y + ymin) * stride + x * 3;
        r += input.data[p]! * k;
        g += input.data[p + 1]! * k;
        b += input.data[p + 2]! * k;
      }
      const o = (yy * input.width + x) * 3;
      out[o] = clip8(r);
      out[o + 1] = clip8(g);
      out[o + 2] = clip8(b);
    }
  }
  return { width: input.width, height: outHeight, data: out };
}

function resizeNearest(input: RgbImage, width: number, height: number): RgbImage {
  // Pillow resizes with NEAREST through an affine transform sampling at pixel centres.
  const out = new Uint8Array(width * height * 3);
  const sx = input.width / width;
  const sy = input.height / height;
  for (let y = 0; y < height; y++) {
    const iy = Math.min(input.height - 1, Math.trunc((y + 0.5) * sy));
    for (let x = 0; x < width; x++) {
      const ix = Math.min(input.width - 1, Math.trunc((x + 0.5) * sx));
      const p = (iy * input.width + ix) * 3;
      const o = (y * width + x) * 3;
      out[o] = input.data[p]!;
      out[o + 1] = input.data[p + 1]!;
      out[o + 2] = input.data[p + 2]!;
    }
  }
  return { width, height, data: out };
}

/** Resizes 8-bit RGB exactly as Pillow's `Image.resize((width, height), resample)` does. */
export function resizeRgb(image: RgbImage, width: number, height: number, resample: ResampleFilter): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`cannot resize to ${width}×${height}`);
  }
  if (width === image.width && height === image.height) return image;
  if (resample === 'nearest') return resizeNearest(image, width, height);
  const filter = FILTERS[resample];
  // Pillow skips a pass whose dimension does not change, which also skips its 8-bit rounding.
  const horizontal = width !== image.width ? resampleHorizontal(image, width, filter) : image;
  return height !== image.height ? resampleVertical(horizontal, height, filter) : horizontal;
}

/** Target size of the resize step, as transformers' get_resize_output_image_size computes it. */
export function resizeTarget(
  resize: NonNullable<ImagePreprocessing['resize']>,
  width: number,
  height: number,
): { width: number; height: number } {
  if ('shortestEdge' in resize) {
    const short = Math.min(width, height);
    const long = Math.max(width, height);
    const newShort = resize.shortestEdge;
    const newLong = Math.trunc((newShort * long) / short);
    return width <= height ? { width: newShort, height: newLong } : { width: newLong, height: newShort };
  }
  return { width: resize.width, height: resize.height };
}

/** The width and height of the tensor every picture becomes; throws when it depends on the picture. */
export function outputSize(prep: ImagePreprocessing): { width: number; height: number } {
  if (prep.crop) return prep.crop;
  if (prep.resize && !('shortestEdge' in prep.resize)) return prep.resize;
  throw new Error('the image preprocessing gives pictures of varying size (no crop and no fixed resize), which cannot be batched');
}

/**
 * Writes one picture, preprocessed, into `out` (NCHW float32) at item `index`. The crop follows
 * transformers' center_crop: offset floor((size - crop) / 2), zero (before normalisation) outside
 * the picture.
 */
export function preprocessInto(image: RgbImage, prep: ImagePreprocessing, out: Float32Array, index: number): void {
  if (image.data.length !== image.width * image.height * 3) {
    throw new Error(`RGB picture of ${image.width}×${image.height} must have ${image.width * image.height * 3} bytes, got ${image.data.length}`);
  }
  let resized = image;
  if (prep.resize) {
    const target = resizeTarget(prep.resize, image.width, image.height);
    resized = resizeRgb(image, target.width, target.height, prep.resample);
  }
  const { width, height } = outputSize(prep);
  const top = Math.floor((resized.height - height) / 2);
  const left = Math.floor((resized.width - width) / 2);
  const plane = width * height;
  const base = index * 3 * plane;
  const scale = prep.rescale ?? 1;
  for (let c = 0; c < 3; c++) {
    const mean = prep.mean ? prep.mean[c]! : 0;
    const std = prep.std ? prep.std[c]! : 1;
    const channelBase = base + c * plane;
    for (let y = 0; y < height; y++) {
      const sy = y + top;
      for (let x = 0; x < width; x++) {
        const sx = x + left;
        const inside = sy >= 0 && sy < resized.height && sx >= 0 && sx < resized.width;
        const value = inside ? resized.data[(sy * resized.width + sx) * 3 + c]! : 0;
        out[channelBase + y * width + x] = (value * scale - mean) / std;
      }
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

function triple(value: unknown): [number, number, number] | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return [value, value, value];
  if (Array.isArray(value) && value.length === 3 && value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    return [value[0] as number, value[1] as number, value[2] as number];
  }
  return undefined;
}

function parseSize(value: unknown): ImagePreprocessing['resize'] | undefined {
  // Older configs give a bare number, which CLIP-style processors read as the shortest edge.
  const bare = positiveInteger(value);
  if (bare !== undefined) return { shortestEdge: bare };
  if (!isRecord(value)) return undefined;
  const shortestEdge = positiveInteger(value.shortest_edge);
  if (shortestEdge !== undefined) return { shortestEdge };
  const width = positiveInteger(value.width);
  const height = positiveInteger(value.height);
  if (width !== undefined && height !== undefined) return { width, height };
  return undefined;
}

function parseCrop(value: unknown): ImagePreprocessing['crop'] | undefined {
  const bare = positiveInteger(value);
  if (bare !== undefined) return { width: bare, height: bare };
  if (!isRecord(value)) return undefined;
  const width = positiveInteger(value.width);
  const height = positiveInteger(value.height);
  return width !== undefined && height !== undefined ? { width, height } : undefined;
}

/**
 * Reads a Hugging Face preprocessor_config.json (null when the model has none) and applies the
 * registry's overrides. Missing flags take the image processors' defaults (resize, rescale by
 * 1/255, normalise when a mean and std are given; crop when a crop size is given).
 */
export function parsePreprocessing(config: unknown, overrides: Partial<ImagePreprocessing> = {}): ImagePreprocessing {
  const c = isRecord(config) ? config : {};
  const problems: string[] = [];

  let resize: ImagePreprocessing['resize'] = null;
  if (c.do_resize !== false && c.size !== undefined) {
    const parsed = parseSize(c.size);
    if (parsed === undefined) problems.push(`unsupported size ${JSON.stringify(c.size)}`);
    else resize = parsed;
  }

  let resample: ResampleFilter = 'bicubic';
  if (c.resample !== undefined) {
    const named = typeof c.resample === 'number' ? RESAMPLE_BY_NUMBER[c.resample] : undefined;
    if (named === undefined) problems.push(`unsupported resample ${JSON.stringify(c.resample)}`);
    else resample = named;
  }

  let crop: ImagePreprocessing['crop'] = null;
  if (c.do_center_crop ?? (c.crop_size !== undefined)) {
    const parsed = parseCrop(c.crop_size);
    if (parsed === undefined) problems.push(`unsupported crop_size ${JSON.stringify(c.crop_size)}`);
    else crop = parsed;
  }

  let rescale: number | null = null;
  if (c.do_rescale !== false) {
    rescale = typeof c.rescale_factor === 'number' ? c.rescale_factor : 1 / 255;
  }

  let mean: [number, number, number] | null = null;
  let std: [number, number, number] | null = null;
  // Some early SigLIP configs spell the fields "mean"/"std".
  const meanValue = c.image_mean ?? c.mean;
  const stdValue = c.image_std ?? c.std;
  if (c.do_normalize !== false && (meanValue !== undefined || stdValue !== undefined || c.do_normalize === true)) {
    mean = triple(meanValue) ?? null;
    std = triple(stdValue) ?? null;
    if ((mean === null || std === null) && !(overrides.mean && overrides.std)) {
      problems.push('do_normalize is set but image_mean/image_std are missing or malformed');
    }
  }

  const prep: ImagePreprocessing = { resize, resample, crop, rescale, mean, std, ...overrides };
  if (prep.std?.some((s) => s === 0)) problems.push('image_std contains 0');
  if ((prep.mean === null) !== (prep.std === null)) problems.push('image mean and std must be given together');
  if (problems.length > 0) throw new Error(`unusable image preprocessing: ${problems.join('; ')}`);
  outputSize(prep);
  return prep;
}
