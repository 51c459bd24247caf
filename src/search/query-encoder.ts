import { loadClipEmbedder } from '../analysis/mm/clip-embedder.js';
import type { ImageTextEmbedder } from '../analysis/types.js';
import type { ModelCatalog } from '../models/model-catalog.js';
import { ModelNotInstalledError } from '../models/model-errors.js';
import { isModelInstalled } from '../models/model-paths.js';
import type { ModelSpec } from '../models/model-spec.js';
import { GENERIC_CAPTIONS, type CaptionLanguage } from './hybrid/generic-captions.js';

export interface EncodedQuery {
  readonly spec: ModelSpec;
  readonly query: Float32Array;
  /** The generic captions of the query's language (the model channel's baseline). */
  readonly generic: readonly Float32Array[];
}

/**
 * Embeds search texts in the server process: a query is one short text, and onnxruntime runs it
 * on its own threads, so the event loop stays free and a search never waits behind analysis jobs
 * in the worker pool. Each model is loaded on first use and kept; the generic captions are
 * embedded once per model and language.
 */
export class QueryEncoder {
  private readonly embedders = new Map<string, Promise<ImageTextEmbedder>>();
  private readonly generic = new Map<string, Promise<Float32Array[]>>();

  constructor(
    private readonly catalog: ModelCatalog,
    private readonly modelDir: string,
  ) {}

  /** Throws ModelNotInstalledError when the model's files are missing (or the model is unknown). */
  async encode(model: string, text: string, language: CaptionLanguage): Promise<EncodedQuery> {
    const spec = this.catalog.find(model);
    if (!spec) throw new ModelNotInstalledError(model);
    const embedder = await this.embedder(spec);
    const genericKey = `${model}\u0000${language}`;
    let generic = this.generic.get(genericKey);
    if (!generic) {
      generic = embedder.embedTexts([...GENERIC_CAPTIONS[language]]);
      this.generic.set(genericKey, generic);
      generic.catch(() => this.generic.delete(genericKey));
    }
    const [[query], captions] = await Promise.all([embedder.embedTexts([text]), generic]);
    return { spec, query: query!, generic: captions };
  }

  async isInstalled(model: string): Promise<boolean> {
    const spec = this.catalog.find(model);
    return spec !== undefined && (await isModelInstalled(this.modelDir, spec));
  }

  async close(): Promise<void> {
    const loaded = [...this.embedders.values()];
    this.embedders.clear();
    this.generic.clear();
    for (const embedder of loaded) await embedder.then((e) => e.dispose(), () => undefined);
  }

  private embedder(spec: ModelSpec): Promise<ImageTextEmbedder> {
    let embedder = this.embedders.get(spec.name);
    if (!embedder) {
      embedder = loadClipEmbedder(spec, { modelDir: this.modelDir, intraOpThreads: 1, batchSize: 8 });
      this.embedders.set(spec.name, embedder);
      // A failed load (files missing, then pulled) is tried again by the next search.
      embedder.catch(() => this.embedders.delete(spec.name));
    }
    return embedder;
  }
}
