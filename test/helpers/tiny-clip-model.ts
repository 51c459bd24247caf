import fs from 'node:fs';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import type { ModelSpec } from '../../src/models/model-spec.js';
import { seededRandom } from './seeded-random.js';

const { onnx } = onnxProto;

/**
 * A TEST FIXTURE, not a model: writes a CLIP-shaped model folder with tiny random weights (fixed
 * seed) so the loading code can be exercised without the real weights, which cannot be downloaded
 * here. Folder layout, file names, tensor names, dtypes and dynamic batch dimensions are those of
 * the transformers.js exports in the registry:
 *
 * - 'split': onnx/vision_model.onnx + onnx/text_model.onnx, text takes input_ids + attention_mask
 *   of any length (like the CLIP exports), CLIP preprocessing (shortest edge, centre crop, mean/std);
 * - 'fixed-length': like MobileCLIP: text takes only input_ids, with a static sequence length;
 * - 'combined': like Chinese-CLIP: one onnx/model.onnx with both towers and independent batch
 *   dimensions, text takes input_ids + attention_mask + token_type_ids, exact-size resize.
 *
 * The towers are deliberately trivial (conv → ReLU → global average pool → projection; token
 * embedding → masked mean → tanh → projection): their job is to make every pixel and every token id
 * matter to the output, so preprocessing and tokenisation mistakes show up as wrong embeddings.
 */

export type TinyClipVariant = 'split' | 'fixed-length' | 'combined';

export interface TinyClipOptions {
  variant?: TinyClipVariant;
  /** Folder name under the model directory; defaults to a name that says it is a test model. */
  name?: string;
  seed?: number;
  /**
   * 'combined' only: add outputs that index the first item of each tower, so the graph rejects an
   * empty batch on either side (as some real exports do) while the embeddings stay the same.
   */
  rejectEmptyBatches?: boolean;
}

/** Embedding dimension of the fixture. */
export const TINY_DIMENSION = 16;
/** Picture side the image tower takes. */
export const TINY_IMAGE_SIZE = 32;
/** Longest token sequence (model_max_length), and the fixed length of the 'fixed-length' variant. */
export const TINY_TEXT_LENGTH = 16;

const CHANNELS = 8;
const KERNEL = 4;
const HIDDEN = 12;
const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];

const { DataType } = onnx.TensorProto;
const { AttributeType } = onnx.AttributeProto;

const random = seededRandom;

function uniform(next: () => number, count: number, scale: number): Float32Array {
  return Float32Array.from({ length: count }, () => (next() * 2 - 1) * scale);
}

function floatInit(name: string, dims: number[], values: Float32Array): OnnxTypes.ITensorProto {
  return onnx.TensorProto.create({
    name,
    dims,
    dataType: DataType.FLOAT,
    rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
  });
}

function int64Init(name: string, values: number[]): OnnxTypes.ITensorProto {
  return onnx.TensorProto.create({ name, dims: [values.length], dataType: DataType.INT64, int64Data: values });
}

function valueInfo(name: string, elemType: number, dims: Array<number | string>): OnnxTypes.IValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

function intAttr(name: string, value: number): OnnxTypes.IAttributeProto {
  return onnx.AttributeProto.create({ name, type: AttributeType.INT, i: value });
}

function intsAttr(name: string, values: number[]): OnnxTypes.IAttributeProto {
  return onnx.AttributeProto.create({ name, type: AttributeType.INTS, ints: values });
}

function node(opType: string, input: string[], output: string[], attribute: OnnxTypes.IAttributeProto[] = []): OnnxTypes.INodeProto {
  return onnx.NodeProto.create({ opType, input, output, name: `${opType}_${output[0]}`, attribute });
}

interface Tower {
  nodes: OnnxTypes.INodeProto[];
  initializers: OnnxTypes.ITensorProto[];
  inputs: OnnxTypes.IValueInfoProto[];
  outputs: OnnxTypes.IValueInfoProto[];
}

