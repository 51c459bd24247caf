import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { AutoTokenizer, env as transformersEnv } from '@huggingface/transformers';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { ModelNotInstalledError } from '../../models/model-errors.js';
import type { ImagePreprocessing, ModelSpec } from '../../models/model-spec.js';
import type { ImageTextEmbedder, RgbImage } from '../types.js';
import { outputSize, parsePreprocessing, preprocessInto } from './image-preprocess.js';

/**
 * CLIP-family image and text embedder (MobileCLIP, OpenAI CLIP, Chinese-CLIP, SigLIP…) on
 * onnxruntime-node. Tokenisation is @huggingface/transformers' AutoTokenizer reading the model's
 * tokenizer.json; images are preprocessed by image-preprocess.ts (a port of the PIL pipeline the
 * models were trained with); the ONNX graphs run in sessions created here, so the thread count
 * is ours rather than the library's.
 */

export interface ClipEmbedderOptions {
  /** Folder holding one sub-folder per pulled model (`<modelDir>/<spec.name>/`). */
  modelDir: string;
  /**
   * Threads inside one ONNX operator. Default 1: analysis already runs one worker thread per core,
   * and more threads per session would oversubscribe the CPU.
   */
  intraOpThreads?: number;
  /** Largest number of pictures or texts sent to a graph in one run (bounds memory). Default 16. */
  batchSize?: number;
}

type Tokenizer = Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;

const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json'];
const PREPROCESSOR_FILE = 'preprocessor_config.json';
/** Text-graph inputs the embedder knows how to fill for a single (unpaired) text. */
const TEXT_INPUT_KINDS = new Set(['input_ids', 'attention_mask', 'token_type_ids']);

function localPath(folder: string, repoPath: string): string {
  const segments = repoPath.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\\'))) {
    throw new Error(`invalid model file path "${repoPath}"`);
  }
  return path.join(folder, ...segments);
}

async function isFile(filePath: string): Promise<boolean> {
  try {
    return (await stat(filePath)).isFile();
  } catch {
    return false;
  }
}

/** Every file the registry lists plus every file this loader reads must be present. */
async function assertInstalled(spec: ModelSpec, folder: string): Promise<void> {
  const needed = new Set<string>([
    ...spec.files.map((f) => f.path),
    spec.runtime.imageModel,
    spec.runtime.textModel,
    ...TOKENIZER_FILES,
  ]);
  const missing: string[] = [];
  for (const repoPath of needed) {
    if (!(await isFile(localPath(folder, repoPath)))) missing.push(repoPath);
  }
  if (missing.length > 0) throw new ModelNotInstalledError(spec.name, missing);
}

let transformersConfigured = false;

/**
 * transformers.js may only read local files: no hub requests, and no cache copies written next to
 * the library in node_modules. The tokenizer is loaded by absolute folder path rather than through
 * the process-wide `env.localModelPath`, so embedders of different model directories in one
 * process cannot redirect each other's loads.
 */
function configureTransformersOffline(): void {
  if (transformersConfigured) return;
  transformersEnv.allowRemoteModels = false;
  transformersEnv.allowLocalModels = true;
  transformersEnv.useFSCache = false;
  transformersEnv.useBrowserCache = false;
  transformersConfigured = true;
}

interface TensorInfo {
  type: string | undefined;
  shape: ReadonlyArray<number | string> | undefined;
}

function inputInfo(session: InferenceSession, name: string): TensorInfo {
  const meta = session.inputMetadata?.find((m) => m.name === name);
  return meta && meta.isTensor ? { type: meta.type, shape: meta.shape } : { type: undefined, shape: undefined };
}

function outputInfo(session: InferenceSession, name: string): TensorInfo {
  const meta = session.outputMetadata?.find((m) => m.name === name);
  return meta && meta.isTensor ? { type: meta.type, shape: meta.shape } : { type: undefined, shape: undefined };
}

function staticDim(shape: ReadonlyArray<number | string> | undefined, axis: number): number | undefined {
  const dim = shape?.[axis];
  return typeof dim === 'number' && dim > 0 ? dim : undefined;
}

function integerTensor(type: string | undefined, values: number[], dims: number[]): Tensor {
  if (type === 'int32') return new Tensor('int32', Int32Array.from(values), dims);
  return new Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), dims);
}

