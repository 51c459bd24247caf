import type { IndexType } from '../../types.js';
import type { JobHandler } from '../scheduler.js';

/**
 * The job of one index type once the file is ingested. The analysers (segments and keyframes,
 * visual-language embeddings, faces, labels/OCR/speech) arrive with the analysis work; until an
 * analyser is registered for a type, its job records that it had nothing to run, so status
 * reporting, retries and cancellation are already exercised end to end.
 */
export function createIndexJob(indexType: IndexType): JobHandler {
  return async (_job, asset) => ({
    indexType,
    analysers: [],
    note: `no ${indexType} analyser is installed in this build; the asset was verified by ffprobe only`,
    mediaType: asset.mediaType,
  });
}