function visionTower(next: () => number, batch: string): Tower {
  const convW = uniform(next, CHANNELS * 3 * KERNEL * KERNEL, 1 / Math.sqrt(3 * KERNEL * KERNEL));
  const convB = uniform(next, CHANNELS, 0.1);
  const projW = uniform(next, CHANNELS * TINY_DIMENSION, 1 / Math.sqrt(CHANNELS));
  const projB = uniform(next, TINY_DIMENSION, 0.1);
  return {
    inputs: [valueInfo('pixel_values', DataType.FLOAT, [batch, 3, TINY_IMAGE_SIZE, TINY_IMAGE_SIZE])],
    outputs: [valueInfo('image_embeds', DataType.FLOAT, [batch, TINY_DIMENSION])],
    initializers: [
      floatInit('v_conv_w', [CHANNELS, 3, KERNEL, KERNEL], convW),
      floatInit('v_conv_b', [CHANNELS], convB),
      floatInit('v_proj_w', [CHANNELS, TINY_DIMENSION], projW),
      floatInit('v_proj_b', [TINY_DIMENSION], projB),
    ],
    nodes: [
      node('Conv', ['pixel_values', 'v_conv_w', 'v_conv_b'], ['v_conv'], [intsAttr('kernel_shape', [KERNEL, KERNEL]), intsAttr('strides', [KERNEL, KERNEL])]),
      node('Relu', ['v_conv'], ['v_relu']),
      node('GlobalAveragePool', ['v_relu'], ['v_pool']),
      node('Flatten', ['v_pool'], ['v_flat'], [intAttr('axis', 1)]),
      node('MatMul', ['v_flat', 'v_proj_w'], ['v_proj']),
      node('Add', ['v_proj', 'v_proj_b'], ['image_embeds']),
    ],
  };
}

function textTower(next: () => number, vocabSize: number, batch: string, variant: TinyClipVariant): Tower {
  const tokenEmbedding = uniform(next, vocabSize * HIDDEN, 1);
  const projW = uniform(next, HIDDEN * TINY_DIMENSION, 1 / Math.sqrt(HIDDEN));
  const initializers = [floatInit('t_tok_emb', [vocabSize, HIDDEN], tokenEmbedding), floatInit('t_proj_w', [HIDDEN, TINY_DIMENSION], projW)];
  const outputs = [valueInfo('text_embeds', DataType.FLOAT, [batch, TINY_DIMENSION])];

  if (variant === 'fixed-length') {
    // Every text has the same length, so an unmasked mean over positions is batching-invariant.
    return {
      inputs: [valueInfo('input_ids', DataType.INT64, [batch, TINY_TEXT_LENGTH])],
      outputs,
      initializers,
      nodes: [
        node('Gather', ['t_tok_emb', 'input_ids'], ['t_emb'], [intAttr('axis', 0)]),
        node('ReduceMean', ['t_emb'], ['t_mean'], [intsAttr('axes', [1]), intAttr('keepdims', 0)]),
        node('Tanh', ['t_mean'], ['t_h']),
        node('MatMul', ['t_h', 't_proj_w'], ['text_embeds']),
      ],
    };
  }

  const inputs = [valueInfo('input_ids', DataType.INT64, [batch, 'sequence_length']), valueInfo('attention_mask', DataType.INT64, [batch, 'sequence_length'])];
  const nodes = [node('Gather', ['t_tok_emb', 'input_ids'], ['t_tok'], [intAttr('axis', 0)])];
  let embedded = 't_tok';
  if (variant === 'combined') {
    inputs.push(valueInfo('token_type_ids', DataType.INT64, [batch, 'sequence_length']));
    initializers.push(floatInit('t_type_emb', [2, HIDDEN], uniform(next, 2 * HIDDEN, 1)));
    nodes.push(node('Gather', ['t_type_emb', 'token_type_ids'], ['t_type'], [intAttr('axis', 0)]));
    nodes.push(node('Add', ['t_tok', 't_type'], ['t_tok_type']));
    embedded = 't_tok_type';
  }
  initializers.push(int64Init('t_axis1', [1]), int64Init('t_axis2', [2]), floatInit('t_one', [1], Float32Array.of(1)));
  nodes.push(
    node('Cast', ['attention_mask'], ['t_maskf'], [intAttr('to', DataType.FLOAT)]),
    node('Unsqueeze', ['t_maskf', 't_axis2'], ['t_mask3']),
    node('Mul', [embedded, 't_mask3'], ['t_masked']),
    node('ReduceSum', ['t_masked', 't_axis1'], ['t_sum'], [intAttr('keepdims', 0)]),
    node('ReduceSum', ['t_mask3', 't_axis1'], ['t_count'], [intAttr('keepdims', 0)]),
    node('Max', ['t_count', 't_one'], ['t_count1']),
    node('Div', ['t_sum', 't_count1'], ['t_mean']),
    node('Tanh', ['t_mean'], ['t_h']),
    node('MatMul', ['t_h', 't_proj_w'], ['text_embeds']),
  );
  return { inputs, outputs, initializers, nodes };
}