function l2Normalised(data: Float32Array, offset: number, length: number): Float32Array {
  const out = new Float32Array(length);
  let sum = 0;
  for (let i = 0; i < length; i++) {
    const v = data[offset + i]!;
    out[i] = v;
    sum += v * v;
  }
  const norm = Math.sqrt(sum);
  if (!Number.isFinite(norm)) throw new Error('the model produced a non-finite embedding');
  if (norm > 0) for (let i = 0; i < length; i++) out[i]! /= norm;
  return out;
}

/** Keeps the closing special token (EOS/SEP) when a text is cut: CLIP pools at it, BERT expects it. */
function truncateIds(ids: number[], maxLength: number, specialIds: ReadonlySet<number>): number[] {
  if (ids.length <= maxLength) return ids;
  const last = ids[ids.length - 1]!;
  return specialIds.has(last) ? [...ids.slice(0, maxLength - 1), last] : ids.slice(0, maxLength);
}

class ClipEmbedder implements ImageTextEmbedder {
  readonly model: string;
  readonly dimension: number;
  private disposed = false;
  /**
   * Combined graphs, per requested output: whether a zero-item placeholder for the unused tower
   * works (learnt on first use; the two towers may differ in how they take empty batches).
   */
  private readonly emptyPlaceholderWorks = new Map<string, boolean>();

  constructor(
    private readonly spec: ModelSpec,
    private readonly imageSession: InferenceSession,
    private readonly textSession: InferenceSession,
    private readonly tokenizer: Tokenizer,
    private readonly preprocessing: ImagePreprocessing,
    private readonly textInputs: string[],
    private readonly textLength: number | null,
    private readonly maxTextLength: number | null,
    private readonly padId: number,
    private readonly batchSize: number,
  ) {
    this.model = spec.name;
    this.dimension = spec.dimension;
  }

  private get combined(): boolean {
    return this.imageSession === this.textSession;
  }

  async embedImages(images: RgbImage[]): Promise<Float32Array[]> {
    this.assertUsable();
    const result: Float32Array[] = [];
    for (let start = 0; start < images.length; start += this.batchSize) {
      const batch = images.slice(start, start + this.batchSize);
      result.push(...(await this.runImages(batch)));
    }
    return result;
  }

