/**
 * The models this installation can pull: the built-in registry plus, optionally, models described
 * in a JSON file named by MEDIASEARCH_MODELS_FILE (an array of ModelSpec objects). The file lets an
 * operator use a private or re-hosted model without a new release; its entries are checked as
 * strictly as code would be, because a wrong path or revision only shows up later as a failed pull.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ImagePreprocessing, ModelFile, ModelSpec, ResampleFilter, VisualLanguageRuntime } from './model-spec.js';
import { DEFAULT_MM_MODEL, MODEL_REGISTRY } from './registry.js';

type Env = Readonly<Record<string, string | undefined>>;

export class ModelCatalogError extends Error {
  override name = 'ModelCatalogError';
}

export interface ModelCatalog {
  readonly models: readonly ModelSpec[];
  /** The model multimodal search uses unless told otherwise. */
  readonly defaultModel: string;
  find(name: string): ModelSpec | undefined;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

class SpecReader {
  constructor(private readonly where: string) {}

  fail(field: string, problem: string): never {
    throw new ModelCatalogError(`${this.where}: ${field} ${problem}`);
  }

  object(value: unknown, field: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(field, 'must be an object');
    return value as Record<string, unknown>;
  }

  string(value: unknown, field: string): string {
    if (typeof value !== 'string' || value.trim() === '') this.fail(field, 'must be a non-empty string');
    return value;
  }

  strings(value: unknown, field: string): string[] {
    if (!Array.isArray(value)) this.fail(field, 'must be an array of strings');
    return value.map((item, index) => this.string(item, `${field}[${index}]`));
  }

  positiveNumber(value: unknown, field: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) this.fail(field, 'must be a positive number');
    return value;
  }

  positiveInteger(value: unknown, field: string): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      this.fail(field, 'must be a positive whole number');
    }
    return value;
  }
}

function parseFile(reader: SpecReader, value: unknown, field: string): ModelFile {
  const raw = reader.object(value, field);
  const file: ModelFile = { path: reader.string(raw.path, `${field}.path`) };
  if (file.path.startsWith('/') || file.path.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    reader.fail(`${field}.path`, 'must be a relative path inside the repository');
  }
  if (raw.sha256 !== undefined) {
    const sha256 = reader.string(raw.sha256, `${field}.sha256`);
    if (!/^[0-9a-fA-F]{64}$/.test(sha256)) reader.fail(`${field}.sha256`, 'must be 64 hex digits');
    file.sha256 = sha256.toLowerCase();
  }
  if (raw.size !== undefined) file.size = reader.positiveInteger(raw.size, `${field}.size`);
  return file;
}

const RESAMPLE_FILTERS: readonly ResampleFilter[] = ['nearest', 'lanczos', 'bilinear', 'bicubic', 'box', 'hamming'];

function parseSize(reader: SpecReader, value: unknown, field: string): { width: number; height: number } {
  const raw = reader.object(value, field);
  return { width: reader.positiveInteger(raw.width, `${field}.width`), height: reader.positiveInteger(raw.height, `${field}.height`) };
}

function parseTriple(reader: SpecReader, value: unknown, field: string): [number, number, number] {
  if (!Array.isArray(value) || value.length !== 3 || !value.every((item) => typeof item === 'number' && Number.isFinite(item))) {
    reader.fail(field, 'must be an array of three numbers (R, G, B)');
  }
  return value as [number, number, number];
}

/** The optional image preprocessing overrides; only the keys given are returned. */
function parsePreprocess(reader: SpecReader, value: unknown, field: string): Partial<ImagePreprocessing> {
  const raw = reader.object(value, field);
  const known = ['resize', 'resample', 'crop', 'rescale', 'mean', 'std'];
  const unknownKey = Object.keys(raw).find((key) => !known.includes(key));
  if (unknownKey !== undefined) reader.fail(`${field}.${unknownKey}`, `is not one of ${known.join(', ')}`);
  const result: Partial<ImagePreprocessing> = {};
  if ('resize' in raw) {
    const resize = raw.resize;
    if (resize === null) result.resize = null;
    else if (typeof resize === 'object' && resize !== null && 'shortestEdge' in resize) {
      result.resize = { shortestEdge: reader.positiveInteger(resize.shortestEdge, `${field}.resize.shortestEdge`) };
    } else result.resize = parseSize(reader, resize, `${field}.resize`);
  }
  if ('resample' in raw) {
    if (!RESAMPLE_FILTERS.includes(raw.resample as ResampleFilter)) {
      reader.fail(`${field}.resample`, `must be one of ${RESAMPLE_FILTERS.join(', ')}`);
    }
    result.resample = raw.resample as ResampleFilter;
  }
  if ('crop' in raw) result.crop = raw.crop === null ? null : parseSize(reader, raw.crop, `${field}.crop`);
  if ('rescale' in raw) result.rescale = raw.rescale === null ? null : reader.positiveNumber(raw.rescale, `${field}.rescale`);
  if ('mean' in raw) result.mean = raw.mean === null ? null : parseTriple(reader, raw.mean, `${field}.mean`);
  if ('std' in raw) result.std = raw.std === null ? null : parseTriple(reader, raw.std, `${field}.std`);
  return result;
}