function writeGraph(file: string, towers: Tower[], extra: Partial<Tower> = {}): void {
  const graph = onnx.GraphProto.create({
    name: 'tiny_clip_test_fixture',
    node: [...towers.flatMap((t) => t.nodes), ...(extra.nodes ?? [])],
    initializer: towers.flatMap((t) => t.initializers),
    input: towers.flatMap((t) => t.inputs),
    output: [...towers.flatMap((t) => t.outputs), ...(extra.outputs ?? [])],
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'mediasearch-test-fixture',
    graph,
  });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, onnx.ModelProto.encode(model).finish());
}

/** GPT-2/CLIP byte-to-unicode table: every byte gets a printable character, in CLIP's vocabulary order. */
function bytesToUnicode(): string[] {
  const bytes: number[] = [];
  for (let b = 33; b <= 126; b++) bytes.push(b);
  for (let b = 161; b <= 172; b++) bytes.push(b);
  for (let b = 174; b <= 255; b++) bytes.push(b);
  const chars = bytes.map((b) => String.fromCharCode(b));
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    if (!bytes.includes(b)) {
      bytes.push(b);
      chars.push(String.fromCharCode(256 + extra));
      extra++;
    }
  }
  return chars;
}

/** A few merges so that common words become single tokens, as in a real CLIP vocabulary. */
const MERGES: Array<[string, string]> = [
  ['t', 'h'],
  ['th', 'e</w>'],
  ['o', 'f</w>'],
  ['c', 'a'],
  ['ca', 't</w>'],
  ['d', 'o'],
  ['do', 'g</w>'],
  ['p', 'h'],
  ['ph', 'o'],
  ['pho', 't'],
  ['phot', 'o</w>'],
  ['o', 'n</w>'],
  ['i', 'n'],
  ['in', 'g</w>'],
  ['a', 'n'],
  ['an', 'd</w>'],
];

export const TINY_BOS = '<|startoftext|>';
export const TINY_EOS = '<|endoftext|>';

/** A CLIP-style byte-level BPE tokenizer.json with a 500-odd token vocabulary. */
function clipTokenizer(): { tokenizer: unknown; vocabSize: number } {
  const base = bytesToUnicode();
  const vocabList = [...base, ...base.map((c) => `${c}</w>`), ...MERGES.map(([a, b]) => a + b)];
  const vocab: Record<string, number> = {};
  vocabList.forEach((token, id) => {
    vocab[token] = id;
  });
  const bos = vocabList.length;
  const eos = bos + 1;
  vocab[TINY_BOS] = bos;
  vocab[TINY_EOS] = eos;
  const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true });
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(bos, TINY_BOS), special(eos, TINY_EOS)],
    normalizer: {
      type: 'Sequence',
      normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        {
          type: 'Split',
          pattern: { Regex: "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+" },
          behavior: 'Removed',
          invert: true,
        },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: { type: 'RobertaProcessing', sep: [TINY_EOS, eos], cls: [TINY_BOS, bos], trim_offsets: false, add_prefix_space: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: TINY_EOS,
      continuing_subword_prefix: '',
      end_of_word_suffix: '</w>',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges: MERGES.map(([a, b]) => `${a} ${b}`),
    },
  };
  return { tokenizer, vocabSize: eos + 1 };
}

