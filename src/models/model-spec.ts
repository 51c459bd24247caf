/**
 * What the model registry knows about each named model. A model is a set of files in a Hugging
 * Face-style repository at a pinned revision; `models pull` copies them into
 * `<modelDir>/<name>/` keeping the repository-relative paths, and the loaders read only from there.
 */

export interface ModelFile {
  /** Path inside the repository (and inside the local model folder), e.g. "onnx/vision_model.onnx". */
  path: string;
  /** Expected SHA-256 (hex) of the file; when absent the downloader trusts the hub's ETag/X-Linked-Etag. */
  sha256?: string;
  /** Expected size in bytes, when known (used for progress and as a first integrity check). */
  size?: number;
}

export interface ModelSource {
  /** Repository id on the Hugging Face hub, e.g. "Xenova/clip-vit-base-patch32". */
  repo: string;
  /** Commit sha (preferred) or branch name the files are taken from. */
  revision: string;
}

/** PIL's resampling filters, by the names Hugging Face image processors give them (resample 0–5). */
export type ResampleFilter = 'nearest' | 'lanczos' | 'bilinear' | 'bicubic' | 'box' | 'hamming';

/**
 * How a picture becomes the image graph's input, in the terms of a Hugging Face
 * `preprocessor_config.json` (CLIPImageProcessor and relatives): resize, centre crop, rescale,
 * normalise, NCHW.
 */
export interface ImagePreprocessing {
  /** Shortest edge to this many pixels keeping the aspect ratio, or an exact size; null: no resize. */
  resize: { shortestEdge: number } | { width: number; height: number } | null;
  resample: ResampleFilter;
  /** Centre crop (zero-padded when the picture is smaller); null: no crop. */
  crop: { width: number; height: number } | null;
  /** Factor applied to the 0–255 values (usually 1/255); null: none. */
  rescale: number | null;
  /** Per-channel (R, G, B) mean and standard deviation; null: no normalisation. */
  mean: [number, number, number] | null;
  std: [number, number, number] | null;
}

/**
 * How a visual-language (CLIP-family) model is run: ONNX graphs and their tensor names.
 * When `imageModel` and `textModel` name the same file, the model ships one combined graph (both
 * towers, separate batch dimensions); the embedder then gives the tower it does not need a
 * placeholder input.
 */
export interface VisualLanguageRuntime {
  imageModel: string;
  textModel: string;
  /** Input of the image graph (NCHW float32). */
  imageInput: string;
  imageOutput: string;
  /**
   * Inputs of the text graph, in the tokenizer's names (input_ids, attention_mask, token_type_ids).
   * The embedder feeds what the graph itself declares from this family of names, so this list
   * documents the expected graph and is checked by the tests rather than trusted at run time.
   */
  textInputs: string[];
  textOutput: string;
  /** Fixed sequence length the text graph expects (pad/truncate to it), or null for dynamic. */
  textLength: number | null;
  /**
   * Longest token sequence (special tokens included) for a dynamic-length text graph when the
   * model was trained on shorter texts than its tokenizer allows; default: the tokenizer's
   * model_max_length.
   */
  maxTextLength?: number;
  /** Overrides of (or, for a model without preprocessor_config.json, all of) the image preprocessing. */
  preprocess?: Partial<ImagePreprocessing>;
}

export interface ModelSpec {
  name: string;
  task: 'image-text-embedding';
  description: string;
  /** Embedding dimension of both towers. */
  dimension: number;
  /** ISO 639-1 codes of the query languages the text tower understands. */
  languages: string[];
  /**
   * The softmax temperature the model was trained with (exp of its logit_scale), used to turn
   * cosines into relevance probabilities; absent: 100, the CLIP value MobileCLIP, Chinese-CLIP and
   * OpenAI CLIP share.
   */
  logitScale?: number;
  licence: string;
  source: ModelSource;
  files: ModelFile[];
  runtime: VisualLanguageRuntime;
}
