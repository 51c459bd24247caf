import type { ModelFile, ModelSpec } from './model-spec.js';

/**
 * The named models mediasearch knows how to pull and run. Every entry is an ONNX export on the
 * Hugging Face hub pinned to a commit, so a pull is reproducible; file names, revisions and
 * preprocessing were read from the repositories' file listings and configs.
 *
 * Graph precision: fp32 throughout. The transformers.js MobileCLIP cards warn that the vision
 * towers are sensitive to quantization (int8 vision exports give near-random embeddings), and text
 * towers only run once per query, so their extra size costs disk, not time.
 */

/** Files every transformers.js-layout repository provides besides the graphs. */
function hubFiles(...graphs: string[]): ModelFile[] {
  return [
    { path: 'config.json' },
    { path: 'preprocessor_config.json' },
    { path: 'tokenizer.json' },
    { path: 'tokenizer_config.json' },
    ...graphs.map((graph) => ({ path: graph })),
  ];
}

export const MODEL_REGISTRY: readonly ModelSpec[] = [
  {
    name: 'mobileclip-s0',
    task: 'image-text-embedding',
    description:
      'Apple MobileCLIP-S0 (transformers.js ONNX export): the smallest and fastest model, English queries. ' +
      '256×256 input, bilinear resize, no mean/std normalisation; text padded to 77 tokens.',
    dimension: 512,
    languages: ['en'],
    licence: 'apple-ascl (Apple Sample Code License, LICENSE file in the repository)',
    source: { repo: 'Xenova/mobileclip_s0', revision: '9db4e77d9bbdeb1c1e8c1efa9702047e8d2d5ec2' },
    files: [...hubFiles('onnx/text_model.onnx', 'onnx/vision_model.onnx'), { path: 'LICENSE' }],
    runtime: {
      imageModel: 'onnx/vision_model.onnx',
      textModel: 'onnx/text_model.onnx',
      imageInput: 'pixel_values',
      imageOutput: 'image_embeds',
      textInputs: ['input_ids'],
      textOutput: 'text_embeds',
      // The export has a fixed context of 77 tokens; shorter inputs are rejected by the graph.
      textLength: 77,
    },
  },
  {
    name: 'clip-vit-b32',
    task: 'image-text-embedding',
    description: 'OpenAI CLIP ViT-B/32 (transformers.js ONNX export), English queries. 224×224 input, bicubic resize, centre crop.',
    dimension: 512,
    languages: ['en'],
    licence: 'MIT',
    source: { repo: 'Xenova/clip-vit-base-patch32', revision: '4c1807b705b1d015fb032789cc4d221b23025a6f' },
    files: hubFiles('onnx/text_model.onnx', 'onnx/vision_model.onnx'),
    runtime: {
      imageModel: 'onnx/vision_model.onnx',
      textModel: 'onnx/text_model.onnx',
      imageInput: 'pixel_values',
      imageOutput: 'image_embeds',
      textInputs: ['input_ids'],
      textOutput: 'text_embeds',
      textLength: null,
    },
  },
  {
    name: 'chinese-clip-vit-b16',
    task: 'image-text-embedding',
    description:
      'OFA-Sys Chinese-CLIP ViT-B/16 (transformers.js ONNX export), Chinese queries. The repository ships one ' +
      'combined graph for both towers. 224×224 input, bicubic resize without crop.',
    dimension: 512,
    languages: ['zh'],
    licence: 'MIT (OFA-Sys/Chinese-CLIP)',
    // a47f056 is the head of main: "[Automated] Update base model metadata" on top of the fp16 upload.
    source: { repo: 'Xenova/chinese-clip-vit-base-patch16', revision: 'a47f0564d97bd17daf985de2f0fafb364c2ddb85' },
    files: hubFiles('onnx/model.onnx'),
    runtime: {
      imageModel: 'onnx/model.onnx',
      textModel: 'onnx/model.onnx',
      imageInput: 'pixel_values',
      imageOutput: 'image_embeds',
      textInputs: ['input_ids', 'attention_mask', 'token_type_ids'],
      textOutput: 'text_embeds',
      textLength: null,
      // Chinese-CLIP was trained with a 52-token context (its tokenizer allows 512).
      maxTextLength: 52,
    },
  },
  {
    name: 'siglip-b16-256-multilingual',
    task: 'image-text-embedding',
    description:
      'Google SigLIP base/16 at 256 px, multilingual text tower (ONNX export in transformers.js layout), for queries ' +
      'in Chinese, English and most other widely used languages. Text padded to 64 tokens.',
    dimension: 768,
    languages: ['en', 'zh', 'ja', 'ko', 'de', 'fr', 'es', 'it', 'pt', 'nl', 'pl', 'ru', 'uk', 'tr', 'ar', 'hi', 'id', 'th', 'vi'],
    licence: 'Apache-2.0',
    source: { repo: 'pulsejet/siglip-base-patch16-256-multilingual-onnx', revision: '443f7a60fb4cd33e220fcf9e6a9a1fdc948e8d82' },
    files: hubFiles('onnx/text_model.onnx', 'onnx/vision_model.onnx'),
    runtime: {
      imageModel: 'onnx/vision_model.onnx',
      textModel: 'onnx/text_model.onnx',
      imageInput: 'pixel_values',
      // SigLIP's towers end in their own pooling heads; pooler_output is the embedding.
      imageOutput: 'pooler_output',
      textInputs: ['input_ids'],
      textOutput: 'pooler_output',
      // SigLIP was trained on texts padded to 64 tokens and pools the last position.
      textLength: 64,
    },
  },
];

export const DEFAULT_MM_MODEL = 'mobileclip-s0';

export function findModelSpec(name: string): ModelSpec | undefined {
  return MODEL_REGISTRY.find((spec) => spec.name === name);
}
