import { MediaError } from '../media/media-error.js';
import type { SegmentPlanOptions } from '../analysis/segments/segment-planner.js';
import type { SegmentedMedia } from '../analysis/segments/segment-media.js';
import type { MediaProbe, MediaType } from '../types.js';

/** Messages the scheduler sends to worker threads; each has a `task` name and plain-data fields. */
export interface PrepareMediaTask {
  task: 'prepare-media';
  /** Local path of the source file. */
  path: string;
  /** Where to write the JPEG thumbnail. */
  thumbnailPath: string;
  /** Folder for the keyframe JPEGs. */
  keyframeDir: string;
  segmentation: SegmentPlanOptions;
  /** The MediaType the asset was inserted with; a file of another kind is not segmented. */
  expectedKind?: MediaType;
}

export interface PrepareMediaResult extends SegmentedMedia {
  probe: MediaProbe;
  thumbnail: boolean;
}

export type WorkerTask = PrepareMediaTask;

export type WorkerTaskResult<T extends WorkerTask> = T extends PrepareMediaTask ? PrepareMediaResult : never;

/**
 * Errors cross the thread boundary by structured clone, which keeps only name and message; the
 * worker folds a MediaError's kind and retryability into the message and the scheduler unfolds it,
 * so a bad file still fails its job at once while a crash is retried.
 */
const MARK = /^\[MediaError (retryable|permanent)\] /;

export function encodeWorkerError(error: unknown): unknown {
  if (error instanceof MediaError) {
    return new Error(`[MediaError ${error.retryable ? 'retryable' : 'permanent'}] ${error.message}`);
  }
  return error;
}

export function decodeWorkerError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const match = MARK.exec(error.message);
  if (!match) return error;
  return new MediaError(error.message.slice(match[0].length), { retryable: match[1] === 'retryable' });
}