  async embedTexts(texts: string[]): Promise<Float32Array[]> {
    this.assertUsable();
    const result: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.batchSize) {
      const batch = texts.slice(start, start + this.batchSize);
      result.push(...(await this.runTexts(batch)));
    }
    return result;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.imageSession.release();
    if (!this.combined) await this.textSession.release();
  }

  private assertUsable(): void {
    if (this.disposed) throw new Error(`embedder for model ${this.model} was disposed`);
  }

  private pixelTensor(images: RgbImage[]): Tensor {
    const { width, height } = outputSize(this.preprocessing);
    const data = new Float32Array(images.length * 3 * width * height);
    images.forEach((image, index) => preprocessInto(image, this.preprocessing, data, index));
    return new Tensor('float32', data, [images.length, 3, height, width]);
  }

  /**
   * Token ids, attention masks and token types for a batch, padded to one length. Truncation and
   * padding are done here rather than by the tokenizer call because transformers.js truncates
   * after adding the special tokens, cutting off the end token that CLIP pools at; Hugging Face's
   * Python tokenizers keep it, and so does this.
   */
  private textTensors(texts: string[]): Record<string, Tensor> {
    const specialIds = new Set(this.tokenizer.all_special_ids);
    const limit = this.textLength ?? this.maxTextLength;
    const encoded = texts.map((text) => {
      const ids = this.tokenizer.encode(text);
      return limit === null ? ids : truncateIds(ids, limit, specialIds);
    });
    const length = this.textLength ?? Math.max(1, ...encoded.map((ids) => ids.length));
    const leftPadding = this.tokenizer.padding_side === 'left';
    const ids: number[] = [];
    const mask: number[] = [];
    for (const item of encoded) {
      const pad = length - item.length;
      const padIds = new Array<number>(pad).fill(this.padId);
      const padMask = new Array<number>(pad).fill(0);
      const itemMask = new Array<number>(item.length).fill(1);
      ids.push(...(leftPadding ? [...padIds, ...item] : [...item, ...padIds]));
      mask.push(...(leftPadding ? [...padMask, ...itemMask] : [...itemMask, ...padMask]));
    }
    const dims = [texts.length, length];
    const feeds: Record<string, Tensor> = {};
    for (const name of this.textInputs) {
      const { type } = inputInfo(this.textSession, name);
      const values = name === 'input_ids' ? ids : name === 'attention_mask' ? mask : new Array<number>(ids.length).fill(0);
      feeds[name] = integerTensor(type, values, dims);
    }
    return feeds;
  }

  private async runImages(images: RgbImage[]): Promise<Float32Array[]> {
    if (images.length === 0) return [];
    const feeds: Record<string, Tensor> = { [this.spec.runtime.imageInput]: this.pixelTensor(images) };
    const output = await this.runWithPlaceholder(
      this.imageSession,
      feeds,
      this.spec.runtime.imageOutput,
      () => this.textTensors(['']),
      () => Object.fromEntries(this.textInputs.map((name) => [name, integerTensor(inputInfo(this.textSession, name).type, [], [0, this.textLength ?? 1])])),
    );
    return this.split(output, images.length, 'image');
  }

  private async runTexts(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const feeds = this.textTensors(texts);
    const { width, height } = outputSize(this.preprocessing);
    const output = await this.runWithPlaceholder(
      this.textSession,
      feeds,
      this.spec.runtime.textOutput,
      () => ({ [this.spec.runtime.imageInput]: new Tensor('float32', new Float32Array(3 * width * height), [1, 3, height, width]) }),
      () => ({ [this.spec.runtime.imageInput]: new Tensor('float32', new Float32Array(0), [0, 3, height, width]) }),
    );
    return this.split(output, texts.length, 'text');
  }

  /**
   * Runs the graph of one tower. A combined graph also needs the other tower's inputs: an empty
   * batch costs nothing, but not every export accepts zero-sized tensors, so a one-item blank
   * placeholder is the fallback, and whichever worked is remembered.
   */
  private async runWithPlaceholder(
    session: InferenceSession,
    feeds: Record<string, Tensor>,
    outputName: string,
    singlePlaceholder: () => Record<string, Tensor>,
    emptyPlaceholder: () => Record<string, Tensor>,
  ): Promise<Tensor> {
    if (!this.combined) return (await session.run(feeds, [outputName]))[outputName]!;
    const emptyWorks = this.emptyPlaceholderWorks.get(outputName);
    if (emptyWorks !== false) {
      try {
        // Quiet run: a refused empty batch is expected here and would otherwise log an ORT error.
        const quiet = emptyWorks === undefined ? { logSeverityLevel: 4 as const } : {};
        const out = (await session.run({ ...feeds, ...emptyPlaceholder() }, [outputName], quiet))[outputName]!;
        this.emptyPlaceholderWorks.set(outputName, true);
        return out;
      } catch (error) {
        if (emptyWorks === true) throw error;
        this.emptyPlaceholderWorks.set(outputName, false);
      }
    }
    return (await session.run({ ...feeds, ...singlePlaceholder() }, [outputName]))[outputName]!;
  }

  private split(output: Tensor, count: number, tower: 'image' | 'text'): Float32Array[] {
    const dims = output.dims;
    const outputName = tower === 'image' ? this.spec.runtime.imageOutput : this.spec.runtime.textOutput;
    if (dims.length !== 2 || dims[0] !== count || dims[1] !== this.dimension) {
      throw new Error(
        `model ${this.model}: the ${tower} graph returned ${outputName} of shape [${dims.join(', ')}], ` +
          `expected [${count}, ${this.dimension}] (registry dimension ${this.dimension})`,
      );
    }
    if (!(output.data instanceof Float32Array)) {
      throw new Error(`model ${this.model}: ${outputName} is ${output.type}, expected float32`);
    }
    const data = output.data;
    return Array.from({ length: count }, (_, i) => l2Normalised(data, i * this.dimension, this.dimension));
  }
}

function checkEmbeddingOutput(spec: ModelSpec, session: InferenceSession, name: string, tower: string): void {
  if (!session.outputNames.includes(name)) {
    throw new Error(`model ${spec.name}: the ${tower} graph has no output "${name}" (it has: ${session.outputNames.join(', ')})`);
  }
  const shape = outputInfo(session, name).shape;
  const dim = staticDim(shape, (shape?.length ?? 0) - 1);
  if (dim !== undefined && dim !== spec.dimension) {
    throw new Error(`model ${spec.name}: the ${tower} graph's ${name} has dimension ${dim}, the registry says ${spec.dimension}`);
  }
}

