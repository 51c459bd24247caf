import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AutoTokenizer } from '@huggingface/transformers';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import sharp from 'sharp';
import { decodeImage } from '../../src/analysis/image-decoder.js';
import { loadClipEmbedder } from '../../src/analysis/mm/clip-embedder.js';
import { resizeRgb } from '../../src/analysis/mm/image-preprocess.js';
import type { ImageTextEmbedder, RgbImage } from '../../src/analysis/types.js';
import { ModelNotInstalledError } from '../../src/models/model-errors.js';
import type { ModelSpec } from '../../src/models/model-spec.js';
import { DEFAULT_MM_MODEL, MODEL_REGISTRY, findModelSpec } from '../../src/models/registry.js';
import { tempDir } from '../helpers/fixtures.js';
import { TINY_DIMENSION, TINY_EOS, TINY_TEXT_LENGTH, writeTinyClipModel } from '../helpers/tiny-clip-model.js';

type Tokenizer = Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;

// ---------------------------------------------------------------------------------------------
// Reference preprocessing, written from the definitions rather than shared with the code under
// test: Pillow's convolution resampler (weights computed per output pixel, fixed point with 22
// fractional bits, 8-bit rounding after each pass), transformers' shortest-edge rule and centre
// crop, then (v * rescale - mean) / std in NCHW order.
// ---------------------------------------------------------------------------------------------

function referenceKernel(filter: 'bilinear' | 'bicubic', x: number): number {
  const t = Math.abs(x);
  if (filter === 'bilinear') return t < 1 ? 1 - t : 0;
  if (t < 1) return 1.5 * t ** 3 - 2.5 * t ** 2 + 1;
  if (t < 2) return -0.5 * t ** 3 + 2.5 * t ** 2 - 4 * t + 2;
  return 0;
}

function referenceResample1d(line: number[], outLength: number, filter: 'bilinear' | 'bicubic'): number[] {
  const inLength = line.length;
  const ratio = inLength / outLength;
  const widen = Math.max(1, ratio);
  const support = (filter === 'bilinear' ? 1 : 2) * widen;
  const out: number[] = [];
  for (let i = 0; i < outLength; i++) {
    const center = (i + 0.5) * ratio;
    const first = Math.max(0, Math.trunc(center - support + 0.5));
    const end = Math.min(inLength, Math.trunc(center + support + 0.5));
    const taps: Array<[number, number]> = [];
    for (let j = first; j < end; j++) taps.push([j, referenceKernel(filter, (j - center + 0.5) / widen)]);
    const total = taps.reduce((sum, [, w]) => sum + w, 0);
    let accumulator = 2 ** 21;
    for (const [j, w] of taps) {
      const normalised = w / total;
      const fixed = normalised < 0 ? Math.trunc(normalised * 2 ** 22 - 0.5) : Math.trunc(normalised * 2 ** 22 + 0.5);
      accumulator += line[j]! * fixed;
    }
    out.push(Math.min(255, Math.max(0, Math.floor(accumulator / 2 ** 22))));
  }
  return out;
}

/** Channel planes [c][y][x] of an RGB picture. */
function planes(image: RgbImage): number[][][] {
  return [0, 1, 2].map((c) =>
    Array.from({ length: image.height }, (_, y) => Array.from({ length: image.width }, (_, x) => image.data[(y * image.width + x) * 3 + c]!)),
  );
}

function referenceResize(image: RgbImage, width: number, height: number, filter: 'bilinear' | 'bicubic'): number[][][] {
  return planes(image).map((plane) => {
    let rows = plane;
    if (width !== image.width) rows = rows.map((row) => referenceResample1d(row, width, filter));
    if (height !== image.height) {
      const columns = Array.from({ length: width }, (_, x) => referenceResample1d(rows.map((row) => row[x]!), height, filter));
      rows = Array.from({ length: height }, (_, y) => columns.map((column) => column[y]!));
    }
    return rows;
  });
}

