import { selectSpeechEngine } from '../../analysis/speech/speech-engine.js';
import type { TranscribeResult, TranscribeTask } from '../worker-tasks.js';

export async function transcribe(task: TranscribeTask, signal?: AbortSignal): Promise<TranscribeResult> {
  const choice = await selectSpeechEngine({ engine: task.engine });
  if (!choice.engine) return { engine: null, pieces: [], skipped: choice.reason };
  const pieces = await choice.engine.transcribe(task.path, signal ? { signal } : {});
  return { engine: choice.engine.name, pieces, skipped: null };
}
