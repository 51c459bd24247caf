import { decodeImage } from '../../analysis/image-decoder.js';
import { loadClipEmbedder } from '../../analysis/mm/clip-embedder.js';
import type { ImageTextEmbedder } from '../../analysis/types.js';
import { MediaError } from '../../media/media-error.js';
import { ModelNotInstalledError } from '../../models/model-errors.js';
import type { EmbedKeyframesResult, EmbedKeyframesTask } from '../worker-tasks.js';

/** One loaded model per worker thread, kept between tasks (loading costs seconds, a keyframe milliseconds). */
let loaded: { key: string; embedder: Promise<ImageTextEmbedder> } | undefined;

function embedderFor(task: EmbedKeyframesTask): Promise<ImageTextEmbedder> {
  const key = `${task.modelDir}\u0000${task.spec.name}\u0000${task.spec.source.revision}`;
  if (loaded?.key !== key) {
    const previous = loaded?.embedder;
    const embedder = loadClipEmbedder(task.spec, { modelDir: task.modelDir });
    // A failed load is not cached: the next task tries again (e.g. after `models pull`).
    embedder.catch(() => {
      if (loaded?.embedder === embedder) loaded = undefined;
    });
    loaded = { key, embedder };
    void previous?.then((e) => e.dispose()).catch(() => undefined);
  }
  return loaded.embedder;
}

export async function embedKeyframes(task: EmbedKeyframesTask): Promise<EmbedKeyframesResult> {
  let embedder: ImageTextEmbedder;
  try {
    embedder = await embedderFor(task);
  } catch (error) {
    // Not installed is the user's to fix (`models pull`), not a transient fault: fail the job at once.
    if (error instanceof ModelNotInstalledError) throw new MediaError(error.message);
    throw error;
  }
  // The preprocessor resizes to the model's 224-256 px; decoding at ≤ 512 px keeps that cheap.
  const images = await Promise.all(task.files.map((file) => decodeImage(file, { maxSide: 512 })));
  const vectors = await embedder.embedImages(images);
  return { model: embedder.model, dimension: embedder.dimension, vectors };
}