interface PreprocessorConfig {
  size: { shortest_edge?: number; height?: number; width?: number };
  crop_size: { height: number; width: number };
  do_center_crop: boolean;
  image_mean: number[];
  image_std: number[];
  rescale_factor: number;
  resample: number;
}

function referencePixels(images: RgbImage[], config: PreprocessorConfig): Tensor {
  const filter = config.resample === 2 ? 'bilinear' : 'bicubic';
  const outH = config.do_center_crop ? config.crop_size.height : config.size.height!;
  const outW = config.do_center_crop ? config.crop_size.width : config.size.width!;
  const data = new Float32Array(images.length * 3 * outH * outW);
  images.forEach((image, n) => {
    let width: number;
    let height: number;
    if (config.size.shortest_edge !== undefined) {
      const edge = config.size.shortest_edge;
      if (image.width <= image.height) {
        width = edge;
        height = Math.floor((edge * image.height) / image.width);
      } else {
        height = edge;
        width = Math.floor((edge * image.width) / image.height);
      }
    } else {
      width = config.size.width!;
      height = config.size.height!;
    }
    const resized = width === image.width && height === image.height ? planes(image) : referenceResize(image, width, height, filter);
    const top = Math.floor((height - outH) / 2);
    const left = Math.floor((width - outW) / 2);
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < outH; y++) {
        for (let x = 0; x < outW; x++) {
          const value = resized[c]![y + top]?.[x + left] ?? 0;
          data[((n * 3 + c) * outH + y) * outW + x] = (value * config.rescale_factor - config.image_mean[c]!) / config.image_std[c]!;
        }
      }
    }
  });
  return new Tensor('float32', data, [images.length, 3, outH, outW]);
}

function normalise(data: Float32Array, rows: number, dim: number): Float32Array[] {
  return Array.from({ length: rows }, (_, r) => {
    const row = data.slice(r * dim, (r + 1) * dim);
    const norm = Math.hypot(...row);
    return row.map((v) => v / norm);
  });
}

function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  assert.equal(a.length, b.length);
  let max = 0;
  a.forEach((row, i) => {
    assert.equal(row.length, b[i]!.length);
    row.forEach((v, j) => {
      max = Math.max(max, Math.abs(v - b[i]![j]!));
    });
  });
  return max;
}

function int64(values: number[], dims: number[]): Tensor {
  return new Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), dims);
}

/** The transformers.js tokenizer's int64 output as an onnxruntime tensor. */
function ortTensor(tensor: unknown): Tensor {
  const { data, dims } = tensor as { data: BigInt64Array; dims: number[] };
  return new Tensor('int64', data, dims);
}

function rawImage(width: number, height: number, pixel: (x: number, y: number, c: number) => number): Buffer {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = pixel(x, y, c) & 255;
  return data;
}

const TEXTS = ['a photo of a cat', 'The DOG,  on the mat!', 'café 猫 🐈', '', 'photo of the dog and the cat at noon'];
/** Longer than the fixture's 16-token limit, so it must be cut. */
const LONG_TEXT = Array.from({ length: 30 }, (_, i) => `w${i}`).join(' ');