function parseRuntime(reader: SpecReader, value: unknown, field: string): VisualLanguageRuntime {
  const raw = reader.object(value, field);
  const textLength = raw.textLength === null ? null : reader.positiveInteger(raw.textLength, `${field}.textLength`);
  const optional: Pick<VisualLanguageRuntime, 'maxTextLength' | 'preprocess'> = {};
  if (raw.maxTextLength !== undefined) optional.maxTextLength = reader.positiveInteger(raw.maxTextLength, `${field}.maxTextLength`);
  if (raw.preprocess !== undefined) optional.preprocess = parsePreprocess(reader, raw.preprocess, `${field}.preprocess`);
  return {
    imageModel: reader.string(raw.imageModel, `${field}.imageModel`),
    textModel: reader.string(raw.textModel, `${field}.textModel`),
    imageInput: reader.string(raw.imageInput, `${field}.imageInput`),
    imageOutput: reader.string(raw.imageOutput, `${field}.imageOutput`),
    textInputs: reader.strings(raw.textInputs, `${field}.textInputs`),
    textOutput: reader.string(raw.textOutput, `${field}.textOutput`),
    textLength,
    ...optional,
  };
}

/** Checks one model description from a models file and returns it as a ModelSpec. */
export function parseModelSpec(value: unknown, where: string): ModelSpec {
  const reader = new SpecReader(where);
  const raw = reader.object(value, 'the model');
  const name = reader.string(raw.name, 'name');
  if (!SAFE_NAME.test(name)) reader.fail('name', 'may hold only letters, digits, ".", "_" and "-"');
  if (raw.task !== 'image-text-embedding') reader.fail('task', 'must be "image-text-embedding"');
  const source = reader.object(raw.source, 'source');
  const files: unknown[] =
    Array.isArray(raw.files) && raw.files.length > 0 ? raw.files : reader.fail('files', 'must be a non-empty array');
  return {
    name,
    task: 'image-text-embedding',
    description: typeof raw.description === 'string' ? raw.description : '',
    dimension: reader.positiveInteger(raw.dimension, 'dimension'),
    languages: reader.strings(raw.languages, 'languages'),
    licence: reader.string(raw.licence, 'licence'),
    source: { repo: reader.string(source.repo, 'source.repo'), revision: reader.string(source.revision, 'source.revision') },
    files: files.map((file, index) => parseFile(reader, file, `files[${index}]`)),
    runtime: parseRuntime(reader, raw.runtime, 'runtime'),
  };
}

async function readModelsFile(filePath: string): Promise<ModelSpec[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(filePath, 'utf8'));
  } catch (error) {
    throw new ModelCatalogError(`MEDIASEARCH_MODELS_FILE ${filePath} could not be read: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new ModelCatalogError(`MEDIASEARCH_MODELS_FILE ${filePath} must hold a JSON array of models`);
  return parsed.map((entry, index) => parseModelSpec(entry, `MEDIASEARCH_MODELS_FILE ${filePath}, model ${index}`));
}

export function createModelCatalog(models: readonly ModelSpec[], defaultModel: string = DEFAULT_MM_MODEL): ModelCatalog {
  const byName = new Map<string, ModelSpec>();
  for (const model of models) {
    if (byName.has(model.name)) throw new ModelCatalogError(`Two models are named ${model.name}; model names must be unique`);
    byName.set(model.name, model);
  }
  return { models, defaultModel, find: (name) => byName.get(name) };
}

/** The built-in registry plus the models of MEDIASEARCH_MODELS_FILE, when set. */
export async function loadModelCatalog(env: Env = process.env): Promise<ModelCatalog> {
  const file = env.MEDIASEARCH_MODELS_FILE?.trim();
  const extra = file ? await readModelsFile(path.resolve(file)) : [];
  return createModelCatalog([...MODEL_REGISTRY, ...extra]);
}
