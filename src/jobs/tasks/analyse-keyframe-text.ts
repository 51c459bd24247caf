import { decodeImage } from '../../analysis/image-decoder.js';
import { analyseKeyframeText as analyseFrames } from '../../analysis/labels/analyse-labels.js';
import type { AnalyseKeyframeTextResult, AnalyseKeyframeTextTask } from '../worker-tasks.js';

/** Keyframes are decoded one at a time, so a long video's keyframes never sit in memory together. */
export async function analyseKeyframeText(task: AnalyseKeyframeTextTask): Promise<AnalyseKeyframeTextResult> {
  const result: AnalyseKeyframeTextResult = { labels: [], ocr: [], ocrRecognised: 0 };
  for (const frame of task.frames) {
    const image = await decodeImage(frame.file);
    const found = await analyseFrames([{ time: frame.time, image }]);
    result.labels.push(...found.labels);
    result.ocr.push(...found.ocr);
    if (found.ocr.length > 0) result.ocrRecognised += 1;
  }
  return result;
}