describe('CLIP-family embedder on the tiny test model', () => {
  const tmp = tempDir('mediasearch-clip-');
  const modelDir = path.join(tmp.dir, 'models');
  let split: ModelSpec;
  let fixed: ModelSpec;
  let combined: ModelSpec;
  let images: RgbImage[];
  let tokenizer: Tokenizer;
  let eosId: number;
  const open: ImageTextEmbedder[] = [];

  async function load(spec: ModelSpec, batchSize?: number): Promise<ImageTextEmbedder> {
    const embedder = await loadClipEmbedder(spec, { modelDir, intraOpThreads: 1, batchSize });
    open.push(embedder);
    return embedder;
  }

  function config(spec: ModelSpec): PreprocessorConfig {
    return JSON.parse(fs.readFileSync(path.join(modelDir, spec.name, 'preprocessor_config.json'), 'utf8')) as PreprocessorConfig;
  }

  async function session(spec: ModelSpec, graph: string): Promise<InferenceSession> {
    return InferenceSession.create(path.join(modelDir, spec.name, graph));
  }

  before(async () => {
    split = writeTinyClipModel(modelDir);
    fixed = writeTinyClipModel(modelDir, { variant: 'fixed-length' });
    combined = writeTinyClipModel(modelDir, { variant: 'combined' });
    // Real files through the real decoder: a PNG wider than tall, a JPEG taller than wide, and a
    // PNG smaller than the model input (upscaled before the crop).
    const files = path.join(tmp.dir, 'images');
    fs.mkdirSync(files);
    await sharp(rawImage(97, 61, (x, y, c) => x * 3 + y * (c + 2) + ((x * y) % 7) * 9), { raw: { width: 97, height: 61, channels: 3 } }).png().toFile(path.join(files, 'wide.png'));
    await sharp(rawImage(45, 120, (x, y, c) => (c === 0 ? y * 2 : c === 1 ? 255 - x * 5 : (x ^ y) * 4)), { raw: { width: 45, height: 120, channels: 3 } })
      .jpeg({ quality: 90 })
      .toFile(path.join(files, 'tall.jpg'));
    await sharp(rawImage(20, 24, (x, y, c) => ((x + y + c) % 2) * 200 + 20), { raw: { width: 20, height: 24, channels: 3 } }).png().toFile(path.join(files, 'small.png'));
    images = [await decodeImage(path.join(files, 'wide.png')), await decodeImage(path.join(files, 'tall.jpg')), await decodeImage(path.join(files, 'small.png'))];
    tokenizer = await AutoTokenizer.from_pretrained(path.join(modelDir, split.name), { local_files_only: true });
    eosId = tokenizer.encode(TINY_EOS, { add_special_tokens: false })[0]!;
  });

  after(async () => {
    for (const embedder of open) await embedder.dispose();
    tmp.cleanup();
  });

  it('the fixture tokenizer is a working CLIP byte-level BPE', () => {
    assert.deepEqual(tokenizer.tokenize('A photo of a CAT'), ['a</w>', 'photo</w>', 'of</w>', 'a</w>', 'cat</w>']);
    const ids = tokenizer.encode('a cat');
    assert.equal(ids.length, 4, 'start token, two words, end token');
    assert.equal(ids[ids.length - 1], eosId);
    // Anything, including non-Latin text, falls back to byte tokens rather than failing.
    assert.ok(tokenizer.encode('猫 🐈').length > 4);
  });

  it('the fixture graphs have the tensor names the spec declares', async () => {
    for (const spec of [split, fixed, combined]) {
      const text = await session(spec, spec.runtime.textModel);
      const vision = await session(spec, spec.runtime.imageModel);
      assert.deepEqual(
        text.inputNames.filter((name) => name !== spec.runtime.imageInput),
        spec.runtime.textInputs,
      );
      assert.ok(vision.inputNames.includes(spec.runtime.imageInput));
      assert.ok(text.outputNames.includes(spec.runtime.textOutput));
      assert.ok(vision.outputNames.includes(spec.runtime.imageOutput));
      await text.release();
      await vision.release();
    }
  });

  it('resizes like Pillow (known answer, and the reference agrees)', () => {
    // 1×4 grey row, bilinear to 2: Pillow widens the triangle to ±2 pixels and renormalises at the
    // border, giving weights 3/7,3/7,1/7 and 1/7,3/7,3/7: 45.71→46 and 173.29→173.
    const row: RgbImage = { width: 4, height: 1, data: Uint8Array.from([0, 64, 128, 255].flatMap((v) => [v, v, v])) };
    assert.deepEqual([...resizeRgb(row, 2, 1, 'bilinear').data], [46, 46, 46, 173, 173, 173]);
    assert.deepEqual(referenceResample1d([0, 64, 128, 255], 2, 'bilinear'), [46, 173]);
    const flat: RgbImage = { width: 9, height: 7, data: new Uint8Array(9 * 7 * 3).fill(77) };
    assert.ok(resizeRgb(flat, 4, 13, 'bicubic').data.every((v) => v === 77));
    assert.equal(resizeRgb(flat, 9, 7, 'bicubic'), flat);
  });

  it('image embeddings equal a direct ONNX run on reference-preprocessed pixels', async (t) => {
    for (const spec of [split, combined]) {
      const embedder = await load(spec);
      const actual = await embedder.embedImages(images);
      const graph = await session(spec, spec.runtime.imageModel);
      const feeds: Record<string, Tensor> = { pixel_values: referencePixels(images, config(spec)) };
      if (spec === combined) {
        // The other tower gets a one-item placeholder here, unlike the embedder's empty batch.
        feeds.input_ids = int64([0, eosId], [1, 2]);
        feeds.attention_mask = int64([1, 1], [1, 2]);
        feeds.token_type_ids = int64([0, 0], [1, 2]);
      }
      const out = (await graph.run(feeds))[spec.runtime.imageOutput]!;
      const expected = normalise(out.data as Float32Array, images.length, TINY_DIMENSION);
      const diff = maxAbsDiff(actual, expected);
      t.diagnostic(`${spec.name}: image max abs diff ${diff.toExponential(2)}`);
      assert.ok(diff <= 1e-4, `image embeddings differ by ${diff}`);
      await graph.release();
    }
  });

  it('text embeddings equal a direct ONNX run on the tokenizer ids', async (t) => {
    // Dynamic length, with attention mask: ids and mask straight from the tokenizer's own padding.
    {
      const embedder = await load(split);
      const actual = await embedder.embedTexts(TEXTS);
      // Every test text fits the 16-token limit, so the tokenizer's own padding needs no truncation.
      assert.ok(TEXTS.every((text) => tokenizer.encode(text).length <= TINY_TEXT_LENGTH));
      const encoded = tokenizer(TEXTS, { padding: true });
      const graph = await session(split, split.runtime.textModel);
      const out = (await graph.run({ input_ids: ortTensor(encoded.input_ids), attention_mask: ortTensor(encoded.attention_mask) })).text_embeds!;
      const diff = maxAbsDiff(actual, normalise(out.data as Float32Array, TEXTS.length, TINY_DIMENSION));
      t.diagnostic(`${split.name}: text max abs diff ${diff.toExponential(2)}`);
      assert.ok(diff <= 1e-4, `text embeddings differ by ${diff}`);

      // A text over the limit keeps its first tokens and the end token, as Hugging Face truncates.
      const longIds = tokenizer.encode(LONG_TEXT);
      assert.ok(longIds.length > TINY_TEXT_LENGTH);
      const cut = [...longIds.slice(0, TINY_TEXT_LENGTH - 1), eosId];
      const longOut = (await graph.run({ input_ids: int64(cut, [1, cut.length]), attention_mask: int64(cut.map(() => 1), [1, cut.length]) })).text_embeds!;
      const longDiff = maxAbsDiff(await embedder.embedTexts([LONG_TEXT]), normalise(longOut.data as Float32Array, 1, TINY_DIMENSION));
      t.diagnostic(`${split.name}: truncated text max abs diff ${longDiff.toExponential(2)}`);
      assert.ok(longDiff <= 1e-4);
      await graph.release();
    }
    // Fixed length, ids only (MobileCLIP layout): padded to the graph's length.
    {
      const embedder = await load(fixed);
      const actual = await embedder.embedTexts(TEXTS);
      const encoded = tokenizer(TEXTS, { padding: 'max_length', max_length: TINY_TEXT_LENGTH, truncation: true });
      const ids = ortTensor(encoded.input_ids);
      assert.deepEqual(ids.dims, [TEXTS.length, TINY_TEXT_LENGTH]);
      const graph = await session(fixed, fixed.runtime.textModel);
      const out = (await graph.run({ input_ids: ids })).text_embeds!;
      const diff = maxAbsDiff(actual, normalise(out.data as Float32Array, TEXTS.length, TINY_DIMENSION));
      t.diagnostic(`${fixed.name}: text max abs diff ${diff.toExponential(2)}`);
      assert.ok(diff <= 1e-4, `text embeddings differ by ${diff}`);
      await graph.release();
    }
    // Combined graph with token types (Chinese-CLIP layout).
    {
      const embedder = await load(combined);
      const actual = await embedder.embedTexts(TEXTS);
      const encoded = tokenizer(TEXTS, { padding: true });
      const ids = ortTensor(encoded.input_ids);
      const graph = await session(combined, combined.runtime.textModel);
      const out = (
        await graph.run({
          input_ids: ids,
          attention_mask: ortTensor(encoded.attention_mask),
          token_type_ids: new Tensor('int64', new BigInt64Array(ids.size), ids.dims),
          pixel_values: new Tensor('float32', new Float32Array(3 * 32 * 32), [1, 3, 32, 32]),
        })
      ).text_embeds!;
      const diff = maxAbsDiff(actual, normalise(out.data as Float32Array, TEXTS.length, TINY_DIMENSION));
      t.diagnostic(`${combined.name}: text max abs diff ${diff.toExponential(2)}`);
      assert.ok(diff <= 1e-4, `text embeddings differ by ${diff}`);
      await graph.release();
    }
  });

  it('returns unit-norm vectors of the spec dimension, and batching does not change them', async () => {
    for (const spec of [split, fixed, combined]) {
      const embedder = await load(spec);
      const smallBatches = await load(spec, 2);
      assert.equal(embedder.model, spec.name);
      assert.equal(embedder.dimension, TINY_DIMENSION);
      const together = [...(await embedder.embedImages(images)), ...(await embedder.embedTexts(TEXTS))];
      const alone = [
        ...(await Promise.all(images.map(async (image) => (await embedder.embedImages([image]))[0]!))),
        ...(await Promise.all(TEXTS.map(async (text) => (await embedder.embedTexts([text]))[0]!))),
      ];
      const batchedByTwo = [...(await smallBatches.embedImages(images)), ...(await smallBatches.embedTexts(TEXTS))];
      for (const vector of together) {
        assert.equal(vector.length, TINY_DIMENSION);
        assert.ok(Math.abs(Math.hypot(...vector) - 1) < 1e-5);
      }
      assert.ok(maxAbsDiff(together, alone) <= 1e-5, `${spec.name}: batched and single results differ`);
      assert.ok(maxAbsDiff(together, batchedByTwo) <= 1e-5, `${spec.name}: batch size changes results`);
      // Different inputs give different vectors (the fixture is not degenerate).
      assert.ok(maxAbsDiff([together[0]!], [together[1]!]) > 1e-3);
      assert.ok(maxAbsDiff([together[3]!], [together[4]!]) > 1e-3);
      assert.deepEqual(await embedder.embedImages([]), []);
      assert.deepEqual(await embedder.embedTexts([]), []);
    }
  });

  it('falls back to a one-item placeholder when a combined graph refuses empty batches', async () => {
    const strict = writeTinyClipModel(modelDir, { variant: 'combined', rejectEmptyBatches: true, name: 'tiny-clip-strict-test' });
    const lenient = await load(combined);
    const embedder = await load(strict);
    for (let round = 0; round < 2; round++) {
      assert.ok(maxAbsDiff(await embedder.embedImages(images), await lenient.embedImages(images)) <= 1e-6);
      assert.ok(maxAbsDiff(await embedder.embedTexts(TEXTS), await lenient.embedTexts(TEXTS)) <= 1e-6);
    }
  });

  it('refuses a model with a missing file with the pull hint', async () => {
    for (const missing of ['tokenizer.json', 'onnx/vision_model.onnx', 'preprocessor_config.json']) {
      const otherDir = path.join(tmp.dir, `partial-${missing.replace(/\W/g, '-')}`);
      fs.cpSync(path.join(modelDir, split.name), path.join(otherDir, split.name), { recursive: true });
      fs.rmSync(path.join(otherDir, split.name, missing));
      await assert.rejects(loadClipEmbedder(split, { modelDir: otherDir }), (error: unknown) => {
        assert.ok(error instanceof ModelNotInstalledError);
        assert.equal(error.message, 'model tiny-clip-test not installed; run `mediasearch models pull tiny-clip-test`');
        assert.deepEqual(error.missingFiles, [missing]);
        return true;
      });
    }
    await assert.rejects(loadClipEmbedder(split, { modelDir: path.join(tmp.dir, 'empty') }), ModelNotInstalledError);
  });

  it('refuses files that do not fit the spec', async () => {
    await assert.rejects(loadClipEmbedder({ ...split, dimension: TINY_DIMENSION + 1 }, { modelDir }), /dimension 16, the registry says 17/);
    await assert.rejects(loadClipEmbedder({ ...fixed, runtime: { ...fixed.runtime, textLength: 8 } }, { modelDir }), /pads texts to 8 tokens, the text graph takes 16/);
    await assert.rejects(loadClipEmbedder({ ...split, runtime: { ...split.runtime, imageOutput: 'pooler_output' } }, { modelDir }), /no output "pooler_output"/);
    await assert.rejects(
      loadClipEmbedder({ ...split, runtime: { ...split.runtime, preprocess: { crop: { width: 48, height: 48 } } } }, { modelDir }),
      /48×48 pictures, the image graph takes 32×32/,
    );
  });

  it('cannot be used after dispose', async () => {
    const embedder = await loadClipEmbedder(split, { modelDir });
    await embedder.dispose();
    await embedder.dispose();
    await assert.rejects(embedder.embedTexts(['a cat']), /disposed/);
  });
});

