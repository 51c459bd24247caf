import { sharedOcrEngine } from '../ocr/ocr-engine.js';
import type { LabelHit, OcrLine, TimedFrame } from '../types.js';
import { sharedObjectDetector } from './object-detector.js';

export interface KeyframeText {
  labels: LabelHit[];
  ocr: OcrLine[];
}

/**
 * The searchable words in a set of keyframes: COCO object labels and the text printed in them.
 * Both models are loaded once per thread on first use and reused for every later call; frames are
 * analysed one after another, since each model already keeps the thread's core busy.
 */
export async function analyseKeyframeText(
  frames: readonly TimedFrame[],
  options: { signal?: AbortSignal } = {},
): Promise<KeyframeText> {
  const result: KeyframeText = { labels: [], ocr: [] };
  if (frames.length === 0) return result;
  const [detector, ocr] = await Promise.all([sharedObjectDetector(), sharedOcrEngine()]);
  for (const frame of frames) {
    options.signal?.throwIfAborted();
    result.labels.push(...(await detector.detect(frame.image, frame.time)));
    result.ocr.push(...(await ocr.recognise(frame.image, frame.time)));
  }
  return result;
}