function writeJson(file: string, value: unknown): void {
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Writes the fixture into `<modelDir>/<name>/` and returns its registry-style spec.
 */
export function writeTinyClipModel(modelDir: string, options: TinyClipOptions = {}): ModelSpec {
  const variant = options.variant ?? 'split';
  const name = options.name ?? (variant === 'split' ? 'tiny-clip-test' : `tiny-clip-${variant}-test`);
  const folder = path.join(modelDir, name);
  fs.mkdirSync(folder, { recursive: true });
  const next = random(options.seed ?? 20240611);

  const { tokenizer, vocabSize } = clipTokenizer();
  writeJson(path.join(folder, 'tokenizer.json'), tokenizer);
  writeJson(path.join(folder, 'tokenizer_config.json'), {
    add_prefix_space: false,
    bos_token: TINY_BOS,
    clean_up_tokenization_spaces: true,
    do_lower_case: true,
    eos_token: TINY_EOS,
    errors: 'replace',
    model_max_length: TINY_TEXT_LENGTH,
    pad_token: TINY_EOS,
    tokenizer_class: 'CLIPTokenizer',
    unk_token: TINY_EOS,
  });
  const shared = { do_convert_rgb: true, do_normalize: true, do_rescale: true, do_resize: true, image_mean: CLIP_MEAN, image_std: CLIP_STD, resample: 3, rescale_factor: 1 / 255 };
  writeJson(
    path.join(folder, 'preprocessor_config.json'),
    variant === 'combined'
      ? // Chinese-CLIP style: exact resize, crop size present but switched off.
        { ...shared, crop_size: { height: TINY_IMAGE_SIZE, width: TINY_IMAGE_SIZE }, do_center_crop: false, size: { height: TINY_IMAGE_SIZE, width: TINY_IMAGE_SIZE } }
      : { ...shared, crop_size: { height: TINY_IMAGE_SIZE, width: TINY_IMAGE_SIZE }, do_center_crop: true, size: { shortest_edge: TINY_IMAGE_SIZE } },
  );
  writeJson(path.join(folder, 'config.json'), {
    _comment: 'mediasearch test fixture: tiny random weights, not a trained model',
    model_type: 'clip',
    projection_dim: TINY_DIMENSION,
    text_config: { hidden_size: HIDDEN, vocab_size: vocabSize, max_position_embeddings: TINY_TEXT_LENGTH },
    vision_config: { image_size: TINY_IMAGE_SIZE, num_channels: 3 },
  });

  let graphs: string[];
  let runtime: ModelSpec['runtime'];
  if (variant === 'combined') {
    const vision = visionTower(next, 'image_batch_size');
    const text = textTower(next, vocabSize, 'text_batch_size', variant);
    const nodes = [node('Transpose', ['text_embeds'], ['text_embeds_t'], [intsAttr('perm', [1, 0])]), node('MatMul', ['image_embeds', 'text_embeds_t'], ['logits_per_image'])];
    const outputs = [valueInfo('logits_per_image', DataType.FLOAT, ['image_batch_size', 'text_batch_size'])];
    if (options.rejectEmptyBatches) {
      text.initializers.push(int64Init('first_index', [0]));
      nodes.push(node('Gather', ['text_embeds', 'first_index'], ['first_text_embeds'], [intAttr('axis', 0)]));
      nodes.push(node('Gather', ['image_embeds', 'first_index'], ['first_image_embeds'], [intAttr('axis', 0)]));
      outputs.push(valueInfo('first_text_embeds', DataType.FLOAT, [1, TINY_DIMENSION]), valueInfo('first_image_embeds', DataType.FLOAT, [1, TINY_DIMENSION]));
    }
    writeGraph(path.join(folder, 'onnx', 'model.onnx'), [text, vision], { nodes, outputs });
    graphs = ['onnx/model.onnx'];
    runtime = {
      imageModel: 'onnx/model.onnx',
      textModel: 'onnx/model.onnx',
      imageInput: 'pixel_values',
      imageOutput: 'image_embeds',
      textInputs: ['input_ids', 'attention_mask', 'token_type_ids'],
      textOutput: 'text_embeds',
      textLength: null,
    };
  } else {
    writeGraph(path.join(folder, 'onnx', 'vision_model.onnx'), [visionTower(next, 'batch_size')]);
    writeGraph(path.join(folder, 'onnx', 'text_model.onnx'), [textTower(next, vocabSize, 'batch_size', variant)]);
    graphs = ['onnx/text_model.onnx', 'onnx/vision_model.onnx'];
    runtime = {
      imageModel: 'onnx/vision_model.onnx',
      textModel: 'onnx/text_model.onnx',
      imageInput: 'pixel_values',
      imageOutput: 'image_embeds',
      textInputs: variant === 'fixed-length' ? ['input_ids'] : ['input_ids', 'attention_mask'],
      textOutput: 'text_embeds',
      textLength: variant === 'fixed-length' ? TINY_TEXT_LENGTH : null,
    };
  }

  return {
    name,
    task: 'image-text-embedding',
    description: `Test fixture (${variant} layout): tiny random weights with the file layout and tensor names of a real CLIP export`,
    dimension: TINY_DIMENSION,
    languages: ['en'],
    licence: 'test fixture',
    source: { repo: 'mediasearch-test/tiny-clip', revision: 'fixture' },
    files: [
      { path: 'config.json' },
      { path: 'preprocessor_config.json' },
      { path: 'tokenizer.json' },
      { path: 'tokenizer_config.json' },
      ...graphs.map((graph) => ({ path: graph })),
    ],
    runtime,
  };
}
