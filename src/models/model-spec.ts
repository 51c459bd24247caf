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

/** How a visual-language (CLIP-family) model is run: two ONNX graphs and their tensor names. */
export interface VisualLanguageRuntime {
  imageModel: string;
  textModel: string;
  /** Input of the image graph (NCHW float32). */
  imageInput: string;
  imageOutput: string;
  /** Inputs of the text graph that are fed, in the tokenizer's names (input_ids, attention_mask…). */
  textInputs: string[];
  textOutput: string;
  /** Fixed sequence length the text graph expects (pad/truncate to it), or null for dynamic. */
  textLength: number | null;
}

export interface ModelSpec {
  name: string;
  task: 'image-text-embedding';
  description: string;
  /** Embedding dimension of both towers. */
  dimension: number;
  /** ISO 639-1 codes of the query languages the text tower understands. */
  languages: string[];
  licence: string;
  source: ModelSource;
  files: ModelFile[];
  runtime: VisualLanguageRuntime;
}