describe('model registry', () => {
  it('has well-formed, pinned, unique entries and the default model', () => {
    assert.ok(MODEL_REGISTRY.length >= 4);
    const names = MODEL_REGISTRY.map((spec) => spec.name);
    assert.equal(new Set(names).size, names.length, 'names are unique');
    for (const spec of MODEL_REGISTRY) {
      const where = `registry entry ${spec.name}`;
      assert.match(spec.name, /^[a-z0-9][a-z0-9.-]*$/, where);
      assert.equal(spec.task, 'image-text-embedding', where);
      assert.ok(Number.isInteger(spec.dimension) && spec.dimension > 0, where);
      assert.ok(spec.languages.length > 0 && spec.languages.every((l) => /^[a-z]{2}$/.test(l)), where);
      assert.ok(spec.licence.trim().length > 0 && spec.description.trim().length > 0, where);
      assert.match(spec.source.repo, /^[\w.-]+\/[\w.-]+$/, where);
      assert.ok(/^[0-9a-f]{40}$/.test(spec.source.revision) || spec.source.revision === 'main', where);
      const paths = spec.files.map((f) => f.path);
      assert.equal(new Set(paths).size, paths.length, `${where}: file paths are unique`);
      for (const p of paths) assert.ok(!p.startsWith('/') && !p.split('/').some((s) => s === '' || s === '.' || s === '..'), `${where}: ${p}`);
      const { runtime } = spec;
      for (const needed of [runtime.imageModel, runtime.textModel, 'tokenizer.json', 'tokenizer_config.json', 'preprocessor_config.json', 'config.json']) {
        assert.ok(paths.includes(needed), `${where} lists ${needed}`);
      }
      for (const tensor of [runtime.imageInput, runtime.imageOutput, runtime.textOutput, ...runtime.textInputs]) {
        assert.ok(tensor.trim().length > 0, where);
      }
      assert.ok(runtime.textInputs.includes('input_ids'), where);
      assert.ok(runtime.textLength === null || (Number.isInteger(runtime.textLength) && runtime.textLength > 0), where);
      assert.ok(runtime.maxTextLength === undefined || (Number.isInteger(runtime.maxTextLength) && runtime.maxTextLength > 1), where);
    }
    assert.ok(findModelSpec(DEFAULT_MM_MODEL), 'the default model is in the registry');
    assert.equal(findModelSpec('no-such-model'), undefined);
    const languages = new Set(MODEL_REGISTRY.flatMap((spec) => spec.languages));
    assert.ok(languages.has('en') && languages.has('zh'), 'English and Chinese queries are covered');
  });
});