/**
 * Loads a CLIP-family model from `<modelDir>/<spec.name>/`, reading nothing else. Throws
 * ModelNotInstalledError when any of its files is missing, and a plain Error when the files do
 * not fit the registry entry (tensor names, dimension, image size, text length).
 */
export async function loadClipEmbedder(spec: ModelSpec, options: ClipEmbedderOptions): Promise<ImageTextEmbedder> {
  const folder = path.resolve(options.modelDir, spec.name);
  await assertInstalled(spec, folder);
  const { runtime } = spec;

  const hasPreprocessorFile = spec.files.some((f) => f.path === PREPROCESSOR_FILE);
  const preprocessorConfig: unknown = hasPreprocessorFile
    ? JSON.parse(await readFile(localPath(folder, PREPROCESSOR_FILE), 'utf8'))
    : null;
  let preprocessing: ImagePreprocessing;
  try {
    preprocessing = parsePreprocessing(preprocessorConfig, runtime.preprocess);
  } catch (error) {
    throw new Error(`model ${spec.name}: ${(error as Error).message}`, { cause: error });
  }

  configureTransformersOffline();
  const tokenizer = await AutoTokenizer.from_pretrained(folder, { local_files_only: true });
  const padId = tokenizer.pad_token_id ?? tokenizer.eos_token_id;
  if (typeof padId !== 'number') throw new Error(`model ${spec.name}: the tokenizer has neither a pad nor an end-of-text token`);

  const sessionOptions: InferenceSession.SessionOptions = {
    intraOpNumThreads: Math.max(1, Math.floor(options.intraOpThreads ?? 1)),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
  const imageSession = await InferenceSession.create(localPath(folder, runtime.imageModel), sessionOptions);
  const textSession =
    runtime.textModel === runtime.imageModel
      ? imageSession
      : await InferenceSession.create(localPath(folder, runtime.textModel), sessionOptions).catch(async (error: unknown) => {
          await imageSession.release();
          throw error;
        });

  try {
    if (!imageSession.inputNames.includes(runtime.imageInput)) {
      throw new Error(`model ${spec.name}: the image graph has no input "${runtime.imageInput}" (it has: ${imageSession.inputNames.join(', ')})`);
    }
    const { width, height } = outputSize(preprocessing);
    const pixelShape = inputInfo(imageSession, runtime.imageInput).shape;
    const graphHeight = staticDim(pixelShape, 2);
    const graphWidth = staticDim(pixelShape, 3);
    if ((graphHeight !== undefined && graphHeight !== height) || (graphWidth !== undefined && graphWidth !== width)) {
      throw new Error(`model ${spec.name}: preprocessing gives ${width}×${height} pictures, the image graph takes ${graphWidth}×${graphHeight}`);
    }
    checkEmbeddingOutput(spec, imageSession, runtime.imageOutput, 'image');
    checkEmbeddingOutput(spec, textSession, runtime.textOutput, 'text');

    const textInputs = textSession.inputNames.filter((name) => !(textSession === imageSession && name === runtime.imageInput));
    const unknown = textInputs.filter((name) => !TEXT_INPUT_KINDS.has(name));
    if (unknown.length > 0 || !textInputs.includes('input_ids')) {
      throw new Error(`model ${spec.name}: cannot feed the text graph's inputs ${textInputs.join(', ')} (supported: ${[...TEXT_INPUT_KINDS].join(', ')})`);
    }
    const graphLength = staticDim(inputInfo(textSession, 'input_ids').shape, 1);
    if (runtime.textLength !== null && graphLength !== undefined && graphLength !== runtime.textLength) {
      throw new Error(`model ${spec.name}: the registry pads texts to ${runtime.textLength} tokens, the text graph takes ${graphLength}`);
    }
    const textLength = runtime.textLength ?? graphLength ?? null;
    const tokenizerMax = tokenizer.model_max_length as unknown;
    const maxTextLength =
      runtime.maxTextLength ?? (typeof tokenizerMax === 'number' && Number.isFinite(tokenizerMax) && tokenizerMax < 1e6 ? tokenizerMax : null);

    return new ClipEmbedder(
      spec,
      imageSession,
      textSession,
      tokenizer,
      preprocessing,
      textInputs,
      textLength,
      maxTextLength,
      padId,
      Math.max(1, Math.floor(options.batchSize ?? 16)),
    );
  } catch (error) {
    await imageSession.release();
    if (textSession !== imageSession) await textSession.release();
    throw error;
  }
}
